/* SPDX-License-Identifier: MIT */
/*
 * test_attr_theory.c: the attractor network's theory (docs/ATTRACTOR.md,
 * "Theory"): the exact conditional weights against the synapses of a
 * simulated network, the classic formula at the defaults, the mean field
 * against retrieval, its high-temperature limit, and no NaN where the
 * theory applies.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_theory.h"
#include "metaplast/metaplast.h"
#include "metaplast/private/attr_rules.h"

/* A validated configuration from INI text and overrides. */
static void config(struct mp_config *c, const char *ini, const char *set)
{
    char buf[256];
    const char *p = set;
    int k = 1;
    mp_config_init(c);
    cr_assert_eq(mp_config_load_text(c, ini, "test.ini"), 0, "%s",
                 mp_errmsg());
    while (p && *p) { /* overrides separated by ';' */
        const char *end = strchr(p, ';');
        const size_t n = end ? (size_t)(end - p) : strlen(p);
        memcpy(buf, p, n);
        buf[n] = 0;
        if (n)
            cr_assert_eq(mp_config_set(c, buf, k++), 0, "%s", mp_errmsg());
        p = end ? end + 1 : NULL;
    }
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    c->backend = MP_BACKEND_CPU;
}

/* The network of c, advanced by `memories` (0: created only). */
static struct mp_attr *network(const struct mp_config *c, uint64_t memories)
{
    struct mp_attr *a;
    cr_assert_eq(mp_attr_create(&a, c), 0, "%s", mp_errmsg());
    if (memories)
        cr_assert_eq(mp_attr_advance(a, memories), 0, "%s", mp_errmsg());
    return a;
}

static const char *small_ini =
    "[run]\nparadigm = attractor\nseed = 5\nmemories = 16\nthreads = 1\n"
    "[attractor]\nneurons = 600\ncoding = 0.3\nsymmetry = independent\n"
    "init = plastic\nburn_in = 2\n"
    "[synapse]\nmodel = cascade\nn = 4\n"
    "[store]\nrule = presynaptic\nrepeats = 2\nblock = 2\n"
    "phases = 5, 1\nmodulator = 1, 0.5\n"
    "[retrieve]\nsteps = 2\n"
    "[measure]\nevery = 16\nages = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "
    "12, 13, 14, 15\n";

/* Class (x, y) = (xi_i, xi_j) of memory mu: the mean of J over its pairs
 * and its standard error. */
struct cls {
    double mean, se;
};

/*
 * The standard error of a class mean over pairs: the pairs are not
 * independent (J_ij and J_ik share neuron i's pattern bits of every other
 * memory, J_ij and J_kj neuron j's), so the mean over pairs is taken as
 * the mean of its rows' means and of its columns' means; its variance is
 * at most about var(row means) / rows + var(column means) / columns (each
 * term holds the pairs' own independent share once more: conservative).
 */
static void classes(const uint8_t *st, const uint8_t *xi, uint32_t N,
                    struct cls out[2][2])
{
    double *rs = calloc(N, sizeof *rs), *cs = calloc(N, sizeof *cs);
    int *rn = calloc(N, sizeof *rn), *cn = calloc(N, sizeof *cn);
    uint32_t x, y, i, j;
    for (x = 0; x < 2; x++)
        for (y = 0; y < 2; y++) {
            double sum = 0.0, n = 0.0, vr[3] = {0}, vc[3] = {0};
            memset(rs, 0, N * sizeof *rs);
            memset(cs, 0, N * sizeof *cs);
            memset(rn, 0, N * sizeof *rn);
            memset(cn, 0, N * sizeof *cn);
            for (i = 0; i < N; i++)
                for (j = 0; j < N; j++)
                    if (i != j && xi[i] == x && xi[j] == y) {
                        const double J =
                            (st[(size_t)i * N + j] & MP_SYN_STRONG) ? 1 : -1;
                        sum += J, n += 1.0;
                        rs[i] += J, rn[i]++;
                        cs[j] += J, cn[j]++;
                    }
            for (i = 0; i < N; i++) {
                if (rn[i]) {
                    const double m = rs[i] / rn[i];
                    vr[0] += 1.0, vr[1] += m, vr[2] += m * m;
                }
                if (cn[i]) {
                    const double m = cs[i] / cn[i];
                    vc[0] += 1.0, vc[1] += m, vc[2] += m * m;
                }
            }
            out[x][y].mean = sum / n;
            out[x][y].se = sqrt(
                (vr[2] - vr[1] * vr[1] / vr[0]) / (vr[0] - 1.0) / vr[0] +
                (vc[2] - vc[1] * vc[1] / vc[0]) / (vc[0] - 1.0) / vc[0]);
        }
    free(rs);
    free(cs);
    free(rn);
    free(cn);
}

/* Memory mu's pattern, regenerated from its key (attr_rules.h). */
static void pattern(const struct mp_config *c, uint64_t mu, uint8_t *xi)
{
    struct mp_attr_rules R;
    uint32_t i;
    memset(&R, 0, sizeof R);
    R.seed = c->seed;
    R.pitch = mp_attr_pitch(c->attr.neurons);
    R.neurons = c->attr.neurons;
    R.half = c->attr.coding == 0.5;
    R.thr_f = mp_prob_threshold(c->attr.coding);
    for (i = 0; i < c->attr.neurons; i++)
        xi[i] = (uint8_t)((mp_attr_pattern_word(&R, mu, i / 64) >> (i % 64)) &
                          1u);
}

/* The theory's E[J | xi_i = x, xi_j = y] of the presynaptic rule. */
static double th_class(const double *ej, int x, int y)
{
    return y == 0 ? ej[MP_ATH_NONE] : x ? ej[MP_ATH_POT] : ej[MP_ATH_DEP];
}

/* The largest |z| of memory ages 0..15's classes against theory c. */
static double worst_z(const struct mp_config *c, const uint8_t *st,
                      const struct mp_attr_curve *cv, int expect)
{
    const uint32_t N = c->attr.neurons;
    uint8_t *xi = malloc(N);
    struct cls k[2][2];
    double worst = 0.0, ej[3];
    uint64_t t;
    int x, y;
    for (t = 0; t < 16; t++) {
        pattern(c, 17 - t, xi);
        classes(st, xi, N, k);
        cr_assert_eq(mp__attr_theory_at(c, 18, t, ej), 0, "%s",
                     mp_errmsg());
        if (cv)
            cr_expect(fabs(cv->signal_theory[t] -
                           0.5 * (ej[MP_ATH_POT] - ej[MP_ATH_DEP])) < 1e-12,
                      "age %llu: record %.15f", (unsigned long long)t,
                      cv->signal_theory[t]);
        for (x = 0; x < 2; x++)
            for (y = 0; y < 2; y++) {
                const double z =
                    (k[x][y].mean - th_class(ej, x, y)) / k[x][y].se;
                if (expect)
                    cr_expect(fabs(z) < 5.0,
                              "age %llu, class (%d, %d): simulation %.5f "
                              "+- %.5f, theory %.5f",
                              (unsigned long long)t, x, y, k[x][y].mean,
                              k[x][y].se, th_class(ej, x, y));
                worst = fmax(worst, fabs(z));
            }
    }
    free(xi);
    return worst;
}

/*
 * (a) The exact conditional weights against the network's synapses:
 * N = 600, independent synapses, f = 0.3, the presynaptic rule, a
 * cascade of 4 levels from its most plastic states, a burn-in of 2,
 * memories presented twice in blocks of 2 (spaced), the modulator 1 for
 * 5 memories then 0.5 (a block straddles the change).  After the 18
 * memories, every memory's four classes of pairs (about 32 000 to
 * 176 000 each) against the theory, within 5 standard errors (see
 * classes(); 64 comparisons: a false alarm has probability 64 x 5.7e-7
 * = 4e-5 with the right errors, less with the conservative ones); the
 * record's
 * theory (one measurement) is the same number, walked another way.
 * Power: the same criterion refuses the theory of the same stream
 * without the repeats, without the modulator, or from the stationary
 * state (each measured at more than 6 standard errors somewhere).
 */
Test(attr_theory, conditional_means_match_simulation, .timeout = 300)
{
    struct mp_config c, wrong;
    struct mp_attr_curve cv;
    struct mp_attr *a;
    uint8_t *st;
    double z[4];
    int k;
    config(&c, small_ini, NULL);
    st = malloc((size_t)c.attr.neurons * c.attr.neurons);
    a = network(&c, 18);
    cr_assert_eq(mp_attr_state(a, st), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    z[0] = worst_z(&c, st, &cv, 1);
    for (k = 1; k < 4; k++) {
        wrong = c;
        if (k == 1)
            wrong.attr.repeats = 1;
        else if (k == 2)
            wrong.attr.n_phases = wrong.attr.n_levels = 0;
        else
            wrong.attr.init = MP_INIT_STATIONARY;
        z[k] = worst_z(&wrong, st, NULL, 0);
        cr_expect_gt(z[k], 5.0, "variant %d is not told apart", k);
    }
    cr_log_info("largest |z|: %.2f; without repeats %.2f, modulator %.2f, "
                "from the stationary state %.2f",
                z[0], z[1], z[2], z[3]);
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
    free(st);
}

static const char *base_ini =
    "[run]\nparadigm = attractor\nseed = 11\nmemories = 40\nthreads = 1\n"
    "[attractor]\nneurons = 500\n"
    "[synapse]\nmodel = binary\nq = 0.1\n"
    "[retrieve]\nnoise = 0.1\nsteps = 20\nsuccess = 0.9\n"
    "[measure]\nevery = 2\nages = 0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, "
    "25, 30\n";

/* The classic formula, recomputed here from the public theory: E[m(t)]
 * of the pair's ensemble (f^2 + (1 - f)^2 = 1/2), S = sqrt(N - 1) E[m] /
 * sqrt(1 - E[w]^2), m <- erf(S m / sqrt 2) from m = 1 - 2 noise. */
static void classic(const struct mp_config *c, const uint64_t *ages,
                    size_t n, double *sig, double *snr, double *ov)
{
    struct mp_config e = *c;
    struct mp_theory th;
    size_t k;
    uint32_t s;
    e.paradigm = MP_PARADIGM_ENSEMBLE;
    e.f = 0.5;
    e.synapses = (uint64_t)c->attr.neurons * (c->attr.neurons - 1) / 2;
    e.clock = MP_CLOCK_MEMORIES;
    cr_assert_eq(mp_theory_compute(&e, &th), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_theory_curve(&e, ages, n, sig, NULL), 0);
    for (k = 0; k < n; k++) {
        double m = 1.0 - 2.0 * c->attr.noise;
        snr[k] = sqrt((double)c->attr.neurons - 1.0) /
                 sqrt(1.0 - th.mean_w * th.mean_w) * sig[k];
        for (s = 0; s < c->attr.steps; s++)
            m = erf(snr[k] * m / sqrt(2.0));
        ov[k] = m;
    }
}

/*
 * (b) At the defaults (f = 1/2, covariance, one presentation, no
 * modulator, stationary start, noise cue, fixed threshold 0, T = 0) the
 * record holds the classic formula bit for bit; and the general formulas
 * (taken by a threshold of 10^-300 N, which no integer field can tell
 * from 0) give the same numbers to rounding, for binary and cascade
 * synapses, with the same capacity.
 */
Test(attr_theory, classic_reduction)
{
    static const char *models[2] = {"", "synapse.model=cascade;synapse.n=5"};
    int m;
    for (m = 0; m < 2; m++) {
        struct mp_config c, g;
        struct mp_attr *a, *b;
        struct mp_attr_curve cv, gv;
        double sig[64], snr[64], ov[64];
        size_t k;
        config(&c, base_ini, models[m]);
        g = c;
        g.attr.theta = 1e-300;
        a = network(&c, 0);
        b = network(&g, 0);
        cr_assert_eq(mp_attr_curve(a, &cv), 0);
        cr_assert_eq(mp_attr_curve(b, &gv), 0);
        classic(&c, cv.age, cv.n, sig, snr, ov);
        for (k = 0; k < cv.n; k++) {
            cr_expect(cv.signal_theory[k] == sig[k] &&
                          cv.snr_theory[k] == snr[k] &&
                          cv.overlap_theory[k] == ov[k],
                      "model %d, age %llu: %a %a %a, classic %a %a %a", m,
                      (unsigned long long)cv.age[k], cv.signal_theory[k],
                      cv.snr_theory[k], cv.overlap_theory[k], sig[k],
                      snr[k], ov[k]);
            cr_expect(fabs(gv.signal_theory[k] - sig[k]) < 1e-12 &&
                          fabs(gv.snr_theory[k] - snr[k]) < 1e-10 &&
                          fabs(gv.overlap_theory[k] - ov[k]) < 1e-10,
                      "model %d, age %llu: general %.15f %.15f %.15f, "
                      "classic %.15f %.15f %.15f",
                      m, (unsigned long long)cv.age[k], gv.signal_theory[k],
                      gv.snr_theory[k], gv.overlap_theory[k], sig[k],
                      snr[k], ov[k]);
        }
        cr_expect_eq(cv.capacity_theory, gv.capacity_theory);
        cr_expect(cv.capacity_theory >= 1.0, "capacity %g",
                  cv.capacity_theory);
        cr_expect_eq(cv.lifetime_ideal, gv.lifetime_ideal);
        mp_attr_curve_fini(&cv);
        mp_attr_curve_fini(&gv);
        mp_attr_destroy(a);
        mp_attr_destroy(b);
    }
}

/*
 * (c) The mean field against retrieval at f = 0.2 under the coding-level
 * threshold (covariance rule, binary synapses q = 0.2, N = 1000, 10 %
 * noise): at the ages the mean field retrieves (overlap >= 0.99) the
 * simulation's mean overlap is within 0.1 of it, and at ages three times
 * beyond its capacity within 0.15 (measured: 0.97 against 1.00 within,
 * below 0.08 against 0 beyond); the two capacities within 3 memories.
 * A sanity check, generous: the mean field leaves out the correlations
 * the dynamics build and the postsynaptic neuron's own history.
 */
Test(attr_theory, coding_threshold_mean_field, .timeout = 300)
{
    struct mp_config c;
    struct mp_attr *a;
    struct mp_attr_curve cv;
    size_t k, inside = 0, beyond = 0;
    config(&c, base_ini,
           "attractor.neurons=1000;attractor.coding=0.2;synapse.q=0.2;"
           "retrieve.threshold=coding;run.memories=60;"
           "measure.ages=0,1,2,3,4,5,6,8,10,12,15,18,21,25");
    a = network(&c, 60);
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    cr_assert(isfinite(cv.capacity_theory));
    for (k = 0; k < cv.n; k++) {
        const double th = cv.overlap_theory[k], sim = cv.overlap[k];
        cr_log_info("age %llu: mean field %.4f, simulation %.4f +- %.4f",
                    (unsigned long long)cv.age[k], th, sim,
                    cv.overlap_sem[k]);
        if (th >= 0.99) {
            inside++;
            cr_expect(fabs(sim - th) < 0.1, "age %llu: %.4f against %.4f",
                      (unsigned long long)cv.age[k], sim, th);
        }
        if ((double)cv.age[k] >= 3.0 * (cv.capacity_theory + 1.0)) {
            beyond++;
            cr_expect(fabs(sim - th) < 0.15, "age %llu: %.4f against %.4f",
                      (unsigned long long)cv.age[k], sim, th);
        }
    }
    cr_expect(inside >= 3 && beyond >= 3, "%zu ages inside, %zu beyond",
              inside, beyond);
    cr_expect(fabs(cv.capacity - cv.capacity_theory) <= 3.0,
              "capacity %g, mean field %g", cv.capacity,
              cv.capacity_theory);
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
}

/* The mean-field overlap at age 0 and the largest |overlap| at any age,
 * at temperature T. */
static void hot(double T, double *age0, double *largest)
{
    struct mp_config c;
    struct mp_attr *a;
    struct mp_attr_curve cv;
    size_t k;
    config(&c, base_ini, NULL);
    c.attr.temperature = T;
    a = network(&c, 0);
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    *age0 = cv.overlap_theory[0];
    *largest = 0.0;
    for (k = 0; k < cv.n; k++)
        *largest = fmax(*largest, fabs(cv.overlap_theory[k]));
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
}

/*
 * (d) Glauber dynamics: the mean-field overlap falls as T grows (until it
 * is 0 to double precision: each sweep multiplies a small overlap by
 * about the field's gain over T), and at T = 1000 it is chance at every
 * age: a neuron's field h / N is of order 0.1 here, so P(active) = 1/2 +
 * O(0.1 / T) and the overlap P1 - P0 is below 10^-3.
 */
Test(attr_theory, hot_mean_field_is_chance)
{
    static const double T[5] = {0.01, 0.1, 1.0, 10.0, 1000.0};
    double m0[5], big[5];
    int k;
    for (k = 0; k < 5; k++)
        hot(T[k], &m0[k], &big[k]);
    for (k = 1; k < 5; k++)
        cr_expect(m0[k] < m0[k - 1] || (m0[k] == 0.0 && m0[k - 1] == 0.0),
                  "T = %g: %g, T = %g: %g", T[k], m0[k], T[k - 1],
                  m0[k - 1]);
    cr_expect_gt(m0[0], 0.9);
    cr_expect_lt(big[4], 1e-3, "T = 1000: overlap %.3g", big[4]);
}

/* Every theory value of c finite, or why not. */
static void finite(const struct mp_config *c, const char *what)
{
    struct mp_attr *a = network(c, 0);
    struct mp_attr_curve cv;
    size_t k;
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    for (k = 0; k < cv.n; k++)
        cr_expect(isfinite(cv.signal_theory[k]) &&
                      isfinite(cv.snr_theory[k]) &&
                      isfinite(cv.overlap_theory[k]),
                  "%s, age %llu: %g %g %g", what,
                  (unsigned long long)cv.age[k], cv.signal_theory[k],
                  cv.snr_theory[k], cv.overlap_theory[k]);
    cr_expect(isfinite(cv.capacity_theory) && cv.capacity_theory >= -1.0,
              "%s: capacity %g", what, cv.capacity_theory);
    cr_expect(!isnan(cv.lifetime_ideal), "%s: lifetime", what);
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
}

/*
 * (e) No NaN where the theory applies (docs/ATTRACTOR.md): both rules,
 * f = 1/2 and 0.2, single, massed and spaced presentations, with and
 * without a modulator, either initial state (with a burn-in), every
 * retrieval option.  And NaN where the docs say so: blocks too long
 * for either way, a last modulator level of 0 (no stationary regime: no
 * capacity).
 */
Test(attr_theory, finite_where_it_applies, .timeout = 300)
{
    static const char *rule[2] = {
        "", "store.rule=presynaptic;attractor.symmetry=independent"};
    static const char *fs[2] = {"", "attractor.coding=0.2"};
    static const char *stream[3] = {
        "", "store.repeats=3",
        "store.repeats=2;store.block=3;measure.every=6"};
    static const char *mod[2] = {"", "store.phases=7,5;store.modulator=1,0.4"};
    static const char *init[2] = {"", "attractor.init=plastic"};
    static const char *ret[5] = {
        "", "retrieve.cue=partial", "retrieve.threshold=coding",
        "retrieve.theta=0.02;retrieve.temperature=0.05",
        "retrieve.dynamics=sequential;retrieve.theta=-0.01"};
    char set[512];
    int i[6];
    struct mp_config c;
    struct mp_attr *a;
    struct mp_attr_curve cv;
    for (i[0] = 0; i[0] < 2; i[0]++)
        for (i[1] = 0; i[1] < 2; i[1]++)
            for (i[2] = 0; i[2] < 3; i[2]++)
                for (i[3] = 0; i[3] < 2; i[3]++)
                    for (i[4] = 0; i[4] < 2; i[4]++)
                        for (i[5] = 0; i[5] < 5; i[5]++) {
                            snprintf(set, sizeof set,
                                     "attractor.neurons=128;measure.every=6;"
                                     "attractor.burn_in=6;%s;%s;%s;%s;%s;%s",
                                     rule[i[0]], fs[i[1]], stream[i[2]],
                                     mod[i[3]], init[i[4]], ret[i[5]]);
                            config(&c, base_ini, set);
                            finite(&c, set);
                        }
    /* 2^40 event sequences per block, Kronecker powers of 1728 x 1728
     * matrices: NaN. */
    config(&c, base_ini,
           "attractor.neurons=128;store.repeats=3;store.block=40;"
           "synapse.model=cascade;synapse.n=6;measure.every=40;"
           "run.memories=80");
    a = network(&c, 0);
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    cr_expect(isnan(cv.signal_theory[0]) && isnan(cv.overlap_theory[0]) &&
              isnan(cv.capacity_theory) && isnan(cv.lifetime_ideal));
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
    /* The modulator ends at 0: the probes' theory, no capacity. */
    config(&c, base_ini, "store.phases=20,5;store.modulator=1,0");
    a = network(&c, 0);
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    cr_expect(isfinite(cv.signal_theory[0]) &&
              isfinite(cv.overlap_theory[0]) && isnan(cv.capacity_theory) &&
              isnan(cv.lifetime_ideal));
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
}

/* The capacity and ideal-observer lifetime of c. */
static void regime(const struct mp_config *c, double *cap, double *life)
{
    struct mp_attr *a = network(c, 0);
    struct mp_attr_curve cv;
    cr_assert_eq(mp_attr_curve(a, &cv), 0);
    *cap = cv.capacity_theory;
    *life = cv.lifetime_ideal;
    mp_attr_curve_fini(&cv);
    mp_attr_destroy(a);
}

/*
 * The stationary regime: a modulator of level 1 throughout is no
 * modulator, so the regime's scan (taken with a modulator) gives the
 * capacity and the ideal observer's lifetime of the classic path and of
 * the ensemble theory, for binary and cascade synapses; and a spaced
 * stream whose signal dies within a few memories has a finite lifetime
 * (the scan stops once the signal no longer changes, and must not call
 * that infinite).
 */
Test(attr_theory, regime_consistency)
{
    static const char *models[2] = {"", "synapse.model=cascade;synapse.n=5"};
    struct mp_config c;
    double cap0, life0, cap1, life1;
    char set[256];
    int m;
    for (m = 0; m < 2; m++) {
        config(&c, base_ini, models[m]);
        regime(&c, &cap0, &life0);
        snprintf(set, sizeof set, "%s;store.phases=10;store.modulator=1",
                 models[m]);
        config(&c, base_ini, set);
        regime(&c, &cap1, &life1);
        cr_expect_eq(cap0, cap1, "model %d: capacity %g and %g", m, cap0,
                     cap1);
        cr_expect_eq(life0, life1, "model %d: lifetime %g and %g", m, life0,
                     life1);
        cr_expect(life0 > 10.0 && isfinite(life0), "lifetime %g", life0);
    }
    config(&c, base_ini,
           "attractor.neurons=64;synapse.model=cascade;synapse.n=3;"
           "store.repeats=2;store.block=2;measure.every=4;"
           "measure.ages=0,1,2,5,10,30");
    regime(&c, &cap1, &life1);
    cr_expect(life1 >= 0.0 && life1 < 30.0, "lifetime %g", life1);
}

/* A block kind's operators by the method `force` (attr_theory.h). */
static void block_by(const struct mp_config *c, int force, double *qbar,
                     double *qc)
{
    struct mp_config e = *c;
    struct mp_theory th;
    struct mp__ath t;
    const struct mp__ath_block *k;
    int rc = 0;
    e.paradigm = MP_PARADIGM_ENSEMBLE;
    e.f = c->attr.coding * c->attr.coding +
          (1.0 - c->attr.coding) * (1.0 - c->attr.coding);
    if (c->attr.rule == MP_ATTR_PRESYNAPTIC)
        e.f = c->attr.coding;
    e.synapses = 1000;
    cr_assert_eq(mp_theory_compute(&e, &th), 0, "%s", mp_errmsg());
    cr_assert_eq(mp__ath_open(&t, c, th.p_inf), 0, "%s", mp_errmsg());
    t.force = force;
    k = mp__ath_block(&t, 1, &rc);
    cr_assert(k, "rc %d", rc);
    memcpy(qbar, k->qbar, (size_t)t.S * t.S * sizeof *qbar);
    memcpy(qc, k->qc, (size_t)t.S * t.S * t.Bt * t.ne * sizeof *qc);
    mp__ath_close(&t);
}

/*
 * The two exact ways to a spaced block's operators agree: enumerating
 * its 2^B (3^B) event sequences, and the product of the memories'
 * expected Kronecker powers contracted (to 10^-13: both sum the same
 * terms in other orders), for both rules, R = 2 and 3, a straddling
 * modulator level, a 6-state cascade.
 */
Test(attr_theory, kronecker_equals_enumeration)
{
    static const char *sets[3] = {
        "store.repeats=2;store.block=5;measure.every=10;"
        "store.phases=7,1;store.modulator=1,0.3",
        "store.repeats=3;store.block=4;measure.every=8;"
        "store.rule=presynaptic;attractor.symmetry=independent;"
        "attractor.coding=0.3",
        "store.repeats=2;store.block=3;measure.every=6;"
        "synapse.model=cascade;synapse.n=3;attractor.coding=0.2"};
    static double q1[6 * 6 * 5 * 3], q2[6 * 6 * 5 * 3], b1[36], b2[36];
    int s;
    size_t k;
    for (s = 0; s < 3; s++) {
        struct mp_config c;
        config(&c, base_ini, sets[s]);
        memset(q1, 0, sizeof q1);
        memset(q2, 0, sizeof q2);
        block_by(&c, 1, b1, q1);
        block_by(&c, 2, b2, q2);
        for (k = 0; k < 36; k++)
            cr_expect(fabs(b1[k] - b2[k]) < 1e-13, "set %d, qbar %zu: %.17g "
                      "%.17g", s, k, b1[k], b2[k]);
        for (k = 0; k < sizeof q1 / sizeof q1[0]; k++)
            cr_expect(fabs(q1[k] - q2[k]) < 1e-13, "set %d, qc %zu: %.17g "
                      "%.17g", s, k, q1[k], q2[k]);
    }
}

/*
 * retrieve.success below the chance overlap: every age is retrieved in
 * the mean field (the overlap tends to 0 >= -0.5), so the capacity is
 * infinite — on the classic path (the defaults) as on the general one
 * (the same stream through a modulator of level 1), and found without
 * scanning the 2^24 ages one by one (the signal reaches exactly 0).
 */
Test(attr_theory, capacity_infinite_on_both_paths, .timeout = 30)
{
    struct mp_config c;
    double cap0, life0, cap1, life1;
    config(&c, base_ini, "retrieve.success=-0.5;synapse.q=0.3");
    regime(&c, &cap0, &life0);
    config(&c, base_ini, "retrieve.success=-0.5;synapse.q=0.3;"
                         "store.phases=10;store.modulator=1");
    regime(&c, &cap1, &life1);
    cr_expect(isinf(cap1) && cap1 > 0, "general path: capacity %g", cap1);
    cr_expect(isinf(cap0) && cap0 > 0, "classic path: capacity %g", cap0);
    cr_expect_eq(life0, life1, "lifetime %g and %g", life0, life1);
}

/*
 * The presynaptic rule: a synapse sees an event only in the memories
 * that activate its presynaptic neuron (probability f), so its ideal
 * observer's lifetime is in memories, not in events: the same with or
 * without a modulator of level 1 (the same stream).  At q = 1 and
 * f = 1/2 a memory survives on a synapse until its next event, E[J |
 * pot] - E[J | dep] = 2 (1/2)^t, and the SNR of the N (N - 1) = 249 500
 * synapses, sqrt(n) 2 f (1 - f) 2 (1/2)^t, stays >= 1 to t = 8.
 */
Test(attr_theory, presynaptic_lifetime_in_memories)
{
    static const char *models[2] = {"synapse.q=1", "synapse.q=0.3"};
    struct mp_config c;
    double cap0, life0, cap1, life1;
    char set[256];
    int m;
    for (m = 0; m < 2; m++) {
        snprintf(set, sizeof set, "%s;store.rule=presynaptic;"
                                  "attractor.symmetry=independent",
                 models[m]);
        config(&c, base_ini, set);
        regime(&c, &cap0, &life0);
        snprintf(set, sizeof set, "%s;store.rule=presynaptic;"
                                  "attractor.symmetry=independent;"
                                  "store.phases=10;store.modulator=1",
                 models[m]);
        config(&c, base_ini, set);
        regime(&c, &cap1, &life1);
        cr_expect_eq(life0, life1, "%s: lifetime %g, with a modulator of "
                                   "1 %g",
                     models[m], life0, life1);
        cr_expect_eq(cap0, cap1, "%s: capacity %g and %g", models[m], cap0,
                     cap1);
        if (m == 0)
            cr_expect_eq(life0, 8.0, "q = 1: lifetime %g", life0);
    }
}
