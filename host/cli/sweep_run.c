/* SPDX-License-Identifier: MIT */
/*
 * sweep_run.c: `metaplast sweep-run DIR [-j N]`: a sweep's tasks on this
 * machine, N at a time, each a child process of this program running
 * `run` or `resume` exactly as sweep.sbatch runs one array task (public
 * API only).  Resumable: a task with anything in its directory resumes,
 * a finished one is left alone.  A task whose directory another process
 * holds is skipped.  Stop signals are forwarded to the children, which
 * write a checkpoint and exit 75.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

#define MAX_JOBS 1024

/* What became of a task (the summary's columns). */
enum outcome { O_DONE, O_EARLIER, O_STOPPED, O_FAILED, O_SKIPPED, O_COUNT };
static const char *const outcome_names[O_COUNT] = {
    "done", "done earlier", "stopped (resumable)", "failed",
    "skipped (in use by another process)"};

/* The children, for the signal handler: it forwards each stop signal to
 * every one (pids change only while the stop signals are blocked). */
static volatile pid_t live[MAX_JOBS];
static volatile sig_atomic_t stop_signal;
static int n_slots;

static void on_signal(int sig)
{
    const int saved = errno;
    int i;
    if (!stop_signal)
        stop_signal = sig;
    for (i = 0; i < n_slots; i++)
        if (live[i] > 0)
            kill(live[i], sig);
    errno = saved;
}

static const int stops[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
#define N_STOPS (sizeof stops / sizeof stops[0])

static void stop_mask(sigset_t *set)
{
    size_t i;
    sigemptyset(set);
    for (i = 0; i < N_STOPS; i++)
        sigaddset(set, stops[i]);
}

static void catch_stops(void)
{
    struct sigaction sa;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < N_STOPS; i++)
        sigaction(stops[i], &sa, NULL);
    /* A closed pipe on stderr stops only the progress lines. */
    signal(SIGPIPE, SIG_IGN);
}

/* One running task. */
struct slot {
    long task;
    double start; /* seconds */
};

struct sweep_run {
    const char *dir;
    struct manifest m;
    int jobs;
    long next; /* the next task to look at */
    int running;
    long counts[O_COUNT];
    struct slot slots[MAX_JOBS];
};

/* A file for a task's bookkeeping, appended to or replaced; a symbolic
 * link planted at its name is removed, never followed. */
static int open_task_file(const char *path, int flags)
{
    const int f = flags | O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
    int fd = open(path, f, 0644);
    if (fd < 0 && errno == ELOOP && !unlink(path))
        fd = open(path, f, 0644);
    return fd;
}

static void task_path(char *buf, size_t len, const char *dir, long t,
                      const char *what)
{
    snprintf(buf, len, "%s/tasks/%04ld%s", dir, t, what);
}

/* The exit status of an attempt, as sweep.sbatch records it (128 +
 * the signal for a death by a signal). */
static void write_status(const char *dir, long t, int code)
{
    char path[PATH_MAX], line[32];
    int fd, n;
    task_path(path, sizeof path, dir, t, ".status");
    fd = open_task_file(path, O_TRUNC);
    if (fd < 0)
        return;
    n = snprintf(line, sizeof line, "%d\n", code);
    if (write(fd, line, (size_t)n) != n)
        fprintf(stderr, "metaplast: sweep-run: cannot write %s\n", path);
    close(fd);
}

/* Whether a task finished in an earlier attempt: its status says 0 and
 * its checkpoint holds the whole run. */
static int finished_earlier(const char *dir, long t)
{
    char path[PATH_MAX];
    uint64_t done = 0, total = 1;
    int code = -1;
    FILE *f;
    task_path(path, sizeof path, dir, t, ".status");
    if (!(f = fopen(path, "r")))
        return 0;
    if (fscanf(f, "%d", &code) != 1)
        code = -1;
    fclose(f);
    task_path(path, sizeof path, dir, t, "/checkpoint.nc");
    return code == 0 && !access(path, F_OK) &&
           !mp_io_ckpt_progress(path, &done, &total) && done == total;
}

/* A task's label for the progress lines: its values and seed. */
static void label(const struct manifest *m, long t, char *buf, size_t len)
{
    size_t used = 0;
    int k;
    buf[0] = '\0';
    for (k = 0; k < m->nkeys && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s=%s, ",
                                 m->keys[k], m->cells[t][k]);
    if (used < len)
        snprintf(buf + used, len - used, "seed %s", m->cells[t][m->nkeys]);
}

/* In the child: its own process group (a terminal's ^C reaches only
 * sweep-run, which forwards it once), SIGTERM if sweep-run dies, output
 * to the task's files, then this program's run or resume. */
static void child(char *const *argv, int out, int err, pid_t parent)
{
    sigset_t set;
    size_t i;
    int in = open("/dev/null", O_RDONLY);
    for (i = 0; i < N_STOPS; i++)
        signal(stops[i], SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(MP_EXIT_STOPPED); /* sweep-run already gone */
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        _exit(MP_EXIT_RUNTIME);
    execv("/proc/self/exe", argv);
    dprintf(2, "metaplast: sweep-run: cannot run /proc/self/exe: %s\n",
            strerror(errno));
    _exit(MP_EXIT_RUNTIME);
}

/* A line in the task's log before each attempt. */
static void log_attempt(int fd, int again)
{
    const time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", localtime(&now));
    dprintf(fd, "sweep-run: %s, %s\n", again ? "resume" : "run", when);
}

/* Starts task t in slot s (signals blocked); 0, or -1 if it cannot. */
static int launch(struct sweep_run *r, long t, int s)
{
    char ini[PATH_MAX], dir[PATH_MAX], ckpt[PATH_MAX], cfg[PATH_MAX],
        log[PATH_MAX], err[PATH_MAX], what[512];
    char *run[] = {"metaplast", "run", ini, "--out", dir, "--quiet", NULL};
    char *resume[] = {"metaplast", "resume", dir, "--quiet", NULL};
    const pid_t parent = getpid();
    int out, errfd, again;
    pid_t pid;
    task_path(ini, sizeof ini, r->dir, t, ".ini");
    task_path(dir, sizeof dir, r->dir, t, "");
    task_path(ckpt, sizeof ckpt, r->dir, t, "/checkpoint.nc");
    task_path(cfg, sizeof cfg, r->dir, t, "/config.ini");
    task_path(err, sizeof err, r->dir, t, ".err");
    snprintf(log, sizeof log, "%s/logs/task-%04ld.out", r->dir, t);
    /* As sweep.sbatch: anything an earlier attempt left resumes. */
    again = !access(ckpt, F_OK) || !access(cfg, F_OK);
    out = open_task_file(log, O_APPEND);
    errfd = out < 0 ? -1 : open_task_file(err, O_APPEND);
    if (errfd < 0) {
        fprintf(stderr, "metaplast: sweep-run: task %04ld: cannot open %s: "
                        "%s\n",
                t, out < 0 ? log : err, strerror(errno));
        if (out >= 0)
            close(out);
        return -1;
    }
    log_attempt(out, again);
    fflush(NULL);
    pid = fork();
    if (pid == 0)
        child(again ? resume : run, out, errfd, parent);
    close(out);
    close(errfd);
    if (pid < 0) {
        fprintf(stderr, "metaplast: sweep-run: cannot start task %04ld: "
                        "%s\n",
                t, strerror(errno));
        return -1;
    }
    setpgid(pid, pid);
    live[s] = pid;
    r->slots[s].task = t;
    r->slots[s].start = mp_cli_now();
    r->running++;
    label(&r->m, t, what, sizeof what);
    fprintf(stderr, "sweep-run: task %04ld (%s): %s\n", t, what,
            again ? "resumed" : "started");
    return 0;
}

/* The next task to start, or -1 when none is left; tasks finished
 * earlier and tasks another process holds are counted as they pass. */
static long next_task(struct sweep_run *r)
{
    char dir[PATH_MAX], what[512];
    while (r->next < r->m.ntasks) {
        const long t = r->next++;
        task_path(dir, sizeof dir, r->dir, t, "");
        if (mp_io_lock_check(dir) == MP_EBUSY) {
            label(&r->m, t, what, sizeof what);
            fprintf(stderr, "sweep-run: task %04ld (%s): skipped: %s\n", t,
                    what, mp_errmsg());
            r->counts[O_SKIPPED]++;
        } else if (finished_earlier(r->dir, t)) {
            r->counts[O_EARLIER]++;
        } else {
            return t;
        }
    }
    return -1;
}

/* What an attempt's exit status means for its task. */
static enum outcome classify(const struct sweep_run *r, long t, int status,
                             int code)
{
    char path[PATH_MAX], last[1024];
    if (code == 0)
        return O_DONE;
    if (code == MP_EXIT_STOPPED || (WIFSIGNALED(status) && stop_signal))
        return O_STOPPED; /* resumable: a checkpoint, or from the start */
    if (code == MP_EXIT_USAGE) {
        /* Refused because another process took the directory between
         * the check and the start. */
        task_path(path, sizeof path, r->dir, t, "");
        if (mp_io_lock_check(path) == MP_EBUSY)
            return O_SKIPPED;
        task_path(path, sizeof path, r->dir, t, ".err");
        mp_cli_last_line(path, last, sizeof last);
        if (strstr(last, "in use by another process"))
            return O_SKIPPED;
    }
    return O_FAILED;
}

/* A child ended: its task's status, count and progress line. */
static void finish(struct sweep_run *r, int s, int status)
{
    const long t = r->slots[s].task;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status)
                                       : 128 + WTERMSIG(status);
    const enum outcome o = classify(r, t, status, code);
    char path[PATH_MAX], last[1024] = "", why[1200] = "";
    if (o != O_SKIPPED)
        write_status(r->dir, t, code);
    r->counts[o]++;
    if (o == O_FAILED || o == O_SKIPPED) {
        task_path(path, sizeof path, r->dir, t, ".err");
        mp_cli_last_line(path, last, sizeof last);
    }
    if (o == O_FAILED && WIFSIGNALED(status))
        snprintf(why, sizeof why, " (killed by signal %d, %s)",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (o == O_FAILED)
        snprintf(why, sizeof why, " (exit %d): %s", code,
                 last[0] ? last : "(no message)");
    else if (o == O_SKIPPED)
        snprintf(why, sizeof why, ": %s", last);
    fprintf(stderr,
            "sweep-run: task %04ld: %s%s after %.1f s [%ld of %ld done, %d "
            "running]\n",
            t, o == O_SKIPPED ? "skipped" : outcome_names[o], why,
            mp_cli_now() - r->slots[s].start,
            r->counts[O_DONE] + r->counts[O_EARLIER], r->m.ntasks,
            r->running);
}

/* Starts tasks while slots are free (stop signals blocked, so that the
 * handler sees every child), then waits for any child to end. */
static void run_all(struct sweep_run *r)
{
    sigset_t stopset, old;
    stop_mask(&stopset);
    n_slots = r->jobs;
    catch_stops();
    for (;;) {
        int s, status;
        pid_t pid;
        sigprocmask(SIG_BLOCK, &stopset, &old);
        while (!stop_signal && r->running < r->jobs) {
            const long t = next_task(r);
            if (t < 0)
                break;
            for (s = 0; live[s]; s++)
                ;
            if (launch(r, t, s))
                r->counts[O_FAILED]++;
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (!r->running)
            break;
        pid = waitpid(-1, &status, 0); /* blocks: no polling */
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            break; /* no child left: cannot happen while running > 0 */
        sigprocmask(SIG_BLOCK, &stopset, &old);
        for (s = 0; s < n_slots && live[s] != pid; s++)
            ;
        if (s < n_slots) {
            live[s] = 0;
            r->running--;
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (s < n_slots)
            finish(r, s, status);
    }
}

/* The default -j: the CPUs this process may use, divided by the
 * threads a task takes (run.threads of task 0, or the most of a swept
 * run.threads; 0 = every CPU). */
static int default_jobs(const char *dir, const struct manifest *m)
{
    struct mp_config c;
    char path[PATH_MAX];
    cpu_set_t set;
    int cpus = 1, threads = 0, k;
    long t;
    if (!sched_getaffinity(0, sizeof set, &set))
        cpus = CPU_COUNT(&set);
    snprintf(path, sizeof path, "%s/tasks/0000.ini", dir);
    mp_config_init(&c);
    if (!mp_config_load(&c, path))
        threads = c.threads;
    for (k = 0; k < m->nkeys; k++)
        if (!strcmp(m->keys[k], "run.threads"))
            for (t = 0, threads = 1; t < m->ntasks && threads > 0; t++) {
                const int n = atoi(m->cells[t][k]);
                threads = n <= 0 ? 0 : n > threads ? n : threads;
            }
    if (threads <= 0 || threads >= cpus)
        return 1;
    return cpus / threads < MAX_JOBS ? cpus / threads : MAX_JOBS;
}

static int usage(const char *why, const char *arg)
{
    fprintf(stderr,
            "metaplast: sweep-run: %s%s%s\n"
            "usage: metaplast sweep-run DIR [-j N]  (N: tasks at a time, "
            "1 to %d)\n",
            why, arg ? ": " : "", arg ? arg : "", MAX_JOBS);
    return MP_EXIT_USAGE;
}

static int parse(int argc, char **argv, const char **dir, int *jobs)
{
    int i;
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--jobs")) {
            char *end;
            long v;
            if (i + 1 >= argc)
                return usage("-j needs a number", NULL);
            v = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || v < 1 || v > MAX_JOBS)
                return usage("-j: expected an integer from 1 to 1024, got",
                             argv[i]);
            *jobs = (int)v;
        } else if (argv[i][0] == '-') {
            return usage("unknown option", argv[i]);
        } else if (*dir) {
            return usage("unexpected argument", argv[i]);
        } else {
            *dir = argv[i];
        }
    }
    return *dir ? 0 : usage("missing the sweep directory", NULL);
}

/* The summary; the exit status: 3 if a task failed, 75 if any is left
 * to do (stopped, skipped, not started), else 0. */
static int summary(const struct sweep_run *r)
{
    long left = r->m.ntasks, k;
    const char *sep = "";
    fprintf(stderr, "sweep-run: %ld task%s:", r->m.ntasks,
            r->m.ntasks == 1 ? "" : "s");
    for (k = 0; k < O_COUNT; k++) {
        left -= r->counts[k];
        if (r->counts[k])
            fprintf(stderr, "%s %ld %s", sep, r->counts[k],
                    outcome_names[k]);
        sep = r->counts[k] ? "," : sep;
    }
    if (left)
        fprintf(stderr, "%s %ld not started", sep, left);
    fprintf(stderr, "\n");
    if (stop_signal)
        fprintf(stderr, "sweep-run: stopped by %s; `metaplast sweep-run %s` "
                        "continues\n",
                strsignal(stop_signal), r->dir);
    if (r->counts[O_FAILED])
        return MP_EXIT_RUNTIME;
    if (left || r->counts[O_STOPPED] || r->counts[O_SKIPPED])
        return MP_EXIT_STOPPED;
    return MP_EXIT_OK;
}

int mp_cli_sweep_run(int argc, char **argv)
{
    static struct sweep_run r;
    int rc, lock = -1;
    memset(&r, 0, sizeof r);
    if ((rc = parse(argc, argv, &r.dir, &r.jobs)))
        return rc;
    /* Shared, while the manifest is read: refused only while `sweep` or
     * `collect` holds it. */
    if ((rc = mp_io_lock(r.dir, 0, NULL, &lock)))
        return mp_cli_fail(rc);
    rc = mp_cli_manifest_read(r.dir, &r.m);
    mp_io_unlock(lock);
    if (rc)
        return rc;
    if (!r.jobs)
        r.jobs = default_jobs(r.dir, &r.m);
    fprintf(stderr, "sweep-run: %ld task%s in %s, %d at a time\n",
            r.m.ntasks, r.m.ntasks == 1 ? "" : "s", r.dir, r.jobs);
    run_all(&r);
    rc = summary(&r);
    mp_cli_manifest_free(&r.m);
    return rc;
}
