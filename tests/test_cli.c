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

#include "metaplast/config.h"

static char dir[128];
static char out[65536], err[65536];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-cli-%ld", (long)getpid());
    mkdir(dir, 0777);
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
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

/* Runs metaplast with the arguments (NULL-terminated); returns the exit
 * status, stdout and stderr in out / err. */
static int cli(const char *first, ...)
{
    const char *argv[32];
    char po[256], pe[256];
    va_list ap;
    int argc = 1, status;
    pid_t pid;

    argv[0] = MP_CLI_PATH;
    argv[argc++] = first;
    va_start(ap, first);
    while (argc < 31 && (argv[argc] = va_arg(ap, const char *)))
        argc++;
    va_end(ap);
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
    waitpid(pid, &status, 0);
    slurp(po, out, sizeof out);
    slurp(pe, err, sizeof err);
    unlink(po);
    unlink(pe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
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

static int file_exists(const char *p)
{
    return access(p, F_OK) == 0;
}

Test(cli, help_version_usage)
{
    cr_expect_eq(cli("--help", NULL), 0);
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
    char msg[512], want[512];
    cr_assert_eq(cli("run", cfg, "--out", run, "--set", "run.seed=3", NULL), 0,
                 "%s", err);
    snprintf(want, sizeof want, "results: %s/record.nc", run);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "SNR(0)"), "%s", out);
    cr_expect(strstr(out, "backend: cpu"), "%s", out);
    cr_expect(file_exists(path_in("run1/record.nc")));
    /* The resolved config reads back, with the override in it. */
    mp_config_init(&c);
    cr_assert_eq(mp_config_load(&c, path_in("run1/config.ini"), msg,
                                sizeof msg),
                 0, "%s", msg);
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
    cr_expect(file_exists(path_in("th/theory.nc")));
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

/* --quiet prints no progress; without a terminal, progress goes to stderr
 * as log lines only (none in a run this short). */
Test(cli, quiet)
{
    const char *cfg = write_file("a.ini", small);
    cr_assert_eq(cli("run", cfg, "--out", path_in("q"), "--quiet", NULL), 0);
    cr_expect_str_eq(err, "");
    cr_expect(strstr(out, "results: "), "%s", out);
    cr_expect(!strstr(out, "SNR(0)"), "%s", out);
}
