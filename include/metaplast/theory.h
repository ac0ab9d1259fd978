/* SPDX-License-Identifier: MIT */
/*
 * theory.h: the exact expected memory curve of a discrete synapse model,
 * with no simulation (Lahiri & Ganguli, NIPS 2013, eq. 2-3), in either
 * clock (docs/MODELS.md):
 *
 *   memories:  E[m(t)]   = a MF^t w                  (t integer)
 *   Poisson:   E[m(tau)] = a exp(tau (MF - I)) w     (tau real >= 0)
 *
 * with a = 2 f (1-f) p_inf (M+ - M-), MF = f M+ + (1-f) M-, M+/M- the
 * transition matrices on a candidate potentiation / depression (rows =
 * from), p_inf the stationary distribution of MF and w the weights (+-1).
 * The Poisson clock has memories arrive as a Poisson process of rate 1,
 * so tau is in mean memories; its curve is the Poisson mixture
 * sum_k e^-tau tau^k / k! E[m(k)] of the other.  Matrix powers and
 * exponentials by repeated squaring in long double; the error bounds are
 * in docs/MODELS.md.
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
    double snr0;                  /* SNR(0), the same in either clock */
    double lifetime;              /* memories: largest integer t with
                                     SNR(t) >= 1; -1 if none, INFINITY if
                                     beyond 2^62 */
    double lifetime_poisson;      /* Poisson time: largest tau with
                                     SNR(tau) >= 1 (to 1e-12 relative);
                                     -1 if none, INFINITY beyond 2^62 */
    double area_signal;           /* sum over t >= 0 of E[m(t)] = integral
                                     over tau >= 0 of E[m(tau)] */
    double area_snr;              /* the same for SNR (SNR x memories) */
    /* Eigenmodes of MF: its S - 1 eigenvalues other than the stationary
     * 1, sorted by decreasing real part (slowest in Poisson time first);
     * a complex pair is two entries, positive imaginary part first. */
    uint32_t modes;                  /* S - 1 */
    double eig_re[MP_MAX_STATES];    /* Re lambda */
    double eig_im[MP_MAX_STATES];    /* Im lambda */
    double tau_memories[MP_MAX_STATES]; /* -1 / ln|lambda|, memories: the
                                           mode decays as |lambda|^t (0 for
                                           lambda = 0) */
    double tau_poisson[MP_MAX_STATES];  /* 1 / (1 - Re lambda), Poisson
                                           time: it decays as
                                           exp(-tau (1 - Re lambda)) */
    /* Upper bounds over every model with S states (Lahiri & Ganguli,
     * NIPS 2013, sections 3-4), in Poisson time, for sqrt(N) E[m] (the
     * SNR at f = 1/2; SNR x noise otherwise). */
    double bound_snr0;            /* sqrt(N) */
    double bound_area;            /* sqrt(N) (S - 1), either clock */
    double bound_lifetime;        /* sqrt(N) (S - 1) / e, Poisson time, from
                                     their memory-curve envelope */
};

/*
 * Stationary distribution, summary numbers in both clocks, eigenmodes and
 * bounds of cfg's model at cfg's f and N (synapses).  Returns 0,
 * MP_EINVAL if the chain has no unique stationary distribution (e.g. a
 * probability of 0 that splits it), MP_ENOMEM, or MP_ENUMERIC if the
 * eigenvalue iteration did not converge.
 */
int mp_theory_compute(const struct mp_config *cfg, struct mp_theory *out);

/* E[m(t)] and SNR(t) at n ages in memories (any order); signal or snr
 * may be NULL.  Returns 0, MP_EINVAL or MP_ENOMEM. */
int mp_theory_curve(const struct mp_config *cfg, const uint64_t *ages,
                    size_t n, double *signal, double *snr);

/* The same in Poisson time, at n times tau in [0, 2^62) (any order, not
 * necessarily integers).  Returns 0, MP_EINVAL (a time outside that
 * range, or as above) or MP_ENOMEM. */
int mp_theory_curve_poisson(const struct mp_config *cfg, const double *tau,
                            size_t n, double *signal, double *snr);

/* The curve at integer ages in the clock `clock` (enum mp_clock). */
int mp_theory_curve_clock(const struct mp_config *cfg, int clock,
                          const uint64_t *ages, size_t n, double *signal,
                          double *snr);

#ifdef __cplusplus
}
#endif

#endif
