/* SPDX-License-Identifier: MIT */
/*
 * test_sim.c: the synapse-ensemble engine on the CPU: determinism across
 * threads and slicing, agreement with the exact theory, stationarity.
 *
 * Statistical tests use fixed seeds.  Their tolerance is 5 standard errors
 * per point: a false alarm has probability 5.7e-7 per point, < 1e-4 over
 * all points of this file.  MP_TEST_SCALE=k divides their synapse counts
 * by k (sanitizer builds); the tolerances scale with the errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/private/ens_backend.h"
#include "metaplast/private/pool.h"
#include "split_check.h"
#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/theory.h"

static uint64_t scaled(uint64_t n)
{
    const char *s = getenv("MP_TEST_SCALE");
    uint64_t k = s ? strtoull(s, NULL, 10) : 1;
    return k > 1 ? n / k : n;
}

static struct mp_config cfg_of(int model, uint32_t n, double q, double f)
{
    struct mp_config c;
    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.syn.model = model;
    c.syn.n = n;
    c.syn.q = c.syn.q_plus = c.syn.q_minus = q;
    c.f = f;
    return c;
}

static struct mp_ens *run(struct mp_config *c)
{
    struct mp_ens *s;
    cr_assert_eq(mp_config_validate(c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_create(&s, c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, UINT64_MAX), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_done(s), mp_ens_total(s));
    return s;
}

/* ---- Determinism ------------------------------------------------------- */

static void assert_same(struct mp_ens *a, struct mp_ens *b, uint64_t n,
                        const char *what)
{
    uint8_t *sa = malloc(n), *sb = malloc(n);
    struct mp_ens_curve ca, cb;
    size_t k;
    cr_assert(sa && sb);
    cr_assert_eq(mp_ens_state(a, sa), 0);
    cr_assert_eq(mp_ens_state(b, sb), 0);
    cr_assert_eq(memcmp(sa, sb, n), 0, "%s: state arrays differ", what);
    cr_assert_eq(mp_ens_curve(a, &ca), 0);
    cr_assert_eq(mp_ens_curve(b, &cb), 0);
    cr_assert_eq(ca.n, cb.n);
    for (k = 0; k < ca.n; k++) {
        /* Bit identity is the promise: compare the bits. */
        cr_assert_eq(memcmp(&ca.signal[k], &cb.signal[k], 8), 0,
                     "%s: signal at age %llu", what,
                     (unsigned long long)ca.age[k]);
        cr_assert_eq(memcmp(&ca.signal_sem[k], &cb.signal_sem[k], 8), 0,
                     "%s: sem", what);
        cr_assert_eq(ca.probes[k], cb.probes[k]);
    }
    mp_ens_curve_fini(&ca);
    mp_ens_curve_fini(&cb);
    free(sa);
    free(sb);
}

/* Every model and both candidate-sign paths, N not a multiple of the tile,
 * a burn-in from the plastic state: 1 and 2 threads agree bit for bit. */
Test(sim, threads_bit_identical)
{
    const int models[] = {MP_SYN_BINARY, MP_SYN_CASCADE, MP_SYN_SERIAL};
    const double fs[] = {0.5, 0.3};
    int mi, fi;
    /* Small cases: the pool still splits them over both threads. */
    mp__pool_split_always(1);
    for (mi = 0; mi < 3; mi++) {
        for (fi = 0; fi < 2; fi++) {
            struct mp_config c = cfg_of(models[mi], 6, 0.4, fs[fi]);
            struct mp_ens *a, *b;
            c.synapses = 20000 + 37;
            c.memories = 400;
            c.burn_in = 13;
            c.init = MP_INIT_PLASTIC;
            c.every = 7;
            c.max_age = 300;
            c.threads = 1;
            a = run(&c);
            c.threads = 2;
            b = run(&c);
            assert_same(a, b, c.synapses, mp_model_name(models[mi]));
            mp_ens_destroy(a);
            mp_ens_destroy(b);
        }
    }
}

/* Advancing one memory at a time or all at once: the same run. */
Test(sim, slicing_independent)
{
    struct mp_config c = cfg_of(MP_SYN_CASCADE, 8, 0, 0.5);
    struct mp_ens *a, *b;
    c.synapses = 5000;
    c.memories = 300;
    c.every = 3;
    c.max_age = 200;
    a = run(&c);
    cr_assert_eq(mp_config_validate(&c), 0);
    cr_assert_eq(mp_ens_create(&b, &c), 0, "%s", mp_errmsg());
    while (mp_ens_done(b) < mp_ens_total(b))
        cr_assert_eq(mp_ens_advance(b, 1 + mp_ens_done(b) % 5), 0);
    assert_same(a, b, c.synapses, "sliced");
    mp_ens_destroy(a);
    mp_ens_destroy(b);
}

Test(sim, seed_matters)
{
    struct mp_config c = cfg_of(MP_SYN_BINARY, 2, 0.5, 0.5);
    struct mp_ens *a, *b;
    uint8_t sa[1000], sb[1000];
    c.synapses = 1000;
    c.memories = 10;
    c.max_age = 5;
    a = run(&c);
    c.seed = 2;
    b = run(&c);
    mp_ens_state(a, sa);
    mp_ens_state(b, sb);
    cr_expect_neq(memcmp(sa, sb, sizeof sa), 0);
    mp_ens_destroy(a);
    mp_ens_destroy(b);
}

/* Probes: measurements at counts B + k*every, age t probed iff the memory
 * it names was stored after the burn-in. */
Test(sim, probe_counts)
{
    struct mp_config c = cfg_of(MP_SYN_BINARY, 2, 0.5, 0.5);
    struct mp_ens *s;
    struct mp_ens_curve cv;
    c.synapses = 256;
    c.memories = 100;
    c.burn_in = 5;
    c.every = 7;
    c.n_ages = 3;
    c.ages[0] = 0;
    c.ages[1] = 10;
    c.ages[2] = 50;
    s = run(&c);
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    /* Counts c = 5 + 7k, k = 1..14; age t needs 7k - 1 >= t. */
    cr_expect_eq(cv.probes[0], 14);
    cr_expect_eq(cv.probes[1], 13);
    cr_expect_eq(cv.probes[2], 7);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}

/* ---- Against the exact theory ------------------------------------------ */

struct case_ {
    const char *name;
    int model;
    uint32_t n;
    double q, f;
    uint64_t max_age;
    int init;
    uint64_t burn_in;
};

static void check_theory(const struct case_ *k)
{
    struct mp_config c = cfg_of(k->model, k->n, k->q, k->f);
    struct mp_ens *s;
    struct mp_ens_curve cv;
    double *th, chi2 = 0.0, zmax = 0.0;
    size_t i, used = 0;

    c.synapses = scaled(1 << 16);
    c.memories = 4000;
    c.every = 1;
    c.max_age = k->max_age;
    c.per_decade = 5;
    c.init = k->init;
    c.burn_in = k->burn_in;
    c.seed = 20261129;
    s = run(&c);
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    th = calloc(cv.n, sizeof *th);
    cr_assert_eq(mp_theory_curve(&c, cv.age, cv.n, th, NULL), 0);
    for (i = 0; i < cv.n; i++) {
        double z = (cv.signal[i] - th[i]) / cv.signal_sem[i];
        cr_assert(cv.probes[i] > 100);
        cr_expect(fabs(z) < 5.0,
                  "%s: age %llu: simulated %.6g +- %.2g, theory %.6g "
                  "(%.1f standard errors)",
                  k->name, (unsigned long long)cv.age[i], cv.signal[i],
                  cv.signal_sem[i], th[i], z);
        chi2 += z * z;
        if (fabs(z) > zmax)
            zmax = fabs(z);
        used++;
    }
    /* The test has power: at age 0 the signal is many errors from 0. */
    cr_expect(cv.signal[0] > 20 * cv.signal_sem[0], "%s: no resolution",
              k->name);
    cr_log_info("%s: %zu ages, chi2/dof %.2f, max |z| %.2f", k->name, used,
                chi2 / (double)used, zmax);
    free(th);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}

Test(sim_theory, binary)
{
    const struct case_ k = {"binary q=0.2", MP_SYN_BINARY, 2, 0.2, 0.5, 40,
                            MP_INIT_STATIONARY, 0};
    check_theory(&k);
}

Test(sim_theory, binary_f03)
{
    const struct case_ k = {"binary q=0.3 f=0.3", MP_SYN_BINARY, 2, 0.3, 0.3,
                            30, MP_INIT_STATIONARY, 0};
    check_theory(&k);
}

Test(sim_theory, cascade5)
{
    const struct case_ k = {"cascade n=5", MP_SYN_CASCADE, 5, 0, 0.5, 300,
                            MP_INIT_STATIONARY, 0};
    check_theory(&k);
}

Test(sim_theory, cascade10)
{
    const struct case_ k = {"cascade n=10", MP_SYN_CASCADE, 10, 0, 0.5, 2000,
                            MP_INIT_STATIONARY, 0};
    check_theory(&k);
}

Test(sim_theory, cascade5_burn_in)
{
    /* From the most plastic states, a burn-in of 2000 >> 10 * 2^4. */
    const struct case_ k = {"cascade n=5 burn-in", MP_SYN_CASCADE, 5, 0, 0.5,
                            300, MP_INIT_PLASTIC, 2000};
    check_theory(&k);
}

Test(sim_theory, serial)
{
    const struct case_ k = {"serial M=8", MP_SYN_SERIAL, 8, 0.5, 0.5, 300,
                            MP_INIT_STATIONARY, 0};
    check_theory(&k);
}

/* ---- Stationary occupancy, reached by the dynamics ---------------------- */

/* Largest |z| of the state histogram against 1/(2n) after a burn-in of B
 * memories from the most plastic states, with the given rule table. */
static double occupancy_zmax(const struct mp_syn_table *t, uint32_t n,
                             uint64_t N, uint64_t B)
{
    struct mp_ens_backend b;
    struct mp_ens_desc d;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH], count[2 * MP_SYN_MAX_DEPTH] = {0};
    uint8_t *st = malloc(N);
    double zmax = 0.0, p = 0.5 / n;
    uint64_t i;
    uint32_t j;

    memset(&b, 0, sizeof b);
    memset(&d, 0, sizeof d);
    d.synapses = N;
    d.padded = (N + MP_TILE - 1) / MP_TILE * MP_TILE;
    d.local = N;
    d.seed = 99;
    d.half = 1;
    d.depths = n;
    d.table = *t;
    cr_assert_not_null(st);
    cr_assert_eq(mp__ens_cpu_create(&b, &d), 0, "%s", mp_errmsg());
    for (j = 0; j < 2 * n; j++) /* plastic: depth 1, either strength */
        cum[j] = j < n - 1 ? 0 : j == n - 1 ? (1ull << 31) : (1ull << 32);
    cr_assert_eq(b.init_state(&b, cum), 0);
    cr_assert_eq(b.advance(&b, 0, B), 0);
    cr_assert_eq(b.get_state(&b, st), 0);
    for (i = 0; i < N; i++)
        count[mp_syn_order_of(st[i], n)]++;
    for (j = 0; j < 2 * n; j++) {
        double z = ((double)count[j] - (double)N * p) /
                   sqrt((double)N * p * (1 - p));
        if (fabs(z) > zmax)
            zmax = fabs(z);
    }
    b.destroy(&b);
    free(st);
    return zmax;
}

/* Cascade n = 5: uniform occupancy 1/(2n) (synapses are independent, so
 * each count is binomial; 5 sd).  The same check on a rule without the
 * boundary factor on q_n fails by far: the test catches that bug. */
Test(sim, cascade_occupancy_uniform)
{
    struct mp_syn_params p = {.model = MP_SYN_CASCADE, .n = 5, .x = 0.5};
    struct mp_syn_rule r;
    const uint64_t N = scaled(1 << 18);
    double z;
    uint32_t k;
    cr_assert_eq(mp_syn_rule_build(&p, &r), 0);
    z = occupancy_zmax(&r.table, 5, N, 2000);
    cr_expect(z < 5.0, "max |z| = %.2f", z);

    /* The bug: q_n = x^(n-1) (1/16), without the factor 1/(1-x). */
    for (k = 0; k < 2; k++) {
        uint32_t s = k ? (MP_SYN_STRONG | 4u) : 4u;
        uint32_t idx = mp_syn_index(k ? 0 : 1, s);
        r.table.hi[idx] = (uint16_t)(mp_prob_threshold(1.0 / 16) >> 24);
        r.table.lo[idx] = 0;
    }
    z = occupancy_zmax(&r.table, 5, N, 2000);
    cr_expect(z > 5.0, "a missing boundary factor went unnoticed: %.2f", z);
}

/* Blocks of tiles (as MPI ranks hold them) evolve and measure as the whole
 * ensemble, bit for bit (tests/split_check.h). */
Test(sim, blocks_equal_whole)
{
    check_split(mp__ens_cpu_create, "cpu blocks");
}
