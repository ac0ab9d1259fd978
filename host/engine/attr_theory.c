/* SPDX-License-Identifier: MIT */
/*
 * attr_theory.c: the attractor network's theory (docs/ATTRACTOR.md,
 * "Theory"), beside the simulation in record.nc.
 *
 * Exact: E[J_ij | xi_i, xi_j] of the probed memory, for every probe the
 * run makes (measurement count c, age t), from the pair's state
 * distribution propagated through the actual store schedule (the initial
 * state, the burn-in, repeats in blocks, the modulator's levels, either
 * rule, any f; attr_theory_chain.c).  An approximation from it: the
 * mean-field overlap after retrieve.steps sweeps (attr_theory_mf.c), the
 * field's signal to noise at a perfect cue.  Per age, the values of the
 * probes averaged as the record averages its overlaps; at ages no
 * measurement probes, and for capacity_theory, the stream's stationary
 * regime under its last modulator level.
 *
 * At f = 1/2, covariance, one presentation per memory, no modulator, a
 * stationary initial state, the noise cue, the fixed threshold at 0 and
 * T = 0 (the defaults) the general formulas reduce to the classic ones,
 * computed as they always were: E[m(t)] of the ensemble theory (the pair
 * is an ensemble synapse with f^2 + (1 - f)^2), S = sqrt(V) E[m(t)] /
 * sd(w), m <- erf(S m / sqrt 2) from the cue's m = 1 - 2 noise.
 *
 * V = N - 1 synapses per field, K with fan-in (mp__attr_fan_in).
 *
 * The ideal observer of the same synapses is the ensemble's lifetime
 * (SNR >= 1) with N V independent synapses (N (N - 1) / 2 when tied);
 * with repeats or a modulator, that of the exact signal in the
 * stationary regime.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attr_internal.h"
#include "attr_theory.h"
#include "metaplast/error.h"
#include "metaplast/private/util.h"

/* Ages the stationary regime is scanned to at most. */
#define MP_ATH_MAX_AGE (UINT64_C(1) << 24)

double mp__attr_pair_f(const struct mp_config *c)
{
    const double f = c->attr.coding;
    /* Presynaptic rule: among its events (pre active) a potentiation has
     * probability f; the no-event memories do not move the chain. */
    return c->attr.rule == MP_ATTR_PRESYNAPTIC ? f
                                               : f * f + (1.0 - f) * (1.0 - f);
}

double mp__attr_fan_in(const struct mp_config *c)
{
    return c->attr.fan_in ? (double)c->attr.fan_in
                          : (double)c->attr.neurons - 1.0;
}

/* ---- The defaults: the classic signal-to-noise estimate ------------------ */

/* The mean-field overlap after the sweeps, from field SNR s. */
static double mean_field(double s, const struct mp_attr_params *a)
{
    double m = 1.0 - 2.0 * a->noise;
    uint32_t k;
    for (k = 0; k < a->steps; k++)
        m = erf(s * m / sqrt(2.0));
    return m;
}

/* The largest age t whose mean-field overlap (and every younger one's)
 * reaches retrieve.success, scanned in blocks of ages; infinite when
 * still reached at 2^24 ages, or once a whole block's signal is exactly
 * 0 (the memory gone: every older age has the same overlap). */
static int capacity(struct mp_attr *e, const struct mp_config *t, double sd)
{
    enum { BLOCK = 1024 };
    const double scale = sqrt(mp__attr_fan_in(&e->cfg)) / sd;
    uint64_t ages[BLOCK], t0;
    double sig[BLOCK];
    size_t k, zero;
    e->cap_th = -1.0;
    for (t0 = 0; t0 < MP_ATH_MAX_AGE; t0 += BLOCK) {
        int rc;
        for (k = 0; k < BLOCK; k++)
            ages[k] = t0 + k;
        rc = mp_theory_curve(t, ages, BLOCK, sig, NULL);
        if (rc)
            return rc;
        for (k = 0, zero = 0; k < BLOCK; k++) {
            if (mean_field(scale * sig[k], &e->cfg.attr) <
                e->cfg.attr.success)
                return 0;
            e->cap_th = (double)(t0 + k);
            zero += sig[k] == 0.0;
        }
        if (zero == BLOCK)
            break;
    }
    e->cap_th = INFINITY;
    return 0;
}

/* Whether the configuration is the classic case. */
static int classic(const struct mp_attr_params *a)
{
    return a->rule == MP_ATTR_COVARIANCE && a->coding == 0.5 &&
           a->repeats == 1 && a->n_phases == 0 &&
           a->init == MP_INIT_STATIONARY && a->cue == MP_ATTR_CUE_NOISE &&
           a->threshold == MP_ATTR_FIXED && a->theta == 0.0 &&
           a->temperature == 0.0;
}

/* The classic case's curve and estimates at the grid's ages. */
static int curves(struct mp_attr *e, const struct mp_config *t)
{
    const struct mp_attr_params *a = &e->cfg.attr;
    const double sd = sqrt(1.0 - e->th.mean_w * e->th.mean_w);
    const double scale = sqrt(mp__attr_fan_in(&e->cfg)) / sd;
    size_t k;
    int rc = 0;
    if (e->n_ages == 0)
        return 0;
    rc = mp_theory_curve(t, e->ages, e->n_ages, e->sig_th, NULL);
    if (rc || !(sd > 0.0))
        return rc;
    for (k = 0; k < e->n_ages; k++) {
        e->snr_th[k] = scale * e->sig_th[k];
        e->ov_th[k] = mean_field(e->snr_th[k], a);
    }
    return capacity(e, t, sd);
}

/* ---- Every configuration: the exact signal, the mean field --------------- */

/* Per age: sums of the probes' values, their count; per-age cursors of
 * the forward distribution (u[a] before block ub[a]); the vectors
 * y[a][e] = qc[k][e] v_d of the measurement, v_d the blocks after the
 * probe's applied to the weights. */
struct probes {
    struct mp__ath *t;
    struct mp__amf mf;
    int64_t *n;
    uint64_t *ub;
    double *u, *y, *v, *tmp;
    double *last; /* per age: the last probe's 3 weights and its snr and
                     overlap (the same weights give the same values) */
    int homogeneous; /* one block kind throughout: y is the same for
                        every measurement */
};

static void probes_free(struct probes *p)
{
    free(p->n);
    free(p->ub);
    free(p->u);
    free(p->y);
    free(p->v);
    free(p->tmp);
    free(p->last);
}

static int probes_alloc(struct probes *p, struct mp_attr *e,
                        struct mp__ath *t)
{
    const struct mp_attr_params *a = &e->cfg.attr;
    const size_t n = e->n_ages ? e->n_ages : 1, S = t->S;
    size_t k;
    memset(p, 0, sizeof *p);
    p->t = t;
    p->homogeneous = 1;
    for (k = 1; k < a->n_phases; k++)
        p->homogeneous &= mp_prob_threshold(a->level[k]) ==
                          mp_prob_threshold(a->level[0]);
    p->n = calloc(n, sizeof *p->n);
    p->ub = calloc(n, sizeof *p->ub);
    p->u = calloc(n * S, sizeof *p->u);
    p->y = calloc(n * t->ne * S, sizeof *p->y);
    p->v = calloc(S, sizeof *p->v);
    p->tmp = calloc(S, sizeof *p->tmp);
    p->last = calloc(n * 5, sizeof *p->last);
    if (!p->n || !p->ub || !p->u || !p->y || !p->v || !p->tmp || !p->last)
        return mp__fail(MP_ENOMEM, "out of memory");
    for (k = 0; k < e->n_ages; k++)
        memcpy(p->u + k * S, t->init, S * sizeof *p->u);
    mp__amf_init(&p->mf, &e->cfg, mp__attr_fan_in(&e->cfg));
    return 0;
}

/* y[a][e] for the measurement after C blocks (every age whose memory
 * exists then), walking the blocks back from the newest. */
static int backward(struct probes *p, const struct mp_attr *e, uint64_t C)
{
    struct mp__ath *t = p->t;
    const uint32_t S = t->S, Bt = t->Bt;
    const uint64_t c = C * Bt;
    uint64_t d = 0;
    size_t a, x;
    int rc = 0;
    memcpy(p->v, t->w, S * sizeof *p->v);
    for (a = 0; a < e->n_ages && e->ages[a] < c; a++) {
        const uint64_t mu = c - 1 - e->ages[a], b = mu / Bt;
        const struct mp__ath_block *k;
        for (; d < C - 1 - b; d++) {
            k = mp__ath_block(t, p->homogeneous ? 0 : C - 1 - d, &rc);
            if (!k)
                return rc;
            mp__ath_mv(k->qbar, p->v, p->tmp, S);
            memcpy(p->v, p->tmp, S * sizeof *p->v);
        }
        k = mp__ath_block(t, p->homogeneous ? 0 : b, &rc);
        if (!k)
            return rc;
        for (x = 0; x < t->ne; x++)
            mp__ath_mv(k->qc + ((size_t)(mu % Bt) * t->ne + x) * S * S,
                       p->v, p->y + (a * t->ne + x) * S, S);
    }
    return 0;
}

/* Age a's cursor moved to block b (the distribution before it). */
static int forward(struct probes *p, size_t a, uint64_t b)
{
    struct mp__ath *t = p->t;
    const uint32_t S = t->S;
    double *u = p->u + a * S;
    int rc = 0;
    for (; p->ub[a] < b; p->ub[a]++) {
        const struct mp__ath_block *k = mp__ath_block(t, p->ub[a], &rc);
        if (!k)
            return rc;
        mp__ath_vm(u, k->qbar, p->tmp, S);
        memcpy(u, p->tmp, S * sizeof *u);
    }
    return 0;
}

/* One probe's values, added to age a's sums (the mean field once per
 * distinct set of weights: a stream in its stationary regime repeats
 * them). */
static void probe(struct probes *p, struct mp_attr *e, size_t a,
                  const double *ej)
{
    double m[4], *last = p->last + 5 * a;
    if (!p->n[a] || memcmp(last, ej, 3 * sizeof *ej)) {
        mp__amf_means(&e->cfg, ej, m);
        memcpy(last, ej, 3 * sizeof *ej);
        last[3] = mp__amf_snr(&p->mf, m);
        last[4] = mp__amf_overlap(&p->mf, m);
    }
    e->sig_th[a] += 0.5 * (ej[MP_ATH_POT] - ej[MP_ATH_DEP]);
    e->snr_th[a] += last[3];
    e->ov_th[a] += last[4];
    p->n[a]++;
}

/* Every measurement the run makes, every age it probes there. */
static int measurements(struct probes *p, struct mp_attr *e)
{
    const uint32_t S = p->t->S, Bt = p->t->Bt, ne = p->t->ne;
    const uint64_t burn = e->burn, every = e->cfg.every;
    const uint64_t last = burn + (e->total - burn) / every * every;
    uint64_t c;
    size_t a, x;
    int rc = 0;
    for (a = 0; a < e->n_ages; a++)
        e->sig_th[a] = e->snr_th[a] = e->ov_th[a] = 0.0;
    for (c = burn + every; c <= e->total && !rc; c += every) {
        if (!p->homogeneous || c == burn + every)
            rc = backward(p, e, (p->homogeneous ? last : c) / Bt);
        for (a = 0; a < e->n_ages && !rc; a++) {
            const uint64_t mu = c - 1 - e->ages[a];
            double ej[3] = {0.0, 0.0, 0.0};
            if (e->ages[a] + 1 + burn > c)
                break;
            rc = forward(p, a, mu / Bt);
            for (x = 0; x < ne && !rc; x++) {
                const double *y = p->y + (a * ne + x) * S;
                uint32_t i;
                for (i = 0; i < S; i++)
                    ej[x] += p->u[a * S + i] * y[i];
            }
            if (!rc)
                probe(p, e, a, ej);
        }
    }
    for (a = 0; a < e->n_ages; a++) {
        const double n = (double)p->n[a];
        e->sig_th[a] = p->n[a] ? e->sig_th[a] / n : NAN;
        e->snr_th[a] = p->n[a] ? e->snr_th[a] / n : NAN;
        e->ov_th[a] = p->n[a] ? e->ov_th[a] / n : NAN;
    }
    return rc;
}

/* ---- The stationary regime ----------------------------------------------- */

/* The regime's scan: r[k][e] = pi qc[k][e] (pi stationary under the last
 * level), v = qbar^d w. */
struct regime {
    const struct mp__ath_block *k;
    double *r, *v, *tmp;
    double pi[MP_MAX_STATES];
    double scale, fp, mw; /* the ideal observer's sqrt(n) / noise, f */
};

/* E[J | e] at age t of the regime (v: qbar^(t / Bt) w). */
static void regime_at(const struct mp__ath *t, const struct regime *g,
                      uint64_t age, double *ej)
{
    const uint32_t S = t->S, k = t->Bt - 1 - (uint32_t)(age % t->Bt);
    uint32_t x, i;
    ej[MP_ATH_NONE] = 0.0; /* no such event under the covariance rule */
    for (x = 0; x < t->ne; x++) {
        const double *r = g->r + ((size_t)k * t->ne + x) * S;
        ej[x] = 0.0;
        for (i = 0; i < S; i++)
            ej[x] += r[i] * g->v[i];
    }
}

static int regime_open(struct regime *g, struct mp__ath *t,
                       const struct mp_attr *e)
{
    const uint32_t S = t->S;
    const double N = e->cfg.attr.neurons;
    size_t k;
    int rc = 0;
    memset(g, 0, sizeof *g);
    g->k = mp__ath_block_last(t, &rc);
    if (!g->k)
        return rc;
    if (mp__ath_stationary(g->k->qbar, g->pi, S)) {
        g->k = NULL; /* no unique regime (a level of 0): NaN */
        return 0;
    }
    g->r = calloc((size_t)t->Bt * t->ne * S, sizeof *g->r);
    g->v = calloc(S, sizeof *g->v);
    g->tmp = calloc(S, sizeof *g->tmp);
    if (!g->r || !g->v || !g->tmp)
        return mp__fail(MP_ENOMEM, "out of memory");
    for (k = 0; k < (size_t)t->Bt * t->ne; k++)
        mp__ath_vm(g->pi, g->k->qc + k * S * S, g->r + k * S, S);
    memcpy(g->v, t->w, S * sizeof *g->v);
    for (k = 0; k < S; k++)
        g->mw += g->pi[k] * t->w[k];
    g->fp = mp__attr_pair_f(&e->cfg);
    g->scale = sqrt(N * mp__attr_fan_in(&e->cfg) /
                    (e->cfg.attr.tied ? 2.0 : 1.0)) /
               sqrt(1.0 - pow((2.0 * g->fp - 1.0) * g->mw, 2.0));
    return 0;
}

static void regime_close(struct regime *g)
{
    free(g->r);
    free(g->v);
    free(g->tmp);
}

/* Age `age` of the regime into the theory of the unprobed ages. */
static void regime_fill(struct probes *p, struct mp_attr *e,
                        const struct regime *g, uint64_t age, size_t a)
{
    double ej[3], m[4];
    regime_at(p->t, g, age, ej);
    mp__amf_means(&e->cfg, ej, m);
    e->sig_th[a] = 0.5 * (ej[MP_ATH_POT] - ej[MP_ATH_DEP]);
    e->snr_th[a] = mp__amf_snr(&p->mf, m);
    e->ov_th[a] = mp__amf_overlap(&p->mf, m);
}

/* Scans the regime's ages: the capacity, the ages no measurement probes,
 * the ideal observer's lifetime when `life` (the largest age with SNR >=
 * 1, the curve taken as decreasing after 64 blocks).  Once qbar^d w no
 * longer changes, a block later the rest repeats: a capacity or lifetime
 * not reached by then is infinite. */
static void regime_scan(struct probes *p, struct mp_attr *e,
                        struct regime *g, int life)
{
    const struct mp__ath *t = p->t;
    const size_t bytes = t->S * sizeof *g->v;
    int cap_done = 0, life_done = !life, above = 0;
    uint64_t age, still = MP_ATH_MAX_AGE;
    size_t a = 0;
    e->cap_th = -1.0;
    e->life_io = life ? -1.0 : e->life_io;
    for (age = 0; (age < MP_ATH_MAX_AGE || a < e->n_ages) &&
                  age < still + t->Bt;
         age++) {
        double ej[3], m[4];
        if (age && age % t->Bt == 0) {
            mp__ath_mv(g->k->qbar, g->v, g->tmp, t->S);
            if (!memcmp(g->tmp, g->v, bytes) && still == MP_ATH_MAX_AGE)
                still = age;
            memcpy(g->v, g->tmp, bytes);
        }
        regime_at(t, g, age, ej);
        mp__amf_means(&e->cfg, ej, m);
        if (!cap_done && age < MP_ATH_MAX_AGE &&
            mp__amf_overlap(&p->mf, m) >= e->cfg.attr.success)
            e->cap_th = (double)age;
        else
            cap_done |= age < MP_ATH_MAX_AGE;
        above = g->scale * 2.0 * g->fp * (1.0 - g->fp) *
                    (ej[MP_ATH_POT] - ej[MP_ATH_DEP]) >=
                1.0;
        if (!life_done && above)
            e->life_io = (double)age;
        else if (age >= 64 * (uint64_t)t->Bt)
            life_done = 1;
        for (; a < e->n_ages && e->ages[a] <= age; a++)
            if (e->ages[a] == age && p->n[a] == 0)
                regime_fill(p, e, g, age, a);
        if (cap_done && life_done && a == e->n_ages)
            return;
    }
    for (; a < e->n_ages; a++) /* v no longer changes */
        if (p->n[a] == 0)
            regime_fill(p, e, g, e->ages[a], a);
    e->cap_th = cap_done ? e->cap_th : INFINITY;
    e->life_io = life_done || !above ? e->life_io : INFINITY;
}

/* The general theory: NaN where the exact enumeration is too costly or
 * the stream has no stationary regime. */
static int general(struct mp_attr *e)
{
    const struct mp_attr_params *a = &e->cfg.attr;
    /* The ensemble theory's lifetime counts a synapse's events: one per
     * memory only with one presentation, no modulator and the
     * covariance rule (the presynaptic rule's synapses see an event in
     * a fraction f of the memories). */
    const int life = a->repeats > 1 || a->n_phases > 0 ||
                     a->rule == MP_ATTR_PRESYNAPTIC;
    struct mp__ath t;
    struct probes p;
    struct regime g;
    int rc = mp__ath_open(&t, &e->cfg, e->th.p_inf);
    memset(&p, 0, sizeof p);
    memset(&g, 0, sizeof g);
    if (!rc)
        rc = probes_alloc(&p, e, &t);
    if (!rc)
        rc = measurements(&p, e);
    if (!rc)
        rc = regime_open(&g, &t, e);
    if (!rc && g.k)
        regime_scan(&p, e, &g, life);
    if (life && !(!rc && g.k))
        e->life_io = NAN;
    if (rc == MP_ATH_TOO_COSTLY) { /* beyond the theory: NaN */
        size_t k;
        for (k = 0; k < e->n_ages; k++)
            e->sig_th[k] = e->snr_th[k] = e->ov_th[k] = NAN;
        e->cap_th = NAN;
        rc = 0;
    }
    regime_close(&g);
    probes_free(&p);
    mp__ath_close(&t);
    return rc;
}

/* The ensemble whose synapses the pairs are (for the stationary state
 * and the ideal observer). */
static void pair_config(const struct mp_config *c, struct mp_config *t)
{
    const double N = c->attr.neurons;
    *t = *c;
    t->paradigm = MP_PARADIGM_ENSEMBLE;
    t->f = mp__attr_pair_f(c);
    /* N V synapses, halved when tied (fan-in is never tied). */
    t->synapses =
        (uint64_t)(N * mp__attr_fan_in(c) / (c->attr.tied ? 2.0 : 1.0));
    t->clock = MP_CLOCK_MEMORIES;
}

int mp__attr_theory(struct mp_attr *e)
{
    struct mp_config *t = malloc(sizeof *t);
    size_t k;
    int rc;
    if (!t)
        return mp__fail(MP_ENOMEM, "out of memory");
    pair_config(&e->cfg, t);
    rc = mp_theory_compute(t, &e->th);
    if (rc)
        rc = mp__fail_prefix(rc, "attractor: the synapse model's "
                                 "stationary state: ");
    e->life_io = rc ? NAN : e->th.lifetime;
    e->cap_th = NAN;
    for (k = 0; k < e->n_ages; k++)
        e->sig_th[k] = e->snr_th[k] = e->ov_th[k] = NAN;
    if (!rc)
        rc = classic(&e->cfg.attr) ? curves(e, t) : general(e);
    free(t);
    return rc;
}

/* u carried through blocks b0 .. b1 - 1. */
static int carry(struct mp__ath *t, double *u, uint64_t b0, uint64_t b1)
{
    double y[MP_MAX_STATES];
    int rc = 0;
    for (; b0 < b1; b0++) {
        const struct mp__ath_block *k = mp__ath_block(t, b0, &rc);
        if (!k)
            return rc;
        mp__ath_vm(u, k->qbar, y, t->S);
        memcpy(u, y, t->S * sizeof *u);
    }
    return 0;
}

/* Forward from the initial state to the probe and on to the count. */
static int forward_only(struct mp__ath *t, uint64_t count, uint64_t age,
                        double *ej)
{
    const uint64_t mu = count - 1 - age, b = mu / t->Bt;
    double u[MP_MAX_STATES], ue[MP_MAX_STATES];
    const struct mp__ath_block *k;
    uint32_t x, i;
    int rc;
    memcpy(u, t->init, t->S * sizeof *u);
    rc = carry(t, u, 0, b);
    k = rc ? NULL : mp__ath_block(t, b, &rc);
    for (x = 0; x < t->ne && k; x++) {
        mp__ath_vm(u, k->qc + ((mu % t->Bt) * t->ne + x) * t->S * t->S,
                   ue, t->S);
        rc = carry(t, ue, b + 1, count / t->Bt);
        if (rc)
            return rc;
        ej[x] = 0.0;
        for (i = 0; i < t->S; i++)
            ej[x] += ue[i] * t->w[i];
    }
    return rc;
}

int mp__attr_theory_at(const struct mp_config *c, uint64_t count,
                       uint64_t age, double *ej)
{
    struct mp_config *p = malloc(sizeof *p);
    struct mp_theory th;
    struct mp__ath t;
    int rc;
    ej[0] = ej[1] = ej[2] = NAN;
    if (!p)
        return mp__fail(MP_ENOMEM, "out of memory");
    if (age >= count || count % c->attr.block) {
        free(p);
        return mp__fail(MP_EINVAL, "attractor theory: no probe of age "
                                   "%llu at count %llu",
                        (unsigned long long)age, (unsigned long long)count);
    }
    pair_config(c, p);
    rc = mp_theory_compute(p, &th);
    free(p);
    if (rc)
        return rc;
    rc = mp__ath_open(&t, c, th.p_inf);
    if (!rc)
        rc = forward_only(&t, count, age, ej);
    mp__ath_close(&t);
    return rc == MP_ATH_TOO_COSTLY ? 0 : rc;
}
