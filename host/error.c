/* SPDX-License-Identifier: MIT */
/* error.c: texts of the MP_E* codes, and error-message formatting. */
#include "metaplast/error.h"

#include <stdarg.h>
#include <stdio.h>

#include "metaplast/detail/util.h"

void mp__errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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
