/* SPDX-License-Identifier: MIT */
/*
 * ens.h: a synapse-ensemble simulation (docs/MODELS.md sections 1-2).
 *
 * N synapses store one memory per step; at every measurement step the
 * overlap of the ensemble with past memories on the age grid is taken and
 * averaged.  The result is bit-identical for any number of threads, on
 * either backend and on any number of MPI ranks, for a given
 * configuration.
 *
 * Under MPI (docs/MPI.md) every rank makes the same calls: create,
 * advance, state, snapshot and restore are collective and return the same
 * code on every rank; each rank holds a block of the synapses; curves are
 * the same on every rank; snapshot and state bytes arrive on rank 0 only,
 * and restore takes them from rank 0.
 *
 * Errors: 0 or a negative MP_E* code, the text in mp_errmsg().
 */
#ifndef METAPLAST_ENS_H
#define METAPLAST_ENS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mp_ens;

/*
 * Creates a simulation from a validated configuration: picks the backend
 * (run.backend; auto = CUDA when a device here can run this build's
 * kernels and the state fits it, else the CPU), allocates the state and
 * draws the initial state.  On failure returns MP_EINVAL, MP_ETOOBIG,
 * MP_ENOMEM, MP_ENODEV, MP_ENOTSUP or MP_ECUDA, and *out is NULL.
 */
int mp_ens_create(struct mp_ens **out, const struct mp_config *cfg);

/* Frees everything the simulation owns. */
void mp_ens_destroy(struct mp_ens *e);

/* The backend in use ("cpu" or "cuda"), the device it runs on, and why
 * this backend ("auto: no CUDA device", "run.backend = cpu", ...). */
const char *mp_ens_backend(const struct mp_ens *e);
const char *mp_ens_device(const struct mp_ens *e);
const char *mp_ens_backend_note(const struct mp_ens *e);

/*
 * Stores up to `memories` more memories (burn-in first, then the measured
 * ones), taking the measurements that fall in that span.  Returns 0 or a
 * negative MP_E* code (then the simulation is unusable).
 */
int mp_ens_advance(struct mp_ens *e, uint64_t memories);

/* Memories stored so far and in all (burn-in included). */
uint64_t mp_ens_done(const struct mp_ens *e);
uint64_t mp_ens_total(const struct mp_ens *e);

/* The measured curve.  Arrays are owned by the curve (mp_ens_curve_fini). */
struct mp_ens_curve {
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
    /* The occupancy of the model's discrete states at every measurement
     * so far (record.states = on; else n_occ = n_states = 0). */
    size_t n_occ;           /* counts taken */
    uint32_t n_states;      /* states, in the model's order */
    uint64_t *occ_memory;   /* n_occ: memories stored when taken */
    int64_t *occupancy;     /* n_occ x n_states: synapses per state */
    uint8_t *state_byte;    /* n_states: each state's byte (bit 6
                               strength, bits 0..5 depth) */
    double wall_s;          /* wall-clock seconds of the run so far (set
                               by the run that writes the record; 0 if
                               unknown) */
};

int mp_ens_curve(const struct mp_ens *e, struct mp_ens_curve *out);
void mp_ens_curve_fini(struct mp_ens_curve *c);

/* The states of a discrete model in its order (the exact theory's:
 * deepest weak to deepest strong; a markov table's rows): their bytes
 * into `bytes` (if not NULL, room for 128) and how many there are; 0 for
 * a Benna-Fusi chain. */
uint32_t mp_ens_states(const struct mp_ens *e, uint8_t *bytes);

/* How many synapses are in each state now (collective): counts[j] for the
 * j-th state of mp_ens_states, exact integers, the same on every rank,
 * backend and thread count.  MP_EINVAL for a Benna-Fusi chain. */
int mp_ens_occupancy(struct mp_ens *e, int64_t *counts);

/* Copies the N state bytes (model.h: bit 6 strength, bits 0..5 depth)
 * into out (rank 0's; other ranks may pass NULL).  MP_EINVAL for a
 * Benna-Fusi chain, which has none (mp_ens_values). */
int mp_ens_state(struct mp_ens *e, uint8_t *out);

/* A Benna-Fusi chain's m x N variables, variable-major (u_k, k = 1..m,
 * of synapse i at (k - 1) N + i), into out (rank 0's; other ranks may
 * pass NULL).  MP_EINVAL for a discrete model. */
int mp_ens_values(struct mp_ens *e, float *out);

/*
 * Everything a checkpoint holds beyond the configuration: with it and the
 * same configuration a simulation continues exactly as if never stopped.
 * Arrays are owned by the snapshot (mp_ens_snapshot_fini).
 */
struct mp_ens_snapshot {
    uint64_t done;     /* memories stored, burn-in included */
    uint64_t synapses; /* N */
    size_t n_ages;     /* measurement ages */
    uint64_t *ages;    /* the ages, memories */
    int64_t *count;    /* probes per age */
    double *mean;      /* running mean of m(t) per age */
    double *m2;        /* running sum of squared deviations per age */
    uint8_t *state;    /* N state bytes (NULL for a Benna-Fusi chain) */
    uint32_t vars;     /* Benna-Fusi chain: m; 0 for a discrete model */
    float *u;          /* Benna-Fusi chain: vars x N variables, as
                          mp_ens_values orders them; else NULL */
    size_t n_occ;        /* record.states: occupancy counts so far */
    uint32_t n_states;   /* their states (0: none recorded) */
    uint64_t *occ_memory; /* n_occ: memories stored when counted */
    int64_t *occupancy;  /* n_occ x n_states */
    double wall_s;       /* wall-clock seconds of the run so far, every
                            session (provenance, not state) */
};

/* Allocates the snapshot's arrays for n synapses and n_ages ages (a
 * discrete model: state bytes). */
int mp_ens_snapshot_alloc(struct mp_ens_snapshot *s, uint64_t synapses,
                          size_t n_ages);
/* The same with vars float variables per synapse instead of the state
 * bytes when vars > 0 (a Benna-Fusi chain of m = vars). */
int mp_ens_snapshot_alloc_vars(struct mp_ens_snapshot *s, uint64_t synapses,
                               size_t n_ages, uint32_t vars);
/* The occupancy series of a snapshot: n_occ counts of n_states states
 * (MP_ENOMEM). */
int mp_ens_snapshot_alloc_occupancy(struct mp_ens_snapshot *s, size_t n_occ,
                                    uint32_t n_states);
void mp_ens_snapshot_fini(struct mp_ens_snapshot *s);

/* Takes a snapshot (copies the state off the backend).  Under MPI, state
 * holds the N bytes on rank 0 only. */
int mp_ens_snapshot(struct mp_ens *e, struct mp_ens_snapshot *out);

/* Puts a snapshot back.  The simulation must have the snapshot's N and
 * ages, and the snapshot must not be past the run's end (MP_EINVAL).
 * Under MPI, rank 0's snapshot is used (the others may pass NULL). */
int mp_ens_restore(struct mp_ens *e, const struct mp_ens_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif
