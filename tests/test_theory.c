/* SPDX-License-Identifier: MIT */
/* test_theory.c: the exact theory against closed forms; the eigenvalue
 * solver against known spectra. */
#include <criterion/criterion.h>
#include <complex.h>
#include <math.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/eigen.h"
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
    struct mp_syn_params p = {MP_SYN_CASCADE, 5, 0.5, 0, 0, 0};
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

/* ---- Eigenvalues -------------------------------------------------------- */

/* Sorts n eigenvalues by real part, then imaginary part (ascending). */
static void sort_eig(long double *re, long double *im, uint32_t n)
{
    uint32_t i, j;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && (re[j - 1] > re[j] ||
                              (re[j - 1] == re[j] && im[j - 1] > im[j]));
             j--) {
            long double t = re[j];
            re[j] = re[j - 1];
            re[j - 1] = t;
            t = im[j];
            im[j] = im[j - 1];
            im[j - 1] = t;
        }
}

/* A <- T A T^-1 with T = I + x E_ij (T^-1 = I - x E_ij): the same
 * spectrum, a different (non-normal) matrix. */
static void similar(long double *A, uint32_t n, uint32_t i, uint32_t j,
                    long double x)
{
    uint32_t k;
    for (k = 0; k < n; k++) /* rows: row i += x row j */
        A[i * n + k] += x * A[j * n + k];
    for (k = 0; k < n; k++) /* columns: column j -= x column i */
        A[k * n + j] -= x * A[k * n + i];
}

/* Triangular: the spectrum is the diagonal (repeated values included). */
Test(eigen, triangular)
{
    const long double diag[7] = {0.5L, -0.25L, 1.0L, 0.5L, 3.0L, -2.0L,
                                 1e-9L};
    long double A[49], re[7], im[7], want[7];
    uint32_t i, j;
    for (i = 0; i < 7; i++)
        for (j = 0; j < 7; j++)
            A[i * 7 + j] = j > i ? 0.3L * (i + 1) - 0.1L * j : 0.0L;
    for (i = 0; i < 7; i++)
        A[i * 7 + i] = want[i] = diag[i];
    cr_assert_eq(mp__eigen(A, 7, re, im), 0);
    sort_eig(re, im, 7);
    {
        long double z[7] = {0};
        sort_eig(want, z, 7);
    }
    for (i = 0; i < 7; i++) {
        /* 0.5 is a double eigenvalue of a defective matrix (the entries
         * above the diagonal couple the two), which rounding moves by
         * about sqrt(2^-64) = 2^-32: hence 1e-9. */
        cr_expect(fabsl(re[i] - want[i]) < 1e-9L, "%u: %.20Lg vs %.20Lg", i,
                  re[i], want[i]);
        cr_expect(fabsl(im[i]) < 1e-9L, "%u: im %.3Lg", i, im[i]);
    }
}

/* A rotation-and-scaling block rho (cos t, -sin t; sin t, cos t) has the
 * pair rho e^(+-it); beside a real 2x2 block and a 1x1, mixed by
 * similarity transforms. */
Test(eigen, complex_pair)
{
    const long double rho = 0.9L, t = 0.7L;
    long double A[25] = {0}, re[5], im[5];
    /* Ascending: -0.5, 0.2, 0.6, rho cos t = 0.688 (-i, +i). */
    const long double want_re[5] = {-0.5L, 0.2L, 0.6L, rho * cosl(t),
                                    rho * cosl(t)};
    const long double want_im[5] = {0.0L, 0.0L, 0.0L, -rho * sinl(t),
                                    rho * sinl(t)};
    uint32_t i;
    A[0] = rho * cosl(t);
    A[1] = -rho * sinl(t);
    A[5] = rho * sinl(t);
    A[6] = rho * cosl(t);
    /* (0.4, 0.2; 0.2, 0.4): eigenvalues 0.6 and 0.2. */
    A[12] = 0.4L;
    A[13] = 0.2L;
    A[17] = 0.2L;
    A[18] = 0.4L;
    A[24] = -0.5L;
    similar(A, 5, 0, 3, 0.8L);
    similar(A, 5, 4, 1, -1.5L);
    similar(A, 5, 2, 4, 0.3L);
    similar(A, 5, 3, 0, 2.0L);
    cr_assert_eq(mp__eigen(A, 5, re, im), 0);
    sort_eig(re, im, 5);
    for (i = 0; i < 5; i++) {
        cr_expect(fabsl(re[i] - want_re[i]) < 1e-16L, "%u: %.20Lg vs %.20Lg",
                  i, re[i], want_re[i]);
        cr_expect(fabsl(im[i] - want_im[i]) < 1e-16L, "%u: %.20Lg vs %.20Lg",
                  i, im[i], want_im[i]);
    }
}

/* The companion matrix of (x - 1)(x - 2)...(x - 6): roots 1..6, from a
 * matrix that is as far from normal as they come. */
Test(eigen, companion)
{
    /* Coefficients of x^6 - 21x^5 + 175x^4 - 735x^3 + 1624x^2 - 1764x
     * + 720. */
    const long double c[6] = {720, -1764, 1624, -735, 175, -21};
    long double A[36] = {0}, re[6], im[6];
    uint32_t i;
    for (i = 0; i < 6; i++)
        A[0 * 6 + i] = -c[5 - i];
    for (i = 1; i < 6; i++)
        A[i * 6 + i - 1] = 1.0L;
    cr_assert_eq(mp__eigen(A, 6, re, im), 0);
    sort_eig(re, im, 6);
    for (i = 0; i < 6; i++) {
        cr_expect(fabsl(re[i] - (i + 1)) < 1e-12L, "%u: %.20Lg", i, re[i]);
        cr_expect(fabsl(im[i]) < 1e-12L, "%u: im %.3Lg", i, im[i]);
    }
}
