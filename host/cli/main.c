/* SPDX-License-Identifier: MIT */
/*
 * main.c: the metaplast command line — arguments, the exit status of each
 * library error (one table), the process-wide policies the library leaves
 * to its client (MPI launch, the damaged-file probe, MP_FAULT test hooks),
 * and dispatch to the commands.  Public API only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
    "usage: metaplast run CONFIG [--set section.key=value]... [--out DIR]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--quiet]\n"
    "       metaplast resume DIR|CHECKPOINT.nc [--memories N | --until N]\n"
    "                     [--set section.key=value]... [--backend B]\n"
    "                     [--threads N] [--quiet]\n"
    "       metaplast theory CONFIG [--set section.key=value]... [--out DIR]\n"
    "                     [--clock memories|poisson|both] [--quiet]\n"
    "       metaplast validate CONFIG [--set section.key=value]...\n"
    "       metaplast info FILE.nc\n"
    "       metaplast sweep CONFIG --vary section.key=v1,v2,... [--vary ...]\n"
    "                     [--seeds K] [--parallel P] [--set ...] --out DIR\n"
    "       metaplast sweep-run DIR [-j N]\n"
    "       metaplast sweep-status DIR\n"
    "       metaplast collect [--skip-damaged] DIR\n"
    "       metaplast plot DIR|FILE [--out F]\n"
    "       metaplast --help | --version\n";

static const char help[] =
    "\n"
    "Simulates synaptic plasticity in one of three paradigms, chosen by the\n"
    "config's run.paradigm:\n"
    "  ensemble  (the default) N independent synapses (binary, cascade,\n"
    "            serial, a markov table, or Benna-Fusi chains) store a\n"
    "            stream of memories; the record is each memory's signal and\n"
    "            SNR against its age, beside the exact theory, and the\n"
    "            memory lifetime.  Keys: run.memories, [ensemble],\n"
    "            [synapse], [measure], record.states.\n"
    "  network   rate neurons whose synapses learn by BCM with a sliding\n"
    "            threshold, neuromodulation and synaptic scaling; the record\n"
    "            is thresholds, rates, responses and weights over time.\n"
    "            Keys: run.duration, [network], [input], [bcm], [neuromod],\n"
    "            [scaling], [protocol], [record], [intrinsic], and\n"
    "            [synapse] with network.synapse = discrete.\n"
    "  attractor recurrent binary neurons store a stream of patterns in\n"
    "            discrete synapses and retrieve them from noisy cues; the\n"
    "            record is the retrieved fraction and overlap against age,\n"
    "            beside a mean-field theory, and the capacity.  Keys:\n"
    "            run.memories, [attractor], [store], [retrieve], [synapse],\n"
    "            [measure] but measure.clock.\n"
    "All three: run.seed, run.backend, run.threads, [output],\n"
    "[checkpoint]; ensembles and networks: record.states,\n"
    "record.max_bytes.  A\n"
    "key of another paradigm is refused (exit 2), naming it.\n";

/* The rest of --help (one string would pass C's 4095 characters). */
static const char help_commands[] =
    "\n"
    "commands:\n"
    "  run       simulate any paradigm; writes DIR/record.nc,\n"
    "            DIR/checkpoint.nc and DIR/config.ini (the keys the run\n"
    "            used, resolved)\n"
    "  resume    continue a run from its checkpoint, or from its start if it\n"
    "            ended before one (idempotent: a finished run is left alone\n"
    "            unless --memories or --until extend an ensemble, or --set\n"
    "            run.duration=TIME a network)\n"
    "  theory    no simulation, DIR/theory.nc: an ensemble's exact expected\n"
    "            curve; an attractor network's approximate theory (per age\n"
    "            signal, field SNR, mean-field overlap; the mean-field\n"
    "            capacity, the ideal-observer lifetime)\n"
    "  validate  check a configuration and print what it would need\n"
    "  info      what a metaplast file holds; verifies checksums\n"
    "  sweep     one task per combination of --vary values (x --seeds;\n"
    "            'a+b=1:2,3:4' varies keys together),\n"
    "            a manifest and a SLURM job-array script (docs/SWEEPS.md)\n"
    "  sweep-run DIR [-j N]: run a sweep's tasks on this machine, N at a\n"
    "            time (default: CPUs / run.threads); run it again after a\n"
    "            stop\n"
    "  sweep-status  per task: done, running, failed (why), resumable\n"
    "  collect   stack every task's record (any paradigm) into\n"
    "            DIR/sweep.nc, swept values typed (times in seconds); every\n"
    "            file verified; a damaged task fails it unless --skip-damaged\n"
    "  plot DIR|FILE [--out F]: draw a record's standard figure (needs the\n"
    "            Python package)\n"
    "\n"
    "options:\n"
    "  --set section.key=value  override one config key (repeatable)\n"
    "  --out DIR                run directory (output.dir)\n"
    "  --backend B              auto (CUDA if a device is present), cpu, "
    "cuda\n"
    "  --threads N              CPU threads, 0 = all (run.threads)\n"
    "  --memories N             resume an ensemble: store N more memories\n"
    "                           than planned\n"
    "  --until N                resume an ensemble: run until N memories are\n"
    "                           measured\n"
    "  --clock C                theory: memories, poisson or both (default:\n"
    "                           measure.clock; docs/MODELS.md); attractor\n"
    "                           networks: memories only\n"
    "  --quiet                  no progress, description or tables; run and\n"
    "                           resume still end with the one-line summary\n"
    "                           ('results: DIR/record.nc; ...'), theory with\n"
    "                           'theory: DIR/theory.nc; ...'\n"
    "\n"
    "signals: SIGTERM, SIGINT, SIGUSR1, SIGHUP, SIGXCPU or SIGALRM finish\n"
    "the current slice, write the checkpoint and the record, and exit 75\n"
    "(resumable); a second SIGINT aborts at once; a closed output pipe\n"
    "stops only the output.\n"
    "\n"
    "exit status: 0 done, 2 bad input (arguments, config, files, a\n"
    "directory another process works in; nothing is written), 3 runtime\n"
    "failure (device, I/O; the last checkpoint, if any, is intact), 75\n"
    "stopped by a signal after a clean checkpoint.\n"
    "A run refuses a DIR that already holds a run; `resume DIR` continues\n"
    "one.  Commands and outputs: docs/CLI.md; config keys: docs/CONFIG.md;\n"
    "networks: docs/NETWORKS.md; attractor networks: docs/ATTRACTOR.md.\n";

int mp_cli_status(int code)
{
    switch (code) {
    case MP_OK:
        return MP_EXIT_OK;
    case MP_EINVAL:   /* arguments, config, an unreadable input */
    case MP_EFORMAT:  /* a file that is not ours or is damaged */
    case MP_ENODEV:   /* run.backend = cuda without a usable device */
    case MP_ENOTSUP:  /* ... or without CUDA in the build */
    case MP_EEXIST:   /* a run directory that holds a run */
    case MP_ETOOBIG:  /* a run that does not fit */
    case MP_EBUSY:    /* a directory another process works in */
        return MP_EXIT_USAGE;
    default:          /* out of memory, I/O, NetCDF, CUDA, non-finite */
        return MP_EXIT_RUNTIME;
    }
}

int mp_cli_fail(int code)
{
    if (mp_mpi_rank() == 0)
        fprintf(stderr, "metaplast: %s\n", mp_errmsg());
    return mp_cli_status(code);
}

static int usage_error(const char *msg, const char *arg)
{
    if (mp_mpi_rank() == 0)
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
        {"theory", "--set", "--out", "--quiet", "--clock", NULL},
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

static int known_option(const char *s)
{
    static const char *const all[] = {"--set",     "--out",      "--backend",
                                      "--threads", "--quiet",    "--memories",
                                      "--until",   "--clock"};
    size_t i;
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, all[i]))
            return 1;
    return 0;
}

/* One option (and its value, argv[*i + 1]). */
static int parse_option(int argc, char **argv, int *i, struct args *a)
{
    const char *s = argv[*i];
    if (!allowed(a->command, s))
        return usage_error(known_option(s) ? "option not valid for this "
                                             "command"
                                           : "unknown option",
                           s);
    if (!strcmp(s, "--quiet")) {
        a->quiet = 1;
        return 0;
    }
    if (*i + 1 >= argc)
        return usage_error("option needs a value", s);
    ++*i;
    if (!strcmp(s, "--set")) {
        if (a->n_sets == 256)
            return usage_error("too many --set options", NULL);
        a->sets[a->n_sets++] = argv[*i];
    } else {
        *(!strcmp(s, "--out")       ? &a->out
          : !strcmp(s, "--backend") ? &a->backend
          : !strcmp(s, "--threads") ? &a->threads
          : !strcmp(s, "--memories") ? &a->memories
          : !strcmp(s, "--clock")    ? &a->clock
                                     : &a->until) = argv[*i];
    }
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    int i, rc;
    a->command = argv[1];
    for (i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] == '-' && s[1]) {
            if ((rc = parse_option(argc, argv, &i, a)))
                return rc;
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

int mp_cli_sets(const struct args *a, const char **sets, char bufs[3][1100])
{
    int n = 0, i;
    for (i = 0; i < a->n_sets; i++)
        sets[n++] = a->sets[i];
    if (a->out) {
        snprintf(bufs[0], sizeof bufs[0], "output.dir=%s", a->out);
        sets[n++] = bufs[0];
    }
    if (a->backend) {
        snprintf(bufs[1], sizeof bufs[1], "run.backend=%s", a->backend);
        sets[n++] = bufs[1];
    }
    if (a->threads) {
        snprintf(bufs[2], sizeof bufs[2], "run.threads=%s", a->threads);
        sets[n++] = bufs[2];
    }
    return n;
}

int mp_cli_load_config(const struct args *a, struct mp_config *c)
{
    const char *sets[260];
    char bufs[3][1100];
    int n = mp_cli_sets(a, sets, bufs), i, rc;
    mp_config_init(c);
    rc = mp_config_load(c, a->target);
    for (i = 0; !rc && i < n; i++)
        rc = mp_config_set(c, sets[i], i + 1);
    if (!rc)
        rc = mp_config_validate(c);
    return rc ? mp_cli_fail(rc) : 0;
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

static int version(void)
{
    printf("metaplast %s (CUDA backend: %s; MPI: %s; checkpoint format "
           "%d)\n",
           MP_VERSION_STRING,
#ifdef MP_HAVE_CUDA
           "built",
#else
           "not built",
#endif
           mp_mpi_built() ? "built" : "not built", MP_CKPT_FORMAT);
    return 0;
}

static int real_main(int argc, char **argv)
{
    static char cmdline[8192];
    struct args a;
    int rc;

    if (argc < 2)
        return usage_error("missing command", NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, stdout);
        fputs(help, stdout);
        fputs(help_commands, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version"))
        return version();
    join_args(argc, argv, cmdline, sizeof cmdline);
    if (!strcmp(argv[1], "sweep"))
        return mp_cli_sweep(argc, argv, cmdline);
    if (!strcmp(argv[1], "sweep-run"))
        return mp_cli_sweep_run(argc, argv);
    if (!strcmp(argv[1], "sweep-status"))
        return argc == 3 ? mp_cli_sweep_status(argv[2])
                         : usage_error("expected one sweep directory",
                                       argv[1]);
    if (!strcmp(argv[1], "plot"))
        return mp_cli_plot(argc, argv);
    if (!strcmp(argv[1], "collect")) {
        const int skip = argc == 4 && !strcmp(argv[2], "--skip-damaged");
        return argc == 3 + skip ? mp_cli_collect(argv[2 + skip], skip,
                                                 cmdline)
                                : usage_error("expected [--skip-damaged] "
                                              "and one sweep directory",
                                              argv[1]);
    }
    if (strcmp(argv[1], "run") && strcmp(argv[1], "resume") &&
        strcmp(argv[1], "theory") && strcmp(argv[1], "validate") &&
        strcmp(argv[1], "info"))
        return usage_error("unknown command", argv[1]);
    memset(&a, 0, sizeof a);
    if ((rc = parse_args(argc, argv, &a)))
        return rc;
    a.cmdline = cmdline;
    if (!strcmp(a.command, "run"))
        return mp_cli_run(&a);
    if (!strcmp(a.command, "resume"))
        return mp_cli_resume(&a);
    if (!strcmp(a.command, "theory"))
        return mp_cli_theory(&a);
    if (!strcmp(a.command, "info"))
        return mp_cli_info(&a);
    return mp_cli_validate(&a);
}

/* ---- Process-wide policies ----------------------------------------------- */

/*
 * Test hook (docs/RELIABILITY.md): MP_FAULT="<what>-<kind>[@N]" makes the
 * N-th (default: first) and every later operation of that kind fail:
 * <what> is checkpoint, record or device; <kind> enospc, eacces or error.
 * Never set in production.
 */
static void faults_from_environment(void)
{
    static const struct {
        const char *kind;
        int code;
    } kinds[] = {{"enospc", ENOSPC}, {"eacces", EACCES}, {"error", EIO}};
    static const char *const whats[] = {"checkpoint", "record", "device"};
    const char *f = getenv("MP_FAULT"), *at;
    size_t w, k;
    for (w = 0; f && w < 3; w++) {
        size_t len = strlen(whats[w]);
        if (strncmp(f, whats[w], len) || f[len] != '-')
            continue;
        at = strchr(f, '@');
        for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            size_t kl = strlen(kinds[k].kind);
            if (!strncmp(f + len + 1, kinds[k].kind, kl) &&
                (f[len + 1 + kl] == '\0' || f[len + 1 + kl] == '@'))
                mp_fault_set((int)w, kinds[k].code,
                             at ? strtoul(at + 1, NULL, 10) : 1);
        }
    }
}

int main(int argc, char **argv)
{
    int rc;
    /* run and resume catch the stops before anything else (MPI's set-up
     * included): a stop then ends the run at its first checkpoint. */
    if (argc >= 2 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "resume")))
        mp_cli_catch_signals();
    if (mp_mpi_launched() && (rc = mp_mpi_init(&argc, &argv)))
        return mp_cli_fail(rc);
    faults_from_environment();
    /* A damaged file cannot take a single process down: it is opened in a
     * child first.  Not under MPI, where forking a rank is unsafe. */
    if (mp_mpi_size() == 1)
        mp_io_set_probe(mp_cli_probe, NULL);
    if (mp_mpi_size() > 1 && mp_mpi_rank() != 0) {
        /* Rank 0 speaks for the run. */
        if (!freopen("/dev/null", "w", stdout))
            return MP_EXIT_FAILURE;
        /* Only run and resume are split across ranks. */
        if (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "resume"))) {
            mp_mpi_finalize();
            return 0;
        }
    }
    rc = real_main(argc, argv);
    mp_mpi_finalize();
    if (mp_io_unclosed()) {
        /* HDF5's clean-up at exit would crash on the file it could not
         * close (a full disk): end without it. */
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
