/* SPDX-License-Identifier: MIT */
/*
 * test_bf.c: the Benna-Fusi chain (synapse.model = benna_fusi): its
 * propagator and stationary moments against direct computations, its
 * exact curve against closed forms, the simulation against the theory,
 * bit identity across threads, slicing, blocks of tiles and a
 * checkpoint, the bounded chain, and the configuration's refusals.
 *
 * Statistical tests use fixed seeds and a tolerance of 5 standard errors
 * per point (a false alarm 5.7e-7 per point).  Measurements of one age
 * at different steps probe different memories, whose patterns are
 * independent, so their noise is uncorrelated and the standard error of
 * their mean is the sample's.  MP_TEST_SCALE=k divides the synapse
 * counts by k.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netcdf.h>

#include "metaplast/metaplast.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/ens_backend.h"
#include "split_check_bf.h"

#define M MP_BF_MAX_M

static uint64_t scaled(uint64_t n)
{
    const char *s = getenv("MP_TEST_SCALE");
    uint64_t k = s ? strtoull(s, NULL, 10) : 1;
    return k > 1 ? n / k : n;
}

static struct mp_config bf_cfg(uint32_t m, double f)
{
    struct mp_config c;
    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.syn.model = MP_SYN_BENNA_FUSI;
    c.syn.bf.m = m;
    c.f = f;
    return c;
}

/* ---- The propagator and the moments -------------------------------------- */

typedef long double lmat[M][M];

static void lmul(lmat a, lmat b, lmat out, uint32_t m)
{
    lmat t;
    uint32_t i, j, k;
    memset(t, 0, sizeof t);
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++) {
            long double s = 0.0L;
            for (k = 0; k < m; k++)
                s += a[i][k] * b[k][j];
            t[i][j] = s;
        }
    memcpy(out, t, sizeof t);
}

/* exp(A) of the chain, straight from its equations: A = C^-1 L, by a
 * Taylor series of A / 2^s and s squarings (long double). */
static void direct_propagator(const struct mp_syn_bf *p, lmat P)
{
    const uint32_t m = p->m;
    long double c[M], g[M], norm = 0.0L;
    lmat a, term;
    uint32_t i, j, k, s = 0;
    memset(a, 0, sizeof a);
    for (k = 0; k < m; k++) {
        c[k] = powl(p->c_ratio, (long double)k);
        g[k] = p->g0 / powl(p->g_ratio, (long double)k);
    }
    for (k = 0; k < m; k++) {
        a[k][k] = -((k ? g[k - 1] : 0.0L) + g[k]) / c[k];
        if (k)
            a[k][k - 1] = g[k - 1] / c[k];
        if (k + 1 < m)
            a[k][k + 1] = g[k] / c[k];
        norm += fabsl(a[k][k]) * 2;
    }
    while (norm / powl(2.0L, (long double)s) > 0.125L)
        s++;
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++) {
            a[i][j] /= powl(2.0L, (long double)s);
            term[i][j] = P[i][j] = i == j ? 1.0L : 0.0L;
        }
    for (k = 1; k < 40; k++) {
        lmul(term, a, term, m);
        for (i = 0; i < m; i++)
            for (j = 0; j < m; j++) {
                term[i][j] /= (long double)k;
                P[i][j] += term[i][j];
            }
    }
    for (k = 0; k < s; k++)
        lmul(P, P, P, m);
}

/* The defaults, a single leaky variable, and chains with other ratios,
 * the longest allowed included. */
static const struct mp_syn_bf chains[] = {
    {6, 2.0, 0.125, 2.0, 1.0, 0.0},  {1, 2.0, 0.125, 2.0, 1.0, 0.0},
    {10, 3.0, 0.3, 1.7, 0.5, 0.0},   {4, 1.0, 1.0, 1.0, 1.0, 0.0},
    {16, 2.0, 0.125, 2.0, 1.0, 0.0}, {8, 1.5, 2.0, 4.0, 1.0, 0.0},
};

Test(bf_theory, propagator_matches_series)
{
    size_t q;
    for (q = 0; q < sizeof chains / sizeof chains[0]; q++) {
        struct mp_config c = bf_cfg(chains[q].m, 0.5);
        struct mp_bf_rule r;
        lmat P;
        uint32_t i, j;
        c.syn.bf = chains[q];
        cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
        cr_assert_eq(mp__bf_rule_build(&c, &r), 0, "%s", mp_errmsg());
        direct_propagator(&c.syn.bf, P);
        for (i = 0; i < r.m; i++)
            for (j = 0; j < r.m; j++)
                cr_expect(fabsl(P[i][j] - r.P[i * M + j]) < 1e-12L,
                          "chain %zu: P[%u][%u] = %.17g, series %.17Lg", q, i,
                          j, r.P[i * M + j], P[i][j]);
    }
}

/* Sigma = root root^T solves Sigma = P Sigma P^T + eta^2 4f(1-f) e1 e1^T,
 * the mean solves mu = P mu + eta (2f-1) e1, and the theory's noise is
 * sqrt(Sigma_11). */
Test(bf_theory, stationary_moments_solve_their_equations)
{
    size_t q;
    for (q = 0; q < sizeof chains / sizeof chains[0]; q++) {
        struct mp_config c = bf_cfg(chains[q].m, 0.3);
        const double f = c.f, eta = chains[q].eta;
        struct mp_bf_rule r;
        struct mp_theory th;
        long double S[M][M], PS[M][M], big = 0.0L, mbig = 0.0L;
        uint32_t i, j, k, m = chains[q].m;
        c.syn.bf = chains[q];
        c.init = MP_INIT_STATIONARY;
        cr_assert_eq(mp__bf_rule_build(&c, &r), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_theory_compute(&c, &th), 0, "%s", mp_errmsg());
        for (i = 0; i < m; i++)
            for (j = 0; j < m; j++) {
                long double s = 0.0L;
                for (k = 0; k < m; k++)
                    s += (long double)r.root[i * M + k] * r.root[j * M + k];
                S[i][j] = s;
                if (fabsl(s) > big)
                    big = fabsl(s);
            }
        for (i = 0; i < m; i++) /* P S */
            for (j = 0; j < m; j++) {
                long double s = 0.0L;
                for (k = 0; k < m; k++)
                    s += (long double)r.P[i * M + k] * S[k][j];
                PS[i][j] = s;
            }
        for (i = 0; i < m; i++)
            for (j = 0; j < m; j++) {
                long double s = 0.0L;
                for (k = 0; k < m; k++)
                    s += PS[i][k] * r.P[j * M + k];
                s += i == 0 && j == 0 ? (long double)eta * eta * 4 * f * (1 - f)
                                      : 0.0L;
                cr_expect(fabsl(S[i][j] - s) < 1e-10L * big,
                          "chain %zu: Sigma[%u][%u] %.12Lg, P Sigma P^T + Q "
                          "%.12Lg",
                          q, i, j, S[i][j], s);
            }
        for (i = 0; i < m; i++)
            if (fabsl(r.mean[i]) > mbig)
                mbig = fabsl(r.mean[i]);
        for (i = 0; i < m; i++) {
            long double s = i == 0 ? eta * (2 * f - 1) : 0.0L;
            for (k = 0; k < m; k++)
                s += (long double)r.P[i * M + k] * r.mean[k];
            cr_expect(fabsl(s - r.mean[i]) < 1e-10L * mbig,
                      "chain %zu: mean[%u]", q, i);
        }
        /* noise^2 = Var u_1 + 4f(1-f) E[u_1]^2 */
        {
            const double want =
                (double)S[0][0] + 4 * f * (1 - f) * r.mean[0] * r.mean[0];
            cr_expect(fabs(th.noise * th.noise - want) < 1e-10 * want,
                      "chain %zu: noise^2 %.17g, want %.17g", q,
                      th.noise * th.noise, want);
        }
        cr_expect(fabs(th.mean_w - r.mean[0]) <= 1e-12 * mbig);
        cr_expect_eq(th.states, 0u);
    }
}

/* E[m(t)] = eta 4f(1-f) (P^t)_11 with P^t by repeated products, at
 * f = 1/2 and 0.3; SNR = sqrt(N) E[m] / noise; the lifetime is where
 * the SNR crosses 1. */
Test(bf_theory, curve_is_the_propagator_power)
{
    static uint64_t ages[] = {0, 1, 2, 5, 10, 100, 1000, 5000};
    const double fs[] = {0.5, 0.3};
    size_t fi, a;
    for (fi = 0; fi < 2; fi++) {
        struct mp_config c = bf_cfg(6, fs[fi]);
        struct mp_bf_rule r;
        struct mp_theory th;
        double sig[8], snr[8], at[2];
        long double v[M] = {1.0L}, u[M];
        uint64_t t = 0, life[2];
        uint32_t i, k;
        c.syn.bf.eta = 0.7;
        cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
        cr_assert_eq(mp__bf_rule_build(&c, &r), 0);
        cr_assert_eq(mp_theory_compute(&c, &th), 0);
        cr_assert_eq(mp_theory_curve(&c, ages, 8, sig, snr), 0);
        for (a = 0; a < 8; a++) {
            long double want;
            for (; t < ages[a]; t++) {
                for (i = 0; i < 6; i++) {
                    u[i] = 0.0L;
                    for (k = 0; k < 6; k++)
                        u[i] += (long double)r.P[i * M + k] * v[k];
                }
                memcpy(v, u, sizeof u);
            }
            want = 0.7L * 4 * fs[fi] * (1 - fs[fi]) * v[0];
            cr_expect(fabsl(sig[a] - want) < 1e-11L * want,
                      "f %g t %llu: %.17g, P^t %.17Lg", fs[fi],
                      (unsigned long long)ages[a], sig[a], want);
            cr_expect(fabs(snr[a] - sig[a] * sqrt(1e5) / th.noise) <=
                      1e-12 * snr[a]);
        }
        cr_expect(fabs(th.snr0 - snr[0]) <= 1e-12 * snr[0]);
        life[0] = (uint64_t)th.lifetime;
        life[1] = life[0] + 1;
        cr_assert_eq(mp_theory_curve(&c, life, 2, NULL, at), 0);
        cr_expect(at[0] >= 1.0 && at[1] < 1.0, "lifetime %g: %g, %g",
                  th.lifetime, at[0], at[1]);
    }
}

/* m = 1: a single leaky variable, P = e^(-g0): closed forms for the
 * curve, its area and the stationary variance. */
/* Poisson time: the curve at tau is the Poisson mixture of the curve in
 * memories, sum_k e^-tau tau^k / k! E[m(k)], summed here in long double
 * over k up to tau + 40 sqrt(tau) + 60 (the tail beyond is < 1e-30);
 * relative 1e-12.  At the Poisson lifetime the Poisson SNR is 1 (to
 * the bisection's 1e-12, relative 1e-9 here). */
Test(bf_theory, poisson_clock_is_the_mixture)
{
    static const double taus[] = {0.0, 0.5, 3.25, 40.0, 300.5, 2345.625};
    struct mp_config c = bf_cfg(6, 0.3);
    struct mp_theory th;
    enum { K = 5000 };
    static uint64_t ages[K];
    static double mk[K];
    double got[6];
    size_t i, k;
    c.synapses = 100000;
    for (k = 0; k < K; k++)
        ages[k] = k;
    cr_assert_eq(mp_theory_curve(&c, ages, K, mk, NULL), 0, "%s",
                 mp_errmsg());
    cr_assert_eq(mp_theory_curve_poisson(&c, taus, 6, got, NULL), 0, "%s",
                 mp_errmsg());
    for (i = 0; i < 6; i++) {
        const long double tau = taus[i];
        const size_t kmax = (size_t)(tau + 40.0L * sqrtl(tau) + 60.0L);
        long double want = 0.0L, w = expl(-tau); /* e^-tau tau^k / k! */
        cr_assert(kmax < K);
        for (k = 0; k <= kmax; k++) {
            want += w * mk[k];
            w *= tau / (long double)(k + 1);
        }
        cr_expect(fabsl(got[i] - want) <= 1e-12L * fabsl(want),
                  "tau %g: %.17g, mixture %.17Lg", taus[i], got[i], want);
    }
    cr_assert_eq(mp_theory_compute(&c, &th), 0);
    cr_assert(th.lifetime_poisson > 0);
    cr_assert_eq(mp_theory_curve_poisson(&c, &th.lifetime_poisson, 1, NULL,
                                         got),
                 0);
    cr_expect(fabs(got[0] - 1.0) < 1e-9, "SNR %.17g at the lifetime %g",
              got[0], th.lifetime_poisson);
    cr_expect_eq(th.modes, 6);
    cr_expect(th.tau_poisson[0] >= th.tau_poisson[5]);
}

Test(bf_theory, single_variable_closed_form)
{
    struct mp_config c = bf_cfg(1, 0.4);
    const double g0 = 0.05, eta = 2.0, q = eta * eta * 4 * 0.4 * 0.6;
    uint64_t ages[] = {0, 3, 40, 1000};
    double sig[4];
    struct mp_theory th;
    size_t k;
    c.syn.bf.g0 = g0;
    c.syn.bf.eta = eta;
    cr_assert_eq(mp_theory_curve(&c, ages, 4, sig, NULL), 0);
    cr_assert_eq(mp_theory_compute(&c, &th), 0);
    for (k = 0; k < 4; k++) {
        const double want = eta * 4 * 0.4 * 0.6 * exp(-g0 * (double)ages[k]);
        cr_expect(fabs(sig[k] - want) < 1e-14 + 1e-13 * want, "t %llu",
                  (unsigned long long)ages[k]);
    }
    {
        const double mean = eta * (2 * 0.4 - 1) / (1 - exp(-g0));
        const double var = q / (1 - exp(-2 * g0));
        cr_expect(fabs(th.noise - sqrt(var + 4 * 0.4 * 0.6 * mean * mean)) <
                      1e-12 * th.noise,
                  "noise %.17g", th.noise);
    }
    cr_expect(fabs(th.area_signal - eta * 4 * 0.4 * 0.6 / (1 - exp(-g0))) <
                  1e-10 * th.area_signal,
              "area %.17g", th.area_signal);
    cr_expect(fabs(th.mean_w - eta * (2 * 0.4 - 1) / (1 - exp(-g0))) <
                  1e-12 * fabs(th.mean_w),
              "mean %.17g", th.mean_w);
}

/* ---- The simulation ---------------------------------------------------- */

static struct mp_ens *run(struct mp_config *c)
{
    struct mp_ens *s;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_create(&s, c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, UINT64_MAX), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_done(s), mp_ens_total(s));
    return s;
}

/* Simulation against the exact theory of the unbounded chain, at every
 * age of a log grid from 0 to max_age (5 standard errors per point). */
static void check_theory(uint32_t m, double f, uint64_t every, uint64_t max_age,
                         const char *name)
{
    struct mp_config c = bf_cfg(m, f);
    struct mp_ens *s;
    struct mp_ens_curve cv;
    double *th, chi2 = 0.0, zmax = 0.0;
    size_t i;
    c.synapses = scaled(1 << 16);
    c.memories = 3000;
    c.every = every;
    c.max_age = max_age;
    c.per_decade = 5;
    c.seed = 20261203;
    s = run(&c);
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    th = calloc(cv.n, sizeof *th);
    cr_assert_not_null(th);
    cr_assert_eq(mp_theory_curve(&c, cv.age, cv.n, th, NULL), 0);
    for (i = 0; i < cv.n; i++) {
        const double z = (cv.signal[i] - th[i]) / cv.signal_sem[i];
        cr_assert(cv.probes[i] > 100);
        cr_expect(fabs(z) < 5.0,
                  "%s: age %llu: simulated %.6g +- %.2g, theory %.6g "
                  "(%.1f standard errors)",
                  name, (unsigned long long)cv.age[i], cv.signal[i],
                  cv.signal_sem[i], th[i], z);
        chi2 += z * z;
        if (fabs(z) > zmax)
            zmax = fabs(z);
    }
    /* Power: the signal is many errors from 0 at age 0, and still
     * resolved at the last age. */
    cr_expect(cv.signal[0] > 20 * cv.signal_sem[0], "%s: no resolution", name);
    cr_expect(cv.signal[cv.n - 1] > 5 * cv.signal_sem[cv.n - 1],
              "%s: no resolution at the last age", name);
    cr_log_info("%s: %zu ages, chi2/dof %.2f, max |z| %.2f", name, cv.n,
                chi2 / (double)cv.n, zmax);
    free(th);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}

Test(bf_sim, matches_theory)
{
    check_theory(6, 0.5, 2, 1000, "benna_fusi m=6 f=0.5");
}

/* f = 0.3: the chain's mean drifts to eta (2f-1) (I - P)^-1 e_1 and the
 * overlap's noise grows with it (docs/MODELS.md), so a shorter chain,
 * where 2^16 synapses still resolve the curve to its end. */
Test(bf_sim, matches_theory_f03)
{
    check_theory(4, 0.3, 2, 200, "benna_fusi m=4 f=0.3");
}

static void assert_same(struct mp_ens *a, struct mp_ens *b,
                        const struct mp_config *c, const char *what)
{
    const size_t nv = c->synapses * c->syn.bf.m;
    float *va = malloc(nv * sizeof *va), *vb = malloc(nv * sizeof *vb);
    struct mp_ens_curve ca, cb;
    size_t k;
    cr_assert(va && vb);
    cr_assert_eq(mp_ens_values(a, va), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_values(b, vb), 0, "%s", mp_errmsg());
    cr_assert_eq(memcmp(va, vb, nv * sizeof *va), 0, "%s: variables differ",
                 what);
    cr_assert_eq(mp_ens_curve(a, &ca), 0);
    cr_assert_eq(mp_ens_curve(b, &cb), 0);
    for (k = 0; k < ca.n; k++) {
        /* Bit identity is the promise: compare the bits. */
        cr_assert_eq(memcmp(&ca.signal[k], &cb.signal[k], 8), 0,
                     "%s: signal at age %llu: %.17g vs %.17g", what,
                     (unsigned long long)ca.age[k], ca.signal[k], cb.signal[k]);
        cr_assert_eq(memcmp(&ca.signal_sem[k], &cb.signal_sem[k], 8), 0,
                     "%s: sem", what);
        cr_assert_eq(ca.probes[k], cb.probes[k]);
    }
    mp_ens_curve_fini(&ca);
    mp_ens_curve_fini(&cb);
    free(va);
    free(vb);
}

/* Both sign paths, both initial states, bounded or not, N not a multiple
 * of the tile: 1 and 2 threads, and advancing a few memories at a time,
 * give the same bits. */
Test(bf_sim, threads_and_slicing_bit_identical)
{
    int v;
    for (v = 0; v < 4; v++) {
        struct mp_config c = bf_cfg(5, v & 1 ? 0.3 : 0.5);
        struct mp_ens *a, *b, *d;
        char what[64];
        c.synapses = 20000 + 37;
        c.memories = 300;
        c.burn_in = 13;
        c.init = v & 2 ? MP_INIT_PLASTIC : MP_INIT_STATIONARY;
        c.syn.bf.bound = v == 3 ? 2.0 : 0.0;
        c.every = 7;
        c.max_age = 250;
        c.threads = 1;
        a = run(&c);
        c.threads = 2;
        b = run(&c);
        snprintf(what, sizeof what, "variant %d, 1 vs 2 threads", v);
        assert_same(a, b, &c, what);
        cr_assert_eq(mp_ens_create(&d, &c), 0, "%s", mp_errmsg());
        while (mp_ens_done(d) < mp_ens_total(d))
            cr_assert_eq(mp_ens_advance(d, 1 + mp_ens_done(d) % 5), 0);
        snprintf(what, sizeof what, "variant %d, sliced", v);
        assert_same(a, d, &c, what);
        mp_ens_destroy(a);
        mp_ens_destroy(b);
        mp_ens_destroy(d);
    }
}

Test(bf_sim, seed_matters)
{
    struct mp_config c = bf_cfg(3, 0.5);
    struct mp_ens *a, *b;
    float va[3 * 1000], vb[3 * 1000];
    c.synapses = 1000;
    c.memories = 10;
    c.max_age = 5;
    a = run(&c);
    c.seed = 2;
    b = run(&c);
    cr_assert_eq(mp_ens_values(a, va), 0);
    cr_assert_eq(mp_ens_values(b, vb), 0);
    cr_expect_neq(memcmp(va, vb, sizeof va), 0);
    cr_expect_eq(mp_ens_state(a, NULL), MP_EINVAL);
    mp_ens_destroy(a);
    mp_ens_destroy(b);
}

/* Blocks of tiles (as MPI ranks hold them) equal the whole, bit for bit
 * (tests/split_check_bf.h). */
Test(bf_sim, blocks_equal_whole)
{
    check_split_bf(mp__ens_cpu_create, "cpu blocks");
}

/* The tree sum: any split of [0, T) into consecutive ranges, each
 * reduced to its nodes and pushed in order, gives the same bits as the
 * whole; the values are chosen so that the order of additions shows. */
Test(bf_sim, tree_sum_any_split)
{
    const uint64_t T = 1000;
    double *x = malloc(T * sizeof *x), buf[MP_FSUM_MAX], whole, part;
    struct mp_fsum s;
    uint64_t t, cut;
    cr_assert_not_null(x);
    for (t = 0; t < T; t++)
        x[t] = ldexp(1.0 + (double)(t % 7) / 3.0, (int)(t % 61) - 30);
    mp_fsum_init(&s, buf, 1, MP_FSUM_MAX);
    for (t = 0; t < T; t++)
        cr_assert_eq(mp_fsum_push(&s, 0, t, &x[t]), 0);
    mp_fsum_total(&s, &whole);
    for (cut = 1; cut < T; cut += 37) {
        /* [0, cut) and [cut, T), each as its maximal aligned nodes. */
        struct mp_fsum a;
        double abuf[MP_FSUM_MAX];
        uint64_t lo, hi, r;
        mp_fsum_init(&s, buf, 1, MP_FSUM_MAX);
        for (r = 0; r < 2; r++) {
            lo = r ? cut : 0;
            hi = r ? T : cut;
            mp_fsum_init(&a, abuf, 1, MP_FSUM_MAX);
            for (t = lo; t < hi; t++)
                mp_fsum_push(&a, 0, t, &x[t]);
            for (t = 0; t < a.n; t++)
                cr_assert_eq(mp_fsum_push(&s, a.level[t], a.index[t], &a.v[t]),
                             0);
        }
        mp_fsum_total(&s, &part);
        cr_assert_eq(memcmp(&whole, &part, 8), 0, "cut %llu: %.17g vs %.17g",
                     (unsigned long long)cut, part, whole);
    }
    free(x);
}

/* ---- The bounded chain --------------------------------------------------- */

/* Clipping every u_k to [-b, b] changes the curve: with b = 2 (below the
 * unbounded u_1's spread, 4.3) the simulated signal leaves the unbounded
 * theory by far more than 5 standard errors, and every variable stays
 * within the bound. */
Test(bf_sim, bounded_changes_the_curve)
{
    struct mp_config c = bf_cfg(6, 0.5);
    struct mp_ens *s;
    struct mp_ens_curve cv;
    double th[64];
    float *u;
    size_t i, far = 0;
    c.synapses = scaled(1 << 14);
    c.memories = 600;
    c.every = 2;
    c.max_age = 300;
    c.per_decade = 5;
    c.syn.bf.bound = 2.0;
    s = run(&c);
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    cr_assert(cv.n <= 64);
    cr_assert_eq(mp_theory_curve(&c, cv.age, cv.n, th, NULL), 0);
    for (i = 0; i < cv.n; i++)
        if (fabs(cv.signal[i] - th[i]) > 10 * cv.signal_sem[i])
            far++;
    cr_expect(far >= cv.n / 2,
              "only %zu of %zu ages differ from the "
              "unbounded theory",
              far, cv.n);
    u = malloc(c.synapses * 6 * sizeof *u);
    cr_assert_not_null(u);
    cr_assert_eq(mp_ens_values(s, u), 0);
    for (i = 0; i < c.synapses * 6; i++)
        cr_assert(fabsf(u[i]) <= 2.0f, "u %zu = %g beyond the bound", i,
                  (double)u[i]);
    free(u);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}

/* ---- Checkpoints -----------------------------------------------------------
 */

static char dir[128];

static void ckpt_setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-bf-%ld", (long)getpid());
    mkdir(dir, 0777);
}

static void ckpt_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(bf_ckpt, .init = ckpt_setup, .fini = ckpt_teardown);

static struct mp_config ckpt_cfg(uint64_t memories, int threads)
{
    struct mp_config c = bf_cfg(5, 0.3);
    c.synapses = 30000 + 11;
    c.memories = memories;
    c.burn_in = 7;
    c.every = 3;
    c.max_age = memories > 150 ? 150 : memories - 1;
    c.threads = threads;
    c.syn.bf.bound = 40.0;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    return c;
}

static void assert_same_snap(struct mp_ens *a, struct mp_ens *b,
                             const char *what)
{
    struct mp_ens_snapshot x, y;
    cr_assert_eq(mp_ens_snapshot(a, &x), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_snapshot(b, &y), 0, "%s", mp_errmsg());
    cr_assert_eq(x.done, y.done, "%s", what);
    cr_assert_eq(x.vars, 5u);
    cr_assert_null(x.state);
    cr_assert_eq(memcmp(x.u, y.u, x.synapses * x.vars * sizeof *x.u), 0,
                 "%s: variables differ", what);
    cr_assert_eq(memcmp(x.count, y.count, x.n_ages * 8), 0, "%s", what);
    cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0, "%s: means differ",
                 what);
    cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0, "%s", what);
    mp_ens_snapshot_fini(&x);
    mp_ens_snapshot_fini(&y);
}

/* 2T memories straight == T memories, checkpoint.nc written and read
 * back, T more (as resume --memories does), on 1 or 2 threads either
 * side. */
Test(bf_ckpt, resume_is_bit_exact)
{
    const uint64_t T = 301;
    struct mp_config full = ckpt_cfg(2 * T, 1);
    struct mp_ens *a;
    char path[256];
    int t1, t2;
    snprintf(path, sizeof path, "%s/checkpoint.nc", dir);
    cr_assert_eq(mp_ens_create(&a, &full), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(a, UINT64_MAX), 0);
    for (t1 = 1; t1 <= 2; t1++)
        for (t2 = 1; t2 <= 2; t2++) {
            struct mp_config half = ckpt_cfg(T, t1), back;
            struct mp_ens_snapshot snap;
            struct mp_ens *b, *c;
            char what[64];
            cr_assert_eq(mp_ens_create(&b, &half), 0, "%s", mp_errmsg());
            cr_assert_eq(mp_ens_advance(b, UINT64_MAX), 0);
            cr_assert_eq(mp_ens_snapshot(b, &snap), 0);
            cr_assert_eq(mp_io_ens_ckpt_write(path, &half, &snap, NULL), 0,
                         "%s", mp_errmsg());
            mp_ens_snapshot_fini(&snap);
            mp_ens_destroy(b);
            cr_assert_eq(mp_io_ens_ckpt_read(path, &back, &snap), 0, "%s",
                         mp_errmsg());
            cr_assert_eq(back.syn.model, MP_SYN_BENNA_FUSI);
            cr_assert_eq(back.syn.bf.bound, 40.0);
            back.memories += T;
            back.threads = t2;
            cr_assert_eq(mp_config_validate(&back), 0);
            cr_assert_eq(mp_ens_create(&c, &back), 0, "%s", mp_errmsg());
            cr_assert_eq(mp_ens_restore(c, &snap), 0, "%s", mp_errmsg());
            mp_ens_snapshot_fini(&snap);
            cr_assert_eq(mp_ens_advance(c, UINT64_MAX), 0);
            snprintf(what, sizeof what, "threads %d -> %d", t1, t2);
            assert_same_snap(a, c, what);
            mp_ens_destroy(c);
        }
    mp_ens_destroy(a);
}

/* The variables are a float variable with its checksum: a flipped bit
 * in them is refused as damage; info lists the variable. */
Test(bf_ckpt, variables_are_checksummed)
{
    struct mp_config c = ckpt_cfg(50, 0), back;
    struct mp_ens_snapshot snap;
    struct mp_ens *s;
    char path[256], cmd[700];
    int nc, var;
    float x;
    size_t at[2] = {3, 12345};
    snprintf(path, sizeof path, "%s/checkpoint.nc", dir);
    cr_assert_eq(mp_ens_create(&s, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, 20), 0);
    cr_assert_eq(mp_ens_snapshot(s, &snap), 0);
    cr_assert_eq(mp_io_ens_ckpt_write(path, &c, &snap, NULL), 0, "%s",
                 mp_errmsg());
    mp_ens_snapshot_fini(&snap);
    mp_ens_destroy(s);
    snprintf(cmd, sizeof cmd,
             "ncdump -h %s | grep -q 'float bf_u(bf_variable, "
             "synapse)' && ! ncdump -h %s | grep -q "
             "'ubyte state'",
             path, path);
    cr_expect_eq(system(cmd), 0, "bf_u(bf_variable, synapse) not in the file");
    cr_assert_eq(nc_open(path, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_inq_varid(nc, "bf_u", &var), NC_NOERR);
    cr_assert_eq(nc_get_var1_float(nc, var, at, &x), NC_NOERR);
    x = nextafterf(x, 1e30f);
    cr_assert_eq(nc_put_var1_float(nc, var, at, &x), NC_NOERR);
    cr_assert_eq(nc_close(nc), NC_NOERR);
    cr_expect_eq(mp_io_ens_ckpt_read(path, &back, &snap), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "checksum mismatch in variable 'bf_u'"), "%s",
              mp_errmsg());
}

/* ---- Configuration ----------------------------------------------------------
 */

/* Loads text as a file and validates; the code, the message in
 * mp_errmsg() (the file's name in *name). */
static int load(const char *text, struct mp_config *c, char *name, size_t len)
{
    FILE *f;
    int rc;
    snprintf(name, len, "/tmp/mp-test-bf-%ld.ini", (long)getpid());
    f = fopen(name, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    mp_config_init(c);
    rc = mp_config_load(c, name);
    if (rc == 0)
        rc = mp_config_validate(c);
    unlink(name);
    return rc;
}

/* Every bad value is refused with file:line: key: and what was
 * expected. */
Test(bf_config, refusals_name_file_line_and_key)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[synapse]\nmodel = benna_fusi\nbf_m = 0\n",
         ":3: synapse.bf_m: expected an integer in [1, 16]"},
        {"[synapse]\nmodel = benna_fusi\nbf_m = 17\n",
         ":3: synapse.bf_m: expected an integer in [1, 16]"},
        {"[synapse]\nmodel = benna_fusi\nbf_m = 2.5\n",
         ":3: synapse.bf_m: expected an integer"},
        {"[synapse]\nmodel = benna_fusi\nbf_eta = -1\n",
         ":3: synapse.bf_eta: expected a number in (0, 1e12]"},
        {"[synapse]\nmodel = benna_fusi\nbf_eta = 0\n",
         ":3: synapse.bf_eta: expected a number in (0, 1e12]"},
        {"[synapse]\nmodel = benna_fusi\nbf_bound = -2\n",
         ":3: synapse.bf_bound: expected a number >= 0"},
        {"[synapse]\nmodel = benna_fusi\nbf_c_ratio = 0\n",
         ":3: synapse.bf_c_ratio: expected a number in (0, 1e6]"},
        {"[synapse]\nmodel = benna_fusi\nbf_g0 = -0.1\n",
         ":3: synapse.bf_g0: expected a number in (0, 1e6]"},
        {"[synapse]\nmodel = benna_fusi\nbf_g_ratio = nan\n",
         ":3: synapse.bf_g_ratio: expected a number in (0, 1e6]"},
        {"[synapse]\nmodel = benna_fusi\nbf_g_ratio = 100\nbf_m = 12\n",
         ":4: synapse.bf_m: the slowest variable's time constant"},
        {"[run]\nparadigm = network\n[network]\nsynapse = discrete\n"
         "[synapse]\nmodel = benna_fusi\n",
         ":6: synapse.model: benna_fusi is a model of the synapse ensemble"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mp_config c;
        char name[64], want[160];
        cr_expect_eq(load(cases[i].text, &c, name, sizeof name), MP_EINVAL,
                     "case %zu accepted", i);
        snprintf(want, sizeof want, "%s%s", name, cases[i].want);
        cr_expect(strstr(mp_errmsg(), want) == mp_errmsg(),
                  "case %zu:\n got  %s\n want %s", i, mp_errmsg(), want);
    }
}

/* The keys round-trip through config.ini; another model's config.ini
 * has none of them (its files are unchanged). */
Test(bf_config, keys_round_trip_and_stay_out_of_other_models)
{
    struct mp_config c, back;
    char name[64], *text = NULL;
    size_t len = 0;
    FILE *mem;
    cr_assert_eq(load("[synapse]\nmodel = benna_fusi\nbf_m = 9\n"
                      "bf_c_ratio = 1.5\nbf_g0 = 0.25\nbf_g_ratio = 3\n"
                      "bf_eta = 0.5\nbf_bound = 7\n",
                      &c, name, sizeof name),
                 0, "%s", mp_errmsg());
    cr_expect_eq(c.syn.bf.m, 9u);
    cr_expect_eq(c.syn.bf.c_ratio, 1.5);
    cr_expect_eq(c.syn.bf.g0, 0.25);
    cr_expect_eq(c.syn.bf.g_ratio, 3.0);
    cr_expect_eq(c.syn.bf.eta, 0.5);
    cr_expect_eq(c.syn.bf.bound, 7.0);
    mem = open_memstream(&text, &len);
    cr_assert_eq(mp_config_write(&c, mem), 0);
    fclose(mem);
    cr_assert_eq(load(text, &back, name, sizeof name), 0, "%s", mp_errmsg());
    cr_expect(memcmp(&c.syn.bf, &back.syn.bf, sizeof c.syn.bf) == 0);
    cr_expect_eq(back.syn.model, MP_SYN_BENNA_FUSI);
    free(text);
    mp_config_init(&c);
    text = NULL;
    mem = open_memstream(&text, &len);
    cr_assert_eq(mp_config_write(&c, mem), 0);
    fclose(mem);
    cr_expect_null(strstr(text, "bf_"), "a cascade's config.ini:\n%s", text);
    free(text);
}
