/* SPDX-License-Identifier: MIT */
/*
 * attr_backend.h (private): the interface every attractor-network backend
 * implements.  The scheduler (host/engine/attr.c) owns the memory stream,
 * the retrieval dynamics and the statistics; a backend owns the synapses
 * of its rows (one byte each) and runs the shared rules of attr_rules.h
 * over them: the store pass, the strength bits, and the exact integer
 * counts the fields are made of.
 * Every function returns 0 or an MP_E* code with its text (mp__fail).
 */
#ifndef METAPLAST_PRIVATE_ATTR_BACKEND_H
#define METAPLAST_PRIVATE_ATTR_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "attr_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A backend holds the rows [row0, row0 + rows) of the network (all of
 * them in a single process; a block per MPI rank): every row's PK bytes
 * (mp_attr_rule.kpitch: P all-to-all), its strength bits as PK / 64
 * words.  With fan-in, pre is the held rows' connectivity table (rows x K,
 * pre[r K + k] = pre(row0 + r, k), owned by the scheduler) under
 * connectivity = stored, NULL under procedural (the generator). */
struct mp_attr_desc {
    struct mp_attr_rules rule; /* the store's rule, streams keyed globally */
    const uint32_t *pre;       /* stored connectivity of the rows, or NULL */
    uint32_t row0;            /* first row held */
    uint32_t rows;            /* rows held */
    uint32_t depths;          /* D of the synapse model */
    int threads;              /* CPU threads, 0 = all */
};

/* One presentation of the stream. */
struct mp_attr_item {
    uint64_t p;    /* presentation index: the step of its streams */
    uint64_t mu;   /* the memory presented */
    uint64_t gate; /* modulator level as a 32-bit threshold (2^32: all) */
};

struct mp_attr_backend {
    const char *name; /* "cpu" or "cuda" */
    char device[320]; /* what it runs on, for messages */
    void *ctx;
    /* Draws every synapse from cum (mp_attr_draw). */
    int (*init_state)(struct mp_attr_backend *b, const uint64_t *cum);
    /* Applies the presentations in order. */
    int (*store)(struct mp_attr_backend *b, const struct mp_attr_item *it,
                 size_t n);
    /* Packs the strength bits of the rows held (mp_attr_strong64);
     * strong[r] = strong synapses of row row0 + r. */
    int (*pack)(struct mp_attr_backend *b, int32_t *strong);
    /* For nb states (each P / 64 words, bit j = s_j): out[r * nb + k] =
     * the active neurons j of state k with a strong synapse (row0 + r, j),
     * from the bits of the last pack.  With fan-in also act[r * nb + k] =
     * the active presynaptic neurons of row row0 + r (its K slots); act
     * is unused (may be NULL) all-to-all. */
    int (*fields)(struct mp_attr_backend *b, const uint64_t *states,
                  size_t nb, int32_t *out, int32_t *act);
    /* The strength bits of the last pack, rows x PK / 64 words (for the
     * sequential dynamics, which the scheduler runs on the host). */
    int (*bits)(struct mp_attr_backend *b, uint64_t *out);
    /* The held rows' first mp_attr_width bytes each (rows x N, or rows x K
     * with fan-in: slot order), out of / into it. */
    int (*get_state)(struct mp_attr_backend *b, uint8_t *out);
    int (*set_state)(struct mp_attr_backend *b, const uint8_t *in);
    void (*destroy)(struct mp_attr_backend *b);
};

int mp__attr_cpu_create(struct mp_attr_backend *b,
                        const struct mp_attr_desc *d);
/* MP_ENOTSUP in a build without CUDA, MP_ENODEV without a device,
 * MP_ETOOBIG when the rows do not fit the device's free memory. */
int mp__attr_cuda_create(struct mp_attr_backend *b,
                         const struct mp_attr_desc *d);

#ifdef __cplusplus
}
#endif

#endif
