/* SPDX-License-Identifier: MIT */
/*
 * ensemble.cu: synapse-ensemble kernels.  Indexing, memory movement and
 * warp reductions: every synapse update, candidate sign, random word and
 * overlap comes from syn_rules.h / rng.h, the functions the CPU backend
 * runs, so both backends agree bit for bit.
 *
 * Mapping: one warp per tile of 128 synapses, one lane per group of 4.
 * With f = 1/2 a tile's candidate signs for one memory are one PATTERN
 * block: lane l computes the block of memory mu0 + b + l and the warp
 * shares the 32 blocks through shared memory, so the pattern costs 1/32
 * of a call per lane and memory.  The tile's random bytes for one memory
 * are 8 TRANSITION blocks, drawn 32 at a time (4 memories) and shared the
 * same way: 1/4 of a call per lane and memory.  The measure kernel shares
 * its pattern blocks by shuffles (it runs once per measurement).
 */
#include "common.cuh"
#include "ensemble.h"

#include "metaplast/private/syn_rules.h"

/* A warp's random words of one round, in shared memory: the lanes that
 * draw a block store it whole, and each lane then loads the one word it
 * needs (no shuffles of whole blocks, no selects among their words). */
struct alignas(16) words4 {
    uint32_t w[4];
};
struct warp_words {
    struct words4 tr[32]; /* lane l: TRANSITION block l % 8, memory l / 8 */
    struct words4 pt[32]; /* lane l: PATTERN block of the batch's memory l */
};

static __device__ __forceinline__ void put4(struct words4 *d,
                                            struct mp_u32x4 v)
{
    struct words4 t = {{v.x, v.y, v.z, v.w}};
    *d = t;
}

/* The PATTERN blocks of memories mu .. mu + nb - 1 (nb <= 32) of a tile:
 * lane l draws memory mu + l.  The warp's lanes are done with the last
 * batch before, and see every block after. */
static __device__ __forceinline__ void
stage_patterns(struct warp_words *ws, uint64_t seed, uint64_t mu,
               unsigned nb, uint64_t tile, unsigned lane)
{
    __syncwarp();
    if (lane < nb)
        put4(&ws->pt[lane],
             mp_rng_block(seed, MP_RNG_PATTERN, mu + lane, tile));
    __syncwarp();
}

/* The TRANSITION blocks of memories mu .. mu + min(left, 4) - 1 of a
 * tile (8 blocks per memory): lane l draws block l % 8 of memory
 * mu + l / 8.  Group j's word for the round's memory m is then word
 * m * 32 + j of tr. */
static __device__ __forceinline__ void
stage_transitions(struct warp_words *ws, uint64_t seed, uint64_t mu,
                  unsigned left, uint64_t tile, unsigned lane)
{
    __syncwarp();
    if (lane / 8 < left)
        put4(&ws->tr[lane],
             mp_rng_block(seed, MP_RNG_TRANSITION, mu + lane / 8,
                          tile * 8 + (lane & 7u)));
    __syncwarp();
}

__global__ void ens_init(uint32_t *s4, uint64_t groups, uint64_t g0,
                         uint64_t seed, struct mp_k_cum cum, uint32_t depths)
{
    uint64_t g;
    for (g = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; g < groups;
         g += (uint64_t)gridDim.x * blockDim.x) {
        s4[g] = mp_syn_draw4(cum.cum, depths,
                             mp_rng_block(seed, MP_RNG_INIT, 0, g0 + g));
    }
}

/* Memories mu0 .. mu0 + count - 1 in one pass over the state: each lane
 * keeps its 4 state bytes in a register across all of them, so the state
 * crosses device memory once per call, not once per memory. */
__global__ void ens_advance(uint32_t *s4, uint64_t tiles, uint64_t tile0,
                            uint64_t seed, uint64_t mu0, uint64_t count,
                            int half, uint64_t thr_f,
                            const struct mp_syn_table *gt)
{
    MP_SHARED(struct mp_syn_table, t);
    MP_SHARED_DYNAMIC(struct warp_words, stage); /* one per warp */
    const unsigned lane = threadIdx.x & 31u;
    struct warp_words *ws = &stage[threadIdx.x / 32];
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t lt;

    mp_load_shared(&t, gt);
    for (lt = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         lt < tiles; lt += warps) {
        /* Streams are keyed by global indices; s4 is indexed locally. */
        const uint64_t tile = tile0 + lt, g = tile * 32 + lane;
        uint32_t st = s4[lt * 32 + lane];
        uint64_t b;
        for (b = 0; b < count; b += 32) {
            const unsigned nb = count - b < 32 ? (unsigned)(count - b) : 32u;
            unsigned k, k4;
            if (half)
                stage_patterns(ws, seed, mu0 + b, nb, tile, lane);
            for (k4 = 0; k4 < nb; k4 += 4) {
                const unsigned kend = nb - k4 < 4 ? nb : k4 + 4;
                stage_transitions(ws, seed, mu0 + b + k4, nb - k4, tile,
                                  lane);
                for (k = k4; k < kend; k++) {
                    const uint64_t mu = mu0 + b + k;
                    /* Group g's byte word: word g % 4 of block g / 4. */
                    const uint32_t u =
                        ws->tr[(k - k4) * 8 + lane / 4].w[lane & 3u];
                    const uint32_t xi4 =
                        half ? mp_xi4_from_word(ws->pt[k].w[lane >> 3],
                                                lane)
                             : mp_xi4_from_words(
                                   mp_rng_block(seed, MP_RNG_PATTERN, mu,
                                                g),
                                   thr_f);
                    st = mp_step4(&t, st, xi4, u, seed, mu, g);
                }
            }
        }
        s4[lt * 32 + lane] = st;
    }
}

static __device__ __forceinline__ struct mp_u32x4
shfl4(struct mp_u32x4 v, unsigned src)
{
    struct mp_u32x4 r;
    r.x = __shfl_sync(MP_FULL_MASK, v.x, src);
    r.y = __shfl_sync(MP_FULL_MASK, v.y, src);
    r.z = __shfl_sync(MP_FULL_MASK, v.z, src);
    r.w = __shfl_sync(MP_FULL_MASK, v.w, src);
    return r;
}

__global__ void ens_measure(const uint32_t *s4, uint64_t tiles,
                            uint64_t tile0, uint64_t synapses, uint64_t seed,
                            const uint64_t *mus, uint32_t n, int half,
                            uint64_t thr_f, unsigned long long *partial)
{
    MP_SHARED_DYNAMIC(unsigned long long, acc); /* n + 1 sums */
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t lt;
    uint32_t j;

    for (j = threadIdx.x; j <= n; j += blockDim.x)
        acc[j] = 0;
    __syncthreads();
    for (lt = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         lt < tiles; lt += warps) {
        const uint64_t tile = tile0 + lt, g = tile * 32 + lane;
        const uint32_t strong = mp_strong4(s4[lt * 32 + lane]);
        const uint32_t valid = mp_valid_bits(synapses, 4 * g, 4);
        const int32_t nvalid = MP_POPC32(valid);
        long long v =
            mp_warp_sum(mp_overlap_bits(0xFu, strong, valid, nvalid));
        uint32_t a0;
        if (lane == 0)
            atomicAdd(&acc[n], (unsigned long long)v);
        for (a0 = 0; a0 < n; a0 += 32) {
            const unsigned na = n - a0 < 32 ? n - a0 : 32u;
            struct mp_u32x4 pt = {0, 0, 0, 0};
            unsigned k;
            if (half && lane < na)
                pt = mp_rng_block(seed, MP_RNG_PATTERN, mus[a0 + lane], tile);
            for (k = 0; k < na; k++) {
                uint32_t xi4;
                if (half)
                    xi4 = mp_xi4_from_tile(shfl4(pt, k), g);
                else
                    xi4 = mp_xi4_from_words(
                        mp_rng_block(seed, MP_RNG_PATTERN, mus[a0 + k], g),
                        thr_f);
                v = mp_warp_sum(mp_overlap_bits(xi4, strong, valid, nvalid));
                if (lane == 0)
                    atomicAdd(&acc[a0 + k], (unsigned long long)v);
            }
        }
    }
    __syncthreads();
    for (j = threadIdx.x; j <= n; j += blockDim.x)
        partial[(uint64_t)blockIdx.x * (n + 1) + j] = acc[j];
}

extern "C" int mp__k_ens_init(uint32_t *s4, uint64_t groups, uint64_t g0,
                              uint64_t seed, struct mp_k_cum cum,
                              uint32_t depths, int blocks, int threads)
{
    return MP_LAUNCH_STATUS(ens_init, blocks, threads, 0, s4, groups, g0,
                            seed, cum, depths);
}

extern "C" int mp__k_ens_advance(uint32_t *s4, uint64_t tiles,
                                 uint64_t tile0, uint64_t seed, uint64_t mu0,
                                 uint64_t count, int half, uint64_t thr_f,
                                 const struct mp_syn_table *table, int blocks,
                                 int threads)
{
    return MP_LAUNCH_STATUS(ens_advance, blocks, threads,
                            (threads / 32) * sizeof(struct warp_words), s4,
                            tiles, tile0, seed, mu0, count, half, thr_f,
                            table);
}

extern "C" int mp__k_ens_measure(const uint32_t *s4, uint64_t tiles,
                                 uint64_t tile0, uint64_t synapses,
                                 uint64_t seed, const uint64_t *mus,
                                 uint32_t n, int half, uint64_t thr_f,
                                 unsigned long long *partial, int blocks,
                                 int threads)
{
    return MP_LAUNCH_STATUS(ens_measure, blocks, threads,
                            (n + 1) * sizeof(unsigned long long), s4, tiles,
                            tile0, synapses, seed, mus, n, half, thr_f,
                            partial);
}

extern "C" int mp__k_probe(void)
{
    struct cudaFuncAttributes attr;
    return (int)cudaFuncGetAttributes(&attr, ens_advance);
}
