/* SPDX-License-Identifier: MIT */
/*
 * net_views.c: what a rate network's record shows beyond its statistics
 * (record.weights, record.states, record.pattern): the pattern shown and
 * the protocol phase, the incoming weights (and discrete depths) of the
 * chosen neurons, and the occupancy of each discrete state.  Weights are
 * moved, never summed; occupancies are exact integer counts: nothing
 * depends on threads, ranks or backends.
 */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "net_internal.h"

uint32_t mp_net_phase_at(const struct mp_net *n, uint64_t step)
{
    return (uint32_t)mp__net_phase_of(n, step);
}

uint32_t mp_net_states(const struct mp_net *n, uint8_t *bytes)
{
    if (bytes)
        memcpy(bytes, n->state_byte, n->n_states);
    return n->n_states;
}

void mp_net_presynaptic(const struct mp_net *n, uint32_t i, uint32_t *cells)
{
    const struct mp_net_params *p = &n->p;
    uint32_t k;
    for (k = 0; k < p->L; k++)
        cells[k] = p->sparse ? mp_net_connect(p->seed, p->n_pre, i, k) : k;
}

int mp_net_occupancy(struct mp_net *n, int64_t *counts)
{
    int64_t hist[MP_STATE_BYTES];
    int rc;
    if (!n->p.rule.discrete)
        return mp__fail(MP_EINVAL, "continuous synapses have no discrete "
                                   "states to count (network.synapse = "
                                   "discrete has)");
    rc = mp__par_agree(n->be.count_states(&n->be, hist));
    if (rc)
        return rc;
    /* Exact integer counts over the ranks' rows. */
    mp__par_sum_i64(hist, MP_STATE_BYTES);
    mp__state_counts(hist, n->state_byte, n->n_states, counts);
    return 0;
}

double mp_net_sample_selectivity(const struct mp_net_sample *s)
{
    double total = 0.0;
    uint32_t i, k;
    for (i = 0; i < s->n_out; i++) {
        const float *r = s->response + (size_t)i * s->patterns;
        double sum = 0.0, max = 0.0;
        for (k = 0; k < s->patterns; k++) {
            sum += r[k];
            max = r[k] > max ? r[k] : max;
        }
        if (max > 0.0)
            total += 1.0 - sum / s->patterns / max;
    }
    return s->n_out ? total / s->n_out : 0.0;
}

/* The rows of the chosen neurons held here into their places; each
 * rank's run of them (the choice is ascending, the rows are blocks) from
 * that rank to every rank. */
static void selected_rows(const struct mp_net *n, struct mp_net_sample *s)
{
    const struct mp_net_params *p = &n->p;
    const size_t L = p->L;
    uint32_t a = 0, b, j;
    size_t k;
    int r;
    for (r = 0; r < mp__par_size(); r++) {
        uint64_t lo, hi;
        mp__par_range(p->n_out, r, &lo, &hi);
        for (b = a; b < n->n_sel && n->sel[b] < hi; b++)
            ;
        for (j = a; r == mp__par_rank() && j < b; j++) {
            const size_t row = (size_t)(n->sel[j] - p->r0) * L;
            memcpy(s->weights + j * L, n->s.w + row, L * sizeof *s->weights);
            for (k = 0; s->depth && k < L; k++)
                s->depth[j * L + k] =
                    (uint8_t)(n->s.syn[row + k] & MP_SYN_DEPTH_MASK);
        }
        if (b > a && mp__par_size() > 1) {
            mp__par_bcast_from(s->weights + a * L,
                               (b - a) * L * sizeof *s->weights, r);
            if (s->depth)
                mp__par_bcast_from(s->depth + a * L, (b - a) * L, r);
        }
        a = b;
    }
}

int mp__net_sample_views(struct mp_net *n, struct mp_net_sample *s)
{
    const size_t nw = (size_t)n->n_sel * n->p.L;
    const int occ = n->cfg.rec_states && n->p.rule.discrete;
    int rc = 0;
    s->pattern = mp_net_pattern_at(n, s->step);
    s->phase = mp_net_phase_at(n, s->step);
    s->row_length = n->p.L;
    if (nw) {
        s->weights = malloc(nw * sizeof *s->weights);
        s->depth = n->p.rule.discrete ? malloc(nw) : NULL;
        if (!s->weights || (n->p.rule.discrete && !s->depth))
            rc = mp__fail(MP_ENOMEM, "out of memory for a record");
    }
    if (occ && !rc) {
        s->occupancy = malloc(n->n_states * sizeof *s->occupancy);
        if (!s->occupancy)
            rc = mp__fail(MP_ENOMEM, "out of memory for a record");
    }
    rc = mp__par_agree(rc);
    if (rc)
        return rc;
    s->n_sel = n->n_sel;
    if (nw)
        selected_rows(n, s);
    s->n_states = occ ? n->n_states : 0;
    return occ ? mp_net_occupancy(n, s->occupancy) : 0;
}
