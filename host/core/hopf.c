/* SPDX-License-Identifier: MIT */
/*
 * hopf.c: the stability criterion of BCM's sliding threshold, per
 * protocol phase (mp_net_hopf, net.h), and the warnings it gives.
 *
 * The averaged dynamics (docs/NETWORKS.md, "Stability"): with patterns
 * p_k shown with probabilities pi_k at scale s, the drive of pattern k,
 * r_k = s w.p_k - b, and the threshold move as
 *     dr_j/dt = (s^2 / tau_w) sum_k pi_k (p_j.p_k) y_k (m y_k - theta)
 *     tau_theta dtheta/dt = sum_k pi_k y_k^2 / y0 - theta,
 * y_k = max(0, r_k).  At the selective fixed point y_1 = c = m y0 / pi_1,
 * theta = m c, the other drives are below 0 (rectified: they give no
 * term), so the Jacobian is block-triangular and its only non-zero block
 * is the 2 x 2 one of (r_1, theta), with trace r m^2 s^2 |p_1|^2 y0 /
 * tau_w - 1 / tau_theta and determinant > 0: a complex pair crosses the
 * imaginary axis where the trace vanishes.  pi_1 and the Gram matrix's
 * off-diagonal entries drop out; only |p_1|^2 = p_1.p_1 remains.
 *
 * The threshold's priming component P (bcm.priming_tau > 0) follows the
 * LTD drive D = y (theta - m y)^+, which is 0 at the fixed point (y_1 =
 * theta / m) and, linearised, pi_1 c (dtheta - m dr_1)^+ on its LTD side
 * only.  Fast P (P = k_P D) multiplies both entries of the Jacobian's
 * first row by 1 + g, g = k_P pi_1 c = k_P m y0, on that side: a
 * piecewise-linear focus whose two halves turn in pi / omega each and
 * scale by exp(pi sigma / omega), so the amplitude holds when
 * sigma_LTP / omega_LTP + sigma_LTD / omega_LTD = 0, which is at
 * tau_theta = tau_theta,c / sqrt(1 + g) exactly.  Slow P is a near
 * constant offset that leaves tau_theta,c.  (Measured with one neuron:
 * tests/test_stability.c.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/net.h"
#include "metaplast/private/hopf.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/private/util.h"

/* Binary patterns are counted when the phase shows at most this many
 * pattern inputs (a Philox call each), else estimated. */
#define COUNT_BUDGET (UINT64_C(1) << 24)

/* The largest probability that one event changes a discrete synapse's
 * strength, over states and both signs. */
static double flip_max(const struct mp_syn_params *syn)
{
    struct mp_syn_rule rule;
    double best = 0.0;
    uint32_t j, xi, t;
    if (mp_syn_rule_build(syn, &rule))
        return 1.0;
    for (j = 0; j < rule.nstates; j++)
        for (xi = 0; xi < 2; xi++) {
            const uint32_t b = rule.byte_of[j];
            const uint32_t k = mp_syn_index(xi, b);
            double p = 0.0;
            for (t = 0; t < rule.ntarget[k]; t++)
                if ((rule.target[k][t] & MP_SYN_STRONG) !=
                    (b & MP_SYN_STRONG))
                    p += rule.tprob[k][t];
            best = p > best ? p : best;
        }
    return best;
}

/* r: how fast the mean weight can move, relative to dense continuous
 * synapses. */
static double rate_factor(const struct mp_config *c)
{
    double r = 1.0;
    if (c->fan_in)
        r *= (double)c->fan_in /
             ((double)c->n_in + (c->recurrent ? c->n_out : 0));
    if (c->discrete)
        r *= flip_max(&c->syn) * fabs(c->w_strong - c->w_weak);
    return r;
}

/* |p_k|^2 of the unscaled pattern k (make_patterns, net_init.c). */
static double norm2(const struct mp_config *c, uint32_t k)
{
    uint32_t j, on = 0;
    if (c->pattern_kind == MP_PATTERNS_ORTHONORMAL)
        return 1.0;
    for (j = 0; j < c->n_in; j++)
        on += mp_net_binary_on(c->seed, k, j);
    return (double)on;
}

/* The patterns phase p shows: bit set, or 0 for all of them. */
static uint64_t phase_set(const struct mp_config *c, size_t p)
{
    return p < c->n_phase_patterns ? c->phase_patterns[p] : 0;
}

static uint32_t set_count(const struct mp_config *c, uint64_t set)
{
    uint32_t k, n = 0;
    if (!set)
        return c->patterns;
    for (k = 0; k < 64; k++)
        n += (uint32_t)(set >> k & 1u);
    return n;
}

/* Pattern k's threshold into *h. */
static void fold(const struct mp_config *c, struct mp_net_hopf *h,
                 uint32_t k, double n2)
{
    const double g = h->rate * h->modulator * h->modulator * h->scale *
                     h->scale * n2 * c->y0;
    const double t = g > 0.0 ? c->tau_w_s / g : INFINITY;
    if (t < h->tau_c_s || h->shown == 0) {
        h->tau_c_s = t;
        h->norm2 = n2;
        h->pattern = k;
    }
    if (t > h->tau_c_max_s || h->shown == 0)
        h->tau_c_max_s = t;
    h->past += c->tau_theta_s >= t;
    h->past_fast += c->tau_theta_s >= t / sqrt(1.0 + h->priming);
    h->shown++;
}

int mp_net_hopf(const struct mp_config *c, size_t phase,
                struct mp_net_hopf *h)
{
    const size_t phases = c->n_phases ? c->n_phases : 1;
    uint64_t set;
    uint32_t k;
    memset(h, 0, sizeof *h);
    if (c->paradigm != MP_PARADIGM_NETWORK || c->rule != MP_RULE_BCM ||
        phase >= phases)
        return mp__fail(MP_EINVAL,
                        "mp_net_hopf: phase %zu of a BCM network with %zu",
                        phase, phases);
    set = phase_set(c, phase);
    h->modulator = phase < c->n_phase_mod ? c->phase_mod[phase]
                                          : c->modulator;
    h->scale = phase < c->n_phase_scale ? c->phase_scale[phase]
                                        : c->input_scale;
    h->rate = rate_factor(c);
    h->estimated = c->pattern_kind == MP_PATTERNS_BINARY &&
                   (uint64_t)set_count(c, set) * c->n_in > COUNT_BUDGET;
    h->priming = c->priming_tau_s > 0
                     ? c->priming_gain * h->modulator * c->y0
                     : 0.0;
    for (k = 0; k < c->patterns && (set == 0 || k < 64); k++)
        if (!set || (set >> k & 1u))
            fold(c, h, k,
                 h->estimated ? 0.5 * c->n_in : norm2(c, k));
    h->tau_c_fast_s = h->tau_c_s / sqrt(1.0 + h->priming);
    return 0;
}

/* One phase's line, if its tau_theta is past the threshold, or (with the
 * priming component) past where priming can move it. */
static int phase_line(const struct mp_config *c, size_t p, char *buf,
                      size_t len)
{
    struct mp_net_hopf h;
    char where[64] = "", rate[160] = "", which[96] = "", span[96] = "";
    char prime[320] = "";
    if (mp_net_hopf(c, p, &h) || !h.past_fast)
        return 0;
    if (c->n_phases)
        snprintf(where, sizeof where, "protocol phase %zu: ", p + 1);
    if (h.rate != 1.0)
        snprintf(rate, sizeof rate,
                 ", r = %g (the rate factor: %s)", h.rate,
                 c->discrete ? "discrete synapses' q |w_strong - w_weak|"
                             : "fan_in / presynaptic cells");
    if (c->pattern_kind == MP_PATTERNS_BINARY)
        snprintf(which, sizeof which, " (pattern %u%s)", h.pattern,
                 h.estimated ? ", estimated as inputs / 2" : "");
    if (h.tau_c_max_s > h.tau_c_s)
        snprintf(span, sizeof span, "; up to %gs over the patterns shown",
                 h.tau_c_max_s);
    if (h.priming > 0)
        snprintf(prime, sizeof prime,
                 "; that is the activity component's: the priming "
                 "component (bcm.priming_tau = %gs) moves it down to "
                 "tau_theta,c / sqrt(1 + k_P m y0) = %gs (k_P = "
                 "bcm.priming_gain = %g) when fast against the "
                 "oscillation, and leaves it when slow",
                 c->priming_tau_s, h.tau_c_fast_s, c->priming_gain);
    snprintf(buf, len,
             "%sbcm.tau_theta = %gs is %s for %u of the %u patterns shown: "
             "tau_theta,c = tau_w / (%sm^2 s^2 |p|^2 y0) = %gs (m = %g, s = "
             "%g, |p|^2 = %g%s, y0 = %g%s)%s%s; a neuron selective to such "
             "a pattern %s, and can fall silent for good "
             "(record.silent_after reports it)\n",
             where, c->tau_theta_s,
             h.past ? "past the Hopf bifurcation of the BCM threshold"
                    : "below the Hopf bifurcation of the BCM threshold's "
                      "activity component, but with its priming component "
                      "it can be past it,",
             h.past ? h.past : h.past_fast, h.shown,
             h.rate != 1.0 ? "r " : "", h.tau_c_s, h.modulator, h.scale,
             h.norm2, which, c->y0, rate, span, prime,
             h.past ? "oscillates" : "can oscillate");
    return 1;
}

int mp__net_hopf_warnings(const struct mp_config *c, char *buf, size_t len)
{
    const size_t phases = c->n_phases ? c->n_phases : 1;
    size_t p, used;
    int n = 0;
    if (c->paradigm != MP_PARADIGM_NETWORK || c->rule != MP_RULE_BCM)
        return 0;
    for (p = 0; p < phases; p++) {
        used = len ? strlen(buf) : 0;
        n += phase_line(c, p, buf + used, len - used);
    }
    return n;
}
