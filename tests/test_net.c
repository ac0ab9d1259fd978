/* SPDX-License-Identifier: MIT */
/*
 * test_net.c: rate networks with BCM plasticity: the classic results the
 * rules must reproduce (Bienenstock, Cooper & Munro 1982; Intrator &
 * Cooper 1992), their stability boundary, neuromodulation, scaling, and
 * determinism.  Deterministic runs (fixed seeds, no noise): the 2 %
 * tolerances are the issue's, on quantities that converge exactly.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/net.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/pool.h"

/* K = 4 orthonormal patterns on 16 inputs, y0 = 1: BCM's selective
 * fixed point is a response K*y0 = 4 to one pattern, 0 to the others,
 * theta = K*y0.  tau_theta = 1 s < tau_w / y0 = 20 s (stable). */
static struct mp_config base(void)
{
    struct mp_config c;
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.n_in = 16;
    c.n_out = 6;
    c.patterns = 4;
    c.dt_s = 1e-3;
    c.switch_s = 0.02;
    c.tau_theta_s = 1.0;
    c.tau_w_s = 20.0;
    c.w_init = 0.5;
    c.duration_s = 400.0;
    c.record_interval_s = 10.0;
    return c;
}

static struct mp_net *make(struct mp_config *c)
{
    struct mp_net *n;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_create(&n, c), 0, "%s", mp_errmsg());
    return n;
}

/* Runs to the end; the largest response seen at any record. */
static double run(struct mp_net *n, struct mp_net_sample *last)
{
    double peak = 0.0;
    size_t k;
    memset(last, 0, sizeof *last);
    while (mp_net_step(n) < mp_net_total(n)) {
        cr_assert_eq(mp_net_advance(n, mp_net_until_record(n)), 0);
        if (mp_net_record_due(n) || mp_net_step(n) == mp_net_total(n)) {
            mp_net_sample_fini(last);
            cr_assert_eq(mp_net_sample(n, last), 0);
            for (k = 0; k < (size_t)last->n_out * last->patterns; k++)
                if (last->response[k] > peak)
                    peak = last->response[k];
        }
    }
    return peak;
}

/* Largest and second-largest response of neuron i. */
static void best_two(const struct mp_net_sample *s, uint32_t i, float *a,
                     float *b)
{
    uint32_t k;
    *a = *b = -1.0f;
    for (k = 0; k < s->patterns; k++) {
        float r = s->response[(size_t)i * s->patterns + k];
        if (r > *a) {
            *b = *a;
            *a = r;
        } else if (r > *b) {
            *b = r;
        }
    }
}

Test(net, bcm_selectivity)
{
    struct mp_config c = base();
    struct mp_net *n;
    /* Long enough for the slowest neuron here (two patterns competing
     * nearly evenly take longest to resolve). */
    c.duration_s = 800.0;
    n = make(&c);
    struct mp_net_sample s;
    const double target = c.patterns * c.y0;
    uint32_t i;
    run(n, &s);
    for (i = 0; i < c.n_out; i++) {
        float a, b;
        best_two(&s, i, &a, &b);
        cr_expect(fabs(a - target) <= 0.02 * target,
                  "neuron %u: preferred response %g, want %g +- 2%%", i, a,
                  target);
        cr_expect(b < 0.02 * target, "neuron %u: second response %g", i, b);
        cr_expect(fabs(s.theta[i] - target) <= 0.02 * target,
                  "neuron %u: theta %g", i, s.theta[i]);
    }
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
}

/* Below the Hopf condition (tau_theta = tau_w / (2 y0)) the response
 * converges without overshoot; above it (tau_theta = 2 tau_w / y0) it
 * runs away past twice the fixed point and does not settle there. */
Test(net, hopf_stability)
{
    struct mp_config c = base();
    struct mp_net *n;
    struct mp_net_sample s;
    char warn[512];
    const double target = c.patterns * c.y0;
    double peak;
    float a, b;

    c.tau_theta_s = 10.0;
    c.duration_s = 800.0;
    cr_expect_eq(mp_config_warnings(&c, warn, sizeof warn), 0, "%s", warn);
    n = make(&c);
    peak = run(n, &s);
    best_two(&s, 0, &a, &b);
    cr_expect(fabs(a - target) <= 0.02 * target, "stable: %g", a);
    cr_expect(peak < 1.5 * target, "stable: peak %g", peak);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);

    c.tau_theta_s = 40.0;
    c.duration_s = 400.0;
    cr_expect_eq(mp_config_warnings(&c, warn, sizeof warn), 1);
    cr_expect(strstr(warn, "Hopf"), "%s", warn);
    n = make(&c);
    peak = run(n, &s);
    best_two(&s, 0, &a, &b);
    cr_expect(peak > 2.0 * target, "unstable: peak only %g", peak);
    cr_expect(fabs(a - target) > 0.02 * target, "unstable but settled: %g",
              a);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
}

/* A pure Hebbian rule (theta fixed at 0) runs away: every neuron's
 * response to some pattern grows until all of that pattern's weights sit
 * at w_max (response w_max * sum_j p_j = 20), and most weights end there;
 * BCM with the same rates settles at K y0 = 4, far below the bound. */
Test(net, hebbian_runs_away)
{
    struct mp_config c = base();
    struct mp_net *n;
    struct mp_net_sample s;
    const float *w;
    const float sat = (float)(c.w_max * 2.0); /* |p|_1 = 4 * 0.5 */
    size_t j, at_max = 0, nw = (size_t)c.n_in * c.n_out;
    uint32_t i;
    float a, b;
    c.rule = MP_RULE_HEBBIAN; /* 400 s, as for BCM */
    n = make(&c);
    run(n, &s);
    w = mp_net_weights(n);
    for (j = 0; j < nw; j++)
        at_max += w[j] == (float)c.w_max;
    cr_expect(at_max >= nw * 3 / 4, "hebbian: %zu of %zu weights at w_max",
              at_max, nw);
    for (i = 0; i < c.n_out; i++) {
        best_two(&s, i, &a, &b);
        cr_expect(fabsf(a - sat) <= 1e-4f * sat,
                  "hebbian: neuron %u peaks at %g, not the bound %g", i, a,
                  sat);
    }
    mp_net_sample_fini(&s);
    mp_net_destroy(n);

    c.rule = MP_RULE_BCM;
    n = make(&c);
    run(n, &s);
    w = mp_net_weights(n);
    for (j = 0; j < nw; j++)
        cr_assert(w[j] < 0.5 * c.w_max, "bcm: weight %zu = %g", j, w[j]);
    for (i = 0; i < c.n_out; i++) {
        best_two(&s, i, &a, &b);
        cr_expect(a < 1.1 * c.patterns * c.y0, "bcm: neuron %u at %g", i, a);
    }
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
}

/* m = 0 freezes the weights exactly; m = 2 stores faster than m = 1. */
Test(net, neuromodulation)
{
    struct mp_config c = base();
    struct mp_net *n, *fresh;
    struct mp_net_sample s;
    float a1, a2, b;
    size_t nw = (size_t)c.n_in * c.n_out;

    c.modulator = 0.0;
    c.duration_s = 50.0;
    fresh = make(&c);
    n = make(&c);
    run(n, &s);
    cr_expect_eq(memcmp(mp_net_weights(n), mp_net_weights(fresh),
                        nw * sizeof(float)),
                 0, "m = 0 changed a weight");
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
    mp_net_destroy(fresh);

    /* Early in learning (60 s): how far the preferred response has grown. */
    c.duration_s = 60.0;
    c.modulator = 1.0;
    n = make(&c);
    run(n, &s);
    best_two(&s, 0, &a1, &b);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
    c.modulator = 2.0;
    n = make(&c);
    run(n, &s);
    best_two(&s, 0, &a2, &b);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
    cr_expect(a2 > 1.2 * a1, "m = 2: %g, m = 1: %g", a2, a1);
}

/* Scaling alone (no Hebbian change): one pass multiplies each neuron's
 * weights by one factor (ratios kept to float round-off), and the mean
 * rate converges to the target. */
Test(net, synaptic_scaling)
{
    struct mp_config c = base();
    struct mp_net *n;
    struct mp_net_sample s;
    float *before;
    const float *w;
    size_t nw = (size_t)c.n_in * c.n_out, i, j;

    c.rule = MP_RULE_NONE;
    c.scaling_interval_s = 1.0;
    c.target_rate = 0.8;
    c.scaling_max = 4.0;
    c.w_min = -100.0;
    c.w_max = 100.0;
    c.duration_s = 0.999;
    n = make(&c);
    before = malloc(nw * sizeof *before);
    memcpy(before, mp_net_weights(n), nw * sizeof *before);
    cr_assert_eq(mp_net_advance(n, 2), 0); /* crosses the first pass */
    mp_net_destroy(n);
    c.duration_s = 1.0;
    n = make(&c);
    cr_assert_eq(mp_net_advance(n, mp_net_total(n)), 0);
    w = mp_net_weights(n);
    for (i = 0; i < c.n_out; i++) {
        const float *a = before + i * c.n_in, *b = w + i * c.n_in;
        double s0 = (double)b[0] / a[0];
        cr_assert(fabs(s0 - 1.0) > 1e-3, "neuron %zu was not scaled", i);
        for (j = 1; j < c.n_in; j++) {
            double sj = (double)b[j] / a[j];
            cr_expect(fabs(sj / s0 - 1.0) <= 2.5e-7,
                      "neuron %zu: ratio of weights %zu and 0 changed by "
                      "%g",
                      i, j, sj / s0 - 1.0);
        }
    }
    mp_net_destroy(n);
    free(before);

    c.duration_s = 20.0;
    c.record_interval_s = 1.0;
    n = make(&c);
    run(n, &s);
    for (i = 0; i < c.n_out; i++)
        cr_expect(fabs(s.rate[i] - c.target_rate) <= 0.02 * c.target_rate,
                  "neuron %zu: mean rate %g, target %g", i, s.rate[i],
                  c.target_rate);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
}

/* 1 and 2 threads, with noise, scaling and BCM together: the same bits. */
Test(net, threads_bit_identical)
{
    struct mp_config c = base();
    struct mp_net *a, *b;
    /* Small cases: the pool still splits them over both threads. */
    mp__pool_split_always(1);
    c.n_out = 37;
    c.n_in = 100;
    c.noise = 0.1;
    c.scaling_interval_s = 0.5;
    c.duration_s = 5.0;
    c.threads = 1;
    a = make(&c);
    c.threads = 2;
    b = make(&c);
    cr_assert_eq(mp_net_advance(a, mp_net_total(a)), 0);
    cr_assert_eq(mp_net_advance(b, 1234), 0);
    cr_assert_eq(mp_net_advance(b, mp_net_total(b)), 0);
    cr_expect_eq(memcmp(mp_net_weights(a), mp_net_weights(b),
                        (size_t)c.n_in * c.n_out * sizeof(float)),
                 0, "weights differ");
    cr_expect_eq(memcmp(mp_net_theta(a), mp_net_theta(b),
                        c.n_out * sizeof(float)),
                 0, "thresholds differ");
    mp_net_destroy(a);
    mp_net_destroy(b);
}

/* Patterns: K orthonormal, non-negative; shown equally often. */
Test(net, inputs)
{
    struct mp_config c = base();
    struct mp_net *n = make(&c);
    uint32_t k, l, j, count[4] = {0};
    uint64_t p;
    for (k = 0; k < 4; k++)
        for (l = 0; l < 4; l++) {
            double d = 0.0;
            for (j = 0; j < c.n_in; j++) {
                cr_assert(mp_net_pattern(n, k)[j] >= 0.0f);
                d += (double)mp_net_pattern(n, k)[j] * mp_net_pattern(n, l)[j];
            }
            cr_expect(fabs(d - (k == l)) < 1e-6, "<p%u, p%u> = %g", k, l, d);
        }
    for (p = 0; p < 400; p++)
        count[mp_net_pattern_at(n, p * 20)]++;
    for (k = 0; k < 4; k++)
        cr_expect_eq(count[k], 100u, "pattern %u shown %u times", k,
                     count[k]);
    mp_net_destroy(n);
}

Test(net, config_messages)
{
    struct mp_config c;
    struct {
        const char *set, *want;
    } cases[] = {
        {"bcm.tau_w=10", "bcm.tau_w: expected a time with a unit"},
        {"network.dt=1h", "bcm.tau_w: 10s is shorter than the time step "
                          "network.dt = 3600s"},
        {"record.interval=1ms", "record.interval: the run would record"},
        {"input.patterns=40", "input.patterns: 40 orthonormal patterns need"},
        {"network.w_max=-20", "network.w_max: must be greater than"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        mp_config_init(&c);
        c.paradigm = MP_PARADIGM_NETWORK;
        c.duration_s = 1e4;
        c.record_max_bytes = 1000000;
        rc = mp_config_set(&c, cases[i].set, 1);
        if (rc == 0)
            rc = mp_config_validate(&c);
        cr_expect_eq(rc, MP_EINVAL, "%s accepted", cases[i].set);
        cr_expect(strstr(mp_errmsg(), cases[i].want), "%s:\n got  %s\n want %s",
                  cases[i].set, mp_errmsg(), cases[i].want);
    }
}

/* ---- Recurrent and sparse ------------------------------------------------ */

/* Without plasticity, a recurrent network follows
 * y(t) = relu(W_ff x(t) + W_rec y(t-1) - b) exactly: checked against a
 * plain reference computed here (in another order, so to 1e-5). */
Test(net, recurrent_dynamics)
{
    struct mp_config c = base();
    struct mp_net *n;
    const uint32_t N = 5, I = 16, L = I + N;
    double y[5] = {0}, yn[5];
    uint64_t t;
    uint32_t i, j;
    c.rule = MP_RULE_NONE;
    c.recurrent = 1;
    c.n_out = N;
    c.w_init = 0.3;
    c.w_init_rec = 0.35;
    c.duration_s = 0.2;
    n = make(&c);
    cr_assert_eq(mp_net_row_length(n), L);
    for (t = 0; t < mp_net_total(n); t++) {
        const float *w = mp_net_weights(n);
        const float *x = mp_net_pattern(n, mp_net_pattern_at(n, t));
        for (i = 0; i < N; i++) {
            double h = 0.0;
            for (j = 0; j < I; j++)
                h += (double)w[i * L + j] * x[j];
            for (j = 0; j < N; j++)
                h += (double)w[i * L + I + j] * y[j];
            yn[i] = h > 0 ? h : 0;
        }
        memcpy(y, yn, sizeof y);
        cr_assert_eq(mp_net_advance(n, 1), 0);
        for (i = 0; i < N; i++)
            cr_assert(fabs(mp_net_rates(n)[i] - y[i]) <= 1e-5 * (1 + y[i]),
                      "step %llu neuron %u: %g vs reference %g",
                      (unsigned long long)t, i, mp_net_rates(n)[i], y[i]);
    }
    /* The recurrence matters: the rates grew beyond the feed-forward
     * drive alone. */
    cr_expect(y[0] > 1.2 * mp_net_response(n, 0, mp_net_pattern_at(n, t - 1)),
              "%g", y[0]);
    mp_net_destroy(n);
}

/* Recurrent synapses at 0 and no plasticity: the feed-forward network's
 * rates, bit for bit (adding 0 changes no double). */
Test(net, recurrent_zero_is_feedforward)
{
    struct mp_config c = base();
    struct mp_net *a, *b;
    c.rule = MP_RULE_NONE;
    c.duration_s = 3.0;
    a = make(&c);
    c.recurrent = 1;
    c.w_init_rec = 0.0;
    b = make(&c);
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0);
    cr_expect_eq(memcmp(mp_net_rates(a), mp_net_rates(b), c.n_out * 4), 0);
    mp_net_destroy(a);
    mp_net_destroy(b);
}

/* Recurrent, sparse (fan-in 50 of 140 cells), BCM, noise, scaling: 1 and
 * 2 threads, and stored or regenerated presynaptic indices, all agree. */
Test(net, sparse_recurrent_bit_identical)
{
    struct mp_config c = base();
    struct mp_net *a, *b, *r;
    size_t nw;
    /* Small cases: the pool still splits them over both threads. */
    mp__pool_split_always(1);
    c.recurrent = 1;
    c.n_in = 100;
    c.n_out = 40;
    c.fan_in = 50;
    c.w_init = 0.1;
    c.w_init_rec = 0.02;
    c.noise = 0.1;
    c.scaling_interval_s = 0.5;
    c.target_rate = 0.3;
    c.scaling_max = 1.2;
    c.w_min = -0.3; /* bounded recurrent gain: the network stays active */
    c.w_max = 0.3;
    c.duration_s = 4.0;
    c.threads = 1;
    a = make(&c);
    c.threads = 2;
    b = make(&c);
    r = make(&c);
    mp__net_set_regen(r, 1);
    cr_assert_eq(mp_net_row_length(a), 50u);
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(b, 777), 0);
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0);
    cr_assert_eq(mp_net_advance(r, UINT64_MAX), 0);
    nw = (size_t)c.n_out * c.fan_in * sizeof(float);
    cr_expect_eq(memcmp(mp_net_weights(a), mp_net_weights(b), nw), 0,
                 "threads");
    cr_expect_eq(memcmp(mp_net_weights(a), mp_net_weights(r), nw), 0,
                 "regenerated indices");
    cr_expect_eq(memcmp(mp_net_theta(a), mp_net_theta(b), c.n_out * 4), 0);
    {
        uint32_t i, active = 0;
        for (i = 0; i < c.n_out; i++)
            active += mp_net_rates(a)[i] > 0.0f;
        cr_expect(active > c.n_out / 2, "only %u neurons active: a silent "
                                        "network proves little",
                  active);
    }
    mp_net_destroy(a);
    mp_net_destroy(b);
    mp_net_destroy(r);
}

/* ---- Protocols ---------------------------------------------------------- */

/* Three phases of 10 s: pattern 0 with no plasticity, patterns 1 and 2,
 * then all; the last phase holds after 30 s. */
Test(net, protocol_phases)
{
    struct mp_config c = base();
    struct mp_net *n, *fresh;
    struct mp_net_sample s;
    uint64_t t, count[4] = {0};
    size_t nw = (size_t)c.n_in * c.n_out;
    c.duration_s = 40.0;
    cr_assert_eq(mp_config_set(&c, "protocol.durations=10s, 10s, 10s", 1),
                 0, "%s", mp_errmsg());
    cr_assert_eq(mp_config_set(&c, "protocol.patterns=0, 1+2, all", 2),
                 0, "%s", mp_errmsg());
    cr_assert_eq(mp_config_set(&c, "protocol.modulator=0, 1, 2", 3),
                 0, "%s", mp_errmsg());
    n = make(&c);
    fresh = make(&c);
    for (t = 0; t < 10000; t += 20)
        cr_assert_eq(mp_net_pattern_at(n, t), 0u, "phase 1 at step %llu",
                     (unsigned long long)t);
    for (t = 10000; t < 20000; t += 20) {
        uint32_t k = mp_net_pattern_at(n, t);
        cr_assert(k == 1 || k == 2, "phase 2 shows %u", k);
        count[k]++;
    }
    cr_expect_eq(count[1], count[2], "phase 2 unbalanced: %llu vs %llu",
                 (unsigned long long)count[1], (unsigned long long)count[2]);
    memset(count, 0, sizeof count);
    for (t = 30000; t < 40000; t += 20) /* the last phase holds */
        count[mp_net_pattern_at(n, t)]++;
    cr_expect(count[0] && count[1] && count[2] && count[3]);
    /* m = 0 in phase 1: weights frozen until 10 s, then they move. */
    cr_assert_eq(mp_net_advance(n, 10000), 0);
    cr_expect_eq(memcmp(mp_net_weights(n), mp_net_weights(fresh), nw * 4), 0,
                 "weights changed with m = 0");
    cr_assert_eq(mp_net_sample(n, &s), 0);
    cr_expect_eq(s.modulator, 1.0, "phase 2 level at 10 s: %g", s.modulator);
    mp_net_sample_fini(&s);
    cr_assert_eq(mp_net_advance(n, 1000), 0);
    cr_expect_neq(memcmp(mp_net_weights(n), mp_net_weights(fresh), nw * 4),
                  0, "no learning in phase 2");
    cr_assert_eq(mp_net_advance(n, 25000), 0);
    cr_assert_eq(mp_net_sample(n, &s), 0);
    cr_expect_eq(s.modulator, 2.0);
    mp_net_sample_fini(&s);
    mp_net_destroy(n);
    mp_net_destroy(fresh);
}

Test(net, protocol_config)
{
    struct {
        const char *set[2], *want;
    } cases[] = {
        {{"protocol.patterns=all", NULL},
         "protocol.durations: a protocol needs protocol.durations"},
        {{"protocol.durations=1s, 2s", "protocol.modulator=1"},
         "protocol.modulator: has 1 entries, protocol.durations has 2"},
        {{"protocol.durations=1s", "protocol.patterns=7"},
         "protocol.patterns: phase 1 names a pattern beyond input.patterns"},
        {{"protocol.durations=1s, 1us", NULL},
         "protocol.durations: expected a comma-separated list"},
        {{"protocol.patterns=0+x", NULL},
         "protocol.patterns: expected a comma-separated list"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mp_config c = base();
        int rc = mp_config_set(&c, cases[i].set[0], 1);
        if (!rc && cases[i].set[1])
            rc = mp_config_set(&c, cases[i].set[1], 2);
        if (!rc)
            rc = mp_config_validate(&c);
        cr_expect_eq(rc, MP_EINVAL, "case %zu accepted", i);
        cr_expect(strstr(mp_errmsg(), cases[i].want),
                  "case %zu:\n got  %s\n want %s", i, mp_errmsg(),
                  cases[i].want);
    }
    /* Written and read back. */
    {
        struct mp_config c = base(), d;
        char *text = NULL;
        size_t len = 0;
        FILE *f;
        cr_assert_eq(mp_config_set(&c, "protocol.durations=1s, 2min", 1),
                     0);
        cr_assert_eq(mp_config_set(&c, "protocol.patterns=all, 1+3", 2),
                     0);
        cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
        f = open_memstream(&text, &len);
        mp_config_write(&c, f);
        fclose(f);
        mp_config_init(&d);
        cr_assert_eq(mp_config_load_text(&d, text, "text"),
                     0, "%s", mp_errmsg());
        cr_expect_eq(d.n_phases, 2u);
        cr_expect_eq(d.phase_s[1], 120.0);
        cr_expect_eq(d.phase_patterns[0], 0u);
        cr_expect_eq(d.phase_patterns[1], 0xAu);
        cr_expect(strstr(text, "patterns = all, 1+3"), "%s", text);
        free(text);
    }
}

/* Heterosynaptic normalisation: each segment's total weight is conserved
 * (to float round-off, far from the bounds) while its weights move. */
Test(net, heterosynaptic_conserves_segments)
{
    struct mp_config c = base();
    struct mp_net *n;
    float before[16 * 6];
    const uint32_t G = 4;
    uint32_t i, g, s;
    int moved = 0;
    c.hetero_segment = G;
    c.w_min = -1000;
    c.w_max = 1000;
    c.duration_s = 30.0;
    n = make(&c);
    cr_assert_eq(mp_net_advance(n, 5000), 0);
    memcpy(before, mp_net_weights(n), sizeof before);
    cr_assert_eq(mp_net_advance(n, 1000), 0);
    for (i = 0; i < c.n_out; i++)
        for (g = 0; g < 16; g += G) {
            double a = 0.0, b = 0.0, scale = 0.0;
            for (s = g; s < g + G; s++) {
                a += before[i * 16 + s];
                b += mp_net_weights(n)[i * 16 + s];
                scale += fabs(before[i * 16 + s]);
                moved |= before[i * 16 + s] != mp_net_weights(n)[i * 16 + s];
            }
            /* 1000 steps of float rounding, each < 2^-24 of the weights. */
            cr_expect(fabs(a - b) <= 1000 * 4 * 6e-8 * scale + 1e-12,
                      "neuron %u segment %u: sum %.9g -> %.9g", i, g / G, a,
                      b);
        }
    cr_expect(moved, "no weight moved");
    mp_net_destroy(n);
}

/* ---- BCM-gated discrete synapses ---------------------------------------- */

static struct mp_config discrete_cfg(void)
{
    struct mp_config c = base();
    c.discrete = 1;
    c.syn.model = MP_SYN_CASCADE;
    c.syn.n = 5;
    c.syn.x = 0.5;
    c.w_weak = 0.0;
    c.w_strong = 0.5;
    c.tau_w_s = 2.0;
    c.duration_s = 200.0;
    return c;
}

/*
 * Under pure potentiation (theta = 0) a pattern that evokes a response
 * potentiates all its synapses, and a strong synapse only ever moves
 * deeper: its depth, a learning rate that falls as the memory is
 * reinforced, ends at the bottom of the cascade.  A pattern whose synapses
 * are all weak evokes nothing and gets no events.  So, after 1000 s: each
 * (neuron, pattern) group of synapses is all strong or all weak, and
 * nearly every strong synapse sits at depth n.  Weights stay binary.
 */
Test(net, discrete_cascade_deepens)
{
    struct mp_config c = discrete_cfg();
    struct mp_net *n;
    struct mp_net_snapshot b;
    size_t k, nw = (size_t)c.n_in * c.n_out, strong = 0, deepest = 0;
    uint32_t i, pk, j, groups_strong = 0;
    c.rule = MP_RULE_HEBBIAN;
    c.tau_w_s = 0.5; /* ~140 events per synapse of a responding pattern */
    c.duration_s = 1000.0;
    n = make(&c);
    cr_assert_eq(mp_net_advance(n, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(n, &b), 0);
    for (k = 0; k < nw; k++) {
        int st = (b.state[k] & MP_SYN_STRONG) != 0;
        cr_assert(b.w[k] == (st ? 0.5f : 0.0f), "weight %zu = %g", k, b.w[k]);
        strong += st;
        deepest += st && (b.state[k] & MP_SYN_DEPTH_MASK) == c.syn.n - 1;
    }
    for (i = 0; i < c.n_out; i++)
        for (pk = 0; pk < c.patterns; pk++) {
            uint32_t in = 0, on = 0;
            for (j = 0; j < c.n_in; j++)
                if (mp_net_pattern(n, pk)[j] > 0.0f) {
                    in++;
                    on += (b.state[i * c.n_in + j] & MP_SYN_STRONG) != 0;
                }
            cr_expect(on == 0 || on == in,
                      "neuron %u pattern %u: %u of %u strong", i, pk, on, in);
            groups_strong += on == in;
        }
    cr_expect(groups_strong >= c.n_out * c.patterns / 2, "%u groups strong",
              groups_strong);
    cr_expect(deepest >= strong * 8 / 10, "%zu of %zu strong at depth n",
              deepest, strong);
    mp_net_snapshot_fini(&b);
    mp_net_destroy(n);
}

/* m = 0 freezes discrete states exactly; 1 and 2 threads agree. */
Test(net, discrete_frozen_and_deterministic)
{
    struct mp_config c = discrete_cfg();
    struct mp_net *n, *t1, *t2;
    struct mp_net_snapshot a, b;
    size_t nw = (size_t)c.n_in * c.n_out;
    /* Small cases: the pool still splits them over both threads. */
    mp__pool_split_always(1);
    c.modulator = 0.0;
    c.duration_s = 20.0;
    n = make(&c);
    cr_assert_eq(mp_net_snapshot(n, &a), 0);
    cr_assert_eq(mp_net_advance(n, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(n, &b), 0);
    cr_expect_eq(memcmp(a.state, b.state, nw), 0, "states moved with m = 0");
    mp_net_snapshot_fini(&a);
    mp_net_snapshot_fini(&b);
    mp_net_destroy(n);

    c = discrete_cfg();
    c.n_out = 33;
    c.noise = 0.1;
    c.threads = 1;
    t1 = make(&c);
    c.threads = 2;
    t2 = make(&c);
    cr_assert_eq(mp_net_advance(t1, 50000), 0);
    cr_assert_eq(mp_net_advance(t2, 50000), 0);
    cr_assert_eq(mp_net_snapshot(t1, &a), 0);
    cr_assert_eq(mp_net_snapshot(t2, &b), 0);
    cr_expect_eq(memcmp(a.state, b.state, (size_t)c.n_in * c.n_out), 0);
    cr_expect_eq(memcmp(a.w, b.w, (size_t)c.n_in * c.n_out * 4), 0);
    mp_net_snapshot_fini(&a);
    mp_net_snapshot_fini(&b);
    mp_net_destroy(t1);
    mp_net_destroy(t2);
}

Test(net, discrete_config)
{
    struct mp_config c = discrete_cfg();
    c.scaling_interval_s = 1.0;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "scaling.interval: synaptic scaling multiplies "
                     "weights"),
              "%s", mp_errmsg());
    c = discrete_cfg();
    c.syn.n = 40;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "synapse.n: expected a cascade depth"),
              "%s", mp_errmsg());
}

/* Observers refuse what the network does not hold: a neuron or pattern
 * out of range gives NAN and a message naming both ranges. */
Test(net, response_out_of_range)
{
    struct mp_config c = base();
    struct mp_net *n;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_create(&n, &c), 0, "%s", mp_errmsg());
    cr_expect(!isnan(mp_net_response(n, c.n_out - 1, c.patterns - 1)));
    cr_expect(isnan(mp_net_response(n, c.n_out, 0)));
    cr_expect(strstr(mp_errmsg(), "neuron") && strstr(mp_errmsg(), "rows"),
              "%s", mp_errmsg());
    cr_expect(isnan(mp_net_response(n, 0, c.patterns)));
    cr_expect(mp_net_weights(n) && mp_net_theta(n) && mp_net_rates(n));
    mp_net_destroy(n);
}
