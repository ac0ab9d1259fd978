/* SPDX-License-Identifier: MIT */
/* util.h (internal): small helpers shared by the library's files. */
#ifndef METAPLAST_DETAIL_UTIL_H
#define METAPLAST_DETAIL_UTIL_H

#include <stddef.h>

/* snprintf into an error buffer that may be NULL or empty. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void mp__errf(char *err, size_t errlen, const char *fmt, ...);

/* Fault injection for tests: MP_FAULT="<what>-<kind>[@N]" (host/error.c).
 * Returns the errno the N-th and later operations of `what` must fail
 * with, or 0. */
int mp__fault(const char *what);

#endif
