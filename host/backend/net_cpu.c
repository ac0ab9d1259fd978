/* SPDX-License-Identifier: MIT */
/*
 * net_cpu.c: the CPU rate-network backend (rows of neurons shared by the
 * threads of a pool, pool.h), the reference the CUDA backend is checked
 * against.  It works on the
 * scheduler's host state in place.  A step first turns every current h(t)
 * into a rate y(t), so z(t+1) = [x(t+1), y(t)] is known (exchanged across
 * ranks when the network is split); then one pass over each row updates
 * each weight with z(t) and y(t) and, in the same pass, accumulates the
 * next current with the new weight (mp_row_pass), so each weight crosses
 * memory once per step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/par.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"

struct cpu {
    const struct mp_net_params *p;
    struct mp_net_state *s;
    uint32_t *cells; /* regen: one row of cells per thread */
    struct mp_pool *pool;
};

/* With noise, word j of the step is word j % 4 of NET_NOISE block j / 4
 * (mp_rng_word): each block is drawn once, a loop of whole blocks the
 * compiler runs in SIMD registers, before the inputs read its words. */
void mp__net_inputs(const struct mp_net_params *p, const float *pattern,
                    float gain, uint64_t step, float *z)
{
    enum { WORDS = 256 };
    uint32_t u[WORDS], j0, b, k, m;
    if (!(p->noise_a > 0.0f)) {
        /* The same function, its constant cases spelled out: a copy. */
        if (gain == 1.0f)
            for (k = 0; k < p->n_in; k++)
                z[k] = mp_net_input_u(pattern[k], 1.0f, 0.0f, 0);
        else
            for (k = 0; k < p->n_in; k++)
                z[k] = mp_net_input_u(pattern[k], gain, 0.0f, 0);
        return;
    }
    for (j0 = 0; j0 < p->n_in; j0 += WORDS) {
        m = p->n_in - j0 < WORDS ? p->n_in - j0 : WORDS;
        for (b = 0; b < (m + 3) / 4; b++) {
            const struct mp_u32x4 r =
                mp_rng_block(p->seed, MP_RNG_NET_NOISE, step, j0 / 4 + b);
            u[4 * b] = r.x;
            u[4 * b + 1] = r.y;
            u[4 * b + 2] = r.z;
            u[4 * b + 3] = r.w;
        }
        for (k = 0; k < m; k++)
            z[j0 + k] = mp_net_input_u(pattern[j0 + k], gain, p->noise_a,
                                       u[k]);
    }
}

/* The presynaptic cells of row i held here: NULL for a dense row, the
 * stored ones, or (regen) drawn again into the buffer of thread
 * `worker`. */
static const uint32_t *row_cells(const struct cpu *c, uint64_t i, int worker)
{
    const struct mp_net_params *p = c->p;
    uint32_t *buf, k;
    if (!p->sparse)
        return NULL;
    if (!p->regen)
        return c->s->idx + (size_t)(i - p->r0) * p->L;
    buf = c->cells + (size_t)worker * p->L;
    for (k = 0; k < p->L; k++)
        buf[k] = mp_net_connect(p->seed, p->n_pre, i, k);
    return buf;
}

/* Row i's update at a step, then its next current. */
MP_VECTOR_CLONES static double row_step(const struct cpu *c, uint64_t i,
                       const struct mp_net_step *st,
                       const struct mp_net_row *u, int worker)
{
    const struct mp_net_params *p = c->p;
    const struct mp_net_state *s = c->s;
    float *w = s->w + (size_t)(i - p->r0) * p->L;
    const uint32_t *cells = row_cells(c, i, worker);
    uint32_t k;
    if (!st->plastic)
        return mp_row_dot(w, cells, s->z_next, p->L);
    if (p->rule.discrete) {
        uint8_t *syn = s->syn + (size_t)(i - p->r0) * p->L;
        for (k = 0; k < p->L; k++)
            mp_discrete_syn(&syn[k], &w[k], &p->table,
                            s->z[cells ? cells[k] : k], &p->rule, u,
                            st->step, i, k);
    } else if (p->rule.hetero) {
        mp_hetero_row(w, s->z, cells, p->L, p->rule.hetero, u);
    } else if (!p->unfused) {
        /* The fused pass; dense rows spelled out for the vectoriser. */
        return cells ? mp_row_pass(w, cells, s->z, s->z_next, p->L, u)
                     : mp_row_pass(w, NULL, s->z, s->z_next, p->L, u);
    } else {
        for (k = 0; k < p->L; k++)
            w[k] = mp_row_update(w[k], s->z[cells ? cells[k] : k], u);
    }
    return mp_row_dot(w, cells, s->z_next, p->L);
}

/* The work of a pass over the rows held (pool.h's units): a synapse
 * each, a row's fixed part, and the random numbers of regenerated cells
 * and discrete synapses. */
static double rows_work(const struct cpu *c)
{
    const struct mp_net_params *p = c->p;
    const double per_syn = p->regen || p->rule.discrete ? 8.0 : 1.0;
    return (double)(p->r1 - p->r0) * ((double)p->L * per_syn + 32.0);
}

struct step_job {
    const struct cpu *c;
    const struct mp_net_step *st;
};

/* Rows r0 + [i0, i1) of a step. */
static void step_rows(void *arg, int64_t i0, int64_t i1, int worker)
{
    const struct step_job *j = arg;
    const struct cpu *c = j->c;
    const struct mp_net_params *p = c->p;
    struct mp_net_state *s = c->s;
    int64_t i;
    for (i = p->r0 + i0; i < p->r0 + i1; i++) {
        const float y = s->y_new[i];
        const struct mp_net_row u =
            mp_net_row_at(&p->rule, j->st->kb, j->st->m, y, s->theta[i],
                          p->rule.priming ? s->prime[i] : 0.0f);
        mp_row_end(&s->h[i], &s->theta[i], &s->acc_scale[i], &s->acc_rec[i],
                   row_step(c, (uint64_t)i, j->st, &u, worker), y, &p->rule);
        mp_neuron_end(s->prime, s->gain, s->bias, (uint64_t)i, y, &u,
                      &p->rule);
    }
}

static int cpu_step(struct mp_net_backend *b, const struct mp_net_step *st)
{
    struct cpu *c = b->ctx;
    const struct mp_net_params *p = c->p;
    struct mp_net_state *s = c->s;
    struct step_job job;
    uint32_t i;

    for (i = p->r0; i < p->r1; i++)
        s->y_new[i] = mp_net_rate(s->h[i], s->gain, s->bias, p->bias, i);
    mp__net_inputs(p, s->patterns + (size_t)st->next_pattern * p->n_in,
                   st->next_gain, st->step + 1, s->z_next);
    if (p->recurrent) {
        /* Every rank's rates to every rank: the next presynaptic vector
         * (a feed-forward network gathers them only for a snapshot). */
        mp__par_allgather(s->y_new, p->n_out, sizeof *s->y_new,
                          (uint64_t)p->n_out * sizeof *s->y_new);
        memcpy(s->z_next + p->n_in, s->y_new, p->n_out * sizeof *s->y_new);
    }
    job.c = c;
    job.st = st;
    mp__pool_for(c->pool, p->r1 - p->r0, rows_work(c), step_rows, &job);
    mp__net_swap(&s->y, &s->y_new, &s->z, &s->z_next);
    return 0;
}

/* Rows r0 + [i0, i1): h = w . z. */
static void current_rows(void *arg, int64_t i0, int64_t i1, int worker)
{
    const struct cpu *c = arg;
    const struct mp_net_params *p = c->p;
    int64_t i;
    for (i = p->r0 + i0; i < p->r0 + i1; i++)
        c->s->h[i] = mp_row_dot(c->s->w + (size_t)(i - p->r0) * p->L,
                                row_cells(c, (uint64_t)i, worker), c->s->z,
                                p->L);
}

static int cpu_currents(struct mp_net_backend *b)
{
    struct cpu *c = b->ctx;
    mp__pool_for(c->pool, c->p->r1 - c->p->r0, rows_work(c), current_rows,
                 c);
    return 0;
}

struct scale_job {
    const struct cpu *c;
    const float *factors;
};

/* Rows r0 + [i0, i1) scaled by their factors. */
static void scale_rows(void *arg, int64_t i0, int64_t i1, int worker)
{
    const struct scale_job *j = arg;
    const struct mp_net_params *p = j->c->p;
    int64_t i;
    (void)worker;
    for (i = p->r0 + i0; i < p->r0 + i1; i++) {
        float *w = j->c->s->w + (size_t)(i - p->r0) * p->L;
        uint32_t k;
        for (k = 0; k < p->L; k++)
            w[k] = mp_scale_w(w[k], j->factors[i - p->r0], p->rule.lo,
                              p->rule.hi);
        j->c->s->acc_scale[i] = 0.0;
    }
}

static int cpu_scale(struct mp_net_backend *b, const float *factors)
{
    struct cpu *c = b->ctx;
    struct scale_job job;
    job.c = c;
    job.factors = factors;
    mp__pool_for(c->pool, c->p->r1 - c->p->r0,
                 (double)(c->p->r1 - c->p->r0) * (c->p->L + 32.0), scale_rows,
                 &job);
    return cpu_currents(b); /* the weights changed under h */
}

static int cpu_scale_sums(struct mp_net_backend *b, double *out)
{
    struct cpu *c = b->ctx;
    if (out != c->s->acc_scale)
        memcpy(out, c->s->acc_scale, c->p->n_out * sizeof *out);
    return 0;
}

/* The host state is the backend's state: nothing to move. */
static int cpu_upload(struct mp_net_backend *b, const struct mp_net_state *s)
{
    (void)b;
    (void)s;
    return 0;
}

static int cpu_download(struct mp_net_backend *b, struct mp_net_state *s,
                        int weights)
{
    (void)b;
    (void)s;
    (void)weights;
    return 0;
}

static int cpu_count(struct mp_net_backend *b, int64_t *hist)
{
    struct cpu *c = b->ctx;
    const struct mp_net_params *p = c->p;
    if (!p->rule.discrete)
        return mp__fail(MP_EINVAL, "continuous synapses have no states");
    return mp__state_hist(c->pool, c->s->syn, (uint64_t)(p->r1 - p->r0) * p->L,
                          hist);
}

static int cpu_reset_rec(struct mp_net_backend *b)
{
    (void)b; /* the scheduler clears the host sums, which are these */
    return 0;
}

static void cpu_destroy(struct mp_net_backend *b)
{
    struct cpu *c = b->ctx;
    if (c) {
        mp__pool_destroy(c->pool);
        free(c->cells);
    }
    free(c);
    b->ctx = NULL;
}

int mp__net_cpu_create(struct mp_net_backend *b,
                       const struct mp_net_params *p, struct mp_net_state *s)
{
    struct cpu *c = calloc(1, sizeof *c);
    int rc, size;
    if (!c)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->p = p;
    c->s = s;
    rc = mp__pool_create(&c->pool, p->threads);
    if (rc) {
        free(c);
        return rc;
    }
    size = mp__pool_size(c->pool);
    if (p->sparse) {
        c->cells = malloc((size_t)size * p->L * sizeof *c->cells);
        if (!c->cells) {
            mp__pool_destroy(c->pool);
            free(c);
            return mp__fail(MP_ENOMEM, "out of memory");
        }
    }
    b->name = "cpu";
    mp__pool_describe(c->pool, b->device, sizeof b->device);
    b->ctx = c;
    b->upload = cpu_upload;
    b->download = cpu_download;
    b->currents = cpu_currents;
    b->step = cpu_step;
    b->scale_sums = cpu_scale_sums;
    b->scale = cpu_scale;
    b->count_states = cpu_count;
    b->reset_rec = cpu_reset_rec;
    b->destroy = cpu_destroy;
    return 0;
}
