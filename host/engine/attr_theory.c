/* SPDX-License-Identifier: MIT */
/*
 * attr_theory.c: what the exact theory of one synapse says about the
 * attractor network (docs/ATTRACTOR.md).  Under the covariance rule every
 * pair (i, j) follows the synapse ensemble's chain with candidate
 * potentiations of probability f^2 + (1 - f)^2 per memory, so its memory
 * curve E[m(t)] is exact.  From it, an approximation: the field on a
 * neuron from a cue of overlap m has signal sqrt(V) E[m(t)] m and
 * noise sd(w) (neurons independent, the other memories' traces a
 * Gaussian noise); the mean-field overlap after k synchronous sweeps
 * follows m <- erf(S m / sqrt 2), S = sqrt(V) E[m(t)] / sd(w) (V = N - 1
 * synapses per field, K with fan-in), from
 * the cue's m = 1 - 2 noise (f = 1/2, a single presentation per memory,
 * no modulator).  The ideal observer of the same synapses is the
 * ensemble's lifetime (SNR >= 1) with N V independent synapses
 * (N (N - 1) / 2 when tied).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attr_internal.h"
#include "metaplast/error.h"
#include "metaplast/private/util.h"

double mp__attr_fan(const struct mp_config *c)
{
    return c->attr.fan_in ? (double)c->attr.fan_in
                          : (double)c->attr.neurons - 1.0;
}

double mp__attr_pair_f(const struct mp_config *c)
{
    const double f = c->attr.coding;
    /* Presynaptic rule: among its events (pre active) a potentiation has
     * probability f; the no-event memories do not move the chain. */
    return c->attr.rule == MP_ATTR_PRESYNAPTIC ? f
                                               : f * f + (1.0 - f) * (1.0 - f);
}

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
 * reaches retrieve.success, scanned in blocks of ages. */
static int capacity(struct mp_attr *e, const struct mp_config *t, double sd)
{
    enum { BLOCK = 1024 };
    const double scale = sqrt(mp__attr_fan(&e->cfg)) / sd;
    uint64_t ages[BLOCK], t0;
    double sig[BLOCK];
    size_t k;
    e->cap_th = -1.0;
    for (t0 = 0; t0 < (UINT64_C(1) << 24); t0 += BLOCK) {
        int rc;
        for (k = 0; k < BLOCK; k++)
            ages[k] = t0 + k;
        rc = mp_theory_curve(t, ages, BLOCK, sig, NULL);
        if (rc)
            return rc;
        for (k = 0; k < BLOCK; k++) {
            if (mean_field(scale * sig[k], &e->cfg.attr) <
                e->cfg.attr.success)
                return 0;
            e->cap_th = (double)(t0 + k);
        }
    }
    return 0;
}

/* The curve and the estimates at the grid's ages, where they apply. */
static int curves(struct mp_attr *e, const struct mp_config *t)
{
    const struct mp_attr_params *a = &e->cfg.attr;
    const int exact = a->rule == MP_ATTR_COVARIANCE && a->repeats == 1 &&
                      a->n_phases == 0;
    const double sd = sqrt(1.0 - e->th.mean_w * e->th.mean_w);
    const double scale = sqrt(mp__attr_fan(&e->cfg)) / sd;
    size_t k;
    int rc = 0;
    e->cap_th = NAN;
    for (k = 0; k < e->n_ages; k++)
        e->sig_th[k] = e->snr_th[k] = e->ov_th[k] = NAN;
    if (!exact || e->n_ages == 0)
        return 0;
    rc = mp_theory_curve(t, e->ages, e->n_ages, e->sig_th, NULL);
    if (rc || a->coding != 0.5 || !(sd > 0.0))
        return rc;
    for (k = 0; k < e->n_ages; k++) {
        e->snr_th[k] = scale * e->sig_th[k];
        e->ov_th[k] = mean_field(e->snr_th[k], a);
    }
    return capacity(e, t, sd);
}

int mp__attr_theory(struct mp_attr *e)
{
    struct mp_config *t = malloc(sizeof *t);
    const double N = e->cfg.attr.neurons;
    int rc;
    if (!t)
        return mp__fail(MP_ENOMEM, "out of memory");
    *t = e->cfg;
    t->paradigm = MP_PARADIGM_ENSEMBLE;
    t->f = mp__attr_pair_f(&e->cfg);
    /* V synapses per neuron: N (N - 1), halved when tied; N K with
     * fan-in (never tied). */
    t->synapses = (uint64_t)(N * mp__attr_fan(&e->cfg) /
                             (e->cfg.attr.tied ? 2.0 : 1.0));
    t->clock = MP_CLOCK_MEMORIES;
    rc = mp_theory_compute(t, &e->th);
    if (rc)
        rc = mp__fail_prefix(rc, "attractor: the synapse model's "
                                 "stationary state: ");
    e->life_io = rc ? NAN : e->th.lifetime;
    if (!rc)
        rc = curves(e, t);
    free(t);
    return rc;
}
