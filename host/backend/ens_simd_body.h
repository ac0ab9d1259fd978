/* SPDX-License-Identifier: MIT */
/*
 * ens_simd_body.h: the ensemble step in vector registers, written once
 * for AVX2 (MP_SIMD_W = 32 bytes) and AVX-512 (64), included by
 * ens_simd_avx2.c and ens_simd_avx512.c, each compiled for its
 * instruction set.  What it computes is mp_step4's result for every
 * synapse (syn_rules.h, ens_cpu.c's tile_step), from the same streams:
 *
 *   Philox      LANES counters per instruction (32-bit lanes): the tile's
 *               TRANSITION blocks and, once per LANES tiles, their
 *               PATTERN blocks; the outputs transposed into synapse order
 *               (byte i % 16 of block i / 16 is synapse i's byte).
 *   lookup      k = xi << 7 | state indexes the threshold byte h and the
 *               target n, 16 entries per byte shuffle (mp_simd_table).
 *   decision    take iff byte < h; where byte == h and n's bit 7 says
 *               the byte does not decide, mp_syn_step decides (1/256 of
 *               those synapses), as the generic path does.
 */
#include <immintrin.h>
#include <string.h>

#include "ens_simd.h"

#if MP_SIMD_W == 64
typedef __m512i V;
#define LANES 16 /* Philox counters per instruction */
#define V_SET32(x) _mm512_set1_epi32((int)(x))
#define V_SET8(x) _mm512_set1_epi8((char)(x))
#define V_XOR _mm512_xor_si512
#define V_OR _mm512_or_si512
#define V_AND _mm512_and_si512
#define V_ADD32 _mm512_add_epi32
#define V_MULEU _mm512_mul_epu32
#define V_SRL64 _mm512_srli_epi64
#define V_SLL64 _mm512_slli_epi64
#define V_ODD(a, b) _mm512_mask_blend_epi32((__mmask16)0xAAAA, a, b)
#define V_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define V_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define V_TAB(p) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(p)))
#define V_SHUF8 _mm512_shuffle_epi8
#define V_SUB8 _mm512_sub_epi8
#define V_ADDS8 _mm512_adds_epu8
#define V_IOTA                                                               \
    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define FN mp__ens_tiles_avx512
#else
typedef __m256i V;
#define LANES 8
#define V_SET32(x) _mm256_set1_epi32((int)(x))
#define V_SET8(x) _mm256_set1_epi8((char)(x))
#define V_XOR _mm256_xor_si256
#define V_OR _mm256_or_si256
#define V_AND _mm256_and_si256
#define V_ADD32 _mm256_add_epi32
#define V_MULEU _mm256_mul_epu32
#define V_SRL64 _mm256_srli_epi64
#define V_SLL64 _mm256_slli_epi64
#define V_ODD(a, b) _mm256_blend_epi32(a, b, 0xAA)
#define V_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define V_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define V_TAB(p) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(p)))
#define V_SHUF8 _mm256_shuffle_epi8
#define V_SUB8 _mm256_sub_epi8
#define V_ADDS8 _mm256_adds_epu8
#define V_IOTA _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)
#define FN mp__ens_tiles_avx2
#endif

/* Synapses per vector, and tiles per LANES TRANSITION calls. */
#define VBYTES MP_SIMD_W
#define TILES_PER_CALL (LANES / 8)

/* Everything constant over one call: keys per round, the table. */
struct ctx {
    V k0[10], k1[10];
    V h[16], n[16], m[16], h1[16], n1[16], base[16];
    uint32_t nb;
    int multi; /* look up m too */
};

/* lo, hi of m * a in every 32-bit lane. */
static inline void mulhilo(V m, V a, V *lo, V *hi)
{
    const V pe = V_MULEU(a, m);             /* even lanes, 64 bits */
    const V po = V_MULEU(V_SRL64(a, 32), m); /* odd lanes */
    *lo = V_ODD(pe, V_SLL64(po, 32));
    *hi = V_ODD(V_SRL64(pe, 32), po);
}

/* Philox4x32-10 on LANES counters (mp_philox4x32_10, lane by lane). */
static inline void philox(V x[4], const struct ctx *c)
{
    const V m0 = V_SET32(MP_PHILOX_M0), m1 = V_SET32(MP_PHILOX_M1);
    int r;
    for (r = 0; r < 10; r++) {
        V lo0, hi0, lo1, hi1;
        mulhilo(m0, x[0], &lo0, &hi0);
        mulhilo(m1, x[2], &lo1, &hi1);
        x[0] = V_XOR(V_XOR(hi1, x[1]), c->k0[r]);
        x[1] = lo1;
        x[2] = V_XOR(V_XOR(hi0, x[3]), c->k1[r]);
        x[3] = lo0;
    }
}

/* The counters (purpose, mu, index0 + lane): index0's low word plus the
 * lane must not carry (the caller checks). */
static inline void counters(V x[4], uint32_t purpose, uint64_t mu,
                            uint64_t index0)
{
    x[0] = V_ADD32(V_SET32((uint32_t)index0), V_IOTA);
    x[1] = V_SET32((uint32_t)(index0 >> 32));
    x[2] = V_SET32((uint32_t)mu);
    x[3] = V_SET32((purpose << 24) | ((uint32_t)(mu >> 32) & 0xFFFFFFu));
}

/* Words x[w] lane l (block l, word w) into synapse order: r[j] holds
 * blocks (VBYTES / 16) * j .. of the call, 16 bytes each. */
static inline void transpose(const V x[4], V r[4])
{
#if MP_SIMD_W == 64
    const V t0 = _mm512_unpacklo_epi32(x[0], x[1]);
    const V t1 = _mm512_unpackhi_epi32(x[0], x[1]);
    const V t2 = _mm512_unpacklo_epi32(x[2], x[3]);
    const V t3 = _mm512_unpackhi_epi32(x[2], x[3]);
    const V u0 = _mm512_unpacklo_epi64(t0, t2); /* blocks 0 4 8 12 */
    const V u1 = _mm512_unpackhi_epi64(t0, t2); /* 1 5 9 13 */
    const V u2 = _mm512_unpacklo_epi64(t1, t3); /* 2 6 10 14 */
    const V u3 = _mm512_unpackhi_epi64(t1, t3); /* 3 7 11 15 */
    const V v0 = _mm512_shuffle_i32x4(u0, u1, 0x44); /* 0 4 1 5 */
    const V v1 = _mm512_shuffle_i32x4(u2, u3, 0x44); /* 2 6 3 7 */
    const V v2 = _mm512_shuffle_i32x4(u0, u1, 0xEE); /* 8 12 9 13 */
    const V v3 = _mm512_shuffle_i32x4(u2, u3, 0xEE); /* 10 14 11 15 */
    r[0] = _mm512_shuffle_i32x4(v0, v1, 0x88); /* 0 1 2 3 */
    r[1] = _mm512_shuffle_i32x4(v0, v1, 0xDD); /* 4 5 6 7 */
    r[2] = _mm512_shuffle_i32x4(v2, v3, 0x88); /* 8 9 10 11 */
    r[3] = _mm512_shuffle_i32x4(v2, v3, 0xDD); /* 12 13 14 15 */
#else
    const V t0 = _mm256_unpacklo_epi32(x[0], x[1]);
    const V t1 = _mm256_unpackhi_epi32(x[0], x[1]);
    const V t2 = _mm256_unpacklo_epi32(x[2], x[3]);
    const V t3 = _mm256_unpackhi_epi32(x[2], x[3]);
    const V u0 = _mm256_unpacklo_epi64(t0, t2); /* blocks 0 | 4 */
    const V u1 = _mm256_unpackhi_epi64(t0, t2); /* 1 | 5 */
    const V u2 = _mm256_unpacklo_epi64(t1, t3); /* 2 | 6 */
    const V u3 = _mm256_unpackhi_epi64(t1, t3); /* 3 | 7 */
    r[0] = _mm256_permute2x128_si256(u0, u1, 0x20); /* 0 1 */
    r[1] = _mm256_permute2x128_si256(u2, u3, 0x20); /* 2 3 */
    r[2] = _mm256_permute2x128_si256(u0, u1, 0x31); /* 4 5 */
    r[3] = _mm256_permute2x128_si256(u2, u3, 0x31); /* 6 7 */
#endif
}

/* Inlined with a constant `multi`: the built-in models' loop has no trace
 * of the markov tables' third lookup. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* h[k] and n[k] for the indices k (one per byte); m[k], h1[k] and n1[k]
 * too if multi (x[0..2]). */
static ALWAYS_INLINE void lookup(const struct ctx *c, V k, V *h, V *n, V *x,
                                 const int multi)
{
    const V c70 = V_SET8(0x70);
    V hh = V_XOR(k, k), nn = hh, mm = hh, hh1 = hh, nn1 = hh;
    uint32_t b;
    for (b = 0; b < c->nb; b++) {
        /* k - 16 block in 0..15 -> 0x70..0x7F (looked up by its low
         * nibble); anything else saturates past 0x7F (gives 0). */
        const V idx = V_ADDS8(V_SUB8(k, c->base[b]), c70);
        hh = V_OR(hh, V_SHUF8(c->h[b], idx));
        nn = V_OR(nn, V_SHUF8(c->n[b], idx));
        if (multi) {
            mm = V_OR(mm, V_SHUF8(c->m[b], idx));
            hh1 = V_OR(hh1, V_SHUF8(c->h1[b], idx));
            nn1 = V_OR(nn1, V_SHUF8(c->n1[b], idx));
        }
    }
    *h = hh;
    *n = nn;
    x[0] = mm;
    x[1] = hh1;
    x[2] = nn1;
}

/* The undecided synapses of one vector (bits of `tie`), by mp_syn_step:
 * s0 and u are the states before and the random bytes. */
static void settle(const struct mp_ens_desc *d, uint8_t *s, V s0, V u,
                   uint64_t xi, uint64_t tie, uint64_t mu, uint64_t i0)
{
    uint8_t before[VBYTES], bytes[VBYTES];
    V_STORE(before, s0);
    V_STORE(bytes, u);
    while (tie) {
        const int p = __builtin_ctzll(tie);
        s[p] = (uint8_t)mp_syn_step(&d->table, before[p],
                                    (uint32_t)(xi >> p) & 1u, bytes[p],
                                    d->seed, mu, i0 + (uint64_t)p);
        tie &= tie - 1;
    }
}

/* One vector of synapses i0 .. i0 + VBYTES - 1 at s: candidate bits xi
 * (bit p for synapse i0 + p), random bytes u. */
static ALWAYS_INLINE void step_vec(const struct ctx *c,
                                   const struct mp_ens_desc *d, uint8_t *s,
                                   uint64_t xi, V u, uint64_t mu,
                                   uint64_t i0, const int multi)
{
    const V s0 = V_LOAD(s);
    const V c7f = V_SET8(0x7F);
    V k, h, n, x[3], s1;
    uint64_t tie;
#if MP_SIMD_W == 64
    __mmask64 lt;
    k = _mm512_mask_mov_epi8(s0, (__mmask64)xi, V_OR(s0, V_SET8(0x80)));
    lookup(c, k, &h, &n, x, multi);
    lt = _mm512_cmplt_epu8_mask(u, h);
    tie = _mm512_mask_cmpeq_epi8_mask(_mm512_movepi8_mask(n), u, h);
    if (multi) { /* two targets: the first below h1; three or more: */
        n = _mm512_mask_blend_epi8(_mm512_cmplt_epu8_mask(u, x[1]), n, x[2]);
        tie |= lt & (_mm512_movepi8_mask(x[0]) |
                     _mm512_mask_cmpeq_epi8_mask(_mm512_movepi8_mask(x[2]),
                                                 u, x[1]));
    }
    s1 = _mm512_mask_blend_epi8(lt, s0, V_AND(n, c7f));
#else
    /* Bit p of xi to byte p's sign bit: byte p / 8 of the word spread
     * over 8 bytes, each masked by its bit. */
    const V sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
                                   1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3,
                                   3, 3, 3, 3, 3, 3);
    const V bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const V xm = _mm256_cmpeq_epi8(
        V_AND(_mm256_shuffle_epi8(V_SET32((uint32_t)xi), sel), bit), bit);
    V ge;
    k = V_OR(s0, V_AND(xm, V_SET8(0x80)));
    lookup(c, k, &h, &n, x, multi);
    /* Not taken where the byte is >= h, i.e. min(u, h) == h. */
    ge = _mm256_cmpeq_epi8(_mm256_min_epu8(u, h), h);
    tie = (uint32_t)_mm256_movemask_epi8(
        V_AND(_mm256_cmpeq_epi8(u, h), n));
    if (multi) { /* two targets: the first below h1; three or more: */
        const V ge1 = _mm256_cmpeq_epi8(_mm256_min_epu8(u, x[1]), x[1]);
        n = _mm256_blendv_epi8(x[2], n, ge1);
        tie |= (uint32_t)_mm256_movemask_epi8(_mm256_andnot_si256(
            ge, V_OR(x[0], V_AND(_mm256_cmpeq_epi8(u, x[1]), x[2]))));
    }
    s1 = _mm256_blendv_epi8(V_AND(n, c7f), s0, ge);
#endif
    V_STORE(s, s1);
    if (tie)
        settle(d, s, s0, u, xi, tie, mu, i0);
}

static void setup(struct ctx *c, const struct mp_ens_desc *d,
                  const struct mp_simd_table *t)
{
    uint32_t k0 = (uint32_t)d->seed, k1 = (uint32_t)(d->seed >> 32), b;
    int r;
    for (r = 0; r < 10; r++) {
        c->k0[r] = V_SET32(k0);
        c->k1[r] = V_SET32(k1);
        k0 += MP_PHILOX_W0;
        k1 += MP_PHILOX_W1;
    }
    c->nb = t->nblocks;
    c->multi = t->multi;
    for (b = 0; b < t->nblocks; b++) {
        c->h[b] = V_TAB(t->h + 16u * t->block[b]);
        c->n[b] = V_TAB(t->n + 16u * t->block[b]);
        c->m[b] = V_TAB(t->m + 16u * t->block[b]);
        c->h1[b] = V_TAB(t->h1 + 16u * t->block[b]);
        c->n1[b] = V_TAB(t->n1 + 16u * t->block[b]);
        c->base[b] = V_SET8(16u * t->block[b]);
    }
}

/* Bits 0..7 of m to bits 0, 4, .., 28. */
static inline uint32_t spread4(uint32_t m)
{
    m = (m | (m << 12)) & 0x000F000Fu;
    m = (m | (m << 6)) & 0x03030303u;
    return (m | (m << 3)) & 0x11111111u;
}

/* f != 1/2: the candidate bits of synapses i0 .. i0 + VBYTES - 1, word
 * i % 4 of block (PATTERN, mu, i / 4) below f's threshold (thr_f < 2^32;
 * the blocks i0 / 4 + lane, a multiple of LANES: no carry). */
static inline uint64_t xi_words(const struct ctx *c, uint64_t mu,
                                uint64_t i0, uint32_t thr_f)
{
    uint64_t xi = 0;
    uint32_t w;
    V x[4];
    counters(x, MP_RNG_PATTERN, mu, i0 / 4);
    philox(x, c);
    for (w = 0; w < 4; w++) {
        /* Lane l of word w is synapse i0 + 4 l + w. */
#if MP_SIMD_W == 64
        const uint32_t m =
            _mm512_cmplt_epu32_mask(x[w], V_SET32(thr_f));
        xi |= ((uint64_t)spread4(m & 0xFFu) |
               (uint64_t)spread4(m >> 8) << 32)
              << w;
#else
        const V sign = V_SET32(0x80000000u);
        const uint32_t m = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(
            _mm256_cmpgt_epi32(V_XOR(V_SET32(thr_f), sign),
                               V_XOR(x[w], sign))));
        xi |= (uint64_t)spread4(m) << w;
#endif
    }
    return xi;
}

/* TILES_PER_CALL tiles from global tile g (local pointer s), their
 * candidate words pw[w][l] at lane l = their place among the group
 * (half: f = 1/2), or drawn per synapse. */
static ALWAYS_INLINE void tiles(const struct ctx *c,
                                const struct mp_ens_desc *d, uint8_t *s,
                                uint64_t mu, uint64_t g,
                                uint32_t pw[4][LANES], uint32_t l,
                                const int multi, const int half)
{
    V x[4], r[4];
    uint32_t j;
    counters(x, MP_RNG_TRANSITION, mu, g * 8);
    philox(x, c);
    transpose(x, r);
    for (j = 0; j < 4; j++) {
        /* Vector j: bytes VBYTES * j .. of these tiles. */
        const uint32_t off = VBYTES * j, t = off / MP_TILE,
                       w = (off % MP_TILE) / 32;
        const uint64_t i0 = g * MP_TILE + off;
        uint64_t xi;
        if (!half) {
            xi = xi_words(c, mu, i0, (uint32_t)d->thr_f);
        } else {
            xi = pw[w][l + t];
#if MP_SIMD_W == 64
            xi |= (uint64_t)pw[w + 1][l + t] << 32;
#endif
        }
        step_vec(c, d, s + off, xi, r[j], mu, i0, multi);
    }
}

/* The groups of LANES tiles from lt while they fit before lt1. */
static ALWAYS_INLINE uint64_t groups(const struct ctx *c,
                                     const struct mp_ens_desc *d, uint8_t *s,
                                     uint64_t mu, uint64_t lt, uint64_t lt1,
                                     const int multi, const int half)
{
    for (; lt + LANES <= lt1; lt += LANES) {
        const uint64_t g = d->tile0 + lt; /* global: the streams' index */
        uint32_t pw[4][LANES], l, w;
        V x[4];
        /* Counters of the group must not carry into their high word. */
        if ((uint32_t)g > UINT32_MAX - (LANES - 1) ||
            (uint32_t)(g * 8) > UINT32_MAX - (8 * LANES - 1))
            break;
        if (half) {
            counters(x, MP_RNG_PATTERN, mu, g);
            philox(x, c);
            for (w = 0; w < 4; w++)
                V_STORE(pw[w], x[w]);
        }
        for (l = 0; l < LANES; l += TILES_PER_CALL)
            tiles(c, d, s + (lt + l) * MP_TILE, mu, g + l, pw, l, multi,
                  half);
    }
    return lt;
}

uint64_t FN(const struct mp_ens_desc *d, const struct mp_simd_table *t,
            uint8_t *s, uint64_t mu, uint64_t lt, uint64_t lt1)
{
    struct ctx c;
    if (!d->half && d->thr_f > UINT32_MAX)
        return lt; /* f within 2^-33 of 1: the generic path */
    setup(&c, d, t);
    /* One loop per case, each without the others' branches. */
    if (d->half)
        return c.multi ? groups(&c, d, s, mu, lt, lt1, 1, 1)
                       : groups(&c, d, s, mu, lt, lt1, 0, 1);
    return c.multi ? groups(&c, d, s, mu, lt, lt1, 1, 0)
                   : groups(&c, d, s, mu, lt, lt1, 0, 0);
}
