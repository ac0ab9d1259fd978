/* SPDX-License-Identifier: MIT */
/*
 * ens_bf.c: the ensemble scheduler's part of a Benna-Fusi chain that
 * spans ranks: a measurement's sums, combined in the one order fsum.h
 * fixes (so any split of the tiles over ranks, threads or backends gives
 * the same bits), and the variables gathered to and scattered from
 * rank 0 for snapshots.
 */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

/* A rank's nodes as bytes: count, levels, indices, then the values. */
static size_t record_bytes(size_t nv)
{
    return 8 * (1 + 2 * (size_t)MP_FSUM_MAX + (size_t)MP_FSUM_MAX * nv);
}

static void pack(const struct mp_fsum *s, uint64_t *rec)
{
    size_t k;
    rec[0] = s->n;
    for (k = 0; k < s->n; k++) {
        rec[1 + k] = s->level[k];
        rec[1 + MP_FSUM_MAX + k] = s->index[k];
    }
    memcpy(rec + 1 + 2 * MP_FSUM_MAX, s->v, s->n * s->nv * sizeof(double));
}

/* Rank 0: every rank's nodes in rank order, then the total. */
static int merge(const uint64_t *all, size_t nv, double *buf, double *sums)
{
    const size_t words = record_bytes(nv) / 8;
    struct mp_fsum g;
    int r;
    size_t k;
    mp_fsum_init(&g, buf, nv, MP_FSUM_MAX);
    for (r = 0; r < mp__par_size(); r++) {
        const uint64_t *rec = all + (size_t)r * words;
        const double *v = (const double *)(rec + 1 + 2 * MP_FSUM_MAX);
        for (k = 0; k < rec[0] && k < MP_FSUM_MAX; k++)
            if (mp_fsum_push(&g, (uint32_t)rec[1 + k], rec[1 + MP_FSUM_MAX + k],
                             v + k * nv))
                return mp__fail(MP_EINVAL, "measurement: more tree "
                                           "nodes than the sum holds");
    }
    mp_fsum_total(&g, sums);
    return 0;
}

int mp__ens_bf_sums(struct mp_ens_backend *be, const uint64_t *mus, size_t n,
                    double *sums)
{
    const size_t nv = n + 1, R = (size_t)mp__par_size();
    double *buf = malloc(MP_FSUM_MAX * nv * sizeof *buf);
    uint64_t *rec = R > 1 ? malloc(record_bytes(nv)) : NULL;
    uint64_t *all =
        R > 1 && mp__par_rank() == 0 ? malloc(R * record_bytes(nv)) : NULL;
    struct mp_fsum mine;
    int rc = !buf || (R > 1 && !rec) || (R > 1 && !mp__par_rank() && !all)
                 ? mp__fail(MP_ENOMEM, "out of memory")
                 : 0;
    if (!rc) {
        mp_fsum_init(&mine, buf, nv, MP_FSUM_MAX);
        rc = be->measure_bf(be, mus, n, &mine);
    }
    rc = mp__par_agree(rc);
    if (!rc && R == 1)
        mp_fsum_total(&mine, sums);
    if (!rc && R > 1) {
        pack(&mine, rec);
        mp__par_gather(rec, all, R, record_bytes(nv), R * record_bytes(nv));
        if (mp__par_rank() == 0)
            rc = merge(all, nv, buf, sums);
        rc = mp__par_agree(rc);
        if (!rc)
            mp__par_bcast(sums, nv * sizeof *sums);
    }
    free(buf);
    free(rec);
    free(all);
    return rc;
}

/* The block of variable k (of m) in an array of `len` values a variable. */
static float *var(float *a, uint32_t k, uint64_t len)
{
    return a ? a + (size_t)k * len : NULL;
}

int mp__ens_bf_gather(struct mp_ens_backend *be, const struct mp_ens_desc *d,
                      float *all)
{
    const uint64_t tiles = (d->synapses + MP_TILE - 1) / MP_TILE;
    float *mine;
    uint32_t k;
    int rc;
    if (mp__par_size() == 1)
        return be->get_values(be, all);
    mine = malloc((d->local ? d->local : 1) * d->bf.m * sizeof *mine);
    rc = mine ? be->get_values(be, mine) : mp__fail(MP_ENOMEM, "out of memory");
    /* A failure on one rank: none enters the gathers. */
    rc = mp__par_agree(rc);
    for (k = 0; !rc && k < d->bf.m; k++)
        mp__par_gather(var(mine, k, d->local), var(all, k, d->synapses), tiles,
                       MP_TILE * sizeof *mine, d->synapses * sizeof *mine);
    free(mine);
    return rc;
}

int mp__ens_bf_scatter(struct mp_ens_backend *be, const struct mp_ens_desc *d,
                       const float *all)
{
    const uint64_t tiles = (d->synapses + MP_TILE - 1) / MP_TILE;
    float *mine;
    uint32_t k;
    int rc;
    if (mp__par_size() == 1)
        return be->set_values(be, all);
    mine = malloc((d->local ? d->local : 1) * d->bf.m * sizeof *mine);
    rc = mp__par_agree(mine ? 0 : mp__fail(MP_ENOMEM, "out of memory"));
    for (k = 0; !rc && k < d->bf.m; k++)
        mp__par_scatter(var((float *)(uintptr_t)all, k, d->synapses),
                        var(mine, k, d->local), tiles, MP_TILE * sizeof *mine,
                        d->synapses * sizeof *mine);
    if (!rc)
        rc = mp__par_agree(be->set_values(be, mine));
    free(mine);
    return rc;
}
