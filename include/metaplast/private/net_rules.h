/* SPDX-License-Identifier: MIT */
/*
 * net_rules.h (private): the rate-network rules (docs/MODELS.md, rate
 * networks), written once for the CPU backend and the CUDA kernels.
 *
 * Neurons i receive inputs j (external rates, or other neurons' rates).
 * Per step dt, in this order: input x(t); activity y_i = phi(h_i - b_i)
 * with h_i = sum_j w_ij x_j; BCM weight update; sliding threshold.
 * Weights, rates and thresholds are float32; sums are double.
 *
 * A kernel is indexing and a warp reduction around these functions; a CPU
 * loop is a loop around them.  The one thing the two sides write
 * differently is the summation of a row, and both follow the order
 * mp_row_pass states.
 */
#ifndef METAPLAST_PRIVATE_NET_RULES_H
#define METAPLAST_PRIVATE_NET_RULES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "hd.h"
#include "rng.h"
#include "syn_rules.h"

/* Lanes of the fixed summation order of every dot product: lane l adds
 * the terms j = l, l + 32, l + 64, ... in that order (products of two
 * floats are exact in double), then the 32 partial sums are combined as a
 * tree, p[l] += p[l + s] for s = 16, 8, 4, 2, 1, which is what a warp's
 * shuffle-down reduction computes.  The CPU follows the same order, so
 * activities are bit-identical across backends and thread counts. */
#define MP_DOT_LANES 32

/* How far ahead the CPU row pass prefetches (synapses; 4 KiB of weights). */
#ifndef MP_ROW_PREFETCH
#define MP_ROW_PREFETCH 1024
#endif

static MP_INLINE MP_HD double mp_dot_combine(double p[MP_DOT_LANES])
{
    int s, l;
    for (s = MP_DOT_LANES / 2; s > 0; s /= 2)
        for (l = 0; l < s; l++)
            p[l] += p[l + s];
    return p[0];
}


/* Rectified-linear transfer: y = max(0, h - b). */
static MP_INLINE MP_HD float mp_relu(double h, float b)
{
    float y = (float)(h - (double)b);
    return y > 0.0f ? y : 0.0f;
}

/*
 * The transfer with intrinsic excitability (intrinsic plasticity on):
 * y = max(0, a h - b), a the neuron's gain, b its bias.  With a = 1 it is
 * mp_relu's arithmetic (1 * h is h exactly).
 */
static MP_INLINE MP_HD float mp_relu_ab(double h, float a, float b)
{
    float y = (float)((double)a * h - (double)b);
    return y > 0.0f ? y : 0.0f;
}

/* Neuron i's rate from its current: its own gain and bias when the
 * network has them (gain != NULL: intrinsic plasticity), else the
 * network's bias b0. */
static MP_INLINE MP_HD float mp_net_rate(double h, const float *gain,
                                         const float *bias, float b0,
                                         uint64_t i)
{
    return gain ? mp_relu_ab(h, gain[i], bias[i]) : mp_relu(h, b0);
}

static MP_INLINE MP_HD float mp_clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * BCM weight change (Intrator & Cooper 1992; Bienenstock, Cooper & Munro
 * 1982):  dw = dt * eta_eff * x * y * (y - theta_eff).
 *   k          dt * eta * m, per step (eta = 1 / tau_w, m the modulator)
 *   x, y       pre- and postsynaptic rates (dimensionless)
 *   theta_eff  theta / m, the effective modification threshold
 * The product is evaluated left to right, with no contraction.
 */
static MP_INLINE MP_HD float mp_bcm_dw(float k, float x, float y,
                                       float theta_eff)
{
    return k * x * y * (y - theta_eff);
}


/*
 * Sliding threshold (the metaplastic variable):
 *   theta <- theta + (dt / tau_theta) * (y^2 / y0 - theta)
 *   c = dt / tau_theta (per step), inv_y0 = 1 / y0.
 * Stable only if tau_theta < tau_w / (m^2 s^2 |p|^2 y0) at the selective
 * fixed point (a Hopf bifurcation at equality; mp_net_hopf, net.h).
 */
static MP_INLINE MP_HD float mp_theta_step(float theta, float y, float c,
                                           float inv_y0)
{
    return theta + c * (y * y * inv_y0 - theta);
}

/*
 * Neuromodulation (a global level m >= 0): eta_eff = eta * m and
 * theta_eff = theta / m; m = 0 switches plasticity off.  Returns theta_eff
 * (unused when m = 0).
 */
static MP_INLINE MP_HD float mp_theta_eff(float theta, float m)
{
    return m > 0.0f ? theta / m : theta;
}

/*
 * The priming component of the threshold (LTD priming; biphasic
 * metaplasticity: docs/NETWORKS.md).  The threshold is
 * theta + P: theta the activity component (mp_theta_step), P a trace of
 * the neuron's recent LTD drive
 *   D = m y (theta / m - y)^+          (0 when m = 0)
 * the depression BCM gives a synapse per unit of presynaptic rate and of
 * learning rate (dw = -dt eta x D), measured against the activity
 * component alone, so that P does not feed on itself.  P follows
 *   P <- P + (dt / tau_P) (k_P D - P)
 * a leaky integrator: fixed point k_P D, time constant tau_P.
 *   m        modulator level (dimensionless)
 *   y        the neuron's rate; theta its activity component (rate)
 *   c        dt / tau_P per step; k the gain k_P (1 / rate)
 * (Prior low-frequency stimulation inhibits later LTP: Mockett, Coussens
 * & Abraham 2002; review: Abraham 2008.)
 */
static MP_INLINE MP_HD float mp_ltd_drive(float y, float theta, float m)
{
    const float g = y * (mp_theta_eff(theta, m) - y);
    return g > 0.0f ? m * g : 0.0f;
}

static MP_INLINE MP_HD float mp_priming_step(float prime, float drive,
                                             float c, float k)
{
    return prime + c * (k * drive - prime);
}

/*
 * Intrinsic plasticity (homeostatic excitability; Desai, Rutherford &
 * Turrigiano 1999; in the spirit of Triesch 2005): each neuron's gain a
 * or bias b in y = max(0, a h - b) moves its mean rate toward a target
 * r_ip.  c = dt / tau_ip per step.
 *   bias:  b <- b + c (y - r_ip)
 *          with h fixed, y - r_ip shrinks by (1 - c) per step exactly;
 *   gain:  a <- a max(1/2, 1 + c (1 - y / r_ip))
 *          with h fixed and b = 0, y - r_ip shrinks by (1 - c) per step
 *          near r_ip (the floor 1/2 keeps a > 0; it acts only at rates
 *          above r_ip (1 + 1 / (2c))).
 * Both have the fixed point <y> = r_ip and the time constant tau_ip.
 */
static MP_INLINE MP_HD float mp_ip_bias_step(float b, float y, float c,
                                             float target)
{
    return b + c * (y - target);
}

static MP_INLINE MP_HD float mp_ip_gain_step(float a, float y, float c,
                                             float inv_target)
{
    const float f = 1.0f + c * (1.0f - y * inv_target);
    return a * (f > 0.5f ? f : 0.5f);
}

/*
 * Synaptic scaling (Turrigiano 2008; van Rossum, Bi & Turrigiano 2000):
 * every neuron's incoming weights are multiplied by one factor s_i, so
 * their ratios are preserved up to clipping at the bounds.  The factor
 * (computed once per neuron by the host: mp_scaling_factor) is applied as
 * w <- clamp(w * s, lo, hi).
 */
static MP_INLINE MP_HD float mp_scale_w(float w, float s, float lo, float hi)
{
    return mp_clampf(w * s, lo, hi);
}

/* Heterosynaptic normalisation: a segment's net change removed evenly. */
static MP_INLINE MP_HD float mp_hetero_w(float w, float dw, float mean_dw,
                                         float lo, float hi)
{
    return mp_clampf(w + (dw - mean_dw), lo, hi);
}

/*
 * The constants of a network's per-synapse and per-neuron rules, built
 * once from the config (host/engine/net_init.c) and handed whole to both
 * backends (the CPU loops, the kernels' arguments): a new rule's
 * parameters go here, and nowhere else between the config and the rule.
 */
struct mp_net_rules {
    int bcm;                /* sliding threshold (else theta_eff = 0) */
    int discrete;           /* BCM-gated discrete synapses */
    uint32_t hetero;        /* heterosynaptic segment length, 0 = off */
    int priming;            /* theta has a priming component */
    int intrinsic;          /* intrinsic plasticity: 0 off, or
                               MP_NET_IP_GAIN, MP_NET_IP_BIAS */
    float c_prime;          /* dt / tau_P */
    float prime_gain;       /* k_P, P's fixed point per unit drive */
    float c_ip;             /* dt / tau_ip */
    float ip_target;        /* r_ip */
    float inv_ip_target;    /* 1 / r_ip */
    float c_theta;          /* dt / tau_theta */
    float inv_y0;           /* 1 / y0 */
    float lo, hi;           /* weight bounds */
    float x_on;             /* discrete: inputs above it are active */
    float w_weak, w_strong; /* discrete: weights of the two strengths */
    uint64_t seed;          /* the random streams of discrete synapses */
};

/* mp_net_rules.intrinsic */
#define MP_NET_IP_GAIN 1
#define MP_NET_IP_BIAS 2

/* What the update of one row at one step needs. */
struct mp_net_row {
    float k;      /* dt eta m */
    float y;      /* the neuron's rate this step */
    float th;     /* effective threshold (theta + P) / m (0 without BCM) */
    float lo, hi; /* weight bounds */
    float ltd;    /* the LTD drive D of the step (priming), else 0 */
};

/* Row i's update at a step: learning rate kb = dt eta m, modulator m,
 * its rate y, threshold theta and priming component prime (read only
 * with priming on). */
static MP_INLINE MP_HD struct mp_net_row mp_net_row_at(
    const struct mp_net_rules *r, float kb, float m, float y, float theta,
    float prime)
{
    struct mp_net_row u;
    u.k = kb;
    u.y = y;
    u.th = r->bcm ? mp_theta_eff(r->priming ? theta + prime : theta, m)
                  : 0.0f;
    u.lo = r->lo;
    u.hi = r->hi;
    u.ltd = r->priming ? mp_ltd_drive(y, theta, m) : 0.0f;
    return u;
}

/*
 * BCM-gated discrete synapses (cascade, binary or serial inside a
 * network): a synapse whose input is active receives a candidate event
 * with probability min(1, k * x * |y (y - theta_eff)|), k = dt eta m,
 * potentiating if y > theta_eff; the model's transition table then
 * decides (Fusi et al. 2005; as metaplastic "importance", Laborieux et al.
 * 2021).  Returns the event probability.
 */
static MP_INLINE MP_HD float mp_gate_prob(float k, float x, float y,
                                          float theta_eff)
{
    float g = y * (y - theta_eff);
    float p = k * x * (g < 0.0f ? -g : g);
    return p < 1.0f ? p : 1.0f;
}

/* ---- The rule of a synapse: what a new plasticity rule changes ------- */

/* The weight change of a synapse with presynaptic rate x in row u: BCM,
 * dw = k x y (y - theta_eff) (mp_bcm_dw). */
static MP_INLINE MP_HD float mp_row_dw(float x, const struct mp_net_row *u)
{
    return mp_bcm_dw(u->k, x, u->y, u->th);
}

/* A continuous synapse's step, clipped to [lo, hi]. */
static MP_INLINE MP_HD float mp_row_update(float w, float x,
                                           const struct mp_net_row *u)
{
    return mp_clampf(w + mp_row_dw(x, u), u->lo, u->hi);
}

/* A gated discrete synapse (mp_gated_syn_step): the probability of a
 * candidate event, and whether the event potentiates. */
static MP_INLINE MP_HD float mp_row_gate(float x, const struct mp_net_row *u)
{
    return mp_gate_prob(u->k, x, u->y, u->th);
}

static MP_INLINE MP_HD uint32_t mp_row_potentiates(const struct mp_net_row *u)
{
    return u->y > u->th;
}

/* The weight value of a discrete synapse in state st (network units). */
static MP_INLINE MP_HD float mp_syn_wvalue(uint32_t st, float weak,
                                           float strong)
{
    return (st & MP_SYN_STRONG) ? strong : weak;
}

/*
 * One BCM-gated discrete synapse at a step: an active input (x > x_on)
 * draws the event (NET_EVENT stream) and, on an event, the transition
 * byte (NET_CASCADE stream), both keyed by (step, key = neuron << 32 |
 * synapse).  Returns the new state; *event says whether one happened (the
 * weight then follows the state's strength).
 */
static MP_INLINE MP_HD uint32_t mp_gated_syn_step(
    const struct mp_syn_table *t, uint32_t st, float x, float x_on,
    const struct mp_net_row *u, uint64_t seed, uint64_t step, uint64_t key,
    int *event)
{
    float pr;
    *event = 0;
    if (!(x > x_on))
        return st;
    pr = mp_row_gate(x, u);
    if (!(pr > 0.0f) ||
        (uint64_t)mp_rng_word(seed, MP_RNG_NET_EVENT, step, key) >=
            mp_prob_threshold(pr))
        return st;
    *event = 1;
    return mp_syn_step(t, st, mp_row_potentiates(u),
                       mp_rng_word(seed, MP_RNG_NET_CASCADE, step, key) >> 24,
                       seed, step, key);
}

/*
 * BCM with heterosynaptic normalisation over the synapses [s0, end) of a
 * row: each weight moves by its BCM change minus the segment's mean
 * change (summed in order, in double).  cells: the presynaptic cell of
 * each synapse, or NULL for a dense row (cell = synapse).
 */
static MP_INLINE MP_HD void mp_hetero_segment(float *row, const float *z,
                                              const uint32_t *cells,
                                              uint32_t s0, uint32_t end,
                                              const struct mp_net_row *u)
{
    double sum = 0.0;
    float mean;
    uint32_t s;
    for (s = s0; s < end; s++)
        sum += mp_row_dw(z[cells ? cells[s] : s], u);
    mean = (float)(sum / (double)(end - s0));
    for (s = s0; s < end; s++)
        row[s] = mp_hetero_w(row[s], mp_row_dw(z[cells ? cells[s] : s], u),
                             mean, u->lo, u->hi);
}

/* ---- Inputs ------------------------------------------------------------ */

/* Whether input j is active (rate 1, times the scale) in binary pattern
 * k: word j of the pattern stream at step 1 + k.  The patterns the
 * network shows and the stability criterion (host/core/hopf.c) both read
 * it here. */
static MP_INLINE MP_HD uint32_t mp_net_binary_on(uint64_t seed, uint32_t k,
                                                 uint32_t j)
{
    return mp_rng_word(seed, MP_RNG_NET_PATTERN, 1 + (uint64_t)k, j) >> 31;
}

/* A uniform float in [0, 1) from the top 24 bits of a random word. */
static MP_INLINE MP_HD float mp_unit24(uint32_t u)
{
    return (float)(u >> 8) * (1.0f / 16777216.0f);
}

/*
 * External input j at a step: its pattern value pat times the phase's
 * gain, plus uniform noise of amplitude a (std a / sqrt 3) from the
 * random word u (NET_NOISE stream, word j of the step: mp_net_input), the
 * rate clipped at 0.  u is not read when a = 0.
 */
static MP_INLINE MP_HD float mp_net_input_u(float pat, float gain, float a,
                                            uint32_t u)
{
    float v = gain == 1.0f ? pat : pat * gain;
    if (a > 0.0f) {
        v += a * (2.0f * mp_unit24(u) - 1.0f);
        if (v < 0.0f)
            v = 0.0f;
    }
    return v;
}

static MP_INLINE MP_HD float mp_net_input(float pat, float gain, float a,
                                          uint64_t seed, uint64_t step,
                                          uint32_t j)
{
    return mp_net_input_u(pat, gain, a,
                          a > 0.0f ? mp_rng_word(seed, MP_RNG_NET_NOISE,
                                                 step, j)
                                   : 0u);
}

/* The random-stream key of synapse s of neuron i, whatever the row
 * length: a feed-forward network and its recurrent extension draw the
 * same feed-forward weights. */
static MP_INLINE MP_HD uint64_t mp_net_key(uint64_t i, uint32_t s)
{
    return (i << 32) | s;
}

/* The presynaptic cell of sparse synapse s of neuron i: uniform over the
 * n_pre cells (NET_CONNECT stream). */
static MP_INLINE MP_HD uint32_t mp_net_connect(uint64_t seed, uint32_t n_pre,
                                               uint64_t i, uint32_t s)
{
    return mp_rng_below(
        mp_rng_word(seed, MP_RNG_NET_CONNECT, 0, mp_net_key(i, s)), n_pre);
}

/* ---- One row (a neuron's incoming synapses) at a step ------------------ */

/* One term of a current: a product of two floats, exact in double. */
static MP_INLINE MP_HD double mp_dot_term(float w, float x)
{
    return (double)w * (double)x;
}


/* BCM with heterosynaptic normalisation over a whole row, segment by
 * segment of G synapses (the last one may be shorter). */
static MP_INLINE MP_HD void mp_hetero_row(float *row, const float *z,
                                          const uint32_t *cells, uint32_t L,
                                          uint32_t G,
                                          const struct mp_net_row *u)
{
    uint32_t s0;
    for (s0 = 0; s0 < L; s0 += G)
        mp_hetero_segment(row, z, cells, s0, s0 + G < L ? s0 + G : L, u);
}

/* A BCM-gated discrete synapse s of neuron i (mp_gated_syn_step): on an
 * event its state moves and its weight follows the new strength. */
static MP_INLINE MP_HD void mp_discrete_syn(uint8_t *st, float *w,
                                            const struct mp_syn_table *t,
                                            float x,
                                            const struct mp_net_rules *r,
                                            const struct mp_net_row *u,
                                            uint64_t step, uint64_t i,
                                            uint32_t s)
{
    int event;
    const uint32_t v = mp_gated_syn_step(t, *st, x, r->x_on, u, r->seed,
                                         step, mp_net_key(i, s), &event);
    if (event) {
        *st = (uint8_t)v;
        *w = mp_syn_wvalue(v, r->w_weak, r->w_strong);
    }
}

/* The end of a neuron's step: its next current, its threshold (BCM), its
 * rate sums (scaling and records). */
static MP_INLINE MP_HD void mp_row_end(double *h, float *theta,
                                       double *acc_scale, double *acc_rec,
                                       double next, float y,
                                       const struct mp_net_rules *r)
{
    *h = next;
    if (r->bcm)
        *theta = mp_theta_step(*theta, y, r->c_theta, r->inv_y0);
    *acc_scale += y;
    *acc_rec += y;
}

/* The end of neuron i's step for the per-neuron variables beyond the
 * threshold: its priming component (from the step's LTD drive u->ltd)
 * and its gain or bias (intrinsic plasticity, from its rate y).  Arrays
 * of the variables that are off may be NULL. */
static MP_INLINE MP_HD void mp_neuron_end(float *prime, float *gain,
                                          float *bias, uint64_t i, float y,
                                          const struct mp_net_row *u,
                                          const struct mp_net_rules *r)
{
    if (r->priming)
        prime[i] = mp_priming_step(prime[i], u->ltd, r->c_prime,
                                   r->prime_gain);
    if (r->intrinsic == MP_NET_IP_GAIN)
        gain[i] = mp_ip_gain_step(gain[i], y, r->c_ip, r->inv_ip_target);
    else if (r->intrinsic == MP_NET_IP_BIAS)
        bias[i] = mp_ip_bias_step(bias[i], y, r->c_ip, r->ip_target);
}

/* One synapse of a row at a step: with u, its weight *w takes its BCM
 * step with presynaptic rate x (the fused pass); then its term of the
 * next current, with rate xn. */
static MP_INLINE MP_HD double mp_row_syn(float *w, float x, float xn,
                                         const struct mp_net_row *u)
{
    float v = *w;
    if (u) {
        v = mp_row_update(v, x, u);
        *w = v;
    }
    return mp_dot_term(v, xn);
}

/*
 * The current sum_s w[s] zn[cell(s)] of a row of L synapses in the fixed
 * order (cells: the presynaptic cell of each synapse; NULL for a dense
 * row, cell = s), each weight first updated when u is given
 * (mp_row_syn), so each weight crosses memory once per step.
 *
 * The order: term s goes to lane s % 32 (terms in increasing s), then
 * the 32 lanes combine as mp_dot_combine.  This is the CPU form; a kernel
 * gives lane l of a warp the terms s = l, l + 32, ... and combines the
 * lanes with a shuffle-down reduction, which is the same sum bit for bit.
 * Whole blocks of 32 keep the lanes in SIMD registers; dense rows read
 * their rates contiguously.
 */
static MP_INLINE double mp_row_pass(float *MP_RESTRICT w,
                                    const uint32_t *MP_RESTRICT cells,
                                    const float *MP_RESTRICT z,
                                    const float *MP_RESTRICT zn, uint32_t L,
                                    const struct mp_net_row *u)
{
    double p[MP_DOT_LANES];
    uint32_t j = 0;
    int l;
    for (l = 0; l < MP_DOT_LANES; l++)
        p[l] = 0.0;
    for (; j + MP_DOT_LANES <= L; j += MP_DOT_LANES) {
        float *MP_RESTRICT wb = w + j;
        const float *MP_RESTRICT xb = z + j, *MP_RESTRICT nb = zn + j;
#if !defined(__CUDA_ARCH__) && defined(__GNUC__)
        /* The row MP_ROW_PREFETCH synapses ahead, into L2: more misses in
         * flight than a core's L1 keeps by itself (2x on the dense pass;
         * docs/PERFORMANCE.md).  Memory movement only: no bit changes. */
        __builtin_prefetch(w + j + MP_ROW_PREFETCH, 1, 1);
        __builtin_prefetch(w + j + MP_ROW_PREFETCH + 16, 1, 1);
        if (cells) {
            __builtin_prefetch(cells + j + MP_ROW_PREFETCH, 0, 1);
            __builtin_prefetch(cells + j + MP_ROW_PREFETCH + 16, 0, 1);
        }
#endif
        if (!cells) {
            for (l = 0; l < MP_DOT_LANES; l++)
                p[l] += mp_row_syn(&wb[l], xb[l], nb[l], u);
        } else {
            const uint32_t *MP_RESTRICT cb = cells + j;
            for (l = 0; l < MP_DOT_LANES; l++)
                p[l] += mp_row_syn(&wb[l], z[cb[l]], zn[cb[l]], u);
        }
    }
    for (l = 0; j < L; j++, l++) {
        const uint32_t c = cells ? cells[j] : j;
        p[l] += mp_row_syn(&w[j], z[c], zn[c], u);
    }
    return mp_dot_combine(p);
}

/* The current of a row without updating it. */
static MP_INLINE double mp_row_dot(const float *w, const uint32_t *cells,
                                   const float *x, uint32_t L)
{
    return mp_row_pass((float *)w, cells, x, x, L, NULL);
}

/* The synaptic-scaling factor of a neuron with mean rate r (computed on
 * the host for either backend; Turrigiano 2008):
 * s = clamp((target / r)^alpha, 1 / s_max, s_max); s_max if r = 0. */
static MP_INLINE double mp_scaling_factor(double r, double target,
                                          double alpha, double s_max)
{
    double s;
    if (!(r > 0.0))
        return s_max;
    s = pow(target / r, alpha);
    return s < 1.0 / s_max ? 1.0 / s_max : s > s_max ? s_max : s;
}

#endif
