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
    const char *labels[MAX_VALUES];
    int numeric;
};

static int axis_index(const struct axis *x, const char *v)
{
    size_t i;
    for (i = 0; i < x->n; i++)
        if (!strcmp(x->labels[i], v))
            return (int)i;
    return -1;
}

/* A numeric axis's labels in increasing order (a coordinate must be
 * monotonic); cells follow the labels, not the task order. */
static void sort_numeric(struct axis *x)
{
    size_t i, j;
    for (i = 1; x->numeric && i < x->n; i++) {
        const char *v = x->labels[i];
        const double d = strtod(v, NULL);
        for (j = i; j > 0 && strtod(x->labels[j - 1], NULL) > d; j--)
            x->labels[j] = x->labels[j - 1];
        x->labels[j] = v;
    }
}

/* One axis per varied key, and seed; returns the number of cells. */
static size_t axes(const struct manifest *m, struct axis *ax)
{
    size_t cells = 1;
    int k;
    long t;
    memset(ax, 0, (size_t)(m->nkeys + 1) * sizeof *ax);
    for (k = 0; k <= m->nkeys; k++) {
        char *p;
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
            if (axis_index(&ax[k], v) < 0 && ax[k].n < MAX_VALUES)
                ax[k].labels[ax[k].n++] = v;
            strtod(v, &end);
            if (*end && *end != ':')
                ax[k].numeric = 0;
        }
        sort_numeric(&ax[k]);
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
                    ? ": collect stacks ensemble sweeps"
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
        snprintf(cmd, len, "%.*s", (int)strcspn(at + sizeof mark - 1, "\n"),
                 at + sizeof mark - 1);
    return text;
}

static int write_sweep(const struct stack *s, const struct manifest *m,
                       const struct axis *ax, const char *path,
                       const char *dir, const char *cmdline)
{
    struct mp_io_sweep_axis xa[MAX_VARY + 1];
    struct mp_io_sweep sw;
    struct mp_provenance prov = {cmdline, NULL, NULL, NULL};
    char sweep_cmd[8192];
    int k, rc;
    memset(&sw, 0, sizeof sw);
    for (k = 0; k <= m->nkeys; k++) {
        xa[k].name = ax[k].name;
        xa[k].key = k < m->nkeys ? m->keys[k] : "run.seed";
        xa[k].n = ax[k].n;
        xa[k].labels = ax[k].labels;
        xa[k].numeric = ax[k].numeric;
        xa[k].linked = k < m->nkeys && strchr(m->keys[k], '+') != NULL;
    }
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
    sw.prov = &prov;
    sw.base_config = read_base(dir, sweep_cmd, sizeof sweep_cmd);
    sw.sweep_command_line = sweep_cmd[0] ? sweep_cmd : NULL;
    rc = mp_io_sweep_write(path, &sw);
    free((char *)sw.base_config);
    return rc;
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

int mp_cli_collect(const char *dir, int skip_damaged, const char *cmdline)
{
    struct manifest m;
    struct axis ax[MAX_VARY + 1];
    struct stack s;
    char path[PATH_MAX];
    signed char *damaged;
    long t, collected = 0;
    int k, lock = -1, rc;
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
    for (t = 0; t < m.ntasks && rc <= 1; t++)
        rc = damaged[t] ? 1 : take(&s, &m, ax, dir, t);
    if (rc <= 1 && !s.ages) {
        fprintf(stderr, "metaplast: collect: no task of %s has a record "
                        "yet\n",
                dir);
        rc = MP_EXIT_USAGE;
    } else if (rc <= 1) {
        snprintf(path, sizeof path, "%s/sweep.nc", dir);
        rc = write_sweep(&s, &m, ax, path, dir, cmdline);
        if (rc)
            rc = mp_cli_fail(rc);
    }
    if (!rc) {
        for (t = 0; t < (long)s.cells; t++)
            collected += s.complete[t];
        printf("collect: %ld of %ld tasks finished; %s (", collected,
               m.ntasks, path);
        for (k = 0; k <= m.nkeys; k++)
            printf("%s%s = %zu", k ? ", " : "", ax[k].name, ax[k].n);
        printf(", age = %zu)\n", s.nages);
    }
    stack_free(&s);
    free(damaged);
    mp_io_unlock(lock);
    mp_cli_manifest_free(&m);
    return rc;
}
