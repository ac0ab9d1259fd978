/* SPDX-License-Identifier: MIT */
/*
 * rules.h: the synapse-ensemble rules, written once for the CPU backend,
 * the CUDA kernels and the exact theory.
 *
 * Models (see docs/MODELS.md for the equations and their sources):
 *   binary(q+, q-)   weight +-1; a candidate potentiation flips -1 -> +1
 *                    with probability q+, a candidate depression +1 -> -1
 *                    with probability q-.
 *   cascade(n, x)    Fusi, Drew & Abbott, Neuron 45:599 (2005).  States
 *                    (strength +-, depth d = 1..n).  A candidate event of the
 *                    opposite sign at depth d flips the strength and resets
 *                    to depth 1 with q_d = x^(d-1) (d < n),
 *                    q_n = x^(n-1)/(1-x); one of the same sign deepens
 *                    d -> d+1 with p_d = x^d/(1-x) (d < n).
 *   serial(M, q)     Leibold & Kempter, Cereb. Cortex 18:67 (2008).  M states
 *                    in a chain, weight -1 for the lower half, +1 for the
 *                    upper half; potentiation moves up, depression down,
 *                    each with probability q.
 *
 * State byte.  One synapse is one byte: bit 7 is the strength (1 = strong,
 * weight +1), bits 0..5 the depth, 0-based (0 = most plastic; for serial,
 * the distance from the middle of the chain).  Every model above has, for
 * each (candidate sign, state), at most one target state, so a model
 * compiles into a table of (probability, target) pairs indexed by
 * (xi, strength, depth) and one step is a lookup and a comparison.
 *
 * Probabilities are realised as 32-bit thresholds: the transition happens
 * iff u < round(p * 2^32) for a uniform 32-bit word u.  Powers of two
 * (cascade with x = 1/2) are exact; any other p is within 2^-33 of exact.
 */
#ifndef METAPLAST_RULES_H
#define METAPLAST_RULES_H

#include <stdint.h>

#include "hd.h"
#include "rng.h"

enum mp_syn_model {
    MP_SYN_BINARY = 0,
    MP_SYN_CASCADE = 1,
    MP_SYN_SERIAL = 2
};

/* Depth levels per strength that a state byte can hold. */
#define MP_SYN_MAX_DEPTH 64
/* Entries of a transition table: xi (2) x strength (2) x depth. */
#define MP_SYN_TABLE_SIZE (4 * MP_SYN_MAX_DEPTH)
/* Largest model sizes accepted (the thresholds of deeper cascades with
 * x = 1/2 fall below 2^-32 and would round to zero). */
#define MP_SYN_CASCADE_MAX_N 32
#define MP_SYN_SERIAL_MAX_M (2 * MP_SYN_MAX_DEPTH)

#define MP_SYN_STRONG 0x80u
#define MP_SYN_DEPTH_MASK 0x3Fu

/* Parameters of a discrete synapse model: a plain value. */
struct mp_syn_params {
    int model;      /* enum mp_syn_model */
    uint32_t n;     /* cascade: depth n; serial: number of states M (even) */
    double x;       /* cascade: ratio of successive probabilities, (0,1/2] */
    double q;       /* serial: step probability, [0,1] */
    double q_plus;  /* binary: probability of potentiation, [0,1] */
    double q_minus; /* binary: probability of depression, [0,1] */
};

/* What a kernel needs: thresholds and targets, 2.3 KiB. */
struct mp_syn_table {
    uint64_t thr[MP_SYN_TABLE_SIZE]; /* transition iff u < thr (u 32-bit) */
    uint8_t next[MP_SYN_TABLE_SIZE]; /* state byte after the transition */
};

/* A compiled model: the table plus the exact probabilities (theory). */
struct mp_syn_rule {
    uint32_t depths;                  /* depth levels per strength, D */
    double prob[MP_SYN_TABLE_SIZE];   /* exact transition probabilities */
    struct mp_syn_table table;        /* the same, as 32-bit thresholds */
};

static MP_INLINE MP_HD uint32_t mp_syn_index(uint32_t xi_pos, uint32_t s)
{
    return (xi_pos << 7) | ((s >> 7) << 6) | (s & MP_SYN_DEPTH_MASK);
}

static MP_INLINE MP_HD int mp_syn_weight(uint32_t s)
{
    return (s & MP_SYN_STRONG) ? 1 : -1;
}

/*
 * One synapse, one memory: state s receives a candidate potentiation
 * (xi_pos = 1) or depression (xi_pos = 0) and moves with the table's
 * probability, decided by the uniform 32-bit word u.
 */
static MP_INLINE MP_HD uint32_t mp_syn_step(const struct mp_syn_table *t,
                                            uint32_t s, uint32_t xi_pos,
                                            uint32_t u)
{
    uint32_t k = mp_syn_index(xi_pos, s);
    return (uint64_t)u < t->thr[k] ? (uint32_t)t->next[k] : s;
}

/* Probability as a 32-bit threshold: p = 1 gives 2^32 (always). */
static MP_INLINE MP_HD uint64_t mp_prob_threshold(double p)
{
    if (p <= 0.0)
        return 0;
    if (p >= 1.0)
        return UINT64_C(1) << 32;
    return (uint64_t)(p * 4294967296.0 + 0.5);
}

/* Cascade probabilities (Fusi et al. 2005, with depth d 1-based). */
static MP_INLINE MP_HD double mp_cascade_pow(double x, uint32_t k)
{
    double r = 1.0;
    while (k--)
        r *= x;
    return r;
}

/* q_d: flip and reset to depth 1, from depth d. */
static MP_INLINE MP_HD double mp_cascade_q(uint32_t d, uint32_t n, double x)
{
    double q = mp_cascade_pow(x, d - 1);
    return d < n ? q : q / (1.0 - x); /* boundary factor at d = n */
}

/* p_d: deepen d -> d+1 (none at d = n). */
static MP_INLINE MP_HD double mp_cascade_p(uint32_t d, uint32_t n, double x)
{
    return d < n ? mp_cascade_pow(x, d) / (1.0 - x) : 0.0;
}

/* State bytes and the theory's state order j = 0..2D-1, which runs from
 * the deepest weak state to the deepest strong state (serial: the chain). */
static MP_INLINE MP_HD uint32_t mp_syn_state_of(uint32_t j, uint32_t depths)
{
    return j < depths ? depths - 1 - j : MP_SYN_STRONG | (j - depths);
}

static MP_INLINE MP_HD uint32_t mp_syn_order_of(uint32_t s, uint32_t depths)
{
    uint32_t d = s & MP_SYN_DEPTH_MASK;
    return (s & MP_SYN_STRONG) ? depths + d : depths - 1 - d;
}

static MP_INLINE void mp_syn_rule_set(struct mp_syn_rule *r, uint32_t xi_pos,
                                      uint32_t s, double p, uint32_t to)
{
    uint32_t k = mp_syn_index(xi_pos, s);
    r->prob[k] = p;
    r->table.thr[k] = mp_prob_threshold(p);
    r->table.next[k] = (uint8_t)to;
}

/*
 * Compiles a model into its rule.  The parameters must already be valid
 * (mp_config_validate checks them); returns 0, or -1 for an unknown model.
 */
static MP_INLINE int mp_syn_rule_build(const struct mp_syn_params *p,
                                       struct mp_syn_rule *r)
{
    uint32_t d, xi, D;
    for (d = 0; d < MP_SYN_TABLE_SIZE; d++) {
        r->prob[d] = 0.0;
        r->table.thr[d] = 0;
        r->table.next[d] = (uint8_t)((d & 0x40u ? MP_SYN_STRONG : 0u) |
                                     (d & MP_SYN_DEPTH_MASK));
    }
    switch (p->model) {
    case MP_SYN_BINARY:
        r->depths = 1;
        mp_syn_rule_set(r, 1, 0, p->q_plus, MP_SYN_STRONG);
        mp_syn_rule_set(r, 0, MP_SYN_STRONG, p->q_minus, 0);
        return 0;
    case MP_SYN_CASCADE:
        D = r->depths = p->n;
        for (d = 1; d <= D; d++) {
            uint32_t weak = d - 1, strong = MP_SYN_STRONG | (d - 1);
            double q = mp_cascade_q(d, D, p->x);
            double pd = mp_cascade_p(d, D, p->x);
            /* Opposite sign: flip, back to depth 1. */
            mp_syn_rule_set(r, 1, weak, q, MP_SYN_STRONG);
            mp_syn_rule_set(r, 0, strong, q, 0);
            /* Same sign: a metaplastic step deeper. */
            if (d < D) {
                mp_syn_rule_set(r, 1, strong, pd, strong + 1);
                mp_syn_rule_set(r, 0, weak, pd, weak + 1);
            }
        }
        return 0;
    case MP_SYN_SERIAL:
        D = r->depths = p->n / 2;
        for (xi = 0; xi < 2; xi++) {
            uint32_t j;
            for (j = 0; j < 2 * D; j++) {
                /* Potentiation moves up the chain, depression down. */
                if (xi == 1 && j + 1 < 2 * D)
                    mp_syn_rule_set(r, 1, mp_syn_state_of(j, D), p->q,
                                    mp_syn_state_of(j + 1, D));
                if (xi == 0 && j > 0)
                    mp_syn_rule_set(r, 0, mp_syn_state_of(j, D), p->q,
                                    mp_syn_state_of(j - 1, D));
            }
        }
        return 0;
    default:
        return -1;
    }
}

/* ---- The memory stream (docs/MODELS.md section 1) ---------------------- */

/*
 * Candidate signs.  With f = 1/2, xi of synapse i for memory mu is bit
 * (i % 128) of block (PATTERN, mu, i / 128): bit i % 32 of word
 * (i % 128) / 32, 1 = potentiation.  Regenerating a past memory then costs
 * 1/128 of a Philox call per synapse.  With any other f, xi is
 * (word i % 4 of block (PATTERN, mu, i / 4)) < round(f * 2^32).
 *
 * The engine works on groups of 4 synapses (one TRANSITION block each);
 * group g covers synapses 4g..4g+3, and its 4 candidate bits (bit k for
 * synapse 4g+k) are these helpers' result.
 */
static MP_INLINE MP_HD uint32_t mp_xi4_from_tile(struct mp_u32x4 tile,
                                                 uint64_t g)
{
    uint32_t gi = (uint32_t)(g & 31u); /* group within the 128-tile */
    return (mp_u32x4_get(tile, gi >> 3) >> ((gi & 7u) * 4u)) & 0xFu;
}

static MP_INLINE MP_HD uint32_t mp_xi4_from_words(struct mp_u32x4 w,
                                                  uint64_t thr_f)
{
    return ((uint64_t)w.x < thr_f ? 1u : 0u) |
           ((uint64_t)w.y < thr_f ? 2u : 0u) |
           ((uint64_t)w.z < thr_f ? 4u : 0u) |
           ((uint64_t)w.w < thr_f ? 8u : 0u);
}

/* The 4 candidate bits of group g for memory mu, either way. */
static MP_INLINE MP_HD uint32_t mp_xi4(uint64_t seed, uint64_t mu, uint64_t g,
                                       int half, uint64_t thr_f)
{
    if (half)
        return mp_xi4_from_tile(
            mp_rng_block(seed, MP_RNG_PATTERN, mu, g >> 5), g);
    return mp_xi4_from_words(mp_rng_block(seed, MP_RNG_PATTERN, mu, g),
                             thr_f);
}

/* 4 packed state bytes (byte k = synapse 4g+k) after memory mu. */
static MP_INLINE MP_HD uint32_t mp_step4(const struct mp_syn_table *t,
                                         uint32_t s4, uint32_t xi4,
                                         uint64_t seed, uint64_t mu,
                                         uint64_t g)
{
    struct mp_u32x4 u = mp_rng_block(seed, MP_RNG_TRANSITION, mu, g);
    uint32_t s0 = mp_syn_step(t, s4 & 0xFFu, xi4 & 1u, u.x);
    uint32_t s1 = mp_syn_step(t, (s4 >> 8) & 0xFFu, (xi4 >> 1) & 1u, u.y);
    uint32_t s2 = mp_syn_step(t, (s4 >> 16) & 0xFFu, (xi4 >> 2) & 1u, u.z);
    uint32_t s3 = mp_syn_step(t, s4 >> 24, (xi4 >> 3) & 1u, u.w);
    return s0 | (s1 << 8) | (s2 << 16) | (s3 << 24);
}

/* Strength bits of 4 packed states, bit k for byte k. */
static MP_INLINE MP_HD uint32_t mp_strong4(uint32_t s4)
{
    return ((s4 >> 7) & 1u) | ((s4 >> 14) & 2u) | ((s4 >> 21) & 4u) |
           ((s4 >> 28) & 8u);
}

/*
 * Initial state of one synapse from its uniform word u (INIT stream,
 * step 0, block i / 4, word i % 4): the first state j (theory order) with
 * u < cum[j], where cum holds the cumulative stationary distribution as
 * 32-bit thresholds and cum[2D-1] = 2^32.
 */
static MP_INLINE MP_HD uint32_t mp_syn_draw(const uint64_t *cum,
                                            uint32_t depths, uint32_t u)
{
    uint32_t j = 0;
    while (j + 1 < 2 * depths && (uint64_t)u >= cum[j])
        j++;
    return mp_syn_state_of(j, depths);
}

#endif
