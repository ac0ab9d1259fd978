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
 *   markov           any chain given as M+ and M- (config [synapse]
 *                    states, strength, potentiation, depression): state j
 *                    of the table is the (k+1)-th state of its strength,
 *                    depth k.  A row may lead to several states.
 *
 * State byte.  One synapse is one byte: bit 6 is the strength (1 = strong,
 * weight +1), bits 0..5 the depth, 0-based (0 = most plastic; for serial,
 * the distance from the middle of the chain), bit 7 is 0.  Every model
 * above but markov has, for each (candidate sign, state), at most one
 * target state, so a model compiles into a table of (probability, target)
 * pairs indexed by xi << 7 | state, and one step is a lookup and a
 * comparison.  An entry with several targets t_1..t_m (probabilities
 * p_1..p_m) holds the total P = p_1 + .. + p_m as its threshold, t_m as
 * its target with bit 7 set, and the inner cumulative thresholds
 * C_j = p_1 + .. + p_j (j < m) with t_j in the extra arrays: the synapse
 * goes to the first t_j with U < C_j (t_m if none), U < P; the same
 * uniform U decides every comparison.
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
#include <string.h>

#include "../model.h"
#include "hd.h"
#include "rng.h"

/* Entries of a transition table: xi (2) x strength (2) x depth. */
#define MP_SYN_TABLE_SIZE (4 * MP_SYN_MAX_DEPTH)
/* Inner thresholds of entries with several targets, in all. */
#define MP_SYN_MAX_EXTRA 256
/* Targets of one entry (states other than itself). */
#define MP_SYN_MAX_TARGETS (MP_SYN_MAX_ENTRIES - 1)
/* Bit 7 of next[k]: entry k has several targets (extra arrays). */
#define MP_SYN_MULTI 0x80u

/* What a kernel needs: thresholds and targets, 4.3 KiB. */
struct mp_syn_table {
    uint32_t lo[MP_SYN_TABLE_SIZE];  /* threshold bits 0..23 */
    uint16_t hi[MP_SYN_TABLE_SIZE];  /* threshold >> 24, 0..256 */
    uint8_t next[MP_SYN_TABLE_SIZE]; /* state byte after the transition
                                        (| MP_SYN_MULTI: its last target) */
    uint16_t xfirst[MP_SYN_TABLE_SIZE]; /* several targets: the first */
    uint8_t xcount[MP_SYN_TABLE_SIZE];  /* inner thresholds, and how many */
    uint32_t xlo[MP_SYN_MAX_EXTRA];  /* inner threshold bits 0..23 */
    uint16_t xhi[MP_SYN_MAX_EXTRA];  /* inner threshold >> 24 */
    uint8_t xnext[MP_SYN_MAX_EXTRA]; /* the target below it */
};

/* A compiled model: the table plus the exact probabilities (theory). */
struct mp_syn_rule {
    uint32_t depths;                  /* depth levels per strength, D */
    uint32_t nstates;                 /* states S (2D but for markov) */
    uint8_t byte_of[2 * MP_SYN_MAX_DEPTH]; /* state j's byte: theory and
                                              table order */
    double prob[MP_SYN_TABLE_SIZE];   /* exact probability of any move */
    uint8_t ntarget[MP_SYN_TABLE_SIZE]; /* the moves: how many, */
    uint8_t target[MP_SYN_TABLE_SIZE][MP_SYN_MAX_TARGETS]; /* where to, */
    double tprob[MP_SYN_TABLE_SIZE][MP_SYN_MAX_TARGETS];   /* how likely */
    uint32_t nextra;                  /* inner thresholds used */
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
/*
 * Of an entry k with several targets, taken with random byte b: the first
 * target whose inner threshold U = b * 2^24 + r is below (r, the
 * refinement bits, drawn when b alone cannot decide), else the last.
 */
static MP_INLINE MP_HD uint32_t mp_syn_pick(const struct mp_syn_table *t,
                                            uint32_t k, uint32_t b,
                                            uint64_t seed, uint64_t mu,
                                            uint64_t i)
{
    uint32_t e = t->xfirst[k], end = e + t->xcount[k], r = 0, have = 0;
    for (; e < end; e++) {
        const uint32_t hi = t->xhi[e];
        if (b < hi)
            return t->xnext[e];
        if (b == hi && t->xlo[e]) {
            if (!have) {
                r = mp_syn_refine(seed, mu, i);
                have = 1;
            }
            if (r < t->xlo[e])
                return t->xnext[e];
        }
    }
    return t->next[k] & ~MP_SYN_MULTI;
}

static MP_INLINE MP_HD uint32_t mp_syn_step(const struct mp_syn_table *t,
                                            uint32_t s, uint32_t xi_pos,
                                            uint32_t b, uint64_t seed,
                                            uint64_t mu, uint64_t i)
{
    uint32_t k = mp_syn_index(xi_pos, s);
    uint32_t hi = t->hi[k], to = t->next[k];
    uint32_t take = (uint32_t)(b < hi);
    /* Rare (1/256): b ties the threshold's top byte; r decides. */
    if (b == hi && t->lo[k])
        take = (uint32_t)(mp_syn_refine(seed, mu, i) < t->lo[k]);
    /* Several targets (markov tables only): which one. */
    if ((to & MP_SYN_MULTI) && take)
        to = mp_syn_pick(t, k, b, seed, mu, i);
    /* Branch-free select: transitions are data-dependent coin flips that
     * a branch predictor cannot learn. */
    take = 0u - take;
    return s ^ ((s ^ to) & take);
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
    r->ntarget[k] = p > 0.0 ? 1 : 0;
    r->target[k][0] = (uint8_t)to;
    r->tprob[k][0] = p;
    r->table.hi[k] = (uint16_t)(thr >> 24);
    r->table.lo[k] = (uint32_t)(thr & 0xFFFFFFu);
    r->table.next[k] = (uint8_t)to;
}

/* Entry (xi_pos, s) moves to the n states to[] with probabilities p[]
 * (n <= MP_SYN_MAX_TARGETS, none of them s, each p > 0).  Returns -1 if
 * the extra arrays are full. */
static MP_INLINE int mp_syn_rule_set_many(struct mp_syn_rule *r,
                                          uint32_t xi_pos, uint32_t s,
                                          uint32_t n, const uint8_t *to,
                                          const double *p)
{
    const uint32_t k = mp_syn_index(xi_pos, s);
    double total = 0.0;
    uint32_t j;
    if (n <= 1) {
        mp_syn_rule_set(r, xi_pos, s, n ? p[0] : 0.0, n ? to[0] : s);
        return 0;
    }
    if (r->nextra + n - 1 > MP_SYN_MAX_EXTRA)
        return -1;
    r->table.xfirst[k] = (uint16_t)r->nextra;
    r->table.xcount[k] = (uint8_t)(n - 1);
    for (j = 0; j < n; j++) {
        total += p[j];
        r->target[k][j] = to[j];
        r->tprob[k][j] = p[j];
        if (j + 1 < n) { /* the inner threshold C_(j+1) */
            const uint64_t thr = mp_prob_threshold(total);
            r->table.xhi[r->nextra] = (uint16_t)(thr >> 24);
            r->table.xlo[r->nextra] = (uint32_t)(thr & 0xFFFFFFu);
            r->table.xnext[r->nextra] = to[j];
            r->nextra++;
        }
    }
    mp_syn_rule_set(r, xi_pos, s, total, to[n - 1]);
    r->ntarget[k] = (uint8_t)n;
    for (j = 0; j < n; j++) { /* rule_set kept only one */
        r->target[k][j] = to[j];
        r->tprob[k][j] = p[j];
    }
    r->table.next[k] = (uint8_t)(to[n - 1] | MP_SYN_MULTI);
    return 0;
}

/* The state byte of table state j: the (d+1)-th state of its strength has
 * depth d. */
static MP_INLINE void mp_syn_markov_bytes(const struct mp_syn_markov *m,
                                         uint8_t *byte_of, uint32_t *weak,
                                         uint32_t *strong)
{
    uint32_t j;
    *weak = *strong = 0;
    for (j = 0; j < m->states; j++)
        byte_of[j] = (uint8_t)(m->strength[j] > 0
                                   ? MP_SYN_STRONG | (*strong)++
                                   : (*weak)++);
}

/* A markov table (validated: rows resolved, sums 1).  Returns 0, or -1
 * if its entries with several targets need more than MP_SYN_MAX_EXTRA
 * inner thresholds. */
static MP_INLINE int mp_syn_rule_markov(const struct mp_syn_markov *m,
                                        struct mp_syn_rule *r)
{
    uint32_t weak, strong, xi, j, e;
    mp_syn_markov_bytes(m, r->byte_of, &weak, &strong);
    r->depths = weak > strong ? weak : strong;
    r->nstates = m->states;
    for (xi = 0; xi < 2; xi++)
        for (j = 0; j < m->states; j++) {
            const struct mp_syn_row *row = &m->row[xi][j];
            uint8_t to[MP_SYN_MAX_ENTRIES];
            double p[MP_SYN_MAX_ENTRIES];
            uint32_t n = 0;
            for (e = 0; e < row->n; e++)
                if (row->col[e] != j && row->p[e] > 0.0) {
                    to[n] = r->byte_of[row->col[e]];
                    p[n++] = row->p[e];
                }
            if (n > MP_SYN_MAX_TARGETS ||
                mp_syn_rule_set_many(r, xi, r->byte_of[j], n, to, p))
                return -1;
        }
    return 0;
}

/* A built-in model's depths and state order (mp_syn_state_of). */
static MP_INLINE void mp_syn_rule_orders(const struct mp_syn_params *p,
                                         struct mp_syn_rule *r)
{
    uint32_t j;
    r->depths = p->model == MP_SYN_BINARY    ? 1
                : p->model == MP_SYN_CASCADE ? p->n
                                             : p->n / 2;
    r->nstates = 2 * r->depths;
    for (j = 0; j < r->nstates; j++)
        r->byte_of[j] = (uint8_t)mp_syn_state_of(j, r->depths);
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
    memset(r, 0, sizeof *r);
    for (d = 0; d < MP_SYN_TABLE_SIZE; d++)
        r->table.next[d] = (uint8_t)(d & 0x7Fu);
    if (p->model == MP_SYN_MARKOV)
        return mp_syn_rule_markov(&p->markov, r);
    mp_syn_rule_orders(p, r);
    switch (p->model) {
    case MP_SYN_BINARY:
        mp_syn_rule_set(r, 1, 0, p->q_plus, MP_SYN_STRONG);
        mp_syn_rule_set(r, 0, MP_SYN_STRONG, p->q_minus, 0);
        return 0;
    case MP_SYN_CASCADE:
        D = r->depths;
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
        D = r->depths;
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

/* The same for a rule whose states (theory order, p indexed by j) need
 * not fill every depth: each state's probability at its place in
 * mp_syn_state_of order (markov tables), cum over 2 D places. */
static MP_INLINE void mp_syn_rule_cum(const struct mp_syn_rule *r,
                                      const double *p, uint64_t *cum)
{
    double at[2 * MP_SYN_MAX_DEPTH];
    uint32_t j;
    if (!p) {
        mp_syn_cum(NULL, r->depths, cum);
        return;
    }
    for (j = 0; j < 2 * r->depths; j++)
        at[j] = 0.0;
    for (j = 0; j < r->nstates; j++)
        at[mp_syn_order_of(r->byte_of[j], r->depths)] = p[j];
    mp_syn_cum(at, r->depths, cum);
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
