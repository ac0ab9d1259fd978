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
    /* What [record] chose (net_views.c): -1 for a variable not recorded */
    uint32_t n_sel, L, S; /* recorded neurons, their row length, states */
    int v_shown, v_phase, v_w, v_depth, v_occ;
    int d_sel, d_syn, v_sel, v_syn, v_pre; /* their coordinates */
    struct mp__nc_states st;
    int v_neuron, v_pattern; /* coordinates of neuron and pattern */
    int v_extra[3]; /* theta_priming, ip_gain, ip_bias; -1 when off */
    int v_silent;   /* silent (record.silent_after); -1 when off */
};

/* The chosen variables (record.weights, record.states, record.pattern)
 * and the coordinates of the neuron and pattern dimensions. */
static void define_views(struct mp_io_net_record *r,
                         const struct mp_config *cfg,
                         const struct mp_net *net, const int *dims)
{
    struct nc *f = &r->f;
    uint8_t bytes[MP__NC_MAX_STATES];
    int d[3];
    r->v_neuron = mp__nc_def(f, "neuron", NC_INT, 1, &dims[1],
                             "index of the neuron", "1");
    r->v_pattern = mp__nc_def(f, "pattern", NC_INT, 1, &dims[2],
                              "index of the input pattern", "1");
    r->v_shown = r->v_phase = r->v_w = r->v_depth = r->v_occ = -1;
    r->v_sel = r->v_syn = r->v_pre = -1;
    if (cfg->rec_pattern) {
        r->v_shown = mp__nc_def(f, "shown_pattern", NC_INT, 1, &dims[0],
                                "pattern presented at this step (the "
                                "input of step `step`)",
                                "1");
        r->v_phase = mp__nc_def(f, "phase", NC_INT, 1, &dims[0],
                                "protocol phase of this step, from 0", "1");
    }
    if (r->n_sel) {
        mp__nc_check(f, nc_def_dim(f->id, "recorded_neuron", r->n_sel,
                                   &r->d_sel),
                     "nc_def_dim");
        mp__nc_check(f, nc_def_dim(f->id, "synapse", r->L, &r->d_syn),
                     "nc_def_dim");
        r->v_sel = mp__nc_def(f, "recorded_neuron", NC_INT, 1, &r->d_sel,
                              "neuron whose incoming weights are recorded",
                              "1");
        r->v_syn = mp__nc_def(f, "synapse", NC_INT, 1, &r->d_syn,
                              "index of the synapse in its neuron's row",
                              "1");
        d[0] = dims[0];
        d[1] = r->d_sel;
        d[2] = r->d_syn;
        if (cfg->fan_in)
            r->v_pre = mp__nc_def(f, "presynaptic", NC_UINT, 2, d + 1,
                                  "presynaptic cell of the synapse (inputs "
                                  "from 0, then the neurons)",
                                  "1");
        r->v_w = mp__nc_def(f, "weights", NC_FLOAT, 3, d,
                            "incoming weights of the recorded neurons", "1");
        if (cfg->discrete)
            r->v_depth = mp__nc_def(f, "depth", NC_UBYTE, 3, d,
                                    "depth of the discrete synapse, 0 = "
                                    "most plastic",
                                    "1");
    }
    if (r->S) {
        mp_net_states(net, bytes);
        mp__nc_states_def(f, &r->st, bytes, r->S);
        d[0] = dims[0];
        d[1] = r->st.dim;
        r->v_occ = mp__nc_def(f, "occupancy", NC_INT64, 2, d,
                              "synapses in each state", "1");
        mp__nc_att_text(f, r->v_occ, "coordinates",
                        "state_strength state_depth");
    }
}

/* An integer coordinate 0 .. n - 1, a block at a time. */
static void put_index(struct nc *f, int var, size_t n, const char *what)
{
    int32_t idx[4096];
    size_t i0, i;
    for (i0 = 0; i0 < n && !f->rc; i0 += 4096) {
        const size_t m = n - i0 < 4096 ? n - i0 : 4096;
        for (i = 0; i < m; i++)
            idx[i] = (int32_t)(i0 + i);
        mp__nc_check(f, nc_put_vara_int(f->id, var, &i0, &m, idx), what);
    }
}

/* The static parts of the views: coordinates, a sparse row's cells. */
static int write_views_static(struct mp_io_net_record *r,
                              const struct mp_config *cfg,
                              const struct mp_net *net)
{
    struct nc *f = &r->f;
    uint32_t *sel = malloc((r->n_sel + 1) * sizeof *sel);
    uint32_t *cells = malloc(((size_t)r->L + 1) * sizeof *cells), j;
    if (!sel || !cells) {
        free(sel);
        free(cells);
        return mp__fail(MP_ENOMEM, "%s: out of memory", f->path);
    }
    put_index(f, r->v_neuron, cfg->n_out, "neuron");
    put_index(f, r->v_pattern, cfg->patterns, "pattern");
    mp_config_recorded_neurons(cfg, sel, r->n_sel);
    if (r->n_sel) {
        mp__nc_put(f, r->v_sel, sel, "recorded_neuron");
        put_index(f, r->v_syn, r->L, "synapse");
    }
    for (j = 0; r->v_pre >= 0 && j < r->n_sel && !f->rc; j++) {
        const size_t start[2] = {j, 0}, count[2] = {1, r->L};
        mp_net_presynaptic(net, sel[j], cells);
        mp__nc_check(f, nc_put_vara_uint(f->id, r->v_pre, start, count,
                                         cells),
                     "presynaptic");
    }
    if (r->S)
        mp__nc_states_put(f, &r->st);
    free(sel);
    free(cells);
    return 0;
}

/* The per-neuron variables of priming and intrinsic plasticity: their
 * names, meanings, and whether a run has them. */
static const char *const extra_names[3] = {"theta_priming", "ip_gain",
                                           "ip_bias"};
static const char *const extra_long[3] = {
    "priming component of the modification threshold",
    "intrinsic gain a in y = max(0, a h - b)",
    "intrinsic bias b in y = max(0, a h - b)"};

static int extra_on(const struct mp_config *cfg, int k)
{
    return k == 0 ? cfg->rule == MP_RULE_BCM && cfg->priming_tau_s > 0
                  : cfg->ip_tau_s > 0;
}

/* A sample's arrays of those variables, in the same order. */
static float **extra_of(struct mp_net_sample *s, int k)
{
    return k == 0 ? &s->priming : k == 1 ? &s->gain : &s->bias;
}

static const float *extra_get(const struct mp_net_sample *s, int k)
{
    return k == 0 ? s->priming : k == 1 ? s->gain : s->bias;
}

/* The variables (time, neuron) of those the run has, and silent(time,
 * neuron) with record.silent_after. */
static void define_extra(struct mp_io_net_record *r,
                         const struct mp_config *cfg, const int *dims)
{
    int k;
    for (k = 0; k < 3; k++)
        r->v_extra[k] = extra_on(cfg, k)
                            ? mp__nc_def(&r->f, extra_names[k], NC_FLOAT, 2,
                                         dims, extra_long[k], "1")
                            : -1;
    r->v_silent = cfg->silent_after_s > 0
                      ? mp__nc_def(&r->f, "silent", NC_DOUBLE, 2, dims,
                                   "time the neuron has been silent: record "
                                   "intervals since it last fired whose "
                                   "mean rate was at most "
                                   "record.silent_rate",
                                   "s")
                      : -1;
}

/* The dimensions and variables. */
static void define(struct mp_io_net_record *r, const struct mp_config *cfg,
                   const struct mp_net *net, int *v_pat, int *v_bin)
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
    define_extra(r, cfg, dims);
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
    dims[1] = d_neu;
    define_views(r, cfg, net, dims);
    dims[0] = d_pat;
    dims[1] = d_in;
    *v_pat = mp__nc_def(f, "patterns", NC_FLOAT, 2, dims,
                        "input patterns (rates)", "1");
    *v_bin = mp__nc_def(f, "w_bin", NC_DOUBLE, 1, &d_bin,
                        "centre of the weight histogram bin", "1");
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
    r->n_sel = (uint32_t)mp_config_recorded_neurons(cfg, NULL, 0);
    r->L = cfg->fan_in ? cfg->fan_in
                       : cfg->n_in + (cfg->recurrent ? cfg->n_out : 0);
    r->S = cfg->rec_states && cfg->discrete ? mp_net_states(net, NULL) : 0;
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
    define(r, cfg, net, &v_pat, &v_bin);
    mp__nc_att_text(f, NC_GLOBAL, "title", "metaplast rate-network record");
    mp__nc_provenance(f, cfg, prov, "record");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm", "network");
    if (!f->rc)
        mp__nc_check(f, nc_enddef(f->id), "nc_enddef");
    write_static(r, cfg, net, v_pat, v_bin);
    rc = f->rc ? 0 : write_views_static(r, cfg, net);
    if (f->rc || rc) {
        if (!rc)
            rc = mp__nc_fail(f);
        mp__nc_close(f->id);
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Whether a sample has what the record holds. */
static int views_ok(const struct mp_io_net_record *r,
                    const struct mp_net_sample *s)
{
    return !((r->v_w >= 0 && (!s->weights || s->n_sel != r->n_sel ||
                              s->row_length != r->L)) ||
             (r->v_depth >= 0 && !s->depth) ||
             (r->v_occ >= 0 && (!s->occupancy || s->n_states != r->S)));
}

/* Entry t of the chosen variables. */
static void append_views(struct mp_io_net_record *r, size_t t,
                         const struct mp_net_sample *s)
{
    struct nc *f = &r->f;
    const size_t one = 1, st3[3] = {t, 0, 0}, c3[3] = {1, r->n_sel, r->L};
    const size_t st2[2] = {t, 0}, c2[2] = {1, r->S};
    const int pat = (int)s->pattern, phase = (int)s->phase;
    if (r->v_shown >= 0 && !f->rc)
        mp__nc_check(f, nc_put_vara_int(f->id, r->v_shown, &t, &one, &pat),
                     "shown_pattern");
    if (r->v_phase >= 0 && !f->rc)
        mp__nc_check(f, nc_put_vara_int(f->id, r->v_phase, &t, &one, &phase),
                     "phase");
    if (r->v_w >= 0 && !f->rc)
        mp__nc_check(f, nc_put_vara_float(f->id, r->v_w, st3, c3,
                                          s->weights),
                     "weights");
    if (r->v_depth >= 0 && !f->rc)
        mp__nc_check(f, nc_put_vara_uchar(f->id, r->v_depth, st3, c3,
                                          s->depth),
                     "depth");
    if (r->v_occ >= 0 && !f->rc)
        mp__nc_check(f, nc_put_vara_longlong(f->id, r->v_occ, st2, c2,
                                             (const long long *)s->occupancy),
                     "occupancy");
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
    int fault, k;
    if (!views_ok(r, s))
        return mp__fail(MP_EINVAL,
                        "%s: the sample lacks the weights or occupancy the "
                        "record holds",
                        f->path);
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
    append_views(r, t, s);
    for (k = 0; k < 3; k++)
        if (r->v_extra[k] >= 0 && extra_get(s, k))
            PUT(nc_put_vara_float(f->id, r->v_extra[k], st2, c2,
                                  extra_get(s, k)),
                extra_names[k]);
    if (r->v_silent >= 0 && s->silent_s)
        PUT(nc_put_vara_double(f->id, r->v_silent, st2, c2, s->silent_s),
            "silent");
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

int mp_io_net_record_finish(struct mp_io_net_record *r,
                            const struct mp_net_sample *s, double wall_s)
{
    struct nc *f = &r->f;
    double theta = 0.0, rate = 0.0, frac[MP__NC_MAX_STATES];
    int64_t total = 0;
    uint32_t i;
    for (i = 0; i < s->n_out; i++) {
        theta += s->theta[i];
        rate += s->rate[i];
    }
    for (i = 0; s->occupancy && i < s->n_states; i++)
        total += s->occupancy[i];
    for (i = 0; s->occupancy && i < s->n_states && i < MP__NC_MAX_STATES;
         i++)
        frac[i] = total ? (double)s->occupancy[i] / (double)total : 0.0;
    if (!f->rc)
        mp__nc_check(f, nc_redef(f->id), "nc_redef");
    mp__nc_att_double(f, NC_GLOBAL, "wall_time_s", wall_s);
    mp__nc_att_u64(f, NC_GLOBAL, "final_step", s->step);
    mp__nc_att_double(f, NC_GLOBAL, "final_selectivity",
                      mp_net_sample_selectivity(s));
    mp__nc_att_double(f, NC_GLOBAL, "final_theta_mean",
                      s->n_out ? theta / s->n_out : 0.0);
    mp__nc_att_double(f, NC_GLOBAL, "final_rate_mean",
                      s->n_out ? rate / s->n_out : 0.0);
    mp__nc_att_double(f, NC_GLOBAL, "final_w_mean", s->w_mean);
    mp__nc_att_double(f, NC_GLOBAL, "final_w_std", s->w_std);
    if (s->occupancy && s->n_states && !f->rc)
        mp__nc_check(f, nc_put_att_double(f->id, NC_GLOBAL,
                                           "final_occupancy", NC_DOUBLE,
                                           i, frac),
                     "final_occupancy");
    if (!f->rc)
        mp__nc_check(f, nc_enddef(f->id), "nc_enddef");
    if (!f->rc)
        mp__nc_check(f, nc_sync(f->id), "nc_sync");
    return f->rc ? mp__nc_fail(f) : 0;
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

/* The chosen variables of the old record that r holds too (the same
 * configuration: the same ones), and a sample with room for them. */
static const char *const view_names[5] = {"shown_pattern", "phase",
                                          "weights", "depth", "occupancy"};
/* A variable the old record lacks, computed instead. */
#define NOT_IN_FILE (-2)

static int views_open(const struct mp_io_net_record *r, int old,
                      const char *path, int *v, struct mp_net_sample *smp)
{
    const int mine[5] = {r->v_shown, r->v_phase, r->v_w, r->v_depth,
                         r->v_occ};
    const size_t nw = (size_t)r->n_sel * r->L;
    int k;
    for (k = 0; k < 5; k++) {
        v[k] = -1;
        if (mine[k] < 0 || !nc_inq_varid(old, view_names[k], &v[k]))
            continue;
        /* A record from before record.pattern: the schedule says. */
        v[k] = NOT_IN_FILE;
        if (k >= 2)
            return mp__fail(MP_EFORMAT, "%s: no '%s', which the run records",
                            path, view_names[k]);
    }
    smp->n_sel = r->n_sel;
    smp->row_length = r->L;
    smp->n_states = r->S;
    smp->weights = v[2] >= 0 ? malloc(nw * sizeof *smp->weights) : NULL;
    smp->depth = v[3] >= 0 ? malloc(nw) : NULL;
    smp->occupancy = v[4] >= 0 ? malloc(r->S * sizeof *smp->occupancy)
                               : NULL;
    if ((v[2] >= 0 && !smp->weights) || (v[3] >= 0 && !smp->depth) ||
        (v[4] >= 0 && !smp->occupancy))
        return mp__fail(MP_ENOMEM, "out of memory");
    return 0;
}

/* Entry t (of step `step`) of those variables into smp: nonzero on a
 * failed read. */
static int read_views(const struct mp_io_net_record *r, int old,
                      const int *v, size_t t, const struct mp_net *net,
                      uint64_t step, struct mp_net_sample *smp)
{
    const size_t one = 1, s3[3] = {t, 0, 0}, c3[3] = {1, r->n_sel, r->L};
    const size_t s2[2] = {t, 0}, c2[2] = {1, r->S};
    int pat = (int)mp_net_pattern_at(net, step);
    int phase = (int)mp_net_phase_at(net, step), rc = 0;
    if (v[0] >= 0)
        rc = rc || nc_get_vara_int(old, v[0], &t, &one, &pat);
    if (v[1] >= 0)
        rc = rc || nc_get_vara_int(old, v[1], &t, &one, &phase);
    if (v[2] >= 0)
        rc = rc || nc_get_vara_float(old, v[2], s3, c3, smp->weights);
    if (v[3] >= 0)
        rc = rc || nc_get_vara_uchar(old, v[3], s3, c3, smp->depth);
    if (v[4] >= 0)
        rc = rc || nc_get_vara_longlong(old, v[4], s2, c2,
                                        (long long *)smp->occupancy);
    smp->pattern = (uint32_t)pat;
    smp->phase = (uint32_t)phase;
    return rc;
}

/* The old record's variables of priming and intrinsic plasticity (vx[0]
 * to vx[2]) and of silent neurons (vx[3]), -1 for those the run has not,
 * and the sample's arrays for them. */
static int extra_alloc(const struct mp_io_net_record *r, int old,
                       const char *path, const struct mp_config *cfg,
                       struct mp_net_sample *smp, int *vx)
{
    int k;
    for (k = 0; k < 3; k++) {
        vx[k] = -1;
        if (r->v_extra[k] < 0)
            continue;
        if (nc_inq_varid(old, extra_names[k], &vx[k]) != NC_NOERR)
            return mp__fail(MP_EFORMAT, "%s: the record has no '%s', which "
                                        "its configuration records",
                            path, extra_names[k]);
        *extra_of(smp, k) = malloc(cfg->n_out * sizeof(float));
        if (!*extra_of(smp, k))
            return mp__fail(MP_ENOMEM, "out of memory");
    }
    vx[3] = -1;
    if (r->v_silent < 0)
        return 0;
    if (nc_inq_varid(old, "silent", &vx[3]) != NC_NOERR)
        return mp__fail(MP_EFORMAT, "%s: the record has no 'silent', which "
                                    "its configuration records",
                        path);
    smp->silent_s = malloc(((size_t)cfg->n_out + 1) * sizeof *smp->silent_s);
    if (!smp->silent_s)
        return mp__fail(MP_ENOMEM, "out of memory");
    return 0;
}

/* Entry t of those variables: nonzero on a NetCDF error. */
static int read_extra(int old, const int *vx, size_t t,
                      const struct mp_config *cfg, struct mp_net_sample *smp)
{
    const size_t s2[2] = {t, 0}, c2[2] = {1, cfg->n_out};
    int k;
    for (k = 0; k < 3; k++)
        if (vx[k] >= 0 &&
            nc_get_vara_float(old, vx[k], s2, c2, *extra_of(smp, k)))
            return 1;
    return vx[3] >= 0 && nc_get_vara_double(old, vx[3], s2, c2,
                                            smp->silent_s);
}

/* Copies the old record's entries up to `step` into r. */
static int copy_entries(struct mp_io_net_record *r, int old,
                        const char *path, const struct mp_config *cfg,
                        const struct mp_net *net, uint64_t step)
{
    struct mp_net_sample smp;
    size_t T = 0, t;
    int v[9], vv[5], vx[4], dim, rc = 0;
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
    if (!rc)
        rc = views_open(r, old, path, vv, &smp);
    if (!rc)
        rc = extra_alloc(r, old, path, cfg, &smp, vx);
    for (t = 0; t < T && !rc; t++) {
        long long st = 0;
        if (read_entry(old, v, t, cfg, &smp, &st) ||
            read_views(r, old, vv, t, net, (uint64_t)st, &smp) ||
            read_extra(old, vx, t, cfg, &smp)) {
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
        rc = copy_entries(r, old, path, cfg, net, step);
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
