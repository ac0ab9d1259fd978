/* SPDX-License-Identifier: MIT */
/*
 * occupancy.h (private): how many synapses sit in each discrete state, the
 * metaplastic variable of a model made visible (record.states).  A
 * backend counts its state bytes (model.h: bit 6 strength, bits 0..5
 * depth) into a histogram of MP_STATE_BYTES bins: the CPU backends on
 * their threads (mp__state_hist), the CUDA backends with the kernel of
 * kernels/occupancy.cu.  The counts are exact integers, so any split of
 * the bytes, any order and any backend give the same histogram; the
 * scheduler adds the ranks' histograms and reads them in the model's
 * state order (mp__state_counts).
 */
#ifndef METAPLAST_PRIVATE_OCCUPANCY_H
#define METAPLAST_PRIVATE_OCCUPANCY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The byte values a state can take (bit 7 of a state byte is 0). */
#define MP_STATE_BYTES 128u

struct mp_pool;

/* hist[b] = how many of bytes[0 .. n) equal b, b < MP_STATE_BYTES,
 * counted on the pool's threads (each thread its own row of counts, the
 * rows added in thread order).  MP_ENOMEM. */
int mp__state_hist(struct mp_pool *pool, const uint8_t *bytes, uint64_t n,
                   int64_t *hist);

/* The CUDA side of the same (host/backend/occupancy_cuda.c): the kernel
 * over the device's bytes[0 .. n) with `blocks` blocks of `threads`
 * (blocks <= MP_K_HIST_BLOCKS, kernels/occupancy.h), its per-block counts
 * in the device buffer `partial` (blocks x MP_STATE_BYTES), copied to
 * `host` (as large) and added in block order into hist.  MP_ECUDA. */
int mp__state_hist_cuda(const uint8_t *bytes, uint64_t n,
                        unsigned long long *partial,
                        unsigned long long *host, int blocks, int threads,
                        int64_t *hist);

/* A model's occupancy in its state order (the theory's: deepest weak to
 * deepest strong; a markov table's rows): out[j] = hist[byte_of[j]]. */
static inline void mp__state_counts(const int64_t *hist,
                                    const uint8_t *byte_of, uint32_t n,
                                    int64_t *out)
{
    uint32_t j;
    for (j = 0; j < n; j++)
        out[j] = hist[byte_of[j] & (MP_STATE_BYTES - 1u)];
}

#ifdef __cplusplus
}
#endif

#endif
