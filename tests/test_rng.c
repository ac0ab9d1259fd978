/* SPDX-License-Identifier: MIT */
/* test_rng.c: Philox4x32-10 against cuRAND and the published vectors. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "metaplast/private/rng.h"

#ifdef MP_TEST_CURAND
#include <curand.h>

/*
 * cuRAND's host generator (no GPU needed) is the reference.  It interleaves
 * 65536 subsequences: word k after its offset is word (offset + k) % 4 of
 * Philox4x32-10 at counter (b >> 16, b >> 48, b & 0xFFFF, 0), b =
 * (offset + k) / 4, key = (seed_lo, seed_hi); below 2^16 blocks that is
 * counter (0, 0, b, 0), the device API's curand_init(seed, b, 0).
 * 2^17 words for each of 4 seeds and 4 offsets (one straddling the
 * subsequence wrap, one past 2^32): 2 million words.
 */
Test(rng, matches_curand_host_generator)
{
    const unsigned long long seeds[] = {0ull, 1ull, 0x123456789abcdefull,
                                        0xffffffffffffffffull};
    const unsigned long long offsets[] = {0ull, 8ull, 4ull * 65536 - 4096,
                                          4000000004ull};
    const size_t n = (size_t)1 << 17;
    uint32_t *out = malloc(n * sizeof *out);
    size_t si, oi, k;

    cr_assert_not_null(out);
    for (si = 0; si < 4; si++) {
        for (oi = 0; oi < 4; oi++) {
            curandGenerator_t g;
            cr_assert_eq(curandCreateGeneratorHost(
                             &g, CURAND_RNG_PSEUDO_PHILOX4_32_10),
                         CURAND_STATUS_SUCCESS);
            cr_assert_eq(curandSetPseudoRandomGeneratorSeed(g, seeds[si]),
                         CURAND_STATUS_SUCCESS);
            cr_assert_eq(curandSetGeneratorOffset(g, offsets[oi]),
                         CURAND_STATUS_SUCCESS);
            cr_assert_eq(curandGenerate(g, out, n), CURAND_STATUS_SUCCESS);
            curandDestroyGenerator(g);
            for (k = 0; k < n; k++) {
                uint64_t b = (offsets[oi] + k) / 4;
                struct mp_u32x4 c = {(uint32_t)(b >> 16), (uint32_t)(b >> 48),
                                     (uint32_t)(b & 0xFFFFu), 0};
                struct mp_u32x4 v = mp_philox4x32_10(
                    c, (uint32_t)seeds[si], (uint32_t)(seeds[si] >> 32));
                uint32_t w = mp_u32x4_get(v, (uint32_t)((offsets[oi] + k) % 4));
                cr_assert_eq(w, out[k],
                             "seed %llx offset %llu word %zu: %08x != "
                             "cuRAND %08x",
                             seeds[si], offsets[oi], k, w, out[k]);
            }
        }
    }
    free(out);
}
#endif

/* Known-answer vectors of Random123 (kat_vectors, philox4x32 10 rounds). */
Test(rng, random123_known_answers)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
         0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822,
         0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    int i;
    for (i = 0; i < 3; i++) {
        struct mp_u32x4 c = {kat[i][0], kat[i][1], kat[i][2], kat[i][3]};
        struct mp_u32x4 v = mp_philox4x32_10(c, kat[i][4], kat[i][5]);
        cr_expect_eq(v.x, kat[i][6], "vector %d word 0", i);
        cr_expect_eq(v.y, kat[i][7], "vector %d word 1", i);
        cr_expect_eq(v.z, kat[i][8], "vector %d word 2", i);
        cr_expect_eq(v.w, kat[i][9], "vector %d word 3", i);
    }
}

/* The lane-parallel form is the same function. */
Test(rng, lanes_equal_scalar)
{
    uint32_t x[4][MP_PHILOX_LANES];
    int rep, l;
    for (rep = 0; rep < 1000; rep++) {
        uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(rep + 1);
        struct mp_u32x4 c[MP_PHILOX_LANES];
        for (l = 0; l < MP_PHILOX_LANES; l++) {
            c[l] = mp_rng_counter((uint32_t)(rep % 5), (uint64_t)rep * 977u,
                                  (uint64_t)rep * 131u + (uint64_t)l);
            x[0][l] = c[l].x;
            x[1][l] = c[l].y;
            x[2][l] = c[l].z;
            x[3][l] = c[l].w;
        }
        mp_philox4x32_10_lanes(x, (uint32_t)seed, (uint32_t)(seed >> 32));
        for (l = 0; l < MP_PHILOX_LANES; l++) {
            struct mp_u32x4 v = mp_philox4x32_10(c[l], (uint32_t)seed,
                                                 (uint32_t)(seed >> 32));
            cr_assert(v.x == x[0][l] && v.y == x[1][l] && v.z == x[2][l] &&
                      v.w == x[3][l]);
        }
    }
}

/* Streams: purpose, step and index all reach the counter, so changing
 * any one of them changes the block. */
Test(rng, stream_keying)
{
    struct mp_u32x4 a = mp_rng_block(5, MP_RNG_PATTERN, 10, 3);
    struct mp_u32x4 b[5];
    int i;
    b[0] = mp_rng_block(6, MP_RNG_PATTERN, 10, 3);
    b[1] = mp_rng_block(5, MP_RNG_TRANSITION, 10, 3);
    b[2] = mp_rng_block(5, MP_RNG_PATTERN, 11, 3);
    b[3] = mp_rng_block(5, MP_RNG_PATTERN, 10, 4);
    b[4] = mp_rng_block(5, MP_RNG_PATTERN, 10 + (1ull << 32), 3);
    for (i = 0; i < 5; i++)
        cr_expect(a.x != b[i].x || a.y != b[i].y, "variant %d", i);
    /* The layout the header documents. */
    {
        struct mp_u32x4 c = mp_rng_counter(MP_RNG_TRANSITION,
                                           0x0000123400000007ull,
                                           0x0000000500000009ull);
        cr_assert_eq(c.x, 9u);
        cr_assert_eq(c.y, 5u);
        cr_assert_eq(c.z, 7u);
        cr_assert_eq(c.w, (2u << 24) | 0x1234u);
    }
}
