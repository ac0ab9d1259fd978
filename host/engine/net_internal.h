/* SPDX-License-Identifier: MIT */
/*
 * net_internal.h (engine internal): the rate-network scheduler's object,
 * shared by its files: net.c (creation, the time loop, scaling),
 * net_init.c (constants, schedule, initial state), net_observe.c
 * (samples, snapshots, checks), net_views.c (what [record] adds to a
 * sample), net_neuron.c (per-neuron priming, gains and biases in samples
 * and snapshots), net_silent.c (silent neurons).
 */
#ifndef METAPLAST_ENGINE_NET_INTERNAL_H
#define METAPLAST_ENGINE_NET_INTERNAL_H

#include "metaplast/config.h"
#include "metaplast/net.h"
#include "metaplast/private/net_backend.h"

struct mp_net {
    struct mp_config cfg;
    struct mp_net_params p;   /* the constants both backends read */
    struct mp_net_state s;    /* the host state */
    struct mp_net_backend be;
    char note[512];           /* why this backend */
    uint64_t step, total;
    uint64_t switch_steps, record_steps, scaling_steps;
    uint64_t n_scale, n_rec;  /* steps in the two rate sums */
    /* The protocol: phase p covers steps [end[p-1], end[p]); the last one
     * holds to the end of the run.  Without one, a single phase. */
    size_t n_phases;
    uint64_t phase_end[MP_CFG_MAX_PHASES];
    float phase_k[MP_CFG_MAX_PHASES];      /* dt eta m */
    float phase_m[MP_CFG_MAX_PHASES];      /* modulator level */
    float phase_gain[MP_CFG_MAX_PHASES];   /* input scale / input.scale */
    uint64_t phase_set[MP_CFG_MAX_PHASES]; /* allowed patterns, 0 = all */
    /* The input pattern is constant over a switching period within a
     * phase: the last one computed, and where. */
    int pat_known;
    uint64_t pat_period;
    size_t pat_phase;
    uint32_t pat;
    uint32_t n_states;  /* discrete synapses: the model's states */
    uint8_t state_byte[2 * MP_SYN_MAX_DEPTH]; /* their bytes, in order */
    uint32_t n_sel;     /* neurons whose weights records hold */
    uint32_t *sel;      /* which, ascending (record.weights) */
    int host_stale;  /* the host's weights lag the backend's */
    float *zr;       /* scratch: one pattern padded to n_pre (responses) */
    float *factors;  /* scratch: the scaling factors of the rows held */
    /* record.silent_after > 0 (else NULL): steps each neuron has been
     * silent, whole record intervals of rate 0 (every neuron, the same
     * on every rank); this record interval's verdict for the rows held
     * (gathered at a sample); silent_after in steps. */
    int64_t *silent;
    uint8_t *quiet;
    uint64_t quiet_steps, silent_after;
};

/* net_init.c */
void mp__net_params(struct mp_net *n);
int mp__net_alloc(struct mp_net *n);
int mp__net_init_weights(struct mp_net *n);
size_t mp__net_phase_of(const struct mp_net *n, uint64_t step);
/* z(t)'s inputs: the pattern of step t, its gain, its noise. */
void mp__net_input_at(const struct mp_net *n, uint64_t step, float *z);

/* net_views.c */
/* A sample's views beyond the statistics (the host state synced): the
 * pattern and phase, the chosen neurons' weights, the occupancy. */
int mp__net_sample_views(struct mp_net *n, struct mp_net_sample *s);

/* net_neuron.c: the priming components, gains and biases (those the
 * network has) in samples (allocated, gathered to every rank) and
 * snapshots (gathered to rank 0; checked and spread from it on
 * restore: s = NULL on the other ranks). */
int mp__net_neuron_sample_alloc(const struct mp_net *n,
                                struct mp_net_sample *s);
void mp__net_neuron_sample_gather(struct mp_net *n, struct mp_net_sample *s);
void mp__net_neuron_snapshot(const struct mp_net *n,
                             struct mp_net_snapshot *s);
int mp__net_neuron_fits(const struct mp_net *n,
                        const struct mp_net_snapshot *s);
void mp__net_neuron_spread(struct mp_net *n, const struct mp_net_snapshot *s);

/* net_silent.c: silent neurons (record.silent_after).  alloc at
 * creation; at a sample: the arrays (before the ranks agree), the verdict
 * of the rows held (before the interval's sums restart), then the counts
 * (collective); snapshots. */
int mp__net_silent_alloc(struct mp_net *n);
int mp__net_silent_sample_alloc(const struct mp_net *n,
                                struct mp_net_sample *s);
void mp__net_silent_mark(struct mp_net *n);
void mp__net_silent_update(struct mp_net *n, struct mp_net_sample *s);
int mp__net_silent_snap(const struct mp_net *n, struct mp_net_snapshot *s,
                        int root);
int mp__net_silent_fits(const struct mp_net *n,
                        const struct mp_net_snapshot *s);
void mp__net_silent_restore(struct mp_net *n,
                            const struct mp_net_snapshot *s);

/* net_observe.c */
/* Brings the host's copy of the weights up to date (a cache: logically
 * const). */
int mp__net_sync(const struct mp_net *n);

#endif
