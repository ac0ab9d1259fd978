/* SPDX-License-Identifier: MIT */
/* hd.h (private): qualifiers that let one header serve both C11 and CUDA C++. */
#ifndef METAPLAST_PRIVATE_HD_H
#define METAPLAST_PRIVATE_HD_H

#ifdef __CUDACC__
#define MP_HD __host__ __device__
#define MP_INLINE __forceinline__
#define MP_RESTRICT __restrict__
#elif defined(__cplusplus) /* the kernels on the CPU execution harness */
#define MP_HD
#define MP_INLINE inline
#define MP_RESTRICT __restrict__
#else
#define MP_HD
#define MP_INLINE inline
#define MP_RESTRICT restrict
#endif

#ifdef __cplusplus
#define MP_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define MP_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* Population count of a 32-bit word, on either side. */
#if defined(__CUDA_ARCH__)
#define MP_POPC32(x) __popc(x)
#else
#define MP_POPC32(x) __builtin_popcount(x)
#endif

#endif
