/* SPDX-License-Identifier: MIT */
/* error.c: texts of the MP_E* codes, and error-message formatting. */
#include "metaplast/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Test hook (docs/RELIABILITY.md): MP_FAULT="<what>-<kind>[@N]" makes the
 * N-th (default: first) and every later operation of that kind fail:
 * <what> is checkpoint, record or device; <kind> enospc, eacces or error.
 * Returns the errno to report (EIO for "error"), or 0.  Never set in
 * production.
 */
int mp__fault(const char *what)
{
    static const struct {
        const char *kind;
        int code;
    } kinds[] = {{"enospc", ENOSPC}, {"eacces", EACCES}, {"error", EIO}};
    static unsigned long calls[3];
    static const char *const whats[3] = {"checkpoint", "record", "device"};
    const char *f = getenv("MP_FAULT"), *at;
    size_t i, w, len = strlen(what);
    unsigned long n = 1;
    if (!f || strncmp(f, what, len) || f[len] != '-')
        return 0;
    for (w = 0; w < 3 && strcmp(whats[w], what); w++)
        ;
    if (w == 3)
        return 0;
    calls[w]++;
    at = strchr(f, '@');
    if (at)
        n = strtoul(at + 1, NULL, 10);
    for (i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t k = strlen(kinds[i].kind);
        if (!strncmp(f + len + 1, kinds[i].kind, k) &&
            (f[len + 1 + k] == '\0' || f[len + 1 + k] == '@'))
            return calls[w] >= n ? kinds[i].code : 0;
    }
    return 0;
}
