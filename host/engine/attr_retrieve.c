/* SPDX-License-Identifier: MIT */
/*
 * attr_retrieve.c: the retrieval dynamics of the attractor network
 * (docs/ATTRACTOR.md).  Cues are regenerated from their keys; the
 * backend counts, per row, the active neurons behind strong synapses
 * (exact integers, its rows gathered from every rank); every field, the
 * threshold and the convergence test are computed here from those counts
 * by attr_rules.h, identically on every rank, so a trajectory is the same
 * on any backend, thread count or split.  Sequential dynamics need each
 * neuron's count from the state as it is at its turn: every rank gathers
 * all the strength bits and runs the sweeps itself, on the host.  With
 * fan-in the backend also counts each row's active presynaptic neurons,
 * and the sequential sweeps gather each row's presynaptic state through
 * its connectivity (the stored table of the rows held, the generator for
 * the other ranks' rows).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attr_internal.h"
#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

int mp__attr_scratch(struct mp_attr *e, size_t nb)
{
    const size_t N = e->cfg.attr.neurons, W = (size_t)e->W;
    nb = nb ? nb : 1;
    e->xi = calloc(nb * W, sizeof *e->xi);
    e->st = calloc(nb * W, sizeof *e->st);
    e->buf = calloc(nb * W, sizeof *e->buf);
    e->cnt = calloc(N * nb, sizeof *e->cnt);
    e->act = e->cfg.attr.fan_in ? calloc(N * nb, sizeof *e->act) : NULL;
    e->strong = calloc(N, sizeof *e->strong);
    e->h = calloc(N, sizeof *e->h);
    e->rank = calloc(N, sizeof *e->rank);
    e->cap = nb;
    if (e->cfg.attr.dynamics == MP_ATTR_SEQUENTIAL) {
        e->bits = calloc(N * (size_t)e->WK, sizeof *e->bits);
        e->order = calloc(N, sizeof *e->order);
        if (!e->bits || !e->order)
            return mp__fail(MP_ENOMEM, "out of memory for the strength "
                                       "bits of %zu neurons",
                            N);
    }
    if (!e->xi || !e->st || !e->buf || !e->cnt || !e->strong || !e->h ||
        !e->rank || (e->cfg.attr.fan_in && !e->act))
        return mp__fail(MP_ENOMEM, "out of memory for the retrieval of %zu "
                                   "probes of %zu neurons",
                        nb, N);
    return 0;
}

static int64_t popc(const uint64_t *s, uint64_t W)
{
    int64_t n = 0;
    uint64_t w;
    for (w = 0; w < W; w++)
        n += MP_POPC64(s[w]);
    return n;
}

/* The field of every neuron in state s (column a of act probes' counts). */
static void fields(const struct mp_attr *e, const uint64_t *s, size_t a,
                   size_t act)
{
    const uint32_t N = e->cfg.attr.neurons;
    const int64_t C = popc(s, e->W);
    const uint32_t K = e->cfg.attr.fan_in;
    uint32_t i;
    for (i = 0; i < N && K; i++)
        e->h[i] = mp_attr_field(e->cnt[(size_t)i * act + a],
                                e->act[(size_t)i * act + a], e->strong[i],
                                (int64_t)K, e->cfg.attr.coding);
    for (i = 0; i < N && !K; i++) {
        const int64_t si = (int64_t)((s[i >> 6] >> (i & 63u)) & 1u);
        e->h[i] = mp_attr_field(e->cnt[(size_t)i * act + a], C - si,
                                e->strong[i], (int64_t)N - 1,
                                e->cfg.attr.coding);
    }
}

/* Descending field, then ascending index: a total order. */
static int by_field(const void *x, const void *y)
{
    const struct mp_attr_hi *a = x, *b = y;
    if (a->h != b->h)
        return a->h > b->h ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Where probe a's draws of a sweep are: step c, this base + neuron. */
struct mp_attr_key {
    uint64_t c;    /* step of the streams */
    uint64_t base; /* mp_attr_draw_index(a, steps, sweep, 0) */
};

/* One synchronous sweep of state s into next; the neurons it changed. */
static int64_t sweep(struct mp_attr *e, const uint64_t *s, size_t a,
                     size_t act, uint64_t *next, struct mp_attr_key key)
{
    const struct mp_attr_params *p = &e->cfg.attr;
    const uint32_t N = p->neurons;
    uint32_t i;
    memset(next, 0, e->W * sizeof *next);
    fields(e, s, a, act);
    if (p->threshold == MP_ATTR_CODING) {
        /* The round(f N) largest fields are active. */
        const uint32_t k = (uint32_t)floor(p->coding * N + 0.5);
        for (i = 0; i < N; i++) {
            e->rank[i].h = e->h[i];
            e->rank[i].i = i;
        }
        qsort(e->rank, N, sizeof *e->rank, by_field);
        for (i = 0; i < k; i++)
            next[e->rank[i].i >> 6] |= (uint64_t)1 << (e->rank[i].i & 63u);
    } else if (p->temperature > 0.0) {
        const double theta_n = p->theta * (double)N;
        for (i = 0; i < N; i++)
            next[i >> 6] |= (uint64_t)mp_attr_heat(&e->desc.rule, e->h[i],
                                                   theta_n, p->temperature,
                                                   key.c, key.base + i)
                            << (i & 63u);
    } else {
        const double theta_n = p->theta * (double)N;
        for (i = 0; i < N; i++) {
            const uint32_t si = (uint32_t)(s[i >> 6] >> (i & 63u)) & 1u;
            next[i >> 6] |= (uint64_t)mp_attr_fixed(e->h[i], theta_n, si)
                            << (i & 63u);
        }
    }
    {
        int64_t n = 0;
        uint64_t w;
        for (w = 0; w < e->W; w++)
            n += MP_POPC64(next[w] ^ s[w]);
        return n;
    }
}

/* The strength bits of every rank's rows, and every row's count. */
static int pack(struct mp_attr *e)
{
    const uint64_t N = e->cfg.attr.neurons;
    int rc = mp__par_agree(e->be.pack(&e->be, e->strong + e->desc.row0));
    if (!rc)
        mp__par_allgather(e->strong, N, sizeof *e->strong,
                          N * sizeof *e->strong);
    if (!rc && e->bits) {
        const size_t item = e->WK * sizeof *e->bits;
        rc = mp__par_agree(
            e->be.bits(&e->be, e->bits + (size_t)e->desc.row0 * e->WK));
        if (!rc)
            mp__par_allgather(e->bits, N, item, N * item);
    }
    return rc;
}

/* The counts of the act states in e->buf, every row, every rank. */
static int count(struct mp_attr *e, size_t act)
{
    const uint64_t N = e->cfg.attr.neurons;
    const size_t item = act * sizeof *e->cnt;
    const size_t at = (size_t)e->desc.row0 * act;
    int rc = mp__par_agree(e->be.fields(&e->be, e->buf, act, e->cnt + at,
                                        e->act ? e->act + at : NULL));
    if (!rc)
        mp__par_allgather(e->cnt, N, item, N * item);
    if (!rc && e->act)
        mp__par_allgather(e->act, N, item, N * item);
    return rc;
}

/* The cues: each pattern with its flips, or (a partial cue) with the
 * neurons that would flip silenced. */
static void cues(struct mp_attr *e, size_t nb, const uint64_t *mus,
                 uint64_t c, const uint64_t *a, uint64_t thr_noise)
{
    const struct mp_attr_rules *R = &e->desc.rule;
    const int partial = e->cfg.attr.cue == MP_ATTR_CUE_PARTIAL;
    size_t k;
    uint64_t w;
    for (k = 0; k < nb; k++)
        for (w = 0; w < e->W; w++) {
            const uint64_t x = mp_attr_pattern_word(R, mus[k], w);
            e->xi[k * e->W + w] = x;
            e->st[k * e->W + w] =
                mp_attr_cue_state(R, partial, thr_noise, c, a[k], w, x);
        }
}

/* Neuron i's counts in state s with fan-in: *A the active presynaptic
 * neurons behind strong synapses, the active presynaptic neurons
 * returned. */
static int64_t fan_counts(const struct mp_attr *e, const uint64_t *s,
                          uint32_t i, int64_t *A)
{
    const struct mp_attr_rules *R = &e->desc.rule;
    const uint64_t *row = e->bits + (size_t)i * e->WK;
    const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
    /* The stored table of the rows held here, the generator for the
     * others (under MPI): the same neurons. */
    const int held = i >= e->desc.row0 && i - e->desc.row0 < e->desc.rows;
    const uint32_t *pre =
        e->pre && held ? e->pre + (size_t)(i - e->desc.row0) * R->fan_in
                       : NULL;
    int64_t a = 0, n = 0;
    uint64_t w;
    for (w = 0; w < e->WK; w++) {
        const uint64_t g = mp_attr_gather64(&pm, pre, R->fan_in, s, w);
        a += MP_POPC64(row[w] & g);
        n += MP_POPC64(g);
    }
    *A = a;
    return n;
}

/* One sequential sweep of state s, in place: each neuron of the keyed
 * order takes its field from the state as it is then; the neurons it
 * changed. */
static int64_t sweep_sequential(struct mp_attr *e, uint64_t *s, uint64_t a,
                                uint32_t step, uint64_t c)
{
    const struct mp_attr_params *p = &e->cfg.attr;
    const struct mp_attr_rules *R = &e->desc.rule;
    const uint32_t N = p->neurons;
    const double theta_n = p->theta * (double)N;
    const uint64_t base = mp_attr_draw_index(R, a, p->steps, step, 0);
    int64_t C = popc(s, e->W), changed = 0;
    uint32_t k;
    mp_attr_order(R, c, a, p->steps, step, e->order);
    for (k = 0; k < N; k++) {
        const uint32_t i = e->order[k];
        const uint64_t *row = e->bits + (size_t)i * e->WK,
                       bit = (uint64_t)1 << (i & 63u);
        const uint32_t si = (s[i >> 6] & bit) ? 1u : 0u;
        int64_t A = 0;
        uint64_t w;
        double h;
        uint32_t to;
        if (p->fan_in) {
            const int64_t Ci = fan_counts(e, s, i, &A);
            h = mp_attr_field(A, Ci, e->strong[i], (int64_t)p->fan_in,
                              p->coding);
        } else {
            /* The row's bits leave out the diagonal: A counts j != i. */
            for (w = 0; w < e->W; w++)
                A += MP_POPC64(row[w] & s[w]);
            h = mp_attr_field(A, C - si, e->strong[i], (int64_t)N - 1,
                              p->coding);
        }
        to = p->temperature > 0.0
                 ? mp_attr_heat(R, h, theta_n, p->temperature, c, base + i)
                 : mp_attr_fixed(h, theta_n, si);
        if (to != si) {
            s[i >> 6] ^= bit;
            C += to ? 1 : -1;
            changed++;
        }
    }
    return changed;
}

/* The sequential sweeps of every probe, one probe after another. */
static void dynamics_sequential(struct mp_attr *e, size_t nb, uint64_t c,
                                const uint64_t *a, struct mp_attr_probe *out)
{
    size_t k;
    uint32_t step;
    for (k = 0; k < nb; k++)
        for (step = 0; step < e->cfg.attr.steps; step++) {
            if (sweep_sequential(e, e->st + k * e->W, a[k], step, c) == 0) {
                out[k].converged = 1;
                break;
            }
            out[k].steps++;
        }
}

/* The sweeps: every probe still moving, together, until each reaches a
 * fixed point or the sweeps run out. */
static int dynamics(struct mp_attr *e, size_t nb, uint64_t c,
                    const uint64_t *a, struct mp_attr_probe *out)
{
    const uint64_t W = e->W;
    size_t act_of[64], act = 0, k, j;
    uint32_t step;
    int rc = 0;
    for (k = 0; k < nb; k++)
        act_of[act++] = k;
    for (step = 0; step < e->cfg.attr.steps && act && !rc; step++) {
        for (j = 0; j < act; j++)
            memcpy(e->buf + j * W, e->st + act_of[j] * W, W * sizeof *e->buf);
        rc = count(e, act);
        for (j = 0, k = 0; j < act && !rc; j++) {
            uint64_t *s = e->st + act_of[j] * W, *next = e->buf + j * W;
            struct mp_attr_key key;
            key.c = c;
            key.base = mp_attr_draw_index(&e->desc.rule, a[act_of[j]],
                                          e->cfg.attr.steps, step, 0);
            /* The counts are read; the buffer's row j takes the next. */
            if (sweep(e, s, j, act, next, key) == 0) {
                out[act_of[j]].converged = 1;
                continue;
            }
            out[act_of[j]].steps++;
            memcpy(s, next, W * sizeof *s);
            act_of[k++] = act_of[j];
        }
        act = k;
    }
    return rc;
}

int mp__attr_retrieve(struct mp_attr *e, size_t nb, const uint64_t *mus,
                      uint64_t c, const uint64_t *a, uint64_t thr_noise,
                      struct mp_attr_probe *out)
{
    const double f = e->cfg.attr.coding;
    const int64_t N = e->cfg.attr.neurons;
    size_t k;
    int rc;
    if (nb > e->cap || nb > 64)
        return mp__fail(MP_EINVAL, "%zu probes at once: at most %zu", nb,
                        e->cap);
    memset(out, 0, nb * sizeof *out);
    rc = pack(e);
    if (rc)
        return rc;
    cues(e, nb, mus, c, a, thr_noise);
    if (e->cfg.attr.dynamics == MP_ATTR_SEQUENTIAL)
        dynamics_sequential(e, nb, c, a, out);
    else
        rc = dynamics(e, nb, c, a, out);
    for (k = 0; k < nb && !rc; k++) {
        const uint64_t *x = e->xi + k * e->W, *s = e->st + k * e->W;
        int64_t both = 0;
        uint64_t w;
        for (w = 0; w < e->W; w++)
            both += MP_POPC64(x[w] & s[w]);
        out[k].overlap = mp_attr_overlap(both, popc(x, e->W),
                                         popc(s, e->W), N, f);
    }
    return rc;
}

int mp_attr_retrieve(struct mp_attr *e, uint64_t mu, double noise,
                     uint64_t key, double *overlap, int *converged,
                     uint32_t *steps)
{
    const uint64_t a = 0;
    struct mp_attr_probe p;
    int rc;
    if (!(noise >= 0.0 && noise <= 1.0))
        return mp__fail(MP_EINVAL, "noise %g: expected a fraction in "
                                   "[0, 1]",
                        noise);
    rc = mp__attr_retrieve(e, 1, &mu, key, &a, mp_prob_threshold(noise), &p);
    if (!rc) {
        *overlap = p.overlap;
        *converged = p.converged;
        *steps = p.steps;
    }
    return rc;
}
