/* SPDX-License-Identifier: MIT */
/*
 * net_init.c: a rate network's constants, input schedule and initial
 * state.  Presynaptic cells are the inputs, then (recurrent networks) the
 * neurons themselves, delayed by one step: z(t) = [x(t), y(t-1)].  Each
 * neuron's incoming synapses are one row: all presynaptic cells, or a
 * fixed fan-in of cells drawn from the counter RNG.  Everything random is
 * keyed by (seed, purpose, step, neuron, synapse), so it does not depend
 * on threads, ranks or backends.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/par.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"
#include "metaplast/theory.h"
#include "net_internal.h"

/* The protocol's phases (one without a protocol). */
static void schedule(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    uint64_t end = 0;
    size_t p;
    n->total = mp_config_steps(c, c->duration_s);
    n->switch_steps = mp_config_steps(c, c->switch_s);
    n->record_steps = mp_config_steps(c, c->record_interval_s);
    n->scaling_steps = c->scaling_interval_s > 0
                           ? mp_config_steps(c, c->scaling_interval_s)
                           : 0;
    if (!n->switch_steps)
        n->switch_steps = 1;
    if (!n->record_steps)
        n->record_steps = 1;
    n->n_phases = c->n_phases ? c->n_phases : 1;
    for (p = 0; p < n->n_phases; p++) {
        double m = p < c->n_phase_mod ? c->phase_mod[p] : c->modulator;
        double sc = p < c->n_phase_scale ? c->phase_scale[p]
                                         : c->input_scale;
        end += c->n_phases ? mp_config_steps(c, c->phase_s[p]) : 0;
        n->phase_end[p] = end;
        n->phase_k[p] = (float)(c->dt_s / c->tau_w_s * m);
        n->phase_m[p] = (float)m;
        n->phase_gain[p] =
            c->input_scale > 0 ? (float)(sc / c->input_scale) : 1.0f;
        n->phase_set[p] = p < c->n_phase_patterns ? c->phase_patterns[p] : 0;
    }
}

void mp__net_params(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    struct mp_net_params *p = &n->p;
    uint64_t lo, hi;
    memset(p, 0, sizeof *p);
    p->n_in = c->n_in;
    p->n_out = c->n_out;
    p->K = c->patterns;
    p->recurrent = c->recurrent;
    p->n_pre = c->n_in + (c->recurrent ? c->n_out : 0);
    p->sparse = c->fan_in > 0;
    p->L = p->sparse ? c->fan_in : p->n_pre;
    mp__par_range(p->n_out, mp__par_rank(), &lo, &hi);
    p->r0 = (uint32_t)lo;
    p->r1 = (uint32_t)hi;
    p->seed = c->seed;
    p->bias = (float)c->bias;
    p->noise_a = (float)(c->noise * 1.7320508075688772);
    p->rule.discrete = c->discrete;
    p->rule.bcm = c->rule == MP_RULE_BCM;
    p->rule.hetero = c->hetero_segment;
    p->rule.seed = c->seed;
    p->rule.c_theta = (float)(c->dt_s / c->tau_theta_s);
    p->rule.priming = c->rule == MP_RULE_BCM && c->priming_tau_s > 0;
    p->rule.c_prime = p->rule.priming
                          ? (float)(c->dt_s / c->priming_tau_s)
                          : 0.0f;
    p->rule.prime_gain = (float)c->priming_gain;
    p->rule.intrinsic = !(c->ip_tau_s > 0)        ? 0
                        : c->ip_rule == MP_IP_BIAS ? MP_NET_IP_BIAS
                                                   : MP_NET_IP_GAIN;
    p->rule.c_ip = p->rule.intrinsic ? (float)(c->dt_s / c->ip_tau_s) : 0.0f;
    p->rule.ip_target = (float)c->ip_target;
    p->rule.inv_ip_target = (float)(1.0 / c->ip_target);
    p->rule.inv_y0 = (float)(1.0 / c->y0);
    p->rule.lo = (float)c->w_min;
    p->rule.hi = (float)c->w_max;
    p->rule.x_on = (float)c->x_on;
    p->rule.w_weak = (float)c->w_weak;
    p->rule.w_strong = (float)c->w_strong;
    p->threads = c->threads;
    schedule(n);
}

int mp__net_alloc(struct mp_net *n)
{
    const struct mp_net_params *p = &n->p;
    struct mp_net_state *s = &n->s;
    const size_t nw = (size_t)(p->r1 - p->r0) * p->L, N = p->n_out;
    s->w = malloc((nw ? nw : 1) * sizeof *s->w);
    s->idx = p->sparse ? malloc((nw ? nw : 1) * sizeof *s->idx) : NULL;
    s->syn = p->rule.discrete ? malloc(nw ? nw : 1) : NULL;
    s->theta = malloc(N * sizeof *s->theta);
    s->prime = p->rule.priming ? calloc(N, sizeof *s->prime) : NULL;
    s->gain = p->rule.intrinsic ? malloc(N * sizeof *s->gain) : NULL;
    s->bias = p->rule.intrinsic ? malloc(N * sizeof *s->bias) : NULL;
    s->y = calloc(N, sizeof *s->y);
    s->y_new = calloc(N, sizeof *s->y_new);
    s->h = calloc(N, sizeof *s->h);
    s->acc_scale = calloc(N, sizeof *s->acc_scale);
    s->acc_rec = calloc(N, sizeof *s->acc_rec);
    s->patterns = malloc((size_t)p->K * p->n_in * sizeof *s->patterns);
    s->z = calloc(p->n_pre, sizeof *s->z);
    s->z_next = calloc(p->n_pre, sizeof *s->z_next);
    n->zr = calloc(p->n_pre, sizeof *n->zr);
    n->factors = malloc((p->r1 > p->r0 ? p->r1 - p->r0 : 1) *
                        sizeof *n->factors);
    n->n_sel = (uint32_t)mp_config_recorded_neurons(&n->cfg, NULL, 0);
    n->sel = malloc((n->n_sel ? n->n_sel : 1) * sizeof *n->sel);
    if (n->sel)
        mp_config_recorded_neurons(&n->cfg, n->sel, n->n_sel);
    if (!s->w || (p->sparse && !s->idx) || (p->rule.discrete && !s->syn) ||
        !s->theta || !s->y || !s->y_new || !s->h || !s->acc_scale ||
        !s->acc_rec || !s->patterns || !s->z || !s->z_next || !n->zr ||
        !n->factors || !n->sel || (p->rule.priming && !s->prime) ||
        (p->rule.intrinsic && (!s->gain || !s->bias)))
        return mp__fail(MP_ETOOBIG,
                        "cannot allocate the network (%.3g GB of synapses)",
                        (double)nw * (p->sparse ? 8 : 4) / 1e9);
    return 0;
}

/* A random permutation of a[0 .. n): Fisher-Yates, the swap of element
 * j - 1 drawn from word j of stream (purpose, step). */
static void shuffle(uint32_t *a, uint32_t n, uint64_t seed, uint32_t purpose,
                    uint64_t step)
{
    uint32_t j;
    for (j = 0; j < n; j++)
        a[j] = j;
    for (j = n; j > 1; j--) {
        const uint32_t r =
            mp_rng_below(mp_rng_word(seed, purpose, step, j), j);
        const uint32_t t = a[j - 1];
        a[j - 1] = a[r];
        a[r] = t;
    }
}

/* Orthonormal patterns with disjoint supports (non-negative rates): the
 * inputs are dealt in a random order into K groups; pattern k is
 * 1/sqrt(|group k|) on its group.  Binary: each input active (1) with
 * probability 1/2.  Both times input.scale. */
static int make_patterns(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    const uint32_t N = n->p.n_in, K = n->p.K;
    const float scale = (float)c->input_scale;
    float *pat = n->s.patterns;
    uint32_t *perm = malloc(N * sizeof *perm), k, j;
    if (!perm)
        return mp__fail(MP_ENOMEM, "out of memory");
    shuffle(perm, N, c->seed, MP_RNG_NET_PATTERN, 0);
    memset(pat, 0, (size_t)K * N * sizeof *pat);
    for (k = 0; k < K; k++) {
        if (c->pattern_kind == MP_PATTERNS_ORTHONORMAL) {
            uint32_t lo = (uint32_t)((uint64_t)N * k / K);
            uint32_t hi = (uint32_t)((uint64_t)N * (k + 1) / K);
            float v = scale / sqrtf((float)(hi - lo));
            for (j = lo; j < hi; j++)
                pat[(size_t)k * N + perm[j]] = v;
        } else {
            for (j = 0; j < N; j++)
                if (mp_net_binary_on(c->seed, k, j))
                    pat[(size_t)k * N + j] = scale;
        }
    }
    free(perm);
    return 0;
}

/* The work (pool.h's units) of drawing one synapse: a Philox call or
 * two. */
#define DRAW_WORK 24.0

struct draw_job {
    struct mp_net *n;
    const uint64_t *cum; /* discrete: the stationary distribution */
    uint32_t depths;     /* discrete: depth levels per strength */
};

/* Discrete synapses [i0, i1) of the rows held. */
static void draw_discrete(void *arg, int64_t i0, int64_t i1, int worker)
{
    const struct draw_job *j = arg;
    struct mp_net *n = j->n;
    const struct mp_net_params *p = &n->p;
    int64_t i;
    (void)worker;
    for (i = i0; i < i1; i++) {
        const uint64_t row = p->r0 + (uint64_t)i / p->L;
        const uint32_t k = (uint32_t)((uint64_t)i % p->L);
        const uint32_t v = mp_syn_draw(
            j->cum, j->depths,
            mp_rng_word(p->seed, MP_RNG_NET_WEIGHT, 1, mp_net_key(row, k)));
        n->s.syn[i] = (uint8_t)v;
        n->s.w[i] = mp_syn_wvalue(v, p->rule.w_weak, p->rule.w_strong);
        if (p->sparse)
            n->s.idx[i] = mp_net_connect(p->seed, p->n_pre, row, k);
    }
}

/* Discrete synapses: states from the model's stationary distribution (at
 * f = 1/2), weights following their strength. */
static int discrete_weights(struct mp_net *n, struct mp_pool *pool)
{
    const struct mp_net_params *p = &n->p;
    const int64_t nw = (int64_t)(p->r1 - p->r0) * p->L;
    struct mp_config tc = n->cfg;
    struct mp_theory th;
    struct mp_syn_rule rule;
    struct draw_job job;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    int rc;
    tc.f = 0.5;
    if (mp_syn_rule_build(&n->cfg.syn, &rule))
        return mp__fail(MP_EINVAL, "synapse.model: unknown model");
    rc = mp_theory_compute(&tc, &th);
    if (rc)
        return rc;
    n->p.table = rule.table;
    n->n_states = rule.nstates;
    memcpy(n->state_byte, rule.byte_of, rule.nstates);
    mp_syn_rule_cum(&rule, th.p_inf, cum);
    job.n = n;
    job.cum = cum;
    job.depths = rule.depths;
    mp__pool_for(pool, nw, (double)nw * DRAW_WORK, draw_discrete, &job);
    return 0;
}

/* Continuous synapses [i0, i1): uniform in [0, w_init] (recurrent ones
 * in [0, w_init_recurrent]). */
static void draw_continuous(void *arg, int64_t i0, int64_t i1, int worker)
{
    const struct draw_job *job = arg;
    struct mp_net *n = job->n;
    const struct mp_net_params *p = &n->p;
    struct mp_u32x4 blk = {0, 0, 0, 0};
    uint64_t have = UINT64_MAX; /* the block in blk */
    int64_t i;
    (void)worker;
    for (i = i0; i < i1; i++) {
        const uint64_t row = p->r0 + (uint64_t)i / p->L;
        const uint32_t k = (uint32_t)((uint64_t)i % p->L);
        const uint64_t key = mp_net_key(row, k);
        const uint32_t j =
            p->sparse ? mp_net_connect(p->seed, p->n_pre, row, k) : k;
        const float top = (float)(j < p->n_in ? n->cfg.w_init
                                              : n->cfg.w_init_rec);
        /* mp_rng_word(seed, NET_WEIGHT, 0, key): word key % 4 of block
         * key / 4, one Philox call for four neighbours. */
        if (key >> 2 != have) {
            have = key >> 2;
            blk = mp_rng_block(p->seed, MP_RNG_NET_WEIGHT, 0, have);
        }
        if (p->sparse)
            n->s.idx[i] = j;
        n->s.w[i] = top * mp_unit24(mp_u32x4_get(blk, (uint32_t)(key & 3u)));
    }
}

/* The initial weights (and states, cells) on a pool of the run's
 * threads, stopped when done. */
int mp__net_init_weights(struct mp_net *n)
{
    const int64_t nw = (int64_t)(n->p.r1 - n->p.r0) * n->p.L;
    struct mp_pool *pool;
    struct draw_job job;
    uint32_t i;
    int rc = make_patterns(n);
    if (!rc)
        rc = mp__pool_create(&pool, n->p.threads);
    if (rc)
        return rc;
    if (n->p.rule.discrete) {
        rc = discrete_weights(n, pool);
    } else {
        job.n = n;
        mp__pool_for(pool, nw, (double)nw * DRAW_WORK, draw_continuous, &job);
    }
    mp__pool_destroy(pool);
    for (i = 0; i < n->p.n_out; i++) {
        n->s.theta[i] = (float)n->cfg.theta_init;
        if (n->s.gain) { /* intrinsic plasticity: from the network's */
            n->s.gain[i] = 1.0f;
            n->s.bias[i] = n->p.bias;
        }
    }
    return rc;
}

size_t mp__net_phase_of(const struct mp_net *n, uint64_t step)
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
    uint32_t order[64];
    shuffle(order, K, seed, MP_RNG_NET_ORDER, cycle);
    return order[pos];
}

uint32_t mp_net_pattern_at(const struct mp_net *n, uint64_t step)
{
    /* Period p shows pattern perm_c[p mod K], perm_c a random permutation
     * of the K patterns drawn for cycle c = p / K: random order, each
     * pattern equally often.  A protocol phase may allow a subset: the
     * same over its members. */
    const uint64_t set = n->phase_set[mp__net_phase_of(n, step)];
    const uint64_t p = step / n->switch_steps;
    uint32_t allowed[64], K = n->p.K, i;
    if (set) {
        for (i = 0, K = 0; i < 64; i++)
            if (set >> i & 1)
                allowed[K++] = i;
    }
    if (K == 1)
        return set ? allowed[0] : 0;
    if (set)
        return allowed[permuted(n->cfg.seed, p / K, K, (uint32_t)(p % K))];
    if (K <= 64)
        return permuted(n->cfg.seed, p / K, K, (uint32_t)(p % K));
    /* Many patterns: independent uniform choices. */
    return mp_rng_below(mp_rng_word(n->cfg.seed, MP_RNG_NET_ORDER, p, 0), K);
}

void mp__net_input_at(const struct mp_net *n, uint64_t step, float *z)
{
    mp__net_inputs(&n->p,
                   n->s.patterns + (size_t)mp_net_pattern_at(n, step) *
                                       n->p.n_in,
                   n->phase_gain[mp__net_phase_of(n, step)], step, z);
}
