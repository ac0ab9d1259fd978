/* SPDX-License-Identifier: MIT */
/*
 * occupancy.h (internal): the C launcher of the state-byte histogram, the
 * occupancy of a model's discrete states (include/metaplast/private/
 * occupancy.h).  Returns a cudaError_t as int (0 = launched).
 */
#ifndef METAPLAST_KERNELS_OCCUPANCY_H
#define METAPLAST_KERNELS_OCCUPANCY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks of a histogram launch at most: its per-block counts take
 * MP_K_HIST_BLOCKS x 128 x 8 bytes (256 KiB) of device memory. */
#define MP_K_HIST_BLOCKS 256

/* partial[blk * 128 + b] = how many of the bytes[0 .. n) that block blk
 * visited equal b (bit 7 ignored; state bytes have none). */
int mp__k_state_hist(const uint8_t *bytes, uint64_t n,
                     unsigned long long *partial, int blocks, int threads);

#ifdef __cplusplus
}
#endif

#endif
