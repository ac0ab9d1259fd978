/* SPDX-License-Identifier: MIT */
/* net_record.c: the record of a rate-network run, appended entry by entry
 * along an unlimited time dimension, each entry synced as written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

struct mp_io_net_record {
    struct nc f;
    char path[4200];
    size_t n; /* entries written */
    uint32_t n_out, K, B;
    int v_time, v_step, v_theta, v_rate, v_resp, v_mean, v_std, v_hist,
        v_mod;
    int v_silent; /* silent(time, neuron) with record.silent_after, or -1 */
};

/* The dimensions and variables. */
static void define(struct mp_io_net_record *r, const struct mp_config *cfg,
                   int *v_pat, int *v_bin)
{
    struct nc *f = &r->f;
    int d_time, d_neu, d_pat, d_bin, d_in, dims[3];
    mp__nc_check(f, nc_def_dim(f->id, "time", NC_UNLIMITED, &d_time),
                 "nc_def_dim");
    mp__nc_check(f, nc_def_dim(f->id, "neuron", cfg->n_out, &d_neu),
                 "nc_def_dim");
    mp__nc_check(f, nc_def_dim(f->id, "pattern", cfg->patterns, &d_pat),
                 "nc_def_dim");
    mp__nc_check(f, nc_def_dim(f->id, "bin", cfg->histogram_bins, &d_bin),
                 "nc_def_dim");
    mp__nc_check(f, nc_def_dim(f->id, "input", cfg->n_in, &d_in),
                 "nc_def_dim");
    r->v_time = mp__nc_def(f, "time", NC_DOUBLE, 1, &d_time,
                           "simulated time", "s");
    r->v_step = mp__nc_def(f, "step", NC_INT64, 1, &d_time, "steps done",
                           "1");
    dims[0] = d_time;
    dims[1] = d_neu;
    dims[2] = d_pat;
    r->v_theta = mp__nc_def(f, "theta", NC_FLOAT, 2, dims,
                            "sliding modification threshold", "1");
    r->v_rate = mp__nc_def(f, "rate", NC_FLOAT, 2, dims,
                           "mean rate over the record interval", "1");
    r->v_resp = mp__nc_def(f, "response", NC_FLOAT, 3, dims,
                           "response to each pattern presented alone "
                           "(selectivity)",
                           "1");
    dims[1] = d_bin;
    r->v_hist = mp__nc_def(f, "w_hist", NC_INT64, 2, dims,
                           "histogram of all weights over [w_min, w_max]",
                           "1");
    r->v_mean = mp__nc_def(f, "w_mean", NC_DOUBLE, 1, &d_time, "mean weight",
                           "1");
    r->v_std = mp__nc_def(f, "w_std", NC_DOUBLE, 1, &d_time,
                          "standard deviation of the weights", "1");
    r->v_mod = mp__nc_def(f, "modulator", NC_DOUBLE, 1, &d_time,
                          "neuromodulator level m", "1");
    dims[0] = d_pat;
    dims[1] = d_in;
    *v_pat = mp__nc_def(f, "patterns", NC_FLOAT, 2, dims,
                        "input patterns (rates)", "1");
    *v_bin = mp__nc_def(f, "w_bin", NC_DOUBLE, 1, &d_bin,
                        "centre of the weight histogram bin", "1");
    r->v_silent = -1;
    if (cfg->silent_after_s > 0) {
        dims[0] = d_time;
        dims[1] = d_neu;
        r->v_silent = mp__nc_def(f, "silent", NC_DOUBLE, 2, dims,
                                 "time the neuron has been silent: record "
                                 "intervals since it last fired whose mean "
                                 "rate was at most record.silent_rate",
                                 "s");
    }
}

/* The static parts: patterns and bin centres. */
static void write_static(struct mp_io_net_record *r,
                         const struct mp_config *cfg,
                         const struct mp_net *net, int v_pat, int v_bin)
{
    struct nc *f = &r->f;
    uint32_t k, b;
    for (k = 0; k < cfg->patterns && !f->rc; k++) {
        size_t start[2] = {k, 0}, count[2] = {1, cfg->n_in};
        mp__nc_check(f, nc_put_vara_float(f->id, v_pat, start, count,
                                          mp_net_pattern(net, k)),
                     "patterns");
    }
    for (b = 0; b < cfg->histogram_bins && !f->rc; b++) {
        size_t at = b;
        double c = cfg->w_min + (cfg->w_max - cfg->w_min) * (b + 0.5) /
                                    cfg->histogram_bins;
        mp__nc_check(f, nc_put_var1_double(f->id, v_bin, &at, &c), "w_bin");
    }
}

int mp_io_net_record_create(struct mp_io_net_record **out, const char *path,
                            const struct mp_config *cfg,
                            const struct mp_net *net,
                            const struct mp_provenance *prov)
{
    struct mp_io_net_record *r = calloc(1, sizeof *r);
    struct nc *f;
    int v_pat = -1, v_bin = -1, rc;

    *out = NULL;
    if (!r)
        return mp__fail(MP_ENOMEM, "%s: out of memory", path);
    f = &r->f;
    snprintf(r->path, sizeof r->path, "%s", path);
    f->path = r->path;
    r->n_out = cfg->n_out;
    r->K = cfg->patterns;
    r->B = cfg->histogram_bins;
    /* Created anew (never through a link planted at the name). */
    unlink(path);
    errno = 0;
    mp__nc_check(f, nc_create(path, NC_NETCDF4 | NC_NOCLOBBER, &f->id),
                 "nc_create");
    if (f->rc) {
        rc = mp__nc_fail(f);
        unlink(path); /* a full disk can leave it empty */
        free(r);
        return rc;
    }
    define(r, cfg, &v_pat, &v_bin);
    mp__nc_att_text(f, NC_GLOBAL, "title", "metaplast rate-network record");
    mp__nc_provenance(f, cfg, prov, "record");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm", "network");
    if (!f->rc)
        mp__nc_check(f, nc_enddef(f->id), "nc_enddef");
    write_static(r, cfg, net, v_pat, v_bin);
    if (f->rc) {
        rc = mp__nc_fail(f);
        mp__nc_close(f->id);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int mp_io_net_record_append(struct mp_io_net_record *r,
                            const struct mp_net_sample *s)
{
    struct nc *f = &r->f;
    const size_t t = r->n, one = 1;
    const size_t st2[2] = {t, 0}, c2[2] = {1, r->n_out};
    const size_t st3[3] = {t, 0, 0}, c3[3] = {1, r->n_out, r->K};
    const size_t ch[2] = {1, r->B};
    const long long step = (long long)s->step;
    int fault;
#define PUT(call, what)                                                      \
    if (!f->rc)                                                              \
    mp__nc_check(f, call, what)
    PUT(nc_put_vara_double(f->id, r->v_time, &t, &one, &s->time_s), "time");
    PUT(nc_put_vara_longlong(f->id, r->v_step, &t, &one, &step), "step");
    PUT(nc_put_vara_float(f->id, r->v_theta, st2, c2, s->theta), "theta");
    PUT(nc_put_vara_float(f->id, r->v_rate, st2, c2, s->rate), "rate");
    PUT(nc_put_vara_float(f->id, r->v_resp, st3, c3, s->response),
        "response");
    PUT(nc_put_vara_longlong(f->id, r->v_hist, st2, ch,
                             (const long long *)s->histogram),
        "w_hist");
    PUT(nc_put_vara_double(f->id, r->v_mean, &t, &one, &s->w_mean),
        "w_mean");
    PUT(nc_put_vara_double(f->id, r->v_std, &t, &one, &s->w_std), "w_std");
    PUT(nc_put_vara_double(f->id, r->v_mod, &t, &one, &s->modulator),
        "modulator");
    if (r->v_silent >= 0 && s->silent_s) {
        PUT(nc_put_vara_double(f->id, r->v_silent, st2, c2, s->silent_s),
            "silent");
    }
    PUT(nc_sync(f->id), "nc_sync");
#undef PUT
    if (f->rc)
        return mp__nc_fail(f);
    fault = mp__fault(MP_FAULT_RECORD); /* test hook */
    if (fault)
        return mp__fail(MP_EIO, "%s: cannot append: %s", f->path,
                        strerror(fault));
    r->n++;
    return 0;
}

int mp_io_net_record_close(struct mp_io_net_record *r)
{
    int rc;
    if (!r)
        return 0;
    rc = mp__nc_close(r->f.id);
    if (!r->f.rc)
        mp__nc_check(&r->f, rc, "nc_close");
    rc = r->f.rc ? mp__nc_fail(&r->f) : 0;
    free(r);
    return rc;
}

/* ---- Resuming ------------------------------------------------------------ */

static const char *const entry_names[9] = {
    "time", "step", "theta", "rate", "response", "w_hist", "w_mean",
    "w_std", "modulator"};

/* Entry t of the old record into smp; its step in *step. */
static int read_entry(int old, const int *v, size_t t,
                      const struct mp_config *cfg, struct mp_net_sample *smp,
                      long long *step)
{
    const size_t one = 1, s2[2] = {t, 0}, c2[2] = {1, cfg->n_out};
    const size_t s3[3] = {t, 0, 0}, c3[3] = {1, cfg->n_out, cfg->patterns};
    const size_t ch[2] = {1, cfg->histogram_bins};
    return nc_get_vara_longlong(old, v[1], &t, &one, step) ||
           nc_get_vara_double(old, v[0], &t, &one, &smp->time_s) ||
           nc_get_vara_float(old, v[2], s2, c2, smp->theta) ||
           nc_get_vara_float(old, v[3], s2, c2, smp->rate) ||
           nc_get_vara_float(old, v[4], s3, c3, smp->response) ||
           nc_get_vara_longlong(old, v[5], s2, ch,
                                (long long *)smp->histogram) ||
           nc_get_vara_double(old, v[6], &t, &one, &smp->w_mean) ||
           nc_get_vara_double(old, v[7], &t, &one, &smp->w_std) ||
           nc_get_vara_double(old, v[8], &t, &one, &smp->modulator);
}

/* The old record's silence times (record.silent_after) of entry t into
 * smp, when the new record has them. */
static int read_silent(const struct mp_io_net_record *r, int old, size_t t,
                       struct mp_net_sample *smp)
{
    const size_t s2[2] = {t, 0}, c2[2] = {1, r->n_out};
    int v;
    if (r->v_silent < 0)
        return 0;
    if (!smp->silent_s)
        smp->silent_s = malloc(((size_t)r->n_out + 1) *
                               sizeof *smp->silent_s);
    return !smp->silent_s || nc_inq_varid(old, "silent", &v) ||
           nc_get_vara_double(old, v, s2, c2, smp->silent_s);
}

/* Copies the old record's entries up to `step` into r. */
static int copy_entries(struct mp_io_net_record *r, int old,
                        const char *path, const struct mp_config *cfg,
                        uint64_t step)
{
    struct mp_net_sample smp;
    size_t T = 0, t;
    int v[9], dim, rc = 0;
    for (t = 0; t < 9; t++)
        if (nc_inq_varid(old, entry_names[t], &v[t]) != NC_NOERR)
            return mp__fail(MP_EFORMAT, "%s: not a network record (no '%s')",
                            path, entry_names[t]);
    nc_inq_dimid(old, "time", &dim);
    nc_inq_dimlen(old, dim, &T);
    memset(&smp, 0, sizeof smp);
    smp.n_out = cfg->n_out;
    smp.patterns = cfg->patterns;
    smp.bins = cfg->histogram_bins;
    smp.theta = malloc(cfg->n_out * sizeof *smp.theta);
    smp.rate = malloc(cfg->n_out * sizeof *smp.rate);
    smp.response = malloc((size_t)cfg->n_out * cfg->patterns *
                          sizeof *smp.response);
    smp.histogram = malloc(cfg->histogram_bins * sizeof *smp.histogram);
    if (!smp.theta || !smp.rate || !smp.response || !smp.histogram)
        rc = mp__fail(MP_ENOMEM, "out of memory");
    for (t = 0; t < T && !rc; t++) {
        long long st = 0;
        if (read_entry(old, v, t, cfg, &smp, &st) ||
            read_silent(r, old, t, &smp)) {
            rc = mp__fail(MP_ENETCDF, "%s: cannot read record entry %zu",
                          path, t);
            break;
        }
        if ((uint64_t)st > step)
            break; /* written after the checkpoint: dropped */
        smp.step = (uint64_t)st;
        rc = mp_io_net_record_append(r, &smp);
    }
    mp_net_sample_fini(&smp);
    return rc;
}

int mp_io_net_record_resume(struct mp_io_net_record **out, const char *path,
                            const struct mp_config *cfg,
                            const struct mp_net *net, uint64_t step,
                            const struct mp_provenance *prov)
{
    char tmp[4200];
    struct mp_io_net_record *r = NULL;
    int old, rc;

    *out = NULL;
    rc = nc_open(path, NC_NOWRITE, &old);
    if (rc != NC_NOERR)
        return mp__fail(MP_ENETCDF, "%s: cannot reopen the record: %s", path,
                        nc_strerror(rc));
    mp__io_tmp_name(tmp, sizeof tmp, path);
    rc = mp_io_net_record_create(&r, tmp, cfg, net, prov);
    if (!rc)
        rc = copy_entries(r, old, path, cfg, step);
    nc_close(old);
    if (!rc && rename(tmp, path))
        rc = mp__fail(MP_EIO, "%s: cannot replace the record: %s", path,
                      strerror(errno));
    if (rc) {
        if (r) {
            char keep[4096];
            snprintf(keep, sizeof keep, "%s", mp_errmsg());
            mp_io_net_record_close(r);
            mp__fail(rc, "%s", keep);
        }
        unlink(tmp);
        return rc;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    *out = r;
    return 0;
}

int mp_io_net_record_last_step(const char *path, uint64_t *step)
{
    char kind[32];
    size_t T = 0;
    long long st = 0;
    int nc, dim, var, rc = mp__nc_open_ours(path, &nc, kind);
    *step = 0;
    if (rc)
        return rc;
    if (nc_inq_dimid(nc, "time", &dim) || nc_inq_dimlen(nc, dim, &T) ||
        nc_inq_varid(nc, "step", &var))
        rc = mp__fail(MP_EFORMAT, "%s: not a network record", path);
    else if (T) {
        const size_t last = T - 1;
        if (nc_get_var1_longlong(nc, var, &last, &st))
            rc = mp__fail(MP_EFORMAT, "%s: cannot read its last entry",
                          path);
    }
    nc_close(nc);
    *step = st > 0 ? (uint64_t)st : 0;
    return rc;
}
