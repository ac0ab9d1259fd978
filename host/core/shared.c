/* SPDX-License-Identifier: MIT */
/* shared.c: the shared library's own translation unit; every symbol of
 * libmetaplast.so comes from the static library's objects, linked whole.
 * (A library target needs at least one source of its own.) */
#include "metaplast/metaplast.h"

const char *mp_shared_library(void);
const char *mp_shared_library(void)
{
    return "libmetaplast.so";
}
