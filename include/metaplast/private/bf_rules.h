/* SPDX-License-Identifier: MIT */
/*
 * bf_rules.h (private): the Benna-Fusi chain's rules for one synapse,
 * written once for the CPU backend and the CUDA kernels (MP_HD).
 *
 * Model (Benna & Fusi, Nat. Neurosci. 19:1697, 2016; docs/MODELS.md):
 * m variables u_1..u_m per synapse, u_1 the weight,
 *
 *   C_k du_k/dt = g_(k-1,k) (u_(k-1) - u_k) + g_(k,k+1) (u_(k+1) - u_k),
 *
 * g_(0,1) = 0, u_(m+1) = 0 (the last variable leaks), time in memories.
 *
 *   parameter   meaning                          default
 *   m           variables per synapse            6
 *   C_k         c_ratio^(k-1)                    2^(k-1)
 *   g_(k,k+1)   g0 / g_ratio^(k-1)               2^(-k-2)
 *   eta         a memory's kick on u_1           1
 *   bound       |u_k| <= bound, 0 = unbounded    0
 *
 * Memory mu, at synapse i with candidate sign xi (+1 with probability f,
 * the PATTERN stream of syn_rules.h): first the interval since memory
 * mu - 1 passes, u <- P u with P = exp(A) the chain's exact propagator
 * over one memory (computed once on the host, host/core/theory_bf.c);
 * then u_1 += xi eta; then, if bounded, every u_k is clipped to
 * [-bound, bound].  The state is float32; the update is computed in
 * double, in a fixed order (row k of P from j = 0 up), and rounded once,
 * so that every backend gives the same bits (no FMA contraction: the
 * build forbids it).
 *
 * State layout: variable-major, u_k of the held synapse j at
 * k * padded + j (one contiguous array per variable).
 */
#ifndef METAPLAST_PRIVATE_BF_RULES_H
#define METAPLAST_PRIVATE_BF_RULES_H

#include <stdint.h>
#include <string.h>

#include "../model.h"
#include "hd.h"
#include "rng.h"

/* What a backend needs of a chain: 4.3 KiB, read by every thread. */
struct mp_bf_rule {
    uint32_t m;         /* variables per synapse; 0: not a chain */
    uint32_t init_zero; /* initial state u = 0 (ensemble.init = plastic) */
    double eta;         /* kick on u_1 */
    double bound;       /* clip to [-bound, bound]; 0 = none */
    double P[MP_BF_MAX_M * MP_BF_MAX_M];    /* propagator, row-major,
                                               row stride MP_BF_MAX_M */
    double mean[MP_BF_MAX_M];               /* initial mean */
    double root[MP_BF_MAX_M * MP_BF_MAX_M]; /* initial covariance =
                                               root root^T, same layout */
};

MP_STATIC_ASSERT(sizeof(struct mp_bf_rule) % 8 == 0,
                 "the rule is copied in 32-bit words");

/* One memory at one synapse: u (m values) <- clip(P u + xi eta e_1). */
static MP_INLINE MP_HD void mp_bf_step(const struct mp_bf_rule *r, uint32_t m,
                                       float *u, uint32_t xi_pos)
{
    double v[MP_BF_MAX_M];
    uint32_t k, j;
    for (k = 0; k < m; k++) {
        double s = 0.0;
        for (j = 0; j < m; j++)
            s += r->P[k * MP_BF_MAX_M + j] * (double)u[j];
        v[k] = s;
    }
    v[0] += xi_pos ? r->eta : -r->eta;
    for (k = 0; k < m; k++) {
        double x = v[k];
        if (r->bound > 0.0)
            x = x > r->bound ? r->bound : x < -r->bound ? -r->bound : x;
        u[k] = (float)x;
    }
}

/*
 * MP_BF_LANES synapses at once, each exactly as mp_bf_step computes it
 * (the same products and sums in the same order, per lane): ordered so
 * that a compiler can run the lanes in SIMD registers (the CPU backend's
 * loop).  u[k] points to variable k + 1 of the lanes' synapses; bit l of
 * xi is lane l's candidate sign.
 */
#define MP_BF_LANES 32

static MP_INLINE void mp_bf_step_lanes(const struct mp_bf_rule *r, uint32_t m,
                                       float *const *u, uint32_t xi)
{
    double v[MP_BF_MAX_M][MP_BF_LANES];
    uint32_t k, j, l;
    for (k = 0; k < m; k++) {
        for (l = 0; l < MP_BF_LANES; l++)
            v[k][l] = 0.0;
        for (j = 0; j < m; j++) {
            const double p = r->P[k * MP_BF_MAX_M + j];
            for (l = 0; l < MP_BF_LANES; l++)
                v[k][l] += p * (double)u[j][l];
        }
    }
    for (l = 0; l < MP_BF_LANES; l++)
        v[0][l] += (xi >> l) & 1u ? r->eta : -r->eta;
    for (k = 0; k < m; k++)
        for (l = 0; l < MP_BF_LANES; l++) {
            double x = v[k][l];
            if (r->bound > 0.0)
                x = x > r->bound ? r->bound : x < -r->bound ? -r->bound : x;
            u[k][l] = (float)x;
        }
}

/*
 * A standard-normal-like variate of variable k of synapse i, exact in
 * mean (0) and variance (1): the sum of 12 uniforms minus 6 (Irwin-Hall),
 * the uniforms (w + 1/2) 2^-32 from the 12 words of blocks 3i .. 3i+2 of
 * stream (INIT, step 1 + k).  Only additions of exact values: no
 * transcendental function, so every backend gets the same bits.
 */
static MP_INLINE MP_HD double mp_bf_normal(uint64_t seed, uint64_t i,
                                           uint32_t k)
{
    double z = 0.0;
    uint32_t b;
    for (b = 0; b < 3; b++) {
        const struct mp_u32x4 w =
            mp_rng_block(seed, MP_RNG_INIT, 1u + k, 3 * i + b);
        z += (double)w.x + (double)w.y + (double)w.z + (double)w.w;
    }
    return (z + 6.0) * (1.0 / 4294967296.0) - 6.0;
}

/* Initial state of synapse i: 0, or mean + root z (z of mp_bf_normal),
 * clipped as a step clips. */
static MP_INLINE MP_HD void mp_bf_draw(const struct mp_bf_rule *r, uint32_t m,
                                       float *u, uint64_t seed, uint64_t i)
{
    double z[MP_BF_MAX_M];
    uint32_t k, j;
    for (k = 0; k < m; k++)
        z[k] = r->init_zero ? 0.0 : mp_bf_normal(seed, i, k);
    for (k = 0; k < m; k++) {
        double s = r->init_zero ? 0.0 : r->mean[k];
        for (j = 0; j < m; j++)
            s += r->root[k * MP_BF_MAX_M + j] * z[j];
        if (r->bound > 0.0)
            s = s > r->bound ? r->bound : s < -r->bound ? -r->bound : s;
        u[k] = (float)s;
    }
}

/* ---- Measurement -------------------------------------------------------- */

/*
 * Overlaps are sums of xi_i u_(1,i) over the synapses, in double, in one
 * fixed order whatever the threads, backend or ranks (docs/MODELS.md,
 * "order of the sums"):
 *   1. synapses 4g .. 4g+3: ((t_0 + t_1) + t_2) + t_3 (mp_bf_group_sum);
 *   2. a tile's 32 group sums s_0..s_31: s_l += s_(l+o) for l < o, o =
 *      16, 8, 4, 2, 1; the tile's sum is s_0 (mp_bf_tile_tree; the
 *      kernel's warp shuffles down by the same offsets);
 *   3. tiles in a binary tree keyed by the global tile index (fsum.h).
 */

/* Synapse's term xi u (xi = +-1), 0 for the padding: the sign bit of
 * u flipped for xi = -1, every bit cleared for the padding, so that no
 * branch depends on the random sign (exactly -(double)u, +0.0). */
static MP_INLINE MP_HD double mp_bf_term(float u, uint32_t xi_pos,
                                         uint32_t valid)
{
    uint32_t b;
    float x;
#ifdef __CUDA_ARCH__
    b = __float_as_uint(u);
#else
    memcpy(&b, &u, 4);
#endif
    b = (b ^ ((~xi_pos & 1u) << 31)) & (0u - (valid & 1u));
#ifdef __CUDA_ARCH__
    x = __uint_as_float(b);
#else
    memcpy(&x, &b, 4);
#endif
    return (double)x;
}

/* The sum of synapses 4g..4g+3 (u_1 values u[0..3], candidate bits xi4,
 * valid bits valid4, bit k for synapse 4g+k). */
static MP_INLINE MP_HD double mp_bf_group_sum(const float *u, uint32_t xi4,
                                              uint32_t valid4)
{
    return ((mp_bf_term(u[0], xi4 & 1u, valid4 & 1u) +
             mp_bf_term(u[1], (xi4 >> 1) & 1u, (valid4 >> 1) & 1u)) +
            mp_bf_term(u[2], (xi4 >> 2) & 1u, (valid4 >> 2) & 1u)) +
           mp_bf_term(u[3], (xi4 >> 3) & 1u, (valid4 >> 3) & 1u);
}

/* A tile's sum from its 32 group sums s (overwritten), in the order of a
 * warp's shuffle-down reduction. */
static MP_INLINE double mp_bf_tile_tree(double *s)
{
    uint32_t o, l;
    for (o = 16; o > 0; o >>= 1)
        for (l = 0; l < o; l++)
            s[l] = s[l] + s[l + o];
    return s[0];
}

#endif
