/* SPDX-License-Identifier: MIT */
/*
 * cuda_runtime.h (CPU execution harness): what the kernels of kernels/
 * use of CUDA C++, for a host C++ compiler.  Every thread of a block is a
 * fiber (tests/cudasim/harness.cpp): __syncthreads is a barrier of the
 * block's fibers, the warp functions exchange the values of the 32 lanes
 * at the point of the call, shared memory is allocated per block as
 * launched, and misuse (a barrier or a shuffle some threads do not reach,
 * a launch beyond the device's limits) is an error of the launch.
 */
#ifndef MP_CUDASIM_RUNTIME_H
#define MP_CUDASIM_RUNTIME_H

#include <stdint.h>
#include <string.h>

#include "cuda_runtime_api.h"

#ifndef __cplusplus
#error "the kernels compile as C++ in the harness"
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

struct uint3 {
    unsigned x, y, z;
};

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c)
    {
    }
};

/* The running fiber's coordinates (set by the scheduler at each switch). */
extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;

namespace mp_cudasim {

/* Kinds of warp collectives. */
enum warp_op { OP_SHFL, OP_SHFL_UP, OP_SHFL_DOWN, OP_SHFL_XOR, OP_BALLOT,
               OP_SYNCWARP };

/* This lane's part in a warp collective: returns the 64-bit result once
 * every lane of the mask has arrived (the fiber waits until then). */
uint64_t warp_collective(enum warp_op op, unsigned mask, uint64_t value,
                         int arg, int width);
void syncthreads(void);
/* Shared memory of the running block: the static array at call site key
 * (bytes, once per block), or the dynamic array sized at launch. */
void *static_shared(const void *key, size_t bytes, size_t align);
void *dynamic_shared(void);
/* A kernel to run on a grid (each thread calls body). */
struct launch_body {
    virtual void run() = 0;
    virtual ~launch_body() {}
};
cudaError_t launch(const char *name, dim3 grid, dim3 block, size_t shmem,
                   launch_body *body);
template <class F> struct body_of : launch_body {
    F f;
    explicit body_of(F g) : f(g) {}
    void run() { f(); }
};
template <class F>
cudaError_t launch_fn(const char *name, dim3 grid, dim3 block, size_t shmem,
                      F f)
{
    body_of<F> b(f);
    return launch(name, grid, block, shmem, &b);
}

template <class T> uint64_t bits(T v)
{
    uint64_t u = 0;
    memcpy(&u, &v, sizeof v);
    return u;
}

template <class T> T from_bits(uint64_t u)
{
    T v;
    memcpy(&v, &u, sizeof v);
    return v;
}

} // namespace mp_cudasim

template <class T>
inline T __shfl_sync(unsigned mask, T var, int src, int width = 32)
{
    return mp_cudasim::from_bits<T>(mp_cudasim::warp_collective(
        mp_cudasim::OP_SHFL, mask, mp_cudasim::bits(var), src, width));
}

template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta,
                        int width = 32)
{
    return mp_cudasim::from_bits<T>(mp_cudasim::warp_collective(
        mp_cudasim::OP_SHFL_UP, mask, mp_cudasim::bits(var), (int)delta,
        width));
}

template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta,
                          int width = 32)
{
    return mp_cudasim::from_bits<T>(mp_cudasim::warp_collective(
        mp_cudasim::OP_SHFL_DOWN, mask, mp_cudasim::bits(var), (int)delta,
        width));
}

template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int lane_mask,
                         int width = 32)
{
    return mp_cudasim::from_bits<T>(mp_cudasim::warp_collective(
        mp_cudasim::OP_SHFL_XOR, mask, mp_cudasim::bits(var), lane_mask,
        width));
}

inline unsigned __ballot_sync(unsigned mask, int predicate)
{
    return (unsigned)mp_cudasim::warp_collective(
        mp_cudasim::OP_BALLOT, mask, predicate != 0, 0, 32);
}

inline void __syncwarp(unsigned mask = 0xFFFFFFFFu)
{
    mp_cudasim::warp_collective(mp_cudasim::OP_SYNCWARP, mask, 0, 0, 32);
}

inline void __syncthreads(void)
{
    mp_cudasim::syncthreads();
}

/* Fibers never run at once, and switch only at the calls above: an
 * atomic operation is a plain one. */
template <class T> inline T atomicAdd(T *address, T value)
{
    T old = *address;
    *address = old + value;
    return old;
}

inline int __popc(unsigned x)
{
    return __builtin_popcount(x);
}

inline int __popcll(unsigned long long x)
{
    return __builtin_popcountll(x);
}

template <class T>
inline cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attr,
                                         T *func)
{
    return cudaFuncGetAttributes(attr, reinterpret_cast<const void *>(func));
}

#endif
