/* SPDX-License-Identifier: MIT */
/* attr_cli.c: what the command prints about an attractor run: its
 * description, the retrieval table and the summary line's values; and
 * `theory` of an attractor configuration. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The network's synapses: N K with fan-in, else N (N - 1). */
static double synapses(const struct mp_attr_params *a)
{
    return (double)a->neurons *
           (a->fan_in ? (double)a->fan_in : a->neurons - 1.0);
}

void mp_cli_describe_attr(const struct mp_config *c)
{
    const struct mp_attr_params *a = &c->attr;
    char rule[32], sym[32], thr[32], fan[48] = "";
    mp_config_value(c, "store.rule", rule, sizeof rule);
    mp_config_value(c, "attractor.symmetry", sym, sizeof sym);
    mp_config_value(c, "retrieve.threshold", thr, sizeof thr);
    const struct mp_syn_params *s = &c->syn;
    printf("model: %s", mp_model_name(s->model));
    if (s->model == MP_SYN_CASCADE)
        printf(" (n = %u, x = %g)", s->n, s->x);
    else if (s->model == MP_SYN_SERIAL)
        printf(" (M = %u states, q = %g)", s->n, s->q);
    else if (s->model == MP_SYN_BINARY)
        printf(" (q+ = %g, q- = %g)", s->q_plus, s->q_minus);
    printf("\n");
    if (a->fan_in)
        snprintf(fan, sizeof fan, ", fan-in %u", a->fan_in);
    printf("attractor: N = %u neurons (%.4g synapses%s, %s), coding f = %g, "
           "%s rule, %u presentation%s per memory%s; retrieval from %g "
           "noise, %s threshold, up to %u sweeps, success at overlap %g\n",
           a->neurons, synapses(a), fan, sym,
           a->coding, rule, a->repeats, a->repeats == 1 ? "" : "s",
           a->block > 1 ? " (spaced in blocks)" : "", a->noise, thr,
           a->steps, a->success);
}

void mp_cli_attr_announce(const struct mp_run *run)
{
    const struct mp_config *c = mp_run_config(run);
    const struct mp_attr *n = mp_run_attr(run);
    mp_cli_describe_attr(c);
    printf("backend: %s (%s; %s)\n", mp_attr_backend(n),
           mp_attr_backend_note(n), mp_attr_device(n));
    printf("memories: %llu burn-in + %llu measured, retrievals every %llu; "
           "%llu stored so far\n",
           (unsigned long long)c->attr.burn_in,
           (unsigned long long)c->memories, (unsigned long long)c->every,
           (unsigned long long)mp_run_done(run));
    fflush(stdout);
}

static void table(const struct mp_run *run, const struct mp_attr_curve *c,
                  double elapsed)
{
    const double S = synapses(&mp_run_config(run)->attr);
    size_t k, step = c->n > 20 ? (c->n + 19) / 20 : 1;
    printf("done in %.1f s (%.3g memories/s of %.3g synapses)\n", elapsed,
           elapsed > 0 ? (double)(mp_run_done(run) - mp_run_started_at(run)) /
                             elapsed
                       : 0.0,
           S);
    printf("  %8s  %9s  %8s  %9s  %8s  %7s  %9s  %8s\n", "age", "overlap",
           "+- sem", "retrieved", "+- sem", "sweeps", "theory", "probes");
    for (k = 0; k < c->n; k++)
        if (k % step == 0 || k == c->n - 1)
            printf("  %8llu  %9.4f  %8.2g  %9.3f  %8.2g  %7.2f  %9.4f  "
                   "%8lld\n",
                   (unsigned long long)c->age[k], c->overlap[k],
                   c->overlap_sem[k], c->retrieved[k], c->retrieved_sem[k],
                   c->steps[k], c->overlap_theory[k],
                   (long long)c->probes[k]);
    printf("capacity (largest age retrieved with probability >= 1/2): %g "
           "(interpolated %.4g; mean-field estimate %g); ideal-observer "
           "lifetime of the same synapses: %g\n",
           c->capacity, c->capacity_interp, c->capacity_theory,
           c->lifetime_ideal);
}

void mp_cli_attr_summary(const struct mp_run *run, double elapsed, int quiet,
                         char *line, size_t len)
{
    struct mp_attr_curve c;
    if (mp_attr_curve(mp_run_attr(run), &c))
        return;
    if (!quiet)
        table(run, &c, elapsed);
    snprintf(line, len,
             "; capacity = %g (interpolated %.4g, mean-field %g); "
             "ideal-observer lifetime = %g",
             c.capacity, c.capacity_interp, c.capacity_theory,
             c.lifetime_ideal);
    mp_attr_curve_fini(&c);
}

/* ---- theory -------------------------------------------------------------- */

/* The ideal-observer lifetime as text (NaN: not defined). */
static void lifetime(double t, char *buf, size_t len)
{
    if (isnan(t))
        snprintf(buf, len, "not defined");
    else
        mp_cli_lifetime(t, buf, len);
}

/* What the theory says, with what each number is (docs/ATTRACTOR.md). */
static void theory_text(const struct mp_config *cfg,
                        const struct mp_attr_curve *c)
{
    char lt[64];
    size_t k, step = c->n > 20 ? (c->n + 19) / 20 : 1;
    mp_cli_describe_attr(cfg);
    lifetime(c->lifetime_ideal, lt, sizeof lt);
    printf("ideal-observer lifetime of the %.4g synapses (exact theory of "
           "an ensemble of them, SNR >= 1): %s\n",
           synapses(&cfg->attr) / (cfg->attr.tied ? 2.0 : 1.0), lt);
    if (isnan(c->capacity_theory))
        printf("mean-field capacity: does not apply to this configuration "
               "(docs/ATTRACTOR.md)\n");
    else if (c->capacity_theory < 0)
        printf("mean-field capacity: none (the mean-field overlap at age 0 "
               "is below %g; an approximation)\n",
               cfg->attr.success);
    else
        printf("mean-field capacity: %g memories (largest age whose "
               "mean-field overlap reaches %g; an approximation: neurons "
               "independent, the other memories' traces a Gaussian "
               "noise)\n",
               c->capacity_theory, cfg->attr.success);
    printf("per age: E[m(t)] of one synapse (exact), the field's SNR from "
           "a perfect cue and the mean-field overlap after %u sweeps "
           "(approximations); NaN where they do not apply\n",
           cfg->attr.steps);
    printf("  %8s  %12s  %10s  %10s\n", "age", "E[m(t)]", "SNR(t)",
           "overlap");
    for (k = 0; k < c->n; k++)
        if (k % step == 0 || k == c->n - 1)
            printf("  %8llu  %12.6g  %10.4g  %10.4f\n",
                   (unsigned long long)c->age[k], c->signal_theory[k],
                   c->snr_theory[k], c->overlap_theory[k]);
}

int mp_cli_attr_theory(const struct args *a, const struct mp_config *cfg)
{
    struct mp_provenance prov = {a->cmdline, NULL, NULL, NULL};
    struct mp_attr_curve c;
    char path[MP_CFG_MAX_PATH + 64], lt[64];
    int rc;
    if (a->clock && strcmp(a->clock, "memories")) {
        fprintf(stderr, "metaplast: --clock %s: an attractor network's "
                        "theory is in memories only (run.paradigm = "
                        "attractor): leave --clock out or give "
                        "--clock memories\n",
                a->clock);
        return MP_EXIT_USAGE;
    }
    snprintf(path, sizeof path, "%s/theory.nc", cfg->dir);
    if (mp_io_mkdirs(cfg->dir)) {
        fprintf(stderr, "metaplast: output.dir: cannot create '%s': %s\n",
                cfg->dir, strerror(errno));
        return MP_EXIT_USAGE;
    }
    if ((rc = mp_attr_theory(cfg, &c)) ||
        (rc = mp_io_attr_theory_write(path, cfg, &c, &prov))) {
        mp_attr_curve_fini(&c);
        return mp_cli_fail(rc);
    }
    if (!a->quiet)
        theory_text(cfg, &c);
    lifetime(c.lifetime_ideal, lt, sizeof lt);
    printf("theory: %s; mean-field capacity = %g; ideal-observer lifetime "
           "= %s\n",
           path, c.capacity_theory, lt);
    mp_attr_curve_fini(&c);
    return 0;
}
