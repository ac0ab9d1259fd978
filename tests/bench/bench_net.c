/* SPDX-License-Identifier: MIT */
/*
 * bench_net.c: synapse updates per second of the rate-network engine
 * (BCM, dense feed-forward), fused (one pass over the weights per step)
 * and unfused (update pass + current pass), with the bytes each moves per
 * step over the copy bandwidth measured in the same run.  With --backend
 * cuda, also the pass's modelled limit on an H200 (roofline.h) and
 * achieved / limit, one "roofline |" line per case.  Not a test:
 * docs/PERFORMANCE.md records its output.
 *
 * usage: metaplast-bench-net [--inputs N] [--neurons M] [--steps S]
 *                            [--backend cpu|cuda]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/error.h"
#include "metaplast/net.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/net_backend.h"
#include "host_copy.h"
#include "roofline.h"

int main(int argc, char **argv)
{
    uint32_t n_in = 10000, n_out = 1000;
    uint64_t steps = 50;
    struct mp_config c;
    double bw, dense_ups = 0, sparse_ups = 0;
    int i, fused, backend = MP_BACKEND_CPU;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--inputs"))
            n_in = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--neurons"))
            n_out = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps"))
            steps = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--backend"))
            backend = !strcmp(argv[i + 1], "cuda") ? MP_BACKEND_CUDA
                                                   : MP_BACKEND_CPU;
    }
    bw = backend == MP_BACKEND_CUDA ? mp__cuda_copy_bandwidth()
                                    : mp_bench_copy_bandwidth(0);
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.n_in = n_in;
    c.n_out = n_out;
    c.patterns = 8;
    c.pattern_kind = MP_PATTERNS_BINARY;
    c.duration_s = 1e6;
    c.record_interval_s = 1e5;
    c.noise = 0.1;
    c.backend = backend;
    if (mp_config_validate(&c)) {
        fprintf(stderr, "metaplast-bench-net: %s\n", mp_errmsg());
        return 2;
    }
#ifdef _OPENMP
    printf("threads: %d\n", omp_get_max_threads());
#endif
    printf("backend %s; measured copy bandwidth (%s): %.2f GB/s (read + "
           "write)\n",
           backend == MP_BACKEND_CUDA ? "cuda" : "cpu",
           backend == MP_BACKEND_CUDA ? "device" : "host", bw / 1e9);
    printf("dense feed-forward %u x %u = %.3g synapses, BCM with noise, %llu "
           "steps, best of 3\n",
           n_in, n_out, (double)n_in * n_out, (unsigned long long)steps);
    printf("%-8s %14s %12s %16s %14s\n", "pass", "updates/s", "steps/s",
           "bytes/step", "B/s / bandwidth");
    for (fused = 1; fused >= 0; fused--) {
        struct mp_net *n;
        double best = 1e300, ups, bytes;
        int rep;
        if (mp_net_create(&n, &c)) {
            fprintf(stderr, "metaplast-bench-net: %s\n", mp_errmsg());
            return 3;
        }
        if (backend == MP_BACKEND_CUDA && !fused) {
            mp_net_destroy(n);
            continue; /* the device pass is always fused */
        }
        mp__net_set_unfused(n, !fused);
        mp_net_advance(n, 2);
        for (rep = 0; rep < 3; rep++) {
            double t0 = mp_bench_now();
            mp_net_advance(n, steps);
            if (mp_bench_now() - t0 < best)
                best = mp_bench_now() - t0;
        }
        /* Fused: each weight read and written once; unfused: read twice. */
        bytes = (fused ? 8.0 : 12.0) * n_in * (double)n_out;
        ups = (double)n_in * n_out * (double)steps / best;
        printf("%-8s %14.3g %12.1f %16.3g %14.3f\n",
               fused ? "fused" : "unfused", ups, (double)steps / best, bytes,
               bytes * (double)steps / best / bw);
        if (fused)
            dense_ups = ups;
        mp_net_destroy(n);
    }

    /* Sparse recurrent: fan-in 1000 over inputs + neurons, indices stored
     * (4 bytes more per synapse and step) or drawn from Philox each step. */
    c.recurrent = 1;
    c.n_in = 1000;
    c.n_out = n_out * 10;
    c.fan_in = 1000;
    c.w_init = 0.01;
    c.w_init_rec = 0.001;
    if (mp_config_validate(&c)) {
        fprintf(stderr, "metaplast-bench-net: %s\n", mp_errmsg());
        return 2;
    }
    printf("\nsparse recurrent: %u neurons, fan-in %u of %u cells = %.3g "
           "synapses, %llu steps, best of 3\n",
           c.n_out, c.fan_in, c.n_in + c.n_out,
           (double)c.n_out * c.fan_in, (unsigned long long)steps);
    printf("%-11s %14s %12s %16s %14s\n", "indices", "updates/s", "steps/s",
           "bytes/step", "B/s / bandwidth");
    for (i = 0; i < 2; i++) {
        struct mp_net *n;
        double best = 1e300, ups, bytes;
        int rep;
        if (mp_net_create(&n, &c)) {
            fprintf(stderr, "metaplast-bench-net: %s\n", mp_errmsg());
            return 3;
        }
        if (backend == MP_BACKEND_CUDA && i) {
            mp_net_destroy(n);
            continue; /* the device keeps its indices */
        }
        mp__net_set_regen(n, i);
        mp_net_advance(n, 2);
        for (rep = 0; rep < 3; rep++) {
            double t0 = mp_bench_now();
            mp_net_advance(n, steps);
            if (mp_bench_now() - t0 < best)
                best = mp_bench_now() - t0;
        }
        /* Stored: one fused pass reads and writes w and reads idx;
         * regenerated: an update pass (w read + write) and a current pass
         * (w read).  The gathers of z (cached) are not counted. */
        bytes = (i ? 12.0 : 12.0) * c.fan_in * (double)c.n_out;
        ups = (double)c.fan_in * c.n_out * (double)steps / best;
        printf("%-11s %14.3g %12.1f %16.3g %14.3f\n",
               i ? "regenerated" : "stored", ups, (double)steps / best, bytes,
               bytes * (double)steps / best / bw);
        if (!i)
            sparse_ups = ups;
        mp_net_destroy(n);
    }
    if (backend == MP_BACKEND_CUDA) {
        /* The pass against its model (the whole step: the pass and the
         * two small per-neuron and per-input kernels). */
        char what[80];
        double bpu, lim;
        printf("\n");
        mp_roof_header();
        lim = mp_roof_net_dense(&bpu);
        snprintf(what, sizeof what, "dense %u x %u, fused", n_in, n_out);
        mp_roof_print("net_pass", what, dense_ups, lim, bpu, bw);
        lim = mp_roof_net_sparse(&bpu);
        snprintf(what, sizeof what, "sparse %u x %u, stored cells", c.n_out,
                 c.fan_in);
        mp_roof_print("net_pass", what, sparse_ups, lim, bpu, bw);
    }
    return 0;
}
