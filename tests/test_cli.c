/* SPDX-License-Identifier: MIT */
/* test_cli.c: the metaplast program end to end: exit codes, messages, and
 * the promise that bad input changes nothing on disk. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <netcdf.h>
#include <signal.h>
#include <time.h>

#include "metaplast/metaplast.h"

static char dir[128];
static char out[65536], err[65536];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-cli-%ld", (long)getpid());
    mkdir(dir, 0777);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "umount %s/tfs 2>/dev/null; rm -rf %s", dir,
             dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(cli, .init = setup, .fini = teardown);

static void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

static char po[256], pe[256];

/* Starts metaplast with the arguments (NULL-terminated); stdout and stderr
 * go to files in the test directory. */
static pid_t spawn_v(const char *first, va_list ap)
{
    const char *argv[32];
    int argc = 1;
    pid_t pid;

    argv[0] = MP_CLI_PATH;
    argv[argc++] = first;
    while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
        argc++;
    argv[argc] = NULL;
    snprintf(po, sizeof po, "%s/.stdout", dir);
    snprintf(pe, sizeof pe, "%s/.stderr", dir);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static pid_t spawn(const char *first, ...)
{
    va_list ap;
    pid_t pid;
    va_start(ap, first);
    pid = spawn_v(first, ap);
    va_end(ap);
    return pid;
}

/* Waits for pid; its exit status (128 + signal if killed), output in
 * out / err. */
static int reap(pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    slurp(po, out, sizeof out);
    slurp(pe, err, sizeof err);
    unlink(po);
    unlink(pe);
    return WIFEXITED(status)     ? WEXITSTATUS(status)
           : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                 : 255;
}

/* Runs metaplast with the arguments (NULL-terminated); returns the exit
 * status, stdout and stderr in out / err. */
static int cli(const char *first, ...)
{
    va_list ap;
    pid_t pid;
    va_start(ap, first);
    pid = spawn_v(first, ap);
    va_end(ap);
    return reap(pid);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    FILE *f;
    snprintf(p, 256, "%s/%s", dir, name);
    f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char *path_in(const char *name)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static const char small[] = "[run]\nmemories = 300\nbackend = cpu\n"
                            "[ensemble]\nsynapses = 4096\n"
                            "[synapse]\nmodel = cascade\nn = 5\n"
                            "[measure]\nmax_age = 100\n";

static const char net_cfg[] = "[run]\nparadigm = network\nduration = 20s\n"
                              "[network]\ndt = 1ms\ninputs = 16\n"
                              "neurons = 3\nw_init = 0.5\n"
                              "[input]\npatterns = 4\nswitch_every = 20ms\n"
                              "[bcm]\ntau_w = 20s\ntau_theta = 1s\n"
                              "[record]\ninterval = 500ms\n";

static int file_exists(const char *p)
{
    return access(p, F_OK) == 0;
}

Test(cli, help_version_usage)
{
    static const char *const commands[] = {
        "metaplast run CONFIG", "metaplast resume DIR",
        "metaplast theory CONFIG", "metaplast validate CONFIG",
        "metaplast info FILE", "metaplast sweep CONFIG",
        "metaplast sweep-run DIR", "metaplast sweep-status DIR",
        "metaplast collect [--skip-damaged] DIR", "metaplast plot DIR|FILE",
        "\n  run ", "\n  resume ", "\n  theory ", "\n  validate ",
        "\n  info ", "\n  sweep ", "\n  sweep-run DIR",
        "\n  sweep-status ", "\n  collect ", "\n  plot DIR|FILE",
        /* The three paradigms, and whose keys are whose. */
        "run.paradigm", "one of three paradigms", "\n  ensemble  ",
        "\n  network   ", "\n  attractor ",
        "Keys: run.memories, [ensemble]", "Keys: run.duration, [network]",
        "run.memories, [attractor], [store], [retrieve]",
        "docs/ATTRACTOR.md", "A\nkey of another paradigm is refused"};
    size_t i;
    cr_expect_eq(cli("--help", NULL), 0);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        cr_expect(strstr(out, commands[i]), "--help lacks '%s':\n%s",
                  commands[i], out);
    cr_expect(strstr(out, "usage: metaplast run CONFIG"), "%s", out);
    cr_expect_eq(cli("--version", NULL), 0);
    cr_expect(strncmp(out, "metaplast ", 10) == 0, "%s", out);
    cr_expect_eq(cli("frobnicate", NULL), 2);
    cr_expect(strstr(err, "unknown command: frobnicate"), "%s", err);
    cr_expect_eq(cli("run", NULL), 2);
    cr_expect(strstr(err, "missing CONFIG"), "%s", err);
    cr_expect_eq(cli("run", "x.ini", "--bogus", NULL), 2);
    cr_expect(strstr(err, "unknown option: --bogus"), "%s", err);
    cr_expect_eq(cli("run", "x.ini", "--set", NULL), 2);
}

Test(cli, run_writes_record_and_config)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("run1");
    struct mp_config c;
    char want[512];
    cr_assert_eq(cli("run", cfg, "--out", run, "--set", "run.seed=3", NULL), 0,
                 "%s", err);
    snprintf(want, sizeof want, "results: %s/record.nc", run);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "SNR(0)"), "%s", out);
    cr_expect(strstr(out, "backend: cpu"), "%s", out);
    cr_expect(file_exists(path_in("run1/record.nc")));
    /* The resolved config reads back, with the override in it. */
    mp_config_init(&c);
    cr_assert_eq(mp_config_load(&c, path_in("run1/config.ini")), 0, "%s",
                 mp_errmsg());
    cr_expect_eq(c.seed, 3u);
    cr_expect_eq(c.syn.n, 5u);
    cr_expect_str_eq(c.dir, run);
}

/* Re-running into a directory that holds a run is refused, unchanged. */
Test(cli, existing_run_not_clobbered)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("run2");
    char before[65536], after[65536];
    struct stat s1, s2;
    cr_assert_eq(cli("run", cfg, "--out", run, "--quiet", NULL), 0, "%s", err);
    cr_assert_eq(stat(path_in("run2/record.nc"), &s1), 0);
    slurp(path_in("run2/config.ini"), before, sizeof before);
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "run.seed=9", NULL), 2);
    cr_expect(strstr(err, "already holds a run"), "%s", err);
    cr_assert_eq(stat(path_in("run2/record.nc"), &s2), 0);
    cr_expect_eq(s1.st_mtime, s2.st_mtime);
    cr_expect_eq(s1.st_size, s2.st_size);
    slurp(path_in("run2/config.ini"), after, sizeof after);
    cr_expect_str_eq(before, after);
}

/* Bad input: exit 2, file:line: key: expected..., nothing created. */
Test(cli, bad_config_refused_before_work)
{
    const char *cfg = write_file("bad.ini",
                                 "[run]\nmemories = 300\n[synapse]\n"
                                 "q = 1.5\n");
    const char *run = path_in("never");
    char want[512];
    cr_expect_eq(cli("run", cfg, "--out", run, NULL), 2);
    snprintf(want, sizeof want,
             "%s:4: synapse.q: expected a probability in [0, 1], got '1.5'",
             cfg);
    cr_expect(strstr(err, want), "%s", err);
    cr_expect(!file_exists(run), "the output directory was created");

    cr_expect_eq(cli("run", write_file("ok.ini", small), "--out", run,
                     "--set", "ensemble.synapses=0", NULL),
                 2);
    cr_expect(strstr(err, "--set ensemble.synapses=0: ensemble.synapses: "
                          "expected an integer in [1"),
              "%s", err);
    cr_expect(!file_exists(run));

    cr_expect_eq(cli("run", path_in("missing.ini"), NULL), 2);
    cr_expect(strstr(err, "missing.ini: cannot read"), "%s", err);
    cr_expect_eq(cli("run", write_file("ok.ini", small), "--threads", "x",
                     "--out", run, NULL),
                 2);
    cr_expect(strstr(err, "run.threads: expected"), "%s", err);
    cr_expect(!file_exists(run));
}

Test(cli, validate_and_theory)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("th");
    cr_expect_eq(cli("validate", cfg, NULL), 0, "%s", err);
    cr_expect(strstr(out, "valid"), "%s", out);
    cr_expect(strstr(out, "cascade (n = 5"), "%s", out);
    cr_expect_eq(cli("validate", cfg, "--set", "synapse.n=1", NULL), 2);
    cr_expect(strstr(err, "synapse.n: expected an integer >= 2"), "%s", err);
    cr_expect_eq(cli("theory", cfg, "--out", run, NULL), 0, "%s", err);
    cr_expect(strstr(out, "SNR(0) = "), "%s", out);
    cr_expect(strstr(out, "clock: memories"), "%s", out);
    cr_expect(strstr(out, "lifetime = "), "%s", out);
    cr_expect(strstr(out, "bound sqrt(N)(M-1) = "), "%s", out);
    cr_expect(!strstr(out, "Poisson"), "%s", out);
    cr_expect(file_exists(path_in("th/theory.nc")));
}

static const char attr_cfg[] = "[run]\nparadigm = attractor\nmemories = 30\n"
                               "backend = cpu\nthreads = 1\nseed = 5\n"
                               "[attractor]\nneurons = 200\n"
                               "[synapse]\nmodel = binary\nq = 0.2\n"
                               "[retrieve]\nsteps = 10\n"
                               "[measure]\nevery = 10\n"
                               "ages = 0, 2, 4, 8, 12\n";

/* The double variable `name` of a file (n values) into v. */
static void read_doubles(const char *path, const char *name, double *v)
{
    int nc, var;
    cr_assert_eq(nc_open(path, NC_NOWRITE, &nc), NC_NOERR, "%s", path);
    cr_assert_eq(nc_inq_varid(nc, name, &var), NC_NOERR, "%s: %s", path,
                 name);
    cr_assert_eq(nc_get_var_double(nc, var, v), NC_NOERR);
    nc_close(nc);
}

static double global_double(const char *path, const char *name)
{
    double v = -99;
    int nc;
    cr_assert_eq(nc_open(path, NC_NOWRITE, &nc), NC_NOERR, "%s", path);
    cr_expect_eq(nc_get_att_double(nc, NC_GLOBAL, name, &v), NC_NOERR,
                 "%s: %s", path, name);
    nc_close(nc);
    return v;
}

/* theory of an attractor configuration: what it says, its theory.nc (the
 * same curves and numbers as a run's record.nc, bit for bit), the one
 * clock it has. */
Test(cli, attractor_theory)
{
    static const char *const curves[3] = {"signal_theory", "snr_theory",
                                          "overlap_theory"};
    const char *cfg = write_file("attr.ini", attr_cfg);
    char want[512], th[256], rec[256];
    double a[5], b[5];
    int k;
    cr_assert_eq(cli("theory", cfg, "--out", path_in("ath"), NULL), 0, "%s",
                 err);
    cr_expect(strstr(out, "ideal-observer lifetime of the 1.99e+04 synapses "
                          "(exact theory of an ensemble of them, SNR >= 1): "
                          "14 memories\n"),
              "%s", out);
    cr_expect(strstr(out, "mean-field capacity: 1 memories (largest age "
                          "whose mean-field overlap reaches 0.9; an "
                          "approximation"),
              "%s", out);
    cr_expect(strstr(out, "       age       E[m(t)]      SNR(t)     "
                          "overlap\n"
                          "         0           0.2       2.821      "
                          "0.9950\n"),
              "%s", out);
    snprintf(want, sizeof want, "theory: %s/theory.nc; mean-field capacity "
                                "= 1; ideal-observer lifetime = 14 "
                                "memories\n",
             path_in("ath"));
    cr_expect(strstr(out, want), "%s", out);
    cr_assert_eq(cli("theory", cfg, "--out", path_in("ath"), "--quiet",
                     NULL),
                 0, "%s", err);
    cr_expect_str_eq(out, want);
    cr_expect_eq(cli("run", cfg, "--out", path_in("arun"), "--quiet", NULL),
                 0, "%s", err);
    snprintf(th, sizeof th, "%s", path_in("ath/theory.nc"));
    snprintf(rec, sizeof rec, "%s", path_in("arun/record.nc"));
    for (k = 0; k < 3; k++) {
        read_doubles(th, curves[k], a);
        read_doubles(rec, curves[k], b);
        cr_expect_eq(memcmp(a, b, sizeof a), 0, "%s", curves[k]);
    }
    cr_expect_eq(global_double(th, "capacity_theory"), 1.0);
    cr_expect_eq(global_double(rec, "capacity_theory"), 1.0);
    cr_expect_eq(global_double(th, "lifetime_ideal_observer"),
                 global_double(rec, "lifetime_ideal_observer"));
    cr_expect_eq(cli("theory", cfg, "--out", path_in("ath2"), "--clock",
                     "poisson", NULL),
                 2);
    cr_expect_str_eq(err, "metaplast: --clock poisson: an attractor "
                          "network's theory is in memories only "
                          "(run.paradigm = attractor): leave --clock out "
                          "or give --clock memories\n");
    cr_expect(!file_exists(path_in("ath2")));
    cr_expect_eq(cli("theory", cfg, "--out", path_in("ath2"), "--clock",
                     "memories", "--quiet", NULL),
                 0, "%s", err);
    /* Where the mean-field capacity does not apply (a last modulator
     * level of 0: no stationary regime of learning): said, NaN. */
    cr_expect_eq(cli("theory", cfg, "--out", path_in("ath3"), "--set",
                     "store.phases=10, 20", "--set", "store.modulator=1, 0",
                     NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "mean-field capacity: does not apply to this "
                          "configuration (docs/ATTRACTOR.md)\n"),
              "%s", out);
    cr_expect(isnan(global_double(path_in("ath3/theory.nc"),
                                  "capacity_theory")));
    /* info says so in words, not "nan memories". */
    cr_expect_eq(cli("info", path_in("ath3/theory.nc"), NULL), 0, "%s", err);
    cr_expect(strstr(out, "  capacity:       not defined (mean-field, an "
                          "approximation)\n"),
              "%s", out);
    cr_expect(!strstr(out, "nan"), "%s", out);
}

/* Weights that never vary (q- = 0: every synapse ends strong) carry no
 * memory: the field's SNR is 0 / 0, printed as nan (not -nan). */
Test(cli, attractor_theory_degenerate_nan)
{
    const char *cfg = write_file("attrd.ini", attr_cfg);
    cr_assert_eq(cli("theory", cfg, "--out", path_in("athd"), "--set",
                     "synapse.q_minus=0", "--set", "attractor.coding=0.3",
                     NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "nan"), "%s", out);
    cr_expect(!strstr(out, "-nan"), "%s", out);
}

/* With fan-in the printed synapse counts are N K (here 200 x 20 = 4000),
 * not N (N - 1): the description, the ideal observer's synapses (theory)
 * and the run's speed line. */
Test(cli, attractor_fan_in_synapse_counts)
{
    const char *cfg = write_file("attrk.ini", attr_cfg);
    cr_assert_eq(cli("theory", cfg, "--out", path_in("athk"), "--set",
                     "attractor.symmetry=independent", "--set",
                     "attractor.fan_in=20", NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "attractor: N = 200 neurons (4000 synapses, "
                          "fan-in 20, independent)"),
              "%s", out);
    cr_expect(strstr(out, "ideal-observer lifetime of the 4000 synapses "),
              "%s", out);
    cr_assert_eq(cli("run", cfg, "--out", path_in("arunk"), "--set",
                     "attractor.symmetry=independent", "--set",
                     "attractor.fan_in=20", NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "memories/s of 4e+03 synapses)"), "%s", out);
}

/* theory in either clock or both: measure.clock, overridden by --clock;
 * every lifetime printed says its clock. */
Test(cli, theory_clocks)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("th");
    cr_expect_eq(cli("theory", cfg, "--out", run, "--set",
                     "measure.clock=poisson", NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "clock: Poisson time"), "%s", out);
    cr_expect(strstr(out, "in Poisson time (bound sqrt(N)(M-1)/e"), "%s",
              out);
    cr_expect(strstr(out, "SNR(tau)") && !strstr(out, "SNR(t) "), "%s", out);
    cr_expect_eq(cli("theory", cfg, "--out", run, "--clock", "both", NULL), 0,
                 "%s", err);
    cr_expect(strstr(out, "memories (one memory per step; t in memories) "
                          "and Poisson time"),
              "%s", out);
    cr_expect(strstr(out, " memories\n") && strstr(out, "in Poisson time ("),
              "%s", out);
    cr_expect(strstr(out, "SNR(t)") && strstr(out, "SNR(tau)"), "%s", out);
    cr_expect_eq(cli("theory", cfg, "--out", run, "--set",
                     "measure.clock=poisson", "--clock", "memories", NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "clock: memories") && !strstr(out, "Poisson"), "%s",
              out);
    cr_expect_eq(cli("theory", cfg, "--out", run, "--clock", "wall", NULL),
                 2);
    cr_expect(strstr(err, "--clock: expected memories, poisson or both, got "
                          "'wall'"),
              "%s", err);
    cr_expect_eq(cli("run", cfg, "--out", path_in("r"), "--clock", "both",
                     NULL),
                 2);
    cr_expect(strstr(err, "option not valid for this command: --clock"),
              "%s", err);
    /* A run simulates in memories; measure.clock = poisson adds the
     * Poisson-clock theory beside it. */
    cr_expect_eq(cli("run", cfg, "--out", path_in("r"), "--set",
                     "measure.clock=poisson", NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "theory in Poisson time (record.nc: "
                          "snr_theory_poisson): lifetime "),
              "%s", out);
    {
        int nc, var;
        cr_assert_eq(nc_open(path_in("r/record.nc"), NC_NOWRITE, &nc),
                     NC_NOERR);
        cr_expect_eq(nc_inq_varid(nc, "snr_theory_poisson", &var), NC_NOERR);
        cr_expect_eq(nc_inq_varid(nc, "snr_theory", &var), NC_NOERR);
        nc_close(nc);
    }
}

/* --backend cuda without a device (or without CUDA) is bad input. */
Test(cli, cuda_backend_without_device)
{
    const char *cfg = write_file("a.ini", small);
    int rc = cli("run", cfg, "--out", path_in("cu"), "--backend", "cuda",
                 "--quiet", NULL);
    if (rc == 0)
        cr_skip_test("a CUDA device is present");
    cr_expect_eq(rc, 2);
    cr_expect(strstr(err, "run.backend = cuda:"), "%s", err);
    cr_expect(!file_exists(path_in("cu")));
}

/* The number of lines of text that start with prefix. */
static int lines_starting(const char *text, const char *prefix)
{
    const char *p = text;
    int n = 0;
    while (p && *p) {
        n += strncmp(p, prefix, strlen(prefix)) == 0;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

/* --quiet prints no progress, description or table, only the summary
 * line that ends every finished run (scripts capture it); without a
 * terminal, progress goes to stderr as log lines only (none in a run this
 * short). */
Test(cli, quiet)
{
    const char *cfg = write_file("a.ini", small);
    char want[512];
    cr_assert_eq(cli("run", cfg, "--out", path_in("q"), "--quiet", NULL), 0);
    cr_expect_str_eq(err, "");
    snprintf(want, sizeof want,
             "results: %s/record.nc; SNR(0) = ", path_in("q"));
    cr_expect(strncmp(out, want, strlen(want)) == 0, "%s", out);
    cr_expect(strstr(out, " (theory ") && strstr(out, "; lifetime = ") &&
                  strstr(out, " memories (theory "),
              "%s", out);
    cr_expect_eq(lines_starting(out, ""), 1, "one line: %s", out);
    /* The same line ends a run that is not quiet. */
    cr_assert_eq(cli("run", cfg, "--out", path_in("v"), NULL), 0);
    cr_expect(strstr(out, "SNR(0): "), "%s", out);
    cr_expect_eq(lines_starting(out, "results: "), 1, "%s", out);
    cr_expect(strstr(out, "; lifetime = "), "%s", out);
    /* A network's: time and the last record entry's means. */
    cr_assert_eq(cli("run", write_file("n.ini", net_cfg), "--out",
                     path_in("nq"), "--quiet", NULL),
                 0, "%s", err);
    snprintf(want, sizeof want,
             "results: %s/record.nc; time = 20 s (20000 steps); mean rate = ",
             path_in("nq"));
    cr_expect(strncmp(out, want, strlen(want)) == 0, "%s", out);
    cr_expect(strstr(out, "(3 neurons); w_mean = ") &&
                  strstr(out, ", w_std = "),
              "%s", out);
    cr_expect_eq(lines_starting(out, ""), 1, "one line: %s", out);
    /* theory: the file, SNR(0) and the lifetime. */
    cr_assert_eq(cli("theory", cfg, "--out", path_in("th"), "--quiet", NULL),
                 0);
    snprintf(want, sizeof want, "theory: %s/theory.nc; SNR(0) = ",
             path_in("th"));
    cr_expect(strncmp(out, want, strlen(want)) == 0, "%s", out);
    cr_expect(strstr(out, "; lifetime = ") && strstr(out, " memories\n"),
              "%s", out);
    cr_expect_eq(lines_starting(out, ""), 1, "one line: %s", out);
}

/* A key of the other paradigm is refused before any work, naming where
 * it was set, the key and the paradigm. */
Test(cli, other_paradigm_key_refused)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("never");
    char want[512];
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "bcm.tau_w=5s", NULL),
                 2);
    cr_expect(strstr(err, "--set #1: bcm.tau_w is a network key; this run's "
                          "paradigm is ensemble (run.paradigm, by default)"),
              "%s", err);
    cr_expect(!file_exists(run), "the output directory was created");
    cr_expect_eq(cli("validate", cfg, "--set", "run.duration=10s", NULL), 2);
    cr_expect(strstr(err, "run.duration is a network key"), "%s", err);
    /* In the file: its line; the paradigm's line. */
    cfg = write_file("n.ini", "[run]\nparadigm = network\nduration = 2s\n"
                              "[measure]\nmax_age = 10\n");
    cr_expect_eq(cli("run", cfg, "--out", run, NULL), 2);
    snprintf(want, sizeof want,
             "%s:5: measure.max_age is an ensemble key; this run's paradigm "
             "is network (run.paradigm, at %s:2)",
             cfg, cfg);
    cr_expect(strstr(err, want), "%s", err);
    cr_expect(!file_exists(run));
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "run.memories=5",
                     NULL),
                 2);
    cr_expect(strstr(err, "run.memories is an ensemble key"), "%s", err);
    /* [synapse]: ensembles, and networks of discrete synapses only. */
    cfg = write_file("n.ini", net_cfg);
    cr_expect_eq(cli("validate", cfg, "--set", "synapse.n=4", NULL), 2);
    cr_expect(strstr(err, "synapse.n is a key of the synapse model, which a "
                          "network uses only with discrete synapses"),
              "%s", err);
    cr_expect_eq(cli("validate", cfg, "--set", "network.synapse=discrete",
                     "--set", "synapse.n=4", NULL),
                 0, "%s", err);
    /* sweep and resume: the same refusal. */
    cr_expect_eq(cli("sweep", write_file("a.ini", small), "--vary",
                     "bcm.tau_w=1s,2s", "--out", run, NULL),
                 2);
    cr_expect(strstr(err, "bcm.tau_w is a network key"), "%s", err);
    cr_expect(!file_exists(run));
    cr_assert_eq(cli("run", write_file("a.ini", small), "--out",
                     path_in("r"), "--quiet", NULL),
                 0, "%s", err);
    cr_expect_eq(cli("resume", path_in("r"), "--set", "bcm.tau_w=5s", NULL),
                 2);
    cr_expect(strstr(err, "bcm.tau_w is a network key; this run's paradigm "
                          "is ensemble"),
              "%s", err);
}

/* config.ini: each section once, and only the keys the run used. */
static void assert_config_ini(const char *path, const char *const *absent,
                              size_t n_absent)
{
    static const char *const sections[] = {
        "[run]",   "[ensemble]", "[synapse]",  "[measure]", "[output]",
        "[checkpoint]", "[network]", "[input]", "[bcm]",    "[neuromod]",
        "[scaling]", "[protocol]", "[record]"};
    char text[65536];
    size_t i;
    slurp(path, text, sizeof text);
    cr_expect_eq(lines_starting(text, "[run]"), 1, "%s", text);
    for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
        cr_expect(lines_starting(text, sections[i]) <= 1, "%s twice:\n%s",
                  sections[i], text);
    for (i = 0; i < n_absent; i++)
        cr_expect(!strstr(text, absent[i]), "'%s' in %s:\n%s", absent[i],
                  path, text);
}

Test(cli, config_ini_holds_the_run_keys)
{
    static const char *const not_ens[] = {
        "[network]", "[input]", "[bcm]",  "[neuromod]", "[scaling]",
        "[protocol]", "\ninterval =", "\nweights =", "\npattern =",
        "\nhistogram_bins =", "\nduration ="};
    static const char *const not_net[] = {"[ensemble]", "[synapse]",
                                          "[measure]", "\nmemories ="};
    struct mp_config c;
    cr_assert_eq(cli("run", write_file("a.ini", small), "--out",
                     path_in("e"), "--quiet", NULL),
                 0, "%s", err);
    assert_config_ini(path_in("e/config.ini"), not_ens,
                      sizeof not_ens / sizeof not_ens[0]);
    cr_assert_eq(cli("run", write_file("n.ini", net_cfg), "--out",
                     path_in("n"), "--quiet", NULL),
                 0, "%s", err);
    assert_config_ini(path_in("n/config.ini"), not_net,
                      sizeof not_net / sizeof not_net[0]);
    /* It loads and validates as it is (run again from it). */
    mp_config_init(&c);
    cr_expect_eq(mp_config_load(&c, path_in("n/config.ini")), 0, "%s",
                 mp_errmsg());
    cr_expect_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_expect_eq(cli("validate", path_in("n/config.ini"), NULL), 0, "%s",
                 err);
    /* A network of discrete synapses uses [synapse]. */
    cr_assert_eq(cli("run", path_in("n.ini"), "--out", path_in("d"),
                     "--set", "network.synapse=discrete", "--set",
                     "synapse.n=4", "--set", "run.duration=1s", "--quiet",
                     NULL),
                 0, "%s", err);
    assert_config_ini(path_in("d/config.ini"), not_net + 2, 2);
    slurp(path_in("d/config.ini"), out, sizeof out);
    cr_expect(strstr(out, "[synapse]\nmodel = cascade\nn = 4\n"), "%s",
              out);
}

/* Earlier versions wrote every key of both paradigms (and [run] twice)
 * into config.ini and checkpoints: those still resume. */
static const char old_keys[] = "\n[run]\nduration = 1e+02s\n\n[network]\n"
                               "dt = 0.001s\n\n[bcm]\ntau_w = 1e+01s\n";

/* Rewrites a checkpoint's config_ini with text appended, and its header
 * checksum to match (docs/CHECKPOINT.md). */
static void append_to_checkpoint_config(const char *path, const char *more)
{
    unsigned long long done, total, seed;
    char *ini, *text, hex[32];
    size_t len;
    int nc;
    cr_assert_eq(nc_open(path, NC_WRITE, &nc), NC_NOERR);
    nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &done);
    nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_total", &total);
    nc_get_att_ulonglong(nc, NC_GLOBAL, "seed", &seed);
    cr_assert_eq(nc_inq_attlen(nc, NC_GLOBAL, "config_ini", &len), NC_NOERR);
    ini = calloc(1, len + strlen(more) + 1);
    text = calloc(1, len + strlen(more) + 256);
    nc_get_att_text(nc, NC_GLOBAL, "config_ini", ini);
    strcat(ini, more);
    sprintf(text, "memories_done=%llu\nmemories_total=%llu\nseed=%llu\n%s",
            done, total, seed, ini);
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)mp_io_hash64(text, strlen(text)));
    nc_redef(nc);
    cr_assert_eq(nc_put_att_text(nc, NC_GLOBAL, "config_ini", strlen(ini),
                                 ini),
                 NC_NOERR);
    cr_assert_eq(nc_put_att_text(nc, NC_GLOBAL, "header_checksum",
                                 strlen(hex), hex),
                 NC_NOERR);
    nc_close(nc);
    free(ini);
    free(text);
}

Test(cli, earlier_configs_with_every_key_resume)
{
    const char *cfg = write_file("a.ini", small);
    char ini[65536], *mark, text[70000];
    FILE *f;
    /* A checkpoint: extended by 100 memories. */
    cr_assert_eq(cli("run", cfg, "--out", path_in("c"), "--quiet", NULL), 0,
                 "%s", err);
    append_to_checkpoint_config(path_in("c/checkpoint.nc"), old_keys);
    cr_expect_eq(cli("info", path_in("c/checkpoint.nc"), NULL), 0, "%s%s",
                 out, err);
    cr_expect_eq(cli("resume", path_in("c"), "--memories", "100", "--quiet",
                     NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "results: "), "%s", out);
    /* config.ini alone (a run killed before its first checkpoint): it
     * starts again. */
    cr_assert_eq(cli("run", cfg, "--out", path_in("k"), "--quiet", NULL), 0,
                 "%s", err);
    slurp(path_in("k/config.ini"), ini, sizeof ini);
    mark = strstr(ini, "# metaplast run configuration; checksum ");
    cr_assert_not_null(mark);
    *mark = '\0';
    snprintf(text, sizeof text, "%s%s\n", ini, old_keys);
    snprintf(text + strlen(text), sizeof text - strlen(text),
             "# metaplast run configuration; checksum %016llx\n",
             (unsigned long long)mp_io_hash64(text, strlen(text)));
    unlink(path_in("k/checkpoint.nc"));
    unlink(path_in("k/record.nc"));
    f = fopen(path_in("k/config.ini"), "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    cr_expect_eq(cli("resume", path_in("k"), NULL), 0, "%s", err);
    cr_expect(strstr(out, "(no checkpoint yet: from the start)"), "%s", out);
    cr_expect(file_exists(path_in("k/record.nc")));
}

/* ---- Checkpoints, signals, resume -------------------------------------- */

/* About 2 s of work on 2 cores; a checkpoint every 300 memories. */
static const char longer[] = "[run]\nmemories = 6000\nbackend = cpu\n"
                             "[ensemble]\nsynapses = 200000\n"
                             "[synapse]\nmodel = cascade\nn = 8\n"
                             "[measure]\nmax_age = 1000\nevery = 7\n"
                             "[checkpoint]\nevery = 300\n";

/* `longer` as l.ini with its synapses divided by MP_TEST_SCALE (the
 * sanitizer run): these tests check behaviour, not statistics. */
static const char *write_longer(void)
{
    const char *s = getenv("MP_TEST_SCALE");
    unsigned long k = s ? strtoul(s, NULL, 10) : 1;
    char text[sizeof longer + 16], *at;
    snprintf(text, sizeof text, "%s", longer);
    at = strstr(text, "200000");
    if (k > 1)
        snprintf(at, sizeof text - (size_t)(at - text),
                 "%lu\n[synapse]\nmodel = cascade\nn = 8\n"
                 "[measure]\nmax_age = 1000\nevery = 7\n"
                 "[checkpoint]\nevery = 300\n",
                 200000 / k);
    return write_file("l.ini", text);
}

static void wait_for(const char *path)
{
    struct timespec ts = {0, 10000000};
    int i;
    for (i = 0; i < 1000 && access(path, F_OK); i++)
        nanosleep(&ts, NULL);
    cr_assert_eq(access(path, F_OK), 0, "%s never appeared", path);
}

/* The final checkpoints of two runs hold the same state and accumulators. */
static void assert_same_run(const char *a, const char *b)
{
    struct mp_config ca, cb;
    struct mp_ens_snapshot x, y;
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "%s/checkpoint.nc", a);
    snprintf(pb, sizeof pb, "%s/checkpoint.nc", b);
    cr_assert_eq(mp_io_ens_ckpt_read(pa, &ca, &x), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_io_ens_ckpt_read(pb, &cb, &y), 0, "%s", mp_errmsg());
    cr_assert_eq(x.done, y.done);
    cr_assert_eq(x.done, ca.memories + ca.burn_in, "not finished");
    cr_assert_eq(memcmp(x.state, y.state, x.synapses), 0, "states differ");
    cr_assert_eq(memcmp(x.count, y.count, x.n_ages * 8), 0);
    cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0, "means differ");
    cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0);
    mp_ens_snapshot_fini(&x);
    mp_ens_snapshot_fini(&y);
}

/* SIGTERM and SIGUSR1: a clean checkpoint, exit 75; resume finishes the
 * run exactly as an uninterrupted one; a second resume does nothing. */
Test(cli, signal_checkpoint_resume)
{
    const char *cfg = write_longer();
    const int sigs[] = {SIGTERM, SIGUSR1};
    int k;
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    for (k = 0; k < 2; k++) {
        char run[64], ck[96];
        struct stat s1, s2;
        pid_t pid;
        snprintf(run, sizeof run, "int%d", k);
        snprintf(ck, sizeof ck, "%s/checkpoint.nc", run);
        pid = spawn("run", cfg, "--out", path_in(run), NULL);
        wait_for(path_in(ck));
        kill(pid, sigs[k]);
        cr_assert_eq(reap(pid), 75, "%s", err);
        cr_expect(strstr(err, "stopped cleanly; resume with: metaplast "
                              "resume"),
                  "%s", err);
        cr_expect_eq(cli("info", path_in(ck), NULL), 0, "%s", err);
        cr_expect(strstr(out, "(resumable)"), "%s", out);
        cr_assert_eq(cli("resume", path_in(run), "--quiet", NULL), 0, "%s",
                     err);
        assert_same_run(path_in("ref"), path_in(run));
        /* Idempotent. */
        cr_assert_eq(stat(path_in(ck), &s1), 0);
        cr_expect_eq(cli("resume", path_in(run), NULL), 0, "%s", err);
        cr_expect(strstr(out, "the run is complete"), "%s", out);
        cr_assert_eq(stat(path_in(ck), &s2), 0);
        cr_expect_eq(s1.st_mtime, s2.st_mtime);
        cr_expect_eq(s1.st_size, s2.st_size);
    }
}

/* Killed outright (SIGKILL) after a checkpoint: resume from it reaches the
 * same final state as an uninterrupted run. */
Test(cli, sigkill_resume)
{
    const char *cfg = write_longer();
    pid_t pid;
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    pid = spawn("run", cfg, "--out", path_in("k"), "--quiet", NULL);
    wait_for(path_in("k/checkpoint.nc"));
    kill(pid, SIGKILL);
    cr_assert_eq(reap(pid), 128 + SIGKILL);
    cr_assert_eq(cli("resume", path_in("k/checkpoint.nc"), "--quiet", NULL),
                 0, "%s", err);
    assert_same_run(path_in("ref"), path_in("k"));
}

/* Resuming with a change to the physics is refused; extending is not. */
Test(cli, resume_changes)
{
    const char *cfg = write_file("a.ini", small);
    const char *run = path_in("r");
    cr_assert_eq(cli("run", cfg, "--out", run, "--quiet", NULL), 0, "%s", err);
    cr_expect_eq(cli("resume", run, "--set", "ensemble.synapses=5", NULL), 2);
    cr_expect(strstr(err, "ensemble.synapses cannot change (the checkpoint "
                          "has 4096, now 5)"),
              "%s", err);
    cr_expect_eq(cli("resume", run, "--set", "synapse.n=6", NULL), 2);
    cr_expect(strstr(err, "synapse.n cannot change"), "%s", err);
    cr_expect_eq(cli("resume", run, "--until", "100", NULL), 2);
    cr_expect(strstr(err, "already measured 300"), "%s", err);
    cr_expect_eq(cli("resume", run, "--memories", "x", NULL), 2);
    /* A run directory with a checkpoint is not run into again. */
    cr_expect_eq(cli("run", cfg, "--out", run, NULL), 2);
    cr_expect(strstr(err, "To continue it: metaplast resume"), "%s", err);
    /* Allowed: more memories, another thread count. */
    cr_expect_eq(cli("resume", run, "--memories", "100", "--threads", "1",
                     "--quiet", NULL),
                 0, "%s", err);
    cr_expect_eq(cli("info", path_in("r/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "400 of 400 stored (finished)"), "%s", out);
}

/* A fan-in run resumes under the other connectivity (the same bits:
 * stored and procedural differ only in where pre(i, k) comes from), and
 * finishes as the uninterrupted run; a changed fan-in is refused. */
Test(cli, resume_fan_in_other_connectivity)
{
    const char *cfg = write_file("attrc.ini", attr_cfg);
    double a[5], b[5];
    cr_assert_eq(cli("run", cfg, "--out", path_in("fref"), "--set",
                     "attractor.symmetry=independent", "--set",
                     "attractor.fan_in=20", "--quiet", NULL),
                 0, "%s", err);
    cr_assert_eq(cli("run", cfg, "--out", path_in("fpart"), "--set",
                     "attractor.symmetry=independent", "--set",
                     "attractor.fan_in=20", "--set", "run.memories=20",
                     "--quiet", NULL),
                 0, "%s", err);
    cr_expect_eq(cli("resume", path_in("fpart"), "--until", "30", "--set",
                     "attractor.fan_in=21", NULL),
                 2);
    cr_expect(strstr(err, "attractor.fan_in cannot change"), "%s", err);
    cr_assert_eq(cli("resume", path_in("fpart"), "--until", "30", "--set",
                     "attractor.connectivity=procedural", "--quiet", NULL),
                 0, "%s", err);
    read_doubles(path_in("fref/record.nc"), "overlap", a);
    read_doubles(path_in("fpart/record.nc"), "overlap", b);
    cr_expect_eq(memcmp(a, b, sizeof a), 0, "overlaps differ");
    read_doubles(path_in("fref/record.nc"), "sweeps", a);
    read_doubles(path_in("fpart/record.nc"), "sweeps", b);
    cr_expect_eq(memcmp(a, b, sizeof a), 0, "sweeps differ");
}

/* A full disk at a checkpoint: exit 3, the message says why, the previous
 * checkpoint is intact and still resumable. */
Test(cli, disk_full_keeps_checkpoint)
{
    const char *cfg = write_longer();
    pid_t pid;
    char before[65536];
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    pid = spawn("run", cfg, "--out", path_in("d"), "--quiet", NULL);
    wait_for(path_in("d/checkpoint.nc"));
    kill(pid, SIGTERM);
    cr_assert_eq(reap(pid), 75, "%s", err);
    cr_assert_eq(cli("info", path_in("d/checkpoint.nc"), NULL), 0);
    snprintf(before, sizeof before, "%s", out);
    setenv("MP_FAULT", "checkpoint-enospc", 1);
    cr_expect_eq(cli("resume", path_in("d"), "--quiet", NULL), 3);
    unsetenv("MP_FAULT");
    cr_expect(strstr(err, "checkpoint failed") &&
                  strstr(err, "No space left on device") &&
                  strstr(err, "the last checkpoint is intact"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("d/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "checksums:      OK"), "%s", out);
    cr_assert_eq(cli("resume", path_in("d"), "--quiet", NULL), 0, "%s", err);
    assert_same_run(path_in("ref"), path_in("d"));
}

Test(cli, info_on_bad_files)
{
    const char *p = write_file("junk.nc", "not netcdf\n");
    cr_expect_eq(cli("info", p, NULL), 2);
    cr_expect(strstr(err, "not a readable NetCDF file"), "%s", err);
    cr_expect_eq(cli("info", path_in("none.nc"), NULL), 2);
    cr_expect(strstr(err, "cannot read"), "%s", err);
    cr_expect_eq(cli("resume", p, NULL), 2);
    cr_expect(strstr(err, "not a readable NetCDF file"), "%s", err);
}

/* A real full disk: a 320 KiB tmpfs holds one checkpoint (216 KB) with its
 * record but not a second one beside it.  The first checkpoint succeeds,
 * the second fails: exit 3, the first is intact, and a copy of the run on
 * a roomy disk resumes to the uninterrupted result.  Needs root (mount);
 * skips itself otherwise. */
Test(cli, real_disk_full)
{
    const char *cfg = write_file("l.ini", longer);
    char cmd[1024];
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    mkdir(path_in("tfs"), 0777);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=320k tmpfs %s "
                              "2>/dev/null",
             path_in("tfs"));
    if (system(cmd) != 0)
        cr_skip_test("cannot mount a tmpfs here (needs root)");
    cr_expect_eq(cli("run", cfg, "--out", path_in("tfs/run"), "--quiet",
                     NULL),
                 3);
    cr_expect(strstr(err, "checkpoint failed") &&
                  strstr(err, "No space left on device") &&
                  strstr(err, "is intact"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("tfs/run/checkpoint.nc"), NULL), 0,
                 "%s", err);
    cr_expect(strstr(out, "300 of 6000 stored (resumable)") &&
                  strstr(out, "checksums:      OK"),
              "%s", out);
    snprintf(cmd, sizeof cmd, "cp -r %s %s && umount %s", path_in("tfs/run"),
             path_in("moved"), path_in("tfs"));
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(cli("resume", path_in("moved"), "--quiet", NULL), 0, "%s",
                 err);
    assert_same_run(path_in("ref"), path_in("moved"));
}

/* An output directory that cannot be created or written: exit 2 before
 * any work, naming the directory and the reason.  Then a run directory
 * that turns read-only under a finished run: extending it fails with exit
 * 3 and the checkpoint is left as it was.  The read-only cases need a
 * mount (root); they skip themselves otherwise. */
Test(cli, output_dir_not_writable)
{
    const char *cfg = write_file("s.ini", small);
    char ro[256], cmd[1024];
    struct stat a, b;
    write_file("plain", "a file\n");
    cr_expect_eq(cli("run", cfg, "--out", path_in("plain/run"), NULL), 2);
    cr_expect(strstr(err, "output.dir: cannot create") &&
                  strstr(err, "Not a directory"),
              "%s", err);
    snprintf(ro, sizeof ro, "%s", path_in("ro"));
    mkdir(ro, 0777);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=1m tmpfs %s 2>/dev/null",
             ro);
    if (system(cmd) != 0)
        cr_skip_test("cannot mount a tmpfs here (needs root)");
    mkdir(path_in("ro/empty"), 0777);
    cr_assert_eq(cli("run", cfg, "--out", path_in("ro/done"), "--quiet", NULL),
                 0, "%s", err);
    cr_assert_eq(stat(path_in("ro/done/checkpoint.nc"), &a), 0);
    snprintf(cmd, sizeof cmd, "mount -o remount,ro %s", ro);
    cr_assert_eq(system(cmd), 0);
    cr_expect_eq(cli("run", cfg, "--out", path_in("ro/new"), NULL), 2);
    cr_expect(strstr(err, "output.dir: cannot create") &&
                  strstr(err, "Read-only file system"),
              "%s", err);
    cr_expect_eq(cli("run", cfg, "--out", path_in("ro/empty"), NULL), 2);
    cr_expect(strstr(err, "output.dir: cannot write in") &&
                  strstr(err, "Read-only file system"),
              "%s", err);
    cr_expect_eq(cli("resume", path_in("ro/done"), "--memories", "100",
                     "--quiet", NULL),
                 3);
    cr_expect(strstr(err, "Read-only file system"), "%s", err);
    cr_expect_eq(stat(path_in("ro/done/checkpoint.nc"), &b), 0);
    cr_expect(a.st_size == b.st_size && a.st_mtime == b.st_mtime,
              "the checkpoint changed");
    cr_expect_eq(cli("info", path_in("ro/done/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "300 of 300 stored (finished)"), "%s", out);
    snprintf(cmd, sizeof cmd, "umount %s", ro);
    cr_assert_eq(system(cmd), 0);
}

/* ---- Rate networks ------------------------------------------------------ */


Test(cli, network_run)
{
    const char *cfg = write_file("n.ini", net_cfg);
    int nc, dim, var;
    size_t len = 0;
    double t_last = 0;
    cr_assert_eq(cli("run", cfg, "--out", path_in("net"), NULL), 0, "%s", err);
    cr_expect(strstr(out, "network: feedforward, dense, 16 inputs -> 3 neurons"),
              "%s", out);
    cr_expect(strstr(out, "preferred"), "%s", out);
    cr_assert_eq(nc_open(path_in("net/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_assert_eq(nc_inq_dimid(nc, "time", &dim), NC_NOERR);
    nc_inq_dimlen(nc, dim, &len);
    cr_expect_eq(len, 41u, "records: %zu (20 s / 0.5 s + 1)", len);
    cr_assert_eq(nc_inq_varid(nc, "time", &var), NC_NOERR);
    {
        size_t at = len - 1;
        nc_get_var1_double(nc, var, &at, &t_last);
    }
    cr_expect(fabs(t_last - 20.0) < 1e-9, "last record at %g s", t_last);
    cr_expect_eq(nc_inq_varid(nc, "response", &var), NC_NOERR);
    cr_expect_eq(nc_inq_varid(nc, "w_hist", &var), NC_NOERR);
    cr_expect_eq(nc_inq_varid(nc, "theta", &var), NC_NOERR);
    nc_close(nc);
    /* The Hopf warning, and what does not apply to networks. */
    cr_expect_eq(cli("validate", cfg, "--set", "bcm.tau_theta=30s", NULL), 0);
    cr_expect(strstr(err, "warning: bcm.tau_theta = 30s is past the Hopf "
                          "bifurcation"),
              "%s", err);
    cr_expect(strstr(err, "tau_theta,c = tau_w / (m^2 s^2 |p|^2 y0) = 20s"),
              "%s", err);
    cr_expect_eq(cli("theory", cfg, NULL), 2);
    cr_expect(strstr(err, "run.paradigm = network: the theory is for "
                          "synapse ensembles and attractor networks\n"),
              "%s", err);
    cr_expect_eq(cli("run", cfg, "--out", path_in("net2"), "--set",
                     "network.dt=20", NULL),
                 2);
    cr_expect(strstr(err, "network.dt: expected a time with a unit"), "%s",
              err);
}

/* Two network runs' records hold the same entries, bit for bit. */
static void assert_same_netrec(const char *ra, const char *rb)
{
    const char *vars[] = {"theta", "rate", "response", "w_mean", "time"};
    char pa[256], pb[256];
    int na, nb, va, vb;
    size_t la, lb, k, i;
    snprintf(pa, sizeof pa, "%s/record.nc", ra);
    snprintf(pb, sizeof pb, "%s/record.nc", rb);
    cr_assert_eq(nc_open(pa, NC_NOWRITE, &na), NC_NOERR);
    cr_assert_eq(nc_open(pb, NC_NOWRITE, &nb), NC_NOERR);
    for (k = 0; k < 5; k++) {
        int dims[3], nd, d;
        float *x, *y;
        nc_inq_varid(na, vars[k], &va);
        nc_inq_varid(nb, vars[k], &vb);
        nc_inq_varndims(na, va, &nd);
        nc_inq_vardimid(na, va, dims);
        for (d = 0, la = 1; d < nd; d++) {
            size_t l;
            nc_inq_dimlen(na, dims[d], &l);
            la *= l;
        }
        nc_inq_vardimid(nb, vb, dims);
        for (d = 0, lb = 1; d < nd; d++) {
            size_t l;
            nc_inq_dimlen(nb, dims[d], &l);
            lb *= l;
        }
        cr_assert_eq(la, lb, "%s: %zu vs %zu values", vars[k], la, lb);
        x = malloc(la * 8);
        y = malloc(lb * 8);
        nc_get_var(na, va, x);
        nc_get_var(nb, vb, y);
        for (i = 0; i < la * (k >= 3 ? 2 : 1); i++)
            cr_assert_eq(x[i], y[i], "%s differs at %zu", vars[k], i);
        free(x);
        free(y);
    }
    nc_close(na);
    nc_close(nb);
}

/* A network run killed (SIGKILL) after a checkpoint, having appended
 * records past it: resume drops them and the final record and weights
 * equal an uninterrupted run's. */
Test(cli, network_sigkill_resume)
{
    const char *cfg = write_file("nk.ini",
                                 "[run]\nparadigm = network\nduration = 60s\n"
                                 "[network]\ndt = 1ms\ninputs = 256\n"
                                 "neurons = 64\nw_init = 0.1\n"
                                 "[input]\npatterns = 8\nkind = binary\n"
                                 "noise = 0.1\n"
                                 "[bcm]\ntau_w = 20s\ntau_theta = 1s\n"
                                 "[record]\ninterval = 100ms\n"
                                 "[checkpoint]\nevery = 5000\n");
    pid_t pid;
    cr_assert_eq(cli("run", cfg, "--out", path_in("nref"), "--quiet", NULL),
                 0, "%s", err);
    pid = spawn("run", cfg, "--out", path_in("nk"), "--quiet", NULL);
    wait_for(path_in("nk/checkpoint.nc"));
    {
        struct timespec ts = {0, 150000000}; /* records past the checkpoint */
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    cr_assert_eq(reap(pid), 128 + SIGKILL);
    cr_assert_eq(cli("resume", path_in("nk"), "--quiet", NULL), 0, "%s", err);
    assert_same_netrec(path_in("nref"), path_in("nk"));
}

/* Disk full while the record is written (injected at the write, after
 * the checkpoint of the same save): exit 3 with the reason, the new
 * checkpoint and the previous record intact; resume ends as an
 * uninterrupted run. */
Test(cli, record_disk_full)
{
    const char *cfg = write_longer();
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    setenv("MP_FAULT", "record-enospc@3", 1);
    cr_expect_eq(cli("run", cfg, "--out", path_in("d"), "--quiet", NULL), 3);
    unsetenv("MP_FAULT");
    cr_expect(strstr(err, "record.nc: cannot write: No space left on device") &&
                  strstr(err, "the checkpoint is intact"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("d/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "900 of 6000"), "%s", out);
    cr_expect_eq(cli("info", path_in("d/record.nc"), NULL), 0, "%s", err);
    cr_assert_eq(cli("resume", path_in("d"), "--quiet", NULL), 0, "%s", err);
    assert_same_run(path_in("ref"), path_in("d"));
}

/* The same for a network record append: exit 3, the last checkpoint
 * intact; resume drops the entries past it and ends as an uninterrupted
 * run, record included. */
Test(cli, network_record_disk_full)
{
    const char *cfg = write_file("nf.ini",
                                 "[run]\nparadigm = network\nduration = 3s\n"
                                 "[network]\ndt = 1ms\ninputs = 16\n"
                                 "neurons = 4\nw_init = 0.5\n"
                                 "[input]\npatterns = 4\nswitch_every = 20ms\n"
                                 "[bcm]\ntau_w = 20s\ntau_theta = 1s\n"
                                 "[record]\ninterval = 100ms\n"
                                 "[checkpoint]\nevery = 250\n");
    cr_assert_eq(cli("run", cfg, "--out", path_in("nref"), "--quiet", NULL),
                 0, "%s", err);
    setenv("MP_FAULT", "record-enospc@12", 1);
    cr_expect_eq(cli("run", cfg, "--out", path_in("nd"), "--quiet", NULL), 3);
    unsetenv("MP_FAULT");
    cr_expect(strstr(err, "record.nc: cannot append: No space left on device") &&
                  strstr(err, "the last checkpoint is intact"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("nd/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "1000 of 3000"), "%s", out);
    cr_assert_eq(cli("resume", path_in("nd"), "--quiet", NULL), 0, "%s", err);
    assert_same_netrec(path_in("nref"), path_in("nd"));
}

/* A device error mid-run (injected where the backend is called): exit 3,
 * a message naming the error and the point reached, the last checkpoint
 * intact; resume ends as an uninterrupted run.  (A real CUDA error is
 * checked in tests/gpu.) */
Test(cli, device_error_mid_run)
{
    const char *cfg = write_longer();
    cr_assert_eq(cli("run", cfg, "--out", path_in("ref"), "--quiet", NULL), 0,
                 "%s", err);
    setenv("MP_FAULT", "device-error@150", 1);
    cr_expect_eq(cli("run", cfg, "--out", path_in("g"), "--quiet", NULL), 3);
    unsetenv("MP_FAULT");
    /* Where it fails depends on the slicing (timing); that it fails
     * after a checkpoint and before the end does not. */
    cr_expect(strstr(err, "run failed after ") &&
                  strstr(err, "device error in advance") &&
                  strstr(err, "the last checkpoint is intact"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("g/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "of 6000 stored (resumable)"), "%s", out);
    cr_expect(strstr(out, "checksums:      OK"), "%s", out);
    cr_assert_eq(cli("resume", path_in("g"), "--quiet", NULL), 0, "%s", err);
    assert_same_run(path_in("ref"), path_in("g"));
}

/* ---- Sweeps (without SLURM) -------------------------------------------- */

/* sweep.nc's base config (base.ini: the config with every --set), its
 * provenance and its text axis as a labelled auxiliary coordinate. */
static void check_sweep_globals(int nc)
{
    char text[8192] = "";
    unsigned long long synapses = 0;
    size_t len = 0;
    int var;
    cr_assert_eq(nc_inq_attlen(nc, NC_GLOBAL, "config_ini", &len), NC_NOERR);
    cr_assert(len < sizeof text);
    nc_get_att_text(nc, NC_GLOBAL, "config_ini", text);
    cr_expect(strstr(text, "[synapse]") && strstr(text, "memories = 300"),
              "%s", text);
    nc_get_att_ulonglong(nc, NC_GLOBAL, "config_ensemble_synapses",
                         &synapses);
    cr_expect_eq(synapses, 4096u);
    memset(text, 0, sizeof text);
    cr_assert_eq(nc_inq_attlen(nc, NC_GLOBAL, "sweep_command_line", &len),
                 NC_NOERR);
    nc_get_att_text(nc, NC_GLOBAL, "sweep_command_line", text);
    cr_expect(strstr(text, " sweep ") &&
                  strstr(text, "synapse.model=binary,cascade"),
              "%s", text);
    memset(text, 0, sizeof text);
    cr_assert_eq(nc_inq_attlen(nc, NC_GLOBAL, "Conventions", &len),
                 NC_NOERR);
    nc_get_att_text(nc, NC_GLOBAL, "Conventions", text);
    cr_expect_str_eq(text, "CF-1.8");
    cr_expect_eq(nc_inq_varid(nc, "synapse_model_label", &var), NC_NOERR);
    cr_expect_neq(nc_inq_varid(nc, "synapse_model", &var), NC_NOERR,
                  "a text axis has no coordinate variable");
}

Test(cli, sweep_and_collect)
{
    const char *cfg = write_file("s.ini", small);
    char sw[200], ini[300], run[300];
    int nc, dim, var;
    size_t len;
    signed char done[4];
    double life[4];
    snprintf(sw, sizeof sw, "%s", path_in("sw")); /* path_in's buffers rotate */
    cr_assert_eq(cli("sweep", cfg, "--vary", "synapse.model=binary,cascade",
                     "--seeds", "2", "--out", sw, NULL),
                 0, "%s", err);
    cr_expect(strstr(out, "sweep: 4 tasks"), "%s", out);
    cr_expect(file_exists(path_in("sw/sweep.sbatch")));
    cr_expect_eq(cli("sweep", cfg, "--vary", "synapse.model=binary", "--out",
                     sw, NULL),
                 2);
    cr_expect(strstr(err, "already holds a sweep"), "%s", err);
    write_file("plainfile", "x\n");
    cr_expect_eq(cli("sweep", cfg, "--vary", "synapse.model=binary", "--out",
                     path_in("plainfile/sw"), NULL),
                 2);
    cr_expect(strstr(err, "sweep: cannot create") &&
                  strstr(err, "Not a directory"),
              "%s", err);
    cr_expect_eq(cli("sweep", cfg, "--vary", "ensemble.f=0.5,2", "--out",
                     path_in("bad"), NULL),
                 2);
    cr_expect(strstr(err, "sweep task 0001 (ensemble.f=2): --set "
                          "ensemble.f=2: ensemble.f: expected"),
              "%s", err);
    cr_expect(!file_exists(path_in("bad")), "a refused sweep wrote files");
    cr_expect_eq(cli("sweep-status", sw, NULL), 0);
    cr_expect(strstr(out, "4 tasks: 4 not started"), "%s", out);
    /* Linked keys: one part per key, or a clear refusal. */
    cr_expect_eq(cli("sweep", cfg, "--vary",
                     "ensemble.synapses+synapse.n=4096:5,8192", "--out",
                     path_in("link"), NULL),
                 2);
    cr_expect(strstr(err, "needs one part per key, separated by ':'"), "%s",
              err);
    cr_expect(!file_exists(path_in("link")));
    cr_assert_eq(cli("sweep", cfg, "--vary",
                     "ensemble.synapses+synapse.n=4096:5,8192:6", "--out",
                     path_in("link"), NULL),
                 0, "%s", err);
    /* Run tasks 0 and 3 by hand, as the job array would. */
    snprintf(ini, sizeof ini, "%s/tasks/0000.ini", sw);
    snprintf(run, sizeof run, "%s/tasks/0000", sw);
    cr_assert_eq(cli("run", ini, "--out", run, "--quiet", NULL), 0, "%s", err);
    snprintf(ini, sizeof ini, "%s/tasks/0003.ini", sw);
    snprintf(run, sizeof run, "%s/tasks/0003", sw);
    cr_assert_eq(cli("run", ini, "--out", run, "--quiet", NULL), 0, "%s", err);
    cr_expect_eq(cli("sweep-status", sw, NULL), 0);
    cr_expect(strstr(out, "4 tasks: 2 done 2 not started"), "%s", out);
    cr_assert_eq(cli("collect", sw, NULL), 0, "%s", err);
    cr_expect(strstr(out, "2 of 4 tasks finished"), "%s", out);
    cr_assert_eq(nc_open(path_in("sw/sweep.nc"), NC_NOWRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_inq_dimid(nc, "synapse_model", &dim), NC_NOERR);
    nc_inq_dimlen(nc, dim, &len);
    cr_expect_eq(len, 2u);
    cr_assert_eq(nc_inq_dimid(nc, "seed", &dim), NC_NOERR);
    nc_inq_dimlen(nc, dim, &len);
    cr_expect_eq(len, 2u);
    nc_inq_varid(nc, "complete", &var);
    nc_get_var_schar(nc, var, done);
    nc_inq_varid(nc, "lifetime", &var);
    nc_get_var_double(nc, var, life);
    check_sweep_globals(nc);
    nc_close(nc);
    /* Cells in task order: (binary, 1), (binary, 2), (cascade, 1), ... */
    cr_expect(done[0] == 1 && done[1] == 0 && done[2] == 0 && done[3] == 1);
    cr_expect(!isnan(life[0]) && isnan(life[1]) && !isnan(life[3]));
    cr_expect_eq(cli("collect", path_in("nothing"), NULL), 2);
    cr_expect(strstr(err, "not a sweep directory"), "%s", err);
}

/* A run larger than the machine is refused up front, with the estimate;
 * validate prints the estimate. */
Test(cli, memory_refused_up_front)
{
    const char *cfg = write_file("m.ini", small);
    cr_expect_eq(cli("run", cfg, "--out", path_in("huge"), "--set",
                     "ensemble.synapses=1e12", NULL),
                 2);
    cr_expect(strstr(err, "the run needs 2e+03 GB of memory") &&
                  strstr(err, "GB available; reduce ensemble.synapses"),
              "%s", err);
    cr_expect(!file_exists(path_in("huge")));
    cr_expect_eq(cli("validate", cfg, NULL), 0);
    cr_expect(strstr(out, "memory: ") && strstr(out, "GB available"), "%s",
              out);
    cr_expect(!strstr(out, "would refuse"), "%s", out);
    cr_expect_eq(cli("validate", cfg, "--set", "ensemble.synapses=1e12",
                     NULL),
                 0);
    cr_expect(strstr(out, "warning: this machine has") &&
                  strstr(out, "`run` would refuse it here"),
              "%s", out);
}

/* A build without MPI started by an MPI launcher would run the whole job
 * once per rank: refused, exit 2, nothing written.  (With MPI: tests/mpi.) */
Test(cli, mpi_launcher_without_mpi)
{
#ifdef MP_HAVE_MPI
    cr_skip_test("this build has MPI; tests/mpi/test_mpi.sh covers it");
#else
    const char *cfg = write_file("s.ini", small);
    setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
    cr_expect_eq(cli("run", cfg, "--out", path_in("r"), NULL), 2);
    unsetenv("OMPI_COMM_WORLD_SIZE");
    cr_expect(strstr(err, "started by an MPI launcher, but this build has no "
                          "MPI"),
              "%s", err);
    cr_expect(!file_exists(path_in("r")));
#endif
}

/* A network whose rates overflow: the next measurement stops it (exit 3)
 * naming the array, index and step; the state goes to a diagnostic
 * checkpoint that resume refuses; the last good checkpoint stays. */
Test(cli, network_nonfinite_stops)
{
    const char *cfg = write_file("nan.ini",
                                 "[run]\nparadigm = network\nduration = 2s\n"
                                 "[network]\ndt = 1ms\ntopology = recurrent\n"
                                 "inputs = 4\nneurons = 20\nw_init = 0.5\n"
                                 "w_init_recurrent = 1\n"
                                 "[input]\npatterns = 2\n"
                                 "[bcm]\nrule = none\n"
                                 "[record]\ninterval = 10ms\n"
                                 "[checkpoint]\nevery = 20\n");
    cr_expect_eq(cli("run", cfg, "--out", path_in("nan"), "--quiet", NULL),
                 3);
    cr_expect(strstr(err, "current[0] = inf at step 40") &&
                  strstr(err, "the rates ran away"),
              "%s", err);
    cr_expect_eq(cli("info", path_in("nan/checkpoint.nc"), NULL), 0);
    cr_expect(strstr(out, "20 of 2000 stored (resumable)"), "%s", out);
    cr_expect_eq(cli("info", path_in("nan/checkpoint-diagnostic.nc"), NULL),
                 0);
    cr_expect(strstr(out, "DIAGNOSTIC:     non-finite value current[0]"),
              "%s", out);
    cr_expect_eq(cli("resume", path_in("nan/checkpoint-diagnostic.nc"), NULL),
                 2);
    cr_expect(strstr(err, "a diagnostic checkpoint"), "%s", err);
}

/* Bad [record] values: exit 2 before any work, naming the file or --set,
 * the key and what is wrong; nothing is written. */
Test(cli, bad_record_values_refused)
{
    const char *cfg = write_file("rec.ini", net_cfg);
    const char *ens = write_file("erec.ini", small);
    const char *run = path_in("never");
    cr_expect_eq(cli("run", cfg, "--out", run, "--set",
                     "record.weights=every:0", NULL),
                 2);
    cr_expect(strstr(err, "--set record.weights=every:0: record.weights: "
                          "expected none, all, every:K"),
              "%s", err);
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "record.weights=3",
                     NULL),
                 2);
    cr_expect(strstr(err, "record.weights: neuron 3 does not exist: "
                          "network.neurons = 3"),
              "%s", err);
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "record.states=on",
                     NULL),
                 2);
    cr_expect(strstr(err, "record.states: the occupancy of discrete synapse "
                          "states needs network.synapse = discrete"),
              "%s", err);
    /* The size check counts the weights (41 entries of 3 x 16 weights). */
    cr_expect_eq(cli("run", cfg, "--out", run, "--set", "record.weights=all",
                     "--set", "record.histogram_bins=1", "--set",
                     "record.max_bytes=10000", NULL),
                 2);
    cr_expect(strstr(err, "record.weights: the run would record") &&
                  strstr(err, "41 records of"),
              "%s", err);
    cr_expect_eq(cli("validate", ens, "--set", "record.weights=all", NULL),
                 2);
    cr_expect(strstr(err, "record.weights is a network key; this run's "
                          "paradigm is ensemble"),
              "%s", err);
    cr_expect_eq(cli("run", ens, "--out", run, "--set", "record.states=on",
                     "--set", "record.max_bytes=2000", NULL),
                 2);
    cr_expect(strstr(err, "record.states: the record would take"), "%s",
              err);
    cr_expect(!file_exists(run), "the output directory was created");
    cr_expect_eq(cli("validate", cfg, "--set", "record.weights=0, 2", NULL),
                 0, "%s", err);
}

/* record.silent_after: every neuron silent while phase 2 shows nothing
 * (3 s to 7 s) is reported once, at 5 s, and recorded in `silent`; off,
 * the record has no such variable. */
Test(cli, network_silent_neurons)
{
    const char *cfg = write_file(
        "sil.ini", "[run]\nparadigm = network\nduration = 10s\n"
                   "backend = cpu\n[network]\ndt = 1ms\ninputs = 4\n"
                   "neurons = 2\nw_init = 0.5\n[input]\npatterns = 1\n"
                   "[bcm]\ntau_w = 1s\ntau_theta = 0.2s\n"
                   "[protocol]\ndurations = 3s, 4s, 3s\nscale = 1, 0, 1\n"
                   "[record]\ninterval = 500ms\nsilent_after = 2s\n");
    const char *line = "t = 5s: neuron %u silent (mean rate <= 0) for 2s";
    char want[128];
    double v[2] = {0, 0};
    size_t at[2] = {14, 0}, cnt[2] = {1, 2};
    int nc, var;
    uint32_t i;
    cr_assert_eq(cli("run", cfg, "--out", path_in("sil"), "--quiet", NULL),
                 0, "%s", err);
    for (i = 0; i < 2; i++) {
        snprintf(want, sizeof want, line, i);
        cr_expect(strstr(err, want), "%s", err);
        cr_expect(!strstr(strstr(err, want) + 1, want), "twice: %s", err);
    }
    cr_expect(strstr(err, "t = 5s: 2 of 2 neurons silent"), "%s", err);
    cr_assert_eq(nc_open(path_in("sil/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_assert_eq(nc_inq_varid(nc, "silent", &var), NC_NOERR);
    nc_get_vara_double(nc, var, at, cnt, v); /* t = 7 s */
    cr_expect(v[0] == 4.0 && v[1] == 4.0, "%g %g", v[0], v[1]);
    at[0] = 15; /* 7.5 s: firing again */
    nc_get_vara_double(nc, var, at, cnt, v);
    cr_expect(v[0] == 0.0 && v[1] == 0.0, "%g %g", v[0], v[1]);
    nc_close(nc);
    cr_assert_eq(cli("run", cfg, "--out", path_in("sil0"), "--quiet", "--set",
                     "record.silent_after=0", NULL),
                 0, "%s", err);
    cr_expect(!strstr(err, "silent"), "%s", err);
    cr_assert_eq(nc_open(path_in("sil0/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_expect_neq(nc_inq_varid(nc, "silent", &var), NC_NOERR);
    nc_close(nc);
}
