/* SPDX-License-Identifier: MIT */
/*
 * io.h: the files of a run (NetCDF-4, docs/CHECKPOINT.md).  Every file is
 * written to a temporary name in its directory, closed, synced and
 * renamed into place, so a crash never leaves a half-written file under
 * the final name.  Errors: 0 or MP_EIO, MP_ENETCDF, MP_EFORMAT (a file
 * that is not ours, damaged or of another format version), MP_EINVAL (a
 * file that cannot be read), MP_ENOMEM, MP_ETOOBIG; text in mp_errmsg().
 */
#ifndef METAPLAST_IO_H
#define METAPLAST_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "ens.h"
#include "net.h"
#include "theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Provenance stored with every file. */
struct mp_provenance {
    const char *command_line; /* the exact command line */
    const char *backend;      /* "cpu" / "cuda", or NULL */
    const char *device;       /* what it ran on, or NULL */
    const char *diagnostic;   /* a checkpoint written because something
                                 went wrong (never resumable), or NULL */
};

/* ---- Opening files that may be damaged ---------------------------------- */

/*
 * A damaged file can crash or hang the HDF5 library inside nc_open.  A
 * program that cannot afford that installs a probe: before the library
 * opens a file it did not just write, it asks probe(path, ctx), which
 * returns 0 (safe to open), -1 (opening it crashed) or -2 (it hung); the
 * file is then refused as damaged (MP_EFORMAT).  The metaplast command
 * opens the file in a child process (host/cli/probe.c).  No probe: files
 * are opened directly.
 */
typedef int (*mp_io_probe_fn)(const char *path, void *ctx);
void mp_io_set_probe(mp_io_probe_fn probe, void *ctx);

/* ---- Ensembles ------------------------------------------------------------ */

/*
 * Writes record.nc: the measured curve (age, signal, signal_sem, snr,
 * snr_sem, probes; ages in memories) beside the exact theory at the same
 * ages in memories (signal_theory, snr_theory) and, unless NULL, in
 * Poisson time tau = age (signal_theory_poisson, snr_theory_poisson);
 * the theory's summary in both clocks and its eigenmodes (dimension
 * "mode"); every resolved config key as a global attribute
 * "config.<section>.<key>", the version and the provenance.
 */
int mp_io_ens_record_write(const char *path, const struct mp_config *cfg,
                           const struct mp_ens_curve *curve,
                           const double *signal_theory,
                           const double *snr_theory,
                           const double *signal_poisson,
                           const double *snr_poisson,
                           const struct mp_theory *th,
                           const struct mp_provenance *prov);

/* A record.nc read back (mp_io_ens_record_fini frees it). */
struct mp_io_ens_record {
    size_t n;              /* ages */
    uint64_t *age;
    double *value[6];      /* signal, signal_sem, snr, snr_sem,
                              signal_theory, snr_theory */
    int64_t *probes;
    double lifetime;       /* simulated, on the grid */
    double lifetime_theory;
    uint64_t done, total;  /* memories stored, of the run */
};
/* The names of value[0..5], as the file has them. */
extern const char *const mp_io_ens_record_names[6];
int mp_io_ens_record_read(const char *path, struct mp_io_ens_record *r);
void mp_io_ens_record_fini(struct mp_io_ens_record *r);

/* Writes theory.nc: the exact curve at the ages in memories (age,
 * signal, snr) and, unless NULL, in Poisson time tau = age
 * (signal_poisson, snr_poisson); p_inf; the eigenmodes; the summary in
 * both clocks. */
int mp_io_theory_write(const char *path, const struct mp_config *cfg,
                       const uint64_t *ages, size_t n, const double *signal,
                       const double *snr, const double *signal_poisson,
                       const double *snr_poisson, const struct mp_theory *th,
                       const struct mp_provenance *prov);

/* The exact theory of an ensemble configuration, computed and written
 * as theory.nc at path in one call (for script bindings): the curve on
 * the configuration's age grid in memories and, when poisson != 0, in
 * Poisson time too, with the summary and the eigenmodes.  An attractor
 * configuration's approximate theory (attractor.h, mp_attr_theory and
 * mp_io_attr_theory_write; memories only: poisson != 0 is MP_EINVAL).
 * MP_EINVAL for a network configuration. */
int mp_io_theory_file(const char *path, const struct mp_config *cfg,
                      int poisson, const struct mp_provenance *prov);

/* Format version of checkpoint.nc that this build writes; it reads this
 * one and every one from MP_CKPT_FORMAT_OLDEST (version 1 has no header
 * checksum; version 2 adds header_checksum over the progress, the seed
 * and the configuration; version 3 an ensemble's occupancy series,
 * present when record.states is on, and wall_time_s). */
#define MP_CKPT_FORMAT 3
#define MP_CKPT_FORMAT_OLDEST 1

/*
 * Writes a checkpoint: the snapshot's arrays (state chunked, deflated at
 * cfg->ckpt_deflate), each with a 64-bit checksum attribute, the memory
 * count, the full resolved config (as INI text and as attributes), the
 * format version and the provenance.  Atomic: the previous file at path
 * stays intact until the new one is complete and synced.
 */
int mp_io_ens_ckpt_write(const char *path, const struct mp_config *cfg,
                         const struct mp_ens_snapshot *snap,
                         const struct mp_provenance *prov);

/*
 * Reads a checkpoint into *cfg (the run's resolved config, validated) and
 * *snap (allocated here; mp_ens_snapshot_fini).  Refuses, with MP_EFORMAT
 * and a message naming the file: a file that is not NetCDF or is
 * truncated, a NetCDF file that is not a metaplast checkpoint, another
 * format version, an array whose checksum does not match.
 */
int mp_io_ens_ckpt_read(const char *path, struct mp_config *cfg,
                        struct mp_ens_snapshot *snap);

/* ---- Rate networks -------------------------------------------------------- */

/* The same for a rate network (weights, thresholds, rate sums). */
int mp_io_net_ckpt_write(const char *path, const struct mp_config *cfg,
                         const struct mp_net_snapshot *snap,
                         const struct mp_provenance *prov);
int mp_io_net_ckpt_read(const char *path, struct mp_config *cfg,
                        struct mp_net_snapshot *snap);

/*
 * The record of a network run: created with the static parts (patterns,
 * histogram bins, config, provenance), then one entry per record along the
 * unlimited dimension `time`, each synced to disk as it is appended.
 * Variables: time, step, theta(time, neuron), rate(time, neuron),
 * response(time, neuron, pattern), w_mean, w_std, w_hist(time, bin),
 * modulator; patterns(pattern, input), w_bin(bin); the coordinates
 * neuron(neuron) and pattern(pattern).  Per neuron when on:
 * theta_priming, ip_gain, ip_bias (time, neuron) (bcm.priming_tau,
 * intrinsic.tau), silent(time, neuron) (record.silent_after).  What
 * [record] chooses: shown_pattern(time) and phase(time)
 * (record.pattern); weights(time, recorded_neuron, synapse), with depth
 * (discrete synapses), recorded_neuron(recorded_neuron), synapse(synapse)
 * and, for sparse rows, presynaptic(recorded_neuron, synapse)
 * (record.weights); occupancy(time, state) with the coordinates state,
 * state_strength, state_depth (record.states).
 */
struct mp_io_net_record;

int mp_io_net_record_create(struct mp_io_net_record **out, const char *path,
                            const struct mp_config *cfg,
                            const struct mp_net *net,
                            const struct mp_provenance *prov);
int mp_io_net_record_append(struct mp_io_net_record *r,
                            const struct mp_net_sample *s);
/* Reopens the record of a run resumed at `step`: entries written after
 * that step (by a run killed after its last checkpoint) are dropped, so
 * the record continues exactly as an uninterrupted run's. */
/* The step of a network record's last entry (0 if it has none). */
int mp_io_net_record_last_step(const char *path, uint64_t *step);
int mp_io_net_record_resume(struct mp_io_net_record **out, const char *path,
                            const struct mp_config *cfg,
                            const struct mp_net *net, uint64_t step,
                            const struct mp_provenance *prov);
/* The summary of a finished run, from its last entry, as global
 * attributes: wall_time_s (every session), final_step,
 * final_selectivity (mp_net_sample_selectivity), final_theta_mean,
 * final_rate_mean, final_w_mean, final_w_std and, with record.states,
 * final_occupancy (the fraction of synapses in each state). */
int mp_io_net_record_finish(struct mp_io_net_record *r,
                            const struct mp_net_sample *last, double wall_s);
/* Closes the file; returns the first error of its life, if any. */
int mp_io_net_record_close(struct mp_io_net_record *r);

/* ---- Any file ------------------------------------------------------------- */

/* Which paradigm a checkpoint belongs to (MP_PARADIGM_*). */
int mp_io_ckpt_paradigm(const char *path, int *paradigm);

/* A checkpoint's progress: units (memories or steps) done, and of the
 * whole run. */
int mp_io_ckpt_progress(const char *path, uint64_t *done, uint64_t *total);

/*
 * Describes any metaplast file (checkpoint, record, theory, sweep) on
 * out, in plain words, verifying a checkpoint's checksums.  Returns 0 if
 * the file is sound, MP_EFORMAT if it is not ours, damaged or fails a
 * checksum (the description says which), MP_EINVAL if unreadable.
 */
int mp_io_info(const char *path, FILE *out);

/* The 64-bit checksum of checkpoint arrays. */
uint64_t mp_io_hash64(const void *data, size_t n);

/* Verifies a metaplast file: it opens, it is metaplast's, and every
 * checksum it carries matches (a checkpoint's header and arrays, an
 * ensemble record's arrays).  0, or MP_EFORMAT / MP_EINVAL with the
 * reason. */
int mp_io_verify(const char *path);

/* Writes text to path atomically (the resolved config.ini). */
int mp_io_text_write(const char *path, const char *text);

/* How many files written to could not be closed (the disk full while
 * their metadata was flushed).  HDF5 1.10 then crashes at a normal
 * process exit, in its own clean-up: a program that sees a nonzero count
 * ends with _exit after flushing its streams. */
int mp_io_unclosed(void);

/* mkdir -p.  Returns 0 or MP_EIO (errno kept). */
int mp_io_mkdirs(const char *path);

/*
 * An advisory lock on a directory (its file .metaplast.lock, never
 * followed if a symbolic link), exclusive or shared, held until
 * mp_io_unlock or the end of the process (the kernel releases it: no
 * stale locks).  A process that cannot take it is refused at once with
 * MP_EBUSY, naming the holder (pid, host, start time, what it does, as
 * the holder described itself in `what`).  Runs lock their directory for
 * their whole life; sweeps lock theirs while they are created and read.
 * Returns 0 and a handle (>= 0), or the error.
 */
int mp_io_lock(const char *dir, int exclusive, const char *what,
               int *handle);
void mp_io_unlock(int handle);
/* Removes the temporary files processes that ended abruptly left in a
 * run directory (NAME.tmp.PID, the write probe); call it holding the
 * directory's lock.  Returns how many it removed. */
int mp_io_remove_stale(const char *dir);
/* Whether dir is the root directory, however spelled ("/tmp/..", a link). */
int mp_io_is_root(const char *dir);
/* MP_EBUSY (naming the holder) if another process holds dir's lock now,
 * else 0; takes nothing and creates nothing. */
int mp_io_lock_check(const char *dir);

/* ---- Sweeps --------------------------------------------------------------- */

/* One axis of a sweep: a varied key (or linked keys) and its values. */
struct mp_io_sweep_axis {
    const char *name;          /* dimension name, e.g. "synapse_n" */
    const char *key;           /* long name, e.g. "synapse.n" */
    size_t n;                  /* values */
    const char *const *labels; /* the values as given */
    int numeric;               /* the labels are numbers */
    int linked;                /* linked keys ("a+b"): labels "v1:v2" */
    /* The first key's values parsed to their type, in the labels' order
     * (collect: mp_config_key_number), or NULL: the coordinate is then
     * the labels, as numbers when they are, else as text (<name>_label,
     * an auxiliary coordinate); so too when the parsed values are not
     * strictly monotonic. */
    const uint64_t *integers;  /* counts: int64 coordinates (uint64
                                  beyond 2^63 - 1) */
    const double *reals;       /* numbers and times (double coordinates) */
    const char *units;         /* of the coordinate ("s" for times); NULL:
                                  "1" for numbers */
};

#define MP_IO_SWEEP_MAX_AXES 16

/* What `metaplast collect` stacks: every task's curve on one age grid,
 * arrays in row-major order over the axes (then age). */
struct mp_io_sweep {
    size_t n_axes;
    const struct mp_io_sweep_axis *axes;
    size_t n_ages;
    const uint64_t *ages;
    const double *lifetime, *lifetime_theory; /* per cell */
    const signed char *complete;              /* per cell */
    const int64_t *probes;                    /* per cell x age */
    const double *value[6]; /* per cell x age, mp_io_ens_record_names */
    const char *base_config; /* the sweep's base config (INI), or NULL */
    const struct mp_provenance *prov; /* who collects (command line), or
                                         NULL */
    const char *sweep_command_line;   /* the sweep's command, or NULL */
};

/* Writes sweep.nc, atomically: CF-1.8 (numeric axes as coordinate
 * variables, text values as labelled auxiliary coordinates), the base
 * config as in every file (config_ini and config_<section>_<key>; an
 * unreadable base_config is refused, MP_EFORMAT), and the provenance. */
int mp_io_sweep_write(const char *path, const struct mp_io_sweep *s);

/* What `metaplast collect` stacks for a sweep of rate networks: each
 * cell's record.nc (row-major over the axes), read one at a time. */
struct mp_io_sweep_net {
    size_t n_axes;
    const struct mp_io_sweep_axis *axes;
    const char *const *records;  /* per cell: a network record, or NULL
                                    (no record: fill values) */
    const signed char *complete; /* per cell: 1 if its run finished */
    const char *base_config; /* the sweep's base config (INI), or NULL */
    const struct mp_provenance *prov; /* who collects (command line), or
                                         NULL */
    const char *sweep_command_line;   /* the sweep's command, or NULL */
};

/*
 * Writes sweep.nc, atomically, for a sweep of rate networks: dimensions
 * the axes, then time (the longest record's entries, seconds: every
 * other record's times must be a prefix of it), neuron, pattern, bin and
 * input; theta, rate, response, w_hist, w_mean, w_std and modulator over
 * the axes and time (missing entries are fill values: NaN, or -1 for
 * w_hist), patterns and w_bin over the axes, complete over the axes.
 * Records of different shapes (neurons, patterns, bins, inputs) or time
 * grids are refused (MP_EINVAL, naming both files); a record that is not
 * a network's, MP_EFORMAT.  CF-1.8 as mp_io_sweep_write: the axes, the
 * base config (unreadable: MP_EFORMAT) and the provenance alike.
 */
int mp_io_sweep_net_write(const char *path, const struct mp_io_sweep_net *s);

/*
 * Writes sweep.nc, atomically, for a sweep of attractor networks, from
 * the same description (each record an attractor run's record.nc):
 * dimensions the axes, then age (every record's grid must be the first
 * one's: MP_EINVAL naming both files); probes, overlap, overlap_sem,
 * retrieved, retrieved_sem, converged and sweeps over the axes and age
 * (NaN, and 0 probes, where a cell has no record); capacity,
 * capacity_interp, capacity_theory and lifetime_ideal_observer (the
 * records' attributes) and complete over the axes.  A record that is not
 * an attractor network's: MP_EFORMAT.  CF-1.8 as mp_io_sweep_write.
 */
int mp_io_sweep_attr_write(const char *path,
                           const struct mp_io_sweep_net *s);

#ifdef __cplusplus
}
#endif

#endif
