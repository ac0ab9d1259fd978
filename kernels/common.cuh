/* SPDX-License-Identifier: MIT */
/* common.cuh: launch helpers shared by the kernel families. */
#ifndef METAPLAST_KERNELS_COMMON_CUH
#define METAPLAST_KERNELS_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#define MP_FULL_MASK 0xFFFFFFFFu

/* Sum of v over the warp, every lane gets it. */
static __device__ __forceinline__ long long mp_warp_sum(long long v)
{
    int o;
    for (o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(MP_FULL_MASK, v, o);
    return v;
}

/* A model's table into shared memory (read with divergent indices); the
 * whole block calls it. */
template <typename T>
static __device__ __forceinline__ void mp_load_shared(T *dst, const T *src)
{
    const uint32_t *s = (const uint32_t *)src;
    uint32_t *d = (uint32_t *)dst;
    unsigned i;
    for (i = threadIdx.x; i < sizeof(*src) / 4; i += blockDim.x)
        d[i] = s[i];
    __syncthreads();
}

/* A launch's status: the launch error, else 0. */
static inline int mp_launch_status(void)
{
    return (int)cudaGetLastError();
}

#endif
