/* SPDX-License-Identifier: MIT */
/*
 * syn_rules.h (private): the discrete synapse rules and the memory
 * stream, written once for the CPU backend, the CUDA kernels and the exact
 * theory.
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
 * State byte.  One synapse is one byte: bit 6 is the strength (1 = strong,
 * weight +1), bits 0..5 the depth, 0-based (0 = most plastic; for serial,
 * the distance from the middle of the chain), bit 7 is 0.  Every model
 * above has, for each (candidate sign, state), at most one target state,
 * so a model compiles into a table of (probability, target) pairs indexed
 * by xi << 7 | state, and one step is a lookup and a comparison.
 *
 * Probabilities are realised as 32-bit thresholds: the transition happens
 * iff U < round(p * 2^32) for a uniform 32-bit U.  Powers of two (cascade
 * with x = 1/2) are exact; any other p is within 2^-33 of exact.  U is
 * drawn in two parts so that a step costs one random byte, not a word:
 * U = b * 2^24 + r, b the synapse's byte of its TRANSITION block, and r
 * (24 bits, REFINE stream) drawn only when b alone cannot decide, i.e.
 * when b == threshold >> 24 (probability 1/256).  The decision is exactly
 * that of a uniform 32-bit U.
 */
#ifndef METAPLAST_PRIVATE_SYN_RULES_H
#define METAPLAST_PRIVATE_SYN_RULES_H

#include <stdint.h>

#include "../model.h"
#include "hd.h"
#include "rng.h"

/* Entries of a transition table: xi (2) x strength (2) x depth. */
#define MP_SYN_TABLE_SIZE (4 * MP_SYN_MAX_DEPTH)

/* What a kernel needs: thresholds and targets, 1.75 KiB. */
struct mp_syn_table {
    uint32_t lo[MP_SYN_TABLE_SIZE];  /* threshold bits 0..23 */
    uint16_t hi[MP_SYN_TABLE_SIZE];  /* threshold >> 24, 0..256 */
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
    return (xi_pos << 7) | s;
}

static MP_INLINE MP_HD int mp_syn_weight(uint32_t s)
{
    return (s & MP_SYN_STRONG) ? 1 : -1;
}

/* The 24 refinement bits of synapse i for memory mu: word i % 4 of block
 * (REFINE, mu, i / 4). */
static MP_INLINE MP_HD uint32_t mp_syn_refine(uint64_t seed, uint64_t mu,
                                              uint64_t i)
{
    struct mp_u32x4 r = mp_rng_block(seed, MP_RNG_REFINE, mu, i >> 2);
    return mp_u32x4_get(r, (uint32_t)(i & 3u)) & 0xFFFFFFu;
}

/*
 * One synapse, one memory: synapse i in state s receives a candidate
 * potentiation (xi_pos = 1) or depression (xi_pos = 0) and moves with the
 * table's probability, decided by its random byte b (and, on a tie, its
 * refinement bits).
 */
static MP_INLINE MP_HD uint32_t mp_syn_step(const struct mp_syn_table *t,
                                            uint32_t s, uint32_t xi_pos,
                                            uint32_t b, uint64_t seed,
                                            uint64_t mu, uint64_t i)
{
    uint32_t k = mp_syn_index(xi_pos, s);
    uint32_t hi = t->hi[k];
    uint32_t take = (uint32_t)(b < hi);
    /* Rare (1/256): b ties the threshold's top byte; r decides. */
    if (b == hi && t->lo[k])
        take = (uint32_t)(mp_syn_refine(seed, mu, i) < t->lo[k]);
    /* Branch-free select: transitions are data-dependent coin flips that
     * a branch predictor cannot learn. */
    take = 0u - take;
    return s ^ ((s ^ (uint32_t)t->next[k]) & take);
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
    uint64_t thr = mp_prob_threshold(p);
    r->prob[k] = p;
    r->table.hi[k] = (uint16_t)(thr >> 24);
    r->table.lo[k] = (uint32_t)(thr & 0xFFFFFFu);
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
    /* No transition by default: probability 0, target itself. */
    for (d = 0; d < MP_SYN_TABLE_SIZE; d++) {
        r->prob[d] = 0.0;
        r->table.hi[d] = 0;
        r->table.lo[d] = 0;
        r->table.next[d] = (uint8_t)(d & 0x7Fu);
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
 * The engine works on groups of 4 synapses; group g covers synapses
 * 4g..4g+3, and its 4 candidate bits (bit k for synapse 4g+k) are these
 * helpers' result.
 */
/* Group gi (0..31) of a tile reads 4 bits of word gi / 8 of the block. */
static MP_INLINE MP_HD uint32_t mp_xi4_from_word(uint32_t word, uint32_t gi)
{
    return (word >> ((gi & 7u) * 4u)) & 0xFu;
}

static MP_INLINE MP_HD uint32_t mp_xi4_from_tile(struct mp_u32x4 tile,
                                                 uint64_t g)
{
    uint32_t gi = (uint32_t)(g & 31u); /* group within the 128-tile */
    return mp_xi4_from_word(mp_u32x4_get(tile, gi >> 3), gi);
}

static MP_INLINE MP_HD uint32_t mp_xi4_from_words(struct mp_u32x4 w,
                                                  uint64_t thr_f)
{
    return ((uint64_t)w.x < thr_f ? 1u : 0u) |
           ((uint64_t)w.y < thr_f ? 2u : 0u) |
           ((uint64_t)w.z < thr_f ? 4u : 0u) |
           ((uint64_t)w.w < thr_f ? 8u : 0u);
}

/*
 * 4 packed state bytes (byte k = synapse 4g+k) after memory mu, given
 * their candidate bits xi4 and their 4 random bytes u (byte k for synapse
 * 4g+k).  Synapse i's byte is byte i % 16 of block (TRANSITION, mu, i / 16),
 * so u is word g % 4 of block (TRANSITION, mu, g / 4).
 */
static MP_INLINE MP_HD uint32_t mp_step4(const struct mp_syn_table *t,
                                         uint32_t s4, uint32_t xi4,
                                         uint32_t u, uint64_t seed,
                                         uint64_t mu, uint64_t g)
{
    uint32_t s0 = mp_syn_step(t, s4 & 0xFFu, xi4 & 1u, u & 0xFFu, seed, mu,
                              4 * g);
    uint32_t s1 = mp_syn_step(t, (s4 >> 8) & 0xFFu, (xi4 >> 1) & 1u,
                              (u >> 8) & 0xFFu, seed, mu, 4 * g + 1);
    uint32_t s2 = mp_syn_step(t, (s4 >> 16) & 0xFFu, (xi4 >> 2) & 1u,
                              (u >> 16) & 0xFFu, seed, mu, 4 * g + 2);
    uint32_t s3 = mp_syn_step(t, s4 >> 24, (xi4 >> 3) & 1u, u >> 24, seed,
                              mu, 4 * g + 3);
    return s0 | (s1 << 8) | (s2 << 16) | (s3 << 24);
}

/* Strength bits of 4 packed states, bit k for byte k. */
static MP_INLINE MP_HD uint32_t mp_strong4(uint32_t s4)
{
    return ((s4 >> 6) & 1u) | ((s4 >> 13) & 2u) | ((s4 >> 20) & 4u) |
           ((s4 >> 27) & 8u);
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

/* The 4 packed initial states of group g from its INIT block u (word k
 * for synapse 4g+k). */
static MP_INLINE MP_HD uint32_t mp_syn_draw4(const uint64_t *cum,
                                             uint32_t depths,
                                             struct mp_u32x4 u)
{
    return mp_syn_draw(cum, depths, u.x) |
           (mp_syn_draw(cum, depths, u.y) << 8) |
           (mp_syn_draw(cum, depths, u.z) << 16) |
           (mp_syn_draw(cum, depths, u.w) << 24);
}

/*
 * Cumulative initial distribution as 32-bit thresholds, theory order
 * (mp_syn_draw's cum; cum[2D-1] = 2^32): from the stationary
 * distribution p (2D entries), or, with p = NULL, the most plastic states
 * with either strength with probability 1/2.
 */
static MP_INLINE void mp_syn_cum(const double *p, uint32_t depths,
                                 uint64_t *cum)
{
    const uint32_t S = 2 * depths, D = depths;
    double acc = 0.0;
    uint32_t j;
    for (j = 0; j < S; j++) {
        if (p) {
            acc += p[j] > 0.0 ? p[j] : 0.0;
            cum[j] = mp_prob_threshold(acc);
        } else {
            cum[j] = j < D - 1 ? 0 : j == D - 1 ? (UINT64_C(1) << 31)
                                                : (UINT64_C(1) << 32);
        }
        if (j && cum[j] < cum[j - 1])
            cum[j] = cum[j - 1];
    }
    cum[S - 1] = UINT64_C(1) << 32;
}

/* ---- Measurement ------------------------------------------------------- */

/* Of the `width` (<= 32) synapses i0 .. i0+width-1, the bits (bit k for
 * i0+k) of those that exist (index < n): the padding of the last tile is
 * never measured. */
static MP_INLINE MP_HD uint32_t mp_valid_bits(uint64_t n, uint64_t i0,
                                              uint32_t width)
{
    const uint32_t all = width >= 32 ? 0xFFFFFFFFu : (1u << width) - 1u;
    return n >= i0 + width ? all
           : n <= i0       ? 0u
                           : (1u << (uint32_t)(n - i0)) - 1u;
}

/* The overlap sum_i xi_i w_i (xi, w = +-1) of the valid synapses of a
 * bit group (nvalid = their number, the popcount of valid): candidate
 * bits xi (1 = potentiation), strength bits.  With xi = all ones it is
 * the sum of the weights.  Exact integers: any order of summation gives
 * the same total. */
static MP_INLINE MP_HD int32_t mp_overlap_bits(uint32_t xi, uint32_t strong,
                                               uint32_t valid, int32_t nvalid)
{
    return nvalid - 2 * (int32_t)MP_POPC32((xi ^ strong) & valid);
}

#endif
