/* SPDX-License-Identifier: MIT */
/*
 * net.c: the rate-network engine on the CPU (OpenMP over neurons).  The
 * scheduler runs the fast processes every step (input, activity, BCM,
 * threshold) and the slow synaptic-scaling pass on its own cadence.
 *
 * Presynaptic cells are the inputs, then (recurrent networks) the neurons
 * themselves, delayed by one step: z(t) = [x(t), y(t-1)].  Each neuron's
 * incoming synapses are one row (all presynaptic cells, or a fixed fan-in
 * of cells drawn from the counter RNG).  A step first turns every current
 * h(t) into a rate y(t), so z(t+1) = [x(t+1), y(t)] is known; then one
 * pass over each row updates each weight with z(t) and y(t) and, in the
 * same pass, accumulates the next current with the new weight, so each
 * weight crosses memory once per step.  Every accumulation follows
 * mp_dot's fixed order (lane k mod 32), so results do not depend on
 * threads, on fusing, or on whether sparse indices are stored or
 * regenerated.
 */
#include "metaplast/net.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/detail/backend.h"
#include "metaplast/detail/net_dev.h"
#include "metaplast/detail/par.h"
#include "metaplast/detail/util.h"
#include "metaplast/error.h"
#include "metaplast/rng.h"
#include "metaplast/rules.h"
#include "metaplast/theory.h"

struct mp_net {
    struct mp_config cfg;
    uint32_t n_in, n_out, K;
    uint32_t n_pre;   /* presynaptic cells: inputs (+ neurons) */
    uint32_t L;       /* synapses per neuron (row length) */
    /* This process holds the rows of neurons [r0, r1) (all without MPI):
     * w, idx and state by local row i - r0; the per-neuron arrays are
     * full length, valid at [r0, r1), y and z everywhere (exchanged every
     * step). */
    uint32_t r0, r1;
    int sparse;       /* rows hold fan_in cells drawn at random */
    uint64_t step, total;
    uint64_t switch_steps, record_steps, scaling_steps;
    float *w;         /* (r1 - r0) x L */
    uint32_t *idx;    /* (r1 - r0) x L presynaptic cells (sparse) */
    uint8_t *state;   /* (r1 - r0) x L discrete synapse states, or NULL */
    struct mp_syn_table table; /* the discrete model */
    float w_weak, w_strong, x_on;
    float *theta;     /* n_out */
    float *y;         /* rates of the last completed step, y(t-1) */
    float *y_new;     /* y(t) while a step runs */
    double *h;        /* current of the coming step, n_out */
    double *acc_scale;/* sum of y since the last scaling pass */
    double *acc_rec;  /* sum of y since the last record */
    uint64_t n_scale, n_rec;
    float *patterns;  /* K x n_in, already times input.scale */
    float *z, *z_next;/* presynaptic rates of this step and the next */
    float k_bcm, c_theta, inv_y0, m, lo, hi, bias;
    /* The protocol: phase p covers steps [end[p-1], end[p]); the last one
     * holds to the end of the run.  Without one, a single phase. */
    size_t n_phases;
    uint64_t phase_end[MP_CFG_MAX_PHASES];
    float phase_k[MP_CFG_MAX_PHASES];     /* dt eta m */
    float phase_m[MP_CFG_MAX_PHASES];     /* modulator level */
    float phase_gain[MP_CFG_MAX_PHASES];  /* input scale / input.scale */
    uint64_t phase_set[MP_CFG_MAX_PHASES];/* allowed patterns, 0 = all */
    int threads;
    struct mp_net_dev *dev; /* CUDA backend, or NULL (CPU) */
    int w_stale;            /* the host's weights lag the device's */
    char device[320];       /* what it runs on */
    int unfused;      /* benchmark only: a separate pass for the currents */
    int regen;        /* benchmark only: sparse indices drawn every step */
    char err[512];
};

static float unit(uint32_t u) /* [0, 1) */
{
    return (float)(u >> 8) * (1.0f / 16777216.0f);
}

/* Random words keyed by (neuron i, synapse position k), whatever the row
 * length: a feed-forward network and its recurrent extension draw the
 * same feed-forward weights. */
static uint64_t key_ik(uint64_t i, uint32_t k)
{
    return (i << 32) | k;
}

/* Presynaptic cell of sparse synapse (i, k): uniform over all cells. */
static uint32_t connect(const struct mp_net *n, uint64_t i, uint32_t k)
{
    uint32_t u = mp_rng_word(n->cfg.seed, MP_RNG_NET_CONNECT, 0, key_ik(i, k));
    return (uint32_t)(((uint64_t)u * n->n_pre) >> 32);
}

static uint32_t cell(const struct mp_net *n, uint64_t i, uint32_t k)
{
    if (!n->sparse)
        return k;
    return n->regen ? connect(n, i, k) : n->idx[(i - n->r0) * n->L + k];
}

/* Orthonormal patterns with disjoint supports (non-negative rates): the
 * inputs are dealt in a random order into K groups; pattern k is
 * 1/sqrt(|group k|) on its group.  Binary: each input active (1) with
 * probability 1/2. */
static void make_patterns(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    uint32_t *perm = malloc(n->n_in * sizeof *perm), k, j;
    float scale = (float)c->input_scale;
    for (j = 0; j < n->n_in; j++)
        perm[j] = j;
    for (j = n->n_in; j > 1; j--) { /* Fisher-Yates */
        uint32_t r = (uint32_t)(((uint64_t)mp_rng_word(c->seed,
                                                   MP_RNG_NET_PATTERN, 0,
                                                   j) *
                                 j) >>
                                32);
        uint32_t t = perm[j - 1];
        perm[j - 1] = perm[r];
        perm[r] = t;
    }
    memset(n->patterns, 0, (size_t)n->K * n->n_in * sizeof *n->patterns);
    for (k = 0; k < n->K; k++) {
        if (c->pattern_kind == MP_PATTERNS_ORTHONORMAL) {
            uint32_t lo = (uint32_t)((uint64_t)n->n_in * k / n->K);
            uint32_t hi = (uint32_t)((uint64_t)n->n_in * (k + 1) / n->K);
            float v = scale / sqrtf((float)(hi - lo));
            for (j = lo; j < hi; j++)
                n->patterns[(size_t)k * n->n_in + perm[j]] = v;
        } else {
            for (j = 0; j < n->n_in; j++)
                if (mp_rng_word(c->seed, MP_RNG_NET_PATTERN, 1 + k, j) >> 31)
                    n->patterns[(size_t)k * n->n_in + j] = scale;
        }
    }
    free(perm);
}

static size_t phase_of(const struct mp_net *n, uint64_t step)
{
    size_t p = 0;
    while (p + 1 < n->n_phases && step >= n->phase_end[p])
        p++;
    return p;
}

/* Element pos of the random permutation of 0..K-1 (K <= 64) drawn for a
 * cycle: Fisher-Yates with the ORDER stream. */
static uint32_t permuted(uint64_t seed, uint64_t cycle, uint32_t K,
                         uint32_t pos)
{
    uint32_t order[64], i;
    for (i = 0; i < K; i++)
        order[i] = i;
    for (i = K; i > 1; i--) {
        uint32_t r = (uint32_t)(((uint64_t)mp_rng_word(seed, MP_RNG_NET_ORDER,
                                                   cycle, i) *
                                 i) >>
                                32);
        uint32_t t = order[i - 1];
        order[i - 1] = order[r];
        order[r] = t;
    }
    return order[pos];
}

uint32_t mp_net_pattern_at(const struct mp_net *n, uint64_t step)
{
    /* Period p shows pattern perm_c[p mod K], perm_c a random permutation
     * of the K patterns drawn for cycle c = p / K: random order, each
     * pattern equally often.  A protocol phase may allow a subset: the
     * same over its members. */
    uint64_t set = n->phase_set[phase_of(n, step)];
    uint32_t allowed[64], K = n->K, i;
    uint64_t p;
    if (set) {
        for (i = 0, K = 0; i < 64; i++)
            if (set >> i & 1)
                allowed[K++] = i;
    }
    p = step / n->switch_steps;
    if (K == 1)
        return set ? allowed[0] : 0;
    if (set)
        return allowed[permuted(n->cfg.seed, p / K, K, (uint32_t)(p % K))];
    if (K <= 64)
        return permuted(n->cfg.seed, p / K, K, (uint32_t)(p % K));
    /* Many patterns: independent uniform choices. */
    return (uint32_t)(((uint64_t)mp_rng_word(n->cfg.seed, MP_RNG_NET_ORDER, p, 0) *
                       K) >>
                      32);
}

/* The external inputs of a step (z[0 .. n_in)): the pattern, plus uniform
 * noise of the given std, rates clipped at 0. */
static void input_at(const struct mp_net *n, uint64_t step, float *z)
{
    const float *pat =
        n->patterns + (size_t)mp_net_pattern_at(n, step) * n->n_in;
    const float a = (float)(n->cfg.noise * 1.7320508075688772);
    const float gain = n->phase_gain[phase_of(n, step)];
    uint32_t j;
    for (j = 0; j < n->n_in; j++) {
        float v = gain == 1.0f ? pat[j] : pat[j] * gain;
        if (a > 0.0f) {
            v += a * (2.0f * unit(mp_rng_word(n->cfg.seed, MP_RNG_NET_NOISE,
                                          step, j)) -
                      1.0f);
            if (v < 0.0f)
                v = 0.0f;
        }
        z[j] = v;
    }
}

static int nthreads(const struct mp_net *n)
{
#ifdef _OPENMP
    return n->threads > 0 ? n->threads : omp_get_max_threads();
#else
    (void)n;
    return 1;
#endif
}

/* sum_k w_ik v[cell(i, k)], in mp_dot's order (i held here). */
static double row_dot(const struct mp_net *n, uint64_t i, const float *v)
{
    const float *w = n->w + (i - n->r0) * n->L;
    double p[MP_DOT_LANES];
    uint32_t k;
    int l;
    if (!n->sparse)
        return mp_dot(w, v, n->L);
    for (l = 0; l < MP_DOT_LANES; l++)
        p[l] = 0.0;
    for (k = 0; k < n->L; k++)
        p[k % MP_DOT_LANES] += (double)w[k] * (double)v[cell(n, i, k)];
    return mp_dot_combine(p);
}

/* h_i = w_i . z for every neuron (after a scaling pass, and at start). */
static void currents(struct mp_net *n, const float *z)
{
    int64_t i;
#pragma omp parallel for schedule(static) num_threads(nthreads(n))
    for (i = n->r0; i < (int64_t)n->r1; i++)
        n->h[i] = row_dot(n, (uint64_t)i, z);
}

double mp_scaling_factor(double r, double target, double alpha,
                         double s_max)
{
    double s;
    if (!(r > 0.0))
        return s_max;
    s = pow(target / r, alpha);
    return s < 1.0 / s_max ? 1.0 / s_max : s > s_max ? s_max : s;
}

/* The slow pass: per-neuron factors on the host, applied to every weight. */
static void scaling_pass(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    int64_t i;
#pragma omp parallel for schedule(static) num_threads(nthreads(n))
    for (i = n->r0; i < (int64_t)n->r1; i++) {
        float s = (float)mp_scaling_factor(n->acc_scale[i] /
                                               (double)n->n_scale,
                                           c->target_rate, c->scaling_alpha,
                                           c->scaling_max);
        float *w = n->w + (size_t)(i - n->r0) * n->L;
        uint32_t k;
        for (k = 0; k < n->L; k++)
            w[k] = mp_scale_w(w[k], s, n->lo, n->hi);
        n->acc_scale[i] = 0.0;
    }
    n->n_scale = 0;
}

/* The fused pass of one dense row: update with z, accumulate with zn. */
static double dense_pass(float *MP_RESTRICT wr, const float *MP_RESTRICT z,
                         const float *MP_RESTRICT zn, uint32_t L, float k,
                         float y, float th, float lo, float hi)
{
    double p[MP_DOT_LANES];
    uint32_t j;
    int l;
    for (l = 0; l < MP_DOT_LANES; l++)
        p[l] = 0.0;
    /* In blocks of 32: the order of mp_dot; per-block restrict pointers
     * and constants in locals let the compiler use SIMD. */
    for (j = 0; j + MP_DOT_LANES <= L; j += MP_DOT_LANES) {
        float *MP_RESTRICT wb = wr + j;
        const float *MP_RESTRICT xb = z + j, *MP_RESTRICT nb = zn + j;
        for (l = 0; l < MP_DOT_LANES; l++) {
            float v = mp_bcm_step(wb[l], k, xb[l], y, th, lo, hi);
            wb[l] = v;
            p[l] += (double)v * (double)nb[l];
        }
    }
    for (l = 0; j < L; j++, l++) {
        wr[j] = mp_bcm_step(wr[j], k, z[j], y, th, lo, hi);
        p[l] += (double)wr[j] * (double)zn[j];
    }
    return mp_dot_combine(p);
}

/* The presynaptic cells of row i held here, or NULL for a dense row
 * (stored indices equal regenerated ones: tested). */
static const uint32_t *row_cells(const struct mp_net *n, uint64_t i)
{
    return n->sparse ? n->idx + (i - n->r0) * n->L : NULL;
}

/* BCM with heterosynaptic normalisation (mp_hetero_segment), segment by
 * segment of G synapses: each segment's total weight is conserved up to
 * clipping. */
static void hetero_pass(struct mp_net *n, uint64_t i, float kb, float y,
                        float th)
{
    float *w = n->w + (i - n->r0) * n->L;
    const uint32_t G = n->cfg.hetero_segment;
    uint32_t s0;
    for (s0 = 0; s0 < n->L; s0 += G)
        mp_hetero_segment(w, n->z, row_cells(n, i), s0,
                          s0 + G < n->L ? s0 + G : n->L, kb, y, th, n->lo,
                          n->hi);
}

/* BCM-gated discrete synapses (mp_gated_syn_step): the weight follows the
 * strength of a synapse that had an event.  Every random value is keyed
 * by (step, neuron, synapse). */
static void discrete_pass(struct mp_net *n, uint64_t i, float kb, float y,
                          float th)
{
    float *w = n->w + (i - n->r0) * n->L;
    uint8_t *st = n->state + (i - n->r0) * n->L;
    const uint32_t *cells = row_cells(n, i);
    uint32_t s;
    for (s = 0; s < n->L; s++) {
        int event;
        uint32_t v = mp_gated_syn_step(&n->table, st[s], kb,
                                       n->z[cells ? cells[s] : s], n->x_on,
                                       y, th, n->cfg.seed, n->step,
                                       key_ik(i, s), &event);
        if (event) {
            st[s] = (uint8_t)v;
            w[s] = mp_syn_wvalue(v, n->w_weak, n->w_strong);
        }
    }
}

/* One step: rates from h, the next presynaptic vector, the fused
 * update + next current, the threshold. */
static void step_once(struct mp_net *n)
{
    const size_t ph = phase_of(n, n->step);
    const float kb = n->phase_k[ph], mm = n->phase_m[ph];
    const int plastic = n->cfg.rule != MP_RULE_NONE && mm > 0.0f;
    const int bcm = n->cfg.rule == MP_RULE_BCM;
    int64_t i;
    float *t;

    for (i = n->r0; i < (int64_t)n->r1; i++)
        n->y_new[i] = mp_relu(n->h[i], n->bias);
    input_at(n, n->step + 1, n->z_next);
    if (n->n_pre > n->n_in) {
        /* Every rank's rates to every rank: the next presynaptic vector
         * (a feed-forward network gathers them only for a snapshot). */
        mp__par_allgather(n->y_new, n->n_out, sizeof *n->y_new,
                          (uint64_t)n->n_out * sizeof *n->y_new);
        memcpy(n->z_next + n->n_in, n->y_new, n->n_out * sizeof *n->y_new);
    }
#pragma omp parallel for schedule(static) num_threads(nthreads(n))
    for (i = n->r0; i < (int64_t)n->r1; i++) {
        float *w = n->w + (size_t)(i - n->r0) * n->L;
        const float y = n->y_new[i];
        const float th = bcm ? mp_theta_eff(n->theta[i], mm) : 0.0f;
        if (!plastic) {
            n->h[i] = row_dot(n, (uint64_t)i, n->z_next);
        } else if (n->state) {
            discrete_pass(n, (uint64_t)i, kb, y, th);
            n->h[i] = row_dot(n, (uint64_t)i, n->z_next);
        } else if (n->cfg.hetero_segment) {
            hetero_pass(n, (uint64_t)i, kb, y, th);
            n->h[i] = row_dot(n, (uint64_t)i, n->z_next);
        } else if (!n->sparse && !n->unfused) {
            n->h[i] = dense_pass(w, n->z, n->z_next, n->L, kb, y, th,
                                 n->lo, n->hi);
        } else if (!n->unfused && !n->regen) {
            /* Sparse, fused: each weight and index read once. */
            const uint32_t *MP_RESTRICT ix =
                n->idx + (size_t)(i - n->r0) * n->L;
            const float *MP_RESTRICT z = n->z, *MP_RESTRICT zn = n->z_next;
            const float k = kb, lo = n->lo, hi = n->hi;
            double p[MP_DOT_LANES];
            uint32_t s;
            int l;
            for (l = 0; l < MP_DOT_LANES; l++)
                p[l] = 0.0;
            for (s = 0; s < n->L; s++) {
                const uint32_t j = ix[s];
                const float v = mp_bcm_step(w[s], k, z[j], y, th, lo, hi);
                w[s] = v;
                p[s % MP_DOT_LANES] += (double)v * (double)zn[j];
            }
            n->h[i] = mp_dot_combine(p);
        } else {
            const float k = kb, lo = n->lo, hi = n->hi;
            uint32_t s;
            for (s = 0; s < n->L; s++)
                w[s] = mp_bcm_step(w[s], k, n->z[cell(n, (uint64_t)i, s)], y,
                                   th, lo, hi);
            n->h[i] = row_dot(n, (uint64_t)i, n->z_next);
        }
        if (bcm)
            n->theta[i] = mp_theta_step(n->theta[i], y, n->c_theta,
                                        n->inv_y0);
        n->acc_scale[i] += y;
        n->acc_rec[i] += y;
    }
    n->n_scale++;
    n->n_rec++;
    n->step++;
    t = n->y;
    n->y = n->y_new;
    n->y_new = t;
    t = n->z;
    n->z = n->z_next;
    n->z_next = t;
}

static struct mp_net_host host_view(struct mp_net *n)
{
    struct mp_net_host h;
    h.n_in = n->n_in;
    h.n_out = n->n_out;
    h.n_pre = n->n_pre;
    h.L = n->L;
    h.K = n->K;
    h.sparse = n->sparse;
    h.recurrent = n->n_pre > n->n_in;
    h.w = n->w;
    h.idx = n->idx;
    h.theta = n->theta;
    h.y = n->y;
    h.patterns = n->patterns;
    h.z = n->z;
    h.h = n->h;
    h.acc_scale = n->acc_scale;
    h.acc_rec = n->acc_rec;
    h.state = n->state;
    h.table = &n->table;
    return h;
}

static int advance_dev(struct mp_net *n, uint64_t end);
static int sync_weights(const struct mp_net *cn);

int mp_net_create(struct mp_net **out, const struct mp_config *cfg,
                  char *err, size_t errlen)
{
    struct mp_net *n;
    size_t nw;
    int64_t i;

    *out = NULL;
    if (cfg->paradigm != MP_PARADIGM_NETWORK) {
        mp__errf(err, errlen, "run.paradigm is not network");
        return MP_EINVAL;
    }
    n = calloc(1, sizeof *n);
    if (!n) {
        mp__errf(err, errlen, "out of memory");
        return MP_ENOMEM;
    }
    n->cfg = *cfg;
    n->n_in = cfg->n_in;
    n->n_out = cfg->n_out;
    n->K = cfg->patterns;
    n->n_pre = cfg->n_in + (cfg->recurrent ? cfg->n_out : 0);
    n->sparse = cfg->fan_in > 0;
    n->L = n->sparse ? cfg->fan_in : n->n_pre;
    n->threads = cfg->threads;
    n->total = mp_config_steps(cfg, cfg->duration_s);
    n->switch_steps = mp_config_steps(cfg, cfg->switch_s);
    n->record_steps = mp_config_steps(cfg, cfg->record_interval_s);
    n->scaling_steps = cfg->scaling_interval_s > 0
                           ? mp_config_steps(cfg, cfg->scaling_interval_s)
                           : 0;
    if (!n->switch_steps)
        n->switch_steps = 1;
    if (!n->record_steps)
        n->record_steps = 1;
    n->k_bcm = (float)(cfg->dt_s / cfg->tau_w_s * cfg->modulator);
    n->n_phases = cfg->n_phases ? cfg->n_phases : 1;
    {
        uint64_t end = 0;
        size_t p;
        for (p = 0; p < n->n_phases; p++) {
            double m = p < cfg->n_phase_mod ? cfg->phase_mod[p]
                                            : cfg->modulator;
            double sc = p < cfg->n_phase_scale ? cfg->phase_scale[p]
                                               : cfg->input_scale;
            end += cfg->n_phases ? mp_config_steps(cfg, cfg->phase_s[p]) : 0;
            n->phase_end[p] = end;
            n->phase_k[p] = (float)(cfg->dt_s / cfg->tau_w_s * m);
            n->phase_m[p] = (float)m;
            n->phase_gain[p] = cfg->input_scale > 0
                                   ? (float)(sc / cfg->input_scale)
                                   : 1.0f;
            n->phase_set[p] = p < cfg->n_phase_patterns
                                  ? cfg->phase_patterns[p]
                                  : 0;
        }
    }
    n->c_theta = (float)(cfg->dt_s / cfg->tau_theta_s);
    n->inv_y0 = (float)(1.0 / cfg->y0);
    n->m = (float)cfg->modulator;
    n->lo = (float)cfg->w_min;
    n->hi = (float)cfg->w_max;
    n->bias = (float)cfg->bias;
    {
        uint64_t lo, hi;
        mp__par_range(n->n_out, mp__par_rank(), &lo, &hi);
        n->r0 = (uint32_t)lo;
        n->r1 = (uint32_t)hi;
    }
    nw = (size_t)(n->r1 - n->r0) * n->L;
    n->w = malloc((nw ? nw : 1) * sizeof *n->w);
    n->idx = n->sparse ? malloc((nw ? nw : 1) * sizeof *n->idx) : NULL;
    n->theta = malloc(n->n_out * sizeof *n->theta);
    n->y = calloc(n->n_out, sizeof *n->y);
    n->y_new = calloc(n->n_out, sizeof *n->y_new);
    n->h = calloc(n->n_out, sizeof *n->h);
    n->acc_scale = calloc(n->n_out, sizeof *n->acc_scale);
    n->acc_rec = calloc(n->n_out, sizeof *n->acc_rec);
    n->patterns = malloc((size_t)n->K * n->n_in * sizeof *n->patterns);
    n->z = calloc(n->n_pre, sizeof *n->z);
    n->z_next = calloc(n->n_pre, sizeof *n->z_next);
    if (!n->w || (n->sparse && !n->idx) || !n->theta || !n->y ||
        !n->y_new || !n->h || !n->acc_scale || !n->acc_rec ||
        !n->patterns || !n->z || !n->z_next) {
        mp__errf(err, errlen,
                 "cannot allocate the network (%.3g GB of synapses)",
                 (double)nw * (n->sparse ? 8 : 4) / 1e9);
        mp_net_destroy(n);
        return MP_ENOMEM;
    }
    make_patterns(n);
    if (cfg->discrete) {
        /* States from the model's stationary distribution (at f = 1/2). */
        struct mp_config tc = *cfg;
        struct mp_theory th;
        struct mp_syn_rule rule;
        uint64_t cum[2 * MP_SYN_MAX_DEPTH];
        double acc = 0.0;
        uint32_t j, D;
        tc.f = 0.5;
        n->state = malloc(nw ? nw : 1);
        if (!n->state || mp_syn_rule_build(&cfg->syn, &rule) ||
            mp_theory_compute(&tc, &th, err, errlen)) {
            int rc = n->state ? MP_EINVAL : MP_ENOMEM;
            if (!n->state)
                mp__errf(err, errlen, "out of memory");
            mp_net_destroy(n);
            return rc;
        }
        n->table = rule.table;
        D = rule.depths;
        for (j = 0; j < 2 * D; j++) {
            acc += th.p_inf[j] > 0 ? th.p_inf[j] : 0;
            cum[j] = mp_prob_threshold(acc);
        }
        cum[2 * D - 1] = UINT64_C(1) << 32;
        n->w_weak = (float)cfg->w_weak;
        n->w_strong = (float)cfg->w_strong;
        n->x_on = (float)cfg->x_on;
#pragma omp parallel for schedule(static) num_threads(nthreads(n))
        for (i = 0; i < (int64_t)nw; i++) {
            uint64_t row = n->r0 + (uint64_t)i / n->L;
            uint32_t k = (uint32_t)((uint64_t)i % n->L);
            uint32_t v = mp_syn_draw(cum, D,
                                     mp_rng_word(cfg->seed, MP_RNG_NET_WEIGHT, 1,
                                             key_ik(row, k)));
            n->state[i] = (uint8_t)v;
            n->w[i] = mp_syn_wvalue(v, n->w_weak, n->w_strong);
            if (n->sparse)
                n->idx[i] = connect(n, row, k);
        }
    }
    if (!cfg->discrete) {
#pragma omp parallel for schedule(static) num_threads(nthreads(n))
        for (i = 0; i < (int64_t)nw; i++) {
        uint64_t row = n->r0 + (uint64_t)i / n->L;
        uint32_t k = (uint32_t)((uint64_t)i % n->L);
        uint32_t j = n->sparse ? connect(n, row, k) : k;
        float top = (float)(j < n->n_in ? cfg->w_init : cfg->w_init_rec);
        if (n->sparse)
            n->idx[i] = j;
        n->w[i] = top * unit(mp_rng_word(cfg->seed, MP_RNG_NET_WEIGHT, 0,
                                     key_ik(row, k)));
        }
    }
    for (i = 0; i < (int64_t)n->n_out; i++)
        n->theta[i] = (float)cfg->theta_init;
    if (mp__par_size() > 1 && cfg->backend == MP_BACKEND_CUDA) {
        mp__errf(err, errlen,
                 "run.backend = cuda: a rate network split across MPI "
                 "ranks runs on the CPU (set run.backend = cpu or auto, or "
                 "run it in one process)");
        mp_net_destroy(n);
        return MP_ENOTSUP;
    }
    input_at(n, 0, n->z);
    currents(n, n->z);
    snprintf(n->device, sizeof n->device, "CPU, %d OpenMP thread%s",
             nthreads(n), nthreads(n) == 1 ? "" : "s");
    if (mp__par_size() == 1 &&
        (cfg->backend == MP_BACKEND_CUDA ||
         (cfg->backend == MP_BACKEND_AUTO && mp__cuda_device_count() > 0))) {
        struct mp_net_host hv = host_view(n);
        int rc = mp__net_dev_create(&n->dev, &hv, n->device,
                                    sizeof n->device, err, errlen);
        if (rc && cfg->backend == MP_BACKEND_CUDA) {
            if (rc == MP_ENOTSUP)
                mp__errf(err, errlen,
                         "run.backend = cuda: this build has no CUDA "
                         "support");
            else if (rc == MP_ENODEV)
                mp__errf(err, errlen,
                         "run.backend = cuda: no CUDA device found");
            mp_net_destroy(n);
            return rc;
        }
        if (rc) { /* auto: stay on the CPU */
            n->dev = NULL;
            snprintf(n->device, sizeof n->device, "CPU, %d OpenMP thread%s",
                     nthreads(n), nthreads(n) == 1 ? "" : "s");
        }
    }
    *out = n;
    return 0;
}

const char *mp_net_backend(const struct mp_net *n)
{
    return n->dev ? "cuda" : "cpu";
}

const char *mp_net_device(const struct mp_net *n)
{
    return n->device;
}

/* Brings the host's copy of the weights up to date (a cache: logically
 * const). */
static int sync_weights(const struct mp_net *cn)
{
    struct mp_net *n = (struct mp_net *)cn;
    if (n->dev && n->w_stale) {
        struct mp_net_host hv = host_view(n);
        int rc = mp__net_dev_download(n->dev, &hv, 1);
        if (rc) {
            mp__errf(n->err, sizeof n->err, "%s",
                     mp__net_dev_error(n->dev));
            return rc;
        }
        n->w_stale = 0;
    }
    return 0;
}

/* The device path of mp_net_advance: the same schedule, kernels for the
 * per-step work, factors of the scaling pass computed here. */
static int advance_dev(struct mp_net *n, uint64_t end)
{
    const struct mp_config *c = &n->cfg;
    const float noise_a = (float)(c->noise * 1.7320508075688772);
    struct mp_net_host hv = host_view(n);
    struct mp_k_net_step p;
    int rc;
    memset(&p, 0, sizeof p);
    p.n_in = n->n_in;
    p.n_out = n->n_out;
    p.n_pre = n->n_pre;
    p.L = n->L;
    p.sparse = n->sparse;
    p.bcm = c->rule == MP_RULE_BCM;
    p.c_theta = n->c_theta;
    p.inv_y0 = n->inv_y0;
    p.lo = n->lo;
    p.hi = n->hi;
    p.seed = c->seed;
    p.discrete = n->state != NULL;
    p.hetero = c->hetero_segment;
    p.x_on = n->x_on;
    p.w_weak = n->w_weak;
    p.w_strong = n->w_strong;
    while (n->step < end) {
        const size_t ph = phase_of(n, n->step);
        const uint64_t next = n->step + 1;
        p.kb = n->phase_k[ph];
        p.m = n->phase_m[ph];
        p.step = n->step;
        p.plastic = c->rule != MP_RULE_NONE && p.m > 0.0f;
        rc = mp__net_dev_step(n->dev, mp_net_pattern_at(n, next),
                              n->phase_gain[phase_of(n, next)], noise_a,
                              c->seed, next, n->bias, &p);
        if (rc)
            goto fail;
        n->w_stale = 1;
        n->step++;
        n->n_scale++;
        n->n_rec++;
        if (n->scaling_steps && n->step % n->scaling_steps == 0) {
            float *f = malloc(n->n_out * sizeof *f);
            uint32_t i;
            if (!f)
                return MP_ENOMEM;
            rc = mp__net_dev_scale_sums(n->dev, n->acc_scale);
            for (i = 0; !rc && i < n->n_out; i++)
                f[i] = (float)mp_scaling_factor(n->acc_scale[i] /
                                                    (double)n->n_scale,
                                                c->target_rate,
                                                c->scaling_alpha,
                                                c->scaling_max);
            if (!rc)
                rc = mp__net_dev_scale(n->dev, f, n->lo, n->hi);
            free(f);
            if (rc)
                goto fail;
            n->n_scale = 0;
        }
    }
    rc = mp__net_dev_download(n->dev, &hv, 0);
    if (rc)
        goto fail;
    return 0;
fail:
    mp__errf(n->err, sizeof n->err, "%s", mp__net_dev_error(n->dev));
    return rc;
}

void mp_net_destroy(struct mp_net *n)
{
    if (!n)
        return;
    mp__net_dev_destroy(n->dev);
    free(n->w);
    free(n->idx);
    free(n->state);
    free(n->theta);
    free(n->y);
    free(n->y_new);
    free(n->h);
    free(n->acc_scale);
    free(n->acc_rec);
    free(n->patterns);
    free(n->z);
    free(n->z_next);
    free(n);
}

const char *mp_net_errmsg(const struct mp_net *n)
{
    return n->err;
}

int mp_net_advance(struct mp_net *n, uint64_t steps)
{
    uint64_t end = n->step + steps;
    if (end > n->total || end < n->step)
        end = n->total;
    if (mp__fault("device")) { /* test hook (docs/RELIABILITY.md) */
        mp__errf(n->err, sizeof n->err,
                 "device error in advance (injected by MP_FAULT; %s "
                 "backend)",
                 mp_net_backend(n));
        return MP_ECUDA;
    }
    if (n->dev)
        return advance_dev(n, end);
    while (n->step < end) {
        step_once(n);
        if (n->scaling_steps && n->step % n->scaling_steps == 0) {
            scaling_pass(n);
            currents(n, n->z); /* the weights changed under h */
        }
    }
    return 0;
}

uint64_t mp_net_step(const struct mp_net *n)
{
    return n->step;
}

uint64_t mp_net_total(const struct mp_net *n)
{
    return n->total;
}

uint64_t mp_net_until_record(const struct mp_net *n)
{
    return n->record_steps - n->step % n->record_steps;
}

int mp_net_record_due(const struct mp_net *n)
{
    return n->step % n->record_steps == 0;
}

const float *mp_net_weights(const struct mp_net *n)
{
    sync_weights(n);
    return n->w;
}

uint32_t mp_net_row_length(const struct mp_net *n)
{
    return n->L;
}

const float *mp_net_theta(const struct mp_net *n)
{
    return n->theta;
}

const float *mp_net_rates(const struct mp_net *n)
{
    return n->y;
}

const float *mp_net_pattern(const struct mp_net *n, uint32_t k)
{
    return k < n->K ? n->patterns + (size_t)k * n->n_in : NULL;
}

float mp_net_response(const struct mp_net *n, uint32_t i, uint32_t k)
{
    sync_weights(n);
    /* The feed-forward drive of pattern k alone: recurrent synapses see
     * silent neurons. */
    const float *w = n->w + (size_t)(i - n->r0) * n->L,
                *pat = mp_net_pattern(n, k);
    double p[MP_DOT_LANES];
    uint32_t s;
    int l;
    if (!n->sparse && n->n_pre == n->n_in)
        return mp_relu(mp_dot(w, pat, n->n_in), n->bias);
    for (l = 0; l < MP_DOT_LANES; l++)
        p[l] = 0.0;
    for (s = 0; s < n->L; s++) {
        uint32_t j = cell(n, i, s);
        if (j < n->n_in)
            p[s % MP_DOT_LANES] += (double)w[s] * (double)pat[j];
    }
    return mp_relu(mp_dot_combine(p), n->bias);
}

int mp_net_sample(struct mp_net *n, struct mp_net_sample *s)
{
    const uint32_t B = n->cfg.histogram_bins;
    const double lo = n->cfg.w_min, hi = n->cfg.w_max;
    double sum = 0.0, sq = 0.0, cnt, *rs = NULL;
    uint32_t i, k;

    memset(s, 0, sizeof *s);
    if (sync_weights(n))
        return MP_ECUDA;
    s->step = n->step;
    s->time_s = (double)n->step * n->cfg.dt_s;
    s->n_out = n->n_out;
    s->patterns = n->K;
    s->bins = B;
    s->modulator = n->phase_m[phase_of(n, n->step)];
    s->theta = malloc(n->n_out * sizeof *s->theta);
    s->rate = malloc(n->n_out * sizeof *s->rate);
    s->response = malloc((size_t)n->n_out * n->K * sizeof *s->response);
    s->histogram = calloc(B, sizeof *s->histogram);
    rs = malloc(2 * (size_t)n->n_out * sizeof *rs);
    if (!s->theta || !s->rate || !s->response || !s->histogram || !rs) {
        free(rs);
        mp_net_sample_fini(s);
        return MP_ENOMEM;
    }
    for (i = n->r0; i < n->r1; i++) {
        const float *w = n->w + (size_t)(i - n->r0) * n->L;
        uint32_t j;
        s->rate[i] = n->n_rec ? (float)(n->acc_rec[i] / (double)n->n_rec)
                              : n->y[i];
        n->acc_rec[i] = 0.0;
        for (k = 0; k < n->K; k++)
            s->response[(size_t)i * n->K + k] = mp_net_response(n, i, k);
        /* Weight statistics: each row in order, then the rows in order
         * (the same on any number of ranks and threads). */
        rs[2 * i] = 0.0;
        rs[2 * i + 1] = 0.0;
        for (j = 0; j < n->L; j++) {
            double v = w[j];
            int64_t b = (int64_t)((v - lo) / (hi - lo) * B);
            rs[2 * i] += v;
            rs[2 * i + 1] += v * v;
            s->histogram[b < 0 ? 0 : b >= (int64_t)B ? B - 1 : b]++;
        }
    }
    n->n_rec = 0;
    /* Every rank's neurons to every rank. */
    mp__par_allgather(n->theta, n->n_out, sizeof *n->theta,
                      (uint64_t)n->n_out * sizeof *n->theta);
    memcpy(s->theta, n->theta, n->n_out * sizeof *s->theta);
    mp__par_allgather(s->rate, n->n_out, sizeof *s->rate,
                      (uint64_t)n->n_out * sizeof *s->rate);
    mp__par_allgather(s->response, n->n_out, n->K * sizeof *s->response,
                      (uint64_t)n->n_out * n->K * sizeof *s->response);
    mp__par_allgather(rs, n->n_out, 2 * sizeof *rs,
                      (uint64_t)n->n_out * 2 * sizeof *rs);
    mp__par_sum_i64(s->histogram, B);
    if (n->dev && mp__net_dev_reset_rec(n->dev)) {
        /* the record interval's sums restart on the device too */
        free(rs);
        mp_net_sample_fini(s);
        return MP_ECUDA;
    }
    for (i = 0; i < n->n_out; i++) {
        sum += rs[2 * i];
        sq += rs[2 * i + 1];
    }
    free(rs);
    cnt = (double)n->n_out * n->L;
    s->w_mean = sum / cnt;
    s->w_std = sqrt(fmax(sq / cnt - s->w_mean * s->w_mean, 0.0));
    return 0;
}

void mp_net_sample_fini(struct mp_net_sample *s)
{
    free(s->theta);
    free(s->rate);
    free(s->response);
    free(s->histogram);
    memset(s, 0, sizeof *s);
}

void mp__net_set_unfused(struct mp_net *n, int unfused)
{
    n->unfused = unfused;
}

void mp__net_set_regen(struct mp_net *n, int regen)
{
    n->regen = regen;
}

int mp_net_snapshot_alloc(struct mp_net_snapshot *s, uint32_t L,
                          uint32_t n_out)
{
    memset(s, 0, sizeof *s);
    s->n_in = L;
    s->n_out = n_out;
    s->w = malloc(((size_t)L * n_out + 1) * sizeof *s->w);
    s->theta = malloc((n_out + 1) * sizeof *s->theta);
    s->y = malloc((n_out + 1) * sizeof *s->y);
    s->acc_scale = malloc((n_out + 1) * sizeof *s->acc_scale);
    s->acc_rec = malloc((n_out + 1) * sizeof *s->acc_rec);
    if (!s->w || !s->theta || !s->y || !s->acc_scale || !s->acc_rec) {
        mp_net_snapshot_fini(s);
        return MP_ENOMEM;
    }
    return 0;
}

void mp_net_snapshot_fini(struct mp_net_snapshot *s)
{
    free(s->state);
    free(s->w);
    free(s->theta);
    free(s->y);
    free(s->acc_scale);
    free(s->acc_rec);
    memset(s, 0, sizeof *s);
}

/* Rows of n_out x L items of `size` bytes: this rank's block to rank 0. */
static void gather_rows(const struct mp_net *n, const void *mine, void *all,
                        size_t size)
{
    mp__par_gather(mine, all, n->n_out, (size_t)n->L * size,
                   (uint64_t)n->n_out * n->L * size);
}

int mp_net_snapshot(const struct mp_net *n, struct mp_net_snapshot *s)
{
    /* Rank 0 receives everything; the others send their rows. */
    const int root = mp__par_rank() == 0;
    const size_t nw = (size_t)(n->r1 - n->r0) * n->L;
    int rc = sync_weights(n);
    if (rc)
        return rc;
    rc = mp_net_snapshot_alloc(s, n->L, root ? n->n_out : 0);
    if (rc)
        return rc;
    s->n_out = n->n_out;
    s->step = n->step;
    /* A feed-forward network exchanges no rates per step. */
    mp__par_gather(n->y + n->r0, s->y, n->n_out, sizeof *s->y,
                   (uint64_t)n->n_out * sizeof *s->y);
    gather_rows(n, n->w, s->w, sizeof *s->w);
    mp__par_gather(n->theta + n->r0, s->theta, n->n_out, sizeof *s->theta,
                   (uint64_t)n->n_out * sizeof *s->theta);
    mp__par_gather(n->acc_scale + n->r0, s->acc_scale, n->n_out,
                   sizeof *s->acc_scale,
                   (uint64_t)n->n_out * sizeof *s->acc_scale);
    mp__par_gather(n->acc_rec + n->r0, s->acc_rec, n->n_out,
                   sizeof *s->acc_rec,
                   (uint64_t)n->n_out * sizeof *s->acc_rec);
    s->counters[0] = (int64_t)n->n_scale;
    s->counters[1] = (int64_t)n->n_rec;
    if (n->state) {
        s->state = malloc(root ? (size_t)n->L * n->n_out : 1);
        if (!s->state) {
            if (mp__par_size() > 1)
                mp__par_abort(3);
            mp_net_snapshot_fini(s);
            return MP_ENOMEM;
        }
        gather_rows(n, n->state, s->state, 1);
    }
    (void)nw;
    return 0;
}

int mp_net_restore(struct mp_net *n, const struct mp_net_snapshot *s)
{
    const int root = mp__par_rank() == 0;
    int64_t rc = 0;
    if (root) {
        if (s->n_in != n->L || s->n_out != n->n_out || s->step > n->total) {
            mp__errf(n->err, sizeof n->err,
                     "the snapshot does not fit this network");
            rc = MP_EINVAL;
        } else if (n->state && !s->state) {
            mp__errf(n->err, sizeof n->err,
                     "the snapshot has no discrete synapse states");
            rc = MP_EINVAL;
        }
    }
    /* Rank 0 read the file (the others may pass s = NULL): its verdict,
     * then its values, block by block. */
    mp__par_bcast(&rc, sizeof rc);
    if (rc)
        return (int)rc;
    if (root) {
        n->step = s->step;
        memcpy(n->y, s->y, n->n_out * sizeof *n->y);
        memcpy(n->theta, s->theta, n->n_out * sizeof *n->theta);
        memcpy(n->acc_scale, s->acc_scale, n->n_out * sizeof *n->acc_scale);
        memcpy(n->acc_rec, s->acc_rec, n->n_out * sizeof *n->acc_rec);
        n->n_scale = (uint64_t)s->counters[0];
        n->n_rec = (uint64_t)s->counters[1];
    }
    mp__par_bcast(&n->step, sizeof n->step);
    mp__par_bcast(&n->n_scale, sizeof n->n_scale);
    mp__par_bcast(&n->n_rec, sizeof n->n_rec);
    mp__par_bcast(n->y, n->n_out * sizeof *n->y);
    mp__par_bcast(n->theta, n->n_out * sizeof *n->theta);
    mp__par_bcast(n->acc_scale, n->n_out * sizeof *n->acc_scale);
    mp__par_bcast(n->acc_rec, n->n_out * sizeof *n->acc_rec);
    mp__par_scatter(root ? s->w : NULL, n->w, n->n_out,
                    (size_t)n->L * sizeof *n->w,
                    (uint64_t)n->n_out * n->L * sizeof *n->w);
    if (n->state)
        mp__par_scatter(root ? s->state : NULL, n->state, n->n_out, n->L,
                        (uint64_t)n->n_out * n->L);
    /* z(t) = [x(t), y(t-1)] and its current, in the same summation order
     * the fused pass used, so the continuation is bit-exact. */
    input_at(n, n->step, n->z);
    if (n->n_pre > n->n_in)
        memcpy(n->z + n->n_in, n->y, n->n_out * sizeof *n->y);
    currents(n, n->z);
    if (n->dev) {
        struct mp_net_host hv = host_view(n);
        if (mp__net_dev_upload(n->dev, &hv)) {
            mp__errf(n->err, sizeof n->err, "%s",
                     mp__net_dev_error(n->dev));
            return MP_ECUDA;
        }
        n->w_stale = 0;
    }
    return 0;
}

int mp_net_check_finite(const struct mp_net *n, char *where, size_t len)
{
    /* The first non-finite value in the order rate, current, threshold of
     * neuron 0, 1, ..., then the weights row by row: each rank finds its
     * first, the smallest position wins, its owner tells the value. */
    const uint64_t nn = 3 * (uint64_t)n->n_out;
    int64_t key[2] = {INT64_MIN, 0}; /* -(position), owner */
    double val = 0.0;
    uint32_t i;
    size_t j;
    if (sync_weights(n)) {
        snprintf(where, len, "weights unreadable: %s", n->err);
        return 1;
    }
    for (i = n->r0; i < n->r1 && key[0] == INT64_MIN; i++) {
        const double v[3] = {n->y[i], n->h[i], n->theta[i]};
        int c;
        for (c = 0; c < 3; c++)
            if (!isfinite(v[c])) {
                key[0] = -(int64_t)(3 * (uint64_t)i + (uint64_t)c);
                val = v[c];
                break;
            }
    }
    for (j = 0; key[0] == INT64_MIN && j < (size_t)(n->r1 - n->r0) * n->L;
         j++)
        if (!isfinite(n->w[j])) {
            key[0] = -(int64_t)(nn + (uint64_t)n->r0 * n->L + j);
            val = n->w[j];
        }
    if (mp__par_size() > 1) {
        int64_t mine = key[0];
        mp__par_max_i64(key, 1);
        key[1] = key[0] != INT64_MIN && key[0] == mine ? mp__par_rank() : -1;
        mp__par_max_i64(key + 1, 1);
        if (key[0] != INT64_MIN)
            mp__par_bcast_from(&val, sizeof val, (int)key[1]);
    }
    if (key[0] == INT64_MIN)
        return 0;
    {
        static const char *what[3] = {"rate", "current", "theta"};
        uint64_t pos = (uint64_t)-key[0];
        if (pos < nn)
            snprintf(where, len, "%s[%llu] = %g", what[pos % 3],
                     (unsigned long long)(pos / 3), val);
        else
            snprintf(where, len, "weights[%llu][%llu] = %g",
                     (unsigned long long)((pos - nn) / n->L),
                     (unsigned long long)((pos - nn) % n->L), val);
    }
    return 1;
}
