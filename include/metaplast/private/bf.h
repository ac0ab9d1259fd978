/* SPDX-License-Identifier: MIT */
/*
 * bf.h (private): the host side of the Benna-Fusi chain: its exact
 * propagator, stationary moments and expected memory curve
 * (host/core/theory_bf.c), and the engine's part of the measurement
 * and of snapshots (host/engine/ens_bf.c).  Every function returns 0 or an
 * MP_E* code with its text (mp__fail).
 */
#ifndef METAPLAST_PRIVATE_BF_H
#define METAPLAST_PRIVATE_BF_H

#include <stddef.h>
#include <stdint.h>

#include "../config.h"
#include "../theory.h"
#include "bf_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The chain's spectrum: A = C^-1 L (the right-hand side of the chain's
 * equations, per memory) is C^-1/2 B C^1/2 with B = C^-1/2 L C^-1/2
 * symmetric, B = V diag(lambda) V^T, so that
 *   P^t = exp(A t) = C^-1/2 V diag(e^(lambda t)) V^T C^1/2.
 */
struct mp_bf_chain {
    uint32_t m;                              /* variables */
    long double c[MP_BF_MAX_M];              /* C_k, k = 1..m at [k-1] */
    long double g[MP_BF_MAX_M];              /* g_(k,k+1) at [k-1] */
    long double lambda[MP_BF_MAX_M];         /* eigenvalues of A (< 0) */
    long double v[MP_BF_MAX_M][MP_BF_MAX_M]; /* eigenvectors of B, column
                                                i for lambda[i] */
};

/* The chain of the parameters (validated).  MP_EINVAL if its spectrum
 * cannot be resolved (an eigenvalue not below 0). */
int mp__bf_chain(const struct mp_syn_bf *p, struct mp_bf_chain *c);

/* The rule the backends run: the propagator over one memory and the
 * initial state of cfg (ensemble.init: stationary mean and covariance,
 * or 0). */
int mp__bf_rule_build(const struct mp_config *cfg, struct mp_bf_rule *r);

/* mp_theory_compute and mp_theory_curve for synapse.model = benna_fusi:
 * the unbounded chain's exact curve (docs/MODELS.md). */
int mp__bf_theory_compute(const struct mp_config *cfg, struct mp_theory *out);
/* The same in Poisson time (memories at rate 1), at times tau >= 0. */
int mp__bf_theory_curve_poisson(const struct mp_config *cfg,
                                const double *tau, size_t n, double *signal,
                                double *snr);
int mp__bf_theory_curve(const struct mp_config *cfg, const uint64_t *ages,
                        size_t n, double *signal, double *snr);

/* ---- The engine (host/engine/ens_bf.c) ---------------------------------- */

struct mp_ens_backend;
struct mp_ens_desc;

/* The n + 1 sums of a measurement (mp_ens_backend.measure_bf) over the
 * whole ensemble, on every rank: each rank's tree nodes, in rank order
 * (rank 0 merges them), then fsum.h's total.  Collective. */
int mp__ens_bf_sums(struct mp_ens_backend *be, const uint64_t *mus, size_t n,
                    double *sums);

/* Every rank's variables into rank 0's `all` (m x N, variable-major);
 * the reverse.  Collective; N is the ensemble's size. */
int mp__ens_bf_gather(struct mp_ens_backend *be, const struct mp_ens_desc *d,
                      float *all);
int mp__ens_bf_scatter(struct mp_ens_backend *be, const struct mp_ens_desc *d,
                       const float *all);

#ifdef __cplusplus
}
#endif

#endif
