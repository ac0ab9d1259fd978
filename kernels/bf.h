/* SPDX-License-Identifier: MIT */
/*
 * bf.h (internal): C launchers of the Benna-Fusi chain's kernels.  Each
 * returns a cudaError_t as int (0 = launched).  The state is m float
 * arrays of `padded` synapses each, variable-major (u_k of held synapse
 * j at k * padded + j); the streams use global indices (tile0).
 */
#ifndef METAPLAST_KERNELS_BF_H
#define METAPLAST_KERNELS_BF_H

#include <stdint.h>

#include "metaplast/private/bf_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Draws every held synapse's variables (mp_bf_draw). */
int mp__k_bf_init(float *u, uint64_t padded, uint64_t tile0, uint64_t seed,
                  uint32_t m, const struct mp_bf_rule *rule, int blocks,
                  int threads);

/* Memories mu0 .. mu0 + count - 1 (mp_bf_step). */
int mp__k_bf_advance(float *u, uint64_t padded, uint64_t tile0, uint64_t seed,
                     uint64_t mu0, uint64_t count, int half, uint64_t thr_f,
                     uint32_t m, const struct mp_bf_rule *rule, int blocks,
                     int threads);

/* Each held tile's sums of values a0 .. a0 + nb - 1 (nb <= 32; value
 * a < n against memory mus[a], value n against all ones) into
 * tsum[lt * nb + a - a0], in the order of bf_rules.h. */
int mp__k_bf_measure(const float *u1, uint64_t tiles, uint64_t tile0,
                     uint64_t synapses, uint64_t seed, const uint64_t *mus,
                     uint32_t n, uint32_t a0, uint32_t nb, int half,
                     uint64_t thr_f, double *tsum, int blocks, int threads);

/* One level of the tile tree (fsum.h): out[k nb + a] = in[(2k + off) nb
 * + a] + in[(2k + off + 1) nb + a], k < count, a < nb. */
int mp__k_bf_tree_level(const double *in, double *out, uint64_t count,
                        uint32_t off, uint32_t nb, int blocks, int threads);

#ifdef __cplusplus
}
#endif

#endif
