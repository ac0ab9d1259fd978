/* SPDX-License-Identifier: MIT */
/*
 * attr_snap.c: what an attractor network reports and keeps — its
 * retrieval curve with the capacity, its state bytes, snapshots and their
 * restoration (gathered to rank 0, scattered from it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attr_internal.h"
#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

static int curve_alloc(struct mp_attr_curve *c, size_t n)
{
    const size_t m = n ? n : 1;
    memset(c, 0, sizeof *c);
    c->n = n;
    c->age = calloc(m, sizeof *c->age);
    c->probes = calloc(m, sizeof *c->probes);
    c->overlap = calloc(m, sizeof *c->overlap);
    c->overlap_sem = calloc(m, sizeof *c->overlap_sem);
    c->retrieved = calloc(m, sizeof *c->retrieved);
    c->retrieved_sem = calloc(m, sizeof *c->retrieved_sem);
    c->converged = calloc(m, sizeof *c->converged);
    c->steps = calloc(m, sizeof *c->steps);
    c->signal_theory = calloc(m, sizeof *c->signal_theory);
    c->snr_theory = calloc(m, sizeof *c->snr_theory);
    c->overlap_theory = calloc(m, sizeof *c->overlap_theory);
    if (!c->age || !c->probes || !c->overlap || !c->overlap_sem ||
        !c->retrieved || !c->retrieved_sem || !c->converged || !c->steps ||
        !c->signal_theory || !c->snr_theory || !c->overlap_theory) {
        mp_attr_curve_fini(c);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    return 0;
}

/* The capacity: the largest grid age retrieved with probability >= 1/2
 * there and at every younger age; and the age where the fraction,
 * interpolated linearly, crosses 1/2 after it. */
static void capacity(struct mp_attr_curve *c)
{
    size_t k;
    c->capacity = c->capacity_interp = -1.0;
    for (k = 0; k < c->n && c->probes[k] && c->retrieved[k] >= 0.5; k++)
        c->capacity = c->capacity_interp = (double)c->age[k];
    if (k > 0 && k < c->n && c->probes[k]) {
        const double p0 = c->retrieved[k - 1], p1 = c->retrieved[k];
        c->capacity_interp = (double)c->age[k - 1] +
                             (p0 - 0.5) / (p0 - p1) *
                                 (double)(c->age[k] - c->age[k - 1]);
    }
}

int mp_attr_curve(const struct mp_attr *e, struct mp_attr_curve *c)
{
    size_t k;
    int rc = curve_alloc(c, e->n_ages);
    if (rc)
        return rc;
    for (k = 0; k < e->n_ages; k++) {
        const int64_t p = e->count[k];
        const double fr = p ? (double)e->retrieved[k] / (double)p : NAN;
        c->age[k] = e->ages[k];
        c->probes[k] = p;
        c->overlap[k] = p ? e->mean[k] : NAN;
        c->overlap_sem[k] =
            p > 1 ? sqrt(e->m2[k] / (double)(p - 1) / (double)p) : NAN;
        c->retrieved[k] = fr;
        c->retrieved_sem[k] = p ? sqrt(fr * (1.0 - fr) / (double)p) : NAN;
        c->converged[k] = p ? (double)e->converged[k] / (double)p : NAN;
        c->steps[k] = p ? (double)e->steps[k] / (double)p : NAN;
        c->signal_theory[k] = e->sig_th[k];
        c->snr_theory[k] = e->snr_th[k];
        c->overlap_theory[k] = e->ov_th[k];
    }
    capacity(c);
    c->capacity_theory = e->cap_th;
    c->lifetime_ideal = e->life_io;
    c->done = e->done;
    c->total = e->total;
    return 0;
}

void mp_attr_curve_fini(struct mp_attr_curve *c)
{
    free(c->age);
    free(c->probes);
    free(c->overlap);
    free(c->overlap_sem);
    free(c->retrieved);
    free(c->retrieved_sem);
    free(c->converged);
    free(c->steps);
    free(c->signal_theory);
    free(c->snr_theory);
    free(c->overlap_theory);
    memset(c, 0, sizeof *c);
}

/* Every rank's rows gathered into rank 0's `all` (N x N bytes; N x K
 * with fan-in). */
int mp_attr_state(struct mp_attr *e, uint8_t *all)
{
    const uint64_t N = mp_attr_width(&e->desc.rule);
    uint8_t *mine;
    int rc;
    if (mp__par_size() == 1)
        return e->be.get_state(&e->be, all);
    mine = malloc((size_t)e->desc.rows * N + 1);
    rc = mine ? e->be.get_state(&e->be, mine)
              : mp__fail(MP_ENOMEM, "out of memory");
    rc = mp__par_agree(rc);
    if (!rc)
        mp__par_gather(mine, all, e->cfg.attr.neurons, N,
                       e->cfg.attr.neurons * N);
    free(mine);
    return rc;
}

int mp_attr_snapshot_alloc(struct mp_attr_snapshot *s, uint32_t neurons,
                           size_t n_ages)
{
    return mp_attr_snapshot_alloc_fan(s, neurons, 0, n_ages);
}

int mp_attr_snapshot_alloc_fan(struct mp_attr_snapshot *s, uint32_t neurons,
                               uint32_t fan_in, size_t n_ages)
{
    const size_t m = n_ages ? n_ages : 1;
    const size_t width = fan_in ? fan_in : neurons;
    memset(s, 0, sizeof *s);
    s->neurons = neurons;
    s->fan_in = fan_in;
    s->n_ages = n_ages;
    s->ages = calloc(m, sizeof *s->ages);
    s->count = calloc(m, sizeof *s->count);
    s->mean = calloc(m, sizeof *s->mean);
    s->m2 = calloc(m, sizeof *s->m2);
    s->retrieved = calloc(m, sizeof *s->retrieved);
    s->converged = calloc(m, sizeof *s->converged);
    s->steps = calloc(m, sizeof *s->steps);
    s->state = malloc(neurons ? (size_t)neurons * width : 1);
    s->pre = fan_in ? malloc((size_t)neurons * fan_in * sizeof *s->pre + 1)
                    : NULL;
    if (!s->ages || !s->count || !s->mean || !s->m2 || !s->retrieved ||
        !s->converged || !s->steps || !s->state || (fan_in && !s->pre)) {
        mp_attr_snapshot_fini(s);
        return mp__fail(MP_ENOMEM,
                        "out of memory for a snapshot of %u neurons",
                        neurons);
    }
    return 0;
}

void mp_attr_snapshot_fini(struct mp_attr_snapshot *s)
{
    free(s->ages);
    free(s->count);
    free(s->mean);
    free(s->m2);
    free(s->retrieved);
    free(s->converged);
    free(s->steps);
    free(s->state);
    free(s->pre);
    memset(s, 0, sizeof *s);
}

/* Rank 0's `pre` of a snapshot: the generator's connectivity. */
static void connectivity(const struct mp_attr *e, int32_t *pre)
{
    const struct mp_attr_rules *R = &e->desc.rule;
    uint64_t i, k;
    for (i = 0; i < R->neurons; i++) {
        const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
        for (k = 0; k < R->fan_in; k++)
            pre[i * R->fan_in + k] = (int32_t)mp_attr_pre(&pm, (uint32_t)k);
    }
}

/* The accumulators, one direction or the other. */
static void copy_stats(int64_t *cnt[2], double *mom[2], int64_t *ret[2],
                       int64_t *conv[2], int64_t *st[2], size_t n, int from)
{
    const int to = !from;
    memcpy(cnt[to], cnt[from], n * sizeof *cnt[0]);
    memcpy(mom[2 * to], mom[2 * from], n * sizeof(double));
    memcpy(mom[2 * to + 1], mom[2 * from + 1], n * sizeof(double));
    memcpy(ret[to], ret[from], n * sizeof *ret[0]);
    memcpy(conv[to], conv[from], n * sizeof *conv[0]);
    memcpy(st[to], st[from], n * sizeof *st[0]);
}

/* Index 0: the network's accumulators; 1: the snapshot's. */
static void stats(struct mp_attr *e, struct mp_attr_snapshot *s, int from)
{
    int64_t *cnt[2] = {e->count, s->count}, *ret[2] = {e->retrieved,
                                                        s->retrieved};
    int64_t *conv[2] = {e->converged, s->converged}, *st[2] = {e->steps,
                                                              s->steps};
    double *mom[4] = {e->mean, e->m2, s->mean, s->m2};
    copy_stats(cnt, mom, ret, conv, st, e->n_ages, from);
}

int mp_attr_snapshot(struct mp_attr *e, struct mp_attr_snapshot *out)
{
    int rc = mp__par_agree(mp_attr_snapshot_alloc_fan(
        out, mp__par_rank() ? 0 : e->cfg.attr.neurons, e->cfg.attr.fan_in,
        e->n_ages));
    if (rc) {
        mp_attr_snapshot_fini(out);
        return rc;
    }
    out->neurons = e->cfg.attr.neurons;
    if (out->pre && mp__par_rank() == 0)
        connectivity(e, out->pre);
    out->done = e->done;
    memcpy(out->ages, e->ages, e->n_ages * sizeof *out->ages);
    stats(e, out, 0);
    rc = mp_attr_state(e, out->state);
    if (rc)
        mp_attr_snapshot_fini(out);
    return rc;
}

/* A snapshot's connectivity must be this network's: the generator's for
 * its seed, N and K. */
static int check_connectivity(const struct mp_attr *e, const int32_t *pre)
{
    const struct mp_attr_rules *R = &e->desc.rule;
    uint64_t i, k;
    for (i = 0; i < R->neurons; i++) {
        const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
        for (k = 0; k < R->fan_in; k++)
            if (pre[i * R->fan_in + k] !=
                (int32_t)mp_attr_pre(&pm, (uint32_t)k))
                return mp__fail(MP_EINVAL,
                                "the snapshot's connectivity differs from "
                                "the network's: presynaptic(%llu, %llu) = "
                                "%d, the generator gives %u for run.seed, "
                                "attractor.neurons and attractor.fan_in",
                                (unsigned long long)i,
                                (unsigned long long)k,
                                (int)pre[i * R->fan_in + k],
                                mp_attr_pre(&pm, (uint32_t)k));
    }
    return 0;
}

/* Rank 0's check that a snapshot fits, and its accumulators taken. */
static int take_snapshot(struct mp_attr *e, const struct mp_attr_snapshot *s)
{
    if (s->neurons != e->cfg.attr.neurons || s->n_ages != e->n_ages ||
        memcmp(s->ages, e->ages, s->n_ages * sizeof *s->ages) != 0)
        return mp__fail(MP_EINVAL,
                        "the snapshot's neurons or measurement ages differ "
                        "from the configuration's");
    if (s->fan_in != e->cfg.attr.fan_in)
        return mp__fail(MP_EINVAL,
                        "the snapshot's fan-in (%u) differs from the "
                        "configuration's attractor.fan_in (%u)",
                        s->fan_in, e->cfg.attr.fan_in);
    if (s->fan_in && s->pre) {
        const int rc = check_connectivity(e, s->pre);
        if (rc)
            return rc;
    }
    if (s->done > e->total)
        return mp__fail(MP_EINVAL,
                        "the snapshot is at memory %llu, past the run's "
                        "end (%llu)",
                        (unsigned long long)s->done,
                        (unsigned long long)e->total);
    e->done = s->done;
    stats(e, (struct mp_attr_snapshot *)s, 1);
    return 0;
}

static void bcast_stats(struct mp_attr *e)
{
    const size_t n = e->n_ages;
    mp__par_bcast(&e->done, sizeof e->done);
    mp__par_bcast(e->count, n * sizeof *e->count);
    mp__par_bcast(e->mean, n * sizeof *e->mean);
    mp__par_bcast(e->m2, n * sizeof *e->m2);
    mp__par_bcast(e->retrieved, n * sizeof *e->retrieved);
    mp__par_bcast(e->converged, n * sizeof *e->converged);
    mp__par_bcast(e->steps, n * sizeof *e->steps);
}

int mp_attr_restore(struct mp_attr *e, const struct mp_attr_snapshot *s)
{
    const uint64_t N = mp_attr_width(&e->desc.rule),
                   rows = e->cfg.attr.neurons;
    uint8_t *mine;
    int rc = mp__par_rank() == 0 ? take_snapshot(e, s) : 0;
    if (mp__par_size() == 1)
        return rc ? rc : e->be.set_state(&e->be, s->state);
    rc = mp__par_agree(rc);
    if (rc)
        return rc;
    bcast_stats(e);
    mine = malloc((size_t)e->desc.rows * N + 1);
    rc = mp__par_agree(mine ? 0 : mp__fail(MP_ENOMEM, "out of memory"));
    if (!rc) {
        mp__par_scatter(mp__par_rank() ? NULL : s->state, mine, rows, N,
                        rows * N);
        rc = mp__par_agree(e->be.set_state(&e->be, mine));
    }
    free(mine);
    return rc;
}
