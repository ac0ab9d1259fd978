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

/* An axis's coordinate type: its parsed values' (integers, reals), or
 * the labels' (numbers, strings). */
static nc_type axis_type(const struct mp_io_sweep_axis *a)
{
    size_t j;
    if (a->integers) {
        for (j = 0; j < a->n; j++)
            if (a->integers[j] > (uint64_t)INT64_MAX)
                return NC_UINT64;
        return NC_INT64;
    }
    return a->reals || a->numeric ? NC_DOUBLE : NC_STRING;
}

/* An axis's coordinate variable (numbers, or the labels as strings). */
static int def_axis(struct nc *f, const struct mp_io_sweep_axis *a, int dim)
{
    const nc_type type = axis_type(a);
    int var = mp__nc_def(f, a->name, type, 1, &dim, a->key,
                         type == NC_STRING ? NULL
                         : a->units        ? a->units
                                           : "1");
    if (a->linked && !f->rc) {
        /* The linked values, one "a:b" label per coordinate. */
        char labels[4096] = "";
        size_t j;
        for (j = 0; j < a->n; j++)
            snprintf(labels + strlen(labels), sizeof labels - strlen(labels),
                     "%s%s", j ? ", " : "", a->labels[j]);
        mp__nc_att_text(f, var, "linked_values", labels);
    }
    return var;
}

/* An axis's parsed values. */
static void put_values(struct nc *f, const struct mp_io_sweep_axis *a,
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

static void put_axis(struct nc *f, const struct mp_io_sweep_axis *a, int var)
{
    size_t j;
    if (a->integers || a->reals) {
        put_values(f, a, var);
        return;
    }
    for (j = 0; j < a->n && !f->rc; j++) {
        if (a->numeric) {
            const double d = strtod(a->labels[j], NULL);
            mp__nc_check(f, nc_put_var1_double(f->id, var, &j, &d), a->name);
        } else {
            const char *sv = a->labels[j];
            mp__nc_check(f, nc_put_var1_string(f->id, var, &j, &sv),
                         a->name);
        }
    }
}

int mp_io_sweep_write(const char *path, const struct mp_io_sweep *s)
{
    struct nc f;
    int dims[MP_IO_SWEEP_MAX_AXES + 1], v_ax[MP_IO_SWEEP_MAX_AXES], v_age, v_lt,
        v_ltt, v_c, v_p, v_val[6], nax = (int)s->n_axes, k;
    int rc;
    if (s->n_axes > MP_IO_SWEEP_MAX_AXES)
        return mp__fail(MP_EINVAL, "%s: too many swept keys", path);
    rc = mp__nc_begin(&f, path);
    if (rc)
        return rc;
    for (k = 0; k < nax && !f.rc; k++)
        mp__nc_check(&f, nc_def_dim(f.id, s->axes[k].name, s->axes[k].n,
                                    &dims[k]),
                     "nc_def_dim");
    mp__nc_check(&f, nc_def_dim(f.id, "age", s->n_ages, &dims[nax]),
                 "nc_def_dim");
    for (k = 0; k < nax; k++)
        v_ax[k] = def_axis(&f, &s->axes[k], dims[k]);
    /* Times are counts of memories: units "1" (CF), the clock named. */
    v_age = mp__nc_def(&f, "age", NC_INT64, 1, &dims[nax],
                       "age of the memory in memories (memories stored "
                       "after it)",
                       "1");
    v_lt = mp__nc_def(&f, "lifetime", NC_DOUBLE, nax, dims,
                      "largest age on the grid with SNR >= 1 (sim), in "
                      "memories",
                      "1");
    v_ltt = mp__nc_def(&f, "lifetime_theory", NC_DOUBLE, nax, dims,
                       "largest age with expected SNR >= 1 (theory), in "
                       "memories",
                       "1");
    mp__nc_att_text(&f, v_age, "clock", "memories");
    mp__nc_att_text(&f, v_lt, "clock", "memories");
    mp__nc_att_text(&f, v_ltt, "clock", "memories");
    v_c = mp__nc_def(&f, "complete", NC_BYTE, nax, dims,
                     "1 if the task's run finished, else 0", "1");
    v_p = mp__nc_def(&f, "probes", NC_INT64, nax + 1, dims,
                     "number of measurements averaged at this age", "1");
    for (k = 0; k < 6; k++)
        v_val[k] = mp__nc_def(&f, mp_io_ens_record_names[k], NC_DOUBLE,
                              nax + 1, dims, long_names[k], "1");
    mp__nc_att_text(&f, NC_GLOBAL, "Conventions", "CF-1.8");
    mp__nc_att_text(&f, NC_GLOBAL, "title", "metaplast sweep");
    mp__nc_att_text(&f, NC_GLOBAL, "metaplast_file", "sweep");
    mp__nc_att_text(&f, NC_GLOBAL, "metaplast_version", MP_VERSION_STRING);
    if (s->base_config)
        mp__nc_att_text(&f, NC_GLOBAL, "base_config", s->base_config);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    for (k = 0; k < nax; k++)
        put_axis(&f, &s->axes[k], v_ax[k]);
    mp__nc_put(&f, v_age, s->ages, "age");
    mp__nc_put(&f, v_lt, s->lifetime, "lifetime");
    mp__nc_put(&f, v_ltt, s->lifetime_theory, "lifetime_theory");
    mp__nc_put(&f, v_c, s->complete, "complete");
    mp__nc_put(&f, v_p, s->probes, "probes");
    for (k = 0; k < 6; k++)
        mp__nc_put(&f, v_val[k], s->value[k], mp_io_ens_record_names[k]);
    return mp__nc_finish(&f, 0);
}

/* ---- The axes, for the network sweep's writer (sweep_net.c) ------------- */

void mp__sweep_axes_def(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n, int *dims, int *vars)
{
    size_t k;
    for (k = 0; k < n && !f->rc; k++)
        mp__nc_check(f, nc_def_dim(f->id, axes[k].name, axes[k].n, &dims[k]),
                     "nc_def_dim");
    for (k = 0; k < n && !f->rc; k++)
        vars[k] = def_axis(f, &axes[k], dims[k]);
}

void mp__sweep_axes_put(struct nc *f, const struct mp_io_sweep_axis *axes,
                        size_t n, const int *vars)
{
    size_t k;
    for (k = 0; k < n; k++)
        put_axis(f, &axes[k], vars[k]);
}
