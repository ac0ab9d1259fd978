/* SPDX-License-Identifier: MIT */
/*
 * ens.c: the synapse-ensemble scheduler.  It owns time (the memory count),
 * asks the backend to store memories up to the next measurement, takes the
 * measurement, and accumulates the curve in a fixed order, so the result
 * does not depend on the backend, the number of threads or of ranks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/bf.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "metaplast/theory.h"

struct mp_ens {
    struct mp_config cfg;
    struct mp_ens_desc desc;
    struct mp_ens_backend be;
    struct mp_theory th;
    char note[512];  /* why this backend */
    uint64_t done;   /* memories stored (burn-in included) */
    uint64_t burn;   /* B: memories of the burn-in, never probed */
    uint64_t total;  /* B + memories */
    size_t n_ages;
    uint64_t *ages;  /* sorted */
    int64_t *count;  /* probes per age */
    double *mean;    /* running mean of m(t) (Welford) */
    double *m2;      /* running sum of squared deviations */
    uint64_t *mus;   /* scratch: probed memories */
    int64_t *sums;   /* scratch: overlaps */
    double *dsums;   /* scratch: overlaps as doubles (a chain's, or the
                        integers converted) */
    uint32_t n_states; /* a discrete model's states (0: a chain) */
    uint8_t state_byte[2 * MP_SYN_MAX_DEPTH]; /* their bytes, in order */
    size_t n_occ, cap_occ; /* occupancy counts taken (record.states) */
    uint64_t *occ_at;      /* memories stored when each was taken */
    int64_t *occ;          /* n_occ x n_states synapses per state */
};

/* This process's block of tiles (all of them without MPI). */
static void describe(struct mp_ens *e, const struct mp_syn_rule *rule)
{
    const struct mp_config *cfg = &e->cfg;
    const uint64_t tiles = (cfg->synapses + MP_TILE - 1) / MP_TILE;
    uint64_t lo, hi;
    mp__par_range(tiles, mp__par_rank(), &lo, &hi);
    e->desc.synapses = cfg->synapses;
    e->desc.tile0 = lo;
    e->desc.padded = (hi - lo) * MP_TILE;
    e->desc.local = hi * MP_TILE < cfg->synapses ? (hi - lo) * MP_TILE
                    : cfg->synapses > lo * MP_TILE
                        ? cfg->synapses - lo * MP_TILE
                        : 0;
    e->desc.seed = cfg->seed;
    e->desc.half = cfg->f == 0.5;
    e->desc.thr_f = mp_prob_threshold(cfg->f);
    e->desc.depths = rule->depths;
    e->desc.threads = cfg->threads;
    e->desc.table = rule->table;
}

static int ens_cuda(void *e)
{
    return mp__ens_cuda_create(&((struct mp_ens *)e)->be,
                               &((struct mp_ens *)e)->desc);
}

static int ens_cpu(void *e)
{
    return mp__ens_cpu_create(&((struct mp_ens *)e)->be,
                              &((struct mp_ens *)e)->desc);
}

/* The backend (one policy: mp__backend_start), with its initial state. */
static int start_backend(struct mp_ens *e, const struct mp_syn_rule *rule)
{
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    int rc = mp__backend_start(e->cfg.backend, NULL, e->note,
                               sizeof e->note, ens_cuda, ens_cpu, e);
    if (rc)
        return rc;
    if (e->desc.bf.m) /* a chain draws from its rule */
        return e->be.init_state(&e->be, NULL);
    mp_syn_rule_cum(rule,
                    e->cfg.init == MP_INIT_STATIONARY ? e->th.p_inf : NULL,
                    cum);
    return e->be.init_state(&e->be, cum);
}

static int alloc_ages(struct mp_ens *e)
{
    e->n_ages = mp_config_ages(&e->cfg, NULL, 0);
    e->ages = calloc(e->n_ages, sizeof *e->ages);
    e->count = calloc(e->n_ages, sizeof *e->count);
    e->mean = calloc(e->n_ages, sizeof *e->mean);
    e->m2 = calloc(e->n_ages, sizeof *e->m2);
    e->mus = calloc(e->n_ages, sizeof *e->mus);
    e->sums = calloc(e->n_ages + 1, sizeof *e->sums);
    e->dsums = calloc(e->n_ages + 1, sizeof *e->dsums);
    if (!e->ages || !e->count || !e->mean || !e->m2 || !e->mus ||
        !e->sums || !e->dsums)
        return mp__fail(MP_ENOMEM, "out of memory");
    mp_config_ages(&e->cfg, e->ages, e->n_ages);
    return 0;
}

int mp_ens_create(struct mp_ens **out, const struct mp_config *cfg)
{
    struct mp_ens *e;
    struct mp_syn_rule *rule = malloc(sizeof *rule); /* 45 KiB */
    int rc;

    *out = NULL;
    e = rule ? calloc(1, sizeof *e) : NULL;
    if (!e) {
        free(rule);
        return mp__par_agree(mp__fail(MP_ENOMEM, "out of memory"));
    }
    e->cfg = *cfg;
    e->burn = cfg->burn_in;
    e->total = cfg->burn_in + cfg->memories;
    rc = mp_theory_compute(cfg, &e->th);
    if (cfg->syn.model == MP_SYN_BENNA_FUSI) {
        memset(rule, 0, sizeof *rule); /* no table: the chain's rule */
        if (!rc)
            rc = mp__bf_rule_build(cfg, &e->desc.bf);
    } else if (!rc && mp_syn_rule_build(&cfg->syn, rule)) {
        rc = mp__fail(MP_EINVAL, "synapse.model: unknown model %d",
                      cfg->syn.model);
    } else if (!rc) {
        e->n_states = rule->nstates;
        memcpy(e->state_byte, rule->byte_of, rule->nstates);
    }
    if (!rc)
        rc = alloc_ages(e);
    if (!rc) {
        describe(e, rule);
        rc = start_backend(e, rule);
    }
    free(rule);
    /* Every rank goes on, or none: the others would wait forever. */
    rc = mp__par_agree(rc);
    if (rc) {
        mp_ens_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}

void mp_ens_destroy(struct mp_ens *e)
{
    if (!e)
        return;
    if (e->be.destroy)
        e->be.destroy(&e->be);
    free(e->ages);
    free(e->count);
    free(e->mean);
    free(e->m2);
    free(e->mus);
    free(e->sums);
    free(e->dsums);
    free(e->occ_at);
    free(e->occ);
    free(e);
}

const char *mp_ens_backend(const struct mp_ens *e)
{
    return e->be.name;
}

const char *mp_ens_device(const struct mp_ens *e)
{
    return e->be.device;
}

const char *mp_ens_backend_note(const struct mp_ens *e)
{
    return e->note;
}

uint64_t mp_ens_done(const struct mp_ens *e)
{
    return e->done;
}

uint64_t mp_ens_total(const struct mp_ens *e)
{
    return e->total;
}

/* At count c, memory mu = c - 1 - t has age t; only memories stored after
 * the burn-in (mu >= B) are probed. */
static int measure(struct mp_ens *e)
{
    const uint64_t c = e->done;
    const double N = (double)e->cfg.synapses;
    const double chance = 2.0 * e->cfg.f - 1.0;
    size_t k, n = 0;
    int rc;

    while (n < e->n_ages && e->ages[n] + 1 + e->burn <= c) {
        e->mus[n] = c - 1 - e->ages[n];
        n++;
    }
    if (n == 0)
        return 0;
    if (e->desc.bf.m) {
        /* A chain's sums in the fixed order of fsum.h, every rank. */
        rc = mp__ens_bf_sums(&e->be, e->mus, n, e->dsums);
        if (rc)
            return rc;
    } else {
        rc = mp__par_agree(e->be.measure(&e->be, e->mus, n, e->sums));
        if (rc)
            return rc;
        /* Exact integer sums over the ranks' blocks: any split, same
         * sums. */
        mp__par_sum_i64(e->sums, n + 1);
        for (k = 0; k <= n; k++)
            e->dsums[k] = (double)e->sums[k];
    }
    for (k = 0; k < n; k++) {
        /* m = (1/N) sum xi w, minus the chance level (2f-1) mean(w). */
        double m = (e->dsums[k] - chance * e->dsums[n]) / N;
        double delta = m - e->mean[k];
        e->count[k]++;
        e->mean[k] += delta / (double)e->count[k];
        e->m2[k] += delta * (m - e->mean[k]);
    }
    return 0;
}

uint32_t mp_ens_states(const struct mp_ens *e, uint8_t *bytes)
{
    if (bytes)
        memcpy(bytes, e->state_byte, e->n_states);
    return e->n_states;
}

int mp_ens_occupancy(struct mp_ens *e, int64_t *counts)
{
    int64_t hist[MP_STATE_BYTES];
    int rc;
    if (e->desc.bf.m)
        return mp__fail(MP_EINVAL, "a Benna-Fusi chain has no discrete "
                                   "states to count");
    rc = mp__par_agree(e->be.count_states(&e->be, hist));
    if (rc)
        return rc;
    /* Exact integer counts over the ranks' blocks. */
    mp__par_sum_i64(hist, MP_STATE_BYTES);
    mp__state_counts(hist, e->state_byte, e->n_states, counts);
    return 0;
}

/* Room for n occupancy counts (collective: every rank or none). */
static int occ_reserve(struct mp_ens *e, size_t n)
{
    size_t cap = e->cap_occ ? e->cap_occ : 64;
    uint64_t *at;
    int64_t *occ;
    if (n <= e->cap_occ)
        return mp__par_agree(0);
    while (cap < n)
        cap *= 2;
    at = realloc(e->occ_at, cap * sizeof *at);
    if (at)
        e->occ_at = at;
    occ = at ? realloc(e->occ, cap * e->n_states * sizeof *occ) : NULL;
    if (occ) {
        e->occ = occ;
        e->cap_occ = cap;
    }
    return mp__par_agree(occ ? 0
                             : mp__fail(MP_ENOMEM, "out of memory for the "
                                                   "occupancy record"));
}

/* The occupancy now, appended to the series (record.states). */
static int record_occupancy(struct mp_ens *e)
{
    int rc = occ_reserve(e, e->n_occ + 1);
    if (!rc)
        rc = mp_ens_occupancy(e, e->occ + e->n_occ * e->n_states);
    if (!rc)
        e->occ_at[e->n_occ++] = e->done;
    return rc;
}

/* Stores memories up to count `next` (no measurement in between). */
static int store(struct mp_ens *e, uint64_t next)
{
    if (mp__fault(MP_FAULT_DEVICE)) /* test hook (docs/RELIABILITY.md) */
        return mp__fail(MP_ECUDA,
                        "device error in advance (injected; %s backend)",
                        e->be.name);
    return e->be.advance(&e->be, e->done, next - e->done);
}

int mp_ens_advance(struct mp_ens *e, uint64_t memories)
{
    uint64_t target = e->done + memories;
    const uint64_t every = e->cfg.every;
    int rc;

    if (target > e->total || target < e->done)
        target = e->total;
    while (e->done < target) {
        /* The next measurement count: B + k * every, k >= 1. */
        uint64_t next = e->done < e->burn
                            ? e->burn + every
                            : e->burn + ((e->done - e->burn) / every + 1) *
                                            every;
        if (next > target)
            next = target;
        rc = store(e, next);
        if (rc)
            return mp__par_agree(rc);
        e->done = next;
        if (e->done > e->burn && (e->done - e->burn) % every == 0) {
            rc = measure(e);
            if (!rc && e->cfg.rec_states)
                rc = record_occupancy(e);
            if (rc)
                return rc;
        }
    }
    /* A device error after the last measurement: every rank learns. */
    return mp__par_size() > 1 ? mp__par_agree(0) : 0;
}

/* The occupancy series into a curve (record.states). */
static int curve_occupancy(const struct mp_ens *e, struct mp_ens_curve *c)
{
    const size_t n = e->n_occ, S = e->n_states;
    if (!e->cfg.rec_states)
        return 0;
    c->occ_memory = malloc((n ? n : 1) * sizeof *c->occ_memory);
    c->occupancy = malloc((n * S + 1) * sizeof *c->occupancy);
    c->state_byte = malloc(S ? S : 1);
    if (!c->occ_memory || !c->occupancy || !c->state_byte)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->n_occ = n;
    c->n_states = e->n_states;
    if (n) {
        memcpy(c->occ_memory, e->occ_at, n * sizeof *c->occ_memory);
        memcpy(c->occupancy, e->occ, n * S * sizeof *c->occupancy);
    }
    memcpy(c->state_byte, e->state_byte, S);
    return 0;
}

int mp_ens_curve(const struct mp_ens *e, struct mp_ens_curve *c)
{
    const double scale = sqrt((double)e->cfg.synapses) / e->th.noise;
    size_t k, n = e->n_ages;
    int rc;

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
        mp_ens_curve_fini(c);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    c->noise = e->th.noise;
    c->lifetime = -1.0;
    c->done = e->done;
    c->total = e->total;
    for (k = 0; k < n; k++) {
        int64_t p = e->count[k];
        c->age[k] = e->ages[k];
        c->probes[k] = p;
        c->signal[k] = p ? e->mean[k] : NAN;
        c->signal_sem[k] =
            p > 1 ? sqrt(e->m2[k] / (double)(p - 1) / (double)p) : NAN;
        c->snr[k] = c->signal[k] * scale;
        c->snr_sem[k] = c->signal_sem[k] * scale;
        if (p && c->snr[k] >= 1.0)
            c->lifetime = (double)e->ages[k];
    }
    rc = curve_occupancy(e, c);
    if (rc)
        mp_ens_curve_fini(c);
    return rc;
}

void mp_ens_curve_fini(struct mp_ens_curve *c)
{
    free(c->age);
    free(c->signal);
    free(c->signal_sem);
    free(c->snr);
    free(c->snr_sem);
    free(c->probes);
    free(c->occ_memory);
    free(c->occupancy);
    free(c->state_byte);
    memset(c, 0, sizeof *c);
}

/* Every rank's state bytes, gathered into rank 0's `all` (N bytes). */
static int gather_state(struct mp_ens *e, uint8_t *all)
{
    uint8_t *mine;
    int rc;
    if (mp__par_size() == 1)
        return e->be.get_state(&e->be, all);
    mine = malloc(e->desc.local ? e->desc.local : 1);
    rc = mine ? e->be.get_state(&e->be, mine)
              : mp__fail(MP_ENOMEM, "out of memory");
    /* A failure on one rank: none enters the gather. */
    rc = mp__par_agree(rc);
    if (!rc)
        mp__par_gather(mine, all, (e->cfg.synapses + MP_TILE - 1) / MP_TILE,
                       MP_TILE, e->cfg.synapses);
    free(mine);
    return rc;
}

int mp_ens_state(struct mp_ens *e, uint8_t *out)
{
    if (e->desc.bf.m)
        return mp__fail(MP_EINVAL, "a Benna-Fusi chain has no state "
                                   "bytes: its variables are floats "
                                   "(mp_ens_values)");
    return gather_state(e, out);
}

int mp_ens_values(struct mp_ens *e, float *out)
{
    if (!e->desc.bf.m)
        return mp__fail(MP_EINVAL, "the %s model has state bytes, no "
                                   "float variables (mp_ens_state)",
                        mp_model_name(e->cfg.syn.model));
    return mp__ens_bf_gather(&e->be, &e->desc, out);
}

int mp_ens_snapshot_alloc(struct mp_ens_snapshot *s, uint64_t synapses,
                          size_t n_ages)
{
    return mp_ens_snapshot_alloc_vars(s, synapses, n_ages, 0);
}

int mp_ens_snapshot_alloc_vars(struct mp_ens_snapshot *s, uint64_t synapses,
                               size_t n_ages, uint32_t vars)
{
    memset(s, 0, sizeof *s);
    s->synapses = synapses;
    s->n_ages = n_ages;
    s->vars = vars;
    s->ages = calloc(n_ages ? n_ages : 1, sizeof *s->ages);
    s->count = calloc(n_ages ? n_ages : 1, sizeof *s->count);
    s->mean = calloc(n_ages ? n_ages : 1, sizeof *s->mean);
    s->m2 = calloc(n_ages ? n_ages : 1, sizeof *s->m2);
    if (vars)
        s->u = malloc(synapses ? synapses * vars * sizeof *s->u : 1);
    else
        s->state = malloc(synapses ? synapses : 1);
    if (!s->ages || !s->count || !s->mean || !s->m2 ||
        (vars ? !s->u : !s->state)) {
        mp_ens_snapshot_fini(s);
        return mp__fail(MP_ENOMEM,
                        "out of memory for a snapshot of %llu synapses",
                        (unsigned long long)synapses);
    }
    return 0;
}

int mp_ens_snapshot_alloc_occupancy(struct mp_ens_snapshot *s, size_t n_occ,
                                    uint32_t n_states)
{
    s->occ_memory = malloc((n_occ ? n_occ : 1) * sizeof *s->occ_memory);
    s->occupancy = malloc(((size_t)n_occ * n_states + 1) *
                          sizeof *s->occupancy);
    if (!s->occ_memory || !s->occupancy)
        return mp__fail(MP_ENOMEM, "out of memory for a snapshot's "
                                   "occupancy");
    s->n_occ = n_occ;
    s->n_states = n_states;
    return 0;
}

void mp_ens_snapshot_fini(struct mp_ens_snapshot *s)
{
    free(s->occ_memory);
    free(s->occupancy);
    free(s->ages);
    free(s->count);
    free(s->mean);
    free(s->m2);
    free(s->state);
    free(s->u);
    memset(s, 0, sizeof *s);
}

int mp_ens_snapshot(struct mp_ens *e, struct mp_ens_snapshot *out)
{
    /* The state goes to rank 0 only. */
    int rc = mp__par_agree(mp_ens_snapshot_alloc_vars(
        out, mp__par_rank() ? 0 : e->cfg.synapses, e->n_ages,
        e->desc.bf.m));
    if (rc) {
        mp_ens_snapshot_fini(out);
        return rc;
    }
    out->synapses = e->cfg.synapses;
    out->done = e->done;
    memcpy(out->ages, e->ages, e->n_ages * sizeof *out->ages);
    memcpy(out->count, e->count, e->n_ages * sizeof *out->count);
    memcpy(out->mean, e->mean, e->n_ages * sizeof *out->mean);
    memcpy(out->m2, e->m2, e->n_ages * sizeof *out->m2);
    /* The occupancy series: the same on every rank. */
    rc = e->cfg.rec_states ? mp__par_agree(mp_ens_snapshot_alloc_occupancy(
                                 out, e->n_occ, e->n_states))
                           : 0;
    if (!rc && e->n_occ) {
        memcpy(out->occ_memory, e->occ_at, e->n_occ * sizeof *e->occ_at);
        memcpy(out->occupancy, e->occ,
               e->n_occ * e->n_states * sizeof *e->occ);
    }
    if (!rc)
        rc = e->desc.bf.m ? mp__ens_bf_gather(&e->be, &e->desc, out->u)
                          : gather_state(e, out->state);
    if (rc)
        mp_ens_snapshot_fini(out);
    return rc;
}

/* Rank 0's check that a snapshot fits, and its accumulators taken. */
static int take_snapshot(struct mp_ens *e, const struct mp_ens_snapshot *s)
{
    if (s->synapses != e->cfg.synapses || s->n_ages != e->n_ages ||
        memcmp(s->ages, e->ages, s->n_ages * sizeof *s->ages) != 0)
        return mp__fail(MP_EINVAL,
                        "the snapshot's synapses or measurement ages differ "
                        "from the configuration's");
    if (s->vars != e->desc.bf.m)
        return mp__fail(MP_EINVAL,
                        "the snapshot holds %u variables per synapse, the "
                        "configuration's model %u",
                        s->vars, e->desc.bf.m);
    if (s->done > e->total)
        return mp__fail(MP_EINVAL,
                        "the snapshot is at memory %llu, past the run's "
                        "end (%llu)",
                        (unsigned long long)s->done,
                        (unsigned long long)e->total);
    e->done = s->done;
    memcpy(e->count, s->count, s->n_ages * sizeof *s->count);
    memcpy(e->mean, s->mean, s->n_ages * sizeof *s->mean);
    memcpy(e->m2, s->m2, s->n_ages * sizeof *s->m2);
    return 0;
}

/* Rank 0's check that a snapshot's occupancy series is the one its run
 * took (one count per measurement, of this model's states). */
static int occ_fits(const struct mp_ens *e, const struct mp_ens_snapshot *s)
{
    const size_t want =
        !e->cfg.rec_states || s->done <= e->burn
            ? 0
            : (size_t)((s->done - e->burn) / e->cfg.every);
    if (!e->cfg.rec_states || (s->n_occ == want &&
                               (!want || s->n_states == e->n_states)))
        return 0;
    return mp__fail(MP_EINVAL,
                    "the snapshot holds %zu occupancy counts of %u states; "
                    "its run took %zu of %u",
                    s->n_occ, s->n_states, want, e->n_states);
}

/* Rank 0's occupancy series to every rank (record.states). */
static int restore_occupancy(struct mp_ens *e,
                             const struct mp_ens_snapshot *s)
{
    uint64_t n = mp__par_rank() == 0 && e->cfg.rec_states ? s->n_occ : 0;
    int rc;
    mp__par_bcast(&n, sizeof n);
    rc = occ_reserve(e, (size_t)n);
    if (rc)
        return rc;
    e->n_occ = (size_t)n;
    if (!n)
        return 0;
    if (mp__par_rank() == 0) {
        memcpy(e->occ_at, s->occ_memory, n * sizeof *e->occ_at);
        memcpy(e->occ, s->occupancy, n * e->n_states * sizeof *e->occ);
    }
    mp__par_bcast(e->occ_at, n * sizeof *e->occ_at);
    mp__par_bcast(e->occ, n * e->n_states * sizeof *e->occ);
    return 0;
}

int mp_ens_restore(struct mp_ens *e, const struct mp_ens_snapshot *s)
{
    uint8_t *mine;
    int rc = mp__par_rank() == 0 ? take_snapshot(e, s) : 0;
    if (!rc && mp__par_rank() == 0)
        rc = occ_fits(e, s);
    rc = mp__par_agree(rc);
    if (!rc)
        rc = restore_occupancy(e, s);
    if (mp__par_size() == 1 && e->desc.bf.m)
        return rc ? rc : e->be.set_values(&e->be, s->u);
    if (mp__par_size() == 1)
        return rc ? rc : e->be.set_state(&e->be, s->state);
    /* Rank 0 read the file: its verdict, accumulators and state blocks
     * go to the others (which may pass s = NULL). */
    rc = mp__par_agree(rc);
    if (rc)
        return rc;
    mp__par_bcast(&e->done, sizeof e->done);
    mp__par_bcast(e->count, e->n_ages * sizeof *e->count);
    mp__par_bcast(e->mean, e->n_ages * sizeof *e->mean);
    mp__par_bcast(e->m2, e->n_ages * sizeof *e->m2);
    if (e->desc.bf.m)
        return mp__ens_bf_scatter(&e->be, &e->desc,
                                  mp__par_rank() ? NULL : s->u);
    mine = malloc(e->desc.local ? e->desc.local : 1);
    rc = mp__par_agree(mine ? 0 : mp__fail(MP_ENOMEM, "out of memory"));
    if (!rc) {
        mp__par_scatter(mp__par_rank() ? NULL : s->state, mine,
                        (e->cfg.synapses + MP_TILE - 1) / MP_TILE, MP_TILE,
                        e->cfg.synapses);
        rc = mp__par_agree(e->be.set_state(&e->be, mine));
    }
    free(mine);
    return rc;
}
