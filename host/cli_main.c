/* SPDX-License-Identifier: MIT */
/* cli_main.c: the metaplast command line (public API only). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/detail/par.h"
#include "metaplast/metaplast.h"

#include "cli.h"

static const char usage[] =
    "usage: metaplast run CONFIG [--set section.key=value]... [--out DIR]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--quiet]\n"
    "       metaplast resume DIR|CHECKPOINT.nc [--memories N | --until N]\n"
    "                     [--set section.key=value]... [--backend B]\n"
    "                     [--threads N] [--quiet]\n"
    "       metaplast theory CONFIG [--set section.key=value]... [--out DIR]\n"
    "       metaplast validate CONFIG [--set section.key=value]...\n"
    "       metaplast info FILE.nc\n"
    "       metaplast sweep CONFIG --vary section.key=v1,v2,... [--vary ...]\n"
    "                     [--seeds K] [--parallel P] [--set ...] --out DIR\n"
    "       metaplast sweep-status DIR | collect DIR\n"
    "       metaplast --help | --version\n";

static const char help[] =
    "\n"
    "Simulates synapse ensembles storing a stream of memories and measures\n"
    "how their traces decay (binary, cascade and serial synapses).\n"
    "\n"
    "commands:\n"
    "  run       simulate; writes DIR/record.nc, DIR/checkpoint.nc and\n"
    "            DIR/config.ini\n"
    "  resume    continue a run from its checkpoint (idempotent: a finished\n"
    "            run is left alone unless --memories or --until extend it)\n"
    "  theory    the exact expected curve, no simulation; DIR/theory.nc\n"
    "  validate  check a configuration and print what it would need\n"
    "  info      what a metaplast file holds; verifies checksums\n"
    "  sweep     one task per combination of --vary values (x --seeds;\n"
    "            'a+b=1:2,3:4' varies keys together),\n"
    "            a manifest and a SLURM job-array script (docs/SWEEPS.md)\n"
    "  sweep-status  per task: done, running, failed (why), resumable\n"
    "  collect   stack every task's record into DIR/sweep.nc\n"
    "\n"
    "options:\n"
    "  --set section.key=value  override one config key (repeatable)\n"
    "  --out DIR                run directory (output.dir)\n"
    "  --backend B              auto (CUDA if a device is present), cpu, "
    "cuda\n"
    "  --threads N              CPU threads, 0 = all (run.threads)\n"
    "  --memories N             resume: store N more memories than planned\n"
    "  --until N                resume: run until N memories are measured\n"
    "  --quiet                  no progress output\n"
    "\n"
    "signals: SIGTERM, SIGINT or SIGUSR1 finish the current slice, write the\n"
    "checkpoint and the record, and exit 75 (resumable); a second SIGINT\n"
    "aborts at once.\n"
    "\n"
    "exit status: 0 done, 2 bad input (arguments, config, files; nothing\n"
    "is written), 3 runtime failure (device, I/O; the last checkpoint is\n"
    "intact), 75 stopped by a signal after a clean checkpoint.\n"
    "A run refuses a DIR that already holds a run; `resume DIR` continues\n"
    "one.  Config keys: docs/CONFIG.md.\n";

struct args {
    const char *command;
    const char *target; /* CONFIG, DIR or FILE */
    const char *sets[256];
    int n_sets;
    const char *out;
    const char *backend;
    const char *threads;
    const char *memories;
    const char *until;
    int quiet;
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "metaplast: %s%s%s\n%s", msg, arg ? ": " : "",
            arg ? arg : "", usage);
    return MP_EXIT_USAGE;
}

/* Which options each command takes. */
static int allowed(const char *cmd, const char *opt)
{
    static const char *const table[][8] = {
        {"run", "--set", "--out", "--backend", "--threads", "--quiet", NULL},
        {"resume", "--set", "--backend", "--threads", "--quiet", "--memories",
         "--until", NULL},
        {"theory", "--set", "--out", "--quiet", NULL},
        {"validate", "--set", NULL},
        {"info", NULL},
    };
    size_t i, j;
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i][0], cmd))
            continue;
        for (j = 1; table[i][j]; j++)
            if (!strcmp(table[i][j], opt))
                return 1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    int i;
    memset(a, 0, sizeof *a);
    a->command = argv[1];
    for (i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] == '-' && s[1]) {
            const char **slot = NULL;
            if (!allowed(a->command, s))
                return usage_error(strncmp(s, "--", 2) ||
                                           (strcmp(s, "--set") &&
                                            strcmp(s, "--out") &&
                                            strcmp(s, "--backend") &&
                                            strcmp(s, "--threads") &&
                                            strcmp(s, "--quiet") &&
                                            strcmp(s, "--memories") &&
                                            strcmp(s, "--until"))
                                       ? "unknown option"
                                       : "option not valid for this command",
                                   s);
            if (!strcmp(s, "--quiet")) {
                a->quiet = 1;
                continue;
            }
            if (i + 1 >= argc)
                return usage_error("option needs a value", s);
            if (!strcmp(s, "--set")) {
                if (a->n_sets == 256)
                    return usage_error("too many --set options", NULL);
                a->sets[a->n_sets++] = argv[++i];
                continue;
            }
            slot = !strcmp(s, "--out")       ? &a->out
                   : !strcmp(s, "--backend") ? &a->backend
                   : !strcmp(s, "--threads") ? &a->threads
                   : !strcmp(s, "--memories") ? &a->memories
                                              : &a->until;
            *slot = argv[++i];
        } else if (!a->target) {
            a->target = s;
        } else {
            return usage_error("unexpected argument", s);
        }
    }
    if (!a->target)
        return usage_error(!strcmp(a->command, "resume")
                               ? "missing DIR or CHECKPOINT"
                           : !strcmp(a->command, "info") ? "missing FILE"
                                                         : "missing CONFIG "
                                                           "file",
                           NULL);
    if (a->memories && a->until)
        return usage_error("--memories and --until exclude each other",
                           NULL);
    return 0;
}

/* --set, then the options that stand for keys, over *c. */
static int apply_overrides(const struct args *a, struct mp_config *c,
                           char *err, size_t errlen)
{
    char buf[MP_CFG_MAX_PATH + 32];
    int i, n = a->n_sets;
    for (i = 0; i < a->n_sets; i++)
        if (mp_config_set(c, a->sets[i], i + 1, err, errlen))
            return -1;
    if (a->out) {
        snprintf(buf, sizeof buf, "output.dir=%s", a->out);
        if (mp_config_set(c, buf, ++n, err, errlen))
            return -1;
    }
    if (a->backend) {
        snprintf(buf, sizeof buf, "run.backend=%s", a->backend);
        if (mp_config_set(c, buf, ++n, err, errlen))
            return -1;
    }
    if (a->threads) {
        snprintf(buf, sizeof buf, "run.threads=%s", a->threads);
        if (mp_config_set(c, buf, ++n, err, errlen))
            return -1;
    }
    return 0;
}

/* Config file + overrides, validated. */
static int load_config(const struct args *a, struct mp_config *c)
{
    char err[2048];
    mp_config_init(c);
    if (mp_config_load(c, a->target, err, sizeof err) ||
        apply_overrides(a, c, err, sizeof err) ||
        mp_config_validate(c, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        return MP_EXIT_USAGE;
    }
    return 0;
}

/* A run that cannot fit in memory is refused before any work.  Under
 * MPI each node checks its ranks' shares, and the node of rank 0 also the
 * whole state, which rank 0 gathers for a checkpoint. */
static int check_memory(const struct mp_config *c)
{
    const double total = mp_config_memory(c), R = mp__par_size();
    double need = total, have = mp_memory_available();
    int64_t bad;
    if (R > 1) {
        const int node_rank0 = mp__par_rank() == 0; /* on local rank 0 */
        need = total / R * (double)mp__par_local_size() +
               (node_rank0 ? total / 2 : 0.0);
    }
    bad = mp__par_local_rank() == 0 && have > 0 && need > have;
    if (bad)
        fprintf(stderr,
                "metaplast: the run needs %.3g GB of memory%s (its state, "
                "and a copy for checkpoints), the machine has %.3g GB "
                "available; reduce %s%s\n",
                need / 1e9, R > 1 ? " on this node" : "", have / 1e9,
                c->paradigm == MP_PARADIGM_NETWORK
                    ? "network.inputs, network.neurons or network.fan_in"
                    : "ensemble.synapses",
                R > 1 ? ", or spread the ranks over more nodes" : "");
    mp__par_max_i64(&bad, 1);
    return bad ? MP_EXIT_USAGE : 0;
}

/* validate: whether the run fits this machine as one process. */
static void fit_warning(const struct mp_config *c)
{
    double need = mp_config_memory(c), have = mp_memory_available();
    if (have > 0 && need > have)
        printf("warning: this machine has %.3g GB available: `run` would "
               "refuse it here (it can run on a larger machine, or split "
               "across MPI ranks on several: docs/MPI.md)\n",
               have / 1e9);
}

static void join_args(int argc, char **argv, char *buf, size_t len)
{
    size_t used = 0;
    int i;
    buf[0] = '\0';
    for (i = 0; i < argc && used < len; i++) {
        int quote = strpbrk(argv[i], " \t'\"$") != NULL;
        used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s",
                                 i ? " " : "", quote ? "'" : "", argv[i],
                                 quote ? "'" : "");
    }
}

static int exists_in(const char *dir, const char *name)
{
    char path[MP_CFG_MAX_PATH + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* The run directory must be new or hold no earlier run. */
static int check_out_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "metaplast: output.dir: '%s' exists and is not a "
                "directory\n",
                dir);
        return MP_EXIT_USAGE;
    }
    if (exists_in(dir, "checkpoint.nc")) {
        fprintf(stderr,
                "metaplast: output.dir: '%s' already holds a run (a "
                "checkpoint); nothing was changed.  To continue it: "
                "metaplast resume %s\n",
                dir, dir);
        return MP_EXIT_USAGE;
    }
    if (exists_in(dir, "record.nc") || exists_in(dir, "config.ini")) {
        fprintf(stderr,
                "metaplast: output.dir: '%s' already holds a run "
                "(record.nc or config.ini); nothing was changed.  Choose "
                "another directory with --out, or remove the old run.\n",
                dir);
        return MP_EXIT_USAGE;
    }
    return 0;
}

static int prepare_dir(const char *dir)
{
    char probe[MP_CFG_MAX_PATH + 64];
    FILE *f;
    if (mp_cli_mkdirs(dir)) {
        fprintf(stderr, "metaplast: output.dir: cannot create '%s': %s\n",
                dir, strerror(errno));
        return MP_EXIT_USAGE;
    }
    snprintf(probe, sizeof probe, "%s/.metaplast-write-test", dir);
    f = fopen(probe, "w");
    if (!f) {
        fprintf(stderr, "metaplast: output.dir: cannot write in '%s': %s\n",
                dir, strerror(errno));
        return MP_EXIT_USAGE;
    }
    fclose(f);
    unlink(probe);
    return 0;
}

static int write_config_ini(const struct mp_config *c)
{
    char path[MP_CFG_MAX_PATH + 64], err[2048];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc;
    if (!f) {
        fprintf(stderr, "metaplast: out of memory\n");
        return MP_EXIT_RUNTIME;
    }
    mp_config_write(c, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/config.ini", c->dir);
    rc = mp_io_write_text(path, text, err, sizeof err);
    free(text);
    if (rc) {
        fprintf(stderr, "metaplast: %s\n", err);
        return MP_EXIT_RUNTIME;
    }
    return 0;
}

static void describe(const struct mp_config *c)
{
    const struct mp_syn_params *s = &c->syn;
    printf("model: %s", mp_model_name(s->model));
    if (s->model == MP_SYN_CASCADE)
        printf(" (n = %u, x = %g)", s->n, s->x);
    else if (s->model == MP_SYN_SERIAL)
        printf(" (M = %u states, q = %g)", s->n, s->q);
    else
        printf(" (q+ = %g, q- = %g)", s->q_plus, s->q_minus);
    printf(", N = %llu synapses, f = %g\n",
           (unsigned long long)c->synapses, c->f);
}

static void lifetime_text(double t, char *buf, size_t len)
{
    if (t < 0)
        snprintf(buf, len, "none (SNR < 1 at every age)");
    else if (isinf(t))
        snprintf(buf, len, "beyond 2^62 memories");
    else
        snprintf(buf, len, "%.0f memories", t);
}

/* ---- Signals ----------------------------------------------------------- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    /* A second SIGINT aborts at once (the default action). */
    if (sig == SIGINT && stop_signal == SIGINT) {
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
        return;
    }
    if (!stop_signal)
        stop_signal = sig;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/* ---- MPI ranks (docs/MPI.md) --------------------------------------------
 * Under mpirun every rank runs the same command: rank 0 does the file
 * work and speaks; the others hold their block of the state.  Steps that
 * only rank 0 takes end with agree(), which gives every rank its status. */

static int rank0(void)
{
    return mp__par_rank() == 0;
}

static int agree(int rc)
{
    int64_t v = rc;
    mp__par_bcast(&v, sizeof v);
    return (int)v;
}

/* The other ranks say nothing while every rank checks the same input. */
static int saved_stderr = -1;

static void mute_others(void)
{
    if (rank0() || saved_stderr >= 0)
        return;
    fflush(stderr);
    saved_stderr = dup(2);
    if (!freopen("/dev/null", "w", stderr))
        saved_stderr = -1;
}

static void unmute(void)
{
    if (saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    saved_stderr = -1;
}

/* A failure on one rank while the others wait in a collective: end them
 * all (the last checkpoint, written by rank 0, is intact). */
static int fail_all(int rc)
{
    if (mp__par_size() > 1)
        mp__par_abort(rc);
    return rc;
}

/* Rank 0's configuration to every rank (as INI text, which loads back to
 * an equal configuration). */
static int share_config(struct mp_config *c)
{
    char *text = NULL, err[2048];
    size_t len = 0;
    uint64_t n = 0;
    int rc = 0;
    if (mp__par_size() == 1)
        return 0;
    if (rank0()) {
        FILE *f = open_memstream(&text, &len);
        if (!f || mp_config_write(c, f))
            return fail_all(MP_EXIT_RUNTIME);
        fclose(f);
        n = len + 1;
    }
    mp__par_bcast(&n, sizeof n);
    if (!rank0() && !(text = malloc(n)))
        return fail_all(MP_EXIT_RUNTIME);
    mp__par_bcast(text, n);
    if (!rank0()) {
        mp_config_init(c);
        if (mp_config_load_text(c, text, "(rank 0's configuration)", err,
                                sizeof err) ||
            mp_config_validate(c, err, sizeof err)) {
            fprintf(stderr, "metaplast: MPI rank %d: %s\n", mp__par_rank(),
                    err);
            rc = fail_all(MP_EXIT_RUNTIME);
        }
    }
    free(text);
    return rc;
}

/* ---- Running ----------------------------------------------------------- */

struct session {
    struct mp_config cfg;
    struct mp_sim *sim;
    const char *cmdline;
    int quiet;
};

/* After a slice of dt seconds: the next slice (about 0.2 s), and what
 * every rank does next, decided together: a signal on any rank, rank 0's
 * clock for slices and time-based checkpoints.  Returns the stop signal
 * (0: none) and sets *ckpt_due. */
static int next_slice(uint64_t *slice, double dt, const struct mp_config *c,
                      double last_ckpt, int *ckpt_due)
{
    int64_t ctl[3];
    if (dt < 0.1 && *slice < (UINT64_C(1) << 40))
        *slice *= 2;
    else if (dt > 0.4 && *slice > 1)
        *slice /= 2;
    ctl[0] = stop_signal;
    ctl[1] = rank0() && c->ckpt_every_s > 0 &&
             mp_cli_now() - last_ckpt >= c->ckpt_every_s;
    ctl[2] = rank0() ? (int64_t)*slice : 0;
    mp__par_max_i64(ctl, 3);
    *slice = (uint64_t)ctl[2];
    *ckpt_due = (int)ctl[1];
    if (ctl[0] && !stop_signal)
        stop_signal = (int)ctl[0];
    return (int)ctl[0];
}

/* checkpoint.nc, then record.nc, of the simulation as it is now. */
static int save(struct session *s)
{
    struct mp_sim_snapshot snap;
    struct mp_curve curve;
    struct mp_theory th;
    struct mp_provenance prov = {NULL, NULL, NULL, NULL};
    double *sig = NULL, *snr = NULL;
    char path[MP_CFG_MAX_PATH + 64], err[2048];
    int rc;

    prov.command_line = s->cmdline;
    prov.backend = mp_sim_backend(s->sim);
    prov.device = mp_sim_device(s->sim);
    if (mp_sim_snapshot(s->sim, &snap)) {
        fprintf(stderr, "metaplast: checkpoint: %s\n",
                mp_sim_errmsg(s->sim));
        return fail_all(MP_EXIT_RUNTIME);
    }
    if (!rank0()) { /* the state went to rank 0, which writes */
        mp_snapshot_fini(&snap);
        return agree(0);
    }
    snprintf(path, sizeof path, "%s/checkpoint.nc", s->cfg.dir);
    rc = mp_ckpt_write(path, &s->cfg, &snap, &prov, err, sizeof err);
    mp_snapshot_fini(&snap);
    if (rc) {
        fprintf(stderr,
                "\nmetaplast: checkpoint failed: %s; the previous "
                "checkpoint, if any, is intact\n",
                err);
        return agree(MP_EXIT_RUNTIME);
    }
    if (mp_sim_curve(s->sim, &curve)) {
        fprintf(stderr, "metaplast: out of memory\n");
        return agree(MP_EXIT_RUNTIME);
    }
    sig = calloc(curve.n, sizeof *sig);
    snr = calloc(curve.n, sizeof *snr);
    rc = MP_EXIT_RUNTIME;
    if (!sig || !snr ||
        mp_theory_curve(&s->cfg, curve.age, curve.n, sig, snr, err,
                        sizeof err) ||
        mp_theory_compute(&s->cfg, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: theory: %s\n",
                sig && snr ? err : "out of memory");
        goto out;
    }
    snprintf(path, sizeof path, "%s/record.nc", s->cfg.dir);
    if (mp_io_write_record(path, &s->cfg, &curve, sig, snr, &th, &prov, err,
                           sizeof err)) {
        fprintf(stderr,
                "\nmetaplast: %s; the checkpoint is intact "
                "(%s/checkpoint.nc), and so is the previous record; when "
                "there is room: metaplast resume %s\n",
                err, s->cfg.dir, s->cfg.dir);
        goto out;
    }
    rc = 0;
out:
    free(sig);
    free(snr);
    mp_curve_fini(&curve);
    return agree(rc);
}

static void summary(struct session *s, double elapsed, uint64_t work)
{
    struct mp_curve c;
    struct mp_theory th;
    double *snr_th;
    char lt[64], ltt[64];
    size_t k, step;

    if (mp_sim_curve(s->sim, &c))
        return;
    snr_th = calloc(c.n, sizeof *snr_th);
    if (!snr_th ||
        mp_theory_curve(&s->cfg, c.age, c.n, NULL, snr_th, NULL, 0) ||
        mp_theory_compute(&s->cfg, &th, NULL, 0)) {
        free(snr_th);
        mp_curve_fini(&c);
        return;
    }
    printf("done in %.1f s (%.3g synapse updates/s)\n", elapsed,
           elapsed > 0 ? (double)work * (double)s->cfg.synapses / elapsed
                       : 0.0);
    printf("  %10s  %12s  %12s  %10s  %12s  %8s\n", "age", "signal",
           "+- sem", "snr", "snr_theory", "probes");
    step = c.n > 16 ? (c.n + 15) / 16 : 1;
    for (k = 0; k < c.n; k++)
        if (k % step == 0 || k == c.n - 1)
            printf("  %10llu  %12.5g  %12.2g  %10.4g  %12.4g  %8lld\n",
                   (unsigned long long)c.age[k], c.signal[k],
                   c.signal_sem[k], c.snr[k], snr_th[k],
                   (long long)c.probes[k]);
    lifetime_text(c.lifetime, lt, sizeof lt);
    lifetime_text(th.lifetime, ltt, sizeof ltt);
    printf("SNR(0): %.4g +- %.2g (theory %.4g)\n", c.snr[0], c.snr_sem[0],
           th.snr0);
    printf("lifetime (largest age on the grid with SNR >= 1): %s "
           "(theory, exact: %s)\n",
           lt, ltt);
    free(snr_th);
    mp_curve_fini(&c);
}

/* The time loop: slices of about 0.2 s, checkpoints on schedule and on
 * signals, the outputs at the end. */
static int drive(struct session *s)
{
    const struct mp_config *c = &s->cfg;
    struct progress pr;
    uint64_t slice = 1, start = mp_sim_done(s->sim), next_ckpt = 0;
    double t0 = mp_cli_now(), last_ckpt = t0;
    int rc;

    if (c->ckpt_every_memories)
        next_ckpt = start + c->ckpt_every_memories;
    catch_signals();
    mp_progress_start(&pr, s->quiet || !rank0(), mp_sim_total(s->sim),
                      c->synapses);
    while (mp_sim_done(s->sim) < mp_sim_total(s->sim)) {
        double s0 = mp_cli_now(), dt;
        uint64_t n = slice;
        int ckpt_due;
        if (next_ckpt && n > next_ckpt - mp_sim_done(s->sim))
            n = next_ckpt - mp_sim_done(s->sim);
        rc = mp_sim_advance(s->sim, n);
        if (rc) {
            fprintf(stderr,
                    "\nmetaplast: run failed after %llu memories: %s; the "
                    "last checkpoint is intact\n",
                    (unsigned long long)mp_sim_done(s->sim),
                    mp_sim_errmsg(s->sim));
            return fail_all(MP_EXIT_RUNTIME);
        }
        dt = mp_cli_now() - s0;
        mp_progress_update(&pr, mp_sim_done(s->sim));
        if (next_slice(&slice, dt, c, last_ckpt, &ckpt_due)) {
            if (!s->quiet && rank0())
                fprintf(stderr, "\nmetaplast: %s: writing a checkpoint at "
                                "%llu memories\n",
                        strsignal(stop_signal),
                        (unsigned long long)mp_sim_done(s->sim));
            if ((rc = save(s)))
                return rc;
            if (rank0())
                fprintf(stderr,
                        "metaplast: stopped cleanly; resume with: metaplast "
                        "resume %s\n",
                        c->dir);
            return MP_EXIT_STOPPED;
        }
        if ((next_ckpt && mp_sim_done(s->sim) >= next_ckpt) || ckpt_due) {
            if ((rc = save(s)))
                return rc;
            last_ckpt = mp_cli_now();
            if (next_ckpt)
                next_ckpt = mp_sim_done(s->sim) + c->ckpt_every_memories;
        }
    }
    mp_progress_end(&pr, mp_sim_done(s->sim));
    if ((rc = save(s)))
        return rc;
    if (!s->quiet && rank0())
        summary(s, mp_cli_now() - t0, mp_sim_done(s->sim) - start);
    if (rank0())
        printf("results: %s/record.nc (config: %s/config.ini, checkpoint: "
               "%s/checkpoint.nc)\n",
               c->dir, c->dir, c->dir);
    return 0;
}

static int create_sim(struct session *s)
{
    char err[2048];
    int rc = mp_sim_create(&s->sim, &s->cfg, err, sizeof err);
    if (rc) {
        /* A rank's own failure is its own message; "another rank failed"
         * needs no repeating. */
        if (rank0() || !strstr(err, "another MPI rank"))
            fprintf(stderr, "metaplast: %s\n", err);
        return rc == MP_EINVAL || rc == MP_ENODEV || rc == MP_ENOTSUP ||
                       rc == MP_ENOMEM
                   ? MP_EXIT_USAGE
                   : MP_EXIT_RUNTIME;
    }
    return 0;
}

static void announce(const struct session *s)
{
    const struct mp_config *c = &s->cfg;
    if (s->quiet || !rank0())
        return;
    describe(c);
    if (mp__par_size() > 1)
        printf("MPI: %d ranks, %.3g synapses each\n", mp__par_size(),
               (double)c->synapses / mp__par_size());
    printf("backend: %s%s (%s)\n", mp_sim_backend(s->sim),
           c->backend == MP_BACKEND_AUTO ? " (picked by auto)" : "",
           mp_sim_device(s->sim));
    printf("memories: %llu burn-in + %llu measured, a measurement every "
           "%llu; %llu stored so far\n",
           (unsigned long long)c->burn_in, (unsigned long long)c->memories,
           (unsigned long long)c->every,
           (unsigned long long)mp_sim_done(s->sim));
    fflush(stdout);
}

static void print_warnings(const struct mp_config *c)
{
    char buf[2048], *line, *save = NULL;
    if (!mp_config_warnings(c, buf, sizeof buf))
        return;
    for (line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        fprintf(stderr, "metaplast: warning: %s\n", line);
}

static void describe_net(const struct mp_config *c)
{
    printf("network: %s%s, %u inputs -> %u neurons (%llu synapses), "
           "%u %s patterns every %gs; rule %s, tau_w %gs, tau_theta %gs, "
           "y0 %g, modulator %g; dt %gs, %gs simulated\n",
           c->recurrent ? "recurrent" : "feed-forward",
           c->fan_in ? ", sparse" : ", dense", c->n_in, c->n_out,
           (unsigned long long)c->n_out *
               (c->fan_in ? c->fan_in
                          : c->n_in + (c->recurrent ? c->n_out : 0)),
           c->patterns,
           c->pattern_kind == MP_PATTERNS_ORTHONORMAL ? "orthonormal"
                                                      : "binary",
           c->switch_s,
           c->rule == MP_RULE_BCM       ? "bcm"
           : c->rule == MP_RULE_HEBBIAN ? "hebbian"
                                        : "none",
           c->tau_w_s, c->tau_theta_s, c->y0, c->modulator, c->dt_s,
           c->duration_s);
    if (c->scaling_interval_s > 0)
        printf("synaptic scaling every %gs to rate %g (alpha %g, factor "
               "within 1/%g..%g)\n",
               c->scaling_interval_s, c->target_rate, c->scaling_alpha,
               c->scaling_max, c->scaling_max);
}

/* A record entry (collective; rank 0 writes).  The sample is kept in
 * *keep (for the summary) when keep is not NULL. */
static int net_record(struct mp_net *net, struct mp_netrec *rec,
                      struct mp_net_sample *keep)
{
    struct mp_net_sample smp;
    char err[2048];
    int rc = mp_net_sample(net, &smp);
    if (rc) {
        fprintf(stderr, "metaplast: %s\n",
                rc == MP_ENOMEM ? "out of memory" : mp_net_errmsg(net));
        return fail_all(MP_EXIT_RUNTIME);
    }
    if (rank0()) {
        rc = mp_io_netrec_append(rec, &smp, err, sizeof err);
        if (rc)
            fprintf(stderr,
                    "\nmetaplast: %s; the last checkpoint is intact; when "
                    "there is room, resume the run (it rewrites the record "
                    "from the checkpoint on)\n",
                    err);
    }
    if (keep) {
        mp_net_sample_fini(keep);
        *keep = smp;
    } else {
        mp_net_sample_fini(&smp);
    }
    return agree(rc ? MP_EXIT_RUNTIME : 0);
}

static void net_summary(struct mp_net *net, const struct mp_config *c,
                        const struct mp_net_sample *last, double elapsed)
{
    uint32_t i, k, shown = c->n_out < 8 ? c->n_out : 8;
    const float *th = last->theta;
    printf("done in %.1f s (%.3g synapse updates/s)\n", elapsed,
           elapsed > 0 ? (double)mp_net_total(net) * c->n_in * c->n_out /
                             elapsed
                       : 0.0);
    printf("  %8s  %10s  %10s  %10s  %10s\n", "neuron", "preferred",
           "response", "2nd best", "theta");
    for (i = 0; i < shown; i++) {
        float best = -1, second = -1;
        uint32_t arg = 0;
        for (k = 0; k < c->patterns; k++) {
            float r = last->response[(size_t)i * last->patterns + k];
            if (r > best) {
                second = best;
                best = r;
                arg = k;
            } else if (r > second) {
                second = r;
            }
        }
        printf("  %8u  %10u  %10.4g  %10.4g  %10.4g\n", i, arg, best,
               second, th[i]);
    }
    if (shown < c->n_out)
        printf("  (%u more neurons in the record)\n", c->n_out - shown);
    printf("selective fixed point of BCM: response K*y0 = %g, theta = %g\n",
           c->patterns * c->y0, c->patterns * c->y0);
}

static int check_resumable(const struct mp_config *was,
                           const struct mp_config *now, const char *path);

static int net_save(struct mp_net *net, const struct mp_config *c,
                    const char *cmdline)
{
    struct mp_net_snapshot snap;
    struct mp_provenance prov = {cmdline, mp_net_backend(net),
                                 mp_net_device(net), NULL};
    char path[MP_CFG_MAX_PATH + 64], err[2048], where[256], note[512];
    int rc;

    /* A state with a non-finite value is never a checkpoint: it goes to
     * checkpoint-diagnostic.nc, and the last good checkpoint stays. */
    if (mp_net_check_finite(net, where, sizeof where)) {
        snprintf(note, sizeof note, "non-finite value %s at step %llu",
                 where, (unsigned long long)mp_net_step(net));
        prov.diagnostic = note;
        if (mp_net_snapshot(net, &snap) == 0) {
            snprintf(path, sizeof path, "%s/checkpoint-diagnostic.nc",
                     c->dir);
            if (rank0() &&
                mp_net_ckpt_write(path, c, &snap, &prov, err, sizeof err))
                fprintf(stderr, "metaplast: %s\n", err);
            mp_net_snapshot_fini(&snap);
        }
        if (!rank0())
            return MP_EXIT_RUNTIME;
        fprintf(stderr,
                "\nmetaplast: %s at step %llu (t = %gs): the rates ran "
                "away; likely causes: recurrent excitation, or weights too "
                "large for the input (lower network.w_max, input.scale or "
                "the recurrent weights).  Diagnostic state: %s/checkpoint-diagnostic.nc; "
                "the last good checkpoint, if any, is %s/checkpoint.nc\n",
                where, (unsigned long long)mp_net_step(net),
                (double)mp_net_step(net) * c->dt_s, c->dir, c->dir);
        return MP_EXIT_RUNTIME;
    }
    if (mp_net_snapshot(net, &snap)) {
        fprintf(stderr, "metaplast: checkpoint: %s\n", mp_net_errmsg(net));
        return fail_all(MP_EXIT_RUNTIME);
    }
    snprintf(path, sizeof path, "%s/checkpoint.nc", c->dir);
    rc = rank0() ? mp_net_ckpt_write(path, c, &snap, &prov, err, sizeof err)
                 : 0;
    mp_net_snapshot_fini(&snap);
    if (rc) {
        fprintf(stderr,
                "\nmetaplast: checkpoint failed: %s; the previous "
                "checkpoint, if any, is intact\n",
                err);
    }
    return agree(rc ? MP_EXIT_RUNTIME : 0);
}

/* The network's time loop: slices capped at record boundaries and
 * step-counted checkpoints; records at every boundary and at the end;
 * checkpoints on schedule, on signals (exit 75) and at the end.  A signal
 * adds no record entry off the boundaries, so a resumed run's record
 * equals an uninterrupted one's. */
static int net_drive(struct mp_config *c, struct mp_net *net,
                     struct mp_netrec *rec, const char *cmdline, int quiet)
{
    struct progress pr;
    struct mp_net_sample last;
    uint64_t slice = 1, next_ckpt = 0;
    double t0 = mp_cli_now(), last_ckpt = t0;
    int rc;

    memset(&last, 0, sizeof last);
    if (c->ckpt_every_memories)
        next_ckpt = mp_net_step(net) + c->ckpt_every_memories;
    catch_signals();
    mp_progress_start(&pr, quiet || !rank0(), mp_net_total(net),
                      (uint64_t)c->n_in * c->n_out);
    pr.unit = "steps";
    while (mp_net_step(net) < mp_net_total(net)) {
        double s0 = mp_cli_now(), dt;
        uint64_t n = slice, until = mp_net_until_record(net);
        int ckpt_due;
        if (n > until)
            n = until;
        if (next_ckpt && n > next_ckpt - mp_net_step(net))
            n = next_ckpt - mp_net_step(net);
        if (mp_net_advance(net, n)) {
            fprintf(stderr,
                    "\nmetaplast: run failed at step %llu: %s; the last "
                    "checkpoint is intact\n",
                    (unsigned long long)mp_net_step(net), mp_net_errmsg(net));
            rc = fail_all(MP_EXIT_RUNTIME);
            goto out;
        }
        dt = mp_cli_now() - s0;
        mp_progress_update(&pr, mp_net_step(net));
        if (mp_net_record_due(net) ||
            mp_net_step(net) == mp_net_total(net)) {
            char where[256];
            /* The next measurement finds what went wrong. */
            if (mp_net_check_finite(net, where, sizeof where)) {
                rc = net_save(net, c, cmdline);
                goto out;
            }
            if ((rc = net_record(net, rec, &last)))
                goto out;
        }
        if (next_slice(&slice, dt, c, last_ckpt, &ckpt_due)) {
            if (!quiet && rank0())
                fprintf(stderr, "\nmetaplast: %s: writing a checkpoint at "
                                "step %llu\n",
                        strsignal(stop_signal),
                        (unsigned long long)mp_net_step(net));
            if ((rc = net_save(net, c, cmdline)))
                goto out;
            if (rank0())
                fprintf(stderr,
                        "metaplast: stopped cleanly; resume with: metaplast "
                        "resume %s\n",
                        c->dir);
            rc = MP_EXIT_STOPPED;
            goto out;
        }
        if ((next_ckpt && mp_net_step(net) >= next_ckpt) || ckpt_due) {
            if ((rc = net_save(net, c, cmdline)))
                goto out;
            last_ckpt = mp_cli_now();
            if (next_ckpt)
                next_ckpt = mp_net_step(net) + c->ckpt_every_memories;
        }
    }
    mp_progress_end(&pr, mp_net_step(net));
    if ((rc = net_save(net, c, cmdline)))
        goto out;
    if (!quiet && rank0() && last.theta)
        net_summary(net, c, &last, mp_cli_now() - t0);
    if (rank0())
        printf("results: %s/record.nc (config: %s/config.ini, checkpoint: "
               "%s/checkpoint.nc)\n",
               c->dir, c->dir, c->dir);
out:
    mp_net_sample_fini(&last);
    return rc;
}

/* mp_net_create on every rank; all go on or none. */
static int create_net(struct mp_net **net, const struct mp_config *c)
{
    char err[2048];
    int rc = mp_net_create(net, c, err, sizeof err);
    int64_t worst = rc ? (rc == MP_ECUDA ? MP_EXIT_RUNTIME : MP_EXIT_USAGE)
                       : 0;
    if (rc && (rank0() || rc != MP_ENOTSUP))
        fprintf(stderr, "metaplast: %s\n", err);
    mp__par_max_i64(&worst, 1);
    if (worst && !rc) {
        mp_net_destroy(*net);
        *net = NULL;
    }
    return (int)worst;
}

static int cmd_run_net(const struct args *a, struct mp_config *c,
                       const char *cmdline)
{
    struct mp_net *net = NULL;
    struct mp_netrec *rec = NULL;
    struct mp_provenance prov = {cmdline, NULL, NULL, NULL};
    char err[2048], path[MP_CFG_MAX_PATH + 64];
    int rc;

    if (rank0())
        print_warnings(c);
    if ((rc = create_net(&net, c)))
        return rc;
    prov.backend = mp_net_backend(net);
    prov.device = mp_net_device(net);
    if (rank0()) {
        if (!(rc = prepare_dir(c->dir)) && !(rc = write_config_ini(c))) {
            snprintf(path, sizeof path, "%s/record.nc", c->dir);
            if (mp_io_netrec_create(&rec, path, c, net, &prov, err,
                                    sizeof err)) {
                fprintf(stderr, "metaplast: %s\n", err);
                rc = MP_EXIT_RUNTIME;
            }
        }
    }
    if ((rc = agree(rc)))
        goto out;
    if (!a->quiet && rank0()) {
        describe_net(c);
        printf("backend: %s%s (%s); %llu steps\n", mp_net_backend(net),
               c->backend == MP_BACKEND_AUTO ? " (picked by auto)" : "",
               mp_net_device(net), (unsigned long long)mp_net_total(net));
        fflush(stdout);
    }
    if ((rc = net_record(net, rec, NULL)))
        goto out;
    rc = net_drive(c, net, rec, cmdline, a->quiet);
out:
    if (rec && mp_io_netrec_close(rec, err, sizeof err) && !rc) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_RUNTIME;
    }
    mp_net_destroy(net);
    return rc;
}

/* Resumes a network run from its checkpoint (see cmd_resume). */
static int resume_net(const struct args *a, const char *path,
                      const char *dir, const char *cmdline)
{
    struct mp_config was, c;
    struct mp_net_snapshot snap;
    struct mp_net *net = NULL;
    struct mp_netrec *rec = NULL;
    struct mp_provenance prov = {cmdline, NULL, NULL, NULL};
    char err[2048], rpath[MP_CFG_MAX_PATH + 64];
    int rc;

    memset(&snap, 0, sizeof snap);
    if (a->memories || a->until) {
        if (rank0())
            fprintf(stderr,
                    "metaplast: resume %s: --memories and --until are "
                    "for synapse ensembles; extend a network run with "
                    "--set run.duration=TIME\n",
                    path);
        return MP_EXIT_USAGE;
    }
    rc = 0;
    if (rank0() && mp_net_ckpt_read(path, &was, &snap, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_USAGE;
    }
    if ((rc = agree(rc)))
        return rc;
    if ((rc = share_config(&was)))
        goto out_snap;
    mp__par_bcast(&snap.step, sizeof snap.step);
    mute_others(); /* every rank checks the same resumption */
    c = was;
    snprintf(c.dir, sizeof c.dir, "%s", dir);
    snprintf(was.dir, sizeof was.dir, "%s", dir);
    rc = MP_EXIT_USAGE;
    if (apply_overrides(a, &c, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        goto out_snap;
    }
    if ((rc = check_resumable(&was, &c, path)))
        goto out_snap;
    rc = MP_EXIT_USAGE;
    if (mp_config_validate(&c, err, sizeof err)) {
        fprintf(stderr, "metaplast: resume %s: %s\n", path, err);
        goto out_snap;
    }
    unmute(); /* a node short of memory speaks for itself */
    if ((rc = check_memory(&c)))
        goto out_snap;
    rc = MP_EXIT_USAGE;
    if (snap.step >= mp_config_steps(&c, c.duration_s)) {
        printf("%s: the run is complete (%llu steps); nothing to do.  "
               "--set run.duration=TIME continues it.\n",
               dir, (unsigned long long)snap.step);
        rc = 0;
        goto out_snap;
    }
    if ((rc = create_net(&net, &c)))
        goto out_snap;
    if (mp_net_restore(net, &snap)) {
        if (rank0())
            fprintf(stderr, "metaplast: resume %s: %s\n", path,
                    mp_net_errmsg(net));
        rc = MP_EXIT_USAGE;
        goto out_net;
    }
    prov.backend = mp_net_backend(net);
    prov.device = mp_net_device(net);
    rc = 0;
    if (rank0()) {
        if (write_config_ini(&c)) {
            rc = MP_EXIT_RUNTIME;
        } else {
            snprintf(rpath, sizeof rpath, "%s/record.nc", dir);
            if (mp_io_netrec_resume(&rec, rpath, &c, net, snap.step, &prov,
                                    err, sizeof err)) {
                fprintf(stderr, "metaplast: %s\n", err);
                rc = MP_EXIT_RUNTIME;
            }
        }
    }
    if ((rc = agree(rc)))
        goto out_net;
    if (!a->quiet && rank0()) {
        printf("resuming %s at step %llu of %llu\n", path,
               (unsigned long long)snap.step,
               (unsigned long long)mp_net_total(net));
        describe_net(&c);
    }
    rc = net_drive(&c, net, rec, cmdline, a->quiet);
    if (rec && mp_io_netrec_close(rec, err, sizeof err) && !rc) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_RUNTIME;
    }
out_net:
    mp_net_destroy(net);
out_snap:
    mp_net_snapshot_fini(&snap);
    return rc;
}

static int cmd_run(const struct args *a, const char *cmdline)
{
    struct session s;
    struct mp_theory th;
    char err[2048];
    int rc;

    memset(&s, 0, sizeof s);
    s.cmdline = cmdline;
    s.quiet = a->quiet;
    mute_others(); /* every rank reads the same config */
    if ((rc = load_config(a, &s.cfg)))
        return rc;
    if (rank0())
        rc = check_out_dir(s.cfg.dir);
    if ((rc = agree(rc)))
        return rc;
    unmute(); /* a node short of memory speaks for itself */
    if ((rc = check_memory(&s.cfg)))
        return rc;
    if (s.cfg.paradigm == MP_PARADIGM_NETWORK) {
        unmute();
        return cmd_run_net(a, &s.cfg, cmdline);
    }
    if (mp_theory_compute(&s.cfg, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->target, err);
        return MP_EXIT_USAGE;
    }
    unmute();
    if ((rc = create_sim(&s)))
        return rc;
    if (rank0()) {
        rc = prepare_dir(s.cfg.dir);
        if (!rc)
            rc = write_config_ini(&s.cfg);
    }
    if ((rc = agree(rc)))
        goto out;
    announce(&s);
    rc = drive(&s);
out:
    mp_sim_destroy(s.sim);
    return rc;
}

/* Keys a resumption changed that it must not change. */
static int check_resumable(const struct mp_config *was,
                           const struct mp_config *now, const char *path)
{
    size_t i;
    for (i = 0; i < mp_config_nkeys(); i++) {
        char va[MP_CFG_MAX_AGES * 24], vb[MP_CFG_MAX_AGES * 24];
        const char *name;
        mp_config_key(was, i, &name, va, sizeof va);
        mp_config_key(now, i, &name, vb, sizeof vb);
        if (strcmp(va, vb) && !mp_config_key_resumable(i)) {
            fprintf(stderr,
                    "metaplast: resume %s: %s cannot change (the checkpoint "
                    "has %s, now %s): it would change the physics or the "
                    "measurement of the run.  A resumption may change "
                    "run.memories (--memories, --until), run.duration, "
                    "run.backend, run.threads, checkpoint.every and "
                    "checkpoint.deflate.\n",
                    path, name, va, vb);
            return MP_EXIT_USAGE;
        }
    }
    return 0;
}

static int parse_count(const char *opt, const char *v, uint64_t *out)
{
    char *end;
    double d;
    errno = 0;
    d = strtod(v, &end);
    if (errno || *end || d < 0 || d != floor(d) || d > 7.2e16) {
        fprintf(stderr, "metaplast: %s: expected a number of memories, got "
                        "'%s'\n",
                opt, v);
        return MP_EXIT_USAGE;
    }
    *out = (uint64_t)d;
    return 0;
}

static int cmd_resume(const struct args *a, const char *cmdline)
{
    struct session s;
    struct mp_config was;
    struct mp_sim_snapshot snap;
    struct stat st;
    char path[MP_CFG_MAX_PATH + 64], dir[MP_CFG_MAX_PATH], err[2048];
    uint64_t measured, n;
    int rc;

    memset(&s, 0, sizeof s);
    s.cmdline = cmdline;
    s.quiet = a->quiet;
    if (stat(a->target, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", a->target);
        snprintf(path, sizeof path, "%s/checkpoint.nc", a->target);
    } else {
        char tmp[MP_CFG_MAX_PATH];
        snprintf(path, sizeof path, "%s", a->target);
        snprintf(tmp, sizeof tmp, "%s", a->target);
        snprintf(dir, sizeof dir, "%s", dirname(tmp));
    }
    memset(&snap, 0, sizeof snap);
    rc = 0;
    { /* rank 0 reads the checkpoint; it shares it below */
        int64_t paradigm = 0;
        int p = 0;
        if (rank0() && mp_ckpt_paradigm(path, &p, err, sizeof err)) {
            fprintf(stderr, "metaplast: %s\n", err);
            rc = MP_EXIT_USAGE;
        }
        if ((rc = agree(rc)))
            return rc;
        paradigm = p;
        mp__par_bcast(&paradigm, sizeof paradigm);
        if (paradigm == MP_PARADIGM_NETWORK)
            return resume_net(a, path, dir, cmdline);
        if (rank0() && mp_ckpt_read(path, &was, &snap, err, sizeof err)) {
            fprintf(stderr, "metaplast: %s\n", err);
            rc = MP_EXIT_USAGE;
        }
        if ((rc = agree(rc)))
            return rc;
    }
    if ((rc = share_config(&was)))
        goto out_snap;
    mp__par_bcast(&snap.done, sizeof snap.done);
    mute_others(); /* every rank checks the same resumption */
    s.cfg = was;
    snprintf(s.cfg.dir, sizeof s.cfg.dir, "%s", dir);
    if (apply_overrides(a, &s.cfg, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_USAGE;
        goto out_snap;
    }
    measured = snap.done > was.burn_in ? snap.done - was.burn_in : 0;
    if (a->memories) {
        if ((rc = parse_count("--memories", a->memories, &n)))
            goto out_snap;
        s.cfg.memories += n;
    }
    if (a->until) {
        if ((rc = parse_count("--until", a->until, &n)))
            goto out_snap;
        if (n < measured) {
            fprintf(stderr,
                    "metaplast: --until %llu: the run has already measured "
                    "%llu memories\n",
                    (unsigned long long)n, (unsigned long long)measured);
            rc = MP_EXIT_USAGE;
            goto out_snap;
        }
        s.cfg.memories = n;
    }
    snprintf(was.dir, sizeof was.dir, "%s", s.cfg.dir);
    if ((rc = check_resumable(&was, &s.cfg, path)))
        goto out_snap;
    if (mp_config_validate(&s.cfg, err, sizeof err)) {
        fprintf(stderr, "metaplast: resume %s: %s\n", path, err);
        rc = MP_EXIT_USAGE;
        goto out_snap;
    }
    unmute(); /* a node short of memory speaks for itself */
    if ((rc = check_memory(&s.cfg)))
        goto out_snap;
    if (snap.done >= s.cfg.burn_in + s.cfg.memories) {
        printf("%s: the run is complete (%llu memories measured); nothing "
               "to do.  --memories N or --until N continue it.\n",
               dir, (unsigned long long)measured);
        rc = 0;
        goto out_snap;
    }
    if ((rc = create_sim(&s)))
        goto out_snap;
    if (mp_sim_restore(s.sim, &snap)) {
        if (rank0())
            fprintf(stderr, "metaplast: resume %s: %s\n", path,
                    mp_sim_errmsg(s.sim));
        rc = MP_EXIT_USAGE;
        goto out_sim;
    }
    mp_snapshot_fini(&snap);
    if (rank0())
        rc = write_config_ini(&s.cfg);
    if ((rc = agree(rc)))
        goto out_sim;
    if (!s.quiet && rank0())
        printf("resuming %s at %llu of %llu memories\n", path,
               (unsigned long long)mp_sim_done(s.sim),
               (unsigned long long)mp_sim_total(s.sim));
    announce(&s);
    rc = drive(&s);
out_sim:
    mp_sim_destroy(s.sim);
out_snap:
    mp_snapshot_fini(&snap);
    return rc;
}

static int cmd_theory(const struct args *a, const char *cmdline)
{
    struct mp_config c;
    struct mp_theory th;
    struct mp_provenance prov = {cmdline, NULL, NULL, NULL};
    uint64_t *ages;
    double *sig, *snr;
    size_t n, k, step;
    char err[2048], path[MP_CFG_MAX_PATH + 64], lt[64];
    int rc;

    if ((rc = load_config(a, &c)))
        return rc;
    if (c.paradigm != MP_PARADIGM_ENSEMBLE) {
        fprintf(stderr, "metaplast: %s: run.paradigm = network: the exact "
                        "theory is for synapse ensembles\n",
                a->target);
        return MP_EXIT_USAGE;
    }
    if (mp_theory_compute(&c, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->target, err);
        return MP_EXIT_USAGE;
    }
    n = mp_config_ages(&c, NULL, 0);
    ages = calloc(n, sizeof *ages);
    sig = calloc(n, sizeof *sig);
    snr = calloc(n, sizeof *snr);
    if (!ages || !sig || !snr) {
        fprintf(stderr, "metaplast: out of memory\n");
        rc = MP_EXIT_RUNTIME;
        goto out;
    }
    mp_config_ages(&c, ages, n);
    mp_theory_curve(&c, ages, n, sig, snr, err, sizeof err);
    if ((rc = prepare_dir(c.dir)))
        goto out;
    snprintf(path, sizeof path, "%s/theory.nc", c.dir);
    if (mp_io_write_theory(path, &c, ages, n, sig, snr, &th, &prov, err,
                           sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_RUNTIME;
        goto out;
    }
    if (!a->quiet) {
        describe(&c);
        lifetime_text(th.lifetime, lt, sizeof lt);
        printf("SNR(0) = %.6g   lifetime = %s   area = %.6g (SNR x "
               "memories)\n",
               th.snr0, lt, th.area_snr);
        printf("  %10s  %14s  %12s\n", "age", "E[m(t)]", "snr");
        step = n > 16 ? (n + 15) / 16 : 1;
        for (k = 0; k < n; k++)
            if (k % step == 0 || k == n - 1)
                printf("  %10llu  %14.6g  %12.6g\n",
                       (unsigned long long)ages[k], sig[k], snr[k]);
    }
    printf("theory: %s\n", path);
    rc = 0;
out:
    free(ages);
    free(sig);
    free(snr);
    return rc;
}

static int cmd_validate(const struct args *a)
{
    struct mp_config c;
    struct mp_theory th;
    char err[2048];
    double updates;
    int rc;

    if ((rc = load_config(a, &c)))
        return rc;
    if (c.paradigm == MP_PARADIGM_NETWORK) {
        uint64_t steps = mp_config_steps(&c, c.duration_s);
        print_warnings(&c);
        printf("%s: valid\n", a->target);
        describe_net(&c);
        printf("memory: %.3g GB (state and a checkpoint copy; %.3g GB "
               "available); work: %.3g synapse updates (%llu steps)\n",
               mp_config_memory(&c) / 1e9, mp_memory_available() / 1e9,
               (double)steps * c.n_out *
                   (c.fan_in ? c.fan_in
                             : c.n_in + (c.recurrent ? c.n_out : 0)),
               (unsigned long long)steps);
        printf("output: %s\n", c.dir);
        fit_warning(&c);
        return 0;
    }
    if (mp_theory_compute(&c, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->target, err);
        return MP_EXIT_USAGE;
    }
    updates = (double)c.synapses * (double)(c.memories + c.burn_in);
    printf("%s: valid\n", a->target);
    describe(&c);
    printf("memories: %llu burn-in + %llu measured; %zu ages up to %llu\n",
           (unsigned long long)c.burn_in, (unsigned long long)c.memories,
           mp_config_ages(&c, NULL, 0),
           (unsigned long long)(c.n_ages ? c.ages[c.n_ages - 1]
                                         : c.max_age));
    printf("memory: %.3g GB (one byte per synapse, and a checkpoint copy; "
           "%.3g GB available); work: %.3g synapse updates\n",
           mp_config_memory(&c) / 1e9, mp_memory_available() / 1e9, updates);
    printf("output: %s\n", c.dir);
    fit_warning(&c);
    return 0;
}

static int cmd_info(const struct args *a)
{
    char err[2048];
    int rc = mp_io_info(a->target, stdout, err, sizeof err);
    if (rc == MP_EIO || (rc && !strstr(err, "checksum"))) {
        fflush(stdout);
        fprintf(stderr, "metaplast: %s\n", err);
    }
    return rc ? MP_EXIT_USAGE : 0;
}

static int real_main(int argc, char **argv)
{
    struct args a;
    char cmdline[8192];
    int rc;

    if (argc < 2)
        return usage_error("missing command", NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        fputs(help, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("metaplast %s (CUDA backend: %s; MPI: %s; checkpoint format "
               "%d)\n",
               MP_VERSION_STRING,
#ifdef MP_HAVE_CUDA
               "built",
#else
               "not built",
#endif
               mp__par_available() ? "built" : "not built", MP_CKPT_FORMAT);
        return 0;
    }
    if (!strcmp(argv[1], "sweep")) {
        join_args(argc, argv, cmdline, sizeof cmdline);
        return mp_cli_sweep(argc, argv, cmdline);
    }
    if (!strcmp(argv[1], "sweep-status") || !strcmp(argv[1], "collect")) {
        if (argc != 3)
            return usage_error("expected one sweep directory", argv[1]);
        return !strcmp(argv[1], "collect") ? mp_cli_collect(argv[2])
                                           : mp_cli_sweep_status(argv[2]);
    }
    if (strcmp(argv[1], "run") && strcmp(argv[1], "resume") &&
        strcmp(argv[1], "theory") && strcmp(argv[1], "validate") &&
        strcmp(argv[1], "info"))
        return usage_error("unknown command", argv[1]);
    if ((rc = parse_args(argc, argv, &a)))
        return rc;
    join_args(argc, argv, cmdline, sizeof cmdline);
    if (!strcmp(a.command, "run"))
        return cmd_run(&a, cmdline);
    if (!strcmp(a.command, "resume"))
        return cmd_resume(&a, cmdline);
    if (!strcmp(a.command, "theory"))
        return cmd_theory(&a, cmdline);
    if (!strcmp(a.command, "info"))
        return cmd_info(&a);
    return cmd_validate(&a);
}

int main(int argc, char **argv)
{
    char err[512];
    int rc;
    if (mp__par_init(&argc, &argv, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        return MP_EXIT_USAGE;
    }
    if (mp__par_size() > 1 && !rank0()) {
        /* Rank 0 speaks for the run; the others keep stderr for their
         * own failures. */
        if (!freopen("/dev/null", "w", stdout))
            return MP_EXIT_FAILURE;
        /* Only run and resume are split across ranks. */
        if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "resume"))) {
            mp__par_finalize();
            return 0;
        }
    }
    rc = real_main(argc, argv);
    unmute();
    mp__par_finalize();
    return rc;
}
