/* SPDX-License-Identifier: MIT */
/*
 * network.h (internal): C launchers of the rate-network kernels.  Each
 * returns a cudaError_t as int (0 = launched).  One warp per neuron.
 */
#ifndef METAPLAST_KERNELS_NETWORK_H
#define METAPLAST_KERNELS_NETWORK_H

#include <stdint.h>

#include "metaplast/detail/net_dev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y_new = relu(h - b); recurrent: z_next[n_in + i] = y_new[i]. */
int mp__k_net_rates(const double *h, float *y_new, float *z_next,
                    uint32_t n_in, uint32_t n_out, float bias, int recurrent,
                    int blocks);

/* z_next[j] = pattern[j] * gain (+ uniform noise of amplitude a, clipped
 * at 0), the same draws as the CPU's input_at. */
int mp__k_net_input(float *z_next, const float *pattern, float gain, float a,
                    uint64_t seed, uint64_t step, uint32_t n_in, int blocks);

/* The fused pass: weights updated with z and y_new, next currents h from
 * z_next in mp_dot's order, thresholds, rate sums. */
int mp__k_net_pass(float *w, const uint32_t *idx, const float *z,
                   const float *z_next, const float *y_new, float *theta,
                   double *h, double *acc_scale, double *acc_rec,
                   struct mp_k_net_step p, int blocks);

/* The pass for discrete synapses (events gated by BCM) or heterosynaptic
 * normalisation: the same updates as the CPU, then the next currents. */
int mp__k_net_pass_special(float *w, const uint32_t *idx, uint8_t *state,
                           const struct mp_syn_table *table, const float *z,
                           const float *z_next, const float *y_new,
                           float *theta, double *h, double *acc_scale,
                           double *acc_rec, struct mp_k_net_step p,
                           int blocks);

/* Currents only (after scaling, on restore): h = w . z. */
int mp__k_net_currents(const float *w, const uint32_t *idx, const float *z,
                       double *h, uint32_t n_out, uint32_t L, int sparse,
                       int blocks);

/* Scaling pass: w <- clamp(w * s_i, lo, hi) for row i. */
int mp__k_net_scale(float *w, const float *factors, uint32_t n_out,
                    uint32_t L, float lo, float hi, int blocks);

#ifdef __cplusplus
}
#endif

#endif
