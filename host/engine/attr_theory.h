/* SPDX-License-Identifier: MIT */
/*
 * attr_theory.h (engine internal): the pieces of the attractor network's
 * theory (docs/ATTRACTOR.md, "Theory"): the pair's chain and the exact
 * conditional weights of the store schedule (attr_theory_chain.c), the
 * mean-field retrieval (attr_theory_mf.c), put together by
 * attr_theory.c.
 */
#ifndef METAPLAST_ENGINE_ATTR_THEORY_H
#define METAPLAST_ENGINE_ATTR_THEORY_H

#include <stddef.h>
#include <stdint.h>

#include "metaplast/config.h"
#include "metaplast/theory.h"

/* The candidate events a memory gives a pair: potentiation, depression,
 * none (presynaptic rule, presynaptic neuron silent). */
enum { MP_ATH_POT = 0, MP_ATH_DEP = 1, MP_ATH_NONE = 2 };

/* One kind of block: the modulator levels of its memories, its averaged
 * operator and the operators conditioned on one memory's event. */
struct mp__ath_block {
    double *gate; /* Bt levels (probabilities) */
    double *qbar; /* S x S: E[(A_1 ... A_Bt)^R] over every event */
    double *qc;   /* Bt x ne x S x S: the same, memory k's event e */
};

/* The pair's chain under the store schedule. */
struct mp__ath {
    const struct mp_config *cfg;
    uint32_t S;     /* states, in the rule's order */
    uint32_t ne;    /* events: 2 (covariance) or 3 (presynaptic) */
    uint32_t Bt;    /* memories per theory block: store.block, or 1 when
                       store.repeats = 1 (the order is then the memory
                       order) */
    uint32_t R;     /* presentations of a block */
    double pe[3];   /* probability of each event per memory */
    double *mp, *mm; /* M+, M- (S x S, row = from) */
    double w[MP_MAX_STATES];    /* weights +-1 */
    double init[MP_MAX_STATES]; /* initial distribution */
    size_t ntypes;
    struct mp__ath_block types[2 * MP_CFG_MAX_PHASES + 2];
    int force;      /* tests: 1 enumerate every block's events, 2 take
                       Kronecker powers (0: the cheaper way) */
    double *tmp;    /* scratch: (min(Bt, 64) + 3) x S x S */
    double *gbuf;   /* scratch: Bt levels */
};

/* The chain of c's model and schedule; init_p: the stationary
 * distribution in the rule's state order (attractor.init = stationary).
 * Returns 0, MP_ENOMEM, or MP_EINVAL (no such initial state). */
int mp__ath_open(struct mp__ath *t, const struct mp_config *c,
                 const double *p_inf);
void mp__ath_close(struct mp__ath *t);
/* What mp__ath_block says when the exact enumeration of a block's
 * events would cost too much (not an error: the theory is NaN). */
#define MP_ATH_TOO_COSTLY 1
/* The block kind of memories b Bt .. b Bt + Bt - 1 (their phases'
 * levels), built on first use; NULL with *rc = MP_ATH_TOO_COSTLY or
 * MP_ENOMEM. */
const struct mp__ath_block *mp__ath_block(struct mp__ath *t, uint64_t b,
                                          int *rc);
/* The same for the stream's last level (the last phase's, 1 without
 * phases) throughout. */
const struct mp__ath_block *mp__ath_block_last(struct mp__ath *t, int *rc);
/* The modulator level (probability) of memory mu, as the stream applies
 * it (its phase's 32-bit threshold / 2^32). */
double mp__ath_level(const struct mp_config *c, uint64_t mu);
/* y = A x, u A (S x S). */
void mp__ath_mv(const double *A, const double *x, double *y, uint32_t S);
void mp__ath_vm(const double *u, const double *A, double *y, uint32_t S);
/* The stationary distribution of A (S x S, row-stochastic); -1 if it is
 * not unique. */
int mp__ath_stationary(const double *A, double *pi, uint32_t S);

/* E[J | e] (ej[MP_ATH_*]) of the memory of age `age` at memory count
 * `count` (a multiple of store.block, burn-in included), by propagating
 * the initial state forward through the schedule (tests: the record's
 * theory walks it differently).  NaN where the enumeration would cost
 * too much.  Returns 0, MP_EINVAL or MP_ENOMEM. */
int mp__attr_theory_at(const struct mp_config *c, uint64_t count,
                       uint64_t age, double *ej);

/* The mean-field retrieval of one memory. */
struct mp__amf {
    double f, V, N;  /* coding level, synapses per field, neurons */
    double theta;    /* fixed threshold (units of N) */
    double T;        /* Glauber temperature (0: the step) */
    double p1, p0;   /* the cue: P(s = 1 | xi = 1), P(s = 1 | xi = 0) */
    int coding;      /* coding-level threshold */
    uint32_t steps;  /* sweeps */
    double gh_x[64], gh_w[64]; /* Gauss-Hermite nodes and weights */
    double gl_x[32], gl_w[32]; /* Gauss-Laguerre nodes and weights */
};

/* The retrieval options of c, V synapses per field. */
void mp__amf_init(struct mp__amf *p, const struct mp_config *c, double V);
/* m[2 x + y] = E[J | xi_i = x, xi_j = y] from the events' conditional
 * weights ej (MP_ATH_*), under c's rule. */
void mp__amf_means(const struct mp_config *c, const double *ej,
                   double *m);
/* The mean-field overlap after the sweeps, the field's signal to noise
 * at a perfect cue, from the conditional means. */
double mp__amf_overlap(const struct mp__amf *p, const double *m);
double mp__amf_snr(const struct mp__amf *p, const double *m);

#endif
