/* SPDX-License-Identifier: MIT */
/*
 * test_stability.c: BCM's stability criterion (mp_net_hopf, the warnings
 * of mp_config_warnings) against the simulated network, and the report
 * of silent neurons (record.silent_after).
 *
 * Decay or growth of a perturbation: a neuron is put at the selective
 * fixed point of one pattern (response c = m y0 / pi, theta = m c, the
 * other drives below 0) with its response 3 % off, and the run measures
 * the envelope of |y - c| over its first and last oscillation periods.
 * Linearised, it grows as exp(t Re lambda) with Re lambda = (1 / tau_c -
 * 1 / tau_theta) / 2 (host/core/hopf.c): at tau_theta = tau_c (1 -+ 5 %)
 * about -+0.024 / tau_c.  The test asks for decay below tau_c and growth
 * above, for the rate within 40 % of the prediction, and for the zero of
 * the rate (interpolated in 1 / tau_theta between the two sides) within
 * 2 % of tau_c.  Measured: one pattern shown, rates within 3 % and the
 * zero within 0.3 %; four patterns switched every step in random order,
 * the zero 1 % below tau_c and the rates up to 30 % off (the order's
 * randomness forces the oscillation: the averaged dynamics are the
 * criterion's approximation).  With m^2 replaced by m in the criterion,
 * the zero is 20 % off (tried).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/net.h"

/* One neuron, n_in inputs, K orthonormal patterns shown every step. */
static struct mp_config one_neuron(uint32_t n_in, uint32_t K)
{
    struct mp_config c;
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.backend = MP_BACKEND_CPU;
    c.threads = 1;
    c.n_in = n_in;
    c.n_out = 1;
    c.patterns = K;
    c.dt_s = 1e-3;
    c.switch_s = 1e-3;
    c.tau_w_s = 1.0;
    c.record_interval_s = 1.0;
    return c;
}

/* The neuron put at pattern k's fixed point, its response (1 + eps) c:
 * weights a on k's active inputs, w_min elsewhere (other drives < 0). */
static double put_near_fixed_point(struct mp_net *n,
                                   const struct mp_config *c, uint32_t k,
                                   double eps)
{
    struct mp_net_snapshot s;
    const float *p = mp_net_pattern(n, k);
    const double m = c->modulator, cfix = m * c->y0 * c->patterns;
    double sum = 0.0;
    uint32_t j;
    for (j = 0; j < c->n_in; j++)
        sum += p[j];
    cr_assert_eq(mp_net_snapshot(n, &s), 0, "%s", mp_errmsg());
    for (j = 0; j < c->n_in; j++)
        s.w[j] = p[j] > 0 ? (float)(cfix * (1.0 + eps) / sum)
                          : (float)c->w_min;
    s.theta[0] = (float)(m * cfix);
    cr_assert_eq(mp_net_restore(n, &s), 0, "%s", mp_errmsg());
    mp_net_snapshot_fini(&s);
    for (j = 0; j < c->patterns; j++)
        if (j != k)
            cr_assert_eq(mp_net_response(n, 0, j), 0.0f,
                         "pattern %u's drive is not below 0", j);
    return cfix;
}

/* The growth rate (1/s) of |y - c| from the first to the last window of
 * one period, over a run of T seconds. */
static double growth_rate_eps(struct mp_config *c, uint32_t k, double T,
                              double tau_c, double eps)
{
    const double period = 6.283185307179586 * sqrt(tau_c * c->tau_theta_s);
    const uint64_t every = 10; /* steps between looks */
    struct mp_net *n;
    double cfix, first = 0.0, last = 0.0, t;
    c->duration_s = T;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_create(&n, c), 0, "%s", mp_errmsg());
    cfix = put_near_fixed_point(n, c, k, eps);
    while (mp_net_step(n) < mp_net_total(n)) {
        const double d = fabs(mp_net_response(n, 0, k) - cfix) / cfix;
        t = (double)mp_net_step(n) * c->dt_s;
        if (t < period && d > first)
            first = d;
        if (t >= T - period && d > last)
            last = d;
        cr_assert_eq(mp_net_advance(n, every), 0);
    }
    mp_net_destroy(n);
    cr_assert(first > 0.0 && last > 0.0);
    return log(last / first) / (T - period);
}

static double growth_rate(struct mp_config *c, uint32_t k, double T,
                          double tau_c)
{
    return growth_rate_eps(c, k, T, tau_c, 0.03);
}

static int warnings(const struct mp_config *c)
{
    char buf[4096];
    return mp_config_warnings(c, buf, sizeof buf);
}

/* Just below and just above tau_c: decay and growth, the zero of the
 * growth rate at tau_c, and the warning on the growing side only. */
static void check_sides(struct mp_config *c, uint32_t k, double tau_c)
{
    const double side[2] = {0.95, 1.05};
    double rate[2], zero;
    int i;
    for (i = 0; i < 2; i++) {
        double want;
        c->tau_theta_s = side[i] * tau_c;
        want = 0.5 * (1.0 / tau_c - 1.0 / c->tau_theta_s);
        rate[i] = growth_rate(c, k, 55.0 * tau_c, tau_c);
        cr_expect(rate[i] * want > 0.0 &&
                      fabs(rate[i] - want) < 0.4 * fabs(want),
                  "tau_theta = %g tau_c (m %g, s %g, K %u): growth %g/s, "
                  "want %g/s",
                  side[i], c->modulator, c->input_scale, c->patterns,
                  rate[i], want);
        cr_expect_eq(warnings(c), i, "tau_theta = %g tau_c: %d warnings",
                     side[i], warnings(c));
    }
    /* The rate is linear in 1 / tau_theta near tau_c. */
    zero = 1.0 / side[0] + (1.0 / side[1] - 1.0 / side[0]) * rate[0] /
                               (rate[0] - rate[1]);
    cr_log_info("m %g, s %g, K %u: growth %.4g/s at 0.95 tau_c, %.4g/s at "
                "1.05 tau_c; zero at %.4f tau_c",
                c->modulator, c->input_scale, c->patterns, rate[0], rate[1],
                1.0 / zero);
    cr_expect(fabs(1.0 / zero - 1.0) < 0.02,
              "m %g, s %g, K %u: the growth rate is 0 at tau_theta = %g "
              "tau_c",
              c->modulator, c->input_scale, c->patterns, 1.0 / zero);
    /* The warning's edge is the criterion itself. */
    c->tau_theta_s = tau_c * (1.0 - 1e-9);
    cr_expect_eq(warnings(c), 0);
    c->tau_theta_s = tau_c * (1.0 + 1e-9);
    cr_expect_eq(warnings(c), 1);
}

Test(stability, modulator)
{
    struct mp_config c = one_neuron(4, 1);
    c.modulator = 1.2;
    check_sides(&c, 0, c.tau_w_s / (1.2 * 1.2));
    c.modulator = 0.8;
    check_sides(&c, 0, c.tau_w_s / (0.8 * 0.8));
}

/* The input scale, with four patterns shown in turn (pi = 1/4 drops
 * out of the criterion). */
Test(stability, scale)
{
    struct mp_config c = one_neuron(16, 4);
    c.input_scale = 1.2;
    check_sides(&c, 2, c.tau_w_s / (1.2 * 1.2));
}

/* Binary (non-orthogonal) patterns: |p|^2 is the pattern's number of
 * active inputs; a neuron selective to the largest one oscillates past
 * tau_w / (|p|^2 y0) and is warned about; below every pattern's
 * threshold, no warning. */
Test(stability, binary_patterns)
{
    struct mp_config c = one_neuron(16, 4);
    struct mp_net_hopf h;
    struct mp_net *n;
    double top = 0.0;
    uint32_t k, j, arg = 0;
    c.pattern_kind = MP_PATTERNS_BINARY;
    c.tau_w_s = 9.0; /* tau_c near 1 s */
    cr_assert_eq(mp_net_create(&n, &c), 0, "%s", mp_errmsg());
    for (k = 0; k < c.patterns; k++) {
        double on = 0.0;
        for (j = 0; j < c.n_in; j++)
            on += mp_net_pattern(n, k)[j] > 0;
        if (on > top) {
            top = on;
            arg = k;
        }
    }
    mp_net_destroy(n);
    c.tau_theta_s = 0.125 * c.tau_w_s;
    cr_assert_eq(mp_net_hopf(&c, 0, &h), 0, "%s", mp_errmsg());
    cr_expect_eq(h.norm2, top);
    cr_expect_eq(h.pattern, arg);
    cr_expect(fabs(h.tau_c_s - c.tau_w_s / top) < 1e-15);
    cr_expect_eq(h.shown, 4u);
    cr_expect(top > 8.0, "the issue's case: |p|^2 = %g", top);
    cr_expect_eq(warnings(&c), 1, "tau_theta / tau_w = 0.125 unwarned");
    c.tau_theta_s = 0.9 * h.tau_c_s;
    cr_expect_eq(warnings(&c), 0);
    check_sides(&c, arg, c.tau_w_s / top);
}

/* The threshold's priming component (bcm.priming_tau): 0 at the fixed
 * point, driven on the LTD side of each swing only.  Fast (tau_P = dt,
 * k_P m y0 = 1 and 3) it moves the bifurcation to tau_c / sqrt(1 + k_P m
 * y0); slow (tau_P = 100 s, 15 periods) it leaves it at tau_c.  A
 * piecewise-linear system: the amplitude's second-order terms shift its
 * zero at first order in the amplitude (3 % off: 2 to 5 % later), so the
 * perturbation here is 0.3 %.  Measured zeros 1.000 and 1.008 of
 * tau_c / sqrt(1 + k_P m y0), and 0.99 tau_c slow.  The warning's edge is
 * tau_c / sqrt(1 + k_P m y0). */
static double priming_zero(struct mp_config *c, double tau)
{
    const double side[2] = {0.95, 1.05};
    double rate[2], zero;
    int i;
    for (i = 0; i < 2; i++) {
        c->tau_theta_s = side[i] * tau;
        rate[i] = growth_rate_eps(c, 0, 40.0, tau, 0.003);
        cr_expect(i ? rate[i] > 0.0 : rate[i] < 0.0,
                  "tau_P %g, k_P %g, tau_theta = %g x %g s: growth %g/s",
                  c->priming_tau_s, c->priming_gain, side[i], tau, rate[i]);
    }
    zero = 1.0 / side[0] + (1.0 / side[1] - 1.0 / side[0]) * rate[0] /
                               (rate[0] - rate[1]);
    cr_log_info("tau_P %g, k_P %g: growth %.4g/s at 0.95, %.4g/s at 1.05 "
                "x %g s; zero at %.4f of it",
                c->priming_tau_s, c->priming_gain, rate[0], rate[1], tau,
                1.0 / zero);
    return 1.0 / zero;
}

Test(stability, priming)
{
    struct mp_config c = one_neuron(4, 1); /* tau_c = tau_w = 1 s */
    struct mp_net_hopf h;
    char buf[4096];
    const double gains[2] = {1.0, 3.0};
    int i;
    c.priming_tau_s = c.dt_s;
    for (i = 0; i < 2; i++) {
        const double fast = 1.0 / sqrt(1.0 + gains[i]);
        c.priming_gain = gains[i];
        c.tau_theta_s = 0.5;
        cr_assert_eq(mp_net_hopf(&c, 0, &h), 0, "%s", mp_errmsg());
        cr_expect(fabs(h.priming - gains[i]) < 1e-15, "%g", h.priming);
        cr_expect(fabs(h.tau_c_fast_s - fast) < 1e-15, "%g",
                  h.tau_c_fast_s);
        cr_expect(fabs(priming_zero(&c, fast) - 1.0) < 0.02,
                  "k_P m y0 = %g: the zero is not at tau_c / sqrt(1 + "
                  "k_P m y0)",
                  gains[i]);
        c.tau_theta_s = fast * (1.0 - 1e-9);
        cr_expect_eq(warnings(&c), 0);
        c.tau_theta_s = fast * (1.0 + 1e-9);
        cr_expect_eq(mp_config_warnings(&c, buf, sizeof buf), 1);
        cr_expect(strstr(buf, "is below the Hopf bifurcation of the BCM "
                              "threshold's activity component, but with "
                              "its priming component it can be past it"),
                  "%s", buf);
        c.tau_theta_s = 1.0 + 1e-9;
        cr_expect_eq(mp_config_warnings(&c, buf, sizeof buf), 1);
        cr_expect(strstr(buf, "is past the Hopf bifurcation") &&
                      strstr(buf, "bcm.priming_tau = 0.001s) moves it "
                                  "down to"),
                  "%s", buf);
    }
    c.priming_tau_s = 100.0;
    c.priming_gain = 1.0;
    cr_expect(fabs(priming_zero(&c, 1.0) - 1.0) < 0.02,
              "slow priming moved the bifurcation");
}

/* ---- Silent neurons (record.silent_after) ------------------------------ */

/* Three neurons on one pattern: neuron 0 never fires (weights at w_min),
 * 1 and 2 at the fixed point.  Phase 2 shows nothing (scale 0): every
 * neuron is silent from 3 s to 11 s. */
static struct mp_config silent_cfg(void)
{
    struct mp_config c = one_neuron(4, 1);
    c.n_out = 3;
    c.tau_theta_s = 0.2;
    c.duration_s = 20.0;
    c.silent_after_s = 5.0;
    c.n_phases = 3;
    c.phase_s[0] = 3.0;
    c.phase_s[1] = 8.0;
    c.phase_s[2] = 9.0;
    c.n_phase_scale = 3;
    c.phase_scale[0] = 1.0;
    c.phase_scale[1] = 0.0;
    c.phase_scale[2] = 1.0;
    return c;
}

static struct mp_net *silent_net(struct mp_config *c)
{
    struct mp_net_snapshot s;
    struct mp_net *n;
    uint32_t j;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_create(&n, c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_snapshot(n, &s), 0, "%s", mp_errmsg());
    for (j = 0; j < 3 * c->n_in; j++)
        s.w[j] = j < c->n_in ? (float)c->w_min : 0.5f;
    for (j = 0; j < 3; j++)
        s.theta[j] = 1.0f;
    cr_assert_eq(mp_net_restore(n, &s), 0, "%s", mp_errmsg());
    mp_net_snapshot_fini(&s);
    return n;
}

/* The samples of a run at every record boundary (3 values per neuron
 * and second of the run: silent_s, silent_new, n_silent). */
static void silent_samples(struct mp_net *n, double *out)
{
    struct mp_net_sample s;
    uint32_t i;
    while (mp_net_step(n) < mp_net_total(n)) {
        size_t t;
        cr_assert_eq(mp_net_advance(n, mp_net_until_record(n)), 0);
        if (!mp_net_record_due(n))
            continue; /* the end of a shortened run: no record */
        cr_assert_eq(mp_net_sample(n, &s), 0, "%s", mp_errmsg());
        cr_assert(s.silent_s && s.silent_new);
        t = (size_t)(s.time_s + 0.5);
        for (i = 0; i < 3; i++) {
            out[9 * t + 3 * i] = s.silent_s[i];
            out[9 * t + 3 * i + 1] = s.silent_new[i];
            out[9 * t + 3 * i + 2] = s.n_silent;
        }
        mp_net_sample_fini(&s);
    }
}

/* Neuron 0 silent from the start, reported at 5 s; neurons 1 and 2
 * silent from 3 s, reported at 8 s, back at 12 s (the first record
 * interval of phase 3), never reported twice. */
Test(stability, silent_neurons)
{
    struct mp_config c = silent_cfg();
    struct mp_net *n = silent_net(&c);
    double v[9 * 21];
    uint32_t t, i;
    memset(v, 0, sizeof v);
    silent_samples(n, v);
    mp_net_destroy(n);
    for (t = 1; t <= 20; t++)
        for (i = 0; i < 3; i++) {
            const double want = i == 0 ? t : t >= 4 && t <= 11 ? t - 3 : 0;
            const double *x = v + 9 * t + 3 * i;
            cr_expect(fabs(x[0] - want) < 1e-9, "t %u neuron %u: %g s", t,
                      i, x[0]);
            cr_expect_eq(x[1], (i == 0 && t == 5) || (i > 0 && t == 8),
                         "t %u neuron %u: new %g", t, i, x[1]);
            cr_expect_eq(x[2], t < 5 ? 0 : t < 8 || t > 11 ? 1 : 3,
                         "t %u: %g silent", t, x[2]);
        }
}

/* record.silent_rate: a neuron firing at its fixed point (mean rate
 * y0 = 1) counts as silent when the threshold is above that rate. */
Test(stability, silent_rate)
{
    struct mp_config c = silent_cfg();
    struct mp_net *n;
    double v[9 * 21];
    c.silent_rate = 1e3;
    n = silent_net(&c);
    memset(v, 0, sizeof v);
    silent_samples(n, v);
    mp_net_destroy(n);
    cr_expect_eq(v[9 * 20 + 3], 20.0, "neuron 1: %g s", v[9 * 20 + 3]);
    cr_expect_eq(v[9 * 5 + 3 + 1], 1.0);
}

/* A run resumed from a snapshot taken inside a record interval (and
 * through checkpoint.nc) continues the counts exactly. */
Test(stability, silent_resumes)
{
    struct mp_config c = silent_cfg(), back;
    struct mp_net_snapshot s, r;
    struct mp_provenance prov = {"test", NULL, NULL, NULL};
    struct mp_net *a = silent_net(&c), *b;
    double va[9 * 21], vb[9 * 21];
    char path[] = "/tmp/mp-silent-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    memset(va, 0, sizeof va);
    memset(vb, 0, sizeof vb);
    silent_samples(a, va);
    mp_net_destroy(a);
    /* Stopped 9.5 s in, its records taken as a run takes them. */
    c.duration_s = 9.5;
    a = silent_net(&c);
    silent_samples(a, vb);
    c.duration_s = 20.0;
    cr_assert_eq(mp_net_snapshot(a, &s), 0);
    mp_net_destroy(a);
    cr_assert_eq(mp_io_net_ckpt_write(path, &c, &s, &prov), 0, "%s",
                 mp_errmsg());
    cr_assert_eq(mp_io_net_ckpt_read(path, &back, &r), 0, "%s",
                 mp_errmsg());
    unlink(path);
    cr_assert(r.silent, "checkpoint.nc lost the silence counts");
    cr_expect_eq(memcmp(r.silent, s.silent, 3 * sizeof *s.silent), 0);
    cr_assert_eq(mp_net_create(&b, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_restore(b, &r), 0, "%s", mp_errmsg());
    silent_samples(b, vb);
    mp_net_destroy(b);
    cr_expect_eq(memcmp(va + 9 * 10, vb + 9 * 10, 9 * 11 * sizeof *va), 0,
                 "the resumed run's counts differ");
    mp_net_snapshot_fini(&s);
    mp_net_snapshot_fini(&r);
}

/* The silence counts beside the priming components, gains and biases:
 * every optional array of a network checkpoint at once travels through
 * checkpoint.nc, and the run resumed from it continues exactly. */
Test(stability, silent_with_priming_resumes)
{
    struct mp_config c = silent_cfg(), back;
    struct mp_net_snapshot s, r, end_a, end_b;
    struct mp_provenance prov = {"test", NULL, NULL, NULL};
    struct mp_net *a, *b;
    double va[9 * 21], vb[9 * 21];
    char path[] = "/tmp/mp-silent-XXXXXX";
    const size_t N = 3;
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    c.priming_tau_s = 1.0;
    c.priming_gain = 0.5;
    c.ip_tau_s = 10.0;
    memset(va, 0, sizeof va);
    memset(vb, 0, sizeof vb);
    a = silent_net(&c);
    silent_samples(a, va);
    cr_assert_eq(mp_net_snapshot(a, &end_a), 0);
    mp_net_destroy(a);
    c.duration_s = 9.5;
    a = silent_net(&c);
    silent_samples(a, vb);
    c.duration_s = 20.0;
    cr_assert_eq(mp_net_snapshot(a, &s), 0);
    mp_net_destroy(a);
    cr_assert(s.prime && s.gain && s.bias && s.silent);
    cr_assert_eq(mp_io_net_ckpt_write(path, &c, &s, &prov), 0, "%s",
                 mp_errmsg());
    cr_assert_eq(mp_io_net_ckpt_read(path, &back, &r), 0, "%s",
                 mp_errmsg());
    unlink(path);
    cr_assert(r.prime && r.gain && r.bias && r.silent,
              "checkpoint.nc lost an optional array");
    cr_expect_eq(memcmp(r.prime, s.prime, N * sizeof *s.prime), 0);
    cr_expect_eq(memcmp(r.gain, s.gain, N * sizeof *s.gain), 0);
    cr_expect_eq(memcmp(r.bias, s.bias, N * sizeof *s.bias), 0);
    cr_expect_eq(memcmp(r.silent, s.silent, N * sizeof *s.silent), 0);
    cr_assert_eq(mp_net_create(&b, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_restore(b, &r), 0, "%s", mp_errmsg());
    silent_samples(b, vb);
    cr_assert_eq(mp_net_snapshot(b, &end_b), 0);
    mp_net_destroy(b);
    cr_expect_eq(memcmp(va + 9 * 10, vb + 9 * 10, 9 * 11 * sizeof *va), 0,
                 "the resumed run's counts differ");
    cr_expect_eq(memcmp(end_a.w, end_b.w, N * c.n_in * sizeof *end_a.w), 0,
                 "the resumed run's weights differ");
    cr_expect_eq(memcmp(end_a.prime, end_b.prime, N * sizeof *end_a.prime),
                 0);
    cr_expect_eq(memcmp(end_a.gain, end_b.gain, N * sizeof *end_a.gain), 0);
    mp_net_snapshot_fini(&s);
    mp_net_snapshot_fini(&r);
    mp_net_snapshot_fini(&end_a);
    mp_net_snapshot_fini(&end_b);
}
