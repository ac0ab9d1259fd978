/* SPDX-License-Identifier: MIT */
/*
 * net_silent.c: silent neurons (record.silent_after).  A rectified
 * neuron whose drive falls below its bias for every pattern has rate 0
 * and no weight change (BCM's change is proportional to y): an absorbing
 * state, which BCM past its Hopf bifurcation can reach.  A record
 * interval whose rate sum is exactly 0 (rates are never negative) was
 * silent at every step; with record.silent_rate > 0, one whose mean rate
 * is at most that counts too (the near-silent phase a collapse without
 * noise leaves, which BCM's y^2 potentiation leaves only slowly).  The
 * engine counts the steps of such intervals since each neuron last
 * fired, from the rate sums, so the count does not depend on threads,
 * ranks or backends, and travels in checkpoints.
 */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "net_internal.h"

int mp__net_silent_alloc(struct mp_net *n)
{
    const uint32_t N = n->p.n_out;
    if (!(n->cfg.silent_after_s > 0))
        return 0;
    n->silent_after = mp_config_steps(&n->cfg, n->cfg.silent_after_s);
    if (!n->silent_after)
        n->silent_after = 1;
    n->silent = calloc(N ? N : 1, sizeof *n->silent);
    n->quiet = calloc(N ? N : 1, sizeof *n->quiet);
    if (!n->silent || !n->quiet)
        return mp__fail(MP_ENOMEM, "out of memory");
    return 0;
}

int mp__net_silent_sample_alloc(const struct mp_net *n,
                                struct mp_net_sample *s)
{
    const uint32_t N = n->p.n_out;
    if (!n->silent)
        return 0;
    s->silent_s = calloc(N ? N : 1, sizeof *s->silent_s);
    s->silent_new = calloc(N ? N : 1, sizeof *s->silent_new);
    if (!s->silent_s || !s->silent_new)
        return mp__fail(MP_ENOMEM, "out of memory for a record");
    return 0;
}

void mp__net_silent_mark(struct mp_net *n)
{
    uint32_t i;
    if (!n->silent)
        return;
    n->quiet_steps = n->n_rec;
    for (i = n->p.r0; i < n->p.r1; i++)
        n->quiet[i] = n->n_rec > 0 &&
                      n->s.acc_rec[i] <= n->cfg.silent_rate * (double)n->n_rec;
}

void mp__net_silent_update(struct mp_net *n, struct mp_net_sample *s)
{
    const uint32_t N = n->p.n_out;
    const int64_t after = (int64_t)n->silent_after;
    uint32_t i;
    if (!n->silent)
        return;
    mp__par_allgather(n->quiet, N, 1, N);
    for (i = 0; i < N; i++) {
        const int64_t was = n->silent[i];
        /* An interval of no steps (the record at step 0) says nothing. */
        if (n->quiet[i])
            n->silent[i] += (int64_t)n->quiet_steps;
        else if (n->quiet_steps)
            n->silent[i] = 0;
        s->silent_s[i] = (double)n->silent[i] * n->cfg.dt_s;
        s->silent_new[i] = was < after && n->silent[i] >= after;
        s->n_silent += n->silent[i] >= after;
    }
}

int mp__net_silent_snap(const struct mp_net *n, struct mp_net_snapshot *s,
                        int root)
{
    const uint32_t N = n->p.n_out;
    if (!n->silent)
        return 0;
    s->silent = malloc((root ? N : 1) * sizeof *s->silent + 1);
    if (!s->silent)
        return mp__fail(MP_ENOMEM, "out of memory for a snapshot");
    /* Every rank holds every neuron's count. */
    if (root)
        memcpy(s->silent, n->silent, N * sizeof *s->silent);
    return 0;
}

int mp__net_silent_fits(const struct mp_net *n,
                        const struct mp_net_snapshot *s)
{
    if (n->silent && !s->silent)
        return mp__fail(MP_EINVAL,
                        "the snapshot has no silence counts "
                        "(record.silent_after)");
    return 0;
}

void mp__net_silent_restore(struct mp_net *n,
                            const struct mp_net_snapshot *s)
{
    if (!n->silent)
        return;
    if (mp__par_rank() == 0)
        memcpy(n->silent, s->silent, n->p.n_out * sizeof *n->silent);
    mp__par_bcast(n->silent, n->p.n_out * sizeof *n->silent);
}
