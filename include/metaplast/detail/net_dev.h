/* SPDX-License-Identifier: MIT */
/*
 * net_dev.h (internal): the rate-network engine's device side.  The host
 * engine (host/net.c) keeps the schedule, the protocol and the scaling
 * factors; the device holds the arrays and runs the per-step kernels.
 */
#ifndef METAPLAST_DETAIL_NET_DEV_H
#define METAPLAST_DETAIL_NET_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "../rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the fused pass of one step needs (also the kernels' argument). */
struct mp_k_net_step {
    uint32_t n_in, n_out, n_pre, L;
    int sparse;      /* rows hold L presynaptic indices */
    int plastic;     /* update weights this step */
    int bcm;         /* sliding threshold (else theta_eff = 0) */
    float kb;        /* dt eta m */
    float m;         /* modulator level */
    float c_theta;   /* dt / tau_theta */
    float inv_y0;
    float lo, hi;    /* weight bounds */
    uint64_t step;   /* the step being computed (discrete synapses' keys) */
    uint64_t seed;
    int discrete;    /* BCM-gated discrete synapses */
    uint32_t hetero; /* heterosynaptic segment length, 0 = off */
    float x_on, w_weak, w_strong;
};

/* Views of the host engine's arrays. */
struct mp_net_host {
    uint32_t n_in, n_out, n_pre, L, K;
    int sparse, recurrent;
    float *w;
    uint32_t *idx;
    float *theta, *y, *patterns, *z;
    double *h, *acc_scale, *acc_rec;
    uint8_t *state;                  /* discrete synapses, or NULL */
    const struct mp_syn_table *table;/* their model */
};

struct mp_net_dev;

/* Allocates the device arrays and uploads the host state.  Returns
 * MP_ENOTSUP in a build without CUDA, MP_ENODEV without a device,
 * MP_ENOMEM ("needs X GB of GPU memory, the device has Y GB free"). */
int mp__net_dev_create(struct mp_net_dev **out, const struct mp_net_host *h,
                       char *device, size_t devlen, char *err,
                       size_t errlen);
void mp__net_dev_destroy(struct mp_net_dev *d);
int mp__net_dev_upload(struct mp_net_dev *d, const struct mp_net_host *h);
/* theta, y, h, rate sums; the weights too if `weights`. */
int mp__net_dev_download(struct mp_net_dev *d, const struct mp_net_host *h,
                         int weights);
/* One step; the next step's input is `pattern` times gain plus noise. */
int mp__net_dev_step(struct mp_net_dev *d, uint32_t pattern, float gain,
                     float noise_a, uint64_t seed, uint64_t next_step,
                     float bias, const struct mp_k_net_step *p);
/* The scaling sums (to compute the factors on the host). */
int mp__net_dev_scale_sums(struct mp_net_dev *d, double *out);
/* Applies per-neuron factors, clears the sums, recomputes the currents. */
int mp__net_dev_scale(struct mp_net_dev *d, const float *factors, float lo,
                      float hi);
/* Clears the record interval's rate sums (after a sample). */
int mp__net_dev_reset_rec(struct mp_net_dev *d);
const char *mp__net_dev_error(const struct mp_net_dev *d);

#ifdef __cplusplus
}
#endif

#endif
