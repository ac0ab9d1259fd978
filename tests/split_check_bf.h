/* SPDX-License-Identifier: MIT */
/*
 * split_check_bf.h: included by test_bf.c (CPU) and gpu/test_gpu.c
 * (CUDA).  A Benna-Fusi ensemble held in three blocks of tiles (as MPI
 * ranks hold it; uneven, the last one cut by N) must evolve exactly as
 * the whole ensemble on one CPU backend, and the blocks' tree nodes,
 * pushed in order, must give the whole's measurement sums bit for bit
 * (f = 1/2 and 0.3, unbounded and bounded).
 */
#ifndef METAPLAST_TESTS_SPLIT_CHECK_BF_H
#define METAPLAST_TESTS_SPLIT_CHECK_BF_H

#include <criterion/criterion.h>
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

/* One backend on tiles [t0, t1): memories 0..150, its variables into
 * vals (m x N, at their global places), its nodes pushed into s. */
static void bf_split_run(mp_bf_create_fn create, const struct mp_bf_rule *r,
                         double f, uint64_t t0, uint64_t t1, float *vals,
                         struct mp_fsum *s)
{
    const uint64_t N = 3 * 8192 + 77, mus[3] = {99, 120, 150};
    struct mp_ens_backend b;
    struct mp_ens_desc d;
    float *mine;
    uint32_t k;
    memset(&b, 0, sizeof b);
    bf_split_desc(&d, N, f, r, t0, t1);
    mine = malloc(d.local * r->m * sizeof *mine);
    cr_assert_not_null(mine);
    cr_assert_eq(create(&b, &d), 0, "%s", mp_errmsg());
    cr_assert_eq(b.init_state(&b, NULL), 0, "%s", mp_errmsg());
    cr_assert_eq(b.advance(&b, 0, 151), 0, "%s", mp_errmsg());
    cr_assert_eq(b.get_values(&b, mine), 0, "%s", mp_errmsg());
    cr_assert_eq(b.measure_bf(&b, mus, 3, s), 0, "%s", mp_errmsg());
    for (k = 0; k < r->m; k++)
        memcpy(vals + k * N + t0 * MP_TILE, mine + k * d.local,
               d.local * sizeof *mine);
    b.destroy(&b);
    free(mine);
}

static void check_split_bf(mp_bf_create_fn create, const char *what)
{
    const uint64_t N = 3 * 8192 + 77, T = (N + MP_TILE - 1) / MP_TILE;
    const uint64_t cut[4] = {0, 50, 131, T};
    int fk, bk, k;
    for (bk = 0; bk < 2; bk++)
        for (fk = 0; fk < 2; fk++) {
            struct mp_config c;
            struct mp_bf_rule r;
            struct mp_fsum sw, sb;
            double bw[MP_FSUM_MAX * 4], bb[MP_FSUM_MAX * 4], tw[4], tb[4];
            float *whole, *parts;
            mp_config_init(&c);
            c.syn.model = MP_SYN_BENNA_FUSI;
            c.syn.bf.m = 5;
            c.syn.bf.bound = bk ? 3.0 : 0.0;
            c.f = fk ? 0.3 : 0.5;
            cr_assert_eq(mp__bf_rule_build(&c, &r), 0, "%s", mp_errmsg());
            whole = malloc(N * r.m * sizeof *whole);
            parts = malloc(N * r.m * sizeof *parts);
            cr_assert(whole && parts);
            mp_fsum_init(&sw, bw, 4, MP_FSUM_MAX);
            mp_fsum_init(&sb, bb, 4, MP_FSUM_MAX);
            bf_split_run(mp__ens_cpu_create, &r, c.f, 0, T, whole, &sw);
            for (k = 0; k < 3; k++)
                bf_split_run(create, &r, c.f, cut[k], cut[k + 1], parts, &sb);
            cr_assert_eq(memcmp(whole, parts, N * r.m * sizeof *whole), 0,
                         "%s, f = %g, bound %g: a block's variables differ",
                         what, c.f, r.bound);
            mp_fsum_total(&sw, tw);
            mp_fsum_total(&sb, tb);
            cr_assert_eq(sw.n, sb.n, "%s: %zu nodes vs %zu", what, sw.n, sb.n);
            cr_assert_eq(memcmp(tw, tb, sizeof tw), 0,
                         "%s, f = %g, bound %g: sums %.17g %.17g %.17g "
                         "%.17g vs %.17g %.17g %.17g %.17g",
                         what, c.f, r.bound, tw[0], tw[1], tw[2], tw[3], tb[0],
                         tb[1], tb[2], tb[3]);
            free(whole);
            free(parts);
        }
}

#endif
