/* SPDX-License-Identifier: MIT */
/* util.h (private): the library's error reporting and test hooks. */
#ifndef METAPLAST_PRIVATE_UTIL_H
#define METAPLAST_PRIVATE_UTIL_H

#include <stddef.h>

#include "../error.h"

#if defined(__GNUC__)
#define MP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MP_PRINTF(a, b)
#endif

/* A hot loop compiled also for AVX2 and AVX-512 (F), the copy chosen
 * when the program loads from what the processor has (GCC, x86-64; the
 * rest of the build stays portable).  The arithmetic is the same: no
 * contraction (-ffp-contract=off), no reassociation, so every copy gives
 * the same bits; wider registers hold the 32 partial sums of the fixed
 * summation order without spilling them. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&      \
    !defined(MP_CUDASIM)
#define MP_VECTOR_CLONES                                                     \
    __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MP_VECTOR_CLONES
#endif

/* Sets this thread's error text (mp_errmsg) and returns code: every
 * error path of the library ends in `return mp__fail(MP_E..., ...)`. */
int mp__fail(int code, const char *fmt, ...) MP_PRINTF(2, 3);

/* Puts context before the current error text ("resume x: " + text) and
 * returns code. */
int mp__fail_prefix(int code, const char *fmt, ...) MP_PRINTF(2, 3);

/* The errno value the current operation at a fault site must fail with
 * (mp_fault_set), or 0.  Counts the operation. */
int mp__fault(int site);

#endif
