/* SPDX-License-Identifier: MIT */
/*
 * ens_backend.h (private): the interface every synapse-ensemble backend
 * implements.  The scheduler (host/engine/ens.c) owns time; a backend
 * owns the state array and runs the shared rules of syn_rules.h (a
 * discrete model's state bytes) or bf_rules.h (a Benna-Fusi chain's
 * float variables, when desc.bf.m > 0) over it.
 * Every function returns 0 or an MP_E* code with its text (mp__fail).
 */
#ifndef METAPLAST_PRIVATE_ENS_BACKEND_H
#define METAPLAST_PRIVATE_ENS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "bf_rules.h"
#include "fsum.h"
#include "syn_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Synapses are simulated in tiles of 128 (one pattern block); the state
 * array is padded to whole tiles, and the padding is never measured. */
#define MP_TILE 128u

/* The CPU backend's instruction sets, for mp_ens_desc.isa: AUTO picks
 * the best the processor has; any other value is a cap (the tests and
 * benchmarks compare the paths, which give the same bits). */
enum mp_isa {
    MP_ISA_AUTO = 0,
    MP_ISA_GENERIC = 1, /* portable C */
    MP_ISA_AVX2 = 2,    /* 32 synapses per instruction */
    MP_ISA_AVX512 = 3   /* 64 (AVX-512 F and BW) */
};

/* A backend holds the tiles [tile0, tile0 + padded / MP_TILE) of the
 * ensemble (all of them in a single process; one block per MPI rank):
 * random streams and the padding mask use global indices, the state array
 * local ones. */
struct mp_ens_desc {
    uint64_t synapses;         /* N, of the whole ensemble */
    uint64_t tile0;            /* first tile held here */
    uint64_t padded;           /* bytes of state held: tiles * MP_TILE */
    uint64_t local;            /* real synapses among them */
    uint64_t seed;             /* stream key */
    int half;                  /* f == 1/2: candidate signs from bits */
    uint64_t thr_f;            /* f as a 32-bit threshold (half == 0) */
    uint32_t depths;           /* D, depth levels per strength */
    int threads;               /* CPU threads, 0 = all */
    int isa;                   /* CPU instruction set: enum mp_isa */
    struct mp_syn_table table; /* the compiled model */
    struct mp_bf_rule bf;      /* a Benna-Fusi chain (bf.m > 0): its
                                  rule; the table is then unused */
};

struct mp_ens_backend {
    const char *name; /* "cpu" or "cuda" */
    char device[320]; /* what it runs on, for messages */
    void *ctx;
    /* Draws every synapse from the cumulative distribution cum (2D
     * thresholds, theory order, cum[2D-1] = 2^32) with the INIT stream. */
    int (*init_state)(struct mp_ens_backend *b, const uint64_t *cum);
    /* Stores memories mu0 .. mu0+count-1, in order. */
    int (*advance)(struct mp_ens_backend *b, uint64_t mu0, uint64_t count);
    /* sums[k] = sum_i xi_i^mus[k] w_i for k < n, sums[n] = sum_i w_i, over
     * the real synapses held; exact integers. */
    int (*measure)(struct mp_ens_backend *b, const uint64_t *mus, size_t n,
                   int64_t *sums);
    /* hist[b] = how many of the real synapses held are in state byte b,
     * MP_STATE_BYTES bins (occupancy.h); exact integers. */
    int (*count_states)(struct mp_ens_backend *b, int64_t *hist);
    /* Copies the `local` state bytes out of / into the backend. */
    int (*get_state)(struct mp_ens_backend *b, uint8_t *out);
    int (*set_state)(struct mp_ens_backend *b, const uint8_t *in);
    /* A Benna-Fusi chain (NULL otherwise).  init_state draws from
     * desc.bf (cum unused).  measure_bf pushes into `out` (n + 1 values
     * per node: sum_i xi_i^mus[k] u_(1,i) for k < n, then sum_i u_(1,i),
     * over the real synapses held) the tree nodes of fsum.h that lie
     * wholly inside the tiles held, in tile order.  get_values and
     * set_values copy the m x local variables, variable-major (u_k of
     * held synapse j at k * local + j). */
    int (*measure_bf)(struct mp_ens_backend *b, const uint64_t *mus,
                      size_t n, struct mp_fsum *out);
    int (*get_values)(struct mp_ens_backend *b, float *out);
    int (*set_values)(struct mp_ens_backend *b, const float *in);
    void (*destroy)(struct mp_ens_backend *b);
};

int mp__ens_cpu_create(struct mp_ens_backend *b,
                       const struct mp_ens_desc *d);
/* The CPU backend of a Benna-Fusi chain (mp__ens_cpu_create's, when
 * d->bf.m > 0). */
/* Sets a Benna-Fusi backend's byte-state entries (measure,
 * count_states, get_state, set_state) to ones that refuse: a chain has no
 * state bytes. */
void mp__ens_bf_no_bytes(struct mp_ens_backend *b);

int mp__ens_bf_cpu_create(struct mp_ens_backend *b,
                          const struct mp_ens_desc *d);

/* MP_ENOTSUP in a build without CUDA, MP_ENODEV without a device,
 * MP_ETOOBIG when the state does not fit the device's free memory. */
int mp__ens_cuda_create(struct mp_ens_backend *b,
                        const struct mp_ens_desc *d);
/* ... of a Benna-Fusi chain (mp__ens_cuda_create's, when d->bf.m > 0). */
int mp__ens_bf_cuda_create(struct mp_ens_backend *b,
                           const struct mp_ens_desc *d);

#ifdef __cplusplus
}
#endif

#endif
