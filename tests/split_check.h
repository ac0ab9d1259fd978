/* SPDX-License-Identifier: MIT */
/*
 * split_check.h: included by test_sim.c (CPU) and gpu/test_gpu.c (CUDA).
 * An ensemble held in three blocks of tiles (mp_ens_desc.tile0, as MPI
 * ranks hold it; uneven, the last one cut by N) must evolve and measure
 * exactly as the whole ensemble on one CPU backend: every state byte, and
 * the block sums adding up to the whole's (f = 1/2 and f = 0.3).
 */
#ifndef METAPLAST_TESTS_SPLIT_CHECK_H
#define METAPLAST_TESTS_SPLIT_CHECK_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/ens_backend.h"

typedef int (*mp_backend_create_fn)(struct mp_ens_backend *,
                                    const struct mp_ens_desc *);

static void split_desc(struct mp_ens_desc *d, uint64_t N, double f,
                       const struct mp_syn_rule *r, uint64_t t0,
                       uint64_t t1)
{
    memset(d, 0, sizeof *d);
    d->synapses = N;
    d->tile0 = t0;
    d->padded = (t1 - t0) * MP_TILE;
    d->local = t1 * MP_TILE < N ? d->padded : N - t0 * MP_TILE;
    d->seed = 7;
    d->half = f == 0.5;
    d->thr_f = mp_prob_threshold(f);
    d->depths = r->depths;
    d->threads = 1;
    d->table = r->table;
}

static void check_split(mp_backend_create_fn create, const char *what)
{
    const uint64_t N = 3 * 8192 + 77, T = (N + MP_TILE - 1) / MP_TILE;
    const uint64_t cut[4] = {0, 50, 131, T};
    const uint64_t mus[3] = {99, 120, 150};
    struct mp_syn_params p = {.model = MP_SYN_CASCADE, .n = 6, .x = 0.5};
    struct mp_syn_rule r;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    uint8_t *whole = malloc(N), *parts = malloc(N);
    uint32_t j;
    int fk;
    cr_assert_eq(mp_syn_rule_build(&p, &r), 0);
    for (j = 0; j < 2 * r.depths; j++) /* uniform over the states */
        cum[j] = ((uint64_t)(j + 1) << 32) / (2 * r.depths);
    for (fk = 0; fk < 2; fk++) {
        const double f = fk ? 0.3 : 0.5;
        struct mp_ens_backend w, b[3];
        struct mp_ens_desc d;
        int64_t sw[4], sb[4], sum[4] = {0, 0, 0, 0};
        int k, q;
        memset(&w, 0, sizeof w);
        split_desc(&d, N, f, &r, 0, T);
        cr_assert_eq(mp__ens_cpu_create(&w, &d), 0, "%s", mp_errmsg());
        cr_assert_eq(w.init_state(&w, cum), 0);
        cr_assert_eq(w.advance(&w, 0, 151), 0);
        cr_assert_eq(w.get_state(&w, whole), 0);
        cr_assert_eq(w.measure(&w, mus, 3, sw), 0);
        for (k = 0; k < 3; k++) {
            memset(&b[k], 0, sizeof b[k]);
            split_desc(&d, N, f, &r, cut[k], cut[k + 1]);
            cr_assert_eq(create(&b[k], &d), 0, "%s", mp_errmsg());
            cr_assert_eq(b[k].init_state(&b[k], cum), 0, "%s", mp_errmsg());
            cr_assert_eq(b[k].advance(&b[k], 0, 151), 0, "%s", mp_errmsg());
            cr_assert_eq(b[k].get_state(&b[k], parts + cut[k] * MP_TILE), 0,
                         "%s", mp_errmsg());
            cr_assert_eq(b[k].measure(&b[k], mus, 3, sb), 0, "%s", mp_errmsg());
            for (q = 0; q < 4; q++)
                sum[q] += sb[q];
            b[k].destroy(&b[k]);
        }
        w.destroy(&w);
        cr_assert_eq(memcmp(whole, parts, N), 0,
                     "%s, f = %g: a block's state differs", what, f);
        for (q = 0; q < 4; q++)
            cr_assert_eq(sum[q], sw[q], "%s, f = %g: sum %d: %lld vs %lld",
                         what, f, q, (long long)sum[q], (long long)sw[q]);
    }
    free(whole);
    free(parts);
}

#endif
