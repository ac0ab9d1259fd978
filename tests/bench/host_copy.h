/* SPDX-License-Identifier: MIT */
/* host_copy.h: what the CPU benchmarks share — a monotonic clock, and the
 * host's copy bandwidth (bytes read + written per second, best of 5
 * copies of 256 MiB split over OpenMP threads), the figure every CPU
 * rate is set against in docs/PERFORMANCE.md. */
#ifndef METAPLAST_BENCH_HOST_COPY_H
#define METAPLAST_BENCH_HOST_COPY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static inline double mp_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* threads: as many as the engine measured beside it uses (0: OpenMP's
 * default).  0.0 when the arrays cannot be had. */
static inline double mp_bench_copy_bandwidth(int threads)
{
    const size_t n = (size_t)1 << 28;
    char *a = malloc(n), *b = malloc(n);
    double best = 0.0;
    int rep;
#ifdef _OPENMP
    const int team = threads > 0 ? threads : omp_get_max_threads();
#else
    const int team = 1;
    (void)threads;
#endif
    (void)team;
    if (!a || !b) {
        free(a);
        free(b);
        return 0.0;
    }
    memset(a, 1, n);
    memset(b, 2, n);
    for (rep = 0; rep < 5; rep++) {
        int64_t c;
        double t0 = mp_bench_now(), dt;
#pragma omp parallel for schedule(static) num_threads(team)
        for (c = 0; c < 256; c++)
            memcpy(b + (size_t)c * (n / 256), a + (size_t)c * (n / 256),
                   n / 256);
        dt = mp_bench_now() - t0;
        if (2.0 * (double)n / dt > best)
            best = 2.0 * (double)n / dt;
    }
    if (b[12345] != 1)
        best = 0.0; /* the copy must have happened */
    free(a);
    free(b);
    return best;
}

#endif
