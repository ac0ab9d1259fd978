/* SPDX-License-Identifier: MIT */
/* probe_kernels.h: launchers of the harness's probe kernels (each returns
 * the launch's cudaError_t as int). */
#ifndef MP_CUDASIM_PROBE_KERNELS_H
#define MP_CUDASIM_PROBE_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* out: 6 ints per thread: shfl, shfl_down 3, shfl_up 2, shfl_xor 9,
 * ballot (lane % 3 == 0), shfl within segments of 8. */
int mp_probe_warp_functions(int *out, int blocks, int threads);
/* out[b] = sum of in over block b (a shared-memory tree). */
int mp_probe_block_sum(const int *in, int *out, int blocks, int threads);
int mp_probe_divergent_barrier(int *out);
int mp_probe_missing_lane(int *out);
int mp_probe_half_warp(int *out);
int mp_probe_write_past(int *p, int n);
int mp_probe_shared_past(int *out);
int mp_probe_dynamic(int *out, int n, int threads, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif
