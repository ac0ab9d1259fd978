/* SPDX-License-Identifier: MIT */
/*
 * io.h: NetCDF-4 files of a run.  Every file is written to a temporary
 * name in its directory, closed, synced and renamed into place, so a crash
 * never leaves a half-written file under the final name.
 */
#ifndef METAPLAST_IO_H
#define METAPLAST_IO_H

#include <stddef.h>

#include "config.h"
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

/* Writes text to path atomically (the resolved config.ini). */
int mp_io_write_text(const char *path, const char *text, char *err,
                     size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
