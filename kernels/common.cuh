/* SPDX-License-Identifier: MIT */
/*
 * common.cuh: launch helpers shared by the kernel families.
 *
 * The kernels compile under nvcc for GPUs and, unchanged, under a host
 * C++ compiler for the CPU execution harness of the tests (MP_CUDASIM,
 * tests/cudasim/).  The two pieces of CUDA syntax C++ cannot express are
 * macros here: a launch (MP_LAUNCH) and shared memory (MP_SHARED, per
 * block; MP_SHARED_DYNAMIC, sized at launch), which the harness allocates
 * for each block it runs.
 */
#ifndef METAPLAST_KERNELS_COMMON_CUH
#define METAPLAST_KERNELS_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#ifdef MP_CUDASIM
#define MP_LAUNCH(kernel, grid, block, shmem, ...)                           \
    mp_cudasim::launch_fn(#kernel, dim3(grid), dim3(block), shmem,           \
                          [=]() { kernel(__VA_ARGS__); })
#define MP_SHARED(type, name)                                                \
    static const char name##_site = 0;                                       \
    type &name = *(type *)mp_cudasim::static_shared(&name##_site,            \
                                                    sizeof(type),            \
                                                    alignof(type))
#define MP_SHARED_DYNAMIC(type, name)                                        \
    type *name = (type *)mp_cudasim::dynamic_shared()
#else
#define MP_LAUNCH(kernel, grid, block, shmem, ...)                           \
    kernel<<<grid, block, shmem>>>(__VA_ARGS__)
#define MP_SHARED(type, name) __shared__ type name
#define MP_SHARED_DYNAMIC(type, name) extern __shared__ type name[]
#endif

/* A launch and its status: the error of this launch only (an older,
 * non-sticky one is cleared first, so a launch is never blamed for a
 * failed call before it). */
#define MP_LAUNCH_STATUS(kernel, grid, block, shmem, ...)                    \
    ((void)cudaGetLastError(),                                               \
     (void)MP_LAUNCH(kernel, grid, block, shmem, __VA_ARGS__),               \
     (int)cudaGetLastError())

#define MP_FULL_MASK 0xFFFFFFFFu

/* Sum of v over the warp, every lane gets it (exact integers: any order
 * gives the CPU's sum). */
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

#endif
