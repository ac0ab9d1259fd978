/* SPDX-License-Identifier: MIT */
/* collect.c: `metaplast collect DIR`: every task's record stacked along
 * the swept keys into DIR/sweep.nc (mp_io_sweep_write). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

struct axis {
    char name[64]; /* dimension name: the key with '.' -> '_' */
    size_t n;
    const char **labels; /* distinct values (room for one per task: a
                            seed axis can have more than MAX_VALUES) */
    int numeric;
    int kind;        /* mp_config_kind of its (first) key */
    uint64_t *ints;  /* the values, MP_CONFIG_INTEGER */
    double *reals;   /* ... MP_CONFIG_REAL, MP_CONFIG_TIME (s) */
};

static int axis_index(const struct axis *x, const char *v)
{
    size_t i;
    for (i = 0; i < x->n; i++)
        if (!strcmp(x->labels[i], v))
            return (int)i;
    return -1;
}

/* The axis's values parsed as its (first) key parses them: counts as
 * integers, numbers, times in seconds ("0.5s", "500ms" -> 0.5); other
 * keys (choices, paths, lists) keep their labels. */
static void type_axis(struct axis *x, const char *key)
{
    struct mp_config c;
    char first[64], set[1200], value[256];
    size_t j;
    snprintf(first, sizeof first, "%s", key);
    first[strcspn(first, "+")] = '\0';
    if (mp_config_kind(first, &x->kind) || x->kind == MP_CONFIG_TEXT) {
        x->kind = MP_CONFIG_TEXT;
        return;
    }
    mp_config_init(&c);
    for (j = 0; j < x->n; j++) {
        /* A linked value "v1:v2": the first key's part. */
        snprintf(set, sizeof set, "%s=%.*s", first,
                 (int)strcspn(x->labels[j], ":"), x->labels[j]);
        if (mp_config_set(&c, set, 1) ||
            mp_config_value(&c, first, value, sizeof value)) {
            x->kind = MP_CONFIG_TEXT; /* not this build's key: labels */
            return;
        }
        if (x->kind == MP_CONFIG_INTEGER)
            x->ints[j] = strtoull(value, NULL, 10);
        else
            x->reals[j] = strtod(value, NULL); /* "0.5s": 0.5 */
    }
}

static void axes_free(struct axis *ax, int n)
{
    int k;
    for (k = 0; k < n; k++) {
        free(ax[k].labels);
        free(ax[k].ints);
        free(ax[k].reals);
    }
}

/* One axis per varied key, and seed; returns the number of cells (0:
 * out of memory). */
static size_t axes(const struct manifest *m, struct axis *ax)
{
    const size_t cap = (size_t)m->ntasks + 1;
    size_t cells = 1;
    int k;
    long t;
    memset(ax, 0, (size_t)(m->nkeys + 1) * sizeof *ax);
    for (k = 0; k <= m->nkeys; k++) {
        char *p;
        ax[k].labels = malloc(cap * sizeof *ax[k].labels);
        ax[k].ints = malloc(cap * sizeof *ax[k].ints);
        ax[k].reals = malloc(cap * sizeof *ax[k].reals);
        if (!ax[k].labels || !ax[k].ints || !ax[k].reals)
            return 0;
        /* Linked keys (a+b): the axis is named and numbered after the
         * first key, the labels keep every part. */
        snprintf(ax[k].name, sizeof ax[k].name, "%s",
                 k < m->nkeys ? m->keys[k] : "seed");
        for (p = ax[k].name; *p; p++)
            if (*p == '.')
                *p = '_';
            else if (*p == '+')
                *p = '\0';
        ax[k].numeric = 1;
        for (t = 0; t < m->ntasks; t++) {
            const char *v = m->cells[t][k];
            char *end;
            if (axis_index(&ax[k], v) < 0)
                ax[k].labels[ax[k].n++] = v;
            strtod(v, &end);
            if (*end && *end != ':')
                ax[k].numeric = 0;
        }
        type_axis(&ax[k], k < m->nkeys ? m->keys[k] : "run.seed");
        cells *= ax[k].n;
    }
    return cells;
}

/* The stacked arrays, NaN (and 0 probes) where a task has no record. */
struct stack {
    size_t cells, nages;
    uint64_t *ages;
    double *lt, *ltt, *val[6];
    int64_t *probes;
    signed char *complete;
};

static void stack_free(struct stack *s)
{
    int k;
    free(s->ages);
    free(s->lt);
    free(s->ltt);
    free(s->probes);
    free(s->complete);
    for (k = 0; k < 6; k++)
        free(s->val[k]);
}

static int stack_alloc(struct stack *s, const struct mp_io_ens_record *r)
{
    size_t i;
    int k, ok;
    s->nages = r->n;
    s->ages = malloc(r->n * sizeof *s->ages);
    s->lt = malloc(s->cells * sizeof *s->lt);
    s->ltt = malloc(s->cells * sizeof *s->ltt);
    s->probes = calloc(s->cells * r->n, sizeof *s->probes);
    s->complete = calloc(s->cells, 1);
    ok = s->ages && s->lt && s->ltt && s->probes && s->complete;
    for (k = 0; k < 6; k++) {
        s->val[k] = malloc(s->cells * r->n * sizeof(double));
        ok = ok && s->val[k];
    }
    if (!ok)
        return -1;
    memcpy(s->ages, r->age, r->n * sizeof *s->ages);
    for (i = 0; i < s->cells; i++) {
        s->lt[i] = s->ltt[i] = NAN;
        for (k = 0; k < 6; k++) {
            size_t a;
            for (a = 0; a < r->n; a++)
                s->val[k][i * r->n + a] = NAN;
        }
    }
    return 0;
}

/* Task t's record into its cell.  Returns 0 (stored), 1 (no record
 * yet), or an exit status. */
static int take(struct stack *s, const struct manifest *m,
                const struct axis *ax, const char *dir, long t)
{
    struct mp_io_ens_record r;
    char path[PATH_MAX];
    size_t cell = 0;
    int k;
    snprintf(path, sizeof path, "%s/tasks/%04ld/record.nc", dir, t);
    if (access(path, F_OK))
        return 1;
    if (mp_io_ens_record_read(path, &r)) {
        fprintf(stderr, "metaplast: collect: %s%s\n", mp_errmsg(),
                strstr(mp_errmsg(), "not a synapse-ensemble")
                    ? " (a sweep's tasks are stacked only with tasks of "
                      "one paradigm)"
                    : "");
        return MP_EXIT_USAGE;
    }
    if (!s->ages && stack_alloc(s, &r)) {
        mp_io_ens_record_fini(&r);
        fprintf(stderr, "metaplast: collect: out of memory\n");
        return MP_EXIT_RUNTIME;
    }
    if (r.n != s->nages || memcmp(r.age, s->ages, r.n * sizeof *r.age)) {
        mp_io_ens_record_fini(&r);
        fprintf(stderr, "metaplast: collect: %s has another age grid; "
                        "collect needs one grid for all tasks\n",
                path);
        return MP_EXIT_USAGE;
    }
    for (k = 0; k <= m->nkeys; k++)
        cell = cell * ax[k].n + (size_t)axis_index(&ax[k], m->cells[t][k]);
    for (k = 0; k < 6; k++)
        memcpy(s->val[k] + cell * r.n, r.value[k], r.n * sizeof(double));
    memcpy(s->probes + cell * r.n, r.probes, r.n * sizeof *r.probes);
    s->lt[cell] = r.lifetime;
    s->ltt[cell] = r.lifetime_theory;
    s->complete[cell] = r.done == r.total;
    mp_io_ens_record_fini(&r);
    return 0;
}

/* The axes as the writers take them. */
static void sweep_axes(const struct manifest *m, const struct axis *ax,
                       struct mp_io_sweep_axis *xa)
{
    int k;
    memset(xa, 0, (size_t)(m->nkeys + 1) * sizeof *xa);
    for (k = 0; k <= m->nkeys; k++) {
        xa[k].name = ax[k].name;
        xa[k].key = k < m->nkeys ? m->keys[k] : "run.seed";
        xa[k].n = ax[k].n;
        xa[k].labels = ax[k].labels;
        xa[k].numeric = ax[k].numeric;
        xa[k].linked = k < m->nkeys && strchr(m->keys[k], '+') != NULL;
        if (ax[k].kind == MP_CONFIG_INTEGER)
            xa[k].integers = ax[k].ints;
        else if (ax[k].kind != MP_CONFIG_TEXT)
            xa[k].reals = ax[k].reals;
        xa[k].units = ax[k].kind == MP_CONFIG_TIME ? "s" : NULL;
    }
}

static int write_sweep(const struct stack *s, const struct manifest *m,
                       const struct axis *ax, const char *path)
{
    struct mp_io_sweep_axis xa[MAX_VARY + 1];
    struct mp_io_sweep sw;
    int k;
    memset(&sw, 0, sizeof sw);
    sweep_axes(m, ax, xa);
    sw.n_axes = (size_t)m->nkeys + 1;
    sw.axes = xa;
    sw.n_ages = s->nages;
    sw.ages = s->ages;
    sw.lifetime = s->lt;
    sw.lifetime_theory = s->ltt;
    sw.complete = s->complete;
    sw.probes = s->probes;
    for (k = 0; k < 6; k++)
        sw.value[k] = s->val[k];
    return mp_io_sweep_write(path, &sw);
}

/* Every task's files verified first: a damaged one fails the collection
 * (exit 3, every damaged task named) unless skip, which leaves it out. */
static int damaged_tasks(const struct manifest *m, const char *dir, int skip,
                         signed char *damaged)
{
    char why[1024];
    long t, n = 0;
    int k;
    for (t = 0; t < m->ntasks; t++) {
        /* A running task's files are being written: left out, not
         * damaged. */
        damaged[t] = !mp_cli_task_busy(dir, t) &&
                     mp_cli_task_damage(dir, t, why, sizeof why);
        if (!damaged[t])
            continue;
        n++;
        fprintf(stderr, "metaplast: collect: task %04ld (", t);
        for (k = 0; k < m->nkeys; k++)
            fprintf(stderr, "%s%s=%s", k ? ", " : "", m->keys[k],
                    m->cells[t][k]);
        fprintf(stderr, "%sseed %s) %s: %s\n", m->nkeys ? ", " : "",
                m->cells[t][m->nkeys], skip ? "left out" : "is damaged",
                why);
    }
    if (n && !skip) {
        fprintf(stderr,
                "metaplast: collect: %ld damaged task%s; nothing was "
                "written.  Rerun %s (remove tasks/NNNN and resubmit its "
                "array index), or collect --skip-damaged %s\n",
                n, n == 1 ? "" : "s", n == 1 ? "it" : "them", dir);
        return MP_EXIT_RUNTIME;
    }
    return 0;
}

/* The paradigm of the sweep's tasks (task 0's; run.paradigm cannot be
 * swept: the tasks would not stack). */
static int sweep_paradigm(const char *dir, const struct manifest *m,
                          int *paradigm)
{
    struct mp_config c;
    char path[PATH_MAX];
    int k;
    for (k = 0; k < m->nkeys; k++)
        if (strstr(m->keys[k], "run.paradigm")) {
            fprintf(stderr, "metaplast: collect: %s varies run.paradigm: "
                            "collect stacks tasks of one paradigm\n",
                    dir);
            return MP_EXIT_USAGE;
        }
    snprintf(path, sizeof path, "%s/tasks/0000.ini", dir);
    mp_config_init(&c);
    if (m->ntasks && mp_config_load(&c, path))
        return mp_cli_fail(MP_EINVAL);
    *paradigm = c.paradigm;
    return 0;
}

/* Ensembles: every record read, stacked in memory, written at once. */
static int collect_ensembles(const char *dir, const struct manifest *m,
                             const struct axis *ax, struct stack *s,
                             const signed char *damaged)
{
    char path[PATH_MAX];
    long t, collected = 0;
    int k, rc = 0;
    for (t = 0; t < m->ntasks && rc <= 1; t++)
        rc = damaged[t] ? 1 : take(s, m, ax, dir, t);
    if (rc > 1)
        return rc;
    if (!s->ages) {
        fprintf(stderr, "metaplast: collect: no task of %s has a record "
                        "yet\n",
                dir);
        return MP_EXIT_USAGE;
    }
    snprintf(path, sizeof path, "%s/sweep.nc", dir);
    if ((rc = write_sweep(s, m, ax, path)))
        return mp_cli_fail(rc);
    for (t = 0; t < (long)s->cells; t++)
        collected += s->complete[t];
    printf("collect: %ld of %ld tasks finished; %s (", collected,
           m->ntasks, path);
    for (k = 0; k <= m->nkeys; k++)
        printf("%s%s = %zu", k ? ", " : "", ax[k].name, ax[k].n);
    printf(", age = %zu)\n", s->nages);
    return 0;
}

/* A network task's cell, record (NULL: none, or running: its record is
 * being appended to) and whether it finished. */
static char *net_task(const char *dir, const struct manifest *m,
                      const struct axis *ax, long t, size_t *cell,
                      signed char *complete)
{
    char path[PATH_MAX];
    uint64_t done = 0, total = 1;
    int k;
    *cell = 0;
    for (k = 0; k <= m->nkeys; k++)
        *cell = *cell * ax[k].n + (size_t)axis_index(&ax[k], m->cells[t][k]);
    snprintf(path, sizeof path, "%s/tasks/%04ld/checkpoint.nc", dir, t);
    *complete = !access(path, F_OK) &&
                !mp_io_ckpt_progress(path, &done, &total) && done == total;
    snprintf(path, sizeof path, "%s/tasks/%04ld/record.nc", dir, t);
    if (access(path, F_OK))
        return NULL;
    if (mp_cli_task_busy(dir, t)) {
        fprintf(stderr, "metaplast: collect: task %04ld is running: left "
                        "out\n",
                t);
        *complete = 0;
        return NULL;
    }
    return strdup(path);
}

/* Networks: each record copied into its slab by the library. */
static int collect_networks(const char *dir, const struct manifest *m,
                            const struct axis *ax, size_t cells,
                            const signed char *damaged)
{
    struct mp_io_sweep_axis xa[MAX_VARY + 1];
    struct mp_io_sweep_net sn;
    char path[PATH_MAX], **records = calloc(cells + 1, sizeof *records);
    signed char *complete = calloc(cells + 1, 1);
    long t, collected = 0;
    size_t cell, nt = 0;
    int k, rc = 0;
    if (!records || !complete)
        rc = (fprintf(stderr, "metaplast: out of memory\n"),
              MP_EXIT_RUNTIME);
    for (t = 0; t < m->ntasks && !rc; t++) {
        signed char done = 0;
        char *rec = net_task(dir, m, ax, t, &cell, &done);
        if (damaged[t])
            done = 0, free(rec), rec = NULL;
        records[cell] = rec;
        complete[cell] = done;
        collected += done;
    }
    sweep_axes(m, ax, xa);
    memset(&sn, 0, sizeof sn);
    sn.n_axes = (size_t)m->nkeys + 1;
    sn.axes = xa;
    sn.records = (const char *const *)records;
    sn.complete = complete;
    snprintf(path, sizeof path, "%s/sweep.nc", dir);
    if (!rc && (rc = mp_io_sweep_net_write(path, &sn)))
        rc = mp_cli_fail(rc);
    if (!rc) {
        for (cell = 0; cell < cells; cell++)
            nt += records[cell] != NULL;
        printf("collect: %ld of %ld tasks finished, %zu with a record; %s "
               "(",
               collected, m->ntasks, nt, path);
        for (k = 0; k <= m->nkeys; k++)
            printf("%s%s = %zu", k ? ", " : "", ax[k].name, ax[k].n);
        printf(", time)\n");
    }
    for (cell = 0; records && cell < cells; cell++)
        free(records[cell]);
    free(records);
    free(complete);
    return rc;
}

int mp_cli_collect(const char *dir, int skip_damaged)
{
    struct manifest m;
    struct axis ax[MAX_VARY + 1];
    struct stack s;
    char path[PATH_MAX];
    signed char *damaged;
    int lock = -1, rc, paradigm = MP_PARADIGM_ENSEMBLE;
    memset(&s, 0, sizeof s);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    if (access(path, F_OK))
        return mp_cli_manifest_read(dir, &m); /* says why */
    if ((rc = mp_io_lock(dir, 1, "metaplast collect", &lock)))
        return mp_cli_fail(rc);
    if ((rc = mp_cli_manifest_read(dir, &m))) {
        mp_io_unlock(lock);
        return rc;
    }
    damaged = calloc((size_t)m.ntasks + 1, 1);
    rc = !damaged ? (fprintf(stderr, "metaplast: out of memory\n"),
                     MP_EXIT_RUNTIME)
                  : damaged_tasks(&m, dir, skip_damaged, damaged);
    s.cells = axes(&m, ax);
    if (!rc && !s.cells)
        rc = (fprintf(stderr, "metaplast: out of memory\n"),
              MP_EXIT_RUNTIME);
    if (!rc)
        rc = sweep_paradigm(dir, &m, &paradigm);
    if (!rc && paradigm == MP_PARADIGM_NETWORK)
        rc = collect_networks(dir, &m, ax, s.cells, damaged);
    else if (!rc)
        rc = collect_ensembles(dir, &m, ax, &s, damaged);
    stack_free(&s);
    axes_free(ax, m.nkeys + 1);
    free(damaged);
    mp_io_unlock(lock);
    mp_cli_manifest_free(&m);
    return rc;
}
