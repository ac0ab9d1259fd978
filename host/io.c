/* SPDX-License-Identifier: MIT */
/* io.c: NetCDF-4 record and theory files, written atomically. */
#include "metaplast/io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netcdf.h>

#include "metaplast/detail/util.h"
#include "metaplast/error.h"
#include "metaplast/version.h"

/* fsync a file or directory by path. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Makes tmp the file `path`: sync it, rename, sync the directory. */
static int commit(const char *tmp, const char *path, char *err,
                  size_t errlen)
{
    char dir[4096];
    if (sync_path(tmp) || rename(tmp, path)) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return MP_EIO;
    }
    snprintf(dir, sizeof dir, "%s", path);
    sync_path(dirname(dir));
    return 0;
}

static void tmp_name(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.tmp.%ld", path, (long)getpid());
}

int mp_io_write_text(const char *path, const char *text, char *err,
                     size_t errlen)
{
    char tmp[4200];
    FILE *f;
    tmp_name(tmp, sizeof tmp, path);
    f = fopen(tmp, "w");
    if (!f) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return MP_EIO;
    }
    if (fputs(text, f) < 0 || fclose(f)) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return MP_EIO;
    }
    return commit(tmp, path, err, errlen);
}

/* ---- NetCDF helpers ---------------------------------------------------- */

struct nc {
    int id;
    const char *path;
    char *err;
    size_t errlen;
    int rc; /* first NetCDF status, sticky */
};

static void ck(struct nc *f, int status, const char *what)
{
    if (status == NC_NOERR || f->rc)
        return;
    f->rc = status;
    mp__errf(f->err, f->errlen, "%s: NetCDF error in %s: %s", f->path, what,
        nc_strerror(status));
}

static void att_text(struct nc *f, int var, const char *name,
                     const char *value)
{
    if (f->rc)
        return;
    ck(f, nc_put_att_text(f->id, var, name, strlen(value), value), name);
}

static void att_double(struct nc *f, int var, const char *name, double v)
{
    if (f->rc)
        return;
    ck(f, nc_put_att_double(f->id, var, name, NC_DOUBLE, 1, &v), name);
}

static int def_var(struct nc *f, const char *name, nc_type type, int dim,
                   const char *long_name, const char *units)
{
    int var = -1;
    if (f->rc)
        return -1;
    ck(f, nc_def_var(f->id, name, type, 1, &dim, &var), name);
    att_text(f, var, "long_name", long_name);
    att_text(f, var, "units", units);
    return var;
}

static void put_double(struct nc *f, int var, const double *v)
{
    if (!f->rc)
        ck(f, nc_put_var_double(f->id, var, v), "nc_put_var_double");
}

static void put_i64(struct nc *f, int var, const void *v)
{
    if (!f->rc)
        ck(f, nc_put_var_longlong(f->id, var, (const long long *)v),
           "nc_put_var_longlong");
}

/* Global attributes every file carries. */
static void provenance(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov, const char *kind)
{
    size_t i;
    att_text(f, NC_GLOBAL, "Conventions", "CF-1.8");
    att_text(f, NC_GLOBAL, "metaplast_file", kind);
    att_text(f, NC_GLOBAL, "metaplast_version", MP_VERSION_STRING);
    if (prov && prov->command_line)
        att_text(f, NC_GLOBAL, "command_line", prov->command_line);
    if (prov && prov->backend)
        att_text(f, NC_GLOBAL, "backend", prov->backend);
    if (prov && prov->device)
        att_text(f, NC_GLOBAL, "device", prov->device);
    for (i = 0; i < mp_config_nkeys(); i++) {
        char name[64], value[MP_CFG_MAX_AGES * 24];
        const char *key;
        mp_config_key(cfg, i, &key, value, sizeof value);
        if (!strcmp(key, "measure.ages") && cfg->n_ages == 0)
            continue;
        snprintf(name, sizeof name, "config.%s", key);
        att_text(f, NC_GLOBAL, name, value);
    }
}

static void summary(struct nc *f, const struct mp_theory *th)
{
    att_double(f, NC_GLOBAL, "theory_snr0", th->snr0);
    att_double(f, NC_GLOBAL, "theory_lifetime", th->lifetime);
    att_double(f, NC_GLOBAL, "theory_area_snr", th->area_snr);
    att_double(f, NC_GLOBAL, "theory_noise", th->noise);
}

static int begin(struct nc *f, const char *path, char *tmp, size_t tmplen,
                 char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->err = err;
    f->errlen = errlen;
    tmp_name(tmp, tmplen, path);
    ck(f, nc_create(tmp, NC_NETCDF4 | NC_CLOBBER, &f->id), "nc_create");
    return f->rc ? MP_ENETCDF : 0;
}

static int finish(struct nc *f, const char *tmp)
{
    int rc = nc_close(f->id);
    if (!f->rc)
        ck(f, rc, "nc_close");
    if (f->rc) {
        unlink(tmp);
        return MP_ENETCDF;
    }
    return commit(tmp, f->path, f->err, f->errlen);
}

int mp_io_write_record(const char *path, const struct mp_config *cfg,
                       const struct mp_curve *c, const double *signal_theory,
                       const double *snr_theory, const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen)
{
    struct nc f;
    char tmp[4200];
    int dim = -1, v_age, v_sig, v_sem, v_snr, v_snrsem, v_probes, v_st,
        v_snrt;
    if (begin(&f, path, tmp, sizeof tmp, err, errlen))
        return MP_ENETCDF;
    ck(&f, nc_def_dim(f.id, "age", c->n, &dim), "nc_def_dim");
    v_age = def_var(&f, "age", NC_INT64, dim,
                    "age of the memory (memories stored after it)",
                    "memories");
    v_sig = def_var(&f, "signal", NC_DOUBLE, dim,
                    "mean overlap E[m(t)] with the memory, chance level "
                    "removed",
                    "1");
    v_sem = def_var(&f, "signal_sem", NC_DOUBLE, dim,
                    "standard error of the mean overlap", "1");
    v_snr = def_var(&f, "snr", NC_DOUBLE, dim,
                    "signal-to-noise ratio sqrt(N) E[m(t)] / noise", "1");
    v_snrsem = def_var(&f, "snr_sem", NC_DOUBLE, dim,
                       "standard error of the signal-to-noise ratio", "1");
    v_probes = def_var(&f, "probes", NC_INT64, dim,
                       "number of measurements averaged at this age", "1");
    v_st = def_var(&f, "signal_theory", NC_DOUBLE, dim,
                   "exact expected overlap E[m(t)] (Markov chain theory)",
                   "1");
    v_snrt = def_var(&f, "snr_theory", NC_DOUBLE, dim,
                     "exact expected signal-to-noise ratio", "1");
    att_text(&f, NC_GLOBAL, "title", "metaplast synapse-ensemble record");
    provenance(&f, cfg, prov, "record");
    att_double(&f, NC_GLOBAL, "lifetime", c->lifetime);
    att_double(&f, NC_GLOBAL, "noise", c->noise);
    summary(&f, th);
    if (!f.rc)
        ck(&f, nc_enddef(f.id), "nc_enddef");
    put_i64(&f, v_age, c->age);
    put_double(&f, v_sig, c->signal);
    put_double(&f, v_sem, c->signal_sem);
    put_double(&f, v_snr, c->snr);
    put_double(&f, v_snrsem, c->snr_sem);
    put_i64(&f, v_probes, c->probes);
    put_double(&f, v_st, signal_theory);
    put_double(&f, v_snrt, snr_theory);
    return finish(&f, tmp);
}

int mp_io_write_theory(const char *path, const struct mp_config *cfg,
                       const uint64_t *ages, size_t n, const double *signal,
                       const double *snr, const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen)
{
    struct nc f;
    char tmp[4200];
    int dim = -1, v_age, v_sig, v_snr, sdim = -1, v_p = -1;
    if (begin(&f, path, tmp, sizeof tmp, err, errlen))
        return MP_ENETCDF;
    ck(&f, nc_def_dim(f.id, "age", n, &dim), "nc_def_dim");
    ck(&f, nc_def_dim(f.id, "state", th->states, &sdim), "nc_def_dim");
    v_age = def_var(&f, "age", NC_INT64, dim,
                    "age of the memory (memories stored after it)",
                    "memories");
    v_sig = def_var(&f, "signal", NC_DOUBLE, dim,
                    "exact expected overlap E[m(t)] (Markov chain theory)",
                    "1");
    v_snr = def_var(&f, "snr", NC_DOUBLE, dim,
                    "exact expected signal-to-noise ratio", "1");
    v_p = def_var(&f, "p_inf", NC_DOUBLE, sdim,
                  "stationary occupancy, states from deepest weak to "
                  "deepest strong",
                  "1");
    att_text(&f, NC_GLOBAL, "title", "metaplast exact theory");
    provenance(&f, cfg, prov, "theory");
    summary(&f, th);
    att_double(&f, NC_GLOBAL, "theory_area_signal", th->area_signal);
    if (!f.rc)
        ck(&f, nc_enddef(f.id), "nc_enddef");
    put_i64(&f, v_age, ages);
    put_double(&f, v_sig, signal);
    put_double(&f, v_snr, snr);
    put_double(&f, v_p, th->p_inf);
    return finish(&f, tmp);
}
