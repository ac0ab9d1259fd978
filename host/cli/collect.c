/* SPDX-License-Identifier: MIT */
/* collect.c: `metaplast collect DIR`: every task's record stacked along
 * the swept keys into DIR/sweep.nc (mp_io_sweep_write for ensembles,
 * mp_io_sweep_net_write for rate networks, mp_io_sweep_attr_write for
 * attractor networks). */
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
    int numeric;     /* every label is a number (its first part) */
    int kind;        /* enum mp_config_kind of its (first) key: TEXT
                        when its values are left as labels */
    uint64_t *ints;  /* the values: UINT64, UINT32, INT */
    double *reals;   /* ... REAL, SECONDS (s) */
};

static int axis_index(const struct axis *x, const char *v)
{
    size_t i;
    for (i = 0; i < x->n; i++)
        if (!strcmp(x->labels[i], v))
            return (int)i;
    return -1;
}

static int integer_kind(int kind)
{
    return kind == MP_CONFIG_KIND_UINT64 || kind == MP_CONFIG_KIND_UINT32 ||
           kind == MP_CONFIG_KIND_INT;
}

/* The axis's values parsed as its (first) key parses them: counts as
 * integers, numbers, times in seconds ("0.5s", "500ms" -> 0.5); other
 * keys (choices, paths, lists) keep their labels. */
static void type_axis(struct axis *x, const char *key)
{
    struct mp_config c;
    struct mp_config_number n;
    char first[64], set[1200];
    size_t j;
    snprintf(first, sizeof first, "%s", key);
    first[strcspn(first, "+")] = '\0';
    mp_config_init(&c);
    x->kind = mp_config_key_number(&c, first, &n) ? MP_CONFIG_KIND_TEXT
                                                   : n.kind;
    for (j = 0; j < x->n && x->kind != MP_CONFIG_KIND_TEXT; j++) {
        /* A linked value "v1:v2": the first key's part. */
        snprintf(set, sizeof set, "%s=%.*s", first,
                 (int)strcspn(x->labels[j], ":"), x->labels[j]);
        if (mp_config_set(&c, set, 1) || mp_config_key_number(&c, first, &n))
            x->kind = MP_CONFIG_KIND_TEXT; /* not this build's: labels */
        else if (n.kind == MP_CONFIG_KIND_INT && n.i < 0)
            x->kind = MP_CONFIG_KIND_TEXT; /* the coordinate is unsigned */
        else if (integer_kind(n.kind))
            x->ints[j] = n.kind == MP_CONFIG_KIND_INT ? (uint64_t)n.i : n.u;
        else
            x->reals[j] = n.d; /* "500ms": 0.5 */
    }
}

/* The order of values i and j of an axis: their parsed values', or
 * their labels' as numbers; text labels keep the tasks' order. */
static int compare(const struct axis *x, size_t i, size_t j)
{
    double a, b;
    if (integer_kind(x->kind))
        return (x->ints[i] > x->ints[j]) - (x->ints[i] < x->ints[j]);
    if (x->kind != MP_CONFIG_KIND_TEXT)
        a = x->reals[i], b = x->reals[j];
    else if (x->numeric)
        a = strtod(x->labels[i], NULL), b = strtod(x->labels[j], NULL);
    else
        return 0;
    return (a > b) - (a < b);
}

static void swap(struct axis *x, size_t i, size_t j)
{
    const char *l = x->labels[i];
    const uint64_t n = x->ints[i];
    const double d = x->reals[i];
    x->labels[i] = x->labels[j], x->labels[j] = l;
    x->ints[i] = x->ints[j], x->ints[j] = n;
    x->reals[i] = x->reals[j], x->reals[j] = d;
}

/* A numeric axis in increasing order (a coordinate must be monotonic);
 * cells follow the labels, not the task order. */
static void sort_axis(struct axis *x)
{
    size_t i, j;
    for (i = 1; i < x->n; i++)
        for (j = i; j > 0 && compare(x, j - 1, j) > 0; j--)
            swap(x, j - 1, j);
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
        sort_axis(&ax[k]);
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

/* The command line of base.ini's comment, whose continuation lines
 * begin with ";   " (sweep writes it in lines of 80 characters). */
static void unwrap_command(const char *at, char *cmd, size_t len)
{
    static const char cont[] = "\n;   ";
    size_t k = 0, run;
    for (;;) {
        run = strcspn(at, "\n");
        if (k + run >= len)
            run = len - 1 - k;
        memcpy(cmd + k, at, run);
        k += run;
        at += strcspn(at, "\n");
        if (k + 1 >= len || strncmp(at, cont, sizeof cont - 1))
            break;
        at += sizeof cont - 1;
    }
    cmd[k] = '\0';
}

/* DIR/base.ini, the sweep's base config (NULL for sweeps made before
 * it existed), and the command that made it, from its comment. */
static char *read_base(const char *dir, char *cmd, size_t len)
{
    static const char mark[] = "; command_line = ";
    char path[PATH_MAX], *text = NULL, *at;
    size_t n = 0, cap = 0;
    FILE *f;
    cmd[0] = '\0';
    snprintf(path, sizeof path, "%s/base.ini", dir);
    if (!(f = fopen(path, "r")))
        return NULL;
    for (;;) {
        char *grown = n + 4096 >= cap ? realloc(text, cap += 65536) : text;
        if (!grown) {
            free(text);
            fclose(f);
            return NULL;
        }
        text = grown;
        n += fread(text + n, 1, cap - n - 1, f);
        if (feof(f) || ferror(f))
            break;
    }
    fclose(f);
    text[n] = '\0';
    if ((at = strstr(text, mark)) != NULL)
        unwrap_command(at + sizeof mark - 1, cmd, len);
    return text;
}

/* Where the sweep came from, which both writers record: the command
 * that collects, the base config and the command that made the sweep. */
struct origin {
    struct mp_provenance prov;
    char *base;         /* base.ini, or NULL */
    char command[8192]; /* the sweep's command line, or "" */
};

static void origin_read(struct origin *o, const char *dir,
                        const char *cmdline)
{
    memset(o, 0, sizeof *o);
    o->prov.command_line = cmdline;
    o->base = read_base(dir, o->command, sizeof o->command);
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
        if (integer_kind(ax[k].kind))
            xa[k].integers = ax[k].ints;
        else if (ax[k].kind != MP_CONFIG_KIND_TEXT)
            xa[k].reals = ax[k].reals;
        xa[k].units = ax[k].kind == MP_CONFIG_KIND_SECONDS ? "s" : NULL;
    }
}

static int write_sweep(const struct stack *s, const struct manifest *m,
                       const struct axis *ax, const char *path,
                       const struct origin *o)
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
    sw.prov = &o->prov;
    sw.base_config = o->base;
    sw.sweep_command_line = o->command[0] ? o->command : NULL;
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
                             const signed char *damaged,
                             const struct origin *o)
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
    if ((rc = write_sweep(s, m, ax, path, o)))
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

/* A rate or attractor network task's cell, record (NULL: none, or
 * running: its record is being written) and whether it finished. */
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

/* Rate or attractor networks: each record read into its cell by the
 * library. */
static int collect_networks(const char *dir, const struct manifest *m,
                            const struct axis *ax, size_t cells,
                            const signed char *damaged,
                            const struct origin *o, int attractor)
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
    sn.base_config = o->base;
    sn.prov = &o->prov;
    sn.sweep_command_line = o->command[0] ? o->command : NULL;
    snprintf(path, sizeof path, "%s/sweep.nc", dir);
    if (!rc && (rc = attractor ? mp_io_sweep_attr_write(path, &sn)
                               : mp_io_sweep_net_write(path, &sn)))
        rc = mp_cli_fail(rc);
    if (!rc) {
        for (cell = 0; cell < cells; cell++)
            nt += records[cell] != NULL;
        printf("collect: %ld of %ld tasks finished, %zu with a record; %s "
               "(",
               collected, m->ntasks, nt, path);
        for (k = 0; k <= m->nkeys; k++)
            printf("%s%s = %zu", k ? ", " : "", ax[k].name, ax[k].n);
        printf(attractor ? ", age)\n" : ", time)\n");
    }
    for (cell = 0; records && cell < cells; cell++)
        free(records[cell]);
    free(records);
    free(complete);
    return rc;
}

int mp_cli_collect(const char *dir, int skip_damaged, const char *cmdline)
{
    struct manifest m;
    struct axis ax[MAX_VARY + 1];
    struct stack s;
    struct origin o;
    char path[PATH_MAX];
    signed char *damaged;
    int lock = -1, rc, paradigm = MP_PARADIGM_ENSEMBLE;
    memset(&s, 0, sizeof s);
    memset(&o, 0, sizeof o);
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
    if (!rc)
        origin_read(&o, dir, cmdline);
    if (!rc && paradigm != MP_PARADIGM_ENSEMBLE)
        rc = collect_networks(dir, &m, ax, s.cells, damaged, &o,
                              paradigm == MP_PARADIGM_ATTRACTOR);
    else if (!rc)
        rc = collect_ensembles(dir, &m, ax, &s, damaged, &o);
    stack_free(&s);
    axes_free(ax, m.nkeys + 1);
    free(o.base);
    free(damaged);
    mp_io_unlock(lock);
    mp_cli_manifest_free(&m);
    return rc;
}
