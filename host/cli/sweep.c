/* SPDX-License-Identifier: MIT */
/*
 * sweep.c: parameter sweeps as SLURM job arrays (public API only); the
 * reading side (manifest, task states, sweep-status) is sweep_status.c.
 *
 *   sweep DIR layout:  manifest.tsv        task, one column per varied key, seed
 *                      sweep.sbatch        the job array
 *                      base.ini            the base config and the command
 *                      tasks/NNNN.ini      each task's resolved config
 *                      tasks/NNNN/         each task's run directory
 *                      tasks/NNNN.status   exit status of its last attempt
 *                      tasks/NNNN.running  while an attempt runs
 *                      tasks/NNNN.err      its stderr
 *                      logs/               each task's output (task-NNNN.out)
 *                      .metaplast.lock     held by sweep and collect
 *                      sweep.nc            what collect stacks
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
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
    const char *cmdline; /* the whole command line, quoted */
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

/* Everything after the header: each task runs, or resumes what an earlier
 * attempt left (a checkpoint, or only config.ini: resume starts it again);
 * links planted at its bookkeeping files are removed, never followed. */
static const char sbatch_body[] =
    "id=$(printf %04d \"$SLURM_ARRAY_TASK_ID\")\n"
    "task=$sweep/tasks/$id\n"
    "exec >>\"$sweep/logs/task-$id.out\" 2>&1\n"
    "for f in \"$task.running\" \"$task.status\" \"$task.err\"; do\n"
    "  if [[ -L $f ]]; then rm -f -- \"$f\"; fi\n"
    "done\n"
    "echo \"$(hostname) job ${SLURM_JOB_ID:-?} since $(date +%s)\" "
    ">\"$task.running\"\n"
    "if [[ -f $task/checkpoint.nc || -f $task/config.ini ]]; then\n"
    "  \"$metaplast\" resume \"$task\" --quiet 2>>\"$task.err\" &\n"
    "else\n"
    "  \"$metaplast\" run \"$task.ini\" --out \"$task\" --quiet "
    "2>>\"$task.err\" &\n"
    "fi\n"
    "pid=$!\n"
    "stopping=0\n"
    "trap 'stopping=1; kill -USR1 $pid' USR1\n"
    "trap 'stopping=1; kill -TERM $pid' TERM\n"
    "wait \"$pid\"\n"
    "rc=$?\n"
    "while ((rc > 128)) && kill -0 \"$pid\" 2>/dev/null; do\n"
    "  wait \"$pid\"\n"
    "  rc=$?\n"
    "done\n"
    "echo \"$rc\" >\"$task.status\"\n"
    "rm -f -- \"$task.running\"\n"
    "# A stop that reached metaplast while the system was still loading it\n"
    "# (before it could catch signals) killed it: requeued as well, since\n"
    "# whatever it left resumes.\n"
    "if [[ $rc -eq 75 ]] || ((stopping && rc > 128)); then\n"
    "  # A busy controller can refuse once: try again before giving up.\n"
    "  for try in 1 2 3 4 5; do\n"
    "    scontrol requeue \"$SLURM_JOB_ID\" && break\n"
    "    echo \"scontrol requeue failed (try $try)\" >>\"$task.err\"\n"
    "    sleep $((2 * try))\n"
    "  done\n"
    "fi\n"
    "exit \"$rc\"\n";

/* Whether a path can be written into a script (no control character). */
static int scriptable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* s as one bash word: in single quotes, each ' written as '\''. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

/* A new file: never one that exists, never through a planted link. */
static FILE *create_new(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (fd >= 0 && !f)
        close(fd);
    return f;
}

/* The sweep's directory and this program, as the script names them. */
static void script_paths(const char *dir, char *self, size_t slen,
                         char *absdir, size_t alen)
{
    ssize_t len = readlink("/proc/self/exe", self, slen - 1);
    if (len <= 0)
        snprintf(self, slen, "metaplast");
    else
        self[len] = '\0';
    if (!realpath(dir, absdir))
        snprintf(absdir, alen, "%s%s", dir[0] == '/' ? "" : "./", dir);
}

static int write_sbatch(const struct sweep_args *a, const char *dir,
                        long ntasks)
{
    char path[PATH_MAX], self[PATH_MAX], absdir[PATH_MAX];
    FILE *f;
    script_paths(dir, self, sizeof self, absdir, sizeof absdir);
    if (!scriptable(self) || !scriptable(absdir))
        return fail("sweep: '%s' or '%s' holds a control character, which "
                    "a batch script cannot name safely",
                    absdir, self);
    snprintf(path, sizeof path, "%s/sweep.sbatch", dir);
    f = create_new(path);
    if (!f) {
        fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n", path,
                strerror(errno));
        return MP_EXIT_RUNTIME;
    }
    /* No path in an #SBATCH line (SLURM does not unquote them): SLURM's
     * own output goes nowhere; the script sends its output to logs/. */
    fprintf(f,
            "#!/bin/bash\n"
            "# A metaplast sweep as a SLURM job array: each task runs, or\n"
            "# resumes what an earlier attempt left (a finished task does\n"
            "# nothing); 120 s before its time limit (or when preempted) it\n"
            "# writes a checkpoint, exits 75 and is requeued.  Submit with\n"
            "# sbatch and this script's path.  Output: logs/task-NNNN.out.\n"
            "#SBATCH --job-name=metaplast-sweep\n"
            "#SBATCH --array=0-%ld%%%d\n"
            "#SBATCH --signal=B:USR1@120\n"
            "#SBATCH --requeue\n"
            "#SBATCH --open-mode=append\n"
            "#SBATCH --output=/dev/null\n"
            "sweep=",
            ntasks - 1, a->parallel);
    put_quoted(f, absdir);
    fputs("\nmetaplast=", f);
    put_quoted(f, self);
    fputs("\nif [[ -n ${METAPLAST:-} ]]; then metaplast=$METAPLAST; fi\n", f);
    fputs(sbatch_body, f);
    if (fclose(f)) {
        fprintf(stderr, "metaplast: sweep: cannot write '%s': %s\n", path,
                strerror(errno));
        return MP_EXIT_RUNTIME;
    }
    chmod(path, 0755);
    return 0;
}

static int sweep(struct sweep_args *ap, int argc, char **argv);

int mp_cli_sweep(int argc, char **argv, const char *cmdline)
{
    struct sweep_args a;
    int rc, k, j;
    memset(&a, 0, sizeof a);
    a.cmdline = cmdline;
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
        f = create_new(path);
        if (!f || mp_config_write(&c, f) || fclose(f)) {
            fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n",
                    path, strerror(errno));
            return MP_EXIT_RUNTIME;
        }
    }
    return 0;
}

/* base.ini: CONFIG with every --set (output.dir the sweep's), which
 * collect writes into sweep.nc, after a comment naming the command. */
static int write_base(const struct sweep_args *ap)
{
    struct mp_config c;
    char path[PATH_MAX], buf[PATH_MAX + 16];
    const char *p;
    int k, rc, bad = 1;
    FILE *f;
    mp_config_init(&c);
    rc = mp_config_load(&c, ap->config);
    for (k = 0; !rc && k < ap->n_sets; k++)
        rc = mp_config_set(&c, ap->sets[k], k + 1);
    snprintf(buf, sizeof buf, "output.dir=%s", ap->out);
    if (!rc)
        rc = mp_config_set(&c, buf, k + 1);
    if (rc)
        return mp_cli_fail(rc);
    /* The defaults that depend on other keys, as far as the base alone
     * allows: some bases are valid only with each task's values. */
    mp_config_validate(&c);
    snprintf(path, sizeof path, "%s/base.ini", ap->out);
    f = create_new(path);
    if (f) {
        fputs("; The base configuration of this sweep: CONFIG with every "
              "--set; each task\n; varies it (manifest.tsv).  Made by:\n"
              "; command_line = ",
              f);
        /* Comment lines of at most 100 characters: the config reader
         * refuses longer lines, comments included. */
        for (p = ap->cmdline ? ap->cmdline : "metaplast sweep", k = 0; *p;
             p++, k++) {
            if (k && k % 80 == 0)
                fputs("\n;   ", f);
            fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
        }
        fputc('\n', f);
        bad = mp_config_write(&c, f) != 0;
        bad |= fclose(f) != 0;
    }
    if (bad) {
        fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n", path,
                strerror(errno));
        return MP_EXIT_RUNTIME;
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
    man = create_new(path);
    if (!man) {
        fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n", path,
                strerror(errno));
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
    if (fclose(man)) {
        fprintf(stderr, "metaplast: sweep: cannot write '%s': %s\n", path,
                strerror(errno));
        return MP_EXIT_RUNTIME;
    }
    return 0;
}

/* Each key varied once: a key in two --vary options (linked or not)
 * would make the manifest's labels lie. */
static int check_keys(const struct sweep_args *ap)
{
    char seen[MAX_VARY * 8][64];
    int n = 0, k, j;
    for (k = 0; k < ap->n_vary; k++) {
        char keys[64], *tok, *save = NULL;
        snprintf(keys, sizeof keys, "%s", ap->vary[k].key);
        for (tok = strtok_r(keys, "+", &save); tok;
             tok = strtok_r(NULL, "+", &save)) {
            for (j = 0; j < n; j++)
                if (!strcmp(seen[j], tok))
                    return fail("sweep: %s is varied twice (--vary %s); "
                                "give each key one --vary, or link keys "
                                "with a+b=1:2",
                                tok, ap->vary[k].key);
            if (n < MAX_VARY * 8)
                snprintf(seen[n++], sizeof seen[0], "%s", tok);
            if (!strcmp(tok, "output.dir"))
                return fail("sweep: --vary %s: each task's output.dir is "
                            "its own (DIR/tasks/NNNN)%s",
                            ap->vary[k].key, "");
            if (!strcmp(tok, "run.seed") && ap->seeds > 1)
                return fail("sweep: --vary %s with --seeds: the seeds would "
                            "overlap and the manifest's seeds lie; use one "
                            "or the other%s",
                            ap->vary[k].key, "");
        }
    }
    return 0;
}

/* Under the sweep's lock: the directory holds no sweep, and no task
 * results that a new manifest would relabel. */
static int check_sweep_dir(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d;
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    if (access(path, F_OK) == 0)
        return fail("sweep: '%s' already holds a sweep; nothing was "
                    "changed%s",
                    dir, "");
    snprintf(path, sizeof path, "%s/config.ini", dir);
    if (access(path, F_OK) == 0)
        return fail("sweep: '%s' holds a run (config.ini); a sweep goes "
                    "into a directory of its own; nothing was changed%s",
                    dir, "");
    snprintf(path, sizeof path, "%s/tasks", dir);
    if (!(d = opendir(path)))
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            break;
    closedir(d);
    if (e)
        return fail("sweep: '%s' holds task files but no manifest.tsv (an "
                    "interrupted or damaged sweep): a new sweep there would "
                    "mix its tasks with the old results; nothing was "
                    "changed.  Choose another --out, or remove %s/tasks",
                    dir, dir);
    return 0;
}

/* The directory, created and locked; the files, manifest last. */
static int create_sweep(struct sweep_args *ap, long ntasks)
{
    char what[PATH_MAX + 32];
    int lock = -1, rc;
    if (mp_io_mkdirs(ap->out)) {
        fprintf(stderr, "metaplast: sweep: cannot create '%s': %s\n",
                ap->out, strerror(errno));
        return MP_EXIT_USAGE;
    }
    snprintf(what, sizeof what, "metaplast sweep --out %s", ap->out);
    if (mp_io_lock(ap->out, 1, what, &lock))
        return mp_cli_fail(MP_EBUSY);
    rc = check_sweep_dir(ap->out);
    if (!rc)
        rc = write_tasks(ap, ntasks);
    if (!rc)
        rc = write_base(ap);
    if (!rc)
        rc = write_sbatch(ap, ap->out, ntasks);
    if (!rc)
        rc = write_manifest(ap, ntasks);
    mp_io_unlock(lock);
    return rc;
}

static int sweep(struct sweep_args *ap, int argc, char **argv)
{
    char path[PATH_MAX];
    long ntasks = 1;
    int k, rc = parse_sweep_args(ap, argc, argv);
    if (rc || (rc = check_keys(ap)))
        return rc;
    if (!scriptable(ap->out))
        return fail("sweep: --out holds a control character, which a batch "
                    "script cannot name safely%s%s",
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
    if ((rc = check_tasks(ap, ntasks)) || (rc = create_sweep(ap, ntasks)))
        return rc;
    printf("sweep: %ld task%s in %s (manifest.tsv, tasks/)\n", ntasks,
           ntasks == 1 ? "" : "s", ap->out);
    printf("submit: sbatch %s/sweep.sbatch\n", ap->out);
    printf("follow: metaplast sweep-status %s; then: metaplast collect %s\n",
           ap->out, ap->out);
    return 0;
}
