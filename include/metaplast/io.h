/* SPDX-License-Identifier: MIT */
/*
 * io.h: NetCDF-4 files of a run.  Every file is written to a temporary
 * name in its directory, closed, synced and renamed into place, so a crash
 * never leaves a half-written file under the final name.
 */
#ifndef METAPLAST_IO_H
#define METAPLAST_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "net.h"
#include "sim.h"
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

/*
 * Writes DIR/record.nc: the measured curve (age, signal, signal_sem, snr,
 * snr_sem, probes) beside the exact theory at the same ages
 * (signal_theory, snr_theory), every resolved config key as a global
 * attribute "config.<section>.<key>", the version and the provenance.
 * Returns 0, MP_ENETCDF or MP_EIO with the reason in err.
 */
int mp_io_write_record(const char *path, const struct mp_config *cfg,
                       const struct mp_curve *curve,
                       const double *signal_theory, const double *snr_theory,
                       const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen);

/* Writes the exact theory curve (age, signal, snr) and its summary. */
int mp_io_write_theory(const char *path, const struct mp_config *cfg,
                       const uint64_t *ages, size_t n, const double *signal,
                       const double *snr, const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen);

/* Format version of checkpoint.nc that this build writes and reads. */
#define MP_CKPT_FORMAT 1

/*
 * Writes a checkpoint: the snapshot's arrays (state chunked, deflated at
 * cfg->ckpt_deflate), each with a 64-bit checksum attribute, the memory
 * count, the full resolved config (as INI text and as attributes), the
 * format version and the provenance.  Atomic: the previous file at path
 * stays intact until the new one is complete and synced.  Returns 0,
 * MP_EIO or MP_ENETCDF with the reason in err.
 */
int mp_ckpt_write(const char *path, const struct mp_config *cfg,
                  const struct mp_sim_snapshot *snap,
                  const struct mp_provenance *prov, char *err,
                  size_t errlen);

/*
 * Reads a checkpoint into *cfg (the run's resolved config, validated) and
 * *snap (allocated here; mp_snapshot_fini).  Refuses, with MP_EFORMAT and
 * a message naming the file: a file that is not NetCDF or is truncated, a
 * NetCDF file that is not a metaplast checkpoint, another format version,
 * an array whose checksum does not match.  MP_EIO if it cannot be read.
 */
int mp_ckpt_read(const char *path, struct mp_config *cfg,
                 struct mp_sim_snapshot *snap, char *err, size_t errlen);

/* The same for a rate network (weights, thresholds, rate sums). */
int mp_net_ckpt_write(const char *path, const struct mp_config *cfg,
                      const struct mp_net_snapshot *snap,
                      const struct mp_provenance *prov, char *err,
                      size_t errlen);
int mp_net_ckpt_read(const char *path, struct mp_config *cfg,
                     struct mp_net_snapshot *snap, char *err,
                     size_t errlen);

/*
 * Describes any metaplast file (checkpoint, record, theory) on out, in
 * plain words, verifying a checkpoint's checksums.  Returns 0 if the file
 * is sound, MP_EFORMAT if it is not ours, damaged or fails a checksum (the
 * description says which), MP_EIO if unreadable.
 */
int mp_io_info(const char *path, FILE *out, char *err, size_t errlen);

/* The 64-bit checksum of checkpoint arrays. */
uint64_t mp_hash64(const void *data, size_t n);

/*
 * The record of a network run: created with the static parts (patterns,
 * histogram bins, config, provenance), then one entry per record along the
 * unlimited dimension `time`, each synced to disk as it is appended.
 * Variables: time, step, theta(time, neuron), rate(time, neuron),
 * response(time, neuron, pattern), w_mean, w_std, w_hist(time, bin),
 * modulator; patterns(pattern, input), w_bin(bin).
 */
struct mp_netrec;

int mp_io_netrec_create(struct mp_netrec **out, const char *path,
                        const struct mp_config *cfg,
                        const struct mp_net *net,
                        const struct mp_provenance *prov, char *err,
                        size_t errlen);
int mp_io_netrec_append(struct mp_netrec *r, const struct mp_net_sample *s,
                        char *err, size_t errlen);
/* Reopens the record of a run resumed at `step`: entries written after
 * that step (by a run killed after its last checkpoint) are dropped, so
 * the record continues exactly as an uninterrupted run's. */
int mp_io_netrec_resume(struct mp_netrec **out, const char *path,
                        const struct mp_config *cfg,
                        const struct mp_net *net, uint64_t step,
                        const struct mp_provenance *prov, char *err,
                        size_t errlen);

/* Which paradigm a checkpoint belongs to (MP_PARADIGM_*). */
int mp_ckpt_paradigm(const char *path, int *paradigm, char *err,
                     size_t errlen);

/* Closes the file; returns the first error of its life, if any. */
int mp_io_netrec_close(struct mp_netrec *r, char *err, size_t errlen);

/* Writes text to path atomically (the resolved config.ini). */
int mp_io_write_text(const char *path, const char *text, char *err,
                     size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
