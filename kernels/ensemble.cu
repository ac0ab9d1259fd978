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
 * shares the 32 blocks by shuffles, so the pattern costs 1/32 of a call
 * per lane and memory.  The tile's random bytes for one memory are 8
 * TRANSITION blocks, drawn 32 at a time (4 memories) and shared the same
 * way: 1/4 of a call per lane and memory.
 */
#include "common.cuh"
#include "ensemble.h"

#include "metaplast/private/syn_rules.h"

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

__global__ void ens_advance(uint32_t *s4, uint64_t tiles, uint64_t tile0,
                            uint64_t seed, uint64_t mu0, uint64_t count,
                            int half, uint64_t thr_f,
                            const struct mp_syn_table *gt)
{
    MP_SHARED(struct mp_syn_table, t);
    const unsigned lane = threadIdx.x & 31u;
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
            struct mp_u32x4 pt = {0, 0, 0, 0};
            unsigned k, k4;
            if (half && lane < nb)
                pt = mp_rng_block(seed, MP_RNG_PATTERN, mu0 + b + lane, tile);
            /* Transitions: a tile needs 8 TRANSITION blocks per memory;
             * lane l draws block l % 8 of memory b + k4 + l / 8, so one
             * round of draws serves 4 memories. */
            for (k4 = 0; k4 < nb; k4 += 4) {
                struct mp_u32x4 tb = {0, 0, 0, 0};
                const unsigned kend = nb - k4 < 4 ? nb : k4 + 4;
                if (k4 + lane / 8 < nb)
                    tb = mp_rng_block(seed, MP_RNG_TRANSITION,
                                      mu0 + b + k4 + lane / 8,
                                      tile * 8 + (lane & 7u));
                for (k = k4; k < kend; k++) {
                    const uint64_t mu = mu0 + b + k;
                    uint32_t xi4, u;
                    if (half)
                        xi4 = mp_xi4_from_tile(shfl4(pt, k), g);
                    else
                        xi4 = mp_xi4_from_words(
                            mp_rng_block(seed, MP_RNG_PATTERN, mu, g),
                            thr_f);
                    /* Group g's bytes: word g % 4 of block g / 4. */
                    u = mp_u32x4_get(shfl4(tb, (k - k4) * 8 + lane / 4),
                                     lane & 3u);
                    st = mp_step4(&t, st, xi4, u, seed, mu, g);
                }
            }
        }
        s4[lt * 32 + lane] = st;
    }
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
    return MP_LAUNCH_STATUS(ens_advance, blocks, threads, 0, s4, tiles,
                            tile0, seed, mu0, count, half, thr_f, table);
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
