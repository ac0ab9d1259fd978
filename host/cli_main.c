/* SPDX-License-Identifier: MIT */
/* cli_main.c: the metaplast command line (public API only). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/metaplast.h"

#include "cli.h"

static const char usage[] =
    "usage: metaplast run CONFIG [--set section.key=value]... [--out DIR]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--quiet]\n"
    "       metaplast theory CONFIG [--set section.key=value]... [--out DIR]\n"
    "       metaplast validate CONFIG [--set section.key=value]...\n"
    "       metaplast --help | --version\n";

static const char help[] =
    "\n"
    "Simulates synapse ensembles storing a stream of memories and measures\n"
    "how their traces decay (binary, cascade and serial synapses).\n"
    "\n"
    "commands:\n"
    "  run       simulate; writes DIR/record.nc and DIR/config.ini\n"
    "  theory    the exact expected curve, no simulation; DIR/theory.nc\n"
    "  validate  check a configuration and print what it would need\n"
    "\n"
    "options:\n"
    "  --set section.key=value  override one config key (repeatable)\n"
    "  --out DIR                run directory (output.dir)\n"
    "  --backend B              auto (CUDA if a device is present), cpu, "
    "cuda\n"
    "  --threads N              CPU threads, 0 = all (run.threads)\n"
    "  --quiet                  no progress output\n"
    "\n"
    "exit status: 0 done, 2 bad input (arguments, config, files; nothing\n"
    "is written), 3 runtime failure (device, I/O).\n"
    "A run refuses a DIR that already holds a run (record.nc or\n"
    "config.ini): choose another --out, or remove the old one.\n"
    "Config keys: docs/CONFIG.md.\n";

struct args {
    const char *command;
    const char *config;
    const char *sets[256];
    int n_sets;
    const char *out;
    const char *backend;
    const char *threads;
    int quiet;
};

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "metaplast: %s%s%s\n%s", msg, arg ? ": " : "",
            arg ? arg : "", usage);
    return MP_EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    int i;
    memset(a, 0, sizeof *a);
    a->command = argv[1];
    for (i = 2; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--set") || !strcmp(s, "--out") ||
                   !strcmp(s, "--backend") || !strcmp(s, "--threads")) {
            if (!has_value)
                return usage_error("option needs a value", s);
            if (!strcmp(s, "--set")) {
                if (a->n_sets == 256)
                    return usage_error("too many --set options", NULL);
                a->sets[a->n_sets++] = argv[++i];
            } else if (!strcmp(s, "--out")) {
                a->out = argv[++i];
            } else if (!strcmp(s, "--backend")) {
                a->backend = argv[++i];
            } else {
                a->threads = argv[++i];
            }
        } else if (s[0] == '-' && s[1]) {
            return usage_error("unknown option", s);
        } else if (!a->config) {
            a->config = s;
        } else {
            return usage_error("unexpected argument", s);
        }
    }
    if (!a->config)
        return usage_error("missing CONFIG file", NULL);
    if (strcmp(a->command, "run") &&
        (a->backend || a->threads || (a->quiet && !strcmp(a->command, "validate"))))
        return usage_error("option not valid for this command",
                           a->backend ? "--backend" : a->threads ? "--threads" : "--quiet");
    if (!strcmp(a->command, "validate") && a->out)
        return usage_error("option not valid for this command", "--out");
    return 0;
}

/* Config file + --set + the options that stand for keys, validated. */
static int load_config(const struct args *a, struct mp_config *c)
{
    char err[2048], buf[MP_CFG_MAX_PATH + 32];
    int i, n = a->n_sets;
    mp_config_init(c);
    if (mp_config_load(c, a->config, err, sizeof err))
        goto bad;
    for (i = 0; i < a->n_sets; i++)
        if (mp_config_set(c, a->sets[i], i + 1, err, sizeof err))
            goto bad;
    if (a->out) {
        snprintf(buf, sizeof buf, "output.dir=%s", a->out);
        if (mp_config_set(c, buf, ++n, err, sizeof err))
            goto bad;
    }
    if (a->backend) {
        snprintf(buf, sizeof buf, "run.backend=%s", a->backend);
        if (mp_config_set(c, buf, ++n, err, sizeof err))
            goto bad;
    }
    if (a->threads) {
        snprintf(buf, sizeof buf, "run.threads=%s", a->threads);
        if (mp_config_set(c, buf, ++n, err, sizeof err))
            goto bad;
    }
    if (mp_config_validate(c, err, sizeof err))
        goto bad;
    return 0;
bad:
    fprintf(stderr, "metaplast: %s\n", err);
    return MP_EXIT_USAGE;
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

/* mkdir -p. */
static int make_dirs(const char *path)
{
    char tmp[MP_CFG_MAX_PATH];
    char *p;
    snprintf(tmp, sizeof tmp, "%s", path);
    for (p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0777) && errno != EEXIST)
        return -1;
    return 0;
}

static int exists(const char *dir, const char *name)
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
        fprintf(stderr, "metaplast: output.dir: '%s' exists and is not a "
                        "directory\n", dir);
        return MP_EXIT_USAGE;
    }
    if (exists(dir, "record.nc") || exists(dir, "config.ini")) {
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
    if (make_dirs(dir)) {
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

static char *config_text(const struct mp_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    mp_config_write(c, f);
    fclose(f);
    return buf;
}

static void print_curve(const struct mp_curve *c, const double *sig_th,
                        const double *snr_th)
{
    size_t k, step = c->n > 16 ? (c->n + 15) / 16 : 1;
    printf("  %10s  %12s  %12s  %10s  %12s  %8s\n", "age", "signal",
           "+- sem", "snr", "snr_theory", "probes");
    for (k = 0; k < c->n; k++) {
        if (k % step && k != c->n - 1)
            continue;
        printf("  %10llu  %12.5g  %12.2g  %10.4g  %12.4g  %8lld\n",
               (unsigned long long)c->age[k], c->signal[k],
               c->signal_sem[k], c->snr[k], snr_th[k],
               (long long)c->probes[k]);
        (void)sig_th;
    }
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

static int cmd_run(const struct args *a, const char *cmdline)
{
    struct mp_config c;
    struct mp_sim *sim = NULL;
    struct mp_curve curve;
    struct mp_theory th;
    struct progress pr;
    struct mp_provenance prov;
    double *sig_th = NULL, *snr_th = NULL, t0;
    char err[2048], path[MP_CFG_MAX_PATH + 64], lt[64], ltt[64];
    char *text;
    uint64_t slice = 1;
    int rc;

    if ((rc = load_config(a, &c)))
        return rc;
    if ((rc = check_out_dir(c.dir)))
        return rc;
    if (mp_theory_compute(&c, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->config, err);
        return MP_EXIT_USAGE;
    }
    rc = mp_sim_create(&sim, &c, err, sizeof err);
    if (rc) {
        fprintf(stderr, "metaplast: %s\n", err);
        return rc == MP_EINVAL || rc == MP_ENODEV || rc == MP_ENOTSUP ||
                       rc == MP_ENOMEM
                   ? MP_EXIT_USAGE
                   : MP_EXIT_RUNTIME;
    }
    if ((rc = prepare_dir(c.dir)))
        goto out_sim;
    text = config_text(&c);
    snprintf(path, sizeof path, "%s/config.ini", c.dir);
    if (!text || mp_io_write_text(path, text, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", text ? err : "out of memory");
        free(text);
        rc = MP_EXIT_RUNTIME;
        goto out_sim;
    }
    free(text);
    if (!a->quiet) {
        describe(&c);
        printf("backend: %s%s (%s)\n", mp_sim_backend(sim),
               c.backend == MP_BACKEND_AUTO ? " (picked by auto)" : "",
               mp_sim_device(sim));
        printf("memories: %llu burn-in + %llu measured, a measurement "
               "every %llu\n",
               (unsigned long long)c.burn_in,
               (unsigned long long)c.memories,
               (unsigned long long)c.every);
        fflush(stdout);
    }

    mp_progress_start(&pr, a->quiet, mp_sim_total(sim), c.synapses);
    t0 = mp_cli_now();
    while (mp_sim_done(sim) < mp_sim_total(sim)) {
        double s0 = mp_cli_now(), dt;
        rc = mp_sim_advance(sim, slice);
        if (rc) {
            fprintf(stderr, "\nmetaplast: run failed after %llu memories: "
                            "%s\n",
                    (unsigned long long)mp_sim_done(sim),
                    mp_sim_errmsg(sim));
            rc = MP_EXIT_RUNTIME;
            goto out_sim;
        }
        /* Slices of about 0.2 s keep the progress line alive. */
        dt = mp_cli_now() - s0;
        if (dt < 0.1 && slice < (UINT64_C(1) << 40))
            slice *= 2;
        else if (dt > 0.4 && slice > 1)
            slice /= 2;
        mp_progress_update(&pr, mp_sim_done(sim));
    }
    mp_progress_end(&pr, mp_sim_done(sim));

    if (mp_sim_curve(sim, &curve)) {
        fprintf(stderr, "metaplast: out of memory\n");
        rc = MP_EXIT_RUNTIME;
        goto out_sim;
    }
    sig_th = calloc(curve.n, sizeof *sig_th);
    snr_th = calloc(curve.n, sizeof *snr_th);
    if (!sig_th || !snr_th ||
        mp_theory_curve(&c, curve.age, curve.n, sig_th, snr_th, err,
                        sizeof err)) {
        fprintf(stderr, "metaplast: theory: %s\n",
                sig_th && snr_th ? err : "out of memory");
        rc = MP_EXIT_RUNTIME;
        goto out_curve;
    }
    prov.command_line = cmdline;
    prov.backend = mp_sim_backend(sim);
    prov.device = mp_sim_device(sim);
    snprintf(path, sizeof path, "%s/record.nc", c.dir);
    if (mp_io_write_record(path, &c, &curve, sig_th, snr_th, &th, &prov,
                           err, sizeof err)) {
        fprintf(stderr, "metaplast: %s\n", err);
        rc = MP_EXIT_RUNTIME;
        goto out_curve;
    }
    if (!a->quiet) {
        double el = mp_cli_now() - t0;
        lifetime_text(curve.lifetime, lt, sizeof lt);
        lifetime_text(th.lifetime, ltt, sizeof ltt);
        printf("done in %.1f s (%.3g synapse updates/s)\n", el,
               el > 0 ? (double)mp_sim_total(sim) * (double)c.synapses / el
                      : 0.0);
        print_curve(&curve, sig_th, snr_th);
        printf("SNR(0): %.4g +- %.2g (theory %.4g)\n", curve.snr[0],
               curve.snr_sem[0], th.snr0);
        printf("lifetime (largest age on the grid with SNR >= 1): %s "
               "(theory, exact: %s)\n",
               lt, ltt);
    }
    printf("results: %s/record.nc (config: %s/config.ini)\n", c.dir, c.dir);
    rc = 0;
out_curve:
    free(sig_th);
    free(snr_th);
    mp_curve_fini(&curve);
out_sim:
    mp_sim_destroy(sim);
    return rc;
}

static int cmd_theory(const struct args *a, const char *cmdline)
{
    struct mp_config c;
    struct mp_theory th;
    struct mp_provenance prov = {cmdline, NULL, NULL};
    uint64_t *ages;
    double *sig, *snr;
    size_t n, k, step;
    char err[2048], path[MP_CFG_MAX_PATH + 64], lt[64];
    int rc;

    if ((rc = load_config(a, &c)))
        return rc;
    if (mp_theory_compute(&c, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->config, err);
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
    if (mp_theory_compute(&c, &th, err, sizeof err)) {
        fprintf(stderr, "metaplast: %s: %s\n", a->config, err);
        return MP_EXIT_USAGE;
    }
    updates = (double)c.synapses * (double)(c.memories + c.burn_in);
    printf("%s: valid\n", a->config);
    describe(&c);
    printf("memories: %llu burn-in + %llu measured; %zu ages up to %llu\n",
           (unsigned long long)c.burn_in, (unsigned long long)c.memories,
           mp_config_ages(&c, NULL, 0),
           (unsigned long long)(c.n_ages ? c.ages[c.n_ages - 1]
                                         : c.max_age));
    printf("state: %.3g MB (one byte per synapse); work: %.3g synapse "
           "updates\n",
           (double)c.synapses / 1e6, updates);
    printf("output: %s\n", c.dir);
    return 0;
}

int main(int argc, char **argv)
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
        printf("metaplast %s (CUDA backend: %s)\n", MP_VERSION_STRING,
#ifdef MP_HAVE_CUDA
               "built"
#else
               "not built"
#endif
        );
        return 0;
    }
    if (strcmp(argv[1], "run") && strcmp(argv[1], "theory") &&
        strcmp(argv[1], "validate"))
        return usage_error("unknown command", argv[1]);
    if ((rc = parse_args(argc, argv, &a)))
        return rc;
    join_args(argc, argv, cmdline, sizeof cmdline);
    if (!strcmp(a.command, "run"))
        return cmd_run(&a, cmdline);
    if (!strcmp(a.command, "theory"))
        return cmd_theory(&a, cmdline);
    return cmd_validate(&a);
}
