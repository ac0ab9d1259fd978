/* SPDX-License-Identifier: MIT */
/*
 * net_backend.h (private): the interface every rate-network backend
 * implements, like ens_backend.h for ensembles.  The scheduler
 * (host/engine/net*.c) owns time, the input schedule, the protocol, the
 * scaling factors and the host copy of the state; a backend runs the
 * per-step work with the shared rules of net_rules.h.  The CPU backend
 * works on the host state in place; the CUDA backend mirrors it on the
 * device.  Every function returns 0 or an MP_E* code with its text.
 */
#ifndef METAPLAST_PRIVATE_NET_BACKEND_H
#define METAPLAST_PRIVATE_NET_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "net_rules.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The network's constants, built once from the config and read by both
 * backends. */
struct mp_net_params {
    uint32_t n_in, n_out; /* inputs, neurons */
    uint32_t n_pre;       /* presynaptic cells: inputs (+ neurons) */
    uint32_t L;           /* synapses per neuron (row length) */
    uint32_t K;           /* patterns */
    uint32_t r0, r1;      /* rows (neurons) held by this process */
    int sparse;           /* rows hold L presynaptic cells drawn at random */
    int recurrent;        /* the neurons are presynaptic cells too */
    uint64_t seed;
    float bias;           /* b in y = relu(h - b) */
    float noise_a;        /* input noise amplitude (std * sqrt 3) */
    struct mp_net_rules rule;   /* the rules' constants */
    struct mp_syn_table table; /* discrete: the model */
    int threads;          /* CPU threads, 0 = all */
    int regen;            /* CPU, tests: sparse cells drawn every step */
    int unfused;          /* CPU, benchmark: currents in a second pass */
};

/* What one step needs from the schedule. */
struct mp_net_step {
    uint64_t step;          /* the step computed */
    float kb;               /* dt eta m */
    float m;                /* modulator level */
    int plastic;            /* weights change this step */
    uint32_t next_pattern;  /* the next step's input pattern */
    float next_gain;        /* and its gain (the protocol's input scale) */
};

/* The host state, owned by the scheduler.  Rows are local: row i - r0 of
 * w, idx and syn is neuron i; per-neuron arrays are full length (valid at
 * [r0, r1); y and z everywhere). */
struct mp_net_state {
    float *w;          /* (r1 - r0) x L weights */
    uint32_t *idx;     /* (r1 - r0) x L presynaptic cells (sparse) */
    uint8_t *syn;      /* (r1 - r0) x L discrete states, or NULL */
    float *theta;      /* n_out thresholds (their activity component) */
    float *prime;      /* n_out priming components (priming), or NULL */
    float *gain, *bias;/* n_out gains and biases (intrinsic plasticity),
                          or NULL */
    float *y, *y_new;  /* n_out rates: of the last step, of this one */
    double *h;         /* n_out currents of the coming step */
    double *acc_scale; /* n_out rate sums since the last scaling pass */
    double *acc_rec;   /* n_out rate sums since the last record */
    float *z, *z_next; /* n_pre presynaptic rates: this step's, the next */
    float *patterns;   /* K x n_in */
};

struct mp_net_backend {
    const char *name; /* "cpu" or "cuda" */
    char device[320]; /* what it runs on, for messages */
    void *ctx;
    /* The host state to the backend (after a restore). */
    int (*upload)(struct mp_net_backend *b, const struct mp_net_state *s);
    /* The backend's per-neuron arrays (theta, y, h, rate sums, and the
     * priming components, gains and biases the network has) to the host;
     * the weights and discrete states too if `weights`. */
    int (*download)(struct mp_net_backend *b, struct mp_net_state *s,
                    int weights);
    /* h = w . z for every row held (at creation and after a restore). */
    int (*currents)(struct mp_net_backend *b);
    /* One step: rates from h, the next input, the weights, the next
     * currents, the thresholds and the rate sums. */
    int (*step)(struct mp_net_backend *b, const struct mp_net_step *st);
    /* The scaling-rate sums of the rows held, to `out` (n_out). */
    int (*scale_sums)(struct mp_net_backend *b, double *out);
    /* w <- clamp(w * factors[i - r0]) for each row i held; clears the
     * scaling sums and recomputes the currents. */
    int (*scale)(struct mp_net_backend *b, const float *factors);
    /* Discrete synapses: hist[b] = how many synapses of the rows held
     * are in state byte b, MP_STATE_BYTES bins (occupancy.h). */
    int (*count_states)(struct mp_net_backend *b, int64_t *hist);
    /* Clears the record interval's rate sums (after a sample). */
    int (*reset_rec)(struct mp_net_backend *b);
    void (*destroy)(struct mp_net_backend *b);
};

/* After a step: its rates and the next step's presynaptic rates become
 * the current ones (both backends double-buffer them). */
static inline void mp__net_swap(float **y, float **y_new, float **z,
                                float **z_next)
{
    float *t = *y;
    *y = *y_new;
    *y_new = t;
    t = *z;
    *z = *z_next;
    *z_next = t;
}

/* The CPU backend, on the host state in place (p and s must outlive it). */
int mp__net_cpu_create(struct mp_net_backend *b,
                       const struct mp_net_params *p,
                       struct mp_net_state *s);

/* The CUDA backend: device arrays with the host state uploaded.
 * MP_ENOTSUP without CUDA in the build, MP_ENODEV without a device,
 * MP_ETOOBIG when the network does not fit the device's free memory. */
int mp__net_cuda_create(struct mp_net_backend *b,
                        const struct mp_net_params *p,
                        const struct mp_net_state *s);

/* The device memory the CUDA backend allocates for a network, bytes
 * (checked against the device's free memory before allocating). */
size_t mp__net_cuda_device_bytes(const struct mp_net_params *p);

/* The external inputs of a step into z[0 .. n_in): the pattern times the
 * gain, plus the step's noise (mp_net_input). */
void mp__net_inputs(const struct mp_net_params *p, const float *pattern,
                    float gain, uint64_t step, float *z);

/* Test and benchmark switches of a network's CPU backend. */
struct mp_net;
void mp__net_set_unfused(struct mp_net *n, int unfused);
void mp__net_set_regen(struct mp_net *n, int regen);

#ifdef __cplusplus
}
#endif

#endif
