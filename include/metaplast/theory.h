/* SPDX-License-Identifier: MIT */
/*
 * theory.h: the exact expected memory curve of a discrete synapse model,
 * with no simulation (Lahiri & Ganguli, NIPS 2013, eq. 2-3):
 *
 *   E[m(t)] = 2 f (1-f) p_inf (M+ - M-) MF^t w,   MF = f M+ + (1-f) M-
 *
 * where M+/M- are the transition matrices on a candidate potentiation /
 * depression (rows = from), p_inf the stationary distribution of MF and w
 * the weights (+-1).  Matrix powers by repeated squaring in long double.
 * Error bound: with S states and t < 2^k, MF^t w takes at most 2k
 * products of row-stochastic matrices, each adding at most S ulp of
 * long double (2^-64) per entry, so |error of E[m(t)]| <= 4 k S 2^-64
 * (< 2e-15 for S = 128, t < 2^62), far below any simulation's error.
 */
#ifndef METAPLAST_THEORY_H
#define METAPLAST_THEORY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MP_MAX_STATES (2 * MP_SYN_MAX_DEPTH)

struct mp_theory {
    uint32_t states;              /* S, in the model's state order: the
                                     built-in models' mp_syn_state_of
                                     (S = 2D), a markov table's own */
    double p_inf[MP_MAX_STATES];  /* stationary distribution */
    double mean_w;                /* E_inf[w] */
    double noise;                 /* sqrt(E[w^2] - ((2f-1) E[w])^2) */
    double snr0;                  /* SNR(0) */
    double lifetime;              /* largest t with SNR(t) >= 1; -1 if none,
                                     INFINITY if beyond 2^62 */
    double area_signal;           /* sum over t >= 0 of E[m(t)] */
    double area_snr;              /* sum over t >= 0 of SNR(t) */
};

/*
 * Stationary distribution and summary numbers of cfg's model at cfg's f
 * and N (synapses).  Returns 0, or MP_EINVAL if the chain has no unique
 * stationary distribution (e.g. a probability of 0 that splits it).
 */
int mp_theory_compute(const struct mp_config *cfg, struct mp_theory *out);

/* E[m(t)] and SNR(t) at n ages (any order).  Returns 0 or MP_EINVAL. */
int mp_theory_curve(const struct mp_config *cfg, const uint64_t *ages,
                    size_t n, double *signal, double *snr);

#ifdef __cplusplus
}
#endif

#endif
