/* SPDX-License-Identifier: MIT */
/*
 * split_check_bf.h: included by test_bf.c (CPU) and gpu/test_gpu.c
 * (CUDA).  A Benna-Fusi ensemble held in three blocks of tiles (as MPI
 * ranks hold it; uneven, the last one cut by N) must evolve exactly as
 * the whole ensemble on one CPU backend, and the blocks' tree nodes,
 * pushed in order, must give the whole's measurement sums bit for bit
 * (f = 1/2 and 0.3, unbounded and bounded), also for values whose sums
 * depend on the order of the additions.
 */
#ifndef METAPLAST_TESTS_SPLIT_CHECK_BF_H
#define METAPLAST_TESTS_SPLIT_CHECK_BF_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/ens_backend.h"

typedef int (*mp_bf_create_fn)(struct mp_ens_backend *,
                               const struct mp_ens_desc *);

static void bf_split_desc(struct mp_ens_desc *d, uint64_t N, double f,
                          const struct mp_bf_rule *r, uint64_t t0, uint64_t t1)
{
    memset(d, 0, sizeof *d);
    d->synapses = N;
    d->tile0 = t0;
    d->padded = (t1 - t0) * MP_TILE;
    d->local = t1 * MP_TILE < N ? d->padded : N - t0 * MP_TILE;
    d->seed = 7;
    d->half = f == 0.5;
    d->thr_f = mp_prob_threshold(f);
    d->threads = 2;
    d->bf = *r;
}

/* Values whose sums depend on the order of the additions: magnitudes
 * from 2^-40 to 2^40, both signs (variable k + 1 of synapse i). */
static float bf_crafted(uint64_t i, uint32_t k)
{
    const uint64_t h = (i * 7919u + k * 104729u) % 1000003u;
    const float x = ldexpf(1.0f + (float)(h % 13) / 7.0f,
                           (int)(h % 81) - 40);
    return h % 3 ? x : -x;
}

/* One backend on tiles [t0, t1): memories 0..150 (or, crafted, the
 * values of bf_crafted), its variables into vals (m x N, at their
 * global places), its nodes pushed into s. */
static void bf_split_run(mp_bf_create_fn create, const struct mp_bf_rule *r,
                         double f, uint64_t t0, uint64_t t1, int crafted,
                         float *vals, struct mp_fsum *s)
{
    const uint64_t N = 3 * 8192 + 77, mus[3] = {99, 120, 150};
    struct mp_ens_backend b;
    struct mp_ens_desc d;
    float *mine;
    uint64_t j;
    uint32_t k;
    memset(&b, 0, sizeof b);
    bf_split_desc(&d, N, f, r, t0, t1);
    mine = malloc(d.local * r->m * sizeof *mine);
    cr_assert_not_null(mine);
    cr_assert_eq(create(&b, &d), 0, "%s", mp_errmsg());
    cr_assert_eq(b.init_state(&b, NULL), 0, "%s", mp_errmsg());
    if (crafted) {
        for (k = 0; k < r->m; k++)
            for (j = 0; j < d.local; j++)
                mine[k * d.local + j] = bf_crafted(t0 * MP_TILE + j, k);
        cr_assert_eq(b.set_values(&b, mine), 0, "%s", mp_errmsg());
    } else {
        cr_assert_eq(b.advance(&b, 0, 151), 0, "%s", mp_errmsg());
    }
    cr_assert_eq(b.get_values(&b, mine), 0, "%s", mp_errmsg());
    cr_assert_eq(b.measure_bf(&b, mus, 3, s), 0, "%s", mp_errmsg());
    for (k = 0; k < r->m; k++)
        memcpy(vals + k * N + t0 * MP_TILE, mine + k * d.local,
               d.local * sizeof *mine);
    b.destroy(&b);
    free(mine);
}

/* With the crafted values the order of the additions shows: the sum of
 * u_1 in index order differs from the tree's. */
static void bf_order_shows(const float *whole, uint64_t N, double tree)
{
    double seq = 0.0;
    uint64_t i;
    for (i = 0; i < N; i++)
        seq += (double)whole[i];
    cr_assert_neq(memcmp(&seq, &tree, sizeof seq), 0,
                  "the crafted values do not expose the order of sums");
}

/* Variants: unbounded, bounded, and the crafted values (no memories). */
static void check_split_bf(mp_bf_create_fn create, const char *what)
{
    const uint64_t N = 3 * 8192 + 77, T = (N + MP_TILE - 1) / MP_TILE;
    const uint64_t cut[4] = {0, 50, 131, T};
    int fk, v, k;
    for (v = 0; v < 3; v++)
        for (fk = 0; fk < 2; fk++) {
            struct mp_config c;
            struct mp_bf_rule r;
            struct mp_fsum sw, sb;
            double bw[MP_FSUM_MAX * 4], bb[MP_FSUM_MAX * 4], tw[4], tb[4];
            float *whole, *parts;
            mp_config_init(&c);
            c.syn.model = MP_SYN_BENNA_FUSI;
            c.syn.bf.m = 5;
            c.syn.bf.bound = v == 1 ? 3.0 : 0.0;
            c.f = fk ? 0.3 : 0.5;
            cr_assert_eq(mp__bf_rule_build(&c, &r), 0, "%s", mp_errmsg());
            whole = malloc(N * r.m * sizeof *whole);
            parts = malloc(N * r.m * sizeof *parts);
            cr_assert(whole && parts);
            mp_fsum_init(&sw, bw, 4, MP_FSUM_MAX);
            mp_fsum_init(&sb, bb, 4, MP_FSUM_MAX);
            bf_split_run(mp__ens_cpu_create, &r, c.f, 0, T, v == 2, whole,
                         &sw);
            for (k = 0; k < 3; k++)
                bf_split_run(create, &r, c.f, cut[k], cut[k + 1], v == 2,
                             parts, &sb);
            cr_assert_eq(memcmp(whole, parts, N * r.m * sizeof *whole), 0,
                         "%s, f = %g, variant %d: a block's variables "
                         "differ",
                         what, c.f, v);
            mp_fsum_total(&sw, tw);
            mp_fsum_total(&sb, tb);
            if (v == 2)
                bf_order_shows(whole, N, tw[3]);
            cr_assert_eq(sw.n, sb.n, "%s: %zu nodes vs %zu", what, sw.n,
                         sb.n);
            cr_assert_eq(memcmp(tw, tb, sizeof tw), 0,
                         "%s, f = %g, variant %d: sums %.17g %.17g %.17g "
                         "%.17g vs %.17g %.17g %.17g %.17g",
                         what, c.f, v, tw[0], tw[1], tw[2], tw[3], tb[0],
                         tb[1], tb[2], tb[3]);
            free(whole);
            free(parts);
        }
}

#endif
