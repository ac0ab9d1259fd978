/* SPDX-License-Identifier: MIT */
/* error.c: texts of the MP_E* codes. */
#include "metaplast/error.h"

const char *mp_strerror(int code)
{
    switch (code) {
#define MP_X(name, value, msg)                                               \
    case value:                                                              \
        return msg;
        MP_ERROR_TABLE(MP_X)
#undef MP_X
    default:
        return "unknown error";
    }
}
