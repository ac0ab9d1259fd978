/* SPDX-License-Identifier: MIT */
/*
 * net_neuron.c: the per-neuron variables beyond the threshold — the
 * threshold's priming component and the gain and bias of intrinsic
 * plasticity (docs/NETWORKS.md) — in samples and snapshots.  Each exists
 * only when its rule is on; like theta, every rank holds its neurons'
 * values, samples gather them to every rank and snapshots to rank 0.
 */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "net_internal.h"

/* The arrays of the variables that are on: *a[0] priming, *a[1] gain,
 * *a[2] bias; on[k] whether variable k exists. */
static void which(const struct mp_net *n, int on[3])
{
    on[0] = n->p.rule.priming;
    on[1] = on[2] = n->p.rule.intrinsic != 0;
}

int mp_net_snapshot_alloc_extra(struct mp_net_snapshot *s, int priming,
                                int intrinsic)
{
    const size_t bytes = ((size_t)s->n_out + 1) * sizeof(float);
    if (priming && !s->prime)
        s->prime = malloc(bytes);
    if (intrinsic && !s->gain)
        s->gain = malloc(bytes);
    if (intrinsic && !s->bias)
        s->bias = malloc(bytes);
    if ((priming && !s->prime) || (intrinsic && (!s->gain || !s->bias)))
        return mp__fail(MP_ENOMEM, "out of memory for a snapshot");
    return 0;
}

int mp__net_neuron_sample_alloc(const struct mp_net *n,
                                struct mp_net_sample *s)
{
    float **a[3];
    int on[3], k;
    a[0] = &s->priming;
    a[1] = &s->gain;
    a[2] = &s->bias;
    which(n, on);
    for (k = 0; k < 3; k++)
        if (on[k] && !(*a[k] = malloc(n->p.n_out * sizeof(float))))
            return mp__fail(MP_ENOMEM, "out of memory for a record");
    return 0;
}

void mp__net_neuron_sample_gather(struct mp_net *n, struct mp_net_sample *s)
{
    const uint64_t N = n->p.n_out;
    float *src[3], *dst[3];
    int on[3], k;
    src[0] = n->s.prime;
    src[1] = n->s.gain;
    src[2] = n->s.bias;
    dst[0] = s->priming;
    dst[1] = s->gain;
    dst[2] = s->bias;
    which(n, on);
    for (k = 0; k < 3; k++)
        if (on[k]) {
            mp__par_allgather(src[k], N, sizeof(float), N * sizeof(float));
            memcpy(dst[k], src[k], N * sizeof(float));
        }
}

void mp__net_neuron_snapshot(const struct mp_net *n,
                             struct mp_net_snapshot *s)
{
    const struct mp_net_params *p = &n->p;
    const float *src[3];
    float *dst[3];
    int on[3], k;
    src[0] = n->s.prime;
    src[1] = n->s.gain;
    src[2] = n->s.bias;
    dst[0] = s->prime;
    dst[1] = s->gain;
    dst[2] = s->bias;
    which(n, on);
    for (k = 0; k < 3; k++)
        if (on[k])
            mp__par_gather(src[k] + p->r0, dst[k], p->n_out, sizeof(float),
                           (uint64_t)p->n_out * sizeof(float));
}

int mp__net_neuron_fits(const struct mp_net *n,
                        const struct mp_net_snapshot *s)
{
    if (n->p.rule.priming && !s->prime)
        return mp__fail(MP_EINVAL, "the snapshot has no priming components "
                                   "of the threshold (bcm.priming_tau > 0 "
                                   "needs them)");
    if (n->p.rule.intrinsic && (!s->gain || !s->bias))
        return mp__fail(MP_EINVAL, "the snapshot has no gains and biases "
                                   "(intrinsic.tau > 0 needs them)");
    return 0;
}

/* Rank 0's values (s = NULL on the others) to every rank. */
void mp__net_neuron_spread(struct mp_net *n, const struct mp_net_snapshot *s)
{
    const size_t bytes = (size_t)n->p.n_out * sizeof(float);
    float *dst[3];
    const float *src[3] = {NULL, NULL, NULL};
    int on[3], k;
    dst[0] = n->s.prime;
    dst[1] = n->s.gain;
    dst[2] = n->s.bias;
    if (s) {
        src[0] = s->prime;
        src[1] = s->gain;
        src[2] = s->bias;
    }
    which(n, on);
    for (k = 0; k < 3; k++)
        if (on[k]) {
            if (mp__par_rank() == 0)
                memcpy(dst[k], src[k], bytes);
            mp__par_bcast(dst[k], bytes);
        }
}
