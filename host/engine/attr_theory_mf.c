/* SPDX-License-Identifier: MIT */
/*
 * attr_theory_mf.c: the mean-field retrieval of one memory (an
 * approximation, docs/ATTRACTOR.md "Theory").  Two populations, the
 * neurons the memory makes active (x = 1) and silent (x = 0), each
 * described by the fraction of active neurons: P1 = P(s = 1 | x = 1),
 * P0 = P(s = 1 | x = 0).  The field h = sum_j J_ij (s_j - f) on a neuron
 * of population x is taken as Gaussian over V independent synapses:
 *
 *   mean_x = V [f (P1 - f) m_x1 + (1 - f)(P0 - f) m_x0]
 *   var    = V Var(J) [f E1 + (1 - f) E0],
 *   E1 = P1 (1 - f)^2 + (1 - P1) f^2,  E0 = the same with P0,
 *
 * m_xy = E[J | xi_i = x, xi_j = y] exact (attr_theory_chain.c), Var(J) =
 * 1 - E[J]^2 the weights' variance over the stream (the other memories'
 * traces: the signal's own share of it is left out, as in the standard
 * signal-to-noise analysis).  A sweep maps (P1, P0) to the probability
 * that each population's field passes the threshold: h > theta N, or the
 * theta that keeps f P1 + (1 - f) P0 = f (coding level, by safeguarded
 * Newton), or Glauber's E[1 / (1 + exp(-2 (h / N - theta) / T))] by
 * quadrature.  The overlap m = sum_i (xi_i - f)(s_i - f) / (N f (1 - f)) has the
 * expectation P1 - P0.  Synchronous and sequential sweeps get the same
 * iteration.
 */
#include <math.h>
#include <string.h>

#include "attr_theory.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Nodes and weights of Gauss-Hermite quadrature (weight exp(-x^2)), n
 * even, by Newton's method on the orthonormal recurrence. */
static void gauss_hermite(double *x, double *w, int n)
{
    const double pim4 = 0.7511255444649425; /* pi^(-1/4) */
    double z = 0.0, z1, p1, p2, p3, pp = 1.0;
    int i, j, its;
    for (i = 0; i < n / 2; i++) {
        if (i == 0)
            z = sqrt(2.0 * n + 1.0) - 1.85575 * pow(2.0 * n + 1.0, -0.16667);
        else if (i == 1)
            z -= 1.14 * pow((double)n, 0.426) / z;
        else if (i == 2)
            z = 1.86 * z - 0.86 * x[0];
        else if (i == 3)
            z = 1.91 * z - 0.91 * x[1];
        else
            z = 2.0 * z - x[i - 2];
        for (its = 0; its < 100; its++) {
            p1 = pim4;
            p2 = 0.0;
            for (j = 0; j < n; j++) {
                p3 = p2;
                p2 = p1;
                p1 = z * sqrt(2.0 / (j + 1)) * p2 -
                     sqrt((double)j / (j + 1)) * p3;
            }
            pp = sqrt(2.0 * n) * p2;
            z1 = z;
            z = z1 - p1 / pp;
            if (fabs(z - z1) <= 1e-15 * fabs(z))
                break;
        }
        x[i] = z;
        x[n - 1 - i] = -z;
        w[i] = w[n - 1 - i] = 2.0 / (pp * pp);
    }
}

/* Nodes and weights of Gauss-Laguerre quadrature (weight exp(-x)). */
static void gauss_laguerre(double *x, double *w, int n)
{
    double z = 0.0, z1, p1, p2 = 0.0, p3, pp = 1.0;
    int i, j, its;
    for (i = 0; i < n; i++) {
        if (i == 0)
            z = 3.0 / (1.0 + 2.4 * n);
        else if (i == 1)
            z += 15.0 / (1.0 + 2.5 * n);
        else
            z += (1.0 + 2.55 * (i - 1)) / (1.9 * (i - 1)) * (z - x[i - 2]);
        for (its = 0; its < 100; its++) {
            p1 = 1.0;
            p2 = 0.0;
            for (j = 0; j < n; j++) {
                p3 = p2;
                p2 = p1;
                p1 = ((2 * j + 1 - z) * p2 - j * p3) / (j + 1);
            }
            pp = (n * p1 - n * p2) / z;
            z1 = z;
            z = z1 - p1 / pp;
            if (fabs(z - z1) <= 1e-15 * fabs(z))
                break;
        }
        x[i] = z;
        w[i] = -1.0 / (pp * n * p2);
    }
}

void mp__amf_init(struct mp__amf *p, const struct mp_config *c, double V)
{
    const struct mp_attr_params *a = &c->attr;
    memset(p, 0, sizeof *p);
    p->f = a->coding;
    p->V = V;
    p->N = a->neurons;
    p->theta = a->theta;
    p->T = a->temperature;
    p->coding = a->threshold == MP_ATTR_CODING;
    p->steps = a->steps;
    p->p1 = 1.0 - a->noise;
    p->p0 = a->cue == MP_ATTR_CUE_PARTIAL ? 0.0 : a->noise;
    gauss_hermite(p->gh_x, p->gh_w, 64);
    gauss_laguerre(p->gl_x, p->gl_w, 32);
}

void mp__amf_means(const struct mp_config *c, const double *ej,
                   double *m)
{
    if (c->attr.rule == MP_ATTR_PRESYNAPTIC) {
        m[3] = ej[MP_ATH_POT];
        m[1] = ej[MP_ATH_DEP];
        m[2] = m[0] = ej[MP_ATH_NONE];
    } else {
        m[3] = m[0] = ej[MP_ATH_POT];
        m[2] = m[1] = ej[MP_ATH_DEP];
    }
}

/* The field's means on either population and its sd, from (P1, P0). */
static void moments(const struct mp__amf *p, const double *m,
                    double P1, double P0, double mu[2], double *sd)
{
    const double f = p->f, g = 1.0 - f;
    const double ej = f * f * m[3] + f * g * (m[2] + m[1]) +
                      g * g * m[0];
    const double var = ej * ej < 1.0 ? 1.0 - ej * ej : 0.0;
    const double e2 = f * (P1 * g * g + (1.0 - P1) * f * f) +
                      g * (P0 * g * g + (1.0 - P0) * f * f);
    int x;
    for (x = 0; x < 2; x++)
        mu[x] = p->V * (f * (P1 - f) * m[2 * x + 1] + g * (P0 - f) * m[2 * x]);
    *sd = sqrt(p->V * var * e2);
}

static double gauss_pdf(double z)
{
    return exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

/* P(h > thr), h Gaussian (mu, sd > 0). */
static double above(double mu, double sd, double thr)
{
    return 0.5 * erfc((thr - mu) / (sd * sqrt(2.0)));
}

/*
 * E[1 / (1 + exp(-(h - thr) / s))], s = T N / 2, h Gaussian (mu, sd):
 * Gauss-Hermite over the Gaussian where the logistic is smooth on its
 * scale (s >= sd / 2); else the step's P(h > thr) plus the logistic's
 * difference from the step, which lives within a few s of thr:
 * s int_0^inf e^-v / (1 + e^-v) (phi_h(thr - s v) - phi_h(thr + s v)) dv,
 * by Gauss-Laguerre.
 */
static double glauber(const struct mp__amf *p, double mu, double sd,
                      double thr)
{
    const double s = p->T * p->N / 2.0;
    double acc = 0.0;
    int k;
    if (!(sd > 0.0))
        return 1.0 / (1.0 + exp(-(mu - thr) / s));
    if (s >= 0.5 * sd) {
        for (k = 0; k < 64; k++)
            acc += p->gh_w[k] /
                   (1.0 + exp(-(mu + sqrt(2.0) * sd * p->gh_x[k] - thr) / s));
        return acc / sqrt(M_PI);
    }
    for (k = 0; k < 32; k++) {
        const double v = p->gl_x[k];
        acc += p->gl_w[k] / (1.0 + exp(-v)) *
               (gauss_pdf((thr - s * v - mu) / sd) -
                gauss_pdf((thr + s * v - mu) / sd));
    }
    return above(mu, sd, thr) + s * acc / sd;
}

/* A population's active fraction after a sweep under the fixed
 * threshold (prev: before it, kept on a tie). */
static double fixed(const struct mp__amf *p, double mu, double sd,
                    double prev)
{
    const double thr = p->theta * p->N;
    if (p->T > 0.0)
        return glauber(p, mu, sd, thr);
    if (!(sd > 0.0))
        return mu > thr ? 1.0 : mu < thr ? 0.0 : prev;
    return above(mu, sd, thr);
}

/* f P1 + (1 - f) P0 - f at threshold x, decreasing in x; its slope. */
static double excess(double f, const double mu[2], double sd, double x,
                     double *slope)
{
    *slope = -(f * gauss_pdf((mu[1] - x) / sd) +
               (1.0 - f) * gauss_pdf((mu[0] - x) / sd)) /
             sd;
    return f * above(mu[1], sd, x) + (1.0 - f) * above(mu[0], sd, x) - f;
}

/* The coding-level threshold: the theta N with f P1 + (1 - f) P0 = f,
 * by Newton's method kept inside a bracket that every step narrows
 * (bisection where Newton would leave it). */
static void coding(const struct mp__amf *p, const double mu[2], double sd,
                   double *P1, double *P0)
{
    const double f = p->f;
    double lo, hi, x;
    int it;
    if (!(sd > 0.0)) { /* the larger mean's population first */
        const double a = mu[1] > mu[0] ? 1.0 : mu[1] < mu[0] ? 0.0 : f;
        *P1 = mu[1] == mu[0] ? f : a > 0.0 ? 1.0 : fmax(0.0, 2.0 - 1.0 / f);
        *P0 = mu[1] == mu[0] ? f : a > 0.0 ? 0.0 : fmin(1.0, f / (1.0 - f));
        return;
    }
    lo = fmin(mu[0], mu[1]) - 40.0 * sd;
    hi = fmax(mu[0], mu[1]) + 40.0 * sd;
    x = 0.5 * (lo + hi);
    for (it = 0; it < 200; it++) {
        double slope, nx;
        const double F = excess(f, mu, sd, x, &slope);
        if (F == 0.0)
            break;
        if (F > 0.0)
            lo = x;
        else
            hi = x;
        nx = slope < 0.0 ? x - F / slope : 0.5 * (lo + hi);
        if (!(nx > lo && nx < hi))
            nx = 0.5 * (lo + hi);
        if (nx == x || nx <= lo || nx >= hi)
            break;
        x = nx;
    }
    *P1 = above(mu[1], sd, x);
    *P0 = above(mu[0], sd, x);
}

double mp__amf_overlap(const struct mp__amf *p, const double *m)
{
    double P1 = p->p1, P0 = p->p0, mu[2], sd, n1, n0;
    uint32_t k;
    for (k = 0; k < p->steps; k++) {
        moments(p, m, P1, P0, mu, &sd);
        if (p->coding) {
            coding(p, mu, sd, &n1, &n0);
        } else {
            n1 = fixed(p, mu[1], sd, P1);
            n0 = fixed(p, mu[0], sd, P0);
        }
        if (n1 == P1 && n0 == P0) /* a fixed point: so are the rest */
            break;
        P1 = n1;
        P0 = n0;
    }
    return P1 - P0;
}

double mp__amf_snr(const struct mp__amf *p, const double *m)
{
    double mu[2], sd;
    moments(p, m, 1.0, 0.0, mu, &sd);
    if (!(sd > 0.0)) /* weights that never vary: no noise */
        return mu[1] > mu[0] ? INFINITY : mu[1] < mu[0] ? -INFINITY : NAN;
    return (mu[1] - mu[0]) / (2.0 * sd);
}
