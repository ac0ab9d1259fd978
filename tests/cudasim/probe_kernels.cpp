// SPDX-License-Identifier: MIT
/*
 * probe_kernels.cpp: small kernels that use CUDA correctly and wrongly, to
 * show the CPU execution harness telling the two apart (test_gpu_sim's
 * suite `cudasim`).  Written as kernels are (kernels/common.cuh), compiled
 * for the harness only.
 */
#include "../../kernels/common.cuh"
#include "probe_kernels.h"

/* Every warp function against a plain computation of its result. */
__global__ void k_warp_functions(int *out)
{
    const unsigned lane = threadIdx.x & 31u;
    const int v = (int)(threadIdx.x * 7 + 3);
    const unsigned base = blockIdx.x * blockDim.x + threadIdx.x;
    out[6 * base + 0] = __shfl_sync(MP_FULL_MASK, v, (lane * 5) & 31);
    out[6 * base + 1] = __shfl_down_sync(MP_FULL_MASK, v, 3);
    out[6 * base + 2] = __shfl_up_sync(MP_FULL_MASK, v, 2);
    out[6 * base + 3] = __shfl_xor_sync(MP_FULL_MASK, v, 9);
    out[6 * base + 4] = (int)__ballot_sync(MP_FULL_MASK, lane % 3 == 0);
    out[6 * base + 5] = __shfl_sync(MP_FULL_MASK, v, lane ^ 1, 8);
}

/* A block-wide reduction through shared memory: right only if every
 * barrier is where it must be. */
typedef int ints1024[1024];
typedef int ints8[8];

__global__ void k_block_sum(const int *in, int *out)
{
    MP_SHARED(ints1024, s);
    unsigned k;
    s[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
    __syncthreads();
    for (k = blockDim.x / 2; k > 0; k /= 2) {
        if (threadIdx.x < k)
            s[threadIdx.x] += s[threadIdx.x + k];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        out[blockIdx.x] = s[0];
}

/* Half the block returns, the other half waits at a barrier. */
__global__ void k_divergent_barrier(int *out)
{
    if (threadIdx.x < 16)
        return;
    __syncthreads();
    out[threadIdx.x] = 1;
}

/* Lane 5 returns; the others shuffle over the full warp. */
__global__ void k_missing_lane(int *out)
{
    int v = (int)threadIdx.x;
    if (threadIdx.x == 5)
        return;
    out[threadIdx.x] = __shfl_sync(MP_FULL_MASK, v, 0);
}

/* Half a warp shuffles among itself: a valid partial mask. */
__global__ void k_half_warp(int *out)
{
    int v = (int)threadIdx.x;
    if (threadIdx.x < 16)
        out[threadIdx.x] = __shfl_sync(0x0000FFFFu, v, 15 - threadIdx.x);
}

/* A write one element past a device allocation of n ints. */
__global__ void k_write_past(int *p, int n)
{
    if (threadIdx.x == 0)
        p[n] = 1;
}

/* A write one element past a static shared array. */
__global__ void k_shared_past(int *out)
{
    MP_SHARED(ints8, s);
    volatile int k = 8;
    s[threadIdx.x % 8] = 1;
    __syncthreads();
    if (threadIdx.x == 0) {
        s[k] = 2;
        out[0] = s[0];
    }
}

/* Dynamic shared memory, as launched. */
__global__ void k_dynamic(int *out, int n)
{
    MP_SHARED_DYNAMIC(int, s);
    int i;
    for (i = (int)threadIdx.x; i < n; i += (int)blockDim.x)
        s[i] = i;
    __syncthreads();
    if (threadIdx.x == 0) {
        int t = 0;
        for (i = 0; i < n; i++)
            t += s[i];
        out[0] = t;
    }
}

extern "C" int mp_probe_warp_functions(int *out, int blocks, int threads)
{
    return MP_LAUNCH_STATUS(k_warp_functions, blocks, threads, 0, out);
}

extern "C" int mp_probe_block_sum(const int *in, int *out, int blocks,
                                  int threads)
{
    return MP_LAUNCH_STATUS(k_block_sum, blocks, threads, 0, in, out);
}

extern "C" int mp_probe_divergent_barrier(int *out)
{
    return MP_LAUNCH_STATUS(k_divergent_barrier, 1, 64, 0, out);
}

extern "C" int mp_probe_missing_lane(int *out)
{
    return MP_LAUNCH_STATUS(k_missing_lane, 1, 32, 0, out);
}

extern "C" int mp_probe_half_warp(int *out)
{
    return MP_LAUNCH_STATUS(k_half_warp, 1, 32, 0, out);
}

extern "C" int mp_probe_write_past(int *p, int n)
{
    return MP_LAUNCH_STATUS(k_write_past, 1, 32, 0, p, n);
}

extern "C" int mp_probe_shared_past(int *out)
{
    return MP_LAUNCH_STATUS(k_shared_past, 1, 32, 0, out);
}

extern "C" int mp_probe_dynamic(int *out, int n, int threads,
                                size_t bytes)
{
    return MP_LAUNCH_STATUS(k_dynamic, 1, threads, bytes, out, n);
}
