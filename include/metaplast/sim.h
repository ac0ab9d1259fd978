/* SPDX-License-Identifier: MIT */
/*
 * sim.h: a synapse-ensemble simulation (docs/MODELS.md sections 1-2).
 *
 * N synapses store one memory per step; at every measurement step the
 * overlap of the ensemble with past memories on the age grid is taken and
 * averaged.  The result is bit-identical for any number of threads, on
 * either backend and on any number of MPI ranks, for a given
 * configuration.
 *
 * Under MPI (docs/MPI.md) every rank makes the same calls: create,
 * advance, snapshot, restore and state are collective; each rank holds a
 * block of the synapses; curves are the same on every rank; snapshot and
 * state bytes arrive on rank 0 only, and restore takes them from rank 0.
 */
#ifndef METAPLAST_SIM_H
#define METAPLAST_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mp_sim;

/*
 * Creates a simulation from a validated configuration: picks the backend
 * (cfg->backend; AUTO = CUDA if a device is present, else CPU), allocates
 * the state and draws the initial state.  On failure returns MP_EINVAL,
 * MP_ENOMEM, MP_ENODEV, MP_ENOTSUP or MP_ECUDA, *out is NULL, and err
 * holds the reason.
 */
int mp_sim_create(struct mp_sim **out, const struct mp_config *cfg,
                  char *err, size_t errlen);

/* Frees everything the simulation owns. */
void mp_sim_destroy(struct mp_sim *sim);

/* Detail text of the last error. */
const char *mp_sim_errmsg(const struct mp_sim *sim);

/* The backend in use ("cpu" or "cuda") and the device it runs on. */
const char *mp_sim_backend(const struct mp_sim *sim);
const char *mp_sim_device(const struct mp_sim *sim);

/*
 * Stores up to `memories` more memories (burn-in first, then the measured
 * ones), taking the measurements that fall in that span.  Returns 0 or a
 * negative MP_E* code (then the simulation is unusable).
 */
int mp_sim_advance(struct mp_sim *sim, uint64_t memories);

/* Memories stored so far and in all (burn-in included). */
uint64_t mp_sim_done(const struct mp_sim *sim);
uint64_t mp_sim_total(const struct mp_sim *sim);

/* The measured curve.  Arrays are owned by the curve (mp_curve_fini). */
struct mp_curve {
    size_t n;            /* number of ages */
    uint64_t *age;       /* ages, memories */
    double *signal;      /* mean overlap E[m(t)], chance level removed */
    double *signal_sem;  /* its standard error */
    double *snr;         /* sqrt(N) E[m(t)] / noise */
    double *snr_sem;     /* its standard error */
    int64_t *probes;     /* measurements averaged at that age */
    double noise;        /* sqrt(E[w^2] - ((2f-1) E_inf[w])^2), theory */
    double lifetime;     /* largest age on the grid with SNR >= 1, or -1 */
    uint64_t done;       /* memories stored when it was taken */
    uint64_t total;      /* memories of the whole run */
};

int mp_sim_curve(const struct mp_sim *sim, struct mp_curve *out);
void mp_curve_fini(struct mp_curve *c);

/* Copies the N state bytes (bit 6 strength, bits 0..5 depth). */
int mp_sim_state(struct mp_sim *sim, uint8_t *out);

/*
 * Everything a checkpoint holds beyond the configuration: with it and the
 * same configuration a simulation continues exactly as if never stopped.
 * Arrays are owned by the snapshot (mp_snapshot_fini).
 */
struct mp_sim_snapshot {
    uint64_t done;     /* memories stored, burn-in included */
    uint64_t synapses; /* N */
    size_t n_ages;     /* measurement ages */
    uint64_t *ages;    /* the ages, memories */
    int64_t *count;    /* probes per age */
    double *mean;      /* running mean of m(t) per age */
    double *m2;        /* running sum of squared deviations per age */
    uint8_t *state;    /* N state bytes */
};

/* Allocates the snapshot's arrays for n synapses and n_ages ages. */
int mp_snapshot_alloc(struct mp_sim_snapshot *s, uint64_t synapses,
                      size_t n_ages);
void mp_snapshot_fini(struct mp_sim_snapshot *s);

/* Takes a snapshot (copies the state off the backend).  Returns 0,
 * MP_ENOMEM or the backend's error.  Under MPI, state holds the N bytes
 * on rank 0 only. */
int mp_sim_snapshot(struct mp_sim *sim, struct mp_sim_snapshot *out);

/* Puts a snapshot back.  The simulation must have the snapshot's N and
 * ages, and the snapshot must not be past the run's end (MP_EINVAL).
 * Under MPI, rank 0's snapshot is used (the others may pass NULL). */
int mp_sim_restore(struct mp_sim *sim, const struct mp_sim_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif
