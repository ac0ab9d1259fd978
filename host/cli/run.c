/* SPDX-License-Identifier: MIT */
/*
 * run.c: `metaplast run` and `metaplast resume` over the library's run
 * API (run.h): signals, progress, what the run says on the terminal.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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

/* From the first instant of run and resume (set-up included): the stops
 * batch systems send (TERM; USR1, HUP, XCPU before a time limit; ALRM)
 * and INT end the run at a checkpoint; a closed pipe on the output stops
 * only the output. */
void mp_cli_catch_signals(void)
{
    static const int stops[] = {SIGTERM, SIGINT,  SIGUSR1,
                                SIGHUP,  SIGXCPU, SIGALRM};
    struct sigaction sa;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof stops / sizeof stops[0]; i++)
        sigaction(stops[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int rank0(void)
{
    return mp_mpi_rank() == 0;
}

/* ---- What a run says ----------------------------------------------------- */


static void announce(const struct mp_run *run)
{
    const struct mp_config *c = mp_run_config(run);
    const struct mp_ens *e = mp_run_ens(run);
    const struct mp_net *n = mp_run_net(run);
    if (mp_run_attr(run)) {
        mp_cli_attr_announce(run);
        return;
    }
    if (e) {
        mp_cli_describe(c);
        if (mp_mpi_size() > 1)
            printf("MPI: %d ranks, %.3g synapses each\n", mp_mpi_size(),
                   (double)c->synapses / mp_mpi_size());
        printf("backend: %s (%s; %s)\n", mp_ens_backend(e),
               mp_ens_backend_note(e), mp_ens_device(e));
        printf("memories: %llu burn-in + %llu measured, a measurement every "
               "%llu; %llu stored so far\n",
               (unsigned long long)c->burn_in, (unsigned long long)c->memories,
               (unsigned long long)c->every,
               (unsigned long long)mp_run_done(run));
    } else {
        mp_cli_describe_net(c);
        printf("backend: %s (%s; %s); %llu steps\n", mp_net_backend(n),
               mp_net_backend_note(n), mp_net_device(n),
               (unsigned long long)mp_net_total(n));
    }
    fflush(stdout);
}

/* The curve's table against the theory, SNR(0), the lifetime. */
static void ens_table(const struct mp_run *run, const struct mp_ens_curve *c,
                      const double *snr_th, const struct mp_theory *th,
                      double elapsed)
{
    const struct mp_config *cfg = mp_run_config(run);
    char lt[64], ltt[64];
    size_t k, step;
    printf("done in %.1f s (%.3g synapse updates/s)\n", elapsed,
           elapsed > 0 ? (double)(mp_run_done(run) - mp_run_started_at(run)) *
                             (double)cfg->synapses / elapsed
                       : 0.0);
    printf("  %10s  %12s  %12s  %10s  %12s  %8s\n", "age", "signal",
           "+- sem", "snr", "snr_theory", "probes");
    step = c->n > 16 ? (c->n + 15) / 16 : 1;
    for (k = 0; k < c->n; k++)
        if (k % step == 0 || k == c->n - 1)
            printf("  %10llu  %12.5g  %12.2g  %10.4g  %12.4g  %8lld\n",
                   (unsigned long long)c->age[k], c->signal[k],
                   c->signal_sem[k], c->snr[k], snr_th[k],
                   (long long)c->probes[k]);
    mp_cli_lifetime(c->lifetime, lt, sizeof lt);
    mp_cli_lifetime(th->lifetime, ltt, sizeof ltt);
    printf("SNR(0): %.4g +- %.2g (theory %.4g)\n", c->snr[0], c->snr_sem[0],
           th->snr0);
    printf("lifetime (largest age on the grid with SNR >= 1): %s "
           "(theory, exact: %s)\n",
           lt, ltt);
    if (cfg->clock == MP_CLOCK_POISSON) {
        mp_cli_lifetime_poisson(th->lifetime_poisson, ltt, sizeof ltt);
        printf("theory in Poisson time (record.nc: snr_theory_poisson): "
               "lifetime %s\n",
               ltt);
    }
}

/* The table (unless quiet), then the summary line's values:
 * "; SNR(0) = ... (theory ...); lifetime = ... (theory ...)". */
static void ens_summary(const struct mp_run *run, double elapsed, int quiet,
                        char *line, size_t len)
{
    const struct mp_config *cfg = mp_run_config(run);
    struct mp_ens_curve c;
    struct mp_theory th;
    double *snr_th;
    char lt[64], ltt[64];

    if (mp_ens_curve(mp_run_ens(run), &c))
        return;
    snr_th = calloc(c.n, sizeof *snr_th);
    if (!snr_th || mp_theory_curve(cfg, c.age, c.n, NULL, snr_th) ||
        mp_theory_compute(cfg, &th)) {
        free(snr_th);
        mp_ens_curve_fini(&c);
        return;
    }
    if (!quiet)
        ens_table(run, &c, snr_th, &th, elapsed);
    mp_cli_lifetime(c.lifetime, lt, sizeof lt);
    mp_cli_lifetime(th.lifetime, ltt, sizeof ltt);
    snprintf(line, len,
             "; SNR(0) = %.4g +- %.2g (theory %.4g); lifetime = %s (theory "
             "%s)",
             c.snr[0], c.snr_sem[0], th.snr0, lt, ltt);
    free(snr_th);
    mp_ens_curve_fini(&c);
}

/* Neuron i's best and second-best responses of a sample. */
static void best_two(const struct mp_net_sample *s, uint32_t i,
                     uint32_t *arg, float *best, float *second)
{
    uint32_t k;
    *best = *second = -1;
    *arg = 0;
    for (k = 0; k < s->patterns; k++) {
        const float r = s->response[(size_t)i * s->patterns + k];
        if (r > *best) {
            *second = *best;
            *best = r;
            *arg = k;
        } else if (r > *second) {
            *second = r;
        }
    }
}

/* The summary line's values of a network: the last record entry's
 * means over the neurons and the weights. */
static void net_line(const struct mp_net_sample *last, char *line,
                     size_t len)
{
    double rate = 0, theta = 0;
    uint32_t i;
    for (i = 0; i < last->n_out; i++) {
        rate += last->rate[i];
        theta += last->theta[i];
    }
    snprintf(line, len,
             "; time = %g s (%llu steps); mean rate = %.4g, mean theta = "
             "%.4g (%u neurons); w_mean = %.4g, w_std = %.4g",
             last->time_s, (unsigned long long)last->step,
             last->n_out ? rate / last->n_out : 0.0,
             last->n_out ? theta / last->n_out : 0.0, last->n_out,
             last->w_mean, last->w_std);
}

/* Each neuron's preferred pattern (unless quiet), then the summary
 * line's values. */
static void net_summary(const struct mp_run *run, double elapsed, int quiet,
                        char *line, size_t len)
{
    const struct mp_config *c = mp_run_config(run);
    const struct mp_net_sample *last = mp_run_last_sample(run);
    const uint32_t shown = c->n_out < 8 ? c->n_out : 8;
    uint32_t i;
    if (!last)
        return;
    net_line(last, line, len);
    if (quiet)
        return;
    printf("done in %.1f s (%.3g synapse updates/s)\n", elapsed,
           elapsed > 0 ? (double)mp_run_total(run) * c->n_in * c->n_out /
                             elapsed
                       : 0.0);
    printf("  %8s  %10s  %10s  %10s  %10s\n", "neuron", "preferred",
           "response", "2nd best", "theta");
    for (i = 0; i < shown; i++) {
        float best, second;
        uint32_t arg;
        best_two(last, i, &arg, &best, &second);
        printf("  %8u  %10u  %10.4g  %10.4g  %10.4g\n", i, arg, best,
               second, last->theta[i]);
    }
    if (shown < c->n_out)
        printf("  (%u more neurons in the record)\n", c->n_out - shown);
    printf("selective fixed point of BCM: response K*y0 = %g, theta = %g\n",
           c->patterns * c->y0, c->patterns * c->y0);
}

/* Neurons newly silent for record.silent_after at the last record entry
 * (once per entry; the first few by number). */
static void report_silent(const struct mp_run *run, uint64_t *seen)
{
    const struct mp_net_sample *s = mp_run_last_sample(run);
    const double after = mp_run_config(run)->silent_after_s;
    uint32_t i, shown = 0, fresh = 0;
    if (!s || !s->silent_new || s->step == *seen || !rank0())
        return;
    *seen = s->step;
    for (i = 0; i < s->n_out; i++) {
        if (!s->silent_new[i])
            continue;
        if (shown++ < 8)
            fprintf(stderr,
                    "%smetaplast: warning: t = %gs: neuron %u silent (mean "
                    "rate <= %g) for %gs (record.silent_after)\n",
                    isatty(2) ? "\r\033[K" : "", s->time_s, i,
                    mp_run_config(run)->silent_rate, s->silent_s[i]);
        fresh++;
    }
    if (fresh > 8)
        fprintf(stderr, "metaplast: warning: t = %gs: %u more neurons newly "
                        "silent for %gs\n",
                s->time_s, fresh - 8, after);
    if (fresh)
        fprintf(stderr,
                "metaplast: t = %gs: %u of %u neurons silent for %gs or "
                "longer (record.nc: silent); past BCM's Hopf bifurcation a "
                "rectified neuron can stop firing for good\n",
                s->time_s, s->n_silent, s->n_out, after);
}

/* The loop: slices until the run finishes, stops or fails. */
static int drive(struct mp_run *run, int quiet)
{
    const char *dir = mp_run_dir(run);
    const double t0 = mp_cli_now();
    char line[512];
    struct progress pr;
    uint64_t seen = UINT64_MAX; /* the record entry reported */
    int rc, state = MP_RUN_RUNNING;

    mp_progress_start(&pr, quiet || !rank0(), mp_run_total(run),
                      mp_run_synapses(run), mp_run_unit(run));
    while (state == MP_RUN_RUNNING) {
        rc = mp_run_slice(run, stop_signal, &state);
        if (rc) {
            if (rank0())
                fprintf(stderr, "\nmetaplast: %s\n", mp_errmsg());
            return mp_cli_status(rc);
        }
        report_silent(run, &seen);
        mp_progress_update(&pr, mp_run_done(run));
    }
    if (state == MP_RUN_STOPPED) {
        if (!quiet && rank0())
            fprintf(stderr,
                    "\nmetaplast: %s: checkpoint written at %llu %s\n",
                    strsignal(mp_run_stop_code(run)),
                    (unsigned long long)mp_run_done(run), mp_run_unit(run));
        if (rank0())
            fprintf(stderr,
                    "metaplast: stopped cleanly; resume with: metaplast "
                    "resume %s\n",
                    dir);
        return MP_EXIT_STOPPED;
    }
    mp_progress_end(&pr, mp_run_done(run));
    if (!rank0())
        return 0;
    /* The last line, --quiet or not: what scripts capture. */
    line[0] = '\0';
    if (mp_run_attr(run))
        mp_cli_attr_summary(run, mp_cli_now() - t0, quiet, line,
                            sizeof line);
    else if (mp_run_ens(run))
        ens_summary(run, mp_cli_now() - t0, quiet, line, sizeof line);
    else
        net_summary(run, mp_cli_now() - t0, quiet, line, sizeof line);
    printf("results: %s/record.nc%s; config.ini and checkpoint.nc beside "
           "it\n",
           dir, line);
    return 0;
}

/* ---- The commands --------------------------------------------------------- */

int mp_cli_run(const struct args *a)
{
    struct mp_config cfg;
    struct mp_run *run;
    int rc;
    mp_cli_catch_signals();
    rc = mp_cli_load_config(a, &cfg);
    if (rc)
        return rc;
    if (rank0())
        mp_cli_warnings(&cfg);
    rc = mp_run_start(&run, &cfg, a->cmdline);
    if (rc)
        return mp_cli_fail(rc);
    if (!a->quiet && rank0())
        announce(run);
    rc = drive(run, a->quiet);
    mp_run_destroy(run);
    return rc;
}

static int parse_count(const char *opt, const char *v, uint64_t *out)
{
    char *end;
    double d;
    errno = 0;
    d = strtod(v, &end);
    if (errno || *end || d < 0 || d != floor(d) || d > 7.2e16) {
        if (rank0())
            fprintf(stderr,
                    "metaplast: %s: expected a number of memories, got "
                    "'%s'\n",
                    opt, v);
        return MP_EXIT_USAGE;
    }
    *out = (uint64_t)d;
    return 0;
}

int mp_cli_resume(const struct args *a)
{
    const char *sets[260];
    char bufs[3][1100];
    struct mp_resume_options o;
    struct mp_run *run;
    int rc;

    mp_cli_catch_signals();
    memset(&o, 0, sizeof o);
    o.sets = sets;
    o.n_sets = (size_t)mp_cli_sets(a, sets, bufs);
    o.command_line = a->cmdline;
    o.extend = a->memories ? 1 : a->until ? 2 : 0;
    if (o.extend && (rc = parse_count(a->memories ? "--memories" : "--until",
                                      a->memories ? a->memories : a->until,
                                      &o.memories)))
        return rc;
    rc = mp_run_resume(&run, a->target, &o);
    if (rc)
        return mp_cli_fail(rc);
    if (mp_run_complete(run)) {
        const struct mp_config *c = mp_run_config(run);
        if (rank0() && c->paradigm == MP_PARADIGM_NETWORK)
            printf("%s: the run is complete (%llu steps); nothing to do.  "
                   "--set run.duration=TIME continues it.\n",
                   mp_run_dir(run), (unsigned long long)mp_run_done(run));
        else if (rank0())
            printf("%s: the run is complete (%llu memories measured); "
                   "nothing to do.  --memories N or --until N continue it.\n",
                   mp_run_dir(run),
                   (unsigned long long)(mp_run_done(run) - c->burn_in));
        mp_run_destroy(run);
        return 0;
    }
    if (!a->quiet && rank0()) {
        printf("resuming %s at %llu of %llu %s%s\n", a->target,
               (unsigned long long)mp_run_done(run),
               (unsigned long long)mp_run_total(run), mp_run_unit(run),
               mp_run_started_at(run) ? ""
                                      : " (no checkpoint yet: from the "
                                        "start)");
        announce(run);
    }
    rc = drive(run, a->quiet);
    mp_run_destroy(run);
    return rc;
}
