/* SPDX-License-Identifier: MIT */
/* sweep.c: sweep.nc, every task's curve stacked along the swept keys
 * (`metaplast collect`), written atomically like every other file. */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "metaplast/version.h"
#include "nc.h"

static const char *const long_names[6] = {
    "mean overlap E[m(t)]",  "its standard error",
    "signal-to-noise ratio", "its standard error",
    "exact expected overlap", "exact expected SNR"};

/* Part p of s, split at `sep` (a linked key, or its value "v1:v2"). */
static void part(const char *s, int sep, size_t p, char *out, size_t len)
{
    for (; p > 0 && s; p--)
        if ((s = strchr(s, sep)) != NULL)
            s++;
    snprintf(out, len, "%.*s", s ? (int)strcspn(s, sep == ':' ? ":" : "+")
                                  : 0,
             s ? s : "");
}

static size_t parts_of(const struct mp_io_sweep_axis *a)
{
    size_t n = 1;
    const char *k;
    for (k = a->key; a->linked && *k; k++)
        n += *k == '+';
    return n;
}

/* Whether part p of every label is a number (and, if asked, the numbers
 * strictly monotonic, as a coordinate variable's must be). */
static int numeric(const struct mp_io_sweep_axis *a, size_t p, int mono)
{
    double prev = 0;
    int dir = 0;
    size_t j;
    for (j = 0; j < a->n; j++) {
        char v[512], *end;
        double d;
        part(a->labels[j], ':', p, v, sizeof v);
        d = strtod(v, &end);
        if (!v[0] || *end)
            return 0;
        if (mono && j > 0) {
            const int s = d > prev ? 1 : d < prev ? -1 : 0;
            if (!s || (dir && s != dir))
                return 0;
            dir = s;
        }
        prev = d;
    }
    return 1;
}

/* Whether the axis has its first key's parsed values, strictly
 * monotonic ("1s" and "1000ms" are one value: the labels then). */
static int typed(const struct mp_io_sweep_axis *a)
{
    int dir = 0;
    size_t j;
    if (!a->integers && !a->reals)
        return 0;
    for (j = 1; j < a->n; j++) {
        const int s = a->integers
                          ? (a->integers[j] > a->integers[j - 1]) -
                                (a->integers[j] < a->integers[j - 1])
                          : (a->reals[j] > a->reals[j - 1]) -
                                (a->reals[j] < a->reals[j - 1]);
        if (!s || (dir && s != dir))
            return 0;
        dir = s;
    }
    return 1;
}

/* How part p of an axis is written. */
enum form {
    F_TEXT,   /* the labels, in a char array */
    F_NUMBER, /* the labels as numbers (units "1") */
    F_TYPED   /* the first key's parsed values, in their units */
};

static enum form form_of(const struct mp_io_sweep_axis *a, size_t p)
{
    if (p == 0 && typed(a))
        return F_TYPED;
    return numeric(a, p, p == 0) ? F_NUMBER : F_TEXT;
}

/* An axis's parsed values: int64 (uint64 beyond 2^63 - 1), or double. */
static nc_type typed_type(const struct mp_io_sweep_axis *a)
{
    size_t j;
    for (j = 0; a->integers && j < a->n; j++)
        if (a->integers[j] > (uint64_t)INT64_MAX)
            return NC_UINT64;
    return a->integers ? NC_INT64 : NC_DOUBLE;
}

/* Part p of an axis as a variable over its dimension: numbers, or text
 * labels in a char array (dimension <var>_strlen). */
static int def_part(struct nc *f, const struct mp_io_sweep_axis *a,
                    size_t p, int dim, const char *var, enum form form)
{
    char key[64], dname[NC_MAX_NAME + 16];
    int dims[2] = {dim, -1}, v;
    size_t j, width = 1;
    part(a->key, '+', p, key, sizeof key);
    if (form == F_TYPED)
        return mp__nc_def(f, var, typed_type(a), 1, dims, key,
                          a->units ? a->units : "1");
    if (form == F_NUMBER)
        return mp__nc_def(f, var, NC_DOUBLE, 1, dims, key, "1");
    for (j = 0; j < a->n; j++) {
        char s[512];
        part(a->labels[j], ':', p, s, sizeof s);
        width = strlen(s) > width ? strlen(s) : width;
    }
    snprintf(dname, sizeof dname, "%s_strlen", var);
    if (!f->rc)
        mp__nc_check(f, nc_def_dim(f->id, dname, width, &dims[1]),
                     "nc_def_dim");
    v = mp__nc_def(f, var, NC_CHAR, 2, dims, key, NULL);
    mp__nc_att_text(f, v, "_Encoding", "utf-8");
    return v;
}

/* An axis's parsed values. */
static void put_typed(struct nc *f, const struct mp_io_sweep_axis *a,
                      int var)
{
    const size_t start = 0, count = a->n;
    if (f->rc)
        return;
    if (a->integers)
        mp__nc_check(f, nc_put_vara_ulonglong(
                            f->id, var, &start, &count,
                            (const unsigned long long *)a->integers),
                     a->name);
    else
        mp__nc_check(f, nc_put_vara_double(f->id, var, &start, &count,
                                           a->reals),
                     a->name);
}

static void put_part(struct nc *f, const struct mp_io_sweep_axis *a,
                     size_t p, int var, enum form form)
{
    size_t j;
    if (form == F_TYPED) {
        put_typed(f, a, var);
        return;
    }
    for (j = 0; j < a->n && !f->rc; j++) {
        char s[512];
        part(a->labels[j], ':', p, s, sizeof s);
        if (form == F_NUMBER) {
            const double d = strtod(s, NULL);
            mp__nc_check(f, nc_put_var1_double(f->id, var, &j, &d), a->name);
        } else {
            const size_t start[2] = {j, 0}, count[2] = {1, strlen(s)};
            if (count[1])
                mp__nc_check(f, nc_put_vara_text(f->id, var, start, count,
                                                  s),
                             a->name);
        }
    }
}

/* Every part of an axis: the first a coordinate variable (numbers, one
 * direction) or <axis>_label, the other linked keys named after them. */
static void axis_vars(struct nc *f, const struct mp_io_sweep_axis *a,
                      int dim, int write, struct mp__sweep_aux *aux)
{
    size_t p, n = parts_of(a);
    for (p = 0; p < n && !f->rc; p++) {
        const enum form form = form_of(a, p);
        char var[NC_MAX_NAME + 1], *c;
        int v;
        if (p == 0 && form != F_TEXT)
            snprintf(var, sizeof var, "%s", a->name);
        else if (p == 0)
            snprintf(var, sizeof var, "%s_label", a->name);
        else
            part(a->key, '+', p, var, sizeof var);
        for (c = var; *c; c++)
            *c = *c == '.' ? '_' : *c;
        if (write) {
            if (nc_inq_varid(f->id, var, &v) == NC_NOERR)
                put_part(f, a, p, v, form);
            continue;
        }
        v = def_part(f, a, p, dim, var, form);
        if (p == 0 && a->linked) {
            /* The linked values, one "a:b" label per coordinate. */
            char labels[4096] = "";
            size_t j;
            for (j = 0; j < a->n; j++)
                snprintf(labels + strlen(labels),
                         sizeof labels - strlen(labels), "%s%s",
                         j ? ", " : "", a->labels[j]);
            mp__nc_att_text(f, v, "linked_values", labels);
        }
        if (!(p == 0 && form != F_TEXT))
            snprintf(aux->names + strlen(aux->names),
                     sizeof aux->names - strlen(aux->names), "%s%s",
                     aux->names[0] ? " " : "", var);
    }
}

void mp__sweep_axes_def(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n, int *dims, struct mp__sweep_aux *aux)
{
    size_t k;
    memset(aux, 0, sizeof *aux);
    for (k = 0; k < n && !f->rc; k++)
        mp__nc_check(f, nc_def_dim(f->id, axes[k].name, axes[k].n, &dims[k]),
                     "nc_def_dim");
    for (k = 0; k < n && !f->rc; k++)
        axis_vars(f, &axes[k], dims[k], 0, aux);
}

void mp__sweep_axes_put(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        axis_vars(f, &axes[k], -1, 1, NULL);
}

void mp__sweep_coordinates(struct nc *f, int var,
                           const struct mp__sweep_aux *aux)
{
    if (aux->names[0])
        mp__nc_att_text(f, var, "coordinates", aux->names);
}

int mp__sweep_base(const char *path, const char *base_config,
                   struct mp_config **out)
{
    *out = NULL;
    if (!base_config)
        return 0;
    if (!(*out = malloc(sizeof **out)))
        return mp__fail(MP_ENOMEM, "%s: out of memory", path);
    mp_config_init(*out);
    if (mp_config_load_text(*out, base_config, "base.ini") == 0)
        return 0;
    free(*out);
    *out = NULL;
    return mp__fail(MP_EFORMAT, "%s: the sweep's base config is unreadable: %s",
                    path, mp_errmsg());
}

void mp__sweep_globals(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov,
                       const char *sweep_command_line, const char *paradigm)
{
    mp__nc_att_text(f, NC_GLOBAL, "title", "metaplast sweep");
    mp__nc_provenance(f, cfg, prov, "sweep");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm", paradigm);
    if (sweep_command_line)
        mp__nc_att_text(f, NC_GLOBAL, "sweep_command_line",
                        sweep_command_line);
}

/* The stacked variables over the axes (and age), each naming the
 * auxiliary coordinates. */
static void def_data(struct nc *f, const struct mp_io_sweep *s,
                     const int *dims, const struct mp__sweep_aux *aux,
                     int *v)
{
    const int nax = (int)s->n_axes;
    int k;
    /* Times are counts of memories: units "1" (CF), the clock named. */
    v[0] = mp__nc_def(f, "lifetime", NC_DOUBLE, nax, dims,
                      "largest age on the grid with SNR >= 1 (sim), in "
                      "memories",
                      "1");
    v[1] = mp__nc_def(f, "lifetime_theory", NC_DOUBLE, nax, dims,
                      "largest age with expected SNR >= 1 (theory), in "
                      "memories",
                      "1");
    mp__nc_att_text(f, v[0], "clock", "memories");
    mp__nc_att_text(f, v[1], "clock", "memories");
    v[2] = mp__nc_def(f, "complete", NC_BYTE, nax, dims,
                      "1 if the task's run finished, else 0", "1");
    v[3] = mp__nc_def(f, "probes", NC_INT64, nax + 1, dims,
                      "number of measurements averaged at this age", "1");
    for (k = 0; k < 6; k++)
        v[4 + k] = mp__nc_def(f, mp_io_ens_record_names[k], NC_DOUBLE,
                              nax + 1, dims, long_names[k], "1");
    for (k = 0; k < 10; k++)
        mp__sweep_coordinates(f, v[k], aux);
}

int mp_io_sweep_write(const char *path, const struct mp_io_sweep *s)
{
    struct nc f;
    struct mp__sweep_aux aux;
    struct mp_config *cfg;
    int dims[MP_IO_SWEEP_MAX_AXES + 1], v_age, v[10],
        nax = (int)s->n_axes, k, rc;
    if (s->n_axes > MP_IO_SWEEP_MAX_AXES)
        return mp__fail(MP_EINVAL, "%s: too many swept keys", path);
    if ((rc = mp__sweep_base(path, s->base_config, &cfg)) != 0)
        return rc;
    if ((rc = mp__nc_begin(&f, path)) != 0) {
        free(cfg);
        return rc;
    }
    mp__sweep_axes_def(&f, s->axes, s->n_axes, dims, &aux);
    mp__nc_check(&f, nc_def_dim(f.id, "age", s->n_ages, &dims[nax]),
                 "nc_def_dim");
    v_age = mp__nc_def(&f, "age", NC_INT64, 1, &dims[nax],
                       "age of the memory in memories (memories stored "
                       "after it)",
                       "1");
    mp__nc_att_text(&f, v_age, "clock", "memories");
    def_data(&f, s, dims, &aux, v);
    mp__sweep_globals(&f, cfg, s->prov, s->sweep_command_line, "ensemble");
    free(cfg);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    mp__sweep_axes_put(&f, s->axes, s->n_axes);
    mp__nc_put(&f, v_age, s->ages, "age");
    mp__nc_put(&f, v[0], s->lifetime, "lifetime");
    mp__nc_put(&f, v[1], s->lifetime_theory, "lifetime_theory");
    mp__nc_put(&f, v[2], s->complete, "complete");
    mp__nc_put(&f, v[3], s->probes, "probes");
    for (k = 0; k < 6; k++)
        mp__nc_put(&f, v[4 + k], s->value[k], mp_io_ens_record_names[k]);
    return mp__nc_finish(&f, 0);
}
