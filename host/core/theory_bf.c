/* SPDX-License-Identifier: MIT */
/*
 * theory_bf.c: the Benna-Fusi chain on the host: its spectrum, the exact
 * propagator over one memory, the stationary mean and covariance of the
 * linear (unbounded) chain, and its exact expected memory curve
 * (docs/MODELS.md, "Benna-Fusi chain").  Long double throughout; the
 * propagator handed to the backends is rounded to double once.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/util.h"

#define M MP_BF_MAX_M
#define SWEEPS 100

typedef long double mat[M][M];

/* One Jacobi rotation in the plane (p, q) that zeroes a[p][q]. */
static void rotate(mat a, mat v, uint32_t n, uint32_t p, uint32_t q)
{
    const long double theta = (a[q][q] - a[p][p]) / (2.0L * a[p][q]);
    const long double t =
        (theta >= 0 ? 1.0L : -1.0L) /
        (fabsl(theta) +
         (fabsl(theta) > 1e300L ? fabsl(theta) : sqrtl(theta * theta + 1)));
    const long double c = 1.0L / sqrtl(t * t + 1.0L), s = t * c;
    uint32_t k;
    for (k = 0; k < n; k++) {
        const long double x = a[k][p], y = a[k][q];
        a[k][p] = c * x - s * y;
        a[k][q] = s * x + c * y;
    }
    for (k = 0; k < n; k++) {
        const long double x = a[p][k], y = a[q][k];
        a[p][k] = c * x - s * y;
        a[q][k] = s * x + c * y;
    }
    for (k = 0; k < n; k++) {
        const long double x = v[k][p], y = v[k][q];
        v[k][p] = c * x - s * y;
        v[k][q] = s * x + c * y;
    }
    a[p][q] = a[q][p] = 0.0L;
}

/*
 * Cyclic Jacobi on the symmetric n x n matrix a (destroyed): eigenvalues
 * in d, orthonormal eigenvectors in the columns of v.  An off-diagonal
 * entry is dropped once it is below the last bit of both diagonal
 * entries it couples, so small eigenvalues keep their relative accuracy
 * (the chain's matrices are graded).  Returns -1 if it does not settle.
 */
static int jacobi(mat a, uint32_t n, long double *d, mat v)
{
    uint32_t p, q, sweep, i;
    memset(v, 0, sizeof(mat));
    for (i = 0; i < n; i++)
        v[i][i] = 1.0L;
    for (sweep = 0; sweep < SWEEPS; sweep++) {
        int left = 0;
        for (p = 0; p < n; p++)
            for (q = p + 1; q < n; q++) {
                const long double g = 100.0L * fabsl(a[p][q]);
                if (a[p][q] == 0.0L)
                    continue;
                if (fabsl(a[p][p]) + g == fabsl(a[p][p]) &&
                    fabsl(a[q][q]) + g == fabsl(a[q][q])) {
                    a[p][q] = a[q][p] = 0.0L;
                    continue;
                }
                rotate(a, v, n, p, q);
                left = 1;
            }
        if (!left)
            break;
    }
    for (i = 0; i < n; i++)
        d[i] = a[i][i];
    return sweep < SWEEPS ? 0 : -1;
}

int mp__bf_chain(const struct mp_syn_bf *p, struct mp_bf_chain *c)
{
    const uint32_t m = p->m;
    mat b;
    uint32_t k;
    memset(c, 0, sizeof *c);
    memset(b, 0, sizeof b);
    if (m < 1 || m > M)
        return mp__fail(MP_EINVAL,
                        "synapse.bf_m: %u variables, expected "
                        "1 to %d",
                        m, M);
    c->m = m;
    for (k = 0; k < m; k++) {
        c->c[k] = powl(p->c_ratio, (long double)k);
        c->g[k] = p->g0 / powl(p->g_ratio, (long double)k);
    }
    /* L_kk = -(g_(k-1,k) + g_(k,k+1)), L_(k,k+1) = g_(k,k+1), scaled
     * by C^-1/2 on both sides; g_(m,m+1), the leak, only on the
     * diagonal. */
    for (k = 0; k < m; k++) {
        b[k][k] = -((k ? c->g[k - 1] : 0.0L) + c->g[k]) / c->c[k];
        if (k + 1 < m)
            b[k][k + 1] = b[k + 1][k] = c->g[k] / sqrtl(c->c[k] * c->c[k + 1]);
    }
    if (jacobi(b, m, c->lambda, c->v))
        return mp__fail(MP_EINVAL, "synapse: the Benna-Fusi chain's "
                                   "spectrum did not converge");
    for (k = 0; k < m; k++)
        if (!(c->lambda[k] < 0.0L))
            return mp__fail(MP_EINVAL,
                            "synapse: the Benna-Fusi chain has a rate "
                            "%Lg not below 0: it would not forget",
                            c->lambda[k]);
    return 0;
}

/* 1 - e^x for x < 0, accurate for tiny |x|. */
static long double one_minus_exp(long double x)
{
    return -expm1l(x);
}

/* P = C^-1/2 V e^lambda V^T C^1/2, the propagator over one memory. */
static void propagator(const struct mp_bf_chain *c, double *P)
{
    uint32_t k, j, i;
    for (k = 0; k < c->m; k++)
        for (j = 0; j < c->m; j++) {
            long double s = 0.0L;
            for (i = 0; i < c->m; i++)
                s += c->v[k][i] * c->v[j][i] * expl(c->lambda[i]);
            P[k * M + j] = (double)(s * sqrtl(c->c[j] / c->c[k]));
        }
}

/*
 * Stationary moments of the unbounded chain sampled right after a kick,
 * u <- P u + eta xi e_1 (E[xi] = 2f - 1, Var xi = 4f(1-f)):
 *   mean  mu = eta (2f-1) (I - P)^-1 e_1,
 *   Sigma = P Sigma P^T + eta^2 4f(1-f) e_1 e_1^T, solved in the
 *           eigenbasis: Sigma = q C^-1/2 V Q V^T C^-1/2 with
 *           Q_ij = C_1 V_1i V_1j / (1 - e^(lambda_i + lambda_j)).
 */
static void moments(const struct mp_bf_chain *c, double f, double eta,
                    long double *mu, mat sigma)
{
    const long double q = (long double)eta * eta * 4.0L * f * (1.0L - f);
    uint32_t k, l, i, j;
    for (k = 0; k < c->m; k++) {
        long double s = 0.0L;
        for (i = 0; i < c->m; i++)
            s += c->v[k][i] * c->v[0][i] / one_minus_exp(c->lambda[i]);
        mu[k] = (long double)eta * (2.0L * f - 1.0L) * s / sqrtl(c->c[k]);
    }
    for (k = 0; k < c->m; k++)
        for (l = 0; l < c->m; l++) {
            long double s = 0.0L;
            for (i = 0; i < c->m; i++)
                for (j = 0; j < c->m; j++)
                    s += c->v[k][i] * c->v[0][i] * c->v[0][j] * c->v[l][j] /
                         one_minus_exp(c->lambda[i] + c->lambda[j]);
            sigma[k][l] = q * s / sqrtl(c->c[k] * c->c[l]);
        }
}

/* A square root of the covariance (R R^T = Sigma) through its own
 * spectrum, negative rounding residue taken as 0. */
static int cov_root(mat sigma, uint32_t m, double *root)
{
    mat w;
    long double d[M];
    uint32_t k, j;
    if (jacobi(sigma, m, d, w))
        return -1;
    for (k = 0; k < m; k++)
        for (j = 0; j < m; j++)
            root[k * M + j] =
                (double)(w[k][j] * sqrtl(d[j] > 0.0L ? d[j] : 0.0L));
    return 0;
}

int mp__bf_rule_build(const struct mp_config *cfg, struct mp_bf_rule *r)
{
    const struct mp_syn_bf *p = &cfg->syn.bf;
    struct mp_bf_chain c;
    long double mu[M];
    mat sigma;
    uint32_t k;
    int rc = mp__bf_chain(p, &c);
    memset(r, 0, sizeof *r);
    if (rc)
        return rc;
    r->m = p->m;
    r->eta = p->eta;
    r->bound = p->bound;
    r->init_zero = cfg->init == MP_INIT_PLASTIC;
    propagator(&c, r->P);
    moments(&c, cfg->f, p->eta, mu, sigma);
    for (k = 0; k < p->m; k++)
        r->mean[k] = (double)mu[k];
    if (cov_root(sigma, p->m, r->root))
        return mp__fail(MP_EINVAL, "synapse: the Benna-Fusi chain's "
                                   "stationary covariance did not "
                                   "converge");
    return 0;
}

/* ---- The expected memory curve ------------------------------------------ */

struct bf_curve {
    struct mp_bf_chain c;
    long double amp; /* eta 4f(1-f): E[m(t)] = amp (P^t)_11 */
    double scale;    /* sqrt(N) / noise */
    struct mp_theory th;
};

/* E[m(t)] = eta 4f(1-f) (P^t)_11, (P^t)_11 = sum_i V_1i^2 e^(lambda_i t). */
static double signal_at(const struct bf_curve *b, uint64_t t)
{
    long double s = 0.0L;
    uint32_t i;
    for (i = 0; i < b->c.m; i++)
        s +=
            b->c.v[0][i] * b->c.v[0][i] * expl(b->c.lambda[i] * (long double)t);
    return (double)(b->amp * s);
}

/* Largest t with SNR(t) >= 1: the curve decreases (a sum of decaying
 * exponentials with positive weights), so doubling then bisection. */
static double bf_lifetime(const struct bf_curve *b)
{
    uint64_t lo = 0, hi;
    if (signal_at(b, 0) * b->scale < 1.0)
        return -1.0;
    for (hi = 1;; hi *= 2) {
        if (signal_at(b, hi) * b->scale < 1.0)
            break;
        lo = hi;
        if (hi >= (UINT64_C(1) << 62))
            return INFINITY;
    }
    while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (signal_at(b, mid) * b->scale >= 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return (double)lo;
}

static int curve_build(const struct mp_config *cfg, struct bf_curve *b)
{
    const double f = cfg->f, eta = cfg->syn.bf.eta;
    long double mu[M], area = 0.0L;
    mat sigma;
    uint32_t i;
    int rc;
    memset(b, 0, sizeof *b);
    rc = mp__bf_chain(&cfg->syn.bf, &b->c);
    if (rc)
        return rc;
    moments(&b->c, f, eta, mu, sigma);
    b->amp = (long double)eta * 4.0L * f * (1.0L - f);
    for (i = 0; i < b->c.m; i++)
        area += b->c.v[0][i] * b->c.v[0][i] / one_minus_exp(b->c.lambda[i]);
    b->th.states = 0; /* no discrete states: no p_inf */
    b->th.mean_w = (double)mu[0];
    /* The noise of the overlap with an unrelated pattern, the discrete
     * models' definition with w = u_1: E[u_1^2] - ((2f-1) E[u_1])^2 =
     * Var u_1 + 4f(1-f) E[u_1]^2 (Var u_1 alone at f = 1/2). */
    b->th.noise =
        (double)sqrtl(sigma[0][0] + 4.0L * f * (1.0L - f) * mu[0] * mu[0]);
    b->scale = sqrt((double)cfg->synapses) / b->th.noise;
    b->th.area_signal = (double)(b->amp * area);
    b->th.area_snr = b->th.area_signal * b->scale;
    return 0;
}

/* In Poisson time (memories at rate 1): the Poisson mixture of the
 * curve, sum_k e^-tau tau^k / k! (P^k)_11 = sum_i V_1i^2
 * exp(tau (e^lambda_i - 1)) (docs/MODELS.md). */
static double signal_poisson(const struct bf_curve *b, double tau)
{
    long double s = 0.0L;
    uint32_t i;
    for (i = 0; i < b->c.m; i++)
        s += b->c.v[0][i] * b->c.v[0][i] *
             expl((long double)tau * expm1l(b->c.lambda[i]));
    return (double)(b->amp * s);
}

/* Largest tau with SNR(tau) >= 1 (decreasing: doubling, then bisection
 * to 1e-12 relative). */
static double bf_lifetime_poisson(const struct bf_curve *b)
{
    double lo = 0.0, hi;
    if (signal_poisson(b, 0.0) * b->scale < 1.0)
        return -1.0;
    for (hi = 1.0; signal_poisson(b, hi) * b->scale >= 1.0; hi *= 2.0) {
        lo = hi;
        if (hi >= 0x1p62)
            return INFINITY;
    }
    while (hi - lo > 1e-12 * hi) {
        const double mid = 0.5 * (lo + hi);
        if (signal_poisson(b, mid) * b->scale >= 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The modes: P's eigenvalues e^lambda_i (real), slowest first; the
 * discrete-state bounds of Lahiri & Ganguli do not apply (NaN). */
static void bf_modes(const struct bf_curve *b, struct mp_theory *th)
{
    uint32_t i, j;
    long double l[MP_BF_MAX_M];
    for (i = 0; i < b->c.m; i++)
        l[i] = b->c.lambda[i];
    for (i = 0; i < b->c.m; i++) /* by decreasing lambda */
        for (j = i + 1; j < b->c.m; j++)
            if (l[j] > l[i]) {
                const long double t = l[i];
                l[i] = l[j];
                l[j] = t;
            }
    th->modes = b->c.m;
    for (i = 0; i < b->c.m; i++) {
        th->eig_re[i] = (double)expl(l[i]);
        th->eig_im[i] = 0.0;
        th->tau_memories[i] = (double)(-1.0L / l[i]);
        th->tau_poisson[i] = (double)(-1.0L / expm1l(l[i]));
    }
    th->bound_snr0 = th->bound_area = th->bound_lifetime = NAN;
}

int mp__bf_theory_compute(const struct mp_config *cfg, struct mp_theory *out)
{
    struct bf_curve b;
    int rc = curve_build(cfg, &b);
    if (rc)
        return rc;
    b.th.snr0 = signal_at(&b, 0) * b.scale;
    b.th.lifetime = bf_lifetime(&b);
    b.th.lifetime_poisson = bf_lifetime_poisson(&b);
    bf_modes(&b, &b.th);
    *out = b.th;
    return 0;
}

/* The curve at n ages in memories (ages) or in Poisson time (tau). */
static int curve(const struct mp_config *cfg, const uint64_t *ages,
                 const double *tau, size_t n, double *signal, double *snr)
{
    struct bf_curve b;
    size_t i;
    int rc = curve_build(cfg, &b);
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        const double m =
            ages ? signal_at(&b, ages[i]) : signal_poisson(&b, tau[i]);
        if (signal)
            signal[i] = m;
        if (snr)
            snr[i] = m * b.scale;
    }
    return 0;
}

int mp__bf_theory_curve_poisson(const struct mp_config *cfg,
                                const double *tau, size_t n, double *signal,
                                double *snr)
{
    return curve(cfg, NULL, tau, n, signal, snr);
}

int mp__bf_theory_curve(const struct mp_config *cfg, const uint64_t *ages,
                        size_t n, double *signal, double *snr)
{
    return curve(cfg, ages, NULL, n, signal, snr);
}
