/* SPDX-License-Identifier: MIT */
/* sweep_attr.c: sweep.nc of a sweep of attractor networks: every task's
 * retrieval curve and capacities stacked along the swept axes (`metaplast
 * collect`), written atomically like every other file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

/* The per-age curves stacked (doubles), with their long names. */
#define N_CURVES 6
static const char *const curves[N_CURVES][2] = {
    {"overlap", "mean final overlap with the cued memory"},
    {"overlap_sem", "standard error of the mean final overlap"},
    {"retrieved", "fraction of retrievals with final overlap >= "
                  "retrieve.success"},
    {"retrieved_sem", "binomial standard error of the retrieved fraction"},
    {"converged", "fraction of retrievals that reached a fixed point"},
    {"sweeps", "mean sweeps that changed the state"}};

/* The per-run numbers stacked: the record's attributes. */
#define N_SCALARS 4
static const char *const scalars[N_SCALARS][2] = {
    {"capacity", "largest grid age retrieved with probability >= 1/2 "
                 "there and at every younger age, in memories (-1: none)"},
    {"capacity_interp", "age where the retrieved fraction, interpolated "
                        "linearly, crosses 1/2, in memories"},
    {"capacity_theory", "largest age whose mean-field overlap reaches "
                        "retrieve.success (approximation), in memories"},
    {"lifetime_ideal_observer",
     "largest age with SNR >= 1 of an ensemble of the network's synapses "
     "(exact theory), in memories"}};

/* Every record read: the age grid, then per cell (row-major over the
 * axes) the probes and curves per age and the numbers. */
struct stack {
    size_t cells, n;
    uint64_t *ages;
    const char *first; /* the record the grid was taken from */
    int64_t *probes;   /* cells x n (0 without a record) */
    double *curve[N_CURVES]; /* cells x n (NaN without a record) */
    double *scalar[N_SCALARS]; /* cells (NaN without a record) */
};

static void stack_free(struct stack *s)
{
    int k;
    free(s->ages);
    free(s->probes);
    for (k = 0; k < N_CURVES; k++)
        free(s->curve[k]);
    for (k = 0; k < N_SCALARS; k++)
        free(s->scalar[k]);
}

/* Opens a record and checks that it is an attractor network's; its ages
 * (allocated) and their number. */
static int open_record(const char *path, int *nc, uint64_t **ages,
                       size_t *n)
{
    char kind[32], *paradigm = NULL;
    int rc = mp__nc_open_ours(path, nc, kind), ours, dim, var;
    if (rc)
        return rc;
    ours = !strcmp(kind, "record") &&
           !mp__nc_get_text(*nc, NC_GLOBAL, "paradigm", &paradigm) &&
           !strcmp(paradigm, "attractor");
    free(paradigm);
    if (!ours)
        rc = mp__fail(MP_EFORMAT,
                      "%s: not an attractor-network record (a sweep's "
                      "tasks are stacked only with tasks of one paradigm)",
                      path);
    else if (nc_inq_dimid(*nc, "age", &dim) || nc_inq_dimlen(*nc, dim, n) ||
             nc_inq_varid(*nc, "age", &var))
        rc = mp__fail(MP_EFORMAT, "%s: no age grid", path);
    else if (!(*ages = malloc((*n + 1) * sizeof **ages)))
        rc = mp__fail(MP_ENOMEM, "%s: out of memory", path);
    else if (*n && nc_get_var_ulonglong(*nc, var,
                                        (unsigned long long *)*ages))
        rc = mp__fail(MP_EFORMAT, "%s: cannot read its ages", path);
    if (rc) {
        nc_close(*nc);
        if (ours)
            free(*ages);
        *ages = NULL;
    }
    return rc;
}

/* The arrays, once the grid is known. */
static int stack_alloc(struct stack *s, const char *path)
{
    const size_t m = s->cells * s->n + 1;
    size_t i;
    int k, ok;
    s->probes = calloc(m, sizeof *s->probes);
    ok = s->probes != NULL;
    for (k = 0; k < N_CURVES; k++)
        ok = (s->curve[k] = malloc(m * sizeof(double))) && ok;
    for (k = 0; k < N_SCALARS; k++)
        ok = (s->scalar[k] = malloc((s->cells + 1) * sizeof(double))) && ok;
    if (!ok)
        return mp__fail(MP_ENOMEM, "%s: out of memory", path);
    for (k = 0; k < N_CURVES; k++)
        for (i = 0; i < m; i++)
            s->curve[k][i] = NAN;
    for (k = 0; k < N_SCALARS; k++)
        for (i = 0; i <= s->cells; i++)
            s->scalar[k][i] = NAN;
    return 0;
}

/* One record into cell c. */
static int take(struct stack *s, const char *path, size_t c)
{
    uint64_t *ages = NULL;
    size_t n = 0;
    int nc, var, k, rc = open_record(path, &nc, &ages, &n);
    if (rc)
        return rc;
    if (!s->first) {
        s->first = path, s->n = n, s->ages = ages, ages = NULL;
        rc = stack_alloc(s, path);
    } else if (n != s->n || memcmp(ages, s->ages, n * sizeof *ages))
        rc = mp__fail(MP_EINVAL, "%s has another age grid than %s: collect "
                                 "needs one grid for all tasks",
                      path, s->first);
    free(ages);
    if (!rc && n && (nc_inq_varid(nc, "probes", &var) ||
                     nc_get_var_longlong(nc, var, (long long *)s->probes +
                                                      c * n)))
        rc = mp__fail(MP_EFORMAT, "%s: cannot read 'probes'", path);
    for (k = 0; k < N_CURVES && !rc && n; k++)
        if (nc_inq_varid(nc, curves[k][0], &var) ||
            nc_get_var_double(nc, var, s->curve[k] + c * n))
            rc = mp__fail(MP_EFORMAT, "%s: cannot read '%s'", path,
                          curves[k][0]);
    for (k = 0; k < N_SCALARS && !rc; k++)
        if (nc_get_att_double(nc, NC_GLOBAL, scalars[k][0],
                              &s->scalar[k][c]))
            rc = mp__fail(MP_EFORMAT, "%s: no attribute '%s'", path,
                          scalars[k][0]);
    nc_close(nc);
    return rc;
}

/* Dimensions, coordinates, variables, attributes; then the values. */
static void write_all(struct nc *f, const struct mp_io_sweep_net *s,
                      const struct stack *st, const struct mp_config *cfg)
{
    int dims[MP_IO_SWEEP_MAX_AXES + 1], nax = (int)s->n_axes, v_age, v_c,
        v_p, v_cur[N_CURVES], v_sc[N_SCALARS], k;
    struct mp__sweep_aux aux;
    mp__sweep_axes_def(f, s->axes, s->n_axes, dims, &aux);
    mp__nc_check(f, nc_def_dim(f->id, "age", st->n, &dims[nax]),
                 "nc_def_dim");
    v_age = mp__nc_def(f, "age", NC_INT64, 1, &dims[nax],
                       "age of the memory in memories (memories stored "
                       "after it)", "1");
    mp__nc_att_text(f, v_age, "clock", "memories");
    v_c = mp__nc_def(f, "complete", NC_BYTE, nax, dims,
                     "1 if the task's run finished, else 0", "1");
    v_p = mp__nc_def(f, "probes", NC_INT64, nax + 1, dims,
                     "number of retrievals averaged at this age (0: no "
                     "record)", "1");
    for (k = 0; k < N_CURVES; k++)
        v_cur[k] = mp__nc_def(f, curves[k][0], NC_DOUBLE, nax + 1, dims,
                              curves[k][1], "1");
    for (k = 0; k < N_SCALARS; k++) {
        v_sc[k] = mp__nc_def(f, scalars[k][0], NC_DOUBLE, nax, dims,
                             scalars[k][1], "1");
        mp__nc_att_text(f, v_sc[k], "clock", "memories");
        mp__sweep_coordinates(f, v_sc[k], &aux);
    }
    mp__sweep_coordinates(f, v_c, &aux);
    mp__sweep_coordinates(f, v_p, &aux);
    for (k = 0; k < N_CURVES; k++)
        mp__sweep_coordinates(f, v_cur[k], &aux);
    mp__sweep_globals(f, cfg, s->prov, s->sweep_command_line, "attractor");
    if (!f->rc)
        mp__nc_check(f, nc_enddef(f->id), "nc_enddef");
    mp__sweep_axes_put(f, s->axes, s->n_axes);
    mp__nc_put(f, v_age, st->ages, "age");
    mp__nc_put(f, v_c, s->complete, "complete");
    mp__nc_put(f, v_p, st->probes, "probes");
    for (k = 0; k < N_CURVES; k++)
        mp__nc_put(f, v_cur[k], st->curve[k], curves[k][0]);
    for (k = 0; k < N_SCALARS; k++)
        mp__nc_put(f, v_sc[k], st->scalar[k], scalars[k][0]);
}

int mp_io_sweep_attr_write(const char *path, const struct mp_io_sweep_net *s)
{
    struct stack st;
    struct nc f;
    struct mp_config *cfg = NULL;
    size_t k, c;
    int rc = 0;
    if (s->n_axes > MP_IO_SWEEP_MAX_AXES)
        return mp__fail(MP_EINVAL, "%s: too many swept keys", path);
    memset(&st, 0, sizeof st);
    st.cells = 1;
    for (k = 0; k < s->n_axes; k++)
        st.cells *= s->axes[k].n;
    for (c = 0; c < st.cells && !rc; c++)
        if (s->records[c])
            rc = take(&st, s->records[c], c);
    if (!rc && !st.first)
        rc = mp__fail(MP_EINVAL, "no task has a record yet");
    if (!rc)
        rc = mp__sweep_base(path, s->base_config, &cfg);
    if (!rc && (rc = mp__nc_begin(&f, path)) == 0) {
        write_all(&f, s, &st, cfg);
        rc = mp__nc_finish(&f, 0);
    }
    free(cfg);
    stack_free(&st);
    return rc;
}
