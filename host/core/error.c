/* SPDX-License-Identifier: MIT */
/* error.c: texts of the MP_E* codes, the error-message channel and the
 * fault-injection sites. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"

#define MSG_LEN 4096

static _Thread_local char message[MSG_LEN];

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

const char *mp_errmsg(void)
{
    return message;
}

/* The arguments may include mp_errmsg() itself: the text is formatted
 * aside, then copied. */
int mp__fail(int code, const char *fmt, ...)
{
    char text[MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    snprintf(message, sizeof message, "%s",
             text[0] ? text : mp_strerror(code));
    return code;
}

int mp__fail_prefix(int code, const char *fmt, ...)
{
    char text[MSG_LEN];
    size_t n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    n = strlen(text);
    snprintf(text + n, sizeof text - n, "%s",
             message[0] ? message : mp_strerror(code));
    memcpy(message, text, sizeof message);
    return code;
}

/* ---- Fault injection (docs/RELIABILITY.md) ----------------------------- */

static struct {
    int error;           /* errno to fail with, 0 = off */
    unsigned long from;  /* first failing operation, 1-based */
    unsigned long calls; /* operations so far */
} faults[3];

void mp_fault_set(int site, int error, unsigned long from)
{
    if (site < 0 || site > 2)
        return;
    faults[site].error = error;
    faults[site].from = from ? from : 1;
    faults[site].calls = 0;
}

int mp__fault(int site)
{
    if (site < 0 || site > 2 || !faults[site].error)
        return 0;
    faults[site].calls++;
    return faults[site].calls >= faults[site].from ? faults[site].error : 0;
}
