/* SPDX-License-Identifier: MIT */
/* sweep_net.c: sweep.nc of a sweep of rate networks: every task's record
 * stacked along the swept axes, copied one record at a time (`metaplast
 * collect`), written atomically like every other file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

/* The record's dimensions, in the order of enum dim. */
enum dim { D_TIME, D_NEURON, D_PATTERN, D_BIN, D_INPUT, N_DIMS };
static const char *const dim_names[N_DIMS] = {"time", "neuron", "pattern",
                                              "bin", "input"};

/* What is stacked: the record's variables, with their dimensions after
 * the axes (-1 ends the list). */
static const struct {
    const char *name;
    nc_type type;
    int dims[3];
    const char *long_name;
} vars[] = {
    {"theta", NC_FLOAT, {D_TIME, D_NEURON, -1},
     "sliding modification threshold"},
    {"rate", NC_FLOAT, {D_TIME, D_NEURON, -1},
     "mean rate over the record interval"},
    {"response", NC_FLOAT, {D_TIME, D_NEURON, D_PATTERN},
     "response to each pattern presented alone (selectivity)"},
    {"w_hist", NC_INT64, {D_TIME, D_BIN, -1},
     "histogram of all weights over [w_min, w_max]"},
    {"w_mean", NC_DOUBLE, {D_TIME, -1, -1}, "mean weight"},
    {"w_std", NC_DOUBLE, {D_TIME, -1, -1},
     "standard deviation of the weights"},
    {"modulator", NC_DOUBLE, {D_TIME, -1, -1}, "neuromodulator level m"},
    {"patterns", NC_FLOAT, {D_PATTERN, D_INPUT, -1},
     "input patterns (rates)"},
    {"w_bin", NC_DOUBLE, {D_BIN, -1, -1},
     "centre of the weight histogram bin"},
};
#define N_VARS (sizeof vars / sizeof vars[0])

/* The records' common shape and the longest time grid. */
struct shape {
    size_t len[N_DIMS];
    double *time;      /* len[D_TIME] entries, seconds */
    const char *first; /* the record the shape was taken from */
    const char *longest;
};

/* Opens a record and checks that it is a network's. */
static int open_record(const char *path, int *nc)
{
    char kind[32], *paradigm = NULL;
    int rc = mp__nc_open_ours(path, nc, kind), net;
    if (rc)
        return rc;
    net = !strcmp(kind, "record") &&
          !mp__nc_get_text(*nc, NC_GLOBAL, "paradigm", &paradigm) &&
          !strcmp(paradigm, "network");
    free(paradigm);
    if (!net) {
        nc_close(*nc);
        return mp__fail(MP_EFORMAT,
                        "%s: not a rate-network record (a sweep's tasks "
                        "are stacked only with tasks of one paradigm)",
                        path);
    }
    return 0;
}

/* A record's dimension lengths and times (allocated). */
static int read_grid(int nc, const char *path, size_t *len, double **time)
{
    int d, var;
    for (d = 0; d < N_DIMS; d++)
        if (nc_inq_dimid(nc, dim_names[d], &var) ||
            nc_inq_dimlen(nc, var, &len[d]))
            return mp__fail(MP_EFORMAT, "%s: not a network record (no "
                                        "dimension '%s')",
                            path, dim_names[d]);
    *time = malloc((len[D_TIME] + 1) * sizeof **time);
    if (!*time)
        return mp__fail(MP_ENOMEM, "%s: out of memory", path);
    if (nc_inq_varid(nc, "time", &var) ||
        (len[D_TIME] && nc_get_var_double(nc, var, *time))) {
        free(*time);
        *time = NULL;
        return mp__fail(MP_EFORMAT, "%s: cannot read its times", path);
    }
    return 0;
}

static int same_time(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a));
}

/* A record's shape against the others': equal sizes, and times that
 * agree where both have them; the longer grid is kept. */
static int fold_shape(struct shape *s, const char *path, const size_t *len,
                      double **time)
{
    size_t d, t, common;
    if (!s->first) {
        memcpy(s->len, len, sizeof s->len);
        s->time = *time;
        *time = NULL;
        s->first = s->longest = path;
        return 0;
    }
    for (d = D_NEURON; d < N_DIMS; d++)
        if (len[d] != s->len[d])
            return mp__fail(MP_EINVAL,
                            "%s has %zu %s%s, %s %zu: collect stacks "
                            "networks of one shape (do not vary the "
                            "number of neurons, inputs, patterns or "
                            "histogram bins)",
                            path, len[d], dim_names[d],
                            len[d] == 1 ? "" : "s", s->first, s->len[d]);
    common = len[D_TIME] < s->len[D_TIME] ? len[D_TIME] : s->len[D_TIME];
    for (t = 0; t < common; t++)
        if (!same_time((*time)[t], s->time[t]))
            return mp__fail(MP_EINVAL,
                            "%s records at %g s where %s records at %g s: "
                            "collect needs one time grid (do not vary "
                            "record.interval)",
                            path, (*time)[t], s->longest, s->time[t]);
    if (len[D_TIME] > s->len[D_TIME]) {
        free(s->time);
        s->time = *time;
        *time = NULL;
        s->len[D_TIME] = len[D_TIME];
        s->longest = path;
    }
    return 0;
}

/* Every record's shape, before anything is written. */
static int scan(const struct mp_io_sweep_net *s, size_t cells,
                struct shape *sh)
{
    size_t c, len[N_DIMS];
    int rc = 0, nc;
    for (c = 0; c < cells && !rc; c++) {
        double *time = NULL;
        if (!s->records[c])
            continue;
        if ((rc = open_record(s->records[c], &nc)))
            break;
        rc = read_grid(nc, s->records[c], len, &time);
        nc_close(nc);
        if (!rc)
            rc = fold_shape(sh, s->records[c], len, &time);
        free(time);
    }
    if (!rc && !sh->first)
        rc = mp__fail(MP_EINVAL, "no task has a record yet");
    return rc;
}

/* The stacked variables, filled where a task has no entry, each naming
 * the auxiliary coordinates. */
static void def_vars(struct nc *f, int nax, int *dims,
                     const struct mp__sweep_aux *aux, int *v)
{
    static const float nan_f = NAN;
    static const double nan_d = NAN;
    static const long long none = -1;
    size_t i;
    for (i = 0; i < N_VARS && !f->rc; i++) {
        int vd[MP_IO_SWEEP_MAX_AXES + 3], n = nax, j;
        memcpy(vd, dims, (size_t)nax * sizeof *vd);
        for (j = 0; j < 3 && vars[i].dims[j] >= 0; j++)
            vd[n++] = dims[nax + vars[i].dims[j]];
        v[i] = mp__nc_def(f, vars[i].name, vars[i].type, n, vd,
                          vars[i].long_name, "1");
        if (!f->rc)
            mp__nc_check(f, nc_def_var_fill(f->id, v[i], 0,
                                            vars[i].type == NC_FLOAT
                                                ? (const void *)&nan_f
                                            : vars[i].type == NC_DOUBLE
                                                ? (const void *)&nan_d
                                                : (const void *)&none),
                         vars[i].name);
        mp__sweep_coordinates(f, v[i], aux);
    }
}

/* Dimensions, coordinates, variables and attributes; then the axes,
 * times and completion flags.  v: the stacked variables' ids. */
static void define(struct nc *f, const struct mp_io_sweep_net *s,
                   const struct shape *sh, const struct mp_config *cfg,
                   int *v)
{
    int dims[MP_IO_SWEEP_MAX_AXES + N_DIMS];
    int nax = (int)s->n_axes, d, v_time, v_c;
    struct mp__sweep_aux aux;
    mp__sweep_axes_def(f, s->axes, s->n_axes, dims, &aux);
    for (d = 0; d < N_DIMS && !f->rc; d++)
        mp__nc_check(f, nc_def_dim(f->id, dim_names[d], sh->len[d],
                                   &dims[nax + d]),
                     "nc_def_dim");
    v_time = mp__nc_def(f, "time", NC_DOUBLE, 1, &dims[nax],
                        "simulated time", "s");
    v_c = mp__nc_def(f, "complete", NC_BYTE, nax, dims,
                     "1 if the task's run finished, else 0", "1");
    mp__sweep_coordinates(f, v_c, &aux);
    def_vars(f, nax, dims, &aux, v);
    mp__sweep_globals(f, cfg, s->prov, s->sweep_command_line, "network");
    if (!f->rc)
        mp__nc_check(f, nc_enddef(f->id), "nc_enddef");
    mp__sweep_axes_put(f, s->axes, s->n_axes);
    if (sh->len[D_TIME])
        mp__nc_put(f, v_time, sh->time, "time");
    mp__nc_put(f, v_c, s->complete, "complete");
}

/* One record's variables into cell c's slab. */
static int copy_record(struct nc *f, const struct mp_io_sweep_net *s,
                       size_t c, const int *v)
{
    const char *path = s->records[c];
    size_t start[MP_IO_SWEEP_MAX_AXES + 3], count[MP_IO_SWEEP_MAX_AXES + 3];
    size_t i, k, rest = c, nax = s->n_axes;
    int nc, rc = open_record(path, &nc);
    if (rc)
        return rc;
    for (k = nax; k-- > 0;) {
        start[k] = rest % s->axes[k].n;
        rest /= s->axes[k].n;
        count[k] = 1;
    }
    for (i = 0; i < N_VARS && !rc && !f->rc; i++) {
        size_t n = 1, bytes = vars[i].type == NC_FLOAT ? 4 : 8, j, len;
        int var, dim[3], nd = 0;
        nc_type type;
        void *buf;
        if (nc_inq_varid(nc, vars[i].name, &var) ||
            nc_inq_vartype(nc, var, &type) || type != vars[i].type ||
            nc_inq_varndims(nc, var, &nd) || nd > 3 ||
            nc_inq_vardimid(nc, var, dim)) {
            rc = mp__fail(MP_EFORMAT, "%s: not a network record ('%s' "
                                      "missing or of another type)",
                          path, vars[i].name);
            break;
        }
        for (j = 0; j < (size_t)nd; j++) {
            nc_inq_dimlen(nc, dim[j], &len);
            start[nax + j] = 0;
            count[nax + j] = len;
            n *= len;
        }
        if (!n)
            continue; /* a record without entries yet */
        if (!(buf = malloc(n * bytes))) {
            rc = mp__fail(MP_ENOMEM, "%s: out of memory", path);
            break;
        }
        if (nc_get_var(nc, var, buf))
            rc = mp__fail(MP_EFORMAT, "%s: cannot read '%s'", path,
                          vars[i].name);
        else
            mp__nc_check(f, nc_put_vara(f->id, v[i], start, count, buf),
                         vars[i].name);
        free(buf);
    }
    nc_close(nc);
    return rc;
}

int mp_io_sweep_net_write(const char *path, const struct mp_io_sweep_net *s)
{
    struct shape sh;
    struct nc f;
    struct mp_config *cfg = NULL;
    size_t cells = 1, k, c;
    int v[N_VARS], rc;
    if (s->n_axes > MP_IO_SWEEP_MAX_AXES)
        return mp__fail(MP_EINVAL, "%s: too many swept keys", path);
    for (k = 0; k < s->n_axes; k++)
        cells *= s->axes[k].n;
    memset(&sh, 0, sizeof sh);
    rc = scan(s, cells, &sh);
    if (!rc)
        rc = mp__sweep_base(path, s->base_config, &cfg);
    if (!rc && (rc = mp__nc_begin(&f, path)) != 0)
        free(cfg);
    if (rc) {
        free(sh.time);
        return rc;
    }
    define(&f, s, &sh, cfg, v);
    free(cfg);
    for (c = 0; c < cells && !rc && !f.rc; c++)
        if (s->records[c])
            rc = copy_record(&f, s, c, v);
    free(sh.time);
    if (rc) {
        /* A record failed to read: nothing is left behind. */
        mp__nc_close(f.id);
        unlink(f.tmp);
        return rc;
    }
    return mp__nc_finish(&f, 0);
}
