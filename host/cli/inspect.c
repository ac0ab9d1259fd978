/* SPDX-License-Identifier: MIT */
/* inspect.c: the commands that run nothing: theory, validate, info; and
 * the descriptions of a configuration the commands print. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void mp_cli_describe(const struct mp_config *c)
{
    const struct mp_syn_params *s = &c->syn;
    printf("model: %s", mp_model_name(s->model));
    if (s->model == MP_SYN_CASCADE)
        printf(" (n = %u, x = %g)", s->n, s->x);
    else if (s->model == MP_SYN_SERIAL)
        printf(" (M = %u states, q = %g)", s->n, s->q);
    else if (s->model == MP_SYN_BINARY)
        printf(" (q+ = %g, q- = %g)", s->q_plus, s->q_minus);
    else if (s->model == MP_SYN_BENNA_FUSI)
        printf(" (m = %u, C_k = %g^(k-1), g_(k,k+1) = %g / %g^(k-1), "
               "eta = %g, %s)",
               s->bf.m, s->bf.c_ratio, s->bf.g0, s->bf.g_ratio, s->bf.eta,
               s->bf.bound > 0 ? "bounded; the theory is the unbounded "
                                 "chain's"
                               : "unbounded");
    printf(", N = %llu synapses, f = %g\n",
           (unsigned long long)c->synapses, c->f);
}

static double net_synapses(const struct mp_config *c)
{
    return (double)c->n_out *
           (c->fan_in ? c->fan_in : c->n_in + (c->recurrent ? c->n_out : 0));
}

void mp_cli_describe_net(const struct mp_config *c)
{
    char rule[32], kind[32], topology[32];
    /* The names as config.ini writes them (one table for both). */
    mp_config_value(c, "bcm.rule", rule, sizeof rule);
    mp_config_value(c, "input.kind", kind, sizeof kind);
    mp_config_value(c, "network.topology", topology, sizeof topology);
    printf("network: %s%s, %u inputs -> %u neurons (%.0f synapses), "
           "%u %s patterns every %gs; rule %s, tau_w %gs, tau_theta %gs, "
           "y0 %g, modulator %g; dt %gs, %gs simulated\n",
           topology, c->fan_in ? ", sparse" : ", dense", c->n_in, c->n_out,
           net_synapses(c), c->patterns, kind, c->switch_s, rule, c->tau_w_s,
           c->tau_theta_s, c->y0, c->modulator, c->dt_s, c->duration_s);
    if (c->scaling_interval_s > 0)
        printf("synaptic scaling every %gs to rate %g (alpha %g, factor "
               "within 1/%g..%g)\n",
               c->scaling_interval_s, c->target_rate, c->scaling_alpha,
               c->scaling_max, c->scaling_max);
}

void mp_cli_warnings(const struct mp_config *c)
{
    /* Room for a Hopf line (under 1280 characters, the priming clause
     * included) for each of the 32 protocol phases. */
    char buf[32 * 1280], *line, *save = NULL;
    if (!mp_config_warnings(c, buf, sizeof buf))
        return;
    for (line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
        fprintf(stderr, "metaplast: warning: %s\n", line);
}

void mp_cli_lifetime(double t, char *buf, size_t len)
{
    if (t < 0)
        snprintf(buf, len, "none (SNR < 1 at every age)");
    else if (isinf(t))
        snprintf(buf, len, "beyond 2^62 memories");
    else
        snprintf(buf, len, "%.0f memories", t);
}

void mp_cli_lifetime_poisson(double t, char *buf, size_t len)
{
    if (t < 0)
        snprintf(buf, len, "none (SNR < 1 at every time)");
    else if (isinf(t))
        snprintf(buf, len, "beyond 2^62 in Poisson time");
    else
        snprintf(buf, len, "%.7g in Poisson time", t);
}

/* What `theory` prints: one clock or both. */
enum { SHOW_MEMORIES = 1, SHOW_POISSON = 2, SHOW_BOTH = 3 };

/* The slowest eigen-timescales (at most 3) in one clock, as text. */
static void slowest(const struct mp_theory *th, int poisson, char *buf,
                    size_t len)
{
    const double *tau = poisson ? th->tau_poisson : th->tau_memories;
    uint32_t k;
    buf[0] = '\0';
    for (k = 0; k < th->modes && k < 3; k++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%.6g",
                 k ? ", " : "", tau[k]);
    snprintf(buf + strlen(buf), len - strlen(buf), "%s",
             poisson ? " in Poisson time" : " memories");
}

/* The summary: clock, SNR(0), area, lifetime, timescales, with the
 * Lahiri-Ganguli bounds for this number of states. */
static void theory_summary(const struct mp_config *c,
                           const struct mp_theory *th, int show)
{
    char lt[64], ltp[64], tm[160], tp[160];
    mp_cli_describe(c);
    mp_cli_lifetime(th->lifetime, lt, sizeof lt);
    mp_cli_lifetime_poisson(th->lifetime_poisson, ltp, sizeof ltp);
    slowest(th, 0, tm, sizeof tm);
    slowest(th, 1, tp, sizeof tp);
    printf("clock: %s\n",
           show == SHOW_MEMORIES
               ? "memories (one memory per step; t in memories)"
           : show == SHOW_POISSON
               ? "Poisson time (memories arrive at rate 1; tau in mean "
                 "memories)"
               : "memories (one memory per step; t in memories) and "
                 "Poisson time (memories arrive at rate 1; tau in mean "
                 "memories)");
    if (isnan(th->bound_snr0)) { /* no discrete states: no such bounds */
        printf("SNR(0) = %.6g, either clock\n", th->snr0);
        printf("area = %.6g SNR x memories, either clock\n", th->area_snr);
    } else {
        printf("SNR(0) = %.6g, either clock (bound sqrt(N) = %.6g)\n",
               th->snr0, th->bound_snr0);
        printf("area = %.6g SNR x memories, either clock (bound "
               "sqrt(N)(M-1) = %.6g, M = %u states)\n",
               th->area_snr, th->bound_area, th->states);
    }
    if (show & SHOW_MEMORIES)
        printf("lifetime = %s\n", lt);
    if ((show & SHOW_POISSON) && isnan(th->bound_lifetime))
        printf("lifetime = %s\n", ltp);
    else if (show & SHOW_POISSON)
        printf("lifetime = %s (bound sqrt(N)(M-1)/e = %.6g)\n", ltp,
               th->bound_lifetime);
    printf("slowest modes: %s%s%s (%u modes in theory.nc)\n",
           show & SHOW_MEMORIES ? tm : "", show == SHOW_BOTH ? "; " : "",
           show & SHOW_POISSON ? tp : "", th->modes);
}

/* The theory's table, 16 rows at most, a pair of columns per clock. */
static void theory_table(const uint64_t *ages, const double *const v[4],
                         size_t n, int show)
{
    size_t k, step = n > 16 ? (n + 15) / 16 : 1;
    printf("  %10s", show == SHOW_MEMORIES  ? "t"
                     : show == SHOW_POISSON ? "tau"
                                            : "t = tau");
    if (show & SHOW_MEMORIES)
        printf("  %14s  %12s", "E[m(t)]", "SNR(t)");
    if (show & SHOW_POISSON)
        printf("  %14s  %12s", "E[m(tau)]", "SNR(tau)");
    printf("\n");
    for (k = 0; k < n; k++) {
        if (k % step && k != n - 1)
            continue;
        printf("  %10llu", (unsigned long long)ages[k]);
        if (show & SHOW_MEMORIES)
            printf("  %14.6g  %12.6g", v[0][k], v[1][k]);
        if (show & SHOW_POISSON)
            printf("  %14.6g  %12.6g", v[2][k], v[3][k]);
        printf("\n");
    }
}

/* --clock (memories, poisson, both) over measure.clock: what to show,
 * and the clock of the files; 0 for a bad value. */
static int clock_option(const struct args *a, struct mp_config *c)
{
    if (!a->clock)
        return c->clock == MP_CLOCK_POISSON ? SHOW_POISSON : SHOW_MEMORIES;
    if (!strcmp(a->clock, "memories")) {
        c->clock = MP_CLOCK_MEMORIES;
        return SHOW_MEMORIES;
    }
    if (strcmp(a->clock, "poisson") && strcmp(a->clock, "both")) {
        fprintf(stderr, "metaplast: --clock: expected memories, poisson or "
                        "both, got '%s'\n",
                a->clock);
        return 0;
    }
    c->clock = MP_CLOCK_POISSON;
    return strcmp(a->clock, "both") ? SHOW_POISSON : SHOW_BOTH;
}

/* The last line, --quiet or not: the file, SNR(0), the lifetimes shown. */
static void theory_line(const char *path, const struct mp_theory *th,
                        int show)
{
    char lt[64] = "", ltp[64] = "";
    if (show & SHOW_MEMORIES)
        mp_cli_lifetime(th->lifetime, lt, sizeof lt);
    if (show & SHOW_POISSON)
        mp_cli_lifetime_poisson(th->lifetime_poisson, ltp, sizeof ltp);
    printf("theory: %s; SNR(0) = %.6g; lifetime = %s%s%s\n", path, th->snr0,
           lt, lt[0] && ltp[0] ? "; lifetime = " : "", ltp);
}

/* The curves at n ages: memories always, Poisson time if shown. */
static int theory_curves(const struct mp_config *c, const uint64_t *ages,
                         size_t n, double *const v[4], int show)
{
    int rc = mp_theory_curve(c, ages, n, v[0], v[1]);
    if (!rc && (show & SHOW_POISSON))
        rc = mp_theory_curve_clock(c, MP_CLOCK_POISSON, ages, n, v[2], v[3]);
    return rc;
}

int mp_cli_theory(const struct args *a)
{
    struct mp_config c;
    struct mp_theory th;
    struct mp_provenance prov = {a->cmdline, NULL, NULL, NULL};
    uint64_t *ages = NULL;
    double *v[4] = {NULL, NULL, NULL, NULL};
    char path[MP_CFG_MAX_PATH + 64];
    size_t n, k;
    int show, rc = mp_cli_load_config(a, &c);
    if (rc)
        return rc;
    if (c.paradigm == MP_PARADIGM_ATTRACTOR)
        return mp_cli_attr_theory(a, &c);
    if (c.paradigm != MP_PARADIGM_ENSEMBLE) {
        fprintf(stderr, "metaplast: %s: run.paradigm = network: the theory "
                        "is for synapse ensembles and attractor networks\n",
                a->target);
        return MP_EXIT_USAGE;
    }
    if (!(show = clock_option(a, &c)))
        return MP_EXIT_USAGE;
    n = mp_config_ages(&c, NULL, 0);
    ages = calloc(n, sizeof *ages);
    for (k = 0; k < 4; k++)
        v[k] = calloc(n, sizeof *v[k]);
    if (!ages || !v[0] || !v[1] || !v[2] || !v[3]) {
        fprintf(stderr, "metaplast: out of memory\n");
        rc = MP_EXIT_RUNTIME;
        goto out;
    }
    mp_config_ages(&c, ages, n);
    snprintf(path, sizeof path, "%s/theory.nc", c.dir);
    if (mp_io_mkdirs(c.dir)) {
        fprintf(stderr, "metaplast: output.dir: cannot create '%s': %s\n",
                c.dir, strerror(errno));
        rc = MP_EXIT_USAGE;
        goto out;
    }
    if ((rc = mp_theory_compute(&c, &th)) ||
        (rc = theory_curves(&c, ages, n, v, show)) ||
        (rc = mp_io_theory_write(
             path, &c, ages, n, v[0], v[1], show & SHOW_POISSON ? v[2] : NULL,
             show & SHOW_POISSON ? v[3] : NULL, &th, &prov))) {
        rc = mp_cli_fail(rc);
        goto out;
    }
    if (!a->quiet) {
        const double *const cv[4] = {v[0], v[1], v[2], v[3]};
        theory_summary(&c, &th, show);
        theory_table(ages, cv, n, show);
    }
    theory_line(path, &th, show);
out:
    free(ages);
    for (k = 0; k < 4; k++)
        free(v[k]);
    return rc;
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

static void validate_net(const struct args *a, const struct mp_config *c)
{
    const uint64_t steps = mp_config_steps(c, c->duration_s);
    mp_cli_warnings(c);
    printf("%s: valid\n", a->target);
    mp_cli_describe_net(c);
    printf("memory: %.3g GB (state and a checkpoint copy; %.3g GB "
           "available); work: %.3g synapse updates (%llu steps)\n",
           mp_config_memory(c) / 1e9, mp_memory_available() / 1e9,
           (double)steps * net_synapses(c), (unsigned long long)steps);
}

int mp_cli_validate(const struct args *a)
{
    struct mp_config c;
    struct mp_theory th;
    int rc = mp_cli_load_config(a, &c);
    if (rc)
        return rc;
    if (c.paradigm == MP_PARADIGM_NETWORK) {
        validate_net(a, &c);
    } else if (c.paradigm == MP_PARADIGM_ATTRACTOR) {
        printf("%s: valid\n", a->target);
        mp_cli_describe_attr(&c);
        printf("memory: %.3g GB (one byte per synapse, strength bits, a "
               "checkpoint copy and the retrieval's counts; %.3g GB "
               "available)\n",
               mp_config_memory(&c) / 1e9, mp_memory_available() / 1e9);
    } else {
        if ((rc = mp_theory_compute(&c, &th))) {
            fprintf(stderr, "metaplast: %s: %s\n", a->target, mp_errmsg());
            return mp_cli_status(rc);
        }
        printf("%s: valid\n", a->target);
        mp_cli_describe(&c);
        printf("memories: %llu burn-in + %llu measured; %zu ages up to "
               "%llu\n",
               (unsigned long long)c.burn_in, (unsigned long long)c.memories,
               mp_config_ages(&c, NULL, 0),
               (unsigned long long)(c.n_ages ? c.ages[c.n_ages - 1]
                                             : c.max_age));
        printf("memory: %.3g GB (one byte per synapse, and a checkpoint "
               "copy; %.3g GB available); work: %.3g synapse updates\n",
               mp_config_memory(&c) / 1e9, mp_memory_available() / 1e9,
               (double)c.synapses * (double)(c.memories + c.burn_in));
    }
    printf("output: %s\n", c.dir);
    fit_warning(&c);
    return 0;
}

int mp_cli_info(const struct args *a)
{
    int rc = mp_io_info(a->target, stdout);
    fflush(stdout);
    /* A checksum failure is in the description already. */
    if (rc && !strstr(mp_errmsg(), "checksum"))
        fprintf(stderr, "metaplast: %s\n", mp_errmsg());
    return rc ? mp_cli_status(rc) : 0;
}
