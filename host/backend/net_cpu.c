/* SPDX-License-Identifier: MIT */
/*
 * net_cpu.c: the CPU rate-network backend (OpenMP over neurons), the
 * reference the CUDA backend is checked against.  It works on the
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

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/error.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

struct cpu {
    const struct mp_net_params *p;
    struct mp_net_state *s;
    uint32_t *cells; /* regen: one row of cells per thread */
    int nthreads;
};

void mp__net_inputs(const struct mp_net_params *p, const float *pattern,
                    float gain, uint64_t step, float *z)
{
    uint32_t j;
    for (j = 0; j < p->n_in; j++)
        z[j] = mp_net_input(pattern[j], gain, p->noise_a, p->seed, step, j);
}

/* The presynaptic cells of row i held here: NULL for a dense row, the
 * stored ones, or (regen) drawn again into the thread's buffer. */
static const uint32_t *row_cells(const struct cpu *c, uint64_t i)
{
    const struct mp_net_params *p = c->p;
    uint32_t *buf, k;
    if (!p->sparse)
        return NULL;
    if (!p->regen)
        return c->s->idx + (size_t)(i - p->r0) * p->L;
#ifdef _OPENMP
    buf = c->cells + (size_t)omp_get_thread_num() * p->L;
#else
    buf = c->cells;
#endif
    for (k = 0; k < p->L; k++)
        buf[k] = mp_net_connect(p->seed, p->n_pre, i, k);
    return buf;
}

/* Row i's update at a step, then its next current. */
MP_VECTOR_CLONES static double row_step(const struct cpu *c, uint64_t i,
                       const struct mp_net_step *st,
                       const struct mp_net_row *u)
{
    const struct mp_net_params *p = c->p;
    const struct mp_net_state *s = c->s;
    float *w = s->w + (size_t)(i - p->r0) * p->L;
    const uint32_t *cells = row_cells(c, i);
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

static int cpu_step(struct mp_net_backend *b, const struct mp_net_step *st)
{
    struct cpu *c = b->ctx;
    const struct mp_net_params *p = c->p;
    struct mp_net_state *s = c->s;
    int64_t i;

    for (i = p->r0; i < (int64_t)p->r1; i++)
        s->y_new[i] = mp_relu(s->h[i], p->bias);
    mp__net_inputs(p, s->patterns + (size_t)st->next_pattern * p->n_in,
                   st->next_gain, st->step + 1, s->z_next);
    if (p->recurrent) {
        /* Every rank's rates to every rank: the next presynaptic vector
         * (a feed-forward network gathers them only for a snapshot). */
        mp__par_allgather(s->y_new, p->n_out, sizeof *s->y_new,
                          (uint64_t)p->n_out * sizeof *s->y_new);
        memcpy(s->z_next + p->n_in, s->y_new, p->n_out * sizeof *s->y_new);
    }
#pragma omp parallel for schedule(static) num_threads(c->nthreads)
    for (i = p->r0; i < (int64_t)p->r1; i++) {
        const float y = s->y_new[i];
        const struct mp_net_row u =
            mp_net_row_at(&p->rule, st->kb, st->m, y, s->theta[i]);
        mp_row_end(&s->h[i], &s->theta[i], &s->acc_scale[i], &s->acc_rec[i],
                   row_step(c, (uint64_t)i, st, &u), y, &p->rule);
    }
    mp__net_swap(&s->y, &s->y_new, &s->z, &s->z_next);
    return 0;
}

static int cpu_currents(struct mp_net_backend *b)
{
    struct cpu *c = b->ctx;
    const struct mp_net_params *p = c->p;
    int64_t i;
#pragma omp parallel for schedule(static) num_threads(c->nthreads)
    for (i = p->r0; i < (int64_t)p->r1; i++)
        c->s->h[i] = mp_row_dot(c->s->w + (size_t)(i - p->r0) * p->L,
                                row_cells(c, (uint64_t)i), c->s->z, p->L);
    return 0;
}

static int cpu_scale(struct mp_net_backend *b, const float *factors)
{
    struct cpu *c = b->ctx;
    const struct mp_net_params *p = c->p;
    int64_t i;
#pragma omp parallel for schedule(static) num_threads(c->nthreads)
    for (i = p->r0; i < (int64_t)p->r1; i++) {
        float *w = c->s->w + (size_t)(i - p->r0) * p->L;
        uint32_t k;
        for (k = 0; k < p->L; k++)
            w[k] = mp_scale_w(w[k], factors[i - p->r0], p->rule.lo,
                              p->rule.hi);
        c->s->acc_scale[i] = 0.0;
    }
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

static int cpu_reset_rec(struct mp_net_backend *b)
{
    (void)b; /* the scheduler clears the host sums, which are these */
    return 0;
}

static void cpu_destroy(struct mp_net_backend *b)
{
    struct cpu *c = b->ctx;
    if (c)
        free(c->cells);
    free(c);
    b->ctx = NULL;
}

int mp__net_cpu_create(struct mp_net_backend *b,
                       const struct mp_net_params *p, struct mp_net_state *s)
{
    struct cpu *c = calloc(1, sizeof *c);
    if (!c)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->p = p;
    c->s = s;
    c->nthreads = mp__threads(p->threads);
    if (p->sparse) {
        c->cells = malloc((size_t)c->nthreads * p->L * sizeof *c->cells);
        if (!c->cells) {
            free(c);
            return mp__fail(MP_ENOMEM, "out of memory");
        }
    }
    b->name = "cpu";
    snprintf(b->device, sizeof b->device, "CPU, %d OpenMP thread%s",
             c->nthreads, c->nthreads == 1 ? "" : "s");
    b->ctx = c;
    b->upload = cpu_upload;
    b->download = cpu_download;
    b->currents = cpu_currents;
    b->step = cpu_step;
    b->scale_sums = cpu_scale_sums;
    b->scale = cpu_scale;
    b->reset_rec = cpu_reset_rec;
    b->destroy = cpu_destroy;
    return 0;
}
