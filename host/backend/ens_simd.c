/* SPDX-License-Identifier: MIT */
/*
 * ens_simd.c: which vector path the CPU ensemble backend runs (the
 * processor's features, asked once), and the table re-encoded for
 * byte-wise lookups.  The paths themselves are ens_simd_body.h, compiled
 * once per instruction set (ens_simd_avx2.c, ens_simd_avx512.c).
 */
#include <string.h>

#include "ens_simd.h"

void mp__simd_table(const struct mp_syn_table *t, uint32_t depths,
                    struct mp_simd_table *out)
{
    uint32_t k, b, used[16] = {0};
    memset(out, 0, sizeof *out);
    for (k = 0; k < 256; k++) {
        const uint32_t s = k & 0x7Fu;
        /* Bit 7: the random byte equal to h[k] does not decide. */
        const int undecided = t->hi[k] > 255 || t->lo[k] != 0;
        const int several = (t->next[k] & MP_SYN_MULTI) != 0;
        if ((s & MP_SYN_DEPTH_MASK) >= depths)
            continue; /* no synapse is ever in this state */
        out->h[k] = (uint8_t)(t->hi[k] > 255 ? 255 : t->hi[k]);
        out->n[k] = (uint8_t)((t->next[k] & ~MP_SYN_MULTI) |
                              (undecided ? 0x80u : 0u));
        if (several && t->xcount[k] == 1) { /* two targets: in vector */
            const uint32_t e = t->xfirst[k];
            out->h1[k] = (uint8_t)(t->xhi[e] > 255 ? 255 : t->xhi[e]);
            out->n1[k] = (uint8_t)(t->xnext[e] |
                                   (t->xhi[e] > 255 || t->xlo[e] ? 0x80u
                                                                  : 0u));
        } else {
            out->m[k] = several ? 0xFF : 0;
        }
        out->multi |= several;
        used[k >> 4] = 1;
    }
    for (b = 0; b < 16; b++)
        if (used[b])
            out->block[out->nblocks++] = (uint8_t)b;
}

static int have(int isa)
{
#if defined(__x86_64__) && defined(MP_HAVE_SIMD)
    static int known = -1; /* the best the processor has */
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw")
                    ? MP_ISA_AVX512
                : __builtin_cpu_supports("avx2") ? MP_ISA_AVX2
                                                 : MP_ISA_GENERIC;
    }
    return isa <= known;
#else
    return isa <= MP_ISA_GENERIC;
#endif
}

int mp__isa_pick(int cap)
{
    int isa = cap == MP_ISA_AUTO || cap > MP_ISA_AVX512 ? MP_ISA_AVX512 : cap;
    while (isa > MP_ISA_GENERIC && !have(isa))
        isa--;
    return isa < MP_ISA_GENERIC ? MP_ISA_GENERIC : isa;
}

mp_simd_tiles_fn mp__ens_simd_fn(int isa)
{
#if defined(__x86_64__) && defined(MP_HAVE_SIMD)
    if (isa == MP_ISA_AVX512)
        return mp__ens_tiles_avx512;
    if (isa == MP_ISA_AVX2)
        return mp__ens_tiles_avx2;
#else
    (void)isa;
#endif
    return NULL;
}

const char *mp__isa_name(int isa)
{
    return isa == MP_ISA_AVX512 ? "AVX-512"
           : isa == MP_ISA_AVX2 ? "AVX2"
                                : "generic";
}
