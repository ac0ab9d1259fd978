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

#define MP_SYN_STRONG 0x40u
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

/* The random bytes of group g for memory mu, drawn on their own. */
static MP_INLINE MP_HD uint32_t mp_step4_bytes(uint64_t seed, uint64_t mu,
                                               uint64_t g)
{
    return mp_u32x4_get(mp_rng_block(seed, MP_RNG_TRANSITION, mu, g >> 2),
                        (uint32_t)(g & 3u));
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

/* ==== Rate networks (docs/MODELS.md, rate networks) ====================
 *
 * Neurons i receive inputs j (external rates, or other neurons' rates).
 * Per step dt, in this order: input x(t); activity y_i = phi(h_i - b_i)
 * with h_i = sum_j w_ij x_j; BCM weight update; sliding threshold.
 * Weights, rates and thresholds are float32; sums are double.
 */

/* Lanes of the fixed summation order of every dot product: lane l adds
 * the terms j = l, l + 32, l + 64, ... in that order (products of two
 * floats are exact in double), then the 32 partial sums are combined as a
 * tree, p[l] += p[l + s] for s = 16, 8, 4, 2, 1, which is what a warp's
 * shuffle-down reduction computes.  The CPU follows the same order, so
 * activities are bit-identical across backends and thread counts. */
#define MP_DOT_LANES 32

static MP_INLINE MP_HD double mp_dot_combine(double p[MP_DOT_LANES])
{
    int s, l;
    for (s = MP_DOT_LANES / 2; s > 0; s /= 2)
        for (l = 0; l < s; l++)
            p[l] += p[l + s];
    return p[0];
}

/* h = sum_j w[j] x[j] in the fixed order (CPU form; kernels run the same
 * order across a warp). */
static MP_INLINE MP_HD double mp_dot(const float *MP_RESTRICT w,
                                     const float *MP_RESTRICT x, uint64_t n)
{
    double p[MP_DOT_LANES];
    uint64_t j = 0;
    int l;
    for (l = 0; l < MP_DOT_LANES; l++)
        p[l] = 0.0;
    /* Whole blocks of 32: lane l gets j = block + l (vectorisable). */
    for (; j + MP_DOT_LANES <= n; j += MP_DOT_LANES)
        for (l = 0; l < MP_DOT_LANES; l++)
            p[l] += (double)w[j + l] * (double)x[j + l];
    for (l = 0; j < n; j++, l++)
        p[l] += (double)w[j] * (double)x[j];
    return mp_dot_combine(p);
}

/* Rectified-linear transfer: y = max(0, h - b). */
static MP_INLINE MP_HD float mp_relu(double h, float b)
{
    float y = (float)(h - (double)b);
    return y > 0.0f ? y : 0.0f;
}

static MP_INLINE MP_HD float mp_clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * BCM weight change (Intrator & Cooper 1992; Bienenstock, Cooper & Munro
 * 1982):  dw = dt * eta_eff * x * y * (y - theta_eff).
 *   k          dt * eta * m, per step (eta = 1 / tau_w, m the modulator)
 *   x, y       pre- and postsynaptic rates (dimensionless)
 *   theta_eff  theta / m, the effective modification threshold
 * The product is evaluated left to right, with no contraction.
 */
static MP_INLINE MP_HD float mp_bcm_dw(float k, float x, float y,
                                       float theta_eff)
{
    return k * x * y * (y - theta_eff);
}

/* One BCM step of one weight, clipped to [lo, hi]. */
static MP_INLINE MP_HD float mp_bcm_step(float w, float k, float x, float y,
                                         float theta_eff, float lo, float hi)
{
    return mp_clampf(w + mp_bcm_dw(k, x, y, theta_eff), lo, hi);
}

/*
 * Sliding threshold (the metaplastic variable):
 *   theta <- theta + (dt / tau_theta) * (y^2 / y0 - theta)
 *   c = dt / tau_theta (per step), inv_y0 = 1 / y0.
 * Stable only if tau_theta < tau_w / y0 (a Hopf bifurcation at equality).
 */
static MP_INLINE MP_HD float mp_theta_step(float theta, float y, float c,
                                           float inv_y0)
{
    return theta + c * (y * y * inv_y0 - theta);
}

/*
 * Neuromodulation (a global level m >= 0): eta_eff = eta * m and
 * theta_eff = theta / m; m = 0 switches plasticity off.  Returns theta_eff
 * (unused when m = 0).
 */
static MP_INLINE MP_HD float mp_theta_eff(float theta, float m)
{
    return m > 0.0f ? theta / m : theta;
}

/*
 * Synaptic scaling (Turrigiano 2008; van Rossum, Bi & Turrigiano 2000):
 * every neuron's incoming weights are multiplied by one factor s_i, so
 * their ratios are preserved up to clipping at the bounds.  The factor
 * (computed once per neuron by the host: mp_scaling_factor) is applied as
 * w <- clamp(w * s, lo, hi).
 */
static MP_INLINE MP_HD float mp_scale_w(float w, float s, float lo, float hi)
{
    return mp_clampf(w * s, lo, hi);
}

/* Heterosynaptic normalisation: a segment's net change removed evenly. */
static MP_INLINE MP_HD float mp_hetero_w(float w, float dw, float mean_dw,
                                         float lo, float hi)
{
    return mp_clampf(w + (dw - mean_dw), lo, hi);
}

/*
 * BCM-gated discrete synapses (cascade, binary or serial inside a
 * network): a synapse whose input is active receives a candidate event
 * with probability min(1, k * x * |y (y - theta_eff)|), k = dt eta m,
 * potentiating if y > theta_eff; the model's transition table then
 * decides (Fusi et al. 2005; as metaplastic "importance", Laborieux et al.
 * 2021).  Returns the event probability.
 */
static MP_INLINE MP_HD float mp_gate_prob(float k, float x, float y,
                                          float theta_eff)
{
    float g = y * (y - theta_eff);
    float p = k * x * (g < 0.0f ? -g : g);
    return p < 1.0f ? p : 1.0f;
}

/* The weight value of a discrete synapse in state st (network units). */
static MP_INLINE MP_HD float mp_syn_wvalue(uint32_t st, float weak,
                                           float strong)
{
    return (st & MP_SYN_STRONG) ? strong : weak;
}

/*
 * One BCM-gated discrete synapse at a step: an active input (x > x_on)
 * draws the event (NET_EVENT stream) and, on an event, the transition
 * byte (NET_CASCADE stream), both keyed by (step, key = neuron << 32 |
 * synapse).  Returns the new state; *event says whether one happened (the
 * weight then follows the state's strength).
 */
static MP_INLINE MP_HD uint32_t mp_gated_syn_step(
    const struct mp_syn_table *t, uint32_t st, float k, float x, float x_on,
    float y, float theta_eff, uint64_t seed, uint64_t step, uint64_t key,
    int *event)
{
    float pr;
    *event = 0;
    if (!(x > x_on))
        return st;
    pr = mp_gate_prob(k, x, y, theta_eff);
    if (!(pr > 0.0f) ||
        (uint64_t)mp_rng_word(seed, MP_RNG_NET_EVENT, step, key) >=
            mp_prob_threshold(pr))
        return st;
    *event = 1;
    return mp_syn_step(t, st, y > theta_eff,
                       mp_rng_word(seed, MP_RNG_NET_CASCADE, step, key) >> 24,
                       seed, step, key);
}

/*
 * BCM with heterosynaptic normalisation over the synapses [s0, end) of a
 * row: each weight moves by its BCM change minus the segment's mean
 * change (summed in order, in double).  cells: the presynaptic cell of
 * each synapse, or NULL for a dense row (cell = synapse).
 */
static MP_INLINE MP_HD void mp_hetero_segment(float *row, const float *z,
                                              const uint32_t *cells,
                                              uint32_t s0, uint32_t end,
                                              float k, float y,
                                              float theta_eff, float lo,
                                              float hi)
{
    double sum = 0.0;
    float mean;
    uint32_t s;
    for (s = s0; s < end; s++)
        sum += mp_bcm_dw(k, z[cells ? cells[s] : s], y, theta_eff);
    mean = (float)(sum / (double)(end - s0));
    for (s = s0; s < end; s++)
        row[s] = mp_hetero_w(row[s],
                             mp_bcm_dw(k, z[cells ? cells[s] : s], y,
                                       theta_eff),
                             mean, lo, hi);
}

#endif
