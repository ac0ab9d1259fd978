/* SPDX-License-Identifier: MIT */
/*
 * sim.c: the synapse-ensemble scheduler.  It owns time (the memory count),
 * asks the backend to store memories up to the next measurement, takes the
 * measurement, and accumulates the curve in a fixed order, so the result
 * does not depend on the backend or the number of threads.
 */
#include "metaplast/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/detail/backend.h"
#include "metaplast/detail/par.h"
#include "metaplast/detail/util.h"
#include "metaplast/error.h"
#include "metaplast/theory.h"

struct mp_sim {
    struct mp_config cfg;
    struct mp_ens_desc desc;
    struct mp_backend be;
    struct mp_theory th;
    uint64_t done;  /* memories stored (burn-in included) */
    uint64_t burn;  /* B: memories of the burn-in, never probed */
    uint64_t total; /* B + memories */
    size_t n_ages;
    uint64_t *ages;  /* sorted */
    int64_t *count;  /* probes per age */
    double *mean;    /* running mean of m(t) (Welford) */
    double *m2;      /* running sum of squared deviations */
    uint64_t *mus;   /* scratch: probed memories */
    int64_t *sums;   /* scratch: overlaps */
    char err[1024];
};

/* Cumulative initial distribution as 32-bit thresholds (theory order). */
static void initial_cum(const struct mp_sim *s, uint64_t *cum)
{
    uint32_t S = 2 * s->desc.depths, D = s->desc.depths, j;
    double acc = 0.0;
    for (j = 0; j < S; j++) {
        if (s->cfg.init == MP_INIT_STATIONARY) {
            acc += s->th.p_inf[j] > 0.0 ? s->th.p_inf[j] : 0.0;
            cum[j] = mp_prob_threshold(acc);
        } else { /* most plastic states, either strength with prob. 1/2 */
            cum[j] = j < D - 1 ? 0 : j == D - 1 ? (UINT64_C(1) << 31)
                                                : (UINT64_C(1) << 32);
        }
        if (j && cum[j] < cum[j - 1])
            cum[j] = cum[j - 1];
    }
    cum[S - 1] = UINT64_C(1) << 32;
}

int mp_sim_create(struct mp_sim **out, const struct mp_config *cfg,
                  char *err, size_t errlen)
{
    struct mp_sim *s;
    struct mp_syn_rule rule;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    int rc, backend = cfg->backend;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s) {
        mp__errf(err, errlen, "out of memory");
        return MP_ENOMEM;
    }
    s->cfg = *cfg;
    rc = mp_theory_compute(cfg, &s->th, err, errlen);
    if (rc)
        goto out_free;
    if (mp_syn_rule_build(&cfg->syn, &rule)) {
        mp__errf(err, errlen, "synapse.model: unknown model %d", cfg->syn.model);
        rc = MP_EINVAL;
        goto out_free;
    }

    s->burn = cfg->burn_in;
    s->total = cfg->burn_in + cfg->memories;
    s->n_ages = mp_config_ages(cfg, NULL, 0);
    s->ages = calloc(s->n_ages, sizeof *s->ages);
    s->count = calloc(s->n_ages, sizeof *s->count);
    s->mean = calloc(s->n_ages, sizeof *s->mean);
    s->m2 = calloc(s->n_ages, sizeof *s->m2);
    s->mus = calloc(s->n_ages, sizeof *s->mus);
    s->sums = calloc(s->n_ages + 1, sizeof *s->sums);
    if (!s->ages || !s->count || !s->mean || !s->m2 || !s->mus ||
        !s->sums) {
        mp__errf(err, errlen, "out of memory");
        rc = MP_ENOMEM;
        goto out_free;
    }
    mp_config_ages(cfg, s->ages, s->n_ages);

    {
        /* This process's block of tiles (all of them without MPI). */
        const uint64_t tiles = (cfg->synapses + MP_TILE - 1) / MP_TILE;
        uint64_t lo, hi;
        mp__par_range(tiles, mp__par_rank(), &lo, &hi);
        s->desc.synapses = cfg->synapses;
        s->desc.tile0 = lo;
        s->desc.padded = (hi - lo) * MP_TILE;
        s->desc.local = hi * MP_TILE < cfg->synapses
                            ? (hi - lo) * MP_TILE
                            : cfg->synapses > lo * MP_TILE
                                  ? cfg->synapses - lo * MP_TILE
                                  : 0;
    }
    s->desc.seed = cfg->seed;
    s->desc.half = cfg->f == 0.5;
    s->desc.thr_f = mp_prob_threshold(cfg->f);
    s->desc.depths = rule.depths;
    s->desc.threads = cfg->threads;
    s->desc.table = rule.table;

    s->be.err = s->err;
    s->be.errlen = sizeof s->err;
    if (backend == MP_BACKEND_AUTO)
        backend = mp__cuda_device_count() > 0 ? MP_BACKEND_CUDA
                                              : MP_BACKEND_CPU;
    if (backend == MP_BACKEND_CUDA) {
        rc = mp__cuda_backend_create(&s->be, &s->desc);
        if (rc == MP_ENOTSUP)
            mp__errf(err, errlen,
                "run.backend = cuda: this build has no CUDA support "
                "(configure with -DMP_CUDA=ON where nvcc is installed)");
        else if (rc == MP_ENODEV)
            mp__errf(err, errlen, "run.backend = cuda: no CUDA device found");
        else if (rc)
            mp__errf(err, errlen, "%s", s->err);
    } else {
        rc = mp__cpu_backend_create(&s->be, &s->desc);
        if (rc)
            mp__errf(err, errlen,
                "cannot allocate the state of %llu synapses (%.3g GB)",
                (unsigned long long)cfg->synapses,
                (double)s->desc.padded / 1e9);
    }
    if (!rc) {
        initial_cum(s, cum);
        rc = s->be.init_state(&s->be, cum);
        if (rc)
            mp__errf(err, errlen, "%s", s->err);
    }
    if (mp__par_size() > 1) {
        /* Every rank goes on, or none: the others would wait forever. */
        int64_t worst = -rc; /* MP_E* are negative */
        mp__par_max_i64(&worst, 1);
        if (worst && !rc) {
            rc = (int)-worst;
            mp__errf(err, errlen, "another MPI rank failed to start (%s)",
                     mp_strerror(rc));
        } else if (rc) {
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s", err ? err : "");
            mp__errf(err, errlen, "MPI rank %d: %s", mp__par_rank(), tmp);
        }
    }
    if (rc)
        goto out_free;
    *out = s;
    return 0;

out_free:
    mp_sim_destroy(s);
    return rc;
}

void mp_sim_destroy(struct mp_sim *s)
{
    if (!s)
        return;
    if (s->be.destroy)
        s->be.destroy(&s->be);
    free(s->ages);
    free(s->count);
    free(s->mean);
    free(s->m2);
    free(s->mus);
    free(s->sums);
    free(s);
}

const char *mp_sim_errmsg(const struct mp_sim *s)
{
    return s->err;
}

const char *mp_sim_backend(const struct mp_sim *s)
{
    return s->be.name;
}

const char *mp_sim_device(const struct mp_sim *s)
{
    return s->be.device;
}

uint64_t mp_sim_done(const struct mp_sim *s)
{
    return s->done;
}

uint64_t mp_sim_total(const struct mp_sim *s)
{
    return s->total;
}

/* At count c, memory mu = c - 1 - t has age t; only memories stored after
 * the burn-in (mu >= B) are probed. */
static int measure(struct mp_sim *s)
{
    const uint64_t c = s->done;
    const double N = (double)s->cfg.synapses;
    const double chance = 2.0 * s->cfg.f - 1.0;
    size_t k, n = 0;
    int rc;

    while (n < s->n_ages && s->ages[n] + 1 + s->burn <= c) {
        s->mus[n] = c - 1 - s->ages[n];
        n++;
    }
    if (n == 0)
        return 0;
    rc = s->be.measure(&s->be, s->mus, n, s->sums);
    if (rc)
        return rc;
    /* Exact integer sums over the ranks' blocks: any split, same sums. */
    mp__par_sum_i64(s->sums, n + 1);
    for (k = 0; k < n; k++) {
        /* m = (1/N) sum xi w, minus the chance level (2f-1) mean(w). */
        double m = ((double)s->sums[k] - chance * (double)s->sums[n]) / N;
        double delta = m - s->mean[k];
        s->count[k]++;
        s->mean[k] += delta / (double)s->count[k];
        s->m2[k] += delta * (m - s->mean[k]);
    }
    return 0;
}

int mp_sim_advance(struct mp_sim *s, uint64_t memories)
{
    uint64_t target = s->done + memories;
    const uint64_t every = s->cfg.every;
    int rc;

    if (target > s->total || target < s->done)
        target = s->total;
    while (s->done < target) {
        /* The next measurement count: B + k * every, k >= 1. */
        uint64_t next = s->done < s->burn
                            ? s->burn + every
                            : s->burn + ((s->done - s->burn) / every + 1) *
                                            every;
        if (next > target)
            next = target;
        if (mp__fault("device")) { /* test hook (docs/RELIABILITY.md) */
            mp__errf(s->err, sizeof s->err,
                     "device error in advance (injected by MP_FAULT; %s "
                     "backend)",
                     s->be.name);
            return MP_ECUDA;
        }
        rc = s->be.advance(&s->be, s->done, next - s->done);
        if (rc)
            return rc;
        s->done = next;
        if (s->done > s->burn && (s->done - s->burn) % every == 0) {
            rc = measure(s);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int mp_sim_curve(const struct mp_sim *s, struct mp_curve *c)
{
    const double scale = sqrt((double)s->cfg.synapses) / s->th.noise;
    size_t k, n = s->n_ages;

    memset(c, 0, sizeof *c);
    c->n = n;
    c->age = calloc(n, sizeof *c->age);
    c->signal = calloc(n, sizeof *c->signal);
    c->signal_sem = calloc(n, sizeof *c->signal_sem);
    c->snr = calloc(n, sizeof *c->snr);
    c->snr_sem = calloc(n, sizeof *c->snr_sem);
    c->probes = calloc(n, sizeof *c->probes);
    if (!c->age || !c->signal || !c->signal_sem || !c->snr ||
        !c->snr_sem || !c->probes) {
        mp_curve_fini(c);
        return MP_ENOMEM;
    }
    c->noise = s->th.noise;
    c->lifetime = -1.0;
    c->done = s->done;
    c->total = s->total;
    for (k = 0; k < n; k++) {
        int64_t p = s->count[k];
        c->age[k] = s->ages[k];
        c->probes[k] = p;
        c->signal[k] = p ? s->mean[k] : NAN;
        c->signal_sem[k] =
            p > 1 ? sqrt(s->m2[k] / (double)(p - 1) / (double)p) : NAN;
        c->snr[k] = c->signal[k] * scale;
        c->snr_sem[k] = c->signal_sem[k] * scale;
        if (p && c->snr[k] >= 1.0)
            c->lifetime = (double)s->ages[k];
    }
    return 0;
}

void mp_curve_fini(struct mp_curve *c)
{
    free(c->age);
    free(c->signal);
    free(c->signal_sem);
    free(c->snr);
    free(c->snr_sem);
    free(c->probes);
    memset(c, 0, sizeof *c);
}

/* This rank's state bytes, gathered into rank 0's `all` (N bytes). */
static int gather_state(struct mp_sim *s, uint8_t *all)
{
    uint8_t *mine = all;
    int rc;
    if (mp__par_size() == 1)
        return s->be.get_state(&s->be, all);
    mine = malloc(s->desc.local ? s->desc.local : 1);
    if (!mine) {
        mp__errf(s->err, sizeof s->err, "out of memory");
        mp__par_abort(3);
    }
    rc = s->be.get_state(&s->be, mine);
    if (rc) { /* a device error: the others wait in the gather */
        fprintf(stderr, "metaplast: MPI rank %d: %s\n", mp__par_rank(),
                s->err);
        mp__par_abort(3);
    }
    mp__par_gather(mine, all, (s->cfg.synapses + MP_TILE - 1) / MP_TILE,
                   MP_TILE, s->cfg.synapses);
    free(mine);
    return 0;
}

int mp_sim_state(struct mp_sim *s, uint8_t *out)
{
    return gather_state(s, out);
}

int mp_snapshot_alloc(struct mp_sim_snapshot *s, uint64_t synapses,
                      size_t n_ages)
{
    memset(s, 0, sizeof *s);
    s->synapses = synapses;
    s->n_ages = n_ages;
    s->ages = calloc(n_ages ? n_ages : 1, sizeof *s->ages);
    s->count = calloc(n_ages ? n_ages : 1, sizeof *s->count);
    s->mean = calloc(n_ages ? n_ages : 1, sizeof *s->mean);
    s->m2 = calloc(n_ages ? n_ages : 1, sizeof *s->m2);
    s->state = malloc(synapses ? synapses : 1);
    if (!s->ages || !s->count || !s->mean || !s->m2 || !s->state) {
        mp_snapshot_fini(s);
        return MP_ENOMEM;
    }
    return 0;
}

void mp_snapshot_fini(struct mp_sim_snapshot *s)
{
    free(s->ages);
    free(s->count);
    free(s->mean);
    free(s->m2);
    free(s->state);
    memset(s, 0, sizeof *s);
}

int mp_sim_snapshot(struct mp_sim *sim, struct mp_sim_snapshot *out)
{
    /* The state goes to rank 0 only. */
    int rc = mp_snapshot_alloc(out, mp__par_rank() ? 0 : sim->cfg.synapses,
                               sim->n_ages);
    if (rc) {
        mp__errf(sim->err, sizeof sim->err, "out of memory");
        if (mp__par_size() > 1)
            mp__par_abort(3);
        return rc;
    }
    out->synapses = sim->cfg.synapses;
    out->done = sim->done;
    memcpy(out->ages, sim->ages, sim->n_ages * sizeof *out->ages);
    memcpy(out->count, sim->count, sim->n_ages * sizeof *out->count);
    memcpy(out->mean, sim->mean, sim->n_ages * sizeof *out->mean);
    memcpy(out->m2, sim->m2, sim->n_ages * sizeof *out->m2);
    rc = gather_state(sim, out->state);
    if (rc)
        mp_snapshot_fini(out);
    return rc;
}

int mp_sim_restore(struct mp_sim *sim, const struct mp_sim_snapshot *s)
{
    int64_t rc = 0;
    uint8_t *mine;
    if (mp__par_rank() == 0) {
        if (s->synapses != sim->cfg.synapses || s->n_ages != sim->n_ages ||
            memcmp(s->ages, sim->ages, s->n_ages * sizeof *s->ages) != 0) {
            mp__errf(sim->err, sizeof sim->err,
                     "the snapshot's synapses or measurement ages differ "
                     "from the configuration's");
            rc = MP_EINVAL;
        } else if (s->done > sim->total) {
            mp__errf(sim->err, sizeof sim->err,
                     "the snapshot is at memory %llu, past the run's end "
                     "(%llu)",
                     (unsigned long long)s->done,
                     (unsigned long long)sim->total);
            rc = MP_EINVAL;
        } else {
            sim->done = s->done;
            memcpy(sim->count, s->count, s->n_ages * sizeof *s->count);
            memcpy(sim->mean, s->mean, s->n_ages * sizeof *s->mean);
            memcpy(sim->m2, s->m2, s->n_ages * sizeof *s->m2);
        }
    }
    if (mp__par_size() == 1)
        return rc ? (int)rc : sim->be.set_state(&sim->be, s->state);
    /* Rank 0 read the file: its verdict, accumulators and state blocks
     * go to the others (which may pass s = NULL). */
    mp__par_bcast(&rc, sizeof rc);
    if (rc) {
        if (mp__par_rank())
            mp__errf(sim->err, sizeof sim->err, "rank 0 refused the "
                                                "snapshot");
        return (int)rc;
    }
    mp__par_bcast(&sim->done, sizeof sim->done);
    mp__par_bcast(sim->count, sim->n_ages * sizeof *sim->count);
    mp__par_bcast(sim->mean, sim->n_ages * sizeof *sim->mean);
    mp__par_bcast(sim->m2, sim->n_ages * sizeof *sim->m2);
    mine = malloc(sim->desc.local ? sim->desc.local : 1);
    if (!mine) {
        fprintf(stderr, "metaplast: MPI rank %d: out of memory\n",
                mp__par_rank());
        mp__par_abort(3);
    }
    mp__par_scatter(mp__par_rank() ? NULL : s->state, mine,
                    (sim->cfg.synapses + MP_TILE - 1) / MP_TILE, MP_TILE,
                    sim->cfg.synapses);
    rc = sim->be.set_state(&sim->be, mine);
    free(mine);
    return (int)rc;
}
