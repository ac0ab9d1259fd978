/* SPDX-License-Identifier: MIT */
/*
 * occupancy.cu: the histogram of state bytes (how many synapses are in
 * each discrete state), for the ensemble and network backends alike.
 * Indexing, memory movement and a reduction: each warp counts the bytes
 * its lanes visit (grid-stride) into its own 128 bins in shared memory,
 * then the block adds its warps' bins in warp order into its row of
 * `partial`.  Exact integers: the host's sum of the rows equals the CPU's
 * count in any order.
 */
#include "common.cuh"
#include "occupancy.h"

#define BINS 128u

__global__ void state_hist(const uint8_t *bytes, uint64_t n,
                           unsigned long long *partial)
{
    MP_SHARED_DYNAMIC(unsigned long long, bins); /* warps x BINS */
    const unsigned warps = blockDim.x / 32;
    unsigned long long *mine = bins + (threadIdx.x / 32) * BINS;
    uint64_t i;
    unsigned b, w;
    for (b = threadIdx.x; b < warps * BINS; b += blockDim.x)
        bins[b] = 0;
    __syncthreads();
    for (i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
         i += (uint64_t)gridDim.x * blockDim.x)
        atomicAdd(&mine[bytes[i] & (BINS - 1u)], 1ull);
    __syncthreads();
    for (b = threadIdx.x; b < BINS; b += blockDim.x) {
        unsigned long long s = 0;
        for (w = 0; w < warps; w++)
            s += bins[w * BINS + b];
        partial[(uint64_t)blockIdx.x * BINS + b] = s;
    }
}

extern "C" int mp__k_state_hist(const uint8_t *bytes, uint64_t n,
                                unsigned long long *partial, int blocks,
                                int threads)
{
    return MP_LAUNCH_STATUS(state_hist, blocks, threads,
                            (threads / 32) * BINS *
                                sizeof(unsigned long long),
                            bytes, n, partial);
}
