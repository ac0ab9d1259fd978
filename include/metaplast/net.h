/* SPDX-License-Identifier: MIT */
/*
 * net.h: a rate network with BCM plasticity (docs/NETWORKS.md).
 *
 * Feed-forward: n_in inputs -> n_out rectified-linear neurons, dense
 * weights.  Per step: input x(t) (K patterns switched in random order,
 * optional noise), activity, BCM weight update with neuromodulation,
 * sliding threshold; every scaling.interval a synaptic-scaling pass.  The
 * result is bit-identical for any number of threads and of MPI ranks.
 */
#ifndef METAPLAST_NET_H
#define METAPLAST_NET_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Under MPI (docs/MPI.md) every rank makes the same calls; create,
 * advance, sample, snapshot, restore and check_finite are collective and
 * return the same code on every rank.
 * Each rank holds the rows of a block of neurons: mp_net_weights,
 * mp_net_response, mp_net_theta and mp_net_rates cover those rows only
 * (all rates on every rank for a recurrent network); samples are complete on every
 * rank; snapshots arrive on rank 0, and restore takes rank 0's.
 */
struct mp_net;

/* Creates a network from a validated config (paradigm = network).
 * Returns 0, MP_EINVAL, MP_ETOOBIG, MP_ENOMEM, MP_ENODEV, MP_ENOTSUP or
 * MP_ECUDA, with the reason in mp_errmsg(). */
int mp_net_create(struct mp_net **out, const struct mp_config *cfg);
void mp_net_destroy(struct mp_net *net);
/* The backend in use ("cpu" or "cuda"; run.backend, with the policy of
 * ens.h: auto = CUDA when a device here can run this build's kernels and
 * the network fits it and is not split across ranks), what it runs on,
 * and why this backend. */
const char *mp_net_backend(const struct mp_net *net);
const char *mp_net_device(const struct mp_net *net);
const char *mp_net_backend_note(const struct mp_net *net);

/* Runs up to `steps` more steps (stopping at the end of the run).
 * Returns 0, or MP_ECUDA after which the network must be destroyed. */
int mp_net_advance(struct mp_net *net, uint64_t steps);

uint64_t mp_net_step(const struct mp_net *net);  /* steps done */
uint64_t mp_net_total(const struct mp_net *net); /* steps of the run */
/* Steps from now to the next record boundary (1 .. record interval). */
uint64_t mp_net_until_record(const struct mp_net *net);
/* Whether the step count is on a record boundary (0 included). */
int mp_net_record_due(const struct mp_net *net);

/* Read-only views of the state (host arrays owned by the network, brought
 * up to date from the device first; NULL, with the reason in
 * mp_errmsg(), when the device state cannot be read). */
/* n_out rows of mp_net_row_length() synapses each. */
const float *mp_net_weights(const struct mp_net *net);
uint32_t mp_net_row_length(const struct mp_net *net);
/* Response of neuron i to pattern k alone (its feed-forward drive); NAN,
 * with the reason in mp_errmsg(), for a neuron not held here, a pattern
 * out of range, or a device state that cannot be read. */
float mp_net_response(const struct mp_net *net, uint32_t i, uint32_t k);
const float *mp_net_theta(const struct mp_net *net);   /* n_out */
const float *mp_net_rates(const struct mp_net *net);   /* y, n_out */
const float *mp_net_pattern(const struct mp_net *net, uint32_t k);
/* The presynaptic cell of each synapse of neuron i (mp_net_row_length
 * of them; cells are the inputs 0 .. n_in - 1, then, in a recurrent
 * network, the neurons): k for synapse k of a dense row, the drawn cells
 * of a sparse one.  Any neuron, on any rank. */
void mp_net_presynaptic(const struct mp_net *net, uint32_t i,
                        uint32_t *cells);
/* Which pattern is presented at a step. */
uint32_t mp_net_pattern_at(const struct mp_net *net, uint64_t step);
/* The protocol phase of a step, from 0 (0 without a protocol). */
uint32_t mp_net_phase_at(const struct mp_net *net, uint64_t step);

/* The first non-finite value of the state (rates, currents, thresholds,
 * weights, in that order): returns 0 if every value is finite, 1 with
 * e.g. "theta[17] = inf" in where if one is not, or an error code if the
 * state cannot be read off the device. */
int mp_net_check_finite(const struct mp_net *net, char *where, size_t len);

/*
 * The stability of BCM's sliding threshold in one phase of the protocol
 * (phase 0 without one): the Hopf bifurcation of the averaged dynamics
 * at the selective fixed point of a rectified neuron selective to
 * pattern p (docs/NETWORKS.md, "Stability") is at
 *     tau_theta,c = tau_w / (r m^2 s^2 |p|^2 y0),
 * m the phase's modulator, s its input scale, |p|^2 the squared norm of
 * the unscaled pattern (1 for orthonormal patterns, the number of active
 * inputs for binary ones) and r the rate factor: 1 for continuous dense
 * synapses; times fan_in / presynaptic cells for sparse rows (the
 * expected norm a row sees); times q |w_strong - w_weak| for discrete
 * synapses, q the largest probability that an event changes a state's
 * strength (the fastest their mean weight can move: a bound).  The
 * threshold oscillates, and the neuron can fall silent for good, when
 * bcm.tau_theta >= tau_theta,c.  The criterion is the activity
 * component's: the threshold's priming component (bcm.priming_tau > 0) is
 * 0 at the fixed point and driven only in the LTD half of each swing,
 * which it deepens; fast against the oscillation it moves the
 * bifurcation to tau_theta,c / sqrt(1 + k_P m y0) (k_P =
 * bcm.priming_gain), slow it leaves it at tau_theta,c, and in between
 * (tau_P near a quarter of the swing's 1/omega) a few per cent below the
 * fast value (docs/NETWORKS.md, "Stability").  Fills *out; returns 0, or
 * MP_EINVAL for a phase the config does not have or a config that is not
 * a BCM network.
 */
struct mp_net_hopf {
    double modulator;   /* m in the phase */
    double scale;       /* s, the phase's input scale */
    double rate;        /* r, the rate factor above */
    double tau_c_s;     /* smallest tau_theta,c over the patterns the
                           phase shows, s; INFINITY if it does not learn */
    double tau_c_max_s; /* the largest, s */
    double norm2;       /* |p|^2 of the pattern with the smallest */
    uint32_t pattern;   /* that pattern */
    uint32_t shown;     /* patterns the phase shows */
    uint32_t past;      /* of those, how many have tau_theta >= theirs */
    int estimated;      /* binary patterns too many to count (shown x
                           inputs > 2^24): |p|^2 taken as inputs / 2 */
    double priming;     /* k_P m y0 with the priming component on, else 0 */
    double tau_c_fast_s; /* tau_c_s / sqrt(1 + priming): the bifurcation
                            with priming fast against the oscillation, s;
                            tau_c_s with priming off */
    uint32_t past_fast; /* how many patterns have tau_theta >= theirs /
                           sqrt(1 + priming) (= past with priming off) */
};

int mp_net_hopf(const struct mp_config *c, size_t phase,
                struct mp_net_hopf *out);

/* What a record holds.  Arrays owned by the sample (mp_net_sample_fini). */
struct mp_net_sample {
    uint64_t step;      /* steps done */
    double time_s;      /* step * dt */
    uint32_t n_out, patterns, bins;
    float *theta;       /* n_out (the activity component) */
    float *rate;        /* mean rate over the last record interval, n_out */
    float *response;    /* n_out x patterns: y_i for pattern k alone */
    double w_mean;      /* over all weights */
    double w_std;
    int64_t *histogram; /* bins over [w_min, w_max] */
    double modulator;   /* level m */
    uint32_t pattern;   /* the pattern shown at `step` (that step's input) */
    uint32_t phase;     /* the protocol phase of `step`, from 0 */
    /* record.weights: the incoming weights of the chosen neurons
     * (mp_config_recorded_neurons), row by row; NULL when none. */
    uint32_t n_sel, row_length;
    float *weights;     /* n_sel x row_length */
    uint8_t *depth;     /* n_sel x row_length depths of discrete synapses
                           (bits 0..5 of the state byte), else NULL */
    /* record.states: synapses per discrete state, else n_states = 0. */
    uint32_t n_states;
    int64_t *occupancy; /* n_states, in mp_net_states' order */
    float *priming;     /* n_out priming components of the threshold
                           (bcm.priming_tau > 0), else NULL */
    float *gain, *bias; /* n_out gains and biases (intrinsic.tau > 0),
                           else NULL */
    /* record.silent_after > 0 (else NULL and 0): how long each neuron
     * has been silent, rate 0 at every step of the record intervals
     * since it last fired (whole intervals: a lower bound, short by less
     * than one), s; 1 where that reached record.silent_after at this
     * sample (report it); how many are silent at least that long. */
    double *silent_s;     /* n_out */
    uint8_t *silent_new;  /* n_out */
    uint32_t n_silent;
};

/* Discrete synapses: the states of their model in its order (the exact
 * theory's: deepest weak to deepest strong; a markov table's rows), their
 * bytes into `bytes` (if not NULL, room for 128) and how many there are;
 * 0 for continuous synapses. */
uint32_t mp_net_states(const struct mp_net *net, uint8_t *bytes);

/* How many synapses are in each state now (collective): counts[j] for the
 * j-th state of mp_net_states, exact integers, the same on every rank,
 * backend and thread count.  MP_EINVAL for continuous synapses. */
int mp_net_occupancy(struct mp_net *net, int64_t *counts);

/* The mean selectivity of a sample's neurons: per neuron
 * 1 - mean_k r_ik / max_k r_ik over its responses r_ik to the patterns
 * alone (0 for a neuron that answers none), averaged over the neurons
 * in order (Bienenstock, Cooper & Munro 1982). */
double mp_net_sample_selectivity(const struct mp_net_sample *s);

/* Takes a sample now and restarts the record interval's rate average.
 * Returns 0, MP_ENOMEM or MP_ECUDA. */
int mp_net_sample(struct mp_net *net, struct mp_net_sample *out);
void mp_net_sample_fini(struct mp_net_sample *s);

/* Everything a checkpoint of a network holds beyond its config: the
 * input current and activity are functions of the weights and the step,
 * recomputed on restore.  Arrays owned by the snapshot. */
struct mp_net_snapshot {
    uint64_t step;
    uint32_t n_in;      /* synapses per neuron (row length) */
    uint32_t n_out;
    float *w;           /* n_out x n_in */
    float *theta;       /* n_out */
    float *y;           /* rates of the last step (recurrent input) */
    uint8_t *state;     /* discrete synapse states, n_out x n_in, or NULL */
    double *acc_scale;  /* rate sums since the last scaling pass */
    double *acc_rec;    /* rate sums since the last record */
    int64_t counters[2];/* steps in those two sums */
    double wall_s;      /* wall-clock seconds of the run so far, every
                           session (provenance, not state) */
    float *prime;       /* n_out priming components, or NULL (off) */
    float *gain, *bias; /* n_out gains and biases, or NULL (off) */
    int64_t *silent;    /* record.silent_after > 0: steps each neuron has
                           been silent (mp_net_sample), n_out; else NULL */
};

int mp_net_snapshot_alloc(struct mp_net_snapshot *s, uint32_t n_in,
                          uint32_t n_out);
/* Adds the per-neuron arrays of the threshold's priming component (if
 * priming) and of intrinsic plasticity (gain and bias, if intrinsic) to
 * a snapshot of s->n_out neurons.  Returns 0 or MP_ENOMEM. */
int mp_net_snapshot_alloc_extra(struct mp_net_snapshot *s, int priming,
                                int intrinsic);
void mp_net_snapshot_fini(struct mp_net_snapshot *s);
int mp_net_snapshot(const struct mp_net *net, struct mp_net_snapshot *out);
/* Puts a snapshot back (sizes must match, MP_EINVAL otherwise). */
int mp_net_restore(struct mp_net *net, const struct mp_net_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif
