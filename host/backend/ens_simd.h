/* SPDX-License-Identifier: MIT */
/*
 * ens_simd.h: the CPU ensemble step in vector registers (AVX2, AVX-512),
 * chosen at run time from what the processor has.  Each path computes
 * exactly what mp_step4 (syn_rules.h) computes, synapse for synapse, from
 * the same random streams: the table is re-encoded for byte-wise lookups
 * (mp__simd_table) and every decision the byte alone cannot settle goes to
 * mp_syn_step itself.  tests/test_simd.c checks each available path
 * against the generic one, state byte for state byte.
 */
#ifndef METAPLAST_HOST_ENS_SIMD_H
#define METAPLAST_HOST_ENS_SIMD_H

#include <stdint.h>

#include "metaplast/private/ens_backend.h"

/*
 * The table for byte-wise lookups, indexed like mp_syn_table
 * (xi << 7 | state):
 *   h[k]  the threshold's top byte, min(hi, 255): the step is taken when
 *         the random byte is below it;
 *   n[k]  the target state, with bit 7 set where the byte alone cannot
 *         decide when it equals h[k] (refinement bits, or hi = 256);
 *   h1[k], n1[k]  an entry with two targets (markov tables): the inner
 *         threshold's top byte and the first target (bit 7: the byte
 *         equal to h1 does not decide); a taken synapse goes to n1 if
 *         its byte is below h1, else to n (0 for other entries);
 *   m[k]  0xFF where the entry has three or more targets: any synapse
 *         taking it is left to mp_syn_step (multi = 1 for both kinds).
 * Only the 16-entry blocks some state can index are looked up.
 */
struct mp_simd_table {
    uint8_t h[256];
    uint8_t n[256];
    uint8_t m[256];
    uint8_t h1[256];
    uint8_t n1[256];
    int multi;          /* some entry has several targets */
    uint32_t nblocks;   /* blocks in use */
    uint8_t block[16];  /* their numbers (k >> 4) */
};

void mp__simd_table(const struct mp_syn_table *t, uint32_t depths,
                    struct mp_simd_table *out);

/*
 * Stores memory mu over the local tiles [lt, lt1) of the state array s,
 * in whole groups of the path's width, as far as it can;
 * returns the first tile it did not do, which the caller finishes with
 * the generic step.
 */
typedef uint64_t (*mp_simd_tiles_fn)(const struct mp_ens_desc *d,
                                     const struct mp_simd_table *t,
                                     uint8_t *s, uint64_t mu, uint64_t lt,
                                     uint64_t lt1);

uint64_t mp__ens_tiles_avx2(const struct mp_ens_desc *d,
                            const struct mp_simd_table *t, uint8_t *s,
                            uint64_t mu, uint64_t lt, uint64_t lt1);
uint64_t mp__ens_tiles_avx512(const struct mp_ens_desc *d,
                              const struct mp_simd_table *t, uint8_t *s,
                              uint64_t mu, uint64_t lt, uint64_t lt1);

/* The best path at most `cap` (MP_ISA_*, MP_ISA_AUTO = no cap) that this
 * build and this processor have, and its function (NULL: generic). */
int mp__isa_pick(int cap);
mp_simd_tiles_fn mp__ens_simd_fn(int isa);
const char *mp__isa_name(int isa);

#endif
