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
    char buf[2048], *line, *save = NULL;
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

/* The theory's table, 16 rows at most. */
static void theory_table(const struct mp_config *c, const struct mp_theory *th,
                         const uint64_t *ages, const double *sig,
                         const double *snr, size_t n)
{
    char lt[64];
    size_t k, step = n > 16 ? (n + 15) / 16 : 1;
    mp_cli_describe(c);
    mp_cli_lifetime(th->lifetime, lt, sizeof lt);
    printf("SNR(0) = %.6g   lifetime = %s   area = %.6g (SNR x memories)\n",
           th->snr0, lt, th->area_snr);
    printf("  %10s  %14s  %12s\n", "age", "E[m(t)]", "snr");
    for (k = 0; k < n; k++)
        if (k % step == 0 || k == n - 1)
            printf("  %10llu  %14.6g  %12.6g\n", (unsigned long long)ages[k],
                   sig[k], snr[k]);
}

int mp_cli_theory(const struct args *a)
{
    struct mp_config c;
    struct mp_theory th;
    struct mp_provenance prov = {a->cmdline, NULL, NULL, NULL};
    uint64_t *ages = NULL;
    double *sig = NULL, *snr = NULL;
    char path[MP_CFG_MAX_PATH + 64];
    size_t n;
    int rc = mp_cli_load_config(a, &c);
    if (rc)
        return rc;
    if (c.paradigm != MP_PARADIGM_ENSEMBLE) {
        fprintf(stderr, "metaplast: %s: run.paradigm = network: the exact "
                        "theory is for synapse ensembles\n",
                a->target);
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
    snprintf(path, sizeof path, "%s/theory.nc", c.dir);
    if (mp_io_mkdirs(c.dir)) {
        fprintf(stderr, "metaplast: output.dir: cannot create '%s': %s\n",
                c.dir, strerror(errno));
        rc = MP_EXIT_USAGE;
        goto out;
    }
    if ((rc = mp_theory_compute(&c, &th)) ||
        (rc = mp_theory_curve(&c, ages, n, sig, snr)) ||
        (rc = mp_io_theory_write(path, &c, ages, n, sig, snr, &th, &prov))) {
        rc = mp_cli_fail(rc);
        goto out;
    }
    if (!a->quiet)
        theory_table(&c, &th, ages, sig, snr, n);
    printf("theory: %s\n", path);
out:
    free(ages);
    free(sig);
    free(snr);
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
