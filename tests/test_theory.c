/* SPDX-License-Identifier: MIT */
/* test_theory.c: the exact theory against closed forms. */
#include <criterion/criterion.h>
#include <math.h>

#include "metaplast/error.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/theory.h"

static struct mp_config base(int model, uint32_t n, double q)
{
    struct mp_config c;
    mp_config_init(&c);
    c.syn.model = model;
    c.syn.n = n;
    c.syn.q = q;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    return c;
}

/* binary at f = 1/2: E[m(t)] = q (1-q)^t (MODELS.md section 2). */
Test(theory, binary_closed_form)
{
    const double qs[] = {1.0, 0.5, 0.1, 0.01};
    uint64_t ages[] = {0, 1, 2, 5, 10, 100, 1000, 100000};
    size_t qi, k;
    for (qi = 0; qi < 4; qi++) {
        struct mp_config c = base(MP_SYN_BINARY, 2, qs[qi]);
        double sig[8], snr[8];
        struct mp_theory th;
        cr_assert_eq(mp_theory_curve(&c, ages, 8, sig, snr), 0);
        for (k = 0; k < 8; k++) {
            double want = qs[qi] * pow(1.0 - qs[qi], (double)ages[k]);
            cr_expect(fabs(sig[k] - want) <= 1e-15 + 1e-12 * want,
                      "q %g t %llu: %.17g vs %.17g", qs[qi],
                      (unsigned long long)ages[k], sig[k], want);
            cr_expect(fabs(snr[k] - sqrt(1e5) * sig[k]) <= 1e-9 * snr[k] + 1e-300);
        }
        cr_assert_eq(mp_theory_compute(&c, &th), 0);
        /* Area: sum_t q (1-q)^t = 1. */
        cr_expect(fabs(th.area_signal - 1.0) < 1e-12, "area %.17g",
                  th.area_signal);
        /* Lifetime: largest t with sqrt(N) q (1-q)^t >= 1. */
        if (qs[qi] < 1.0) {
            double t = floor(log(1.0 / (sqrt(1e5) * qs[qi])) /
                             log(1.0 - qs[qi]));
            cr_expect_eq(th.lifetime, t, "q %g: %g vs %g", qs[qi],
                         th.lifetime, t);
        }
    }
}

/* Cascade: uniform stationary occupancy 1/(2n), m(0) = 2/n. */
Test(theory, cascade_uniform_and_m0)
{
    uint32_t n, j;
    for (n = 2; n <= 20; n++) {
        struct mp_config c = base(MP_SYN_CASCADE, n, 0);
        struct mp_theory th;
        uint64_t t0 = 0;
        double m0;
        cr_assert_eq(mp_theory_compute(&c, &th), 0);
        cr_assert_eq(th.states, 2 * n);
        for (j = 0; j < 2 * n; j++)
            cr_expect(fabs(th.p_inf[j] - 0.5 / n) < 1e-14, "n %u state %u: %g",
                      n, j, th.p_inf[j]);
        cr_assert_eq(mp_theory_curve(&c, &t0, 1, &m0, NULL), 0);
        cr_expect(fabs(m0 - 2.0 / n) < 1e-14, "n %u: m(0) = %.17g", n, m0);
    }
}

/* MODELS.md: with q_1 = p_1 = 1 and synchronous updates, m(1) < m(2);
 * a power law in the middle, cut off after about 2^(n-1) memories. */
Test(theory, cascade_shape)
{
    struct mp_config c = base(MP_SYN_CASCADE, 12, 0);
    uint64_t ages[] = {1, 2, 16, 64, 256, 1 << 16};
    double m[6];
    cr_assert_eq(mp_theory_curve(&c, ages, 6, m, NULL), 0);
    cr_expect(m[0] < m[1], "m(1) %g < m(2) %g", m[0], m[1]);
    /* Between 16 and 256 the decay is far slower than exponential:
     * m(256)/m(64) is about (m(64)/m(16)) (a power law), not its square. */
    cr_expect(m[4] / m[3] > 0.5 * (m[3] / m[2]), "%g %g", m[4] / m[3],
              m[3] / m[2]);
    /* Cut-off: after 2^16 >> 2^11 memories almost nothing is left. */
    cr_expect(m[5] < 1e-3 * m[4]);
}

/* A test that catches a missing boundary factor: without it the
 * occupancy is not uniform. */
Test(theory, cascade_boundary_factor_matters)
{
    struct mp_syn_params p = {.model = MP_SYN_CASCADE, .n = 5, .x = 0.5};
    struct mp_syn_rule r;
    cr_assert_eq(mp_syn_rule_build(&p, &r), 0);
    /* q_5 must be x^4 / (1 - x) = 1/8, twice x^4. */
    cr_expect_eq(r.prob[mp_syn_index(1, 4)], 0.125);
    cr_expect_eq(r.prob[mp_syn_index(0, MP_SYN_STRONG | 4)], 0.125);
}

/* serial: uniform stationary occupancy for f = 1/2 (a symmetric chain),
 * m(0) from the two states at the middle: 2 f (1-f) q (2/M) 2. */
Test(theory, serial)
{
    struct mp_config c = base(MP_SYN_SERIAL, 8, 0.3);
    struct mp_theory th;
    uint64_t t0 = 0;
    double m0;
    uint32_t j;
    cr_assert_eq(mp_theory_compute(&c, &th), 0);
    for (j = 0; j < 8; j++)
        cr_expect(fabs(th.p_inf[j] - 0.125) < 1e-14);
    cr_assert_eq(mp_theory_curve(&c, &t0, 1, &m0, NULL), 0);
    cr_expect(fabs(m0 - 0.5 * 0.3 * 0.125 * 2 * 2) < 1e-15, "%.17g", m0);
}

/* A chain that a zero probability splits has no unique p_inf. */
Test(theory, refuses_reducible_chain)
{
    struct mp_config c = base(MP_SYN_BINARY, 2, 0.0);
    struct mp_theory th;
    cr_expect_eq(mp_theory_compute(&c, &th), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "stationary") != NULL, "%s", mp_errmsg());
}

/* f != 1/2: the formula's factor 2f(1-f) for binary: q (1-q)^t scaled. */
Test(theory, binary_general_f)
{
    struct mp_config c = base(MP_SYN_BINARY, 2, 0.2);
    uint64_t ages[] = {0, 3, 10};
    double m[3];
    size_t k;
    c.f = 0.3;
    cr_assert_eq(mp_theory_curve(&c, ages, 3, m, NULL), 0);
    /* Two states, q+ = q- = q: p_inf (M+ - M-) = (-q, q), MF's second
     * eigenvalue is 1 - q, so E[m(t)] = 2f(1-f) * 2q (1-q)^t. */
    for (k = 0; k < 3; k++) {
        double want = 2 * 0.3 * 0.7 * 2 * 0.2 * pow(0.8, (double)ages[k]);
        cr_expect(fabs(m[k] - want) < 1e-14, "t %llu: %.17g vs %.17g",
                  (unsigned long long)ages[k], m[k], want);
    }
}
