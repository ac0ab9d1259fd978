/* SPDX-License-Identifier: MIT */
/*
 * attractor.h: a recurrent network of N binary neurons whose N^2 discrete
 * synapses store a stream of random patterns, and retrieve them by their
 * own dynamics from a degraded cue (run.paradigm = attractor,
 * docs/ATTRACTOR.md).
 *
 * Memories are stored one after another (each `store.repeats` times,
 * massed or spaced); every `measure.every` memories, each memory whose
 * age lies on the grid is cued with a fraction `retrieve.noise` of its
 * neurons flipped and the deterministic synchronous dynamics run for up
 * to `retrieve.steps` sweeps; the final overlap, whether the state
 * converged and the sweeps it took are averaged per age.  The result is
 * bit-identical for any number of threads, on either backend, on any
 * number of MPI ranks and across checkpoint/resume.
 *
 * Under MPI every call is collective; each rank holds a block of rows;
 * snapshot and state bytes arrive on rank 0 only, restore takes them from
 * rank 0.  Errors: 0 or a negative MP_E* code, the text in mp_errmsg().
 */
#ifndef METAPLAST_ATTRACTOR_H
#define METAPLAST_ATTRACTOR_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mp_attr;

/* Creates a network from a validated configuration (paradigm =
 * attractor): picks the backend, draws the initial synapses.  MP_EINVAL,
 * MP_ETOOBIG, MP_ENOMEM, MP_ENODEV, MP_ENOTSUP or MP_ECUDA; *out NULL. */
int mp_attr_create(struct mp_attr **out, const struct mp_config *cfg);
void mp_attr_destroy(struct mp_attr *a);

/* The backend in use ("cpu" or "cuda"), its device, and why. */
const char *mp_attr_backend(const struct mp_attr *a);
const char *mp_attr_device(const struct mp_attr *a);
const char *mp_attr_backend_note(const struct mp_attr *a);

/* Stores up to `memories` more memories (burn-in first), taking the
 * retrieval measurements that fall in that span. */
int mp_attr_advance(struct mp_attr *a, uint64_t memories);

/* Memories stored so far and in all (burn-in included); memories to the
 * next measurement. */
uint64_t mp_attr_done(const struct mp_attr *a);
uint64_t mp_attr_total(const struct mp_attr *a);
uint64_t mp_attr_until_measure(const struct mp_attr *a);

/* The measured retrieval curve, beside its approximate theory.  Arrays
 * owned by the curve (mp_attr_curve_fini). */
struct mp_attr_curve {
    size_t n;               /* ages */
    uint64_t *age;          /* memories */
    int64_t *probes;        /* retrievals averaged at that age */
    double *overlap;        /* mean final overlap with the memory */
    double *overlap_sem;    /* its standard error */
    double *retrieved;      /* fraction with overlap >= retrieve.success */
    double *retrieved_sem;  /* sqrt(p (1 - p) / probes) */
    double *converged;      /* fraction that reached a fixed point */
    double *steps;          /* mean sweeps that changed the state */
    double *signal_theory;  /* (E[J | potentiation] - E[J | depression])
                               / 2 of the probed memory's synapses (exact
                               theory of the store schedule), averaged
                               over the run's probes at that age; E[m(t)]
                               of one synapse at the defaults */
    double *snr_theory;     /* the field's signal to noise from a perfect
                               cue, (mean h | xi = 1 - mean h | xi = 0) /
                               (2 sd(h)); sqrt(N - 1) E[m(t)] / sd(w) at
                               f = 1/2 */
    double *overlap_theory; /* mean-field overlap after the sweeps (an
                               approximation, docs/ATTRACTOR.md); NaN
                               where the theory does not apply */
    double capacity;        /* largest grid age retrieved with probability
                               >= 1/2 at it and every younger age; -1 */
    double capacity_interp; /* the same, interpolated linearly to the age
                               where the fraction crosses 1/2 */
    double capacity_theory; /* largest integer age whose mean-field
                               overlap >= retrieve.success (and every
                               younger) in the stream's stationary regime
                               under its last modulator level; NaN where
                               it does not apply */
    double lifetime_ideal;  /* ideal-observer lifetime of an ensemble of
                               the network's independent synapses (exact
                               theory, SNR >= 1), NaN where not defined */
    uint64_t done;          /* memories stored when it was taken */
    uint64_t total;
    double wall_s;          /* wall-clock seconds of the run so far, every
                               session (set by the run that writes the
                               record; 0 if unknown) */
};

int mp_attr_curve(const struct mp_attr *a, struct mp_attr_curve *out);
void mp_attr_curve_fini(struct mp_attr_curve *c);

/*
 * The theory of a validated attractor configuration, with no network and
 * no simulation (docs/ATTRACTOR.md, "Theory (an approximation)"): on the
 * configuration's age grid, the curve's signal_theory, snr_theory and
 * overlap_theory, its capacity_theory and lifetime_ideal, exactly as a
 * run's record holds them; the measured fields are empty (probes 0, the
 * fractions NaN, capacity and capacity_interp NaN, done 0).  Not
 * collective.  MP_EINVAL for another paradigm, MP_ENOMEM; the curve is
 * freed with mp_attr_curve_fini.
 */
int mp_attr_theory(const struct mp_config *cfg, struct mp_attr_curve *out);

/* The N x N state bytes (row i = postsynaptic neuron, model.h's layout),
 * into out on rank 0 (others may pass NULL).  With fan-in
 * (attractor.fan_in = K > 0), N x K: row i's slot k is synapse
 * (i, pre(i, k)), the snapshot's `pre`. */
int mp_attr_state(struct mp_attr *a, uint8_t *out);

/* Everything a checkpoint holds beyond the configuration. */
struct mp_attr_snapshot {
    uint64_t done;       /* memories stored, burn-in included */
    uint32_t neurons;    /* N */
    size_t n_ages;
    uint64_t *ages;      /* memories */
    int64_t *count;      /* probes per age */
    double *mean;        /* running mean of the overlap (Welford) */
    double *m2;          /* running sum of squared deviations */
    int64_t *retrieved;  /* probes retrieved */
    int64_t *converged;  /* probes converged */
    int64_t *steps;      /* sweeps, summed */
    uint32_t fan_in;     /* K (0: all-to-all) */
    uint8_t *state;      /* N x N state bytes (rank 0); N x K with fan-in */
    int32_t *pre;        /* fan-in: N x K presynaptic neurons, slot order
                            (rank 0); NULL all-to-all */
    double wall_s;       /* wall-clock seconds of the run so far, every
                            session (provenance; set by the run) */
};

int mp_attr_snapshot_alloc(struct mp_attr_snapshot *s, uint32_t neurons,
                           size_t n_ages);
/* The same for a fan-in network of K synapses per neuron (0: the
 * all-to-all snapshot of mp_attr_snapshot_alloc). */
int mp_attr_snapshot_alloc_fan(struct mp_attr_snapshot *s, uint32_t neurons,
                               uint32_t fan_in, size_t n_ages);
void mp_attr_snapshot_fini(struct mp_attr_snapshot *s);
int mp_attr_snapshot(struct mp_attr *a, struct mp_attr_snapshot *out);
/* The network must have the snapshot's N, fan-in, ages and (with
 * fan-in) connectivity (MP_EINVAL). */
int mp_attr_restore(struct mp_attr *a, const struct mp_attr_snapshot *s);

/*
 * One retrieval now, outside the schedule: memory mu cued with noise
 * (a fraction of flipped neurons, keyed by `key`), the dynamics of the
 * configuration; its final overlap, whether it converged and the sweeps.
 * (Tests and analyses.)
 */
int mp_attr_retrieve(struct mp_attr *a, uint64_t mu, double noise,
                     uint64_t key, double *overlap, int *converged,
                     uint32_t *steps);

/* ---- Files (io.h's conventions: atomic, checksummed) ------------------- */

/* checkpoint.nc of an attractor run: the N x N state bytes (post x pre),
 * the accumulators per age, the progress, the resolved configuration. */
int mp_io_attr_ckpt_write(const char *path, const struct mp_config *cfg,
                          const struct mp_attr_snapshot *snap,
                          const struct mp_provenance *prov);
/* Reads it back (mp_attr_snapshot_fini), refusing damage as
 * mp_io_ens_ckpt_read does. */
int mp_io_attr_ckpt_read(const char *path, struct mp_config *cfg,
                         struct mp_attr_snapshot *snap);
/* record.nc: over age, the probes, mean overlap and its standard error,
 * the retrieved and converged fractions, the mean sweeps, the theory
 * (signal_theory, snr_theory, overlap_theory); the capacities, the
 * ideal-observer lifetime and wall_time_s (curve->wall_s) as attributes;
 * CF units and long_names. */
int mp_io_attr_record_write(const char *path, const struct mp_config *cfg,
                            const struct mp_attr_curve *curve,
                            const struct mp_provenance *prov);
/* theory.nc of an attractor configuration (mp_attr_theory's curve): over
 * age, signal_theory, snr_theory and overlap_theory; capacity_theory,
 * lifetime_ideal_observer and neurons as attributes; CF-1.8 as every
 * file, the configuration and the provenance included. */
int mp_io_attr_theory_write(const char *path, const struct mp_config *cfg,
                            const struct mp_attr_curve *theory,
                            const struct mp_provenance *prov);
/* The memories_done of an attractor record. */
int mp_io_attr_record_done(const char *path, uint64_t *done);

#ifdef __cplusplus
}
#endif

#endif
