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

#include "cli.h"
#include "sweep.h"

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
        rc = mp_config_set(c, buf, index);
        if (rc)
            snprintf(err, errlen, "%s", mp_errmsg());
    }
    return rc;
}

static int task_config(const struct sweep_args *a, long t, const char *dir,
                       struct mp_config *c, char *err, size_t errlen)
{
    char buf[PATH_MAX + 64];
    int k, n = a->n_sets, rc;
    mp_config_init(c);
    rc = mp_config_load(c, a->config);
    for (k = 0; !rc && k < a->n_sets; k++)
        rc = mp_config_set(c, a->sets[k], k + 1);
    for (k = 0; !rc && k < a->n_vary; k++)
        if (set_linked(c, a->vary[k].key,
                       a->vary[k].values[value_of(a, t, k)], ++n, err,
                       errlen))
            return MP_EINVAL;
    if (!rc && a->seeds > 1) {
        snprintf(buf, sizeof buf, "run.seed=%llu",
                 (unsigned long long)(c->seed + (uint64_t)(t % a->seeds)));
        rc = mp_config_set(c, buf, ++n);
    }
    if (!rc) {
        snprintf(buf, sizeof buf, "output.dir=%s/tasks/%04ld", dir, t);
        rc = mp_config_set(c, buf, ++n);
    }
    if (!rc)
        rc = mp_config_validate(c);
    if (rc)
        snprintf(err, errlen, "%s", mp_errmsg());
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

int mp_cli_sweep(int argc, char **argv)
{
    struct sweep_args a;
    int rc, k, j;
    memset(&a, 0, sizeof a);
    rc = sweep(&a, argc, argv);
    for (k = 0; k < MAX_VARY; k++)
        for (j = 0; j < a.vary[k].n; j++)
            free(a.vary[k].values[j]);
    return rc;
}

static int parse_sweep_args(struct sweep_args *ap, int argc, char **argv)
{
    int i;
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
    return 0;
}

/* Every task is validated before anything is written. */
static int check_tasks(struct sweep_args *ap, long ntasks)
{
    struct mp_config c;
    char err[4096];
    long t;
    int k;
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
    return 0;
}

/* tasks/ and logs/ (SLURM writes no log into a missing directory), and
 * each task's resolved config. */
static int write_tasks(struct sweep_args *ap, long ntasks)
{
    struct mp_config c;
    char err[4096], path[PATH_MAX];
    long t;
    int k;
    for (k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", ap->out, k ? "logs" : "tasks");
        if (mp_io_mkdirs(path)) {
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
    return 0;
}

/* The manifest last: its presence marks a complete sweep directory. */
static int write_manifest(struct sweep_args *ap, long ntasks)
{
    struct mp_config c;
    char err[4096], path[PATH_MAX];
    long t;
    int k;
    FILE *man;
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
    return 0;
}

static int sweep(struct sweep_args *ap, int argc, char **argv)
{
    char path[PATH_MAX];
    long ntasks = 1;
    int k, rc = parse_sweep_args(ap, argc, argv);
    if (rc)
        return rc;
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
    if ((rc = check_tasks(ap, ntasks)) || (rc = write_tasks(ap, ntasks)))
        return rc;
    if (write_sbatch(ap, ap->out, ntasks)) {
        fprintf(stderr, "metaplast: sweep: cannot write the sbatch script\n");
        return MP_EXIT_RUNTIME;
    }
    if ((rc = write_manifest(ap, ntasks)))
        return rc;
    printf("sweep: %ld task%s in %s (manifest.tsv, tasks/)\n", ntasks,
           ntasks == 1 ? "" : "s", ap->out);
    printf("submit: sbatch %s/sweep.sbatch\n", ap->out);
    printf("follow: metaplast sweep-status %s; then: metaplast collect %s\n",
           ap->out, ap->out);
    return 0;
}

/* ---- The manifest ------------------------------------------------------ */


void mp_cli_manifest_free(struct manifest *m)
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

int mp_cli_manifest_read(const char *dir, struct manifest *m)
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
            mp_cli_manifest_free(m);
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
    uint64_t done = 0, total = 1;
    snprintf(path, sizeof path, "%s/tasks/%04ld/checkpoint.nc", dir, t);
    if (access(path, F_OK) || mp_io_ckpt_progress(path, &done, &total))
        return -1;
    return done == total;
}

int mp_cli_sweep_status(const char *dir)
{
    struct manifest m;
    long t, counts[5] = {0};
    static const char *const names[] = {"done", "running", "failed",
                                        "resumable", "not started"};
    int k, rc = mp_cli_manifest_read(dir, &m);
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
    mp_cli_manifest_free(&m);
    return 0;
}
