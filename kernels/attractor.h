/* SPDX-License-Identifier: MIT */
/*
 * attractor.h (internal): C launchers of the attractor-network kernels
 * (kernels/attractor.cu).  Each returns a cudaError_t as int (0 =
 * launched); grid-stride loops over the given geometry.
 */
#ifndef METAPLAST_KERNELS_ATTRACTOR_H
#define METAPLAST_KERNELS_ATTRACTOR_H

#include <stdint.h>

#include "metaplast/private/attr_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The initial distribution, by value. */
struct mp_k_attr_cum {
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
};

/* s: rows x P bytes of rows row0..; R: the rules (device).  With fan-in
 * the callers pass K as `neurons` and PK as `pitch` (the synapse row);
 * pre: the held rows' stored connectivity (device, rows x K) or NULL
 * (the generator). */
int mp__k_attr_init(uint8_t *s, uint32_t row0, uint32_t rows,
                    const struct mp_attr_rules *R, uint32_t neurons,
                    uint64_t pitch, struct mp_k_attr_cum cum,
                    uint32_t depths, int blocks, int threads);
/* xi: the P / 64 words of memory mu's pattern. */
int mp__k_attr_pattern(uint64_t *xi, const struct mp_attr_rules *R,
                       uint64_t words, uint64_t mu, int blocks, int threads);
/* One presentation: a thread per 4 x 4 tile of the rows held. */
int mp__k_attr_store(uint32_t *s4, uint32_t row0, uint32_t rows,
                     const struct mp_attr_rules *R, const uint32_t *pre,
                     uint32_t neurons, uint64_t pitch, const uint64_t *xi,
                     uint64_t p, uint64_t gate, int blocks, int threads);
/* Strength bits (rows x P / 64 words) and strong synapses per row. */
int mp__k_attr_pack(const uint8_t *s, uint64_t *bits, int32_t *strong,
                    const struct mp_attr_rules *R, uint32_t row0,
                    uint32_t rows, uint32_t neurons, uint64_t pitch,
                    int blocks, int threads);
/* out[r * nb + k] = popcount(bits row r & state k). */
int mp__k_attr_counts(const uint64_t *bits, const uint64_t *states,
                      uint32_t rows, uint64_t words, uint32_t nb,
                      int32_t *out, int blocks, int threads);
/* Fan-in: a thread per (row, state) gathers the state's bits through the
 * row's connectivity (bits rows x kwords; states nb x words):
 * out = popcount(bits & gathered), act = popcount(gathered). */
int mp__k_attr_counts_fan(const uint64_t *bits, const uint64_t *states,
                          const struct mp_attr_rules *R, const uint32_t *pre,
                          uint32_t row0, uint32_t rows, uint64_t kwords,
                          uint64_t words, uint32_t nb, int32_t *out,
                          int32_t *act, int blocks, int threads);

#ifdef __cplusplus
}
#endif

#endif
