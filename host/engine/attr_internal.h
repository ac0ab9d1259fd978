/* SPDX-License-Identifier: MIT */
/* attr_internal.h (engine internal): the attractor network object of
 * attractor.h, shared by attr.c (the stream, the statistics, snapshots),
 * attr_retrieve.c (the retrieval dynamics) and attr_theory.c. */
#ifndef METAPLAST_ENGINE_ATTR_INTERNAL_H
#define METAPLAST_ENGINE_ATTR_INTERNAL_H

#include "metaplast/attractor.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/theory.h"

/* A neuron's field, for ordering. */
struct mp_attr_hi {
    double h;
    uint32_t i;
};

/* Presentations handed to the backend per call at most. */
#define MP_ATTR_BATCH 64

struct mp_attr {
    struct mp_config cfg;
    struct mp_attr_desc desc;
    struct mp_attr_backend be;
    char note[512];      /* why this backend */
    uint64_t done;       /* memories stored (burn-in included) */
    uint64_t burn;       /* memories of the burn-in, never probed */
    uint64_t total;      /* burn + memories */
    size_t n_ages;
    uint64_t *ages;      /* sorted */
    int64_t *count;      /* probes per age */
    double *mean;        /* running mean of the overlap (Welford) */
    double *m2;          /* running sum of squared deviations */
    int64_t *retrieved;  /* probes with overlap >= success */
    int64_t *converged;  /* probes that reached a fixed point */
    int64_t *steps;      /* sweeps that changed the state, summed */
    /* The approximate theory at the ages (NaN where it does not apply). */
    double *sig_th, *snr_th, *ov_th;
    double cap_th;       /* capacity of the mean-field estimate */
    double life_io;      /* ideal-observer lifetime of the synapses */
    struct mp_theory th; /* of one synapse under the pair's stream */
    /* Retrieval scratch: probes' patterns and states (W words each), the
     * counts of every row (N x probes), with fan-in the active
     * presynaptic neurons of every row (N x probes), strong synapses per
     * row. */
    uint64_t W;
    uint64_t WK;         /* words of a row's strength bits: PK / 64 */
    uint64_t *xi, *st, *buf;
    int32_t *cnt, *act, *strong;
    uint32_t *pre;       /* connectivity = stored: the K presynaptic
                            neurons of each row held (rows x K, from
                            desc.row0); else NULL */
    double *h;
    struct mp_attr_hi *rank; /* fields in order (coding-level threshold) */
    size_t cap;          /* probes the scratch holds */
    uint64_t *bits;      /* sequential dynamics: every row's strength
                            bits (N x WK words, every rank's) */
    uint32_t *order;     /* sequential dynamics: a sweep's order (N) */
};

/* One probe's outcome. */
struct mp_attr_probe {
    double overlap;
    int converged;
    uint32_t steps;
};

/* Retrieves the nb memories mus[] at once from cues keyed by (c, a[k]),
 * every flip with the 32-bit threshold thr_noise; collective. */
int mp__attr_retrieve(struct mp_attr *e, size_t nb, const uint64_t *mus,
                      uint64_t c, const uint64_t *a, uint64_t thr_noise,
                      struct mp_attr_probe *out);
/* The scratch for nb probes at once. */
int mp__attr_scratch(struct mp_attr *e, size_t nb);
/* The theory of the configuration (e->th, the curves, the capacity). */
int mp__attr_theory(struct mp_attr *e);
/* The probability of a candidate potentiation of a pair per memory
 * among its events: the ensemble f whose chain the pair follows. */
double mp__attr_pair_f(const struct mp_config *c);
/* V, the synapses onto one neuron that its field sums (N - 1, K with
 * fan-in): every formula of the theory takes it from here. */
double mp__attr_fan_in(const struct mp_config *c);

#endif
