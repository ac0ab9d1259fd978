/* SPDX-License-Identifier: MIT */
/*
 * ensemble.h (internal): C launchers of the synapse-ensemble kernels.
 * Each returns a cudaError_t as int (0 = launched).  State is uint32_t
 * words of 4 synapses (byte k = synapse 4g+k), padded to whole tiles.
 */
#ifndef METAPLAST_KERNELS_ENSEMBLE_H
#define METAPLAST_KERNELS_ENSEMBLE_H

#include <stdint.h>

#include "metaplast/private/syn_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads per block of the ensemble kernels unless a test sets another
 * geometry (8 warps; any multiple of 32 up to 1024 works). */
#define MP_K_BLOCK 256

/* Cumulative initial distribution, passed by value. */
struct mp_k_cum {
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
};

/* s4 holds `groups` groups (`tiles` tiles) starting at global group g0
 * (tile tile0): the random streams use global indices. */
int mp__k_ens_init(uint32_t *s4, uint64_t groups, uint64_t g0, uint64_t seed,
                   struct mp_k_cum cum, uint32_t depths, int blocks,
                   int threads);

int mp__k_ens_advance(uint32_t *s4, uint64_t tiles, uint64_t tile0,
                      uint64_t seed, uint64_t mu0, uint64_t count, int half,
                      uint64_t thr_f, const struct mp_syn_table *table,
                      int blocks, int threads);

/* partial: blocks x (n + 1) 64-bit integer sums (two's complement);
 * synapses: N of the whole ensemble (the padding mask). */
int mp__k_ens_measure(const uint32_t *s4, uint64_t tiles, uint64_t tile0,
                      uint64_t synapses, uint64_t seed, const uint64_t *mus,
                      uint32_t n,
                      int half, uint64_t thr_f,
                      unsigned long long *partial, int blocks, int threads);

/* Whether the current device can run this build's kernels: 0, or the
 * CUDA error (no kernel image for this device, ...). */
int mp__k_probe(void);

#ifdef __cplusplus
}
#endif

#endif
