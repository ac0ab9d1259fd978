/* SPDX-License-Identifier: MIT */
/*
 * cli_sweep.c: parameter sweeps as SLURM job arrays (public API only).
 *
 *   sweep DIR layout:  manifest.tsv        task, one column per varied key, seed
 *                      sweep.sbatch        the job array
 *                      tasks/NNNN.ini      each task's resolved config
 *                      tasks/NNNN/         each task's run directory
 *                      tasks/NNNN.status   exit status of its last attempt
 *                      tasks/NNNN.running  while an attempt runs
 *                      tasks/NNNN.err      its stderr
 *                      logs/               SLURM's output
 *                      sweep.nc            what collect stacks
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netcdf.h>

#include "metaplast/metaplast.h"

#include "cli.h"

#define MAX_VARY 8
#define MAX_VALUES 256
#define MAX_TASKS 100000

struct vary {
    char key[64];
    int n;
    char *values[MAX_VALUES];
};

struct sweep_args {
    const char *config;
    const char *out;
    const char *sets[256];
    int n_sets;
    struct vary vary[MAX_VARY];
    int n_vary;
    int seeds;
    int parallel;
};

static int fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "metaplast: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    return MP_EXIT_USAGE;
}

static int parse_vary(struct vary *v, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char *copy, *tok, *save = NULL;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof v->key || !eq[1])
        return fail("--vary %s: expected section.key=v1,v2,...%s", arg, "");
    memcpy(v->key, arg, (size_t)(eq - arg));
    v->key[eq - arg] = '\0';
    copy = strdup(eq + 1);
    v->n = 0;
    for (tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok || v->n == MAX_VALUES) {
            free(copy);
            return fail("--vary %s: empty value or more than 256 values%s",
                        arg, "");
        }
        v->values[v->n++] = strdup(tok);
    }
    free(copy);
    return 0;
}

/* Task t's value index for vary k (the first --vary varies slowest). */
static int value_of(const struct sweep_args *a, long t, int k)
{
    long stride = a->seeds;
    int j;
    for (j = a->n_vary - 1; j > k; j--)
        stride *= a->vary[j].n;
    return (int)(t / stride % a->vary[k].n);
}

/* Sets "key1+key2=v1:v2" (linked keys vary together) or "key=v". */
static int set_linked(struct mp_config *c, const char *keys,
                      const char *values, int index, char *err,
                      size_t errlen)
{
    char kbuf[64], vbuf[512], buf[PATH_MAX + 64], *ks, *vs, *k, *v;
    int rc = 0, nk = 0, nv = 0;
    snprintf(kbuf, sizeof kbuf, "%s", keys);
    snprintf(vbuf, sizeof vbuf, "%s", values);
    for (k = kbuf; *k; k++)
        nk += *k == '+';
    for (v = vbuf; *v; v++)
        nv += *v == ':';
    if (nk != nv) {
        snprintf(err, errlen,
                 "--vary %s: the value '%s' needs one part per key, "
                 "separated by ':'",
                 keys, values);
        return MP_EINVAL;
    }
    ks = kbuf;
    vs = vbuf;
    while (!rc && ks) {
        k = ks;
        v = vs;
        ks = strchr(ks, '+');
        vs = strchr(vs, ':');
        if (ks)
            *ks++ = '\0';
        if (vs)
            *vs++ = '\0';
        snprintf(buf, sizeof buf, "%s=%s", k, v);
        rc = mp_config_set(c, buf, index, err, errlen);
    }
    return rc;
}

static int task_config(const struct sweep_args *a, long t, const char *dir,
                       struct mp_config *c, char *err, size_t errlen)
{
    char buf[PATH_MAX + 64];
    int k, n = a->n_sets, rc;
    mp_config_init(c);
    rc = mp_config_load(c, a->config, err, errlen);
    for (k = 0; !rc && k < a->n_sets; k++)
        rc = mp_config_set(c, a->sets[k], k + 1, err, errlen);
    for (k = 0; !rc && k < a->n_vary; k++)
        rc = set_linked(c, a->vary[k].key,
                        a->vary[k].values[value_of(a, t, k)], ++n, err,
                        errlen);
    if (!rc && a->seeds > 1) {
        snprintf(buf, sizeof buf, "run.seed=%llu",
                 (unsigned long long)(c->seed + (uint64_t)(t % a->seeds)));
        rc = mp_config_set(c, buf, ++n, err, errlen);
    }
    if (!rc) {
        snprintf(buf, sizeof buf, "output.dir=%s/tasks/%04ld", dir, t);
        rc = mp_config_set(c, buf, ++n, err, errlen);
    }
    if (!rc)
        rc = mp_config_validate(c, err, errlen);
    return rc;
}

static const char sbatch_body[] =
    "id=$(printf %%04d \"$SLURM_ARRAY_TASK_ID\")\n"
    "task=\"$sweep/tasks/$id\"\n"
    "echo \"$(hostname) job ${SLURM_JOB_ID:-?} since $(date +%%s)\" "
    "> \"$task.running\"\n"
    "if [[ -f $task/checkpoint.nc ]]; then\n"
    "  \"$metaplast\" resume \"$task\" --quiet 2>>\"$task.err\" &\n"
    "else\n"
    "  \"$metaplast\" run \"$task.ini\" --out \"$task\" --quiet "
    "2>>\"$task.err\" &\n"
    "fi\n"
    "pid=$!\n"
    "trap 'kill -USR1 $pid' USR1\n"
    "trap 'kill -TERM $pid' TERM\n"
    "wait \"$pid\"\n"
    "rc=$?\n"
    "while ((rc > 128)) && kill -0 \"$pid\" 2>/dev/null; do\n"
    "  wait \"$pid\"\n"
    "  rc=$?\n"
    "done\n"
    "echo \"$rc\" > \"$task.status\"\n"
    "rm -f \"$task.running\"\n"
    "if [[ $rc -eq 75 ]]; then\n"
    "  # A busy controller can refuse once: try again before giving up.\n"
    "  for try in 1 2 3 4 5; do\n"
    "    scontrol requeue \"$SLURM_JOB_ID\" && break\n"
    "    echo \"scontrol requeue failed (try $try)\" >>\"$task.err\"\n"
    "    sleep $((2 * try))\n"
    "  done\n"
    "fi\n"
    "exit \"$rc\"\n";

static int write_sbatch(const struct sweep_args *a, const char *dir,
                        long ntasks)
{
    char path[PATH_MAX], self[PATH_MAX], absdir[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    FILE *f;
    if (len <= 0)
        snprintf(self, sizeof self, "metaplast");
    else
        self[len] = '\0';
    if (!realpath(dir, absdir))
        snprintf(absdir, sizeof absdir, "%s", dir);
    snprintf(path, sizeof path, "%s/sweep.sbatch", dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "#!/bin/bash\n"
            "# A metaplast sweep as a SLURM job array: each task runs, or\n"
            "# resumes from its checkpoint (a finished task does nothing);\n"
            "# 120 s before its time limit (or when preempted) it writes a\n"
            "# checkpoint, exits 75 and is requeued.  Submit:\n"
            "#   sbatch %s/sweep.sbatch\n"
            "#SBATCH --job-name=metaplast-sweep\n"
            "#SBATCH --array=0-%ld%%%d\n"
            "#SBATCH --signal=B:USR1@120\n"
            "#SBATCH --requeue\n"
            "#SBATCH --open-mode=append\n"
            "#SBATCH --output=%s/logs/task-%%a.out\n"
            "sweep=%s\n"
            "metaplast=${METAPLAST:-%s}\n",
            absdir, ntasks - 1, a->parallel, absdir, absdir, self);
    fprintf(f, sbatch_body);
    fclose(f);
    chmod(path, 0755);
    return 0;
}

static int sweep(struct sweep_args *ap, int argc, char **argv);

int mp_cli_sweep(int argc, char **argv, const char *cmdline)
{
    struct sweep_args a;
    int rc, k, j;
    (void)cmdline;
    memset(&a, 0, sizeof a);
    rc = sweep(&a, argc, argv);
    for (k = 0; k < MAX_VARY; k++)
        for (j = 0; j < a.vary[k].n; j++)
            free(a.vary[k].values[j]);
    return rc;
}

static int sweep(struct sweep_args *ap, int argc, char **argv)
{
    struct mp_config c;
    char err[2048], path[PATH_MAX];
    long ntasks = 1, t;
    int i, k;
    FILE *man;

    ap->seeds = 1;
    ap->parallel = 8;
    for (i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] == '-' && i + 1 >= argc)
            return fail("option needs a value: %s%s", s, "");
        if (!strcmp(s, "--vary")) {
            if (ap->n_vary == MAX_VARY)
                return fail("at most 8 --vary options%s%s", "", "");
            if (parse_vary(&ap->vary[ap->n_vary++], argv[++i]))
                return MP_EXIT_USAGE;
        } else if (!strcmp(s, "--set")) {
            if (ap->n_sets == 256)
                return fail("too many --set options%s%s", "", "");
            ap->sets[ap->n_sets++] = argv[++i];
        } else if (!strcmp(s, "--out")) {
            ap->out = argv[++i];
        } else if (!strcmp(s, "--seeds") || !strcmp(s, "--parallel")) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 10000)
                return fail("%s: expected an integer in [1, 10000], got "
                            "'%s'",
                            s, argv[i]);
            *(!strcmp(s, "--seeds") ? &ap->seeds : &ap->parallel) = (int)v;
        } else if (s[0] == '-') {
            return fail("sweep: unknown option %s%s", s, "");
        } else if (!ap->config) {
            ap->config = s;
        } else {
            return fail("sweep: unexpected argument %s%s", s, "");
        }
    }
    if (!ap->config || !ap->out)
        return fail("usage: metaplast sweep CONFIG --vary section.key=v1,v2,"
                    "... [--vary ...] [--seeds K] [--parallel P] "
                    "[--set section.key=value]... --out DIR%s%s",
                    "", "");
    for (k = 0; k < ap->n_vary; k++)
        ntasks *= ap->vary[k].n;
    ntasks *= ap->seeds;
    if (ntasks > MAX_TASKS)
        return fail("sweep: more than 100000 tasks%s%s", "", "");
    snprintf(path, sizeof path, "%s/manifest.tsv", ap->out);
    if (access(path, F_OK) == 0)
        return fail("sweep: '%s' already holds a sweep; nothing was "
                    "changed%s",
                    ap->out, "");
    /* Every task is validated before anything is written. */
    for (t = 0; t < ntasks; t++) {
        if (task_config(ap, t, ap->out, &c, err, sizeof err)) {
            char which[512] = "";
            for (k = 0; k < ap->n_vary; k++)
                snprintf(which + strlen(which), sizeof which - strlen(which),
                         "%s%s=%s", k ? ", " : "", ap->vary[k].key,
                         ap->vary[k].values[value_of(ap, t, k)]);
            fprintf(stderr, "metaplast: sweep task %04ld (%s): %s\n", t,
                    which, err);
            return MP_EXIT_USAGE;
        }
    }
    for (k = 0; k < 2; k++) { /* SLURM writes no log into a missing dir */
        snprintf(path, sizeof path, "%s/%s", ap->out, k ? "logs" : "tasks");
        if (mp_cli_mkdirs(path)) {
            fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n",
                    path, strerror(errno));
            return MP_EXIT_USAGE;
        }
    }
    for (t = 0; t < ntasks; t++) {
        FILE *f;
        task_config(ap, t, ap->out, &c, err, sizeof err);
        snprintf(path, sizeof path, "%s/tasks/%04ld.ini", ap->out, t);
        f = fopen(path, "w");
        if (!f || mp_config_write(&c, f) || fclose(f)) {
            fprintf(stderr, "metaplast: sweep: cannot write '%s'\n", path);
            return MP_EXIT_RUNTIME;
        }
    }
    if (write_sbatch(ap, ap->out, ntasks)) {
        fprintf(stderr, "metaplast: sweep: cannot write the sbatch script\n");
        return MP_EXIT_RUNTIME;
    }
    /* The manifest last: its presence marks a complete sweep directory. */
    snprintf(path, sizeof path, "%s/manifest.tsv", ap->out);
    man = fopen(path, "w");
    if (!man) {
        fprintf(stderr, "metaplast: sweep: cannot write '%s'\n", path);
        return MP_EXIT_RUNTIME;
    }
    fprintf(man, "task");
    for (k = 0; k < ap->n_vary; k++)
        fprintf(man, "\t%s", ap->vary[k].key);
    fprintf(man, "\tseed\n");
    for (t = 0; t < ntasks; t++) {
        task_config(ap, t, ap->out, &c, err, sizeof err);
        fprintf(man, "%04ld", t);
        for (k = 0; k < ap->n_vary; k++)
            fprintf(man, "\t%s", ap->vary[k].values[value_of(ap, t, k)]);
        fprintf(man, "\t%llu\n", (unsigned long long)c.seed);
    }
    fclose(man);
    printf("sweep: %ld task%s in %s (manifest.tsv, tasks/)\n", ntasks,
           ntasks == 1 ? "" : "s", ap->out);
    printf("submit: sbatch %s/sweep.sbatch\n", ap->out);
    printf("follow: metaplast sweep-status %s; then: metaplast collect %s\n",
           ap->out, ap->out);
    return 0;
}

/* ---- The manifest ------------------------------------------------------ */

struct manifest {
    int nkeys;            /* varied keys (columns between task and seed) */
    char keys[MAX_VARY][64];
    long ntasks;
    char ***cells;        /* ntasks x (nkeys + 1): values, then the seed */
};

static void manifest_free(struct manifest *m)
{
    long t;
    int k;
    for (t = 0; t < m->ntasks; t++) {
        for (k = 0; k <= m->nkeys; k++)
            free(m->cells[t][k]);
        free(m->cells[t]);
    }
    free(m->cells);
}

static int manifest_read(const char *dir, struct manifest *m)
{
    char path[PATH_MAX], line[8192], *tok, *save;
    FILE *f;
    long cap = 64;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "metaplast: %s: not a sweep directory (%s: %s)\n",
                dir, path, strerror(errno));
        return MP_EXIT_USAGE;
    }
    if (!fgets(line, sizeof line, f) || strncmp(line, "task", 4)) {
        fclose(f);
        fprintf(stderr, "metaplast: %s: malformed manifest\n", path);
        return MP_EXIT_USAGE;
    }
    line[strcspn(line, "\n")] = '\0';
    save = NULL;
    strtok_r(line, "\t", &save);
    while ((tok = strtok_r(NULL, "\t", &save)))
        if (strcmp(tok, "seed") && m->nkeys < MAX_VARY)
            snprintf(m->keys[m->nkeys++], 64, "%s", tok);
    m->cells = malloc(cap * sizeof *m->cells);
    while (fgets(line, sizeof line, f)) {
        int k = 0;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        if (m->ntasks == cap)
            m->cells = realloc(m->cells, (cap *= 2) * sizeof *m->cells);
        m->cells[m->ntasks] = calloc(m->nkeys + 1, sizeof(char *));
        save = NULL;
        strtok_r(line, "\t", &save);
        while ((tok = strtok_r(NULL, "\t", &save)) && k <= m->nkeys)
            m->cells[m->ntasks][k++] = strdup(tok);
        if (k != m->nkeys + 1) {
            fclose(f);
            m->ntasks++;
            manifest_free(m);
            fprintf(stderr, "metaplast: %s: malformed row %ld\n", path,
                    m->ntasks);
            return MP_EXIT_USAGE;
        }
        m->ntasks++;
    }
    fclose(f);
    return 0;
}

static int exists(const char *fmt, const char *dir, long t)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, fmt, dir, t);
    return access(path, F_OK) == 0;
}

/* The last non-empty line of a file, for failure messages. */
static void last_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            snprintf(out, len, "%s", line);
    }
    if (f)
        fclose(f);
}

/* A run directory's progress from its checkpoint: 1 finished, 0 not,
 * -1 no readable checkpoint. */
static int finished(const char *dir, long t)
{
    char path[PATH_MAX];
    unsigned long long done = 0, total = 1;
    int nc, ok;
    snprintf(path, sizeof path, "%s/tasks/%04ld/checkpoint.nc", dir, t);
    if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR)
        return -1;
    ok = (nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &done) ==
              NC_NOERR &&
          nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_total", &total) ==
              NC_NOERR) ||
         (nc_get_att_ulonglong(nc, NC_GLOBAL, "steps_done", &done) ==
              NC_NOERR &&
          nc_get_att_ulonglong(nc, NC_GLOBAL, "steps_total", &total) ==
              NC_NOERR);
    nc_close(nc);
    return ok ? done == total : -1;
}

int mp_cli_sweep_status(const char *dir)
{
    struct manifest m;
    long t, counts[5] = {0};
    static const char *const names[] = {"done", "running", "failed",
                                        "resumable", "not started"};
    int k, rc = manifest_read(dir, &m);
    if (rc)
        return rc;
    printf("%-6s", "task");
    for (k = 0; k < m.nkeys; k++)
        printf("  %-18s", m.keys[k]);
    printf("  %-8s  %s\n", "seed", "state");
    for (t = 0; t < m.ntasks; t++) {
        char path[PATH_MAX], state[1200], msg[1024];
        int st = 4;
        snprintf(state, sizeof state, "not started");
        snprintf(path, sizeof path, "%s/tasks/%04ld.status", dir, t);
        if (exists("%s/tasks/%04ld.running", dir, t)) {
            st = 1;
            snprintf(state, sizeof state, "running");
        } else if (access(path, F_OK) == 0) {
            FILE *f = fopen(path, "r");
            int code = -1;
            if (f && fscanf(f, "%d", &code) != 1)
                code = -1;
            if (f)
                fclose(f);
            if (code == 0) {
                st = 0;
                snprintf(state, sizeof state, "done");
            } else if (code == 75) {
                st = 3;
                snprintf(state, sizeof state,
                         "stopped at a checkpoint (resumable)");
            } else {
                st = 2;
                snprintf(path, sizeof path, "%s/tasks/%04ld.err", dir, t);
                last_line(path, msg, sizeof msg);
                snprintf(state, sizeof state, "failed (exit %d): %s", code,
                         msg[0] ? msg : "(no message)");
            }
        } else if (finished(dir, t) == 1) {
            st = 0;
            snprintf(state, sizeof state, "done");
        } else if (finished(dir, t) == 0) {
            st = 3;
            snprintf(state, sizeof state, "started, resumable");
        }
        counts[st]++;
        printf("%04ld  ", t);
        for (k = 0; k < m.nkeys; k++)
            printf("  %-18s", m.cells[t][k]);
        printf("  %-8s  %s\n", m.cells[t][m.nkeys], state);
    }
    printf("%ld tasks:", m.ntasks);
    for (k = 0; k < 5; k++)
        if (counts[k])
            printf(" %ld %s", counts[k], names[k]);
    printf("\n");
    manifest_free(&m);
    return 0;
}

/* ---- collect ----------------------------------------------------------- */

struct axis {
    char name[64];  /* dimension name: the key with '.' -> '_' */
    int n;
    char *labels[MAX_VALUES];
    int numeric;
};

static int axis_index(const struct axis *x, const char *v)
{
    int i;
    for (i = 0; i < x->n; i++)
        if (!strcmp(x->labels[i], v))
            return i;
    return -1;
}

#define NCK(call)                                                            \
    do {                                                                     \
        int st_ = (call);                                                    \
        if (st_ != NC_NOERR) {                                               \
            fprintf(stderr, "metaplast: collect: %s: %s\n", #call,           \
                    nc_strerror(st_));                                       \
            goto out;                                                        \
        }                                                                    \
    } while (0)

int mp_cli_collect(const char *dir)
{
    struct manifest m;
    struct axis ax[MAX_VARY + 1];
    int nax, k, rc = manifest_read(dir, &m), nc = -1, dims[MAX_VARY + 2];
    size_t nages = 0, cells = 1, i;
    long t, collected = 0;
    uint64_t *ages = NULL;
    double *lt = NULL, *ltt = NULL, *vals[6] = {NULL};
    long long *probes = NULL;
    signed char *complete = NULL;
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    static const char *const names[6] = {"signal", "signal_sem", "snr",
                                         "snr_sem", "signal_theory",
                                         "snr_theory"};
    if (rc)
        return rc;
    rc = MP_EXIT_RUNTIME;
    /* Axes: one per varied key, and seed if it varies. */
    nax = m.nkeys + 1;
    memset(ax, 0, sizeof ax);
    for (k = 0; k < nax; k++) {
        char *p;
        /* Linked keys (a+b): the axis is named and numbered after the
         * first key, the labels keep every part. */
        snprintf(ax[k].name, sizeof ax[k].name, "%s",
                 k < m.nkeys ? m.keys[k] : "seed");
        for (p = ax[k].name; *p; p++)
            if (*p == '.')
                *p = '_';
            else if (*p == '+')
                *p = '\0';
        ax[k].numeric = 1;
        for (t = 0; t < m.ntasks; t++) {
            char *v = m.cells[t][k], *end;
            if (axis_index(&ax[k], v) < 0 && ax[k].n < MAX_VALUES)
                ax[k].labels[ax[k].n++] = v;
            strtod(v, &end);
            if (*end && *end != ':')
                ax[k].numeric = 0;
        }
        cells *= (size_t)ax[k].n;
    }
    /* The age grid, from the first finished record. */
    for (t = 0; t < m.ntasks && !ages; t++) {
        int r, d, v;
        snprintf(path, sizeof path, "%s/tasks/%04ld/record.nc", dir, t);
        if (nc_open(path, NC_NOWRITE, &r) != NC_NOERR)
            continue;
        if (nc_inq_dimid(r, "age", &d) != NC_NOERR) {
            nc_close(r);
            fprintf(stderr, "metaplast: collect: %s is not a synapse-"
                            "ensemble record: collect stacks ensemble "
                            "sweeps\n", path);
            rc = MP_EXIT_USAGE;
            goto out;
        }
        nc_inq_dimlen(r, d, &nages);
        ages = malloc(nages * sizeof *ages);
        nc_inq_varid(r, "age", &v);
        nc_get_var_longlong(r, v, (long long *)ages);
        nc_close(r);
    }
    if (!ages) {
        fprintf(stderr, "metaplast: collect: no task of %s has a record "
                        "yet\n", dir);
        rc = MP_EXIT_USAGE;
        goto out;
    }
    lt = malloc(cells * sizeof *lt);
    ltt = malloc(cells * sizeof *ltt);
    complete = calloc(cells, 1);
    probes = calloc(cells * nages, sizeof *probes);
    for (k = 0; k < 6; k++)
        vals[k] = malloc(cells * nages * sizeof(double));
    for (i = 0; i < cells; i++) {
        lt[i] = ltt[i] = NAN;
        for (k = 0; k < 6; k++) {
            size_t a;
            for (a = 0; a < nages; a++)
                vals[k][i * nages + a] = NAN;
        }
    }
    for (t = 0; t < m.ntasks; t++) {
        size_t cell = 0, n = 0;
        unsigned long long done = 0, total = 1;
        int r, d, v;
        for (k = 0; k < nax; k++)
            cell = cell * (size_t)ax[k].n +
                   (size_t)axis_index(&ax[k], m.cells[t][k]);
        snprintf(path, sizeof path, "%s/tasks/%04ld/record.nc", dir, t);
        if (nc_open(path, NC_NOWRITE, &r) != NC_NOERR)
            continue;
        if (nc_inq_dimid(r, "age", &d) != NC_NOERR ||
            nc_inq_dimlen(r, d, &n) != NC_NOERR || n != nages) {
            nc_close(r);
            fprintf(stderr, "metaplast: collect: %s has another age grid; "
                            "collect needs one grid for all tasks\n", path);
            rc = MP_EXIT_USAGE;
            goto out;
        }
        for (k = 0; k < 6; k++)
            if (nc_inq_varid(r, names[k], &v) == NC_NOERR)
                nc_get_var_double(r, v, vals[k] + cell * nages);
        if (nc_inq_varid(r, "probes", &v) == NC_NOERR)
            nc_get_var_longlong(r, v, probes + cell * nages);
        nc_get_att_double(r, NC_GLOBAL, "lifetime", &lt[cell]);
        nc_get_att_double(r, NC_GLOBAL, "theory_lifetime", &ltt[cell]);
        nc_get_att_ulonglong(r, NC_GLOBAL, "memories_done", &done);
        nc_get_att_ulonglong(r, NC_GLOBAL, "memories_total", &total);
        complete[cell] = done == total;
        collected += done == total;
        nc_close(r);
    }
    /* Write sweep.nc beside the manifest, atomically. */
    snprintf(path, sizeof path, "%s/sweep.nc", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    NCK(nc_create(tmp, NC_NETCDF4 | NC_CLOBBER, &nc));
    for (k = 0; k < nax; k++)
        NCK(nc_def_dim(nc, ax[k].name, (size_t)ax[k].n, &dims[k]));
    NCK(nc_def_dim(nc, "age", nages, &dims[nax]));
    {
        int v_ax[MAX_VARY + 1], v_age, v_lt, v_ltt, v_c, v_p, v_vals[6];
        const char *ln[6] = {"mean overlap E[m(t)]", "its standard error",
                             "signal-to-noise ratio", "its standard error",
                             "exact expected overlap", "exact expected SNR"};
        for (k = 0; k < nax; k++) {
            NCK(nc_def_var(nc, ax[k].name,
                           ax[k].numeric ? NC_DOUBLE : NC_STRING, 1,
                           &dims[k], &v_ax[k]));
            NCK(nc_put_att_text(nc, v_ax[k], "long_name",
                                strlen(k < m.nkeys ? m.keys[k] : "run.seed"),
                                k < m.nkeys ? m.keys[k] : "run.seed"));
            if (k < m.nkeys && strchr(m.keys[k], '+')) {
                /* The linked values, one "a:b" label per coordinate. */
                char labels[4096] = "";
                int j;
                for (j = 0; j < ax[k].n; j++)
                    snprintf(labels + strlen(labels),
                             sizeof labels - strlen(labels), "%s%s",
                             j ? ", " : "", ax[k].labels[j]);
                NCK(nc_put_att_text(nc, v_ax[k], "linked_values",
                                    strlen(labels), labels));
            }
        }
        NCK(nc_def_var(nc, "age", NC_INT64, 1, &dims[nax], &v_age));
        NCK(nc_put_att_text(nc, v_age, "units", 8, "memories"));
        NCK(nc_def_var(nc, "lifetime", NC_DOUBLE, nax, dims, &v_lt));
        NCK(nc_put_att_text(nc, v_lt, "long_name", 43,
                            "largest age on the grid with SNR >= 1 (sim)"));
        NCK(nc_def_var(nc, "lifetime_theory", NC_DOUBLE, nax, dims, &v_ltt));
        NCK(nc_def_var(nc, "complete", NC_BYTE, nax, dims, &v_c));
        NCK(nc_put_att_text(nc, v_c, "long_name", 37,
                            "1 if the task's run finished, else 0"));
        NCK(nc_def_var(nc, "probes", NC_INT64, nax + 1, dims, &v_p));
        for (k = 0; k < 6; k++) {
            NCK(nc_def_var(nc, names[k], NC_DOUBLE, nax + 1, dims,
                           &v_vals[k]));
            NCK(nc_put_att_text(nc, v_vals[k], "long_name", strlen(ln[k]),
                                ln[k]));
        }
        NCK(nc_put_att_text(nc, NC_GLOBAL, "metaplast_file", 5, "sweep"));
        NCK(nc_put_att_text(nc, NC_GLOBAL, "metaplast_version",
                            strlen(MP_VERSION_STRING), MP_VERSION_STRING));
        NCK(nc_enddef(nc));
        for (k = 0; k < nax; k++) {
            int j;
            for (j = 0; j < ax[k].n; j++) {
                size_t at = (size_t)j;
                if (ax[k].numeric) {
                    double d = strtod(ax[k].labels[j], NULL);
                    NCK(nc_put_var1_double(nc, v_ax[k], &at, &d));
                } else {
                    const char *sv = ax[k].labels[j];
                    NCK(nc_put_var1_string(nc, v_ax[k], &at, &sv));
                }
            }
        }
        NCK(nc_put_var_longlong(nc, v_age, (const long long *)ages));
        NCK(nc_put_var_double(nc, v_lt, lt));
        NCK(nc_put_var_double(nc, v_ltt, ltt));
        NCK(nc_put_var_schar(nc, v_c, complete));
        NCK(nc_put_var_longlong(nc, v_p, probes));
        for (k = 0; k < 6; k++)
            NCK(nc_put_var_double(nc, v_vals[k], vals[k]));
    }
    NCK(nc_close(nc));
    nc = -1;
    if (rename(tmp, path)) {
        fprintf(stderr, "metaplast: collect: cannot write %s: %s\n", path,
                strerror(errno));
        goto out;
    }
    printf("collect: %ld of %ld tasks finished; %s (", collected, m.ntasks,
           path);
    for (k = 0; k < nax; k++)
        printf("%s%s = %d", k ? ", " : "", ax[k].name, ax[k].n);
    printf(", age = %zu)\n", nages);
    rc = 0;
out:
    if (nc >= 0) {
        nc_close(nc);
        unlink(tmp);
    }
    free(ages);
    free(lt);
    free(ltt);
    free(complete);
    free(probes);
    for (k = 0; k < 6; k++)
        free(vals[k]);
    manifest_free(&m);
    return rc;
}
