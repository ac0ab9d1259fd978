/* SPDX-License-Identifier: MIT */
/*
 * bench_ensemble.c: synapse updates per second of the ensemble engine, per
 * model, next to the two limits measured in the same run: the machine's
 * copy bandwidth and the scalar Philox4x32-10 rate (the bound of a scalar
 * engine; the vector paths draw several counters per instruction and pass
 * it).  With --backend cuda, also the kernel's modelled limit on an H200
 * (roofline.h) and achieved / limit, one "roofline |" line per case.  Not
 * a test: docs/PERFORMANCE.md records its output.
 *
 * usage: metaplast-bench [--synapses N] [--steps K] [--backend cpu|cuda]
 *                        [--threads T] [--isa generic|avx2|avx512]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/rng.h"
#include "metaplast/private/syn_rules.h"
#include "host_copy.h"
#include "roofline.h"

static int threads_of(int t)
{
#ifdef _OPENMP
    return t > 0 ? t : omp_get_max_threads();
#else
    (void)t;
    return 1;
#endif
}

/* Philox4x32-10 calls per second over all threads. */
static double philox_rate(int threads)
{
    const int64_t calls = (int64_t)1 << 26;
    uint32_t acc = 0;
    int64_t i;
    double t0 = mp_bench_now(), dt;
#pragma omp parallel for schedule(static) num_threads(threads)               \
    reduction(^ : acc)
    for (i = 0; i < calls; i++) {
        struct mp_u32x4 v =
            mp_rng_block(42, MP_RNG_TRANSITION, 7, (uint64_t)i);
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    dt = mp_bench_now() - t0;
    if (acc == 0x12345678u)
        printf("(unlikely)\n"); /* keeps the loop */
    return (double)calls / dt;
}

/* Philox calls per synapse update at f = 1/2: one byte of a TRANSITION
 * block (1/16) and 1/128 of a PATTERN block; REFINE draws (at most 1/256,
 * none for cascade x = 1/2 above depth 9) are left out. */
#define CALLS_PER_UPDATE (1.0 / 16 + 1.0 / 128)

struct model {
    const char *name;
    struct mp_syn_params p;
};

/* Seconds of the best of 3 calls of `per` memories each (per = 1: four
 * one-memory calls, per memory), a measurement of no age after each to
 * wait for the device. */
static double bf_time(struct mp_ens_backend *b, uint64_t *mu, uint64_t per)
{
    double best = 1e300, buf[MP_FSUM_MAX];
    int rep;
    for (rep = 0; rep < 3; rep++) {
        struct mp_fsum s;
        const uint64_t calls = per == 1 ? 4 : 1;
        uint64_t k;
        double t0 = mp_bench_now(), dt;
        for (k = 0; k < calls; k++)
            b->advance(b, *mu + k * per, per);
        mp_fsum_init(&s, buf, 1, MP_FSUM_MAX);
        b->measure_bf(b, NULL, 0, &s);
        *mu += calls * per;
        dt = (mp_bench_now() - t0) / (double)calls;
        if (dt < best)
            best = dt;
    }
    return best;
}

/* A Benna-Fusi chain of m = 6 (the defaults): updates/s (a synapse and
 * a memory), and the variables' bytes moved (8 m per synapse: read and
 * written once per call) over the copy bandwidth. */
static int bench_bf(uint64_t N, uint64_t steps, int backend, int threads,
                    double bw)
{
    struct mp_ens_backend b;
    struct mp_ens_desc d;
    struct mp_config c;
    uint64_t mu = 0;
    double fused, single, ups;
    int rc;
    mp_config_init(&c);
    c.syn.model = MP_SYN_BENNA_FUSI;
    memset(&b, 0, sizeof b);
    memset(&d, 0, sizeof d);
    if (mp__bf_rule_build(&c, &d.bf))
        return 1;
    d.synapses = N;
    d.padded = (N + MP_TILE - 1) / MP_TILE * MP_TILE;
    d.local = N;
    d.seed = 1;
    d.half = 1;
    d.threads = threads;
    rc = backend == MP_BACKEND_CUDA ? mp__ens_cuda_create(&b, &d)
                                    : mp__ens_cpu_create(&b, &d);
    if (rc || b.init_state(&b, NULL)) {
        fprintf(stderr, "metaplast-bench: benna_fusi: %s (%s)\n",
                mp_strerror(rc), mp_errmsg());
        return 3;
    }
    b.advance(&b, mu++, 1); /* warm up */
    fused = bf_time(&b, &mu, steps);
    single = bf_time(&b, &mu, 1);
    ups = (double)N * (double)steps / fused;
    printf("\n%-14s %14s %10s %12s %12s\n", "model", "updates/s",
           "ns/update", "fused B/s", "1-step B/s");
    printf("%-14s %14s %10s %12s %12s\n", "", "", "", "/ bandwidth",
           "/ bandwidth");
    printf("%-14s %14.3g %10.3f %12.3f %12.3f\n", "benna_fusi m=6", ups,
           1e9 / ups, 8.0 * d.bf.m * (double)N / fused / bw,
           8.0 * d.bf.m * (double)N / single / bw);
    printf("(float32 variables, 8 m bytes per synapse per call; 1-step: "
           "%.3g updates/s)\n",
           (double)N / single);
    b.destroy(&b);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t N = 10000000, steps = 32;
    int backend = MP_BACKEND_CPU, threads = 0, isa = MP_ISA_AUTO, i;
    struct model models[3];
    char host[512] = "?";
    double bw, rng, fused_ups[3] = {0, 0, 0}, single_ups[3] = {0, 0, 0};

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--synapses"))
            N = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--steps"))
            steps = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--isa"))
            isa = !strcmp(argv[i + 1], "generic") ? MP_ISA_GENERIC
                  : !strcmp(argv[i + 1], "avx2")  ? MP_ISA_AVX2
                                                  : MP_ISA_AVX512;
        else if (!strcmp(argv[i], "--backend"))
            backend = !strcmp(argv[i + 1], "cuda") ? MP_BACKEND_CUDA
                                                   : MP_BACKEND_CPU;
        else {
            fprintf(stderr, "metaplast-bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    memset(models, 0, sizeof models);
    models[0].name = "binary q=0.5";
    models[0].p.model = MP_SYN_BINARY;
    models[0].p.q_plus = models[0].p.q_minus = 0.5;
    models[1].name = "cascade n=10";
    models[1].p.model = MP_SYN_CASCADE;
    models[1].p.n = 10;
    models[1].p.x = 0.5;
    models[2].name = "serial M=10";
    models[2].p.model = MP_SYN_SERIAL;
    models[2].p.n = 10;
    models[2].p.q = 0.5;

    {
        FILE *f = fopen("/proc/cpuinfo", "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                snprintf(host, sizeof host, "%s", c ? c + 2 : line);
                host[strcspn(host, "\n")] = '\0';
                break;
            }
        if (f)
            fclose(f);
    }
    threads = threads_of(threads);
    bw = backend == MP_BACKEND_CUDA ? mp__cuda_copy_bandwidth()
                                    : mp_bench_copy_bandwidth(threads);
    rng = philox_rate(threads);
    printf("machine: %s, %d thread%s; backend %s\n", host, threads,
           threads == 1 ? "" : "s",
           backend == MP_BACKEND_CUDA ? "cuda" : "cpu");
    printf("measured copy bandwidth (%s): %.2f GB/s (read + write)\n",
           backend == MP_BACKEND_CUDA ? "device" : "host", bw / 1e9);
    printf("measured Philox4x32-10 (host): %.3g calls/s; an update draws %.4f "
           "calls (f = 1/2: a byte, 1/128 pattern block, refinements not "
           "counted) -> scalar RNG bound %.3g updates/s\n",
           rng, CALLS_PER_UPDATE, rng / CALLS_PER_UPDATE);
    printf("N = %llu synapses, %llu steps per advance call (fused)\n\n",
           (unsigned long long)N, (unsigned long long)steps);
    printf("%-14s %14s %10s %14s %12s %12s\n", "model", "updates/s",
           "ns/update", "/ scalar RNG", "fused B/s", "1-step B/s");
    printf("%-14s %14s %10s %14s %12s %12s\n", "", "", "", "",
           "/ bandwidth", "/ bandwidth");

    for (i = 0; i < 3; i++) {
        struct mp_ens_backend b;
        struct mp_ens_desc d;
        struct mp_syn_rule r;
        uint64_t cum[2 * MP_SYN_MAX_DEPTH], mu = 0;
        uint32_t j;
        double t0, fused, single;
        int rc, rep;

        memset(&b, 0, sizeof b);
        memset(&d, 0, sizeof d);
        if (mp_syn_rule_build(&models[i].p, &r))
            return 1;
        d.synapses = N;
        d.padded = (N + MP_TILE - 1) / MP_TILE * MP_TILE;
        d.local = N;
        d.seed = 1;
        d.half = 1;
        d.depths = r.depths;
        d.threads = threads;
        d.isa = isa;
        d.table = r.table;
        rc = backend == MP_BACKEND_CUDA ? mp__ens_cuda_create(&b, &d)
                                        : mp__ens_cpu_create(&b, &d);
        if (rc) {
            fprintf(stderr, "metaplast-bench: backend: %s (%s)\n",
                    mp_strerror(rc), mp_errmsg());
            return 3;
        }
        for (j = 0; j < 2 * r.depths; j++)
            cum[j] = ((uint64_t)(j + 1) << 32) / (2 * r.depths);
        b.init_state(&b, cum);
        if (i == 0)
            printf("backend: %s\n", b.device);
        b.advance(&b, mu, 2); /* warm up */
        mu += 2;
        {
            int64_t sums[2];
            uint64_t probe = 0;
            b.measure(&b, &probe, 1, sums); /* waits for the device */
        }
        /* Fused: `steps` memories per call, state crosses memory once. */
        fused = 1e300;
        for (rep = 0; rep < 3; rep++) {
            int64_t sums[2];
            uint64_t probe = 0;
            t0 = mp_bench_now();
            b.advance(&b, mu, steps);
            b.measure(&b, &probe, 0, sums);
            mu += steps;
            if (mp_bench_now() - t0 < fused)
                fused = mp_bench_now() - t0;
        }
        /* One memory per call: the state streams through memory each step. */
        single = 1e300;
        for (rep = 0; rep < 3; rep++) {
            int64_t sums[2];
            uint64_t probe = 0, k;
            t0 = mp_bench_now();
            for (k = 0; k < 4; k++)
                b.advance(&b, mu + k, 1);
            b.measure(&b, &probe, 0, sums);
            mu += 4;
            if ((mp_bench_now() - t0) / 4 < single)
                single = (mp_bench_now() - t0) / 4;
        }
        {
            double ups = (double)N * (double)steps / fused;
            /* Over the scalar RNG bound: the time the update's Philox
             * calls take one at a time at the measured rate, over the
             * time an update takes (the RNG's share of the time for the
             * generic path; above 100 % for the vector paths). */
            printf("%-14s %14.3g %10.3f %13.0f%% %12.3f %12.3f\n",
                   models[i].name, ups, 1e9 / ups,
                   100.0 * ups / (rng / CALLS_PER_UPDATE),
                   2.0 * (double)N / fused / bw,
                   2.0 * (double)N / single / bw);
            fused_ups[i] = ups;
            single_ups[i] = (double)N / single;
        }
        b.destroy(&b);
    }
    if (bench_bf(N, steps, backend, threads, bw))
        return 3;
    if (backend == MP_BACKEND_CUDA) {
        /* The kernel against its model: the state bytes of the advance
         * (read and written once per call) over the copy bandwidth. */
        char what[64];
        double bpu, lim;
        printf("\n");
        mp_roof_header();
        for (i = 0; i < 3; i++) {
            lim = mp_roof_ens((double)steps, &bpu);
            snprintf(what, sizeof what, "%s, %llu per call", models[i].name,
                     (unsigned long long)steps);
            mp_roof_print("ens_advance", what, fused_ups[i], lim, bpu, bw);
            lim = mp_roof_ens(1.0, &bpu);
            snprintf(what, sizeof what, "%s, 1 per call", models[i].name);
            mp_roof_print("ens_advance", what, single_ups[i], lim, bpu, bw);
        }
    }
    return 0;
}
