/* SPDX-License-Identifier: MIT */
/*
 * test_gpu.c: the CUDA backend against the CPU backend, bit for bit.
 *
 * Built twice: test_gpu against the real CUDA runtime (every test skips
 * itself without a device; CUDA is touched only inside tests, which
 * Criterion runs in child processes), and test_gpu_sim against the CPU
 * execution harness (tests/cudasim), where the same kernels and launchers
 * run on the host with CUDA's execution semantics — smaller sizes there,
 * and the harness's own checks: misuse, faults, launch geometries.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../split_check.h"
#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/run.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/util.h"

#include <unistd.h>

#include <cuda_runtime_api.h>

#include "../markov_model.h"

#ifdef MP_CUDASIM
#include "cudasim.h"
#include "probe_kernels.h"
/* The harness runs every thread as a fiber: sizes a CPU runs quickly. */
#define SIZE(device, harness) (harness)
#else
#define SIZE(device, harness) (device)
#endif

static void need_device(void)
{
    if (mp__cuda_device_count() < 1)
        cr_skip_test("no CUDA device");
}

static struct mp_ens *run(struct mp_config *c, int backend)
{
    struct mp_ens *s;
    c->backend = backend;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_create(&s, c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, UINT64_MAX), 0, "%s", mp_errmsg());
    return s;
}

static void compare(struct mp_config *c, const char *what)
{
    struct mp_ens *a = run(c, MP_BACKEND_CPU), *b = run(c, MP_BACKEND_CUDA);
    uint8_t *sa = malloc(c->synapses), *sb = malloc(c->synapses);
    struct mp_ens_curve ca, cb;
    size_t k;
    uint64_t i;
    cr_assert_str_eq(mp_ens_backend(b), "cuda");
    cr_assert_eq(mp_ens_state(a, sa), 0);
    cr_assert_eq(mp_ens_state(b, sb), 0, "%s", mp_errmsg());
    for (i = 0; i < c->synapses; i++)
        cr_assert_eq(sa[i], sb[i], "%s: synapse %llu: cpu %02x cuda %02x",
                     what, (unsigned long long)i, sa[i], sb[i]);
    cr_assert_eq(mp_ens_curve(a, &ca), 0);
    cr_assert_eq(mp_ens_curve(b, &cb), 0);
    for (k = 0; k < ca.n; k++) {
        cr_assert_eq(ca.probes[k], cb.probes[k]);
        cr_assert_eq(memcmp(&ca.signal[k], &cb.signal[k], 8), 0,
                     "%s: signal at age %llu: %.17g vs %.17g", what,
                     (unsigned long long)ca.age[k], ca.signal[k],
                     cb.signal[k]);
        cr_assert_eq(memcmp(&ca.signal_sem[k], &cb.signal_sem[k], 8), 0);
    }
    mp_ens_curve_fini(&ca);
    mp_ens_curve_fini(&cb);
    free(sa);
    free(sb);
    mp_ens_destroy(a);
    mp_ens_destroy(b);
}

/* Every model, both candidate-sign paths, N not a multiple of 128, a
 * burn-in, more than 32 ages (two batches in the measure kernel). */
Test(gpu_ensemble, matches_cpu_bit_for_bit)
{
    const int models[] = {MP_SYN_BINARY, MP_SYN_CASCADE, MP_SYN_SERIAL};
    const double fs[] = {0.5, 0.3};
    int mi, fi;
    need_device();
    for (mi = 0; mi < 3; mi++) {
        for (fi = 0; fi < 2; fi++) {
            struct mp_config c;
            mp_config_init(&c);
            c.syn.model = models[mi];
            c.syn.n = 10;
            c.syn.q = 0.3;
            c.f = fs[fi];
            c.synapses = SIZE(100000, 1500) + 37;
            c.memories = SIZE(700, 150);
            c.burn_in = 11;
            c.init = MP_INIT_PLASTIC;
            c.every = 3;
            c.max_age = SIZE(600, 120);
            c.per_decade = SIZE(20, 60);
            compare(&c, mp_model_name(models[mi]));
        }
    }
}

/* A markov table with several targets per row (cumulative thresholds and
 * their refinement bits in the kernel), both candidate-sign paths. */
Test(gpu_ensemble, markov_matches_cpu)
{
    const double fs[] = {0.5, 0.3};
    int fi;
    need_device();
    for (fi = 0; fi < 2; fi++) {
        struct mp_config c;
        mp_config_init(&c);
        c.syn.model = MP_SYN_MARKOV;
        random_markov(&c.syn.markov, 6, 11);
        c.f = fs[fi];
        c.synapses = SIZE(100000, 1500) + 37;
        c.memories = SIZE(700, 150);
        c.every = 3;
        c.max_age = SIZE(600, 120);
        compare(&c, "markov");
    }
}

/* A larger run from the stationary draw, long fused advances. */
Test(gpu_ensemble, large_cascade)
{
    struct mp_config c;
    need_device();
    mp_config_init(&c);
    c.syn.model = MP_SYN_CASCADE;
    c.syn.n = 15;
    c.synapses = SIZE(1u << 22, 1u << 14);
    c.memories = SIZE(2000, 300);
    c.every = SIZE(500, 100);
    c.max_age = SIZE(1000, 200);
    compare(&c, "cascade n=15, N=2^22 (harness: 2^14)");
}

/* Blocks of tiles on the device (the kernels' tile0 offset, as MPI ranks
 * use it) equal the whole ensemble on the CPU, bit for bit. */
Test(gpu_ensemble, blocks_equal_whole_cpu)
{
    need_device();
    check_split(mp__ens_cuda_create, "cuda blocks");
}

/* The device lost mid-run (its context reset under the simulation, as a
 * driver reset or an Xid error does): the next step returns MP_ECUDA with
 * CUDA's words and where, and nothing crashes, destroy included. */
Test(gpu_ensemble, device_lost_mid_run)
{
    struct mp_config c;
    struct mp_ens *s;
    int rc;
    need_device();
    mp_config_init(&c);
    c.syn.model = MP_SYN_CASCADE;
    c.synapses = SIZE(1u << 20, 1u << 12);
    c.memories = 400;
    c.every = 10;
    c.max_age = 100;
    c.backend = MP_BACKEND_CUDA;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_create(&s, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, 100), 0, "%s", mp_errmsg());
    cr_assert_eq(cudaDeviceReset(), cudaSuccess);
    rc = mp_ens_advance(s, 100);
    cr_expect_eq(rc, MP_ECUDA, "rc %d: %s", rc, mp_errmsg());
    cr_expect(strstr(mp_errmsg(), "CUDA error in "), "%s",
              mp_errmsg());
    mp_ens_destroy(s);
}

/* Checkpoint on one backend, resume on the other: the same final state as
 * an uninterrupted CPU run, through a checkpoint file. */
Test(gpu_ensemble, checkpoint_crosses_backends)
{
    const int pairs[2][2] = {{MP_BACKEND_CUDA, MP_BACKEND_CPU},
                             {MP_BACKEND_CPU, MP_BACKEND_CUDA}};
    char path[128];
    int k;
    need_device();
    snprintf(path, sizeof path, "/tmp/mp-test-gpu-%ld.nc", (long)getpid());
    for (k = 0; k < 2; k++) {
        struct mp_config c, back;
        struct mp_ens_snapshot snap, x, y;
        struct mp_ens *ref, *first, *second;
        mp_config_init(&c);
        c.syn.model = MP_SYN_CASCADE;
        c.syn.n = 12;
        c.synapses = SIZE(200000, 3000) + 3;
        c.memories = 400;
        c.every = 9;
        c.max_age = 150;
        ref = run(&c, MP_BACKEND_CPU); /* 400 memories on the CPU */
        c.memories = 200;
        first = run(&c, pairs[k][0]);
        cr_assert_eq(mp_ens_snapshot(first, &snap), 0);
        cr_assert_eq(mp_io_ens_ckpt_write(path, &c, &snap, NULL), 0,
                     "%s", mp_errmsg());
        mp_ens_snapshot_fini(&snap);
        mp_ens_destroy(first);
        cr_assert_eq(mp_io_ens_ckpt_read(path, &back, &snap), 0,
                     "%s", mp_errmsg());
        back.memories = 400;
        back.backend = pairs[k][1];
        cr_assert_eq(mp_config_validate(&back), 0);
        cr_assert_eq(mp_ens_create(&second, &back), 0, "%s",
                     mp_errmsg());
        cr_assert_eq(mp_ens_restore(second, &snap), 0);
        mp_ens_snapshot_fini(&snap);
        cr_assert_eq(mp_ens_advance(second, UINT64_MAX), 0, "%s",
                     mp_errmsg());
        cr_assert_eq(mp_ens_snapshot(ref, &x), 0);
        cr_assert_eq(mp_ens_snapshot(second, &y), 0);
        cr_assert_eq(memcmp(x.state, y.state, x.synapses), 0,
                     "%s -> %s: states differ", k ? "cpu" : "cuda",
                     k ? "cuda" : "cpu");
        cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0);
        cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0);
        mp_ens_snapshot_fini(&x);
        mp_ens_snapshot_fini(&y);
        mp_ens_destroy(ref);
        mp_ens_destroy(second);
    }
    unlink(path);
}

/* ---- Benna-Fusi chains --------------------------------------------------- */

#include "../split_check_bf.h"

static void bf_compare(struct mp_config *c, const char *what)
{
    struct mp_ens *a = run(c, MP_BACKEND_CPU), *b = run(c, MP_BACKEND_CUDA);
    const size_t nv = c->synapses * c->syn.bf.m;
    float *va = malloc(nv * sizeof *va), *vb = malloc(nv * sizeof *vb);
    struct mp_ens_curve ca, cb;
    size_t k;
    cr_assert(va && vb);
    cr_assert_str_eq(mp_ens_backend(b), "cuda");
    cr_assert_eq(mp_ens_values(a, va), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_values(b, vb), 0, "%s", mp_errmsg());
    for (k = 0; k < nv; k++)
        cr_assert_eq(memcmp(&va[k], &vb[k], sizeof *va), 0,
                     "%s: variable %zu of synapse %zu: cpu %.9g cuda %.9g",
                     what, k / c->synapses + 1, k % c->synapses,
                     (double)va[k], (double)vb[k]);
    cr_assert_eq(mp_ens_curve(a, &ca), 0);
    cr_assert_eq(mp_ens_curve(b, &cb), 0);
    for (k = 0; k < ca.n; k++) {
        cr_assert_eq(ca.probes[k], cb.probes[k]);
        cr_assert_eq(memcmp(&ca.signal[k], &cb.signal[k], 8), 0,
                     "%s: signal at age %llu: %.17g vs %.17g", what,
                     (unsigned long long)ca.age[k], ca.signal[k],
                     cb.signal[k]);
        cr_assert_eq(memcmp(&ca.signal_sem[k], &cb.signal_sem[k], 8), 0);
    }
    mp_ens_curve_fini(&ca);
    mp_ens_curve_fini(&cb);
    free(va);
    free(vb);
    mp_ens_destroy(a);
    mp_ens_destroy(b);
}

static struct mp_config bf_base(uint32_t m, double f, double bound)
{
    struct mp_config c;
    mp_config_init(&c);
    c.syn.model = MP_SYN_BENNA_FUSI;
    c.syn.bf.m = m;
    c.syn.bf.bound = bound;
    c.f = f;
    return c;
}

/* Both sign paths, unbounded from the stationary draw and bounded from
 * u = 0, the longest chain (m = 16) included, N not a multiple of 128, a
 * burn-in, more than 32 ages (two passes of the measurement). */
Test(gpu_bf, matches_cpu_bit_for_bit)
{
    const uint32_t ms[4] = {6, 6, 3, 16};
    int v;
    need_device();
    for (v = 0; v < 4; v++) {
        struct mp_config c = bf_base(ms[v], v & 1 ? 0.3 : 0.5,
                                     v >= 2 ? 2.5 : 0.0);
        char what[64];
        c.init = v >= 2 ? MP_INIT_PLASTIC : MP_INIT_STATIONARY;
        c.synapses = SIZE(100000, 1500) + 37;
        c.memories = SIZE(700, 150);
        c.burn_in = 11;
        c.every = 3;
        c.max_age = SIZE(600, 120);
        c.per_decade = SIZE(20, 60);
        snprintf(what, sizeof what, "benna_fusi m = %u, f = %g, bound %g",
                 ms[v], c.f, c.syn.bf.bound);
        bf_compare(&c, what);
    }
}

/* Blocks of tiles on the device (the kernels' tile0 offset) equal the
 * whole on the CPU: variables and the tree's sums, bit for bit. */
Test(gpu_bf, blocks_equal_whole_cpu)
{
    need_device();
    check_split_bf(mp__ens_cuda_create, "cuda blocks");
}

/* Checkpoint on one backend, resume on the other: the uninterrupted CPU
 * run's variables and curve. */
Test(gpu_bf, checkpoint_crosses_backends)
{
    const int pairs[2][2] = {{MP_BACKEND_CUDA, MP_BACKEND_CPU},
                             {MP_BACKEND_CPU, MP_BACKEND_CUDA}};
    char path[128];
    int k;
    need_device();
    snprintf(path, sizeof path, "/tmp/mp-test-gpu-bf-%ld.nc", (long)getpid());
    for (k = 0; k < 2; k++) {
        struct mp_config c = bf_base(5, 0.5, 0.0), back;
        struct mp_ens_snapshot snap, x, y;
        struct mp_ens *ref, *first, *second;
        c.synapses = SIZE(200000, 3000) + 3;
        c.memories = 400;
        c.every = 9;
        c.max_age = 150;
        ref = run(&c, MP_BACKEND_CPU);
        c.memories = 200;
        first = run(&c, pairs[k][0]);
        cr_assert_eq(mp_ens_snapshot(first, &snap), 0);
        cr_assert_eq(mp_io_ens_ckpt_write(path, &c, &snap, NULL), 0, "%s",
                     mp_errmsg());
        mp_ens_snapshot_fini(&snap);
        mp_ens_destroy(first);
        cr_assert_eq(mp_io_ens_ckpt_read(path, &back, &snap), 0, "%s",
                     mp_errmsg());
        back.memories = 400;
        back.backend = pairs[k][1];
        cr_assert_eq(mp_config_validate(&back), 0);
        cr_assert_eq(mp_ens_create(&second, &back), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_ens_restore(second, &snap), 0, "%s", mp_errmsg());
        mp_ens_snapshot_fini(&snap);
        cr_assert_eq(mp_ens_advance(second, UINT64_MAX), 0, "%s",
                     mp_errmsg());
        cr_assert_eq(mp_ens_snapshot(ref, &x), 0);
        cr_assert_eq(mp_ens_snapshot(second, &y), 0);
        cr_assert_eq(memcmp(x.u, y.u, x.synapses * x.vars * sizeof *x.u), 0,
                     "%s -> %s: variables differ", k ? "cpu" : "cuda",
                     k ? "cuda" : "cpu");
        cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0);
        cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0);
        mp_ens_snapshot_fini(&x);
        mp_ens_snapshot_fini(&y);
        mp_ens_destroy(ref);
        mp_ens_destroy(second);
    }
    unlink(path);
}

/* ---- Rate networks ------------------------------------------------------ */

#include "metaplast/net.h"

static struct mp_net *net_make(struct mp_config *c, int backend)
{
    struct mp_net *n;
    c->backend = backend;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_create(&n, c), 0, "%s", mp_errmsg());
    cr_assert_str_eq(mp_net_backend(n),
                     backend == MP_BACKEND_CUDA ? "cuda" : "cpu");
    return n;
}

static void net_compare(struct mp_net *a, struct mp_net *b,
                        const struct mp_config *c, const char *what)
{
    struct mp_net_sample sa, sb;
    size_t nw = (size_t)c->n_out * mp_net_row_length(a);
    cr_assert_eq(memcmp(mp_net_weights(a), mp_net_weights(b), nw * 4), 0,
                 "%s: weights differ", what);
    cr_assert_eq(memcmp(mp_net_theta(a), mp_net_theta(b), c->n_out * 4), 0,
                 "%s: thresholds differ", what);
    cr_assert_eq(memcmp(mp_net_rates(a), mp_net_rates(b), c->n_out * 4), 0,
                 "%s: rates differ", what);
    cr_assert_eq(mp_net_sample(a, &sa), 0);
    cr_assert_eq(mp_net_sample(b, &sb), 0);
    cr_assert_eq(memcmp(sa.rate, sb.rate, c->n_out * 4), 0,
                 "%s: mean rates differ", what);
    cr_assert_eq(memcmp(sa.response, sb.response,
                        (size_t)c->n_out * c->patterns * 4),
                 0, "%s: responses differ", what);
    mp_net_sample_fini(&sa);
    mp_net_sample_fini(&sb);
}

static struct mp_config net_base(void)
{
    struct mp_config c;
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.n_in = SIZE(1000, 100) + 7; /* not a multiple of 32 */
    c.n_out = SIZE(300, 37);
    c.patterns = 8;
    c.pattern_kind = MP_PATTERNS_BINARY;
    c.dt_s = 1e-3;
    c.switch_s = 0.02;
    c.noise = 0.1;
    c.tau_w_s = 5.0;
    c.tau_theta_s = 0.5;
    c.w_init = 0.01;
    c.w_min = -1;
    c.w_max = 1;
    c.scaling_interval_s = SIZE(0.25, 0.05);
    c.target_rate = 0.5;
    c.scaling_max = 1.5;
    c.duration_s = SIZE(2.0, 0.3);
    c.record_interval_s = 0.1;
    return c;
}

/* Dense feed-forward, BCM with noise, scaling and a protocol: CUDA and CPU
 * give the same bits, also across sampling (which resets sums). */
Test(gpu_network, dense_matches_cpu)
{
    struct mp_config c = net_base();
    struct mp_net *a, *b;
    need_device();
    cr_assert_eq(mp_config_set(&c, SIZE("protocol.durations=0.5s, 1s",
                                        "protocol.durations=0.1s, 0.1s"),
                               1),
                 0);
    cr_assert_eq(mp_config_set(&c, "protocol.modulator=2, 0.5", 2),
                 0);
    cr_assert_eq(mp_config_set(&c, "protocol.patterns=0+1, all", 3),
                 0);
    a = net_make(&c, MP_BACKEND_CPU);
    b = net_make(&c, MP_BACKEND_CUDA);
    cr_assert_eq(mp_net_advance(a, SIZE(700, 150)), 0);
    cr_assert_eq(mp_net_advance(b, SIZE(700, 150)), 0, "%s", mp_errmsg());
    net_compare(a, b, &c, "dense, part of the run");
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
    net_compare(a, b, &c, "dense, end");
    mp_net_destroy(a);
    mp_net_destroy(b);
}

/* Sparse recurrent: the same. */
Test(gpu_network, sparse_recurrent_matches_cpu)
{
    struct mp_config c = net_base();
    struct mp_net *a, *b;
    need_device();
    c.recurrent = 1;
    c.fan_in = SIZE(200, 40) + 5;
    c.w_init_rec = 0.005;
    a = net_make(&c, MP_BACKEND_CPU);
    b = net_make(&c, MP_BACKEND_CUDA);
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
    net_compare(a, b, &c, "sparse recurrent");
    mp_net_destroy(a);
    mp_net_destroy(b);
}

/* Rows long enough for the kernels' unrolled row loop (8 synapses per
 * lane at a time, 256 per warp) and its remainder: dense, sparse and
 * discrete rows, plastic and current-only passes. */
Test(gpu_network, long_rows_match_cpu)
{
    int kind;
    need_device();
    for (kind = 0; kind < 3; kind++) {
        struct mp_config c = net_base();
        struct mp_net *a, *b;
        c.n_in = 2 * 256 + 37;
        c.n_out = SIZE(40, 9);
        c.duration_s = SIZE(0.3, 0.05);
        c.scaling_interval_s = SIZE(0.1, 0.02);
        if (kind == 1) {
            c.recurrent = 1;
            c.fan_in = 300;
            c.w_init_rec = 0.005;
        } else if (kind == 2) {
            c.scaling_interval_s = 0.0;
            c.discrete = 1;
            c.syn.model = MP_SYN_CASCADE;
            c.syn.n = 5;
            c.w_weak = 0.0;
            c.w_strong = 0.02;
            c.tau_w_s = 0.2;
        }
        a = net_make(&c, MP_BACKEND_CPU);
        b = net_make(&c, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
        net_compare(a, b, &c,
                    kind == 0   ? "dense, long rows"
                    : kind == 1 ? "sparse, long rows"
                                : "discrete, long rows");
        mp_net_destroy(a);
        mp_net_destroy(b);
    }
}

/* A network checkpoint written on CUDA resumes on the CPU (and back) to
 * the uninterrupted run's bits. */
Test(gpu_network, checkpoint_crosses_backends)
{
    int k;
    need_device();
    for (k = 0; k < 2; k++) {
        struct mp_config c = net_base(), back;
        struct mp_net *ref, *first, *second;
        struct mp_net_snapshot snap;
        char path[128];
        snprintf(path, sizeof path, "/tmp/mp-test-gpu-net-%ld.nc",
                 (long)getpid());
        c.recurrent = 1;
        c.fan_in = SIZE(100, 30);
        ref = net_make(&c, MP_BACKEND_CPU);
        cr_assert_eq(mp_net_advance(ref, UINT64_MAX), 0);
        c.duration_s = SIZE(1.0, 0.15);
        first = net_make(&c, k ? MP_BACKEND_CPU : MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(first, UINT64_MAX), 0);
        cr_assert_eq(mp_net_snapshot(first, &snap), 0);
        cr_assert_eq(mp_io_net_ckpt_write(path, &c, &snap, NULL),
                     0, "%s", mp_errmsg());
        mp_net_snapshot_fini(&snap);
        mp_net_destroy(first);
        cr_assert_eq(mp_io_net_ckpt_read(path, &back, &snap), 0,
                     "%s", mp_errmsg());
        back.duration_s = SIZE(2.0, 0.3);
        second = net_make(&back, k ? MP_BACKEND_CUDA : MP_BACKEND_CPU);
        cr_assert_eq(mp_net_restore(second, &snap), 0, "%s",
                     mp_errmsg());
        mp_net_snapshot_fini(&snap);
        cr_assert_eq(mp_net_advance(second, UINT64_MAX), 0, "%s",
                     mp_errmsg());
        net_compare(ref, second, &back, k ? "cpu -> cuda" : "cuda -> cpu");
        mp_net_destroy(ref);
        mp_net_destroy(second);
        unlink(path);
    }
}

/* Discrete (cascade) synapses and heterosynaptic normalisation on the
 * device: the same bits as the CPU, states included. */
Test(gpu_network, discrete_and_hetero_match_cpu)
{
    int k;
    need_device();
    for (k = 0; k < 3; k++) {
        struct mp_config c = net_base();
        struct mp_net *a, *b;
        struct mp_net_snapshot sa, sb;
        c.scaling_interval_s = 0.0;
        if (k != 1) { /* cascade, or a markov table */
            c.discrete = 1;
            c.syn.model = k ? MP_SYN_MARKOV : MP_SYN_CASCADE;
            c.syn.n = 8;
            if (k)
                random_markov(&c.syn.markov, 6, 5);
            c.w_weak = 0.0;
            c.w_strong = 0.02;
            c.tau_w_s = 0.2;
        } else {
            c.hetero_segment = SIZE(50, 9);
            c.fan_in = SIZE(500, 60);
            c.recurrent = 1;
        }
        a = net_make(&c, MP_BACKEND_CPU);
        b = net_make(&c, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s",
                     mp_errmsg());
        net_compare(a, b, &c,
                    k == 1 ? "heterosynaptic"
                    : k    ? "discrete markov"
                           : "discrete");
        if (k != 1) {
            cr_assert_eq(mp_net_snapshot(a, &sa), 0);
            cr_assert_eq(mp_net_snapshot(b, &sb), 0);
            cr_assert_eq(memcmp(sa.state, sb.state,
                                (size_t)c.n_out * mp_net_row_length(a)),
                         0, "discrete states differ");
            mp_net_snapshot_fini(&sa);
            mp_net_snapshot_fini(&sb);
        }
        mp_net_destroy(a);
        mp_net_destroy(b);
    }
}

/* The per-neuron variables of priming and intrinsic plasticity of two
 * networks: the same bits. */
static void neuron_compare(struct mp_net *a, struct mp_net *b,
                           const char *what)
{
    struct mp_net_snapshot x, y;
    cr_assert_eq(mp_net_snapshot(a, &x), 0);
    cr_assert_eq(mp_net_snapshot(b, &y), 0, "%s", mp_errmsg());
    cr_assert(x.prime && y.prime && x.gain && y.gain && x.bias && y.bias);
    cr_assert_eq(memcmp(x.prime, y.prime, x.n_out * 4), 0,
                 "%s: priming components differ", what);
    cr_assert_eq(memcmp(x.gain, y.gain, x.n_out * 4), 0,
                 "%s: gains differ", what);
    cr_assert_eq(memcmp(x.bias, y.bias, x.n_out * 4), 0,
                 "%s: biases differ", what);
    mp_net_snapshot_fini(&x);
    mp_net_snapshot_fini(&y);
}

/* The threshold's priming component and intrinsic plasticity (gain and
 * bias rules) on the device: dense with a protocol (modulator 0, 2, 1),
 * sparse recurrent, discrete synapses; then a CPU state restored on the
 * device (the upload) continues to the CPU's bits. */
Test(gpu_network, priming_and_intrinsic_match_cpu)
{
    int kind;
    need_device();
    for (kind = 0; kind < 4; kind++) {
        struct mp_config c = net_base();
        struct mp_net *a, *b;
        c.scaling_interval_s = 0.0;
        c.theta_init = 0.5;
        c.priming_tau_s = 0.05;
        c.priming_gain = 4.0;
        c.ip_rule = kind % 2 ? MP_IP_BIAS : MP_IP_GAIN;
        c.ip_tau_s = 0.1;
        c.ip_target = 0.2;
        cr_assert_eq(mp_config_set(&c, SIZE("protocol.durations=0.5s, 0.5s, "
                                            "1s",
                                            "protocol.durations=0.05s, "
                                            "0.05s, 0.2s"),
                                   1),
                     0);
        cr_assert_eq(mp_config_set(&c, "protocol.modulator=0, 2, 1", 2), 0);
        if (kind == 1) {
            c.recurrent = 1;
            c.fan_in = SIZE(200, 40) + 5;
            c.w_init_rec = 0.005;
        } else if (kind == 2) {
            c.discrete = 1;
            c.syn.model = MP_SYN_CASCADE;
            c.syn.n = 5;
            c.w_weak = 0.0;
            c.w_strong = 0.02;
            c.tau_w_s = 0.2;
        }
        a = net_make(&c, MP_BACKEND_CPU);
        b = net_make(&c, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, SIZE(700, 120)), 0);
        if (kind != 3) {
            cr_assert_eq(mp_net_advance(b, SIZE(700, 120)), 0, "%s",
                         mp_errmsg());
        } else { /* the CPU's state onto the device, at its step 0 */
            struct mp_net_snapshot snap;
            cr_assert_eq(mp_net_snapshot(a, &snap), 0);
            cr_assert_eq(mp_net_restore(b, &snap), 0, "%s", mp_errmsg());
            mp_net_snapshot_fini(&snap);
        }
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
        net_compare(a, b, &c, "priming and intrinsic plasticity");
        neuron_compare(a, b, kind == 0   ? "dense, gain"
                             : kind == 1 ? "sparse recurrent, bias"
                             : kind == 2 ? "discrete, gain"
                                         : "restored on the device, bias");
        mp_net_destroy(a);
        mp_net_destroy(b);
    }
}

/* ---- Occupancy (record.states) ------------------------------------------- */

/* Launch geometries besides the backends' own (the 4th case). */
static const int geometries_occ[3][2] = {{1, 32}, {3, 128},
                                         {SIZE(64, 9), 1024}};

#include "../../kernels/occupancy.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/pool.h"

/* The histogram kernel against the CPU's count, bit for bit: bytes of
 * every value (skewed, as real occupancies are, and all 128), lengths
 * that are no multiple of anything, every launch geometry. */
Test(gpu_occupancy, kernel_matches_cpu)
{
    static const uint64_t lens[] = {1, 31, 1031, SIZE(5000011, 70001)};
    const int geo[4][2] = {{1, 32}, {3, 128}, {9, 1024}, {256, 256}};
    const size_t cap = SIZE(5000011, 70001);
    uint8_t *host = malloc(cap), *dev;
    unsigned long long *part, *hpart = malloc(256 * 128 * 8);
    struct mp_pool *pool;
    uint64_t x = 7, i;
    size_t li;
    int g;
    need_device();
    cr_assert_eq(mp__pool_create(&pool, 2), 0);
    for (i = 0; i < cap; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        /* half the bytes in 4 states, the rest over all 128 */
        host[i] = (uint8_t)((x >> 60) < 8 ? (x >> 33) & 3 : (x >> 33) & 127);
    }
    cr_assert_eq(cudaMalloc((void **)&dev, cap), 0);
    cr_assert_eq(cudaMalloc((void **)&part, 256 * 128 * 8), 0);
    cr_assert_eq(cudaMemcpy(dev, host, cap, cudaMemcpyHostToDevice), 0);
    for (li = 0; li < 4; li++)
        for (g = 0; g < 4; g++) {
            int64_t want[MP_STATE_BYTES], got[MP_STATE_BYTES];
            cr_assert_eq(mp__state_hist(pool, host, lens[li], want), 0);
            cr_assert_eq(mp__state_hist_cuda(dev, lens[li], part, hpart,
                                             geo[g][0], geo[g][1], got),
                         0, "%s", mp_errmsg());
            cr_expect_eq(memcmp(want, got, sizeof want), 0,
                         "%llu bytes, %d blocks x %d threads",
                         (unsigned long long)lens[li], geo[g][0],
                         geo[g][1]);
        }
    cudaFree(dev);
    cudaFree(part);
    free(host);
    free(hpart);
    mp__pool_destroy(pool);
}

/* An ensemble's occupancy series (every measurement) on CUDA equals the
 * CPU's: built-in and markov models, both sign paths, N no multiple of
 * the tile (the padding is never counted), every geometry. */
Test(gpu_occupancy, ensemble_matches_cpu)
{
    int k, g;
    need_device();
    for (g = 0; g < 4; g++) {
        for (k = 0; k < 3; k++) {
            struct mp_config c;
            struct mp_ens *a, *b;
            struct mp_ens_curve ca, cb;
            mp_config_init(&c);
            c.syn.model = k == 2 ? MP_SYN_MARKOV : MP_SYN_CASCADE;
            c.syn.n = 7;
            if (k == 2)
                random_markov(&c.syn.markov, 5, 3);
            c.f = k == 1 ? 0.3 : 0.5;
            c.init = MP_INIT_PLASTIC;
            c.synapses = SIZE(100000, 1500) + 37;
            c.memories = SIZE(300, 60);
            c.every = 7;
            c.max_age = 40;
            c.rec_states = 1;
            if (g < 3)
                mp__cuda_set_geometry(geometries_occ[g][0],
                                      geometries_occ[g][1]);
            a = run(&c, MP_BACKEND_CPU);
            b = run(&c, MP_BACKEND_CUDA);
            cr_assert_eq(mp_ens_curve(a, &ca), 0);
            cr_assert_eq(mp_ens_curve(b, &cb), 0);
            cr_assert_eq(ca.n_occ, c.memories / c.every);
            cr_assert_eq(cb.n_occ, ca.n_occ);
            cr_expect_eq(memcmp(ca.occupancy, cb.occupancy,
                                ca.n_occ * ca.n_states * 8),
                         0, "model %d, geometry %d: occupancy differs", k,
                         g);
            mp_ens_curve_fini(&ca);
            mp_ens_curve_fini(&cb);
            mp_ens_destroy(a);
            mp_ens_destroy(b);
            mp__cuda_set_geometry(0, 0);
        }
    }
}

/* A discrete network's occupancy and the chosen neurons' weights and
 * depths on CUDA equal the CPU's, at every geometry. */
Test(gpu_occupancy, network_matches_cpu)
{
    int g;
    need_device();
    for (g = 0; g < 4; g++) {
        struct mp_config c = net_base();
        struct mp_net *a, *b;
        struct mp_net_sample sa, sb;
        c.scaling_interval_s = 0.0;
        c.discrete = 1;
        c.syn.model = MP_SYN_CASCADE;
        c.syn.n = 6;
        c.w_weak = 0.0;
        c.w_strong = 0.02;
        c.tau_w_s = 0.2;
        c.duration_s = SIZE(0.5, 0.1);
        c.rec_states = 1;
        cr_assert_eq(mp_config_set(&c, "record.weights=every:5", 1), 0);
        if (g < 3)
            mp__cuda_set_geometry(geometries_occ[g][0], geometries_occ[g][1]);
        a = net_make(&c, MP_BACKEND_CPU);
        b = net_make(&c, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_net_sample(a, &sa), 0);
        cr_assert_eq(mp_net_sample(b, &sb), 0, "%s", mp_errmsg());
        cr_assert_eq(sa.n_states, 12u);
        cr_assert_eq(sb.n_states, sa.n_states);
        cr_expect_eq(memcmp(sa.occupancy, sb.occupancy, sa.n_states * 8), 0,
                     "geometry %d: occupancy differs", g);
        cr_assert_eq(sa.n_sel, (c.n_out + 4) / 5);
        cr_expect_eq(memcmp(sa.weights, sb.weights,
                            (size_t)sa.n_sel * sa.row_length * 4),
                     0, "geometry %d: recorded weights differ", g);
        cr_expect_eq(memcmp(sa.depth, sb.depth,
                            (size_t)sa.n_sel * sa.row_length),
                     0, "geometry %d: recorded depths differ", g);
        mp_net_sample_fini(&sa);
        mp_net_sample_fini(&sb);
        mp_net_destroy(a);
        mp_net_destroy(b);
        mp__cuda_set_geometry(0, 0);
    }
}

/* ---- Launch geometries ---------------------------------------------------- */

/* The kernels at launch geometries other than the backends' own choice:
 * one block of one warp, a few blocks of 128 threads, many blocks of 1024
 * threads; N not a multiple of the 128-synapse tile, networks whose rows
 * are not a multiple of 32.  Every one equals the CPU, bit for bit. */
static const int geometries[3][2] = {{1, 32}, {3, 128}, {SIZE(64, 9), 1024}};

Test(gpu_geometry, ensemble_at_every_geometry)
{
    int k, fi;
    need_device();
    for (k = 0; k < 3; k++) {
        for (fi = 0; fi < 2; fi++) {
            struct mp_config c;
            char what[96];
            mp_config_init(&c);
            c.syn.model = MP_SYN_CASCADE;
            c.syn.n = 7;
            c.f = fi ? 0.3 : 0.5;
            c.synapses = SIZE(50000, 1200) + 77;
            c.memories = 90;
            c.every = 7;
            c.max_age = 80;
            c.per_decade = 20;
            mp__cuda_set_geometry(geometries[k][0], geometries[k][1]);
            snprintf(what, sizeof what, "%d blocks x %d threads, f = %g",
                     geometries[k][0], geometries[k][1], c.f);
            compare(&c, what);
        }
    }
    mp__cuda_set_geometry(0, 0);
}

Test(gpu_geometry, benna_fusi_at_every_geometry)
{
    int k, fi;
    need_device();
    for (k = 0; k < 3; k++) {
        for (fi = 0; fi < 2; fi++) {
            struct mp_config c = bf_base(4, fi ? 0.3 : 0.5, 0.0);
            char what[96];
            c.synapses = SIZE(50000, 1200) + 77;
            c.memories = 90;
            c.every = 7;
            c.max_age = 80;
            c.per_decade = 20;
            mp__cuda_set_geometry(geometries[k][0], geometries[k][1]);
            snprintf(what, sizeof what,
                     "benna_fusi, %d blocks x %d threads, f = %g",
                     geometries[k][0], geometries[k][1], c.f);
            bf_compare(&c, what);
        }
    }
    mp__cuda_set_geometry(0, 0);
}

Test(gpu_geometry, networks_at_every_geometry)
{
    int k, kind;
    need_device();
    for (k = 0; k < 3; k++) {
        for (kind = 0; kind < 3; kind++) {
            struct mp_config c = net_base();
            struct mp_net *a, *b;
            char what[96];
            c.duration_s = SIZE(0.3, 0.06);
            c.scaling_interval_s = SIZE(0.1, 0.02);
            if (kind == 1) {
                c.recurrent = 1;
                c.fan_in = SIZE(200, 33);
            } else if (kind == 2) {
                c.scaling_interval_s = 0.0;
                c.discrete = 1;
                c.syn.model = MP_SYN_CASCADE;
                c.syn.n = 5;
                c.w_weak = 0.0;
                c.w_strong = 0.02;
                c.tau_w_s = 0.2;
            }
            mp__cuda_set_geometry(geometries[k][0], geometries[k][1]);
            a = net_make(&c, MP_BACKEND_CPU);
            b = net_make(&c, MP_BACKEND_CUDA);
            cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
            cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s",
                         mp_errmsg());
            snprintf(what, sizeof what, "%s network, %d blocks x %d threads",
                     kind == 0   ? "dense"
                     : kind == 1 ? "sparse recurrent"
                                 : "discrete",
                     geometries[k][0], geometries[k][1]);
            net_compare(a, b, &c, what);
            mp_net_destroy(a);
            mp_net_destroy(b);
        }
    }
    mp__cuda_set_geometry(0, 0);
}

/* ---- Sizes ---------------------------------------------------------------- */

/* The device memory a network needs, in 64-bit arithmetic at sizes where
 * 32-bit products wrap: 6e8 neurons with one input and a fan-in of one
 * (about 29 GB; each buffer of per-neuron doubles alone is 4.8 GB). */
Test(gpu_sizes, network_bytes_do_not_wrap)
{
    struct mp_net_params p;
    const size_t n = 600000000u;
    memset(&p, 0, sizeof p);
    p.n_out = (uint32_t)n;
    p.n_in = 1;
    p.n_pre = 1;
    p.L = 1;
    p.K = 1;
    p.sparse = 1;
    /* weights 4 + cells 4 per synapse; per neuron theta, y, y_new,
     * factors (4 each), h, two rate sums (8 each); z, z_next; a pattern */
    cr_expect_eq(mp__net_cuda_device_bytes(&p),
                 n * 8 + n * (4 * 4 + 8 * 3) + 1 * 8 + 1 * 4);
    /* one state byte per synapse, the table, and the per-block counts of
     * the occupancy histogram (256 blocks x 128 states) */
    p.rule.discrete = 1;
    cr_expect_eq(mp__net_cuda_device_bytes(&p),
                 n * 9 + sizeof(struct mp_syn_table) + 256 * 128 * 8 +
                     n * (4 * 4 + 8 * 3) + 1 * 8 + 1 * 4);
}

/* ---- The CPU execution harness itself ------------------------------------- */
#ifdef MP_CUDASIM

/* Every test of the suite leaves the device as it found it (the probes'
 * allocations freed). */
TestSuite(cudasim, .fini = mp_cudasim_reset);

/* Device memory for a probe kernel. */
static int *dev_ints(size_t n)
{
    void *p = NULL;
    cr_assert_eq(cudaMalloc(&p, n * sizeof(int)), cudaSuccess);
    return p;
}

/* Each warp function returns what CUDA defines, at three geometries. */
Test(cudasim, warp_functions_exchange_values)
{
    const int geo[3][2] = {{1, 32}, {2, 96}, {3, 1024}};
    int k;
    for (k = 0; k < 3; k++) {
        const int n = geo[k][0] * geo[k][1];
        int *d = dev_ints(6 * (size_t)n), *h = malloc(6 * (size_t)n * 4);
        int t;
        cr_assert_eq(mp_probe_warp_functions(d, geo[k][0], geo[k][1]), 0);
        cr_assert_eq(cudaMemcpy(h, d, 6 * (size_t)n * 4,
                                cudaMemcpyDeviceToHost),
                     cudaSuccess, "%s", mp_cudasim_last_error());
        for (t = 0; t < n; t++) {
            const int tid = t % geo[k][1], lane = tid & 31,
                      w0 = tid - lane; /* the warp's first thread */
#define V(l) ((w0 + (l)) * 7 + 3)
            cr_expect_eq(h[6 * t + 0], V((lane * 5) & 31), "shfl, t %d", t);
            cr_expect_eq(h[6 * t + 1], lane + 3 < 32 ? V(lane + 3) : V(lane),
                         "shfl_down, t %d", t);
            cr_expect_eq(h[6 * t + 2], lane >= 2 ? V(lane - 2) : V(lane),
                         "shfl_up, t %d", t);
            cr_expect_eq(h[6 * t + 3], V(lane ^ 9), "shfl_xor, t %d", t);
            cr_expect_eq((unsigned)h[6 * t + 4], 0x49249249u,
                         "ballot, t %d", t);
            cr_expect_eq(h[6 * t + 5], V((lane & ~7) + ((lane ^ 1) & 7)),
                         "shfl width 8, t %d", t);
#undef V
        }
        free(h);
        cudaFree(d);
    }
}

/* A shared-memory tree reduction: right at every block size only because
 * the barriers hold every warp back. */
Test(cudasim, barriers_order_the_block)
{
    const int sizes[4] = {32, 64, 256, 1024};
    int k;
    for (k = 0; k < 4; k++) {
        const int bl = 3, th = sizes[k], n = bl * th;
        int *in = malloc((size_t)n * 4), out[3], *din = dev_ints((size_t)n),
            *dout = dev_ints(3), b, t;
        for (t = 0; t < n; t++)
            in[t] = t % 97 - 40;
        cr_assert_eq(cudaMemcpy(din, in, (size_t)n * 4,
                                cudaMemcpyHostToDevice),
                     cudaSuccess);
        cr_assert_eq(mp_probe_block_sum(din, dout, bl, th), 0);
        cr_assert_eq(cudaMemcpy(out, dout, sizeof out,
                                cudaMemcpyDeviceToHost),
                     cudaSuccess, "%s", mp_cudasim_last_error());
        for (b = 0; b < bl; b++) {
            int want = 0;
            for (t = 0; t < th; t++)
                want += in[b * th + t];
            cr_expect_eq(out[b], want, "block %d of %d threads", b, th);
        }
        free(in);
    }
}

/* Misuse is an error of the launch, reported at the next synchronising
 * call with what went wrong — never a hang. */
Test(cudasim, barrier_not_reached_by_all_is_an_error)
{
    int *d = dev_ints(64);
    cr_assert_eq(mp_probe_divergent_barrier(d), 0);
    cr_expect_eq(cudaDeviceSynchronize(), cudaErrorLaunchFailure);
    cr_expect(strstr(mp_cudasim_last_error(),
                     "returned without reaching the __syncthreads"),
              "%s", mp_cudasim_last_error());
}

Test(cudasim, shuffle_with_a_missing_lane_is_an_error)
{
    int *d = dev_ints(32);
    cr_assert_eq(mp_probe_missing_lane(d), 0);
    cr_expect_eq(cudaDeviceSynchronize(), cudaErrorLaunchFailure);
    cr_expect(strstr(mp_cudasim_last_error(),
                     "__shfl_sync with mask 0xffffffff: lane 5 has "
                     "returned"),
              "%s", mp_cudasim_last_error());
}

Test(cudasim, half_warp_shuffle_is_valid)
{
    int *d = dev_ints(32), h[16], l;
    cr_assert_eq(mp_probe_half_warp(d), 0);
    cr_assert_eq(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost),
                 cudaSuccess, "%s", mp_cudasim_last_error());
    for (l = 0; l < 16; l++)
        cr_expect_eq(h[l], 15 - l);
}

Test(cudasim, launch_beyond_the_limits_is_refused)
{
    int *d = dev_ints(4096);
    cr_expect_eq(mp_probe_block_sum(d, d, 1, 2048),
                 cudaErrorInvalidConfiguration);
    cr_expect(strstr(mp_cudasim_last_error(), "more than 1024 threads"),
              "%s", mp_cudasim_last_error());
    cr_expect_eq(mp_probe_dynamic(d, 10, 32, 49153),
                 cudaErrorInvalidConfiguration);
    cr_expect(strstr(mp_cudasim_last_error(), "48 KiB"), "%s",
              mp_cudasim_last_error());
    cr_expect_eq(mp_probe_block_sum(d, d, 0, 32),
                 cudaErrorInvalidConfiguration);
    /* A refused launch is not sticky: the device goes on. */
    cr_expect_eq(mp_probe_dynamic(d, 100, 64, 400), 0);
    cr_expect_eq(cudaDeviceSynchronize(), cudaSuccess);
}

Test(cudasim, dynamic_shared_memory_as_launched)
{
    int *d = dev_ints(1), h = 0;
    cr_assert_eq(mp_probe_dynamic(d, 1000, 128, 4000), 0);
    cr_assert_eq(cudaMemcpy(&h, d, 4, cudaMemcpyDeviceToHost), cudaSuccess,
                 "%s", mp_cudasim_last_error());
    cr_expect_eq(h, 999 * 1000 / 2);
}

#if defined(__SANITIZE_ADDRESS__)
/* Past the end of shared memory: AddressSanitizer stops the process. */
Test(cudasim, shared_memory_is_bounds_checked, .exit_code = 1)
{
    int *d = dev_ints(1);
    mp_probe_shared_past(d);
}

Test(cudasim, device_memory_is_bounds_checked, .exit_code = 1)
{
    int *d = dev_ints(16);
    mp_probe_write_past(d, 16);
}
#else
/* Past the end of an allocation: its guard bytes tell, at the next
 * synchronising call (AddressSanitizer builds stop at the write). */
Test(cudasim, device_memory_is_bounds_checked)
{
    int *d = dev_ints(16);
    cr_assert_eq(mp_probe_write_past(d, 16), 0);
    cr_expect_eq(cudaDeviceSynchronize(), cudaErrorIllegalAddress);
    cr_expect(strstr(mp_cudasim_last_error(), "a write past the allocation"),
              "%s", mp_cudasim_last_error());
}
#endif

/* The harness is for tests: `auto` never picks it. */
Test(cudasim, auto_never_picks_the_harness)
{
    struct mp_config c;
    struct mp_ens *e;
    mp_config_init(&c);
    c.synapses = 1000;
    c.memories = 10;
    c.max_age = 5;
    cr_assert_eq(mp_config_validate(&c), 0);
    cr_assert_eq(mp_ens_create(&e, &c), 0, "%s", mp_errmsg());
    cr_expect_str_eq(mp_ens_backend(e), "cpu");
    cr_expect(strstr(mp_ens_backend_note(e), "execution harness"), "%s",
              mp_ens_backend_note(e));
    mp_ens_destroy(e);
}

/* A device the build has no kernels for (sm_75): `cuda` says why. */
Test(cudasim, device_without_kernel_image)
{
    struct mp_config c;
    struct mp_ens *e;
    mp_cudasim_set_capability(75);
    mp_config_init(&c);
    c.synapses = 1000;
    c.memories = 10;
    c.max_age = 5;
    c.backend = MP_BACKEND_CUDA;
    cr_assert_eq(mp_config_validate(&c), 0);
    cr_expect_eq(mp_ens_create(&e, &c), MP_ENODEV);
    cr_expect(strstr(mp_errmsg(), "compute capability 7.5) cannot run this "
                                  "build's kernels (built for 80-real"),
              "%s", mp_errmsg());
}

static struct mp_config small_ensemble(void)
{
    struct mp_config c;
    mp_config_init(&c);
    c.syn.model = MP_SYN_CASCADE;
    c.synapses = 3000;
    c.memories = 300;
    c.every = 10;
    c.max_age = 100;
    c.backend = MP_BACKEND_CUDA;
    cr_assert_eq(mp_config_validate(&c), 0);
    return c;
}

/* A device error inside a kernel (injected): the advance fails naming the
 * kernel, and destroy is clean. */
Test(cudasim, device_error_names_the_kernel)
{
    struct mp_config c = small_ensemble();
    struct mp_ens *e;
    int rc;
    int k;
    for (k = 0; k < 2; k++) {
        /* From memory 50, the next launches are ens_advance (to 60) and
         * ens_measure (at 60). */
        cr_assert_eq(mp_ens_create(&e, &c), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_ens_advance(e, 50), 0, "%s", mp_errmsg());
        mp_cudasim_fail_launch(1 + (unsigned long)k);
        rc = mp_ens_advance(e, 100);
        cr_expect_eq(rc, MP_ECUDA);
        cr_expect(strstr(mp_errmsg(), k ? "CUDA error in kernel ens_measure"
                                        : "CUDA error in kernel ens_advance") &&
                      strstr(mp_errmsg(), "unspecified launch failure"),
                  "%s", mp_errmsg());
        mp_ens_destroy(e);
        mp_cudasim_reset();
    }
}

/* The device lost mid-run: every call fails, the engine says so. */
Test(cudasim, device_lost_mid_run)
{
    struct mp_config c = net_base();
    struct mp_net *n;
    c.backend = MP_BACKEND_CUDA;
    cr_assert_eq(mp_config_validate(&c), 0);
    cr_assert_eq(mp_net_create(&n, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_advance(n, 20), 0, "%s", mp_errmsg());
    mp_cudasim_lose_device(5);
    cr_expect_eq(mp_net_advance(n, 20), MP_ECUDA);
    cr_expect(strstr(mp_errmsg(), "busy or unavailable"), "%s",
              mp_errmsg());
    mp_net_destroy(n);
}

/* The one fallback policy: a device too small (MP_ETOOBIG, which an
 * out-of-memory cudaMalloc becomes) runs the engine on the CPU under
 * auto, and fails an explicit run.backend = cuda; any other device error
 * fails both. */
static int fake_cuda_code, fake_cpu_made;
static int fake_cuda(void *ctx)
{
    (void)ctx;
    return mp__fail(fake_cuda_code, "the device is out of memory (fake)");
}
static int fake_cpu(void *ctx)
{
    (void)ctx;
    fake_cpu_made++;
    return 0;
}

Test(cudasim, too_small_device_falls_back_under_auto_only)
{
    char note[256] = "";
    fake_cuda_code = MP_ETOOBIG;
    cr_expect_eq(mp__backend_create(MP_BACKEND_CUDA, MP_BACKEND_AUTO, note,
                                    sizeof note, fake_cuda, fake_cpu, NULL),
                 0);
    cr_expect_eq(fake_cpu_made, 1);
    cr_expect(strstr(note, "auto: the device is out of memory"), "%s", note);
    cr_expect_eq(mp__backend_create(MP_BACKEND_CUDA, MP_BACKEND_CUDA, note,
                                    sizeof note, fake_cuda, fake_cpu, NULL),
                 MP_ETOOBIG);
    fake_cuda_code = MP_ECUDA;
    cr_expect_eq(mp__backend_create(MP_BACKEND_CUDA, MP_BACKEND_AUTO, note,
                                    sizeof note, fake_cuda, fake_cpu, NULL),
                 MP_ECUDA);
    cr_expect_eq(fake_cpu_made, 1, "no fallback on other device errors");
    cr_expect_eq(mp__backend_create(MP_BACKEND_CPU, MP_BACKEND_AUTO, note,
                                    sizeof note, fake_cuda, fake_cpu, NULL),
                 0);
    cr_expect_eq(fake_cpu_made, 2);
}

/* An allocation that fails (injected) fails the creation cleanly — and
 * leaves nothing pending that a later launch would be blamed for. */
Test(cudasim, failed_allocation_is_not_blamed_on_a_launch)
{
    struct mp_config c = net_base(), e = small_ensemble();
    struct mp_net *n;
    struct mp_ens *s;
    void *p;
    c.backend = MP_BACKEND_CUDA;
    cr_assert_eq(mp_config_validate(&c), 0);
    mp_cudasim_fail_malloc(3);
    cr_expect_eq(mp_net_create(&n, &c), MP_ETOOBIG);
    cr_expect(strstr(mp_errmsg(), "the device is out of memory in "
                                  "cudaMalloc"),
              "%s", mp_errmsg());
    mp_cudasim_fail_malloc(0);

    /* And a failed call of the program's own. */
    cr_expect_eq(cudaMalloc(&p, (size_t)1 << 62), cudaErrorMemoryAllocation);
    cr_assert_eq(mp_ens_create(&s, &e), 0, "%s", mp_errmsg());
    cr_expect_eq(mp_ens_advance(s, UINT64_MAX), 0, "%s", mp_errmsg());
    mp_ens_destroy(s);
}

/* The memory check of a network counts exactly what is allocated (the
 * discrete synapses' states and table included): at the peak it fits, a
 * byte less and it is refused before any allocation. */
Test(cudasim, network_memory_estimate_is_exact)
{
    int k;
    for (k = 0; k < 3; k++) {
        struct mp_config c = net_base();
        struct mp_cudasim_stats st;
        struct mp_net *n;
        size_t peak;
        c.backend = MP_BACKEND_CUDA;
        c.recurrent = 1;
        c.fan_in = 30;
        if (k == 2) { /* the priming components, gains and biases */
            c.priming_tau_s = 0.1;
            c.ip_tau_s = 0.1;
        } else if (k) {
            c.scaling_interval_s = 0.0;
            c.discrete = 1;
            c.syn.model = MP_SYN_CASCADE;
        }
        cr_assert_eq(mp_config_validate(&c), 0);
        mp_cudasim_reset();
        cr_assert_eq(mp_net_create(&n, &c), 0, "%s", mp_errmsg());
        mp_cudasim_get_stats(&st);
        peak = st.peak_bytes;
        mp_net_destroy(n);
        mp_cudasim_reset();
        mp_cudasim_set_memory(peak);
        cr_expect_eq(mp_net_create(&n, &c), 0, "%s: %s",
                     k == 1 ? "discrete" : k ? "extras" : "continuous",
                     mp_errmsg());
        mp_net_destroy(n);
        mp_cudasim_reset();
        mp_cudasim_set_memory(peak - 1);
        cr_expect_eq(mp_net_create(&n, &c), MP_ETOOBIG, "%s",
                     k == 1 ? "discrete" : k ? "extras" : "continuous");
        mp_cudasim_get_stats(&st);
        cr_expect_eq(st.peak_bytes, 0u, "allocated before refusing");
    }
}

/* A geometry beyond the device's limits is a launch error with its
 * reason. */
Test(cudasim, bad_geometry_is_an_error)
{
    struct mp_config c = small_ensemble();
    struct mp_ens *e;
    mp__cuda_set_geometry(1, 2048);
    cr_expect_eq(mp_ens_create(&e, &c), MP_ECUDA);
    cr_expect(strstr(mp_errmsg(), "more than 1024 threads per block"), "%s",
              mp_errmsg());
    mp__cuda_set_geometry(0, 0);
}

/* A run directory's files, and the directory. */
static void remove_run(const char *dir)
{
    static const char *const files[] = {"config.ini", "record.nc",
                                        "checkpoint.nc"};
    char path[160];
    size_t k;
    for (k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        unlink(path);
    }
    rmdir(dir);
}

/* The whole run: the device lost after checkpoints were written — the
 * run fails naming the device error, its last checkpoint is intact, and
 * it resumes on the CPU to the result of an uninterrupted run. */
Test(cudasim, device_loss_leaves_the_checkpoint_intact)
{
    char ref_dir[96], dir[96], path[128];
    struct mp_config c = small_ensemble(), back;
    struct mp_ens_snapshot a, b;
    struct mp_resume_options o;
    const char *sets[1] = {"run.backend=cpu"};
    struct mp_run *r;
    int rc = 0, state = MP_RUN_RUNNING;
    snprintf(ref_dir, sizeof ref_dir, "/tmp/mp-gpu-loss-ref-%ld",
             (long)getpid());
    snprintf(dir, sizeof dir, "/tmp/mp-gpu-loss-%ld", (long)getpid());
    c.memories = 600;
    c.ckpt_every_memories = 100;
    c.ckpt_every_s = 0.0;
    c.backend = MP_BACKEND_CPU;
    snprintf(c.dir, sizeof c.dir, "%s", ref_dir);
    cr_assert_eq(mp_run_start(&r, &c, "reference"), 0, "%s", mp_errmsg());
    while (state == MP_RUN_RUNNING)
        cr_assert_eq(mp_run_slice(r, 0, &state), 0, "%s", mp_errmsg());
    mp_run_destroy(r);
    c.backend = MP_BACKEND_CUDA;
    snprintf(c.dir, sizeof c.dir, "%s", dir);
    cr_assert_eq(mp_run_start(&r, &c, "on the device"), 0, "%s",
                 mp_errmsg());
    while (!rc && mp_run_done(r) < 250)
        rc = mp_run_slice(r, 0, &state);
    cr_assert_eq(rc, 0, "%s", mp_errmsg());
    mp_cudasim_lose_device(1);
    while (!rc)
        rc = mp_run_slice(r, 0, &state);
    cr_expect_eq(rc, MP_ECUDA);
    cr_expect(strstr(mp_errmsg(), "busy or unavailable") &&
                  strstr(mp_errmsg(), "the last checkpoint is intact"),
              "%s", mp_errmsg());
    mp_run_destroy(r);
    snprintf(path, sizeof path, "%s/checkpoint.nc", dir);
    {
        FILE *devnull = fopen("/dev/null", "w");
        cr_expect_eq(mp_io_info(path, devnull), 0, "%s", mp_errmsg());
        fclose(devnull);
    }
    memset(&o, 0, sizeof o);
    o.sets = sets;
    o.n_sets = 1;
    cr_assert_eq(mp_run_resume(&r, dir, &o), 0, "%s", mp_errmsg());
    for (state = MP_RUN_RUNNING; state == MP_RUN_RUNNING;)
        cr_assert_eq(mp_run_slice(r, 0, &state), 0, "%s", mp_errmsg());
    mp_run_destroy(r);
    snprintf(path, sizeof path, "%s/checkpoint.nc", ref_dir);
    cr_assert_eq(mp_io_ens_ckpt_read(path, &back, &a), 0, "%s",
                 mp_errmsg());
    snprintf(path, sizeof path, "%s/checkpoint.nc", dir);
    cr_assert_eq(mp_io_ens_ckpt_read(path, &back, &b), 0, "%s",
                 mp_errmsg());
    cr_expect_eq(a.done, b.done);
    cr_expect_eq(memcmp(a.state, b.state, a.synapses), 0, "states differ");
    cr_expect_eq(memcmp(a.mean, b.mean, a.n_ages * 8), 0);
    mp_ens_snapshot_fini(&a);
    mp_ens_snapshot_fini(&b);
    remove_run(ref_dir);
    remove_run(dir);
}

/* The kernels do not depend on the order lanes run in. */
Test(cudasim, lanes_in_reverse_order)
{
    struct mp_config c;
    mp_cudasim_set_lane_order(1);
    mp_config_init(&c);
    c.syn.model = MP_SYN_SERIAL;
    c.syn.n = 8;
    c.f = 0.3;
    c.synapses = 2000 + 9;
    c.memories = 80;
    c.every = 4;
    c.max_age = 60;
    compare(&c, "serial, lanes in reverse");
    {
        struct mp_config b = bf_base(5, 0.5, 0.0);
        b.synapses = 2000 + 9;
        b.memories = 80;
        b.every = 4;
        b.max_age = 60;
        bf_compare(&b, "benna_fusi, lanes in reverse");
    }
    {
        struct mp_config n = net_base();
        struct mp_net *a, *b;
        n.scaling_interval_s = 0.0;
        n.hetero_segment = 7;
        n.duration_s = 0.05;
        a = net_make(&n, MP_BACKEND_CPU);
        b = net_make(&n, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
        net_compare(a, b, &n, "heterosynaptic, lanes in reverse");
        mp_net_destroy(a);
        mp_net_destroy(b);
    }
}
#endif
