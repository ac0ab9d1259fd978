/* SPDX-License-Identifier: MIT */
/*
 * rng.h (private): counter-based randomness shared by the CPU and CUDA backends.
 *
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011), the generator cuRAND ships as CURAND_RNG_PSEUDO_PHILOX4_32_10.
 * tests/test_rng.c proves that mp_philox4x32_10() reproduces cuRAND's host
 * generator word for word: that generator interleaves 65536 subsequences,
 * and its word k (after its offset) is word k % 4 of mp_philox4x32_10 at
 * counter {b >> 16, b >> 48, b & 0xFFFF, 0}, b = k / 4, key = {seed_lo,
 * seed_hi}; for b < 2^16 that is counter {0, 0, b, 0}.
 *
 * Streams.  Every random value of a simulation is a pure function of
 * (seed, purpose, step, index): no generator state exists anywhere, so the
 * value a synapse sees does not depend on threads, block sizes, backends or
 * restarts.  The 128-bit counter of one call is laid out as
 *
 *   x = index (low 32 bits)      y = index (high 32 bits)
 *   z = step  (low 32 bits)      w = purpose << 24 | step bits 32..55
 *
 * with key = (seed low 32 bits, seed high 32 bits).  "index" counts blocks
 * of synapses (4 synapses per call for 32-bit words, 16 for bytes, 128 for
 * single bits).
 * This is the layout of cuRAND's device API curand_init(seed, subsequence =
 * purpose << 56 | step, offset = 4 * index).
 */
#ifndef METAPLAST_PRIVATE_RNG_H
#define METAPLAST_PRIVATE_RNG_H

#include <stdint.h>

#include "hd.h"

#define MP_PHILOX_M0 0xD2511F53u
#define MP_PHILOX_M1 0xCD9E8D57u
#define MP_PHILOX_W0 0x9E3779B9u
#define MP_PHILOX_W1 0xBB67AE85u

/* Purposes: one independent stream family each.  Append only. */
enum mp_rng_purpose {
    MP_RNG_PATTERN = 1,    /* candidate sign xi of memory mu at synapse i */
    MP_RNG_TRANSITION = 2, /* uniform deciding synapse i's transition */
    MP_RNG_INIT = 3,       /* initial state of synapse i */
    MP_RNG_REFINE = 4,     /* low 24 bits of a transition decision */
    MP_RNG_NET_WEIGHT = 5, /* initial weight w_ij (index i * n_in + j) */
    MP_RNG_NET_ORDER = 6,  /* pattern order of a cycle of K periods */
    MP_RNG_NET_NOISE = 7,  /* input noise of input j at a step */
    MP_RNG_NET_PATTERN = 8,/* construction of the input patterns */
    MP_RNG_NET_CONNECT = 9,/* presynaptic index of sparse synapse (i, k) */
    MP_RNG_NET_EVENT = 10, /* candidate event of a discrete synapse */
    MP_RNG_NET_CASCADE = 11,/* its transition byte */
    MP_RNG_ATTR_GATE = 12, /* attractor: a candidate event applied under
                              a modulator level below 1 */
    MP_RNG_ATTR_CUE = 13,  /* attractor: a retrieval cue's flipped bits */
    MP_RNG_ATTR_ORDER = 14,/* attractor: the order of a sequential sweep */
    MP_RNG_ATTR_HEAT = 15, /* attractor: a neuron's draw at temperature T */
    MP_RNG_ATTR_CONN = 16  /* attractor: the round keys of row i's fan-in
                              permutation (step 0, index i) */
};

/* Largest step a stream can address (56 bits). */
#define MP_RNG_MAX_STEP ((UINT64_C(1) << 56) - 1)

struct mp_u32x4 {
    uint32_t x; /* word 0 */
    uint32_t y; /* word 1 */
    uint32_t z; /* word 2 */
    uint32_t w; /* word 3 */
};

/* The 64-bit product a * b: its low word, and its high word in *hi.  On
 * the device as __umulhi and a 32-bit product, as cuRAND does: the same
 * bits, compiled to one wide multiply, where the host form also costs the
 * device an add of a zero high word per multiply (20 per call). */
static MP_INLINE MP_HD uint32_t mp_mulhilo32(uint32_t a, uint32_t b,
                                             uint32_t *hi)
{
#ifdef __CUDA_ARCH__
    *hi = __umulhi(a, b);
    return a * b;
#else
    uint64_t p = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
#endif
}

/* One Philox round on one counter (x0..x3) with key (k0, k1). */
static MP_INLINE MP_HD void mp_philox_round(uint32_t *x0, uint32_t *x1,
                                            uint32_t *x2, uint32_t *x3,
                                            uint32_t k0, uint32_t k1)
{
    uint32_t hi0, hi1;
    uint32_t lo0 = mp_mulhilo32(MP_PHILOX_M0, *x0, &hi0);
    uint32_t lo1 = mp_mulhilo32(MP_PHILOX_M1, *x2, &hi1);
    *x0 = hi1 ^ *x1 ^ k0;
    *x1 = lo1;
    *x2 = hi0 ^ *x3 ^ k1;
    *x3 = lo0;
}

/* One Philox4x32-10 call: 10 rounds, the key bumped between rounds. */
static MP_INLINE MP_HD struct mp_u32x4 mp_philox4x32_10(struct mp_u32x4 c,
                                                         uint32_t k0,
                                                         uint32_t k1)
{
    int r;
    for (r = 0; r < 10; r++) {
        mp_philox_round(&c.x, &c.y, &c.z, &c.w, k0, k1);
        k0 += MP_PHILOX_W0;
        k1 += MP_PHILOX_W1;
    }
    return c;
}

/*
 * MP_PHILOX_LANES calls at once on counters in structure-of-arrays form
 * (x[word][lane]), replaced by their outputs: the same rounds as
 * mp_philox4x32_10, ordered so that a compiler can run the lanes in SIMD
 * registers (the CPU backend's hot loop).
 */
#define MP_PHILOX_LANES 8

static MP_INLINE void mp_philox4x32_10_lanes(uint32_t x[4][MP_PHILOX_LANES],
                                             uint32_t k0, uint32_t k1)
{
    int r, l;
    for (r = 0; r < 10; r++) {
        for (l = 0; l < MP_PHILOX_LANES; l++)
            mp_philox_round(&x[0][l], &x[1][l], &x[2][l], &x[3][l], k0, k1);
        k0 += MP_PHILOX_W0;
        k1 += MP_PHILOX_W1;
    }
}

/* The counter of stream (purpose, step) at block `index`. */
static MP_INLINE MP_HD struct mp_u32x4 mp_rng_counter(uint32_t purpose,
                                                       uint64_t step,
                                                       uint64_t index)
{
    struct mp_u32x4 c;
    c.x = (uint32_t)index;
    c.y = (uint32_t)(index >> 32);
    c.z = (uint32_t)step;
    c.w = (purpose << 24) | ((uint32_t)(step >> 32) & 0xFFFFFFu);
    return c;
}

/* The 4 words of stream (purpose, step) at block `index`. */
static MP_INLINE MP_HD struct mp_u32x4 mp_rng_block(uint64_t seed,
                                                     uint32_t purpose,
                                                     uint64_t step,
                                                     uint64_t index)
{
    return mp_philox4x32_10(mp_rng_counter(purpose, step, index),
                            (uint32_t)seed, (uint32_t)(seed >> 32));
}

static MP_INLINE MP_HD uint32_t mp_u32x4_get(struct mp_u32x4 v, uint32_t k)
{
    return k == 0 ? v.x : k == 1 ? v.y : k == 2 ? v.z : v.w;
}

/* A uniform integer in [0, n) from a uniform 32-bit word (the top part of
 * u * n: unbiased to 2^-32 n). */
static MP_INLINE MP_HD uint32_t mp_rng_below(uint32_t u, uint32_t n)
{
    return (uint32_t)(((uint64_t)u * n) >> 32);
}

/* Word i of stream (purpose, step): word i % 4 of block i / 4. */
static MP_INLINE MP_HD uint32_t mp_rng_word(uint64_t seed, uint32_t purpose,
                                            uint64_t step, uint64_t i)
{
    return mp_u32x4_get(mp_rng_block(seed, purpose, step, i >> 2),
                        (uint32_t)(i & 3u));
}

#endif
