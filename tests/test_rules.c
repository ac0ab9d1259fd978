/* SPDX-License-Identifier: MIT */
/* test_rules.c: the compiled synapse models and the step decision. */
#include <criterion/criterion.h>
#include <math.h>

#include "metaplast/private/syn_rules.h"

static struct mp_syn_rule build(int model, uint32_t n, double x, double q)
{
    struct mp_syn_params p = {
        .model = model, .n = n, .x = x, .q = q, .q_plus = q, .q_minus = q};
    struct mp_syn_rule r;
    cr_assert_eq(mp_syn_rule_build(&p, &r), 0);
    return r;
}

static double prob(const struct mp_syn_rule *r, uint32_t xi, uint32_t s)
{
    return r->prob[mp_syn_index(xi, s)];
}

static uint32_t next(const struct mp_syn_rule *r, uint32_t xi, uint32_t s)
{
    return r->table.next[mp_syn_index(xi, s)];
}

/* Fusi et al. 2005 with x = 1/2: q = (1, 1/2, ..., 2^-(n-2), 2^-(n-2)),
 * p = (1, 1/2, ..., 2^-(n-2)), written out, not recomputed. */
Test(rules, cascade_probabilities)
{
    const uint32_t n = 5;
    const double q[5] = {1, 0.5, 0.25, 0.125, 0.125};
    const double p[4] = {1, 0.5, 0.25, 0.125};
    struct mp_syn_rule r = build(MP_SYN_CASCADE, n, 0.5, 0);
    uint32_t d;
    cr_assert_eq(r.depths, n);
    for (d = 0; d < n; d++) {
        uint32_t weak = d, strong = MP_SYN_STRONG | d;
        cr_expect_eq(prob(&r, 1, weak), q[d], "q_%u", d + 1);
        cr_expect_eq(next(&r, 1, weak), MP_SYN_STRONG, "flip to depth 1");
        cr_expect_eq(prob(&r, 0, strong), q[d]);
        cr_expect_eq(next(&r, 0, strong), 0u);
        if (d + 1 < n) {
            cr_expect_eq(prob(&r, 1, strong), p[d], "p_%u", d + 1);
            cr_expect_eq(next(&r, 1, strong), strong + 1);
            cr_expect_eq(prob(&r, 0, weak), p[d]);
            cr_expect_eq(next(&r, 0, weak), weak + 1);
        } else {
            cr_expect_eq(prob(&r, 1, strong), 0.0, "no depth n+1");
        }
    }
    /* General x: the boundary factor 1/(1-x) on q_n only. */
    r = build(MP_SYN_CASCADE, 4, 0.25, 0);
    cr_expect(fabs(prob(&r, 1, 2) - 0.0625) < 1e-15);
    cr_expect(fabs(prob(&r, 1, 3) - 0.015625 / 0.75) < 1e-15);
    cr_expect(fabs(prob(&r, 1, MP_SYN_STRONG | 2) - 0.015625 / 0.75) <
              1e-15);
}

Test(rules, binary_and_serial)
{
    struct mp_syn_params bp = {.model = MP_SYN_BINARY, .q_plus = 0.3, .q_minus = 0.2};
    struct mp_syn_rule r;
    uint32_t j;
    cr_assert_eq(mp_syn_rule_build(&bp, &r), 0);
    cr_expect_eq(r.depths, 1u);
    cr_expect_eq(prob(&r, 1, 0), 0.3);
    cr_expect_eq(next(&r, 1, 0), MP_SYN_STRONG);
    cr_expect_eq(prob(&r, 0, MP_SYN_STRONG), 0.2);
    cr_expect_eq(prob(&r, 1, MP_SYN_STRONG), 0.0);
    cr_expect_eq(prob(&r, 0, 0), 0.0);

    /* serial, M = 6: a chain j = 0..5, weight -1 for j < 3. */
    r = build(MP_SYN_SERIAL, 6, 0, 0.4);
    cr_assert_eq(r.depths, 3u);
    for (j = 0; j < 6; j++) {
        uint32_t s = mp_syn_state_of(j, 3);
        cr_expect_eq(mp_syn_weight(s), j < 3 ? -1 : 1);
        cr_expect_eq(mp_syn_order_of(s, 3), j);
        cr_expect_eq(prob(&r, 1, s), j < 5 ? 0.4 : 0.0);
        cr_expect_eq(prob(&r, 0, s), j > 0 ? 0.4 : 0.0);
        if (j < 5)
            cr_expect_eq(mp_syn_order_of(next(&r, 1, s), 3), j + 1);
        if (j > 0)
            cr_expect_eq(mp_syn_order_of(next(&r, 0, s), 3), j - 1);
    }
}

/*
 * The byte-plus-refinement decision equals a uniform 32-bit comparison:
 * for thresholds of every kind (0, 2^32, powers of two, arbitrary) and all
 * 256 bytes b, mp_syn_step moves iff b * 2^24 + r < thr, where r is the
 * synapse's REFINE value.
 */
Test(rules, decision_is_a_32_bit_comparison)
{
    const double ps[] = {0.0, 1.0, 0.5, 0.125, 1.0 / 1024, 0.3, 1e-9,
                         0.999999, 0.7071067811865476};
    size_t pi;
    for (pi = 0; pi < sizeof ps / sizeof ps[0]; pi++) {
        struct mp_syn_rule r;
        struct mp_syn_params bp = {.model = MP_SYN_BINARY, .q_plus = ps[pi],
                                     .q_minus = ps[pi]};
        uint64_t thr = mp_prob_threshold(ps[pi]);
        uint32_t b;
        uint64_t i;
        cr_assert_eq(mp_syn_rule_build(&bp, &r), 0);
        for (i = 0; i < 64; i++) {
            uint64_t mu = 1000 + i;
            uint32_t rr = mp_syn_refine(7, mu, i);
            for (b = 0; b < 256; b++) {
                uint64_t U = ((uint64_t)b << 24) | rr;
                uint32_t s = mp_syn_step(&r.table, 0, 1, b, 7, mu, i);
                cr_assert_eq(s == MP_SYN_STRONG, U < thr,
                             "p = %g, b = %u, r = %u", ps[pi], b, rr);
            }
        }
    }
}

/* Thresholds: powers of two exact, everything within 2^-33. */
Test(rules, thresholds)
{
    cr_expect_eq(mp_prob_threshold(0.0), 0u);
    cr_expect_eq(mp_prob_threshold(1.0), 1ull << 32);
    cr_expect_eq(mp_prob_threshold(0.5), 1ull << 31);
    cr_expect_eq(mp_prob_threshold(ldexp(1.0, -30)), 4u);
    cr_expect(fabs((double)mp_prob_threshold(0.3) / 4294967296.0 - 0.3) <=
              ldexp(1.0, -33));
}

/* Packing: 4 states per word, strength bits, candidate bits. */
Test(rules, packing)
{
    struct mp_u32x4 tile = {0x76543210u, 0xFEDCBA98u, 0x0u, 0xFFFFFFFFu};
    cr_expect_eq(mp_strong4(0x40004000u), 0xAu);
    cr_expect_eq(mp_strong4(0x00400040u), 0x5u);
    cr_expect_eq(mp_xi4_from_tile(tile, 0), 0x0u);
    cr_expect_eq(mp_xi4_from_tile(tile, 7), 0x7u);
    cr_expect_eq(mp_xi4_from_tile(tile, 8), 0x8u);
    cr_expect_eq(mp_xi4_from_tile(tile, 32 + 31), 0xFu);
    cr_expect_eq(mp_xi4_from_words((struct mp_u32x4){1, 5, 3, 9}, 4), 0x5u);
}
