/* SPDX-License-Identifier: MIT */
/*
 * nc.h (io internal): helpers the file writers and readers share — an
 * atomic file (temporary name, fsync, rename), NetCDF calls whose first
 * failure is kept with its text, the attributes every file carries, and
 * opening a file that may be damaged or not ours.
 */
#ifndef METAPLAST_IO_NC_H
#define METAPLAST_IO_NC_H

#include <stddef.h>
#include <stdint.h>

#include <netcdf.h>

#include "metaplast/config.h"
#include "metaplast/io.h"
#include "metaplast/theory.h"

/* A file being written: its first NetCDF failure is sticky. */
struct nc {
    int id;
    const char *path; /* the final name */
    char tmp[4200];   /* the temporary name (atomic files) */
    int rc;           /* first NetCDF status */
    char msg[1024];   /* its text */
};

/* Records the first failed NetCDF call (with the system's reason when
 * HDF5 hides one behind "HDF error"). */
void mp__nc_check(struct nc *f, int status, const char *what);
/* Returns MP_ENETCDF with the recorded text. */
int mp__nc_fail(const struct nc *f);
/* nc_close of a file written to, counting the closes that fail
 * (mp_io_unclosed). */
int mp__nc_close(int id);

void mp__nc_att_text(struct nc *f, int var, const char *name,
                     const char *value);
void mp__nc_att_double(struct nc *f, int var, const char *name, double v);
void mp__nc_att_u64(struct nc *f, int var, const char *name, uint64_t v);
/* A variable with long_name and units (over ndims dimensions). */
int mp__nc_def(struct nc *f, const char *name, nc_type type, int ndims,
               const int *dims, const char *long_name, const char *units);
void mp__nc_put(struct nc *f, int var, const void *data, const char *what);
/* A variable's "checksum" attribute: mp_io_hash64 of its bytes, as 16
 * hex digits (verified by mp_io_verify). */
void mp__nc_att_checksum(struct nc *f, int var, const void *data,
                         size_t bytes);

/* The CF version every file declares: the newest the CF checker in
 * the tests (cfchecker 4.1) knows. */
#define MP_NC_CONVENTIONS "CF-1.8"

/* The attributes of every file: Conventions, history, kind, version,
 * provenance, and (cfg not NULL) the resolved config as config_ini and
 * every key as config_<section>_<key>, a number where the key is one
 * (times in seconds: mp_config_key_number), its text otherwise. */
void mp__nc_provenance(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov, const char *kind);
/* The resolved config as config.ini writes it (free it), or NULL when
 * out of memory. */
char *mp__nc_config_text(const struct mp_config *cfg);
/* Whether a key is left out of the attributes: an unused grid list,
 * another model's keys. */
int mp__nc_config_skipped(const struct mp_config *cfg, const char *key,
                          const char *value);
/* The theory's summary numbers as attributes, both clocks. */
void mp__nc_theory_summary(struct nc *f, const struct mp_theory *th);
/* The theory's eigenmodes: dimension "mode" and the variables
 * eigenvalue_re, eigenvalue_im, timescale_memories, timescale_poisson
 * (defined, with checksum attributes if asked), then written. */
void mp__nc_modes_def(struct nc *f, const struct mp_theory *th, int var[4],
                      int checksums);
void mp__nc_modes_put(struct nc *f, const struct mp_theory *th,
                      const int var[4]);

/* The `state` dimension of a record (states.c): the coordinate
 * variables state, state_strength and state_depth of a model's states
 * (their bytes, in its order), defined, then written. */
#define MP__NC_MAX_STATES 128
struct mp__nc_states {
    uint32_t n;
    int dim, v_state, v_strength, v_depth;
    int32_t index[MP__NC_MAX_STATES];
    signed char strength[MP__NC_MAX_STATES];
    unsigned char depth[MP__NC_MAX_STATES];
};
void mp__nc_states_def(struct nc *f, struct mp__nc_states *st,
                       const uint8_t *bytes, uint32_t n);
void mp__nc_states_put(struct nc *f, const struct mp__nc_states *st);

/* Which clock each time in a file is in (the attribute theory_clocks). */
#define MP_NC_CLOCKS                                                         \
    "memories: one memory per step; ages, and every time and curve whose "  \
    "name has no 'poisson', are in memories. poisson: memories arrive as "  \
    "a Poisson process of rate 1; every name with 'poisson' is in Poisson " \
    "time (mean memories), its curves at tau = age. theory_snr0 and the "   \
    "areas are the same in both clocks (docs/MODELS.md)"

/* An atomic file: created under a temporary name beside path, ... */
int mp__nc_begin(struct nc *f, const char *path);
/* ... closed, synced and renamed into place (or removed on error), with
 * `fault` the injected failure of the tests (errno value, 0 = none). */
int mp__nc_finish(struct nc *f, int fault);

/* ---- sweep.nc, both paradigms (host/io/sweep.c) ---- */

/* The auxiliary coordinates of a sweep's axes (text values, the other
 * keys of linked axes), which every stacked variable names. */
struct mp__sweep_aux {
    char names[2048]; /* space-separated variable names */
};

/* A sweep's axes: their dimensions (dims[0..n-1]) and variables in
 * define mode — a numeric axis a coordinate variable (its first key's
 * parsed values in their units, or its labels as numbers), a text axis
 * <axis>_label, the other keys of a linked axis named after them — then
 * their values in data mode. */
void mp__sweep_axes_def(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n, int *dims, struct mp__sweep_aux *aux);
void mp__sweep_axes_put(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n);
/* A stacked variable's `coordinates` attribute (none without any). */
void mp__sweep_coordinates(struct nc *f, int var,
                           const struct mp__sweep_aux *aux);
/* The sweep's base config (INI text, or NULL: *cfg = NULL), read as
 * every file's config is; before the file is begun.  Returns 0,
 * MP_ENOMEM, or MP_EFORMAT when it is unreadable. */
int mp__sweep_base(const char *path, const char *base_config,
                   struct mp_config **cfg);
/* sweep.nc's global attributes, both paradigms: title, the base config
 * and provenance as every file holds them (mp__nc_provenance: Conventions,
 * history, config_ini, config_<section>_<key>, command_line), the
 * paradigm ("ensemble", "network") and the sweep's command line. */
void mp__sweep_globals(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov,
                       const char *sweep_command_line, const char *paradigm);

/* The temporary name of path. */
void mp__io_tmp_name(char *buf, size_t len, const char *path);
/* Makes tmp the file `path`: sync it, rename, sync the directory. */
int mp__io_commit(const char *tmp, const char *path);

/* A text attribute, allocated (free it); -1 if absent. */
int mp__nc_get_text(int nc, int var, const char *name, char **out);
/* Opens a file that may be damaged: refuses what is not a metaplast
 * file; `kind` receives its metaplast_file attribute. */
int mp__nc_open_ours(const char *path, int *nc, char kind[32]);

#endif
