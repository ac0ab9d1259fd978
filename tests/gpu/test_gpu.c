/* SPDX-License-Identifier: MIT */
/*
 * test_gpu.c: the CUDA backend against the CPU backend, bit for bit.
 * Every test skips itself when no CUDA device is present (CUDA is touched
 * only inside tests, which Criterion runs in child processes).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../split_check.h"
#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/ens_backend.h"

#include <unistd.h>

#include <cuda_runtime_api.h>

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
            c.synapses = 100000 + 37;
            c.memories = 700;
            c.burn_in = 11;
            c.init = MP_INIT_PLASTIC;
            c.every = 3;
            c.max_age = 600;
            c.per_decade = 20;
            compare(&c, mp_model_name(models[mi]));
        }
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
    c.synapses = 1u << 22;
    c.memories = 2000;
    c.every = 500;
    c.max_age = 1000;
    compare(&c, "cascade n=15, N=2^22");
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
    c.synapses = 1u << 20;
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
        c.synapses = 200000 + 3;
        c.memories = 400;
        c.every = 9;
        c.max_age = 300;
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
    c.n_in = 1000 + 7; /* not a multiple of 32 */
    c.n_out = 300;
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
    c.scaling_interval_s = 0.25;
    c.target_rate = 0.5;
    c.scaling_max = 1.5;
    c.duration_s = 2.0;
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
    cr_assert_eq(mp_config_set(&c, "protocol.durations=0.5s, 1s", 1),
                 0);
    cr_assert_eq(mp_config_set(&c, "protocol.modulator=2, 0.5", 2),
                 0);
    cr_assert_eq(mp_config_set(&c, "protocol.patterns=0+1, all", 3),
                 0);
    a = net_make(&c, MP_BACKEND_CPU);
    b = net_make(&c, MP_BACKEND_CUDA);
    cr_assert_eq(mp_net_advance(a, 700), 0);
    cr_assert_eq(mp_net_advance(b, 700), 0, "%s", mp_errmsg());
    net_compare(a, b, &c, "dense, 700 steps");
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
    c.fan_in = 200 + 5;
    c.w_init_rec = 0.005;
    a = net_make(&c, MP_BACKEND_CPU);
    b = net_make(&c, MP_BACKEND_CUDA);
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s", mp_errmsg());
    net_compare(a, b, &c, "sparse recurrent");
    mp_net_destroy(a);
    mp_net_destroy(b);
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
        c.fan_in = 100;
        ref = net_make(&c, MP_BACKEND_CPU);
        cr_assert_eq(mp_net_advance(ref, UINT64_MAX), 0);
        c.duration_s = 1.0;
        first = net_make(&c, k ? MP_BACKEND_CPU : MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(first, UINT64_MAX), 0);
        cr_assert_eq(mp_net_snapshot(first, &snap), 0);
        cr_assert_eq(mp_io_net_ckpt_write(path, &c, &snap, NULL),
                     0, "%s", mp_errmsg());
        mp_net_snapshot_fini(&snap);
        mp_net_destroy(first);
        cr_assert_eq(mp_io_net_ckpt_read(path, &back, &snap), 0,
                     "%s", mp_errmsg());
        back.duration_s = 2.0;
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
    for (k = 0; k < 2; k++) {
        struct mp_config c = net_base();
        struct mp_net *a, *b;
        struct mp_net_snapshot sa, sb;
        c.scaling_interval_s = 0.0;
        if (k == 0) {
            c.discrete = 1;
            c.syn.model = MP_SYN_CASCADE;
            c.syn.n = 8;
            c.w_weak = 0.0;
            c.w_strong = 0.02;
            c.tau_w_s = 0.2;
        } else {
            c.hetero_segment = 50;
            c.fan_in = 500;
            c.recurrent = 1;
        }
        a = net_make(&c, MP_BACKEND_CPU);
        b = net_make(&c, MP_BACKEND_CUDA);
        cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
        cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0, "%s",
                     mp_errmsg());
        net_compare(a, b, &c, k ? "heterosynaptic" : "discrete");
        if (k == 0) {
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
