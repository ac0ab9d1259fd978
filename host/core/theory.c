/* SPDX-License-Identifier: MIT */
/* theory.c: exact expected memory curves of discrete synapse models. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/eigen.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/private/util.h"
#include "metaplast/theory.h"

#define POWERS 63 /* MF^(2^k), k = 0..62: ages below 2^63 */

struct chain {
    uint32_t S;
    uint8_t byte[MP_MAX_STATES];  /* chain state i's byte, in
                                     mp_syn_state_of order */
    uint8_t index[MP_MAX_STATES]; /* the rule's state j's chain state */
    long double *mp, *mm; /* M+, M- (S x S, row = from) */
    long double *pow;     /* POWERS matrices MF^(2^k); computed lazily */
    uint32_t npow;        /* how many of them are computed */
    long double w[MP_MAX_STATES];
    long double a[MP_MAX_STATES]; /* 2f(1-f) p_inf (M+ - M-) */
    long double p[MP_MAX_STATES]; /* p_inf */
    double scale;                 /* sqrt(N) / noise */
    struct mp_theory th;
};

#define AT(m, i, j) ((m)[(size_t)(i) * S + (j)])

/* Solves A x = b (S x S, overwritten) by Gaussian elimination with partial
 * pivoting.  Returns -1 if A is singular to working precision. */
static int solve(long double *A, long double *b, uint32_t S)
{
    uint32_t i, j, k;
    for (k = 0; k < S; k++) {
        uint32_t piv = k;
        for (i = k + 1; i < S; i++)
            if (fabsl(AT(A, i, k)) > fabsl(AT(A, piv, k)))
                piv = i;
        if (fabsl(AT(A, piv, k)) < 1e-30L)
            return -1;
        if (piv != k) {
            for (j = 0; j < S; j++) {
                long double t = AT(A, k, j);
                AT(A, k, j) = AT(A, piv, j);
                AT(A, piv, j) = t;
            }
            long double t = b[k];
            b[k] = b[piv];
            b[piv] = t;
        }
        for (i = k + 1; i < S; i++) {
            long double l = AT(A, i, k) / AT(A, k, k);
            if (l == 0.0L)
                continue;
            for (j = k; j < S; j++)
                AT(A, i, j) -= l * AT(A, k, j);
            b[i] -= l * b[k];
        }
    }
    for (k = S; k-- > 0;) {
        long double s = b[k];
        for (j = k + 1; j < S; j++)
            s -= AT(A, k, j) * b[j];
        b[k] = s / AT(A, k, k);
    }
    return 0;
}

static void chain_free(struct chain *c)
{
    free(c->mp);
    free(c->mm);
    free(c->pow);
}

/* P_k = MF^(2^k), computed up to k. */
static const long double *power(struct chain *c, uint32_t k)
{
    uint32_t S = c->S, i, j, l;
    while (c->npow <= k) {
        long double *dst = c->pow + (size_t)c->npow * S * S;
        const long double *src = dst - (size_t)S * S;
        for (i = 0; i < S; i++)
            for (j = 0; j < S; j++) {
                long double s = 0.0L;
                for (l = 0; l < S; l++)
                    s += AT(src, i, l) * AT(src, l, j);
                AT(dst, i, j) = s;
            }
        c->npow++;
    }
    return c->pow + (size_t)k * S * S;
}

/* E[m(t)] = a . MF^t w. */
static double signal_at(struct chain *c, uint64_t t)
{
    uint32_t S = c->S, i, j, k;
    long double v[MP_MAX_STATES], u[MP_MAX_STATES], m = 0.0L;
    memcpy(v, c->w, S * sizeof v[0]);
    for (k = 0; t >> k; k++) {
        if (!((t >> k) & 1u))
            continue;
        const long double *P = power(c, k);
        for (i = 0; i < S; i++) {
            long double s = 0.0L;
            for (j = 0; j < S; j++)
                s += AT(P, i, j) * v[j];
            u[i] = s;
        }
        memcpy(v, u, S * sizeof v[0]);
    }
    for (i = 0; i < S; i++)
        m += c->a[i] * v[i];
    return (double)m;
}

/* The chain's states: the rule's, in mp_syn_state_of order (all 2D of
 * them for the built-in models; a markov table's may leave places
 * empty), so that a table equal to a built-in model is computed in the
 * same order, to the last bit. */
static void chain_states(struct chain *c, const struct mp_syn_rule *rule)
{
    const uint32_t D = rule->depths;
    uint8_t slot[2 * MP_SYN_MAX_DEPTH];
    uint32_t j, i = 0;
    memset(slot, 0xFF, sizeof slot);
    for (j = 0; j < rule->nstates; j++)
        slot[mp_syn_order_of(rule->byte_of[j], D)] = (uint8_t)j;
    for (j = 0; j < 2 * D; j++)
        if (slot[j] != 0xFF) {
            c->byte[i] = rule->byte_of[slot[j]];
            c->index[slot[j]] = (uint8_t)i++;
        }
    c->S = i;
}

/* M+ and M- from the same rule the engines run, and MF = P_0. */
static void matrices(struct chain *c, const struct mp_syn_rule *rule,
                     long double f)
{
    const uint32_t S = c->S, D = rule->depths;
    uint8_t at[2 * MP_SYN_MAX_DEPTH]; /* chain state of each place */
    uint32_t i, j, xi, e;
    for (j = 0; j < S; j++)
        at[mp_syn_order_of(c->byte[j], D)] = (uint8_t)j;
    for (j = 0; j < S; j++) {
        uint32_t s = c->byte[j];
        c->w[j] = mp_syn_weight(s);
        for (xi = 0; xi < 2; xi++) {
            uint32_t k = mp_syn_index(xi, s);
            long double p = rule->prob[k];
            long double *M = xi ? c->mp : c->mm;
            for (e = 0; e < rule->ntarget[k]; e++)
                AT(M, j, at[mp_syn_order_of(rule->target[k][e], D)]) +=
                    (long double)rule->tprob[k][e];
            AT(M, j, j) += 1.0L - p;
        }
    }
    for (i = 0; i < S * S; i++)
        c->pow[i] = f * c->mp[i] + (1.0L - f) * c->mm[i];
    c->npow = 1;
}

/* p_inf: (MF^T - I) p = 0 with the last equation replaced by sum = 1.
 * Returns -1 if it is not unique.  A is S x S scratch. */
static int stationary(struct chain *c, long double *A)
{
    const uint32_t S = c->S;
    long double b[MP_MAX_STATES];
    uint32_t i, j;
    for (i = 0; i < S; i++) {
        for (j = 0; j < S; j++)
            AT(A, i, j) = AT(c->pow, j, i) - (i == j ? 1.0L : 0.0L);
        b[i] = 0.0L;
    }
    for (j = 0; j < S; j++)
        AT(A, S - 1, j) = 1.0L;
    b[S - 1] = 1.0L;
    if (solve(A, b, S))
        return -1;
    for (j = 0; j < S; j++)
        c->p[j] = b[j];
    for (j = 0; j < S; j++) /* in the model's own state order */
        c->th.p_inf[j] = (double)b[c->index[j]];
    return 0;
}

/* The signal's vector a = 2f(1-f) p_inf (M+ - M-), the noise, and the
 * area sum_t a MF^t w = a (I - MF + 1 p_inf)^-1 w (as a . 1 = 0). */
static void summary_numbers(struct chain *c, const struct mp_config *cfg,
                            long double *A)
{
    const uint32_t S = c->S;
    const long double f = cfg->f;
    long double b[MP_MAX_STATES], mw = 0.0L;
    uint32_t i, j;
    for (j = 0; j < S; j++) {
        long double s = 0.0L;
        for (i = 0; i < S; i++)
            s += c->p[i] * (AT(c->mp, i, j) - AT(c->mm, i, j));
        c->a[j] = 2.0L * f * (1.0L - f) * s;
        mw += c->p[j] * c->w[j];
    }
    c->th.states = S;
    c->th.mean_w = (double)mw;
    c->th.noise = sqrt(1.0 - pow((2.0 * cfg->f - 1.0) * (double)mw, 2.0));
    c->scale = sqrt((double)cfg->synapses) / c->th.noise;
    for (i = 0; i < S; i++) {
        for (j = 0; j < S; j++)
            AT(A, i, j) = (i == j ? 1.0L : 0.0L) - AT(c->pow, j, i) + c->p[i];
        b[i] = c->a[i];
    }
    if (solve(A, b, S) == 0) {
        long double s = 0.0L;
        for (j = 0; j < S; j++)
            s += b[j] * c->w[j];
        c->th.area_signal = (double)s;
        c->th.area_snr = (double)s * c->scale;
    } else {
        c->th.area_signal = c->th.area_snr = NAN;
    }
}

static int chain_build(const struct mp_config *cfg, struct chain *c)
{
    struct mp_syn_rule rule;
    long double *A;
    uint32_t S;

    memset(c, 0, sizeof *c);
    if (mp_syn_rule_build(&cfg->syn, &rule))
        return mp__fail(MP_EINVAL, "synapse.model: unknown model %d",
                        cfg->syn.model);
    chain_states(c, &rule);
    S = c->S;
    c->mp = calloc((size_t)S * S, sizeof *c->mp);
    c->mm = calloc((size_t)S * S, sizeof *c->mm);
    c->pow = calloc((size_t)POWERS * S * S, sizeof *c->pow);
    A = calloc((size_t)S * S, sizeof *A);
    if (!c->mp || !c->mm || !c->pow || !A) {
        free(A);
        chain_free(c);
        return mp__fail(MP_ENOMEM, "theory: out of memory");
    }
    matrices(c, &rule, cfg->f);
    if (stationary(c, A)) {
        free(A);
        chain_free(c);
        return mp__fail(MP_EINVAL,
                        "synapse: the %s model with these probabilities has "
                        "no unique stationary distribution (a probability "
                        "of 0 disconnects its states)",
                        mp_model_name(cfg->syn.model));
    }
    summary_numbers(c, cfg, A);
    free(A);
    return 0;
}

/* Largest t with SNR(t) >= 1.  Ages up to 63 are scanned one by one (the
 * cascade's curve is not monotone at small t); beyond, SNR decreases, and
 * the crossing is found by doubling and bisection. */
static double lifetime(struct chain *c)
{
    double last = -1.0;
    uint64_t t, lo, hi;
    for (t = 0; t < 64; t++)
        if (signal_at(c, t) * c->scale >= 1.0)
            last = (double)t;
    if (last < 63.0)
        return last;
    lo = 63;
    for (hi = 128;; hi *= 2) {
        if (signal_at(c, hi) * c->scale < 1.0)
            break;
        lo = hi;
        if (hi >= (UINT64_C(1) << 62))
            return INFINITY;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (signal_at(c, mid) * c->scale >= 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return (double)lo;
}

/* ---- The Poisson clock ------------------------------------------------ */

#define FRAC_BITS 3 /* tau goes through the cache in steps of 2^-3 */
#define TAYLOR 16   /* terms of exp(h Q) - I, |h Q| <= 1/4: tail < 2^-82 */
#define DPOWERS (FRAC_BITS + POWERS) /* D_k for 2^(k-3), k = 0..65 */
#define TAU_END 9223372036854775808.0 /* 2^63 */

/* E(tau) = exp(tau Q), Q = MF - I, kept as D_k = E(2^(k - FRAC_BITS)) - I
 * so that rates far below 1 keep their relative precision (I + D would
 * keep 7 of the 19 digits of a rate of 1e-12). */
struct poisson {
    const struct chain *c;
    long double *q; /* Q: MF's off-diagonal entries, diagonal minus their
                       row sums (exactly conservative) */
    long double *d; /* DPOWERS matrices D_k, lazily; then two of scratch */
    uint32_t nd;    /* how many D_k are computed */
};

/* C = A B (S x S, C distinct); rows of A skip their zeros (MF is sparse),
 * each entry summed in the order of l. */
static void matmul(const long double *A, const long double *B,
                   long double *C, uint32_t S)
{
    uint32_t i, j, l;
    for (i = 0; i < S; i++) {
        long double *row = C + (size_t)i * S;
        for (j = 0; j < S; j++)
            row[j] = 0.0L;
        for (l = 0; l < S; l++) {
            const long double x = AT(A, i, l);
            if (x == 0.0L)
                continue;
            for (j = 0; j < S; j++)
                row[j] += x * AT(B, l, j);
        }
    }
}

/* D_0 = exp(h Q) - I = sum_{k=1..TAYLOR} (h Q)^k / k!, h = 2^-FRAC_BITS:
 * |h Q| <= 2h = 1/4 (rows of Q sum to 0, |Q_ii| <= 1), so the tail is
 * below (1/4)^17 / 17! < 2^-82. */
static void poisson_base(struct poisson *pc)
{
    const uint32_t S = pc->c->S;
    const size_t SS = (size_t)S * S;
    const long double h = 1.0L / (1 << FRAC_BITS);
    long double *D = pc->d, *T = pc->d + DPOWERS * SS, *U = T + SS, *x;
    size_t i;
    uint32_t k;
    for (i = 0; i < SS; i++)
        D[i] = T[i] = h * pc->q[i];
    for (k = 2; k <= TAYLOR; k++) {
        matmul(T, pc->q, U, S);
        for (i = 0; i < SS; i++) {
            U[i] *= h / k;
            D[i] += U[i];
        }
        x = T;
        T = U;
        U = x;
    }
    pc->nd = 1;
}

static void poisson_free(struct poisson *pc)
{
    free(pc->q);
    free(pc->d);
}

static int poisson_init(struct poisson *pc, const struct chain *c)
{
    const uint32_t S = c->S;
    uint32_t i, j;
    pc->c = c;
    pc->q = calloc((size_t)S * S, sizeof *pc->q);
    pc->d = calloc((size_t)(DPOWERS + 2) * S * S, sizeof *pc->d);
    if (!pc->q || !pc->d) {
        poisson_free(pc);
        return mp__fail(MP_ENOMEM, "theory: out of memory");
    }
    for (i = 0; i < S; i++)
        for (j = 0; j < S; j++)
            if (j != i) {
                AT(pc->q, i, j) = AT(c->pow, i, j);
                AT(pc->q, i, i) -= AT(c->pow, i, j);
            }
    poisson_base(pc);
    return 0;
}

/* D_k, computed up to k: E(2 s) = E(s)^2, so D' = 2 D + D D. */
static const long double *dpower(struct poisson *pc, uint32_t k)
{
    const uint32_t S = pc->c->S;
    const size_t SS = (size_t)S * S;
    size_t i;
    while (pc->nd <= k) {
        long double *dst = pc->d + (size_t)pc->nd * SS;
        const long double *src = dst - SS;
        matmul(src, src, dst, S);
        for (i = 0; i < SS; i++)
            dst[i] += 2.0L * src[i];
        pc->nd++;
    }
    return pc->d + (size_t)k * SS;
}

/* v <- (I + D) v. */
static void apply(const long double *D, long double *v, uint32_t S)
{
    long double u[MP_MAX_STATES];
    uint32_t i, j;
    for (i = 0; i < S; i++) {
        long double s = 0.0L;
        for (j = 0; j < S; j++)
            s += AT(D, i, j) * v[j];
        u[i] = s;
    }
    for (i = 0; i < S; i++)
        v[i] += u[i];
}

/* v <- exp(r Q) v for 0 <= r < 2^-FRAC_BITS, by the series of the base. */
static void series(const struct poisson *pc, long double r, long double *v)
{
    const uint32_t S = pc->c->S;
    long double t[MP_MAX_STATES], u[MP_MAX_STATES], sum[MP_MAX_STATES];
    uint32_t i, j, k;
    if (r == 0.0L)
        return;
    memcpy(t, v, S * sizeof t[0]);
    memset(sum, 0, S * sizeof sum[0]);
    for (k = 1; k <= TAYLOR; k++) {
        for (i = 0; i < S; i++) {
            long double s = 0.0L;
            for (j = 0; j < S; j++)
                s += AT(pc->q, i, j) * t[j];
            u[i] = s * r / k;
        }
        for (i = 0; i < S; i++)
            sum[i] += t[i] = u[i];
    }
    for (i = 0; i < S; i++)
        v[i] += sum[i];
}

/* E[m(tau)] = a exp(tau Q) w, 0 <= tau < 2^63: tau = n + b 2^-3 + r with
 * n and b integers and r < 2^-3, each part a product of commuting
 * factors. */
static double poisson_signal(struct poisson *pc, double tau)
{
    const uint32_t S = pc->c->S;
    const double whole = floor(tau), frac = tau - whole;
    const uint64_t n = (uint64_t)whole;
    const uint32_t b = (uint32_t)(frac * (1 << FRAC_BITS));
    long double v[MP_MAX_STATES], m = 0.0L;
    uint32_t i, k;
    memcpy(v, pc->c->w, S * sizeof v[0]);
    series(pc, (long double)frac - (long double)b / (1 << FRAC_BITS), v);
    for (k = 0; k < FRAC_BITS; k++)
        if ((b >> k) & 1u)
            apply(dpower(pc, k), v, S);
    for (k = 0; n >> k; k++)
        if ((n >> k) & 1u)
            apply(dpower(pc, FRAC_BITS + k), v, S);
    for (i = 0; i < S; i++)
        m += pc->c->a[i] * v[i];
    return (double)m;
}

/* Largest tau with SNR(tau) >= 1: integer times 0..64 scanned (the curve
 * need not be monotone there), then doubling beyond 64 where it
 * decreases, and bisection of the last bracket to 1e-12 relative. */
static double lifetime_poisson(struct poisson *pc)
{
    const double scale = pc->c->scale;
    double lo = -1.0, hi;
    int t;
    for (t = 0; t <= 64; t++)
        if (poisson_signal(pc, t) * scale >= 1.0)
            lo = t;
    if (lo < 0.0)
        return -1.0;
    hi = lo + 1.0;
    if (lo == 64.0)
        for (hi = 128.0; poisson_signal(pc, hi) * scale >= 1.0; hi *= 2.0) {
            lo = hi;
            if (hi >= 4611686018427387904.0) /* 2^62 */
                return INFINITY;
        }
    while (hi - lo > 1e-12 * hi) {
        const double mid = lo + 0.5 * (hi - lo);
        if (mid <= lo || mid >= hi)
            break;
        if (poisson_signal(pc, mid) * scale >= 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- Eigenmodes and bounds --------------------------------------------- */

/* -1 / ln|lambda|.  Near |lambda| = 1, ln|lambda| = log1p(|lambda|^2 - 1)
 * / 2 with |lambda|^2 - 1 = (re - 1)(re + 1) + im^2, which keeps a slow
 * mode's digits; elsewhere ln of |lambda| itself (0 for lambda = 0). */
static double timescale_memories(long double re, long double im)
{
    const long double x = (re - 1.0L) * (re + 1.0L) + im * im;
    const long double r = hypotl(re, im);
    if (x >= 0.0L)
        return INFINITY; /* |lambda| = 1: a periodic mode */
    if (r == 0.0L)
        return 0.0; /* gone after one memory */
    return (double)(x > -0.5L ? -2.0L / log1pl(x) : -1.0L / logl(r));
}

/* The S - 1 eigenvalues of MF but its stationary 1 (the one nearest to
 * 1), by decreasing real part, then imaginary part; their timescales. */
static int modes(struct chain *c)
{
    const uint32_t S = c->S;
    long double re[MP_MAX_STATES], im[MP_MAX_STATES], *A;
    uint32_t i, j, one = 0, m = 0;
    A = malloc((size_t)S * S * sizeof *A);
    if (!A)
        return mp__fail(MP_ENOMEM, "theory: out of memory");
    memcpy(A, c->pow, (size_t)S * S * sizeof *A);
    if (mp__eigen(A, S, re, im)) {
        free(A);
        return mp__fail(MP_ENUMERIC,
                        "theory: the eigenvalues of MF (%u states) did not "
                        "converge",
                        S);
    }
    free(A);
    for (i = 1; i < S; i++)
        if (hypotl(re[i] - 1.0L, im[i]) < hypotl(re[one] - 1.0L, im[one]))
            one = i;
    for (i = 0; i < S; i++) {
        long double r = re[i], x = im[i];
        if (i == one)
            continue;
        for (j = m; j > 0 && (re[j - 1] < r || (re[j - 1] == r &&
                                                 im[j - 1] < x));
             j--) {
            re[j] = re[j - 1];
            im[j] = im[j - 1];
        }
        re[j] = r;
        im[j] = x;
        m++;
    }
    c->th.modes = m;
    for (i = 0; i < m; i++) {
        c->th.eig_re[i] = (double)re[i];
        c->th.eig_im[i] = (double)im[i];
        c->th.tau_memories[i] = timescale_memories(re[i], im[i]);
        c->th.tau_poisson[i] =
            re[i] < 1.0L ? (double)(1.0L / (1.0L - re[i])) : INFINITY;
    }
    return 0;
}

/* Lahiri & Ganguli's bounds for S states and N synapses. */
static void bounds(struct chain *c, const struct mp_config *cfg)
{
    const double rn = sqrt((double)cfg->synapses);
    c->th.bound_snr0 = rn;
    c->th.bound_area = rn * (c->S - 1.0);
    c->th.bound_lifetime = rn * (c->S - 1.0) / exp(1.0);
}

int mp_theory_compute(const struct mp_config *cfg, struct mp_theory *out)
{
    struct chain c;
    struct poisson pc;
    int rc;
    if (cfg->syn.model == MP_SYN_BENNA_FUSI) /* theory_bf.c */
        return mp__bf_theory_compute(cfg, out);
    rc = chain_build(cfg, &c);
    if (rc)
        return rc;
    c.th.snr0 = signal_at(&c, 0) * c.scale;
    c.th.lifetime = lifetime(&c);
    rc = poisson_init(&pc, &c);
    if (!rc) {
        c.th.lifetime_poisson = lifetime_poisson(&pc);
        poisson_free(&pc);
        rc = modes(&c);
    }
    if (!rc) {
        bounds(&c, cfg);
        *out = c.th;
    }
    chain_free(&c);
    return rc;
}

int mp_theory_curve(const struct mp_config *cfg, const uint64_t *ages,
                    size_t n, double *signal, double *snr)
{
    struct chain c;
    size_t i;
    int rc;
    if (cfg->syn.model == MP_SYN_BENNA_FUSI) /* theory_bf.c */
        return mp__bf_theory_curve(cfg, ages, n, signal, snr);
    rc = chain_build(cfg, &c);
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        double m = signal_at(&c, ages[i]);
        if (signal)
            signal[i] = m;
        if (snr)
            snr[i] = m * c.scale;
    }
    chain_free(&c);
    return 0;
}

int mp_theory_curve_poisson(const struct mp_config *cfg, const double *tau,
                            size_t n, double *signal, double *snr)
{
    struct chain c;
    struct poisson pc;
    size_t i;
    int rc;
    for (i = 0; i < n; i++)
        if (!(tau[i] >= 0.0 && tau[i] < TAU_END))
            return mp__fail(MP_EINVAL,
                            "theory: Poisson time %g is outside [0, 2^63)",
                            tau[i]);
    if (cfg->syn.model == MP_SYN_BENNA_FUSI) /* theory_bf.c */
        return mp__bf_theory_curve_poisson(cfg, tau, n, signal, snr);
    if ((rc = chain_build(cfg, &c)))
        return rc;
    if (!(rc = poisson_init(&pc, &c))) {
        for (i = 0; i < n; i++) {
            double m = poisson_signal(&pc, tau[i]);
            if (signal)
                signal[i] = m;
            if (snr)
                snr[i] = m * c.scale;
        }
        poisson_free(&pc);
    }
    chain_free(&c);
    return rc;
}

int mp_theory_curve_clock(const struct mp_config *cfg, int clock,
                          const uint64_t *ages, size_t n, double *signal,
                          double *snr)
{
    double *tau;
    size_t i;
    int rc;
    if (clock == MP_CLOCK_MEMORIES)
        return mp_theory_curve(cfg, ages, n, signal, snr);
    if (clock != MP_CLOCK_POISSON)
        return mp__fail(MP_EINVAL, "theory: unknown clock %d", clock);
    tau = malloc((n ? n : 1) * sizeof *tau);
    if (!tau)
        return mp__fail(MP_ENOMEM, "theory: out of memory");
    for (i = 0; i < n; i++)
        tau[i] = (double)ages[i];
    rc = mp_theory_curve_poisson(cfg, tau, n, signal, snr);
    free(tau);
    return rc;
}
