/* SPDX-License-Identifier: MIT */
/*
 * test_gpu.c: the CUDA backend against the CPU backend, bit for bit.
 * Every test skips itself when no CUDA device is present (CUDA is touched
 * only inside tests, which Criterion runs in child processes).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/detail/backend.h"
#include "metaplast/io.h"
#include "metaplast/sim.h"

#include <unistd.h>

static void need_device(void)
{
    if (mp__cuda_device_count() < 1)
        cr_skip_test("no CUDA device");
}

static struct mp_sim *run(struct mp_config *c, int backend)
{
    struct mp_sim *s;
    char err[512];
    c->backend = backend;
    cr_assert_eq(mp_config_validate(c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mp_sim_create(&s, c, err, sizeof err), 0, "%s", err);
    cr_assert_eq(mp_sim_advance(s, UINT64_MAX), 0, "%s", mp_sim_errmsg(s));
    return s;
}

static void compare(struct mp_config *c, const char *what)
{
    struct mp_sim *a = run(c, MP_BACKEND_CPU), *b = run(c, MP_BACKEND_CUDA);
    uint8_t *sa = malloc(c->synapses), *sb = malloc(c->synapses);
    struct mp_curve ca, cb;
    size_t k;
    uint64_t i;
    cr_assert_str_eq(mp_sim_backend(b), "cuda");
    cr_assert_eq(mp_sim_state(a, sa), 0);
    cr_assert_eq(mp_sim_state(b, sb), 0, "%s", mp_sim_errmsg(b));
    for (i = 0; i < c->synapses; i++)
        cr_assert_eq(sa[i], sb[i], "%s: synapse %llu: cpu %02x cuda %02x",
                     what, (unsigned long long)i, sa[i], sb[i]);
    cr_assert_eq(mp_sim_curve(a, &ca), 0);
    cr_assert_eq(mp_sim_curve(b, &cb), 0);
    for (k = 0; k < ca.n; k++) {
        cr_assert_eq(ca.probes[k], cb.probes[k]);
        cr_assert_eq(memcmp(&ca.signal[k], &cb.signal[k], 8), 0,
                     "%s: signal at age %llu: %.17g vs %.17g", what,
                     (unsigned long long)ca.age[k], ca.signal[k],
                     cb.signal[k]);
        cr_assert_eq(memcmp(&ca.signal_sem[k], &cb.signal_sem[k], 8), 0);
    }
    mp_curve_fini(&ca);
    mp_curve_fini(&cb);
    free(sa);
    free(sb);
    mp_sim_destroy(a);
    mp_sim_destroy(b);
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
        struct mp_sim_snapshot snap, x, y;
        struct mp_sim *ref, *first, *second;
        char err[512];
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
        cr_assert_eq(mp_sim_snapshot(first, &snap), 0);
        cr_assert_eq(mp_ckpt_write(path, &c, &snap, NULL, err, sizeof err), 0,
                     "%s", err);
        mp_snapshot_fini(&snap);
        mp_sim_destroy(first);
        cr_assert_eq(mp_ckpt_read(path, &back, &snap, err, sizeof err), 0,
                     "%s", err);
        back.memories = 400;
        back.backend = pairs[k][1];
        cr_assert_eq(mp_config_validate(&back, err, sizeof err), 0);
        cr_assert_eq(mp_sim_create(&second, &back, err, sizeof err), 0, "%s",
                     err);
        cr_assert_eq(mp_sim_restore(second, &snap), 0);
        mp_snapshot_fini(&snap);
        cr_assert_eq(mp_sim_advance(second, UINT64_MAX), 0, "%s",
                     mp_sim_errmsg(second));
        cr_assert_eq(mp_sim_snapshot(ref, &x), 0);
        cr_assert_eq(mp_sim_snapshot(second, &y), 0);
        cr_assert_eq(memcmp(x.state, y.state, x.synapses), 0,
                     "%s -> %s: states differ", k ? "cpu" : "cuda",
                     k ? "cuda" : "cpu");
        cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0);
        cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0);
        mp_snapshot_fini(&x);
        mp_snapshot_fini(&y);
        mp_sim_destroy(ref);
        mp_sim_destroy(second);
    }
    unlink(path);
}
