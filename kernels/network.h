/* SPDX-License-Identifier: MIT */
/*
 * network.h (internal): C launchers of the rate-network kernels.  Each
 * returns a cudaError_t as int (0 = launched).  One warp per neuron in
 * the row passes; one thread per element otherwise.
 */
#ifndef METAPLAST_KERNELS_NETWORK_H
#define METAPLAST_KERNELS_NETWORK_H

#include <stdint.h>

#include "metaplast/private/net_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The device arrays a pass reads and writes. */
struct mp_k_net {
    float *w;                         /* n_out x L weights */
    const uint32_t *idx;              /* n_out x L cells (sparse) */
    uint8_t *syn;                     /* n_out x L discrete states */
    const struct mp_syn_table *table; /* their model */
    float *theta;                     /* n_out */
    float *prime;                     /* n_out priming components, or 0 */
    float *gain, *bias;               /* n_out (intrinsic), or 0 */
    double *h, *acc_scale, *acc_rec;  /* n_out */
    const float *z, *z_next;          /* n_pre: this step's, the next */
    const float *y_new;               /* n_out: this step's rates */
};

/* What a pass does. */
struct mp_k_net_pass {
    uint32_t n_out, L;
    int sparse;              /* rows hold L presynaptic cells */
    int plastic;             /* update the weights this step */
    int currents;            /* only h = w . z_next (no update, no end) */
    float kb;                /* dt eta m */
    float m;                 /* modulator level */
    uint64_t step;           /* the step computed (discrete synapses) */
    struct mp_net_rules rule; /* the rules' constants */
};

/* y_new = relu(h - b), or relu(gain h - bias_i) per neuron when gain is
 * given (mp_net_rate); recurrent: z_next[n_in + i] = y_new[i]. */
int mp__k_net_rates(const double *h, const float *gain, const float *bias_i,
                    float *y_new, float *z_next, uint32_t n_in,
                    uint32_t n_out, float bias, int recurrent, int blocks,
                    int threads);

/* z_next[j] = mp_net_input(pattern[j], gain, a, seed, step, j). */
int mp__k_net_input(float *z_next, const float *pattern, float gain, float a,
                    uint64_t seed, uint64_t step, uint32_t n_in, int blocks,
                    int threads);

/* Every row: its update (continuous, discrete or heterosynaptic), its
 * next current in mp_row_pass's order, its threshold and rate sums, its
 * priming component, gain or bias (mp_neuron_end). */
int mp__k_net_pass(struct mp_k_net a, struct mp_k_net_pass p, int blocks,
                   int threads);

/* Scaling pass: w <- clamp(w * s_i, lo, hi) for row i. */
int mp__k_net_scale(float *w, const float *factors, uint32_t n_out,
                    uint32_t L, float lo, float hi, int blocks, int threads);

/* Threads per block of the network kernels unless a test sets another
 * geometry (any multiple of 32 up to 1024 works). */
#define MP_K_NET_BLOCK 256

#ifdef __cplusplus
}
#endif

#endif
