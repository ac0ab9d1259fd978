/* SPDX-License-Identifier: MIT */
/*
 * bf.cu: the Benna-Fusi chain's kernels.  Indexing, memory movement and
 * warp reductions only: every update, draw, candidate sign and sum term
 * comes from bf_rules.h / syn_rules.h / rng.h, the functions the CPU
 * backend runs, so both backends agree bit for bit.
 *
 * The kernels are instantiated for each chain length M (1..16), so that
 * a thread keeps its synapse's M variables in registers.
 *
 * Advance: one thread per synapse, one warp per quarter tile (32
 * synapses, one word of a PATTERN block).  A thread keeps its variables
 * in registers across all memories of a call; with f = 1/2, lane l draws
 * the tile's PATTERN block of memory mu + l and the warp shares the 32
 * blocks through shared memory (1/32 of a call per thread and memory).
 *
 * Measure: one warp per tile, one lane per group of 4 synapses; a
 * group's sum, then the warp's shuffle-down tree (offsets 16 .. 1, the
 * order of mp_bf_tile_tree), one double per tile and value.  The tiles'
 * tree (fsum.h) is reduced level by level by bf_tree_level.
 */
#include "bf.h"
#include "common.cuh"

#include "metaplast/private/syn_rules.h"

/* Synapses per tile (ens_backend.h's MP_TILE, not visible here). */
#define BF_TILE 128u

struct alignas(16) bf_words4 {
    uint32_t w[4];
};

__global__ void bf_init_k(float *u, uint64_t padded, uint64_t i0, uint64_t seed,
                          uint32_t m, const struct mp_bf_rule *gr)
{
    MP_SHARED(struct mp_bf_rule, r);
    uint64_t j;
    mp_load_shared(&r, gr);
    for (j = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; j < padded;
         j += (uint64_t)gridDim.x * blockDim.x) {
        float v[MP_BF_MAX_M];
        uint32_t k;
        mp_bf_draw(&r, m, v, seed, i0 + j);
        for (k = 0; k < m; k++)
            u[k * padded + j] = v[k];
    }
}

/* The PATTERN blocks of memories mu .. mu + nb - 1 of a tile: lane l
 * draws memory mu + l; the warp is done with the last batch before and
 * sees every block after. */
static __device__ __forceinline__ void
bf_stage_patterns(struct bf_words4 *pt, uint64_t seed, uint64_t mu, unsigned nb,
                  uint64_t tile, unsigned lane)
{
    __syncwarp();
    if (lane < nb) {
        const struct mp_u32x4 v =
            mp_rng_block(seed, MP_RNG_PATTERN, mu + lane, tile);
        struct bf_words4 t = {{v.x, v.y, v.z, v.w}};
        pt[lane] = t;
    }
    __syncwarp();
}

template <unsigned M>
__global__ void bf_advance_k(float *u, uint64_t padded, uint64_t tile0,
                             uint64_t seed, uint64_t mu0, uint64_t count,
                             int half, uint64_t thr_f,
                             const struct mp_bf_rule *gr)
{
    MP_SHARED(struct mp_bf_rule, r);
    MP_SHARED_DYNAMIC(struct bf_words4, stage); /* 32 per warp */
    const unsigned lane = threadIdx.x & 31u;
    struct bf_words4 *pt = stage + (threadIdx.x / 32) * 32;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t q;

    mp_load_shared(&r, gr);
    for (q = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         q < padded / 32; q += warps) {
        /* Streams are keyed by global indices; u is indexed locally. */
        const uint64_t j = q * 32 + lane, tile = tile0 + q / 4;
        const uint64_t g = tile * 32 + (q & 3u) * 8 + lane / 4;
        float v[M];
        uint64_t b;
        unsigned k;
        for (k = 0; k < M; k++)
            v[k] = u[k * padded + j];
        for (b = 0; b < count; b += 32) {
            const unsigned nb = count - b < 32 ? (unsigned)(count - b) : 32u;
            if (half)
                bf_stage_patterns(pt, seed, mu0 + b, nb, tile, lane);
            for (k = 0; k < nb; k++) {
                const uint32_t xi =
                    half ? (pt[k].w[q & 3u] >> lane) & 1u
                         : (mp_xi4_from_words(mp_rng_block(seed, MP_RNG_PATTERN,
                                                           mu0 + b + k, g),
                                              thr_f) >>
                            (lane & 3u)) &
                               1u;
                mp_bf_step(&r, M, v, xi);
            }
        }
        for (k = 0; k < M; k++)
            u[k * padded + j] = v[k];
    }
}

static __device__ __forceinline__ struct mp_u32x4 bf_shfl4(struct mp_u32x4 v,
                                                           unsigned src)
{
    struct mp_u32x4 r;
    r.x = __shfl_sync(MP_FULL_MASK, v.x, src);
    r.y = __shfl_sync(MP_FULL_MASK, v.y, src);
    r.z = __shfl_sync(MP_FULL_MASK, v.z, src);
    r.w = __shfl_sync(MP_FULL_MASK, v.w, src);
    return r;
}

__global__ void bf_measure_k(const float *u1, uint64_t tiles, uint64_t tile0,
                             uint64_t synapses, uint64_t seed,
                             const uint64_t *mus, uint32_t n, uint32_t a0,
                             uint32_t nb, int half, uint64_t thr_f,
                             double *tsum)
{
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t lt;
    for (lt = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         lt < tiles; lt += warps) {
        const uint64_t tile = tile0 + lt, g = tile * 32 + lane;
        const uint32_t valid = mp_valid_bits(synapses, 4 * g, 4);
        float v4[4];
        struct mp_u32x4 pt = {0, 0, 0, 0};
        unsigned k, o;
        for (k = 0; k < 4; k++)
            v4[k] = u1[lt * BF_TILE + 4 * lane + k];
        if (half && lane < nb && a0 + lane < n)
            pt = mp_rng_block(seed, MP_RNG_PATTERN, mus[a0 + lane], tile);
        for (k = 0; k < nb; k++) {
            const uint32_t a = a0 + k;
            uint32_t xi4 = 0xFu; /* value n: all ones */
            double s;
            if (a < n && half)
                xi4 = mp_xi4_from_tile(bf_shfl4(pt, k), g);
            else if (a < n)
                xi4 = mp_xi4_from_words(
                    mp_rng_block(seed, MP_RNG_PATTERN, mus[a], g), thr_f);
            s = mp_bf_group_sum(v4, xi4, valid);
            for (o = 16; o > 0; o >>= 1)
                s += __shfl_down_sync(MP_FULL_MASK, s, o);
            if (lane == 0)
                tsum[lt * nb + k] = s;
        }
    }
}

__global__ void bf_tree_level_k(const double *in, double *out, uint64_t count,
                                uint32_t off, uint32_t nb)
{
    uint64_t x;
    for (x = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; x < count * nb;
         x += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t k = x / nb, a = x % nb;
        out[k * nb + a] =
            in[(2 * k + off) * nb + a] + in[(2 * k + off + 1) * nb + a];
    }
}

extern "C" int mp__k_bf_init(float *u, uint64_t padded, uint64_t tile0,
                             uint64_t seed, uint32_t m,
                             const struct mp_bf_rule *rule, int blocks,
                             int threads)
{
    return MP_LAUNCH_STATUS(bf_init_k, blocks, threads, 0, u, padded,
                            tile0 * BF_TILE, seed, m, rule);
}

#define BF_ADVANCE_CASE(n)                                                     \
    case n:                                                                    \
        return MP_LAUNCH_STATUS(bf_advance_k<n>, blocks, threads, shmem, u,    \
                                padded, tile0, seed, mu0, count, half, thr_f,  \
                                rule)

extern "C" int mp__k_bf_advance(float *u, uint64_t padded, uint64_t tile0,
                                uint64_t seed, uint64_t mu0, uint64_t count,
                                int half, uint64_t thr_f, uint32_t m,
                                const struct mp_bf_rule *rule, int blocks,
                                int threads)
{
    const size_t shmem = (threads / 32) * 32 * sizeof(struct bf_words4);
    switch (m) {
        BF_ADVANCE_CASE(1);
        BF_ADVANCE_CASE(2);
        BF_ADVANCE_CASE(3);
        BF_ADVANCE_CASE(4);
        BF_ADVANCE_CASE(5);
        BF_ADVANCE_CASE(6);
        BF_ADVANCE_CASE(7);
        BF_ADVANCE_CASE(8);
        BF_ADVANCE_CASE(9);
        BF_ADVANCE_CASE(10);
        BF_ADVANCE_CASE(11);
        BF_ADVANCE_CASE(12);
        BF_ADVANCE_CASE(13);
        BF_ADVANCE_CASE(14);
        BF_ADVANCE_CASE(15);
        BF_ADVANCE_CASE(16);
    default:
        return (int)cudaErrorInvalidValue;
    }
}

extern "C" int mp__k_bf_measure(const float *u1, uint64_t tiles, uint64_t tile0,
                                uint64_t synapses, uint64_t seed,
                                const uint64_t *mus, uint32_t n, uint32_t a0,
                                uint32_t nb, int half, uint64_t thr_f,
                                double *tsum, int blocks, int threads)
{
    return MP_LAUNCH_STATUS(bf_measure_k, blocks, threads, 0, u1, tiles, tile0,
                            synapses, seed, mus, n, a0, nb, half, thr_f, tsum);
}

extern "C" int mp__k_bf_tree_level(const double *in, double *out,
                                   uint64_t count, uint32_t off, uint32_t nb,
                                   int blocks, int threads)
{
    return MP_LAUNCH_STATUS(bf_tree_level_k, blocks, threads, 0, in, out, count,
                            off, nb);
}
