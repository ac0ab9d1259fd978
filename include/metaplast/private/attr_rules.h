/* SPDX-License-Identifier: MIT */
/*
 * attr_rules.h (private): the attractor network's rules, written once for
 * the CPU backend, the CUDA kernels and the scheduler (docs/ATTRACTOR.md).
 *
 * N binary neurons (s_i = 1 active, 0 silent); synapse (i, j) — i the
 * postsynaptic neuron, j the presynaptic one, i != j — is one state byte
 * of any discrete model (syn_rules.h), weight J_ij = +-1, stored at
 * i * P + j with the row pitch P = N rounded up to 64.
 *
 * Patterns.  Neuron i of memory mu is active (xi_i = 1) exactly when an
 * ensemble's synapse i would get a candidate potentiation from memory mu
 * (syn_rules.h's PATTERN stream, probability f), so a pattern is
 * regenerated from its key and never stored.
 *
 * Store (one presentation p of memory mu).  Covariance rule: candidate
 * potentiation of (i, j) when xi_i = xi_j, depression otherwise (the sign
 * of (xi_i - f)(xi_j - f)).  Presynaptic rule: with xi_j = 1, potentiation
 * when xi_i = 1, depression when xi_i = 0; no event with xi_j = 0.  Then
 * the model's transition, mp_syn_step, with its random byte from the
 * TRANSITION stream of step p keyed by 4 x 4 tiles of the (i, j) plane:
 * the synapses of rows 4a..4a+3 and columns 4b..4b+3 take the 16 bytes of
 * block (TRANSITION, p, a Q + b), Q = P / 4, byte k of word r for synapse
 * (4a + r, 4b + k).  Its refinement bits (REFINE, p) are keyed by the
 * synapse's index a' P + b'.  Tied synapses (attractor.symmetry = tied)
 * read every draw of (i, j) at the place of (min, max): both bytes of a
 * pair see the same candidate and the same draws, so they stay equal.
 * Under a modulator level g < 1 a candidate event is applied only when
 * the synapse's word of (ATTR_GATE, p) at that index is below g 2^32.
 *
 * Fan-in K (attractor.fan_in > 0): row i holds K synapses instead of
 * N - 1, slot k < K being synapse (i, pre(i, k)) (mp_attr_pre: K distinct
 * presynaptic neurons != i); rows of PK = K rounded up to 64 bytes
 * (kpitch), every rule above reading the (i, k) plane with pitch PK in
 * place of the (i, j) plane with pitch P.  Independent synapses only.
 *
 * Retrieval.  The field on neuron i is h_i = sum_(j != i) J_ij (s_j - f),
 * an integer combination of three exact counts (mp_attr_field); the
 * overlap of a state with a pattern is
 * m = sum_i (xi_i - f)(s_i - f) / (N f (1 - f)) (1 for the pattern
 * itself, about 0 for an unrelated state).
 */
#ifndef METAPLAST_PRIVATE_ATTR_RULES_H
#define METAPLAST_PRIVATE_ATTR_RULES_H

#include <math.h>
#include <stdint.h>

#include "hd.h"
#include "rng.h"
#include "syn_rules.h"

/* What the store needs, handed whole to both backends. */
struct mp_attr_rules {
    struct mp_syn_table table; /* the compiled synapse model */
    uint64_t seed;             /* stream key */
    uint64_t pitch;            /* P: row pitch, a multiple of 64 */
    uint32_t neurons;          /* N */
    int32_t tied;              /* w_ij and w_ji one synapse */
    int32_t presynaptic;       /* store.rule = presynaptic */
    int32_t half;              /* f == 1/2: pattern bits from bits */
    uint64_t thr_f;            /* f as a 32-bit threshold */
    uint64_t kpitch;           /* synapse row pitch: P all-to-all, K
                                  rounded up to 64 with fan-in */
    uint32_t fan_in;           /* K synapses per row, 0 = all-to-all */
};

/* Population count of a 64-bit word, on either side. */
#if defined(__CUDA_ARCH__)
#define MP_POPC64(x) __popcll(x)
#else
#define MP_POPC64(x) __builtin_popcountll(x)
#endif

static MP_INLINE MP_HD uint64_t mp_attr_pitch(uint32_t n)
{
    return ((uint64_t)n + 63u) & ~(uint64_t)63u;
}

/* Bits of the neurons 64 w .. 64 w + 63 that exist (index < n). */
static MP_INLINE MP_HD uint64_t mp_attr_valid64(uint32_t n, uint64_t w)
{
    const uint64_t i0 = 64u * w;
    return n >= i0 + 64u ? ~(uint64_t)0
           : n <= i0     ? (uint64_t)0
                         : ((uint64_t)1 << (n - i0)) - 1u;
}

/* Synapses per row: K with fan-in, else N (the diagonal unused). */
static MP_INLINE MP_HD uint32_t mp_attr_width(const struct mp_attr_rules *R)
{
    return R->fan_in ? R->fan_in : R->neurons;
}

/*
 * Fan-in connectivity.  Slot k < K of row i is synapse (i, pre(i, k)),
 * pre(i, k) = j' + (j' >= i), j' = pi_i(k), pi_i a keyed pseudo-random
 * permutation of {0 .. N - 2}: a balanced Feistel network on 2b bits
 * (b >= 1 the least with 4^b >= N - 1), 4 rounds keyed by the 4 words of
 * (ATTR_CONN, 0) at block i, round function the murmur3 finaliser of
 * (R ^ key) on the low b bits, cycle-walking until the value is below
 * N - 1.  Distinct slots give distinct neurons; every (i, k) is
 * computable alone, in integers only (the same on CPU and GPU).
 */
struct mp_attr_perm {
    uint32_t key[4]; /* round keys */
    uint32_t bits;   /* b: bits per half */
    uint32_t n;      /* N - 1: the permuted range */
    uint32_t i;      /* the row (skipped as a presynaptic neuron) */
};

static MP_INLINE MP_HD uint32_t mp_attr_mix32(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

static MP_INLINE MP_HD struct mp_attr_perm mp_attr_perm_of(
    const struct mp_attr_rules *R, uint64_t i)
{
    const struct mp_u32x4 k = mp_rng_block(R->seed, MP_RNG_ATTR_CONN, 0, i);
    struct mp_attr_perm p;
    p.key[0] = k.x;
    p.key[1] = k.y;
    p.key[2] = k.z;
    p.key[3] = k.w;
    p.n = R->neurons - 1u;
    p.i = (uint32_t)i;
    p.bits = 1;
    while (((uint64_t)1 << (2u * p.bits)) < (uint64_t)p.n)
        p.bits++;
    return p;
}

/* The Feistel permutation of {0 .. 4^b - 1}. */
static MP_INLINE MP_HD uint32_t mp_attr_feistel(const struct mp_attr_perm *p,
                                                uint32_t x)
{
    const uint32_t m = (1u << p->bits) - 1u;
    uint32_t l = x >> p->bits, r = x & m, k;
    for (k = 0; k < 4; k++) {
        const uint32_t t = l ^ (mp_attr_mix32(r ^ p->key[k]) & m);
        l = r;
        r = t;
    }
    return (l << p->bits) | r;
}

/* pre(i, k): the presynaptic neuron of slot k < N - 1 of row p->i. */
static MP_INLINE MP_HD uint32_t mp_attr_pre(const struct mp_attr_perm *p,
                                           uint32_t k)
{
    uint32_t x = k;
    do
        x = mp_attr_feistel(p, x);
    while (x >= p->n);
    return x + (x >= p->i ? 1u : 0u);
}

/* Slot k's presynaptic neuron: from the row's stored table (pre_row,
 * connectivity = stored) or from the generator (pre_row NULL). */
static MP_INLINE MP_HD uint32_t mp_attr_pre_of(const struct mp_attr_perm *p,
                                              const uint32_t *pre_row,
                                              uint32_t k)
{
    return pre_row ? pre_row[k] : mp_attr_pre(p, k);
}

/* Word w of row p->i's presynaptic bits of x (bit j = neuron j): bit k =
 * x's bit of pre(i, 64 w + k), slots below K; 0 past them. */
static MP_INLINE MP_HD uint64_t mp_attr_gather64(const struct mp_attr_perm *p,
                                                 const uint32_t *pre_row,
                                                 uint32_t K,
                                                 const uint64_t *x,
                                                 uint64_t w)
{
    uint64_t bits = 0;
    uint32_t k;
    for (k = 0; k < 64u && 64u * w + k < K; k++) {
        const uint32_t j = mp_attr_pre_of(p, pre_row, (uint32_t)(64u * w + k));
        bits |= ((x[j >> 6] >> (j & 63u)) & 1u) << k;
    }
    return bits;
}

/* Word w of memory mu's pattern: bit k = xi of neuron 64 w + k. */
static MP_INLINE MP_HD uint64_t mp_attr_pattern_word(
    const struct mp_attr_rules *R, uint64_t mu, uint64_t w)
{
    uint64_t bits = 0;
    uint32_t k;
    if (R->half) {
        const struct mp_u32x4 b =
            mp_rng_block(R->seed, MP_RNG_PATTERN, mu, w >> 1);
        bits = (w & 1u) ? ((uint64_t)b.z | ((uint64_t)b.w << 32))
                        : ((uint64_t)b.x | ((uint64_t)b.y << 32));
    } else {
        for (k = 0; k < 16; k++) {
            const struct mp_u32x4 b =
                mp_rng_block(R->seed, MP_RNG_PATTERN, mu, 16u * w + k);
            bits |= (uint64_t)mp_xi4_from_words(b, R->thr_f) << (4u * k);
        }
    }
    return bits & mp_attr_valid64(R->neurons, w);
}

/* Word w of the cue flips of probe `a` at measurement `c`: neuron
 * 64 w + k is flipped when its word of (ATTR_CUE, c) at index a P + i is
 * below the noise threshold. */
static MP_INLINE MP_HD uint64_t mp_attr_cue_word(const struct mp_attr_rules *R,
                                                 uint64_t thr_noise,
                                                 uint64_t c, uint64_t a,
                                                 uint64_t w)
{
    const uint64_t base = (a * R->pitch + 64u * w) >> 2;
    uint64_t bits = 0;
    uint32_t k;
    for (k = 0; k < 16; k++) {
        const struct mp_u32x4 b =
            mp_rng_block(R->seed, MP_RNG_ATTR_CUE, c, base + k);
        bits |= (uint64_t)mp_xi4_from_words(b, thr_noise) << (4u * k);
    }
    return bits & mp_attr_valid64(R->neurons, w);
}

/* The tile whose block holds the draws of row i's columns 4J..4J+3. */
static MP_INLINE MP_HD uint64_t mp_attr_tile(const struct mp_attr_rules *R,
                                             uint64_t i, uint64_t J)
{
    const uint64_t I = i >> 2, Q = R->kpitch >> 2;
    return R->tied && J < I ? J * Q + I : I * Q + J;
}

/* The index of synapse (i, j)'s draws: (min, max) when tied; with
 * fan-in j is the slot, i PK + k. */
static MP_INLINE MP_HD uint64_t mp_attr_sid(const struct mp_attr_rules *R,
                                            uint64_t i, uint64_t j)
{
    return R->tied && j < i ? j * R->kpitch + i : i * R->kpitch + j;
}

/*
 * Row i's synapses to columns 4J..4J+3 (byte k of s4 for column 4J + k)
 * after presentation p: xi_i the postsynaptic pattern bit, xj4 the
 * presynaptic ones (bit k), blk the block of mp_attr_tile(i, J), gate_thr
 * the modulator level as a 32-bit threshold (2^32: every event applied).
 * The diagonal and the columns past N never change.  With fan-in the
 * columns are slots: xj4 holds the bits of pre(i, 4J + k), and the slots
 * past K never change.
 */
static MP_INLINE MP_HD uint32_t mp_attr_row4(const struct mp_attr_rules *R,
                                             uint32_t s4, uint64_t i,
                                             uint64_t J, uint32_t xi,
                                             uint32_t xj4, struct mp_u32x4 blk,
                                             uint64_t p, uint64_t gate_thr)
{
    const uint32_t r = (uint32_t)(i & 3u);
    uint32_t out = s4, k;
    for (k = 0; k < 4; k++) {
        const uint64_t j = 4u * J + k;
        const uint32_t xj = (xj4 >> k) & 1u;
        const int tr = R->tied && j < i;
        uint32_t s = (s4 >> (8u * k)) & 0xFFu, b, pot;
        uint64_t sid;
        if ((R->fan_in ? j >= R->fan_in : (j >= R->neurons || j == i)) ||
            (R->presynaptic && !xj))
            continue;
        sid = mp_attr_sid(R, i, j);
        if (gate_thr < (UINT64_C(1) << 32) &&
            (uint64_t)mp_rng_word(R->seed, MP_RNG_ATTR_GATE, p, sid) >=
                gate_thr)
            continue;
        pot = R->presynaptic ? xi : (xi ^ xj ^ 1u);
        b = tr ? (mp_u32x4_get(blk, k) >> (8u * r)) & 0xFFu
               : (mp_u32x4_get(blk, r) >> (8u * k)) & 0xFFu;
        s = mp_syn_step(&R->table, s, pot, b, R->seed, p, sid);
        out = (out & ~(0xFFu << (8u * k))) | (s << (8u * k));
    }
    return out;
}

/* Initial state of synapse (i, j) from the cumulative distribution cum
 * (mp_syn_draw): its word of (INIT, 0) at mp_attr_sid. */
static MP_INLINE MP_HD uint32_t mp_attr_draw(const struct mp_attr_rules *R,
                                             const uint64_t *cum,
                                             uint32_t depths, uint64_t i,
                                             uint64_t j)
{
    return mp_syn_draw(
        cum, depths,
        mp_rng_word(R->seed, MP_RNG_INIT, 0, mp_attr_sid(R, i, j)));
}

/* Strength bits of synapses (i, 64 w .. 64 w + 63) from their 64 state
 * bytes st, without the diagonal and the padding. */
static MP_INLINE MP_HD uint64_t mp_attr_strong64(const uint8_t *st,
                                                 uint32_t n, uint64_t i,
                                                 uint64_t w)
{
    uint64_t bits = 0;
    uint32_t k;
    for (k = 0; k < 64; k++)
        bits |= (uint64_t)((st[k] >> 6) & 1u) << k;
    if (i >> 6 == w)
        bits &= ~((uint64_t)1 << (i & 63u));
    return bits & mp_attr_valid64(n, w);
}

/* Strength bits of row i's synapses 64 w .. 64 w + 63 (slots with
 * fan-in, then without padding; columns without the diagonal else). */
static MP_INLINE MP_HD uint64_t mp_attr_strong64_row(
    const struct mp_attr_rules *R, const uint8_t *st, uint64_t i, uint64_t w)
{
    uint64_t bits = 0;
    uint32_t k;
    if (!R->fan_in)
        return mp_attr_strong64(st, R->neurons, i, w);
    for (k = 0; k < 64; k++)
        bits |= (uint64_t)((st[k] >> 6) & 1u) << k;
    return bits & mp_attr_valid64(R->fan_in, w);
}

/*
 * The field h_i = sum_(j != i) J_ij (s_j - f) from exact counts: A the
 * active neurons j != i with a strong synapse, C the active neurons
 * j != i, S the strong synapses of row i, V = N - 1.  With fan-in the
 * sums run over row i's K slots: A = sum_k strong_k s_pre(i,k),
 * C = sum_k s_pre(i,k), V = K.
 */
static MP_INLINE MP_HD double mp_attr_field(int64_t A, int64_t C, int64_t S,
                                            int64_t V, double f)
{
    return (double)(2 * A - C) - f * (double)(2 * S - V);
}

/* Overlap of a state with a pattern from counts: both active (a), the
 * pattern's active neurons (nxi), the state's (ns), of n. */
static MP_INLINE MP_HD double mp_attr_overlap(int64_t a, int64_t nxi,
                                              int64_t ns, int64_t n, double f)
{
    return ((double)a - f * (double)ns - f * (double)nxi +
            f * f * (double)n) /
           ((double)n * f * (1.0 - f));
}

/* A neuron under the fixed threshold: active above theta N, silent
 * below, unchanged on it. */
static MP_INLINE MP_HD uint32_t mp_attr_fixed(double h, double theta_n,
                                              uint32_t s)
{
    return h > theta_n ? 1u : h < theta_n ? 0u : s;
}

/*
 * The draws of a retrieval are keyed by the probe: step c (the
 * measurement count, or the key of mp_attr_retrieve), index
 * (a S + sweep) P + k, a the probe's age index, S = retrieve.steps: one
 * place per (memory, probe, sweep, neuron) on every thread, backend and
 * rank.
 */
static MP_INLINE MP_HD uint64_t mp_attr_draw_index(const struct mp_attr_rules *R,
                                                   uint64_t a, uint32_t steps,
                                                   uint32_t sweep, uint64_t k)
{
    return (a * steps + sweep) * R->pitch + k;
}

/*
 * The order of a sequential sweep: a Fisher-Yates shuffle of 0 .. N - 1,
 * position k (from N - 1 down to 1) swapped with mp_rng_below(u_k, k + 1),
 * u_k the word of (ATTR_ORDER, c) at mp_attr_draw_index(a, steps, sweep,
 * k).
 */
static MP_INLINE MP_HD void mp_attr_order(const struct mp_attr_rules *R,
                                          uint64_t c, uint64_t a,
                                          uint32_t steps, uint32_t sweep,
                                          uint32_t *order)
{
    const uint64_t base = mp_attr_draw_index(R, a, steps, sweep, 0);
    uint32_t k;
    for (k = 0; k < R->neurons; k++)
        order[k] = k;
    for (k = R->neurons - 1; k > 0; k--) {
        const uint32_t u =
            mp_rng_word(R->seed, MP_RNG_ATTR_ORDER, c, base + k);
        const uint32_t j = mp_rng_below(u, k + 1u);
        const uint32_t t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
}

/*
 * Glauber dynamics at temperature T > 0: neuron i is active with
 * probability p = 1 / (1 + exp(-2 x / T)), x = h_i / N - theta the
 * normalised field above the threshold.  p is computed in double
 * (x = (h - theta N) / N, then exp, then the division), as the 32-bit
 * threshold floor(p 2^32) (2^32 at p = 1); the neuron is active iff its
 * uniform word of (ATTR_HEAT, c) at mp_attr_draw_index(a, steps, sweep,
 * i) is below it.  The same expression on every backend (the scheduler
 * evaluates it on the host).
 */
static MP_INLINE MP_HD uint64_t mp_attr_heat_threshold(double h,
                                                       double theta_n,
                                                       double n, double t)
{
    const double x = (h - theta_n) / n;
    const double p = 1.0 / (1.0 + exp(-2.0 * x / t));
    const double thr = floor(p * 4294967296.0);
    return thr >= 4294967296.0 ? UINT64_C(1) << 32 : (uint64_t)thr;
}

static MP_INLINE MP_HD uint32_t mp_attr_heat(const struct mp_attr_rules *R,
                                             double h, double theta_n,
                                             double t, uint64_t c,
                                             uint64_t idx)
{
    const uint32_t u = mp_rng_word(R->seed, MP_RNG_ATTR_HEAT, c, idx);
    return (uint64_t)u < mp_attr_heat_threshold(h, theta_n,
                                                (double)R->neurons, t)
               ? 1u
               : 0u;
}

/* Word w of a cue's state from the pattern's word x: a noise cue flips
 * the neurons of mp_attr_cue_word, a partial cue silences them. */
static MP_INLINE MP_HD uint64_t mp_attr_cue_state(const struct mp_attr_rules *R,
                                                  int partial,
                                                  uint64_t thr_noise,
                                                  uint64_t c, uint64_t a,
                                                  uint64_t w, uint64_t x)
{
    const uint64_t u = mp_attr_cue_word(R, thr_noise, c, a, w);
    return partial ? x & ~u : x ^ u;
}

#endif
