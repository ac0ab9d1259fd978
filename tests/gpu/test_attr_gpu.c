/* SPDX-License-Identifier: MIT */
/*
 * test_attr_gpu.c: the CUDA attractor backend equals the CPU backend bit
 * for bit — state bytes, retrieval curves, a snapshot crossing backends —
 * at several launch geometries, all-to-all and with fan-in (both
 * connectivities).  Built against the CPU execution harness
 * (test_attr_gpu_sim, every build) and against a real device
 * (test_attr_gpu, label gpu; skips itself without one).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/metaplast.h"
#include "metaplast/private/backend.h"

static int have_device(void)
{
    char why[256];
    return mp__cuda_usable(why, sizeof why);
}

/* Small, and every path: cascade, tied and independent, N not a
 * multiple of 64, coding threshold, spaced repeats, a modulator phase. */
static void config(struct mp_config *c, int tied)
{
    size_t k;
    mp_config_init(c);
    c->paradigm = MP_PARADIGM_ATTRACTOR;
    c->attr.neurons = 70;
    c->syn.model = MP_SYN_CASCADE;
    c->syn.n = 4;
    c->attr.tied = tied;
    c->attr.coding = tied ? 0.5 : 0.3;
    c->attr.threshold = tied ? MP_ATTR_FIXED : MP_ATTR_CODING;
    c->attr.repeats = 2;
    c->attr.block = 2;
    c->attr.n_phases = c->attr.n_levels = 2;
    c->attr.phase_memories[0] = 6;
    c->attr.phase_memories[1] = 1;
    c->attr.level[0] = 1.0;
    c->attr.level[1] = 0.5;
    c->memories = 12;
    c->every = 4;
    c->n_ages = 5;
    for (k = 0; k < 5; k++)
        c->ages[k] = k;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
}

/* Fan-in K = 23 of 70 (independent synapses, coding threshold);
 * procedural: with the presynaptic rule and sequential dynamics at a
 * temperature (fixed threshold). */
static void config_fan(struct mp_config *c, int procedural)
{
    config(c, 0);
    c->attr.fan_in = 23;
    c->attr.connectivity = procedural ? MP_ATTR_PROCEDURAL : MP_ATTR_STORED;
    if (procedural) {
        c->attr.rule = MP_ATTR_PRESYNAPTIC;
        c->attr.threshold = MP_ATTR_FIXED;
        c->attr.dynamics = MP_ATTR_SEQUENTIAL;
        c->attr.temperature = 0.05;
    }
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
}

struct out {
    uint8_t s[70 * 70];
    struct mp_attr_curve cv;
};

static void run(struct mp_config *c, int backend, struct out *o)
{
    struct mp_attr *a;
    c->backend = backend;
    memset(o->s, 0, sizeof o->s);
    cr_assert_eq(mp_attr_create(&a, c), 0, "%s", mp_errmsg());
    cr_assert_str_eq(mp_attr_backend(a),
                     backend == MP_BACKEND_CUDA ? "cuda" : "cpu");
    cr_assert_eq(mp_attr_advance(a, mp_attr_total(a)), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_attr_state(a, o->s), 0);
    cr_assert_eq(mp_attr_curve(a, &o->cv), 0);
    mp_attr_destroy(a);
}

static void same(struct out *x, struct out *y)
{
    size_t k;
    cr_expect_eq(memcmp(x->s, y->s, sizeof x->s), 0, "state bytes");
    for (k = 0; k < x->cv.n; k++)
        cr_expect(x->cv.probes[k] == y->cv.probes[k] &&
                      !memcmp(&x->cv.overlap[k], &y->cv.overlap[k], 8) &&
                      !memcmp(&x->cv.steps[k], &y->cv.steps[k], 8),
                  "age %zu: %.17g vs %.17g", k, x->cv.overlap[k],
                  y->cv.overlap[k]);
    cr_expect_gt(x->cv.probes[0], 0);
    mp_attr_curve_fini(&x->cv);
    mp_attr_curve_fini(&y->cv);
}

static void both(int blocks, int threads)
{
    static struct out x, y;
    struct mp_config c;
    int v;
    if (!have_device())
        cr_skip_test("no CUDA device");
    mp__cuda_set_geometry(blocks, threads);
    for (v = 0; v < 4; v++) {
        if (v < 2)
            config(&c, v);
        else
            config_fan(&c, v == 3);
        run(&c, MP_BACKEND_CPU, &x);
        run(&c, MP_BACKEND_CUDA, &y);
        same(&x, &y);
    }
    mp__cuda_set_geometry(0, 0);
}

Test(gpu_attractor, matches_cpu_bit_for_bit)
{
    both(0, 0);
}

Test(gpu_attractor, every_geometry)
{
    both(1, 32);
    both(3, 128);
}

/* The retrieval options through the CUDA backend: sequential sweeps run
 * on the host from the strength bits the backend hands over (`bits`),
 * synchronous ones at a finite temperature from its counts; partial
 * cues.  Both symmetries, two geometries. */
Test(gpu_attractor, retrieval_options_match_cpu)
{
    static struct out x, y;
    struct mp_config c;
    int tied, d;
    if (!have_device())
        cr_skip_test("no CUDA device");
    for (d = 0; d < 2; d++)
        for (tied = 0; tied < 2; tied++) {
            mp__cuda_set_geometry(d ? 3 : 1, d ? 128 : 32);
            config(&c, tied);
            c.attr.threshold = MP_ATTR_FIXED;
            c.attr.dynamics = d ? MP_ATTR_SEQUENTIAL : MP_ATTR_SYNCHRONOUS;
            c.attr.temperature = 0.05;
            c.attr.cue = MP_ATTR_CUE_PARTIAL;
            c.attr.noise = 0.2;
            cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
            run(&c, MP_BACKEND_CPU, &x);
            run(&c, MP_BACKEND_CUDA, &y);
            same(&x, &y);
        }
    mp__cuda_set_geometry(0, 0);
}

/* A snapshot taken on CUDA mid-run restored on the CPU (and the
 * reverse): the uninterrupted run's bits; all-to-all, then fan-in. */
Test(gpu_attractor, snapshot_crosses_backends)
{
    static struct out x, y;
    struct mp_config c;
    struct mp_attr *a;
    struct mp_attr_snapshot s;
    int from;
    if (!have_device())
        cr_skip_test("no CUDA device");
    config(&c, 1);
    run(&c, MP_BACKEND_CPU, &x);
    for (from = 0; from < 4; from++) {
        if (from == 2) {
            mp_attr_curve_fini(&x.cv);
            config_fan(&c, 0);
            run(&c, MP_BACKEND_CPU, &x);
        }
        c.backend = from % 2 ? MP_BACKEND_CUDA : MP_BACKEND_CPU;
        cr_assert_eq(mp_attr_create(&a, &c), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_attr_advance(a, 7), 0);
        cr_assert_eq(mp_attr_snapshot(a, &s), 0);
        mp_attr_destroy(a);
        c.backend = from % 2 ? MP_BACKEND_CPU : MP_BACKEND_CUDA;
        cr_assert_eq(mp_attr_create(&a, &c), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_attr_restore(a, &s), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_attr_advance(a, mp_attr_total(a)), 0);
        memset(y.s, 0, sizeof y.s);
        cr_assert_eq(mp_attr_state(a, y.s), 0);
        cr_assert_eq(mp_attr_curve(a, &y.cv), 0);
        mp_attr_destroy(a);
        mp_attr_snapshot_fini(&s);
        cr_expect_eq(memcmp(x.s, y.s, sizeof x.s), 0, "from %d", from);
        cr_expect_eq(memcmp(x.cv.overlap, y.cv.overlap, 5 * 8), 0);
        mp_attr_curve_fini(&y.cv);
    }
    mp_attr_curve_fini(&x.cv);
}
