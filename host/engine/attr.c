/* SPDX-License-Identifier: MIT */
/*
 * attr.c: the attractor-network scheduler (docs/ATTRACTOR.md).  It owns
 * the memory stream (presentations, repeats, blocks, modulator phases),
 * asks the backend to store presentations, takes the retrieval
 * measurements (attr_retrieve.c) and folds them in a fixed order, so the
 * result does not depend on the backend, the threads or the ranks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr_internal.h"
#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

/* ---- The stream ---------------------------------------------------------- */

/* Memory of presentation p: blocks of B memories, each block presented R
 * times in turn (B = 1: every memory R times in a row). */
static uint64_t present_mu(const struct mp_attr *e, uint64_t p)
{
    const uint64_t B = e->cfg.attr.block, R = e->cfg.attr.repeats;
    return p / (B * R) * B + p % (B * R) % B;
}

/* Presentations made once c memories are stored: a memory counts as
 * stored after its last presentation. */
static uint64_t presents_before(const struct mp_attr *e, uint64_t c)
{
    const uint64_t B = e->cfg.attr.block, R = e->cfg.attr.repeats;
    return c / B * B * R + (c % B ? (R - 1) * B + c % B : 0);
}

/* The modulator level of memory mu as a 32-bit threshold: its phase's,
 * the last phase holding to the end. */
static uint64_t gate_of(const struct mp_attr *e, uint64_t mu)
{
    const struct mp_attr_params *a = &e->cfg.attr;
    double end = 0.0;
    size_t k;
    if (a->n_phases == 0)
        return UINT64_C(1) << 32;
    for (k = 0; k + 1 < a->n_phases; k++) {
        end += a->phase_memories[k];
        if ((double)mu < end)
            break;
    }
    return mp_prob_threshold(a->level[k]);
}

/* Stores memories [c0, c1): their presentations, in batches. */
static int store_span(struct mp_attr *e, uint64_t c0, uint64_t c1)
{
    struct mp_attr_item it[MP_ATTR_BATCH];
    uint64_t p = presents_before(e, c0);
    const uint64_t end = presents_before(e, c1);
    int rc = 0;
    if (mp__fault(MP_FAULT_DEVICE)) /* test hook (docs/RELIABILITY.md) */
        return mp__fail(MP_ECUDA,
                        "device error in advance (injected; %s backend)",
                        e->be.name);
    while (p < end && !rc) {
        size_t n = 0;
        for (; p < end && n < MP_ATTR_BATCH; p++, n++) {
            it[n].p = p;
            it[n].mu = present_mu(e, p);
            it[n].gate = gate_of(e, it[n].mu);
        }
        rc = e->be.store(&e->be, it, n);
    }
    return rc;
}

/* ---- Measurements -------------------------------------------------------- */

/* At count c, memory c - 1 - t has age t; memories of the burn-in are
 * never probed.  Probes run in batches; their results are folded in age
 * order (Welford). */
static int measure(struct mp_attr *e)
{
    const uint64_t c = e->done, thr = mp_prob_threshold(e->cfg.attr.noise);
    uint64_t mus[64], idx[64];
    struct mp_attr_probe out[64];
    size_t k0, k, n = 0;
    int rc = 0;
    while (n < e->n_ages && e->ages[n] + 1 + e->burn <= c)
        n++;
    for (k0 = 0; k0 < n && !rc; k0 += 64) {
        const size_t nb = n - k0 < 64 ? n - k0 : 64;
        for (k = 0; k < nb; k++) {
            mus[k] = c - 1 - e->ages[k0 + k];
            idx[k] = k0 + k;
        }
        rc = mp__attr_retrieve(e, nb, mus, c, idx, thr, out);
        for (k = 0; k < nb && !rc; k++) {
            const size_t a = k0 + k;
            const double m = out[k].overlap, d = m - e->mean[a];
            e->count[a]++;
            e->mean[a] += d / (double)e->count[a];
            e->m2[a] += d * (m - e->mean[a]);
            e->retrieved[a] += m >= e->cfg.attr.success;
            e->converged[a] += out[k].converged;
            e->steps[a] += out[k].steps;
        }
    }
    return rc;
}

int mp_attr_advance(struct mp_attr *e, uint64_t memories)
{
    uint64_t target = e->done + memories;
    const uint64_t every = e->cfg.every;
    int rc;
    if (target > e->total || target < e->done)
        target = e->total;
    while (e->done < target) {
        uint64_t next = e->done < e->burn
                            ? e->burn + every
                            : e->burn + ((e->done - e->burn) / every + 1) *
                                            every;
        if (next > target)
            next = target;
        rc = mp__par_agree(store_span(e, e->done, next));
        if (rc)
            return rc;
        e->done = next;
        if (e->done > e->burn && (e->done - e->burn) % every == 0) {
            rc = measure(e);
            if (rc)
                return mp__par_agree(rc);
        }
    }
    return mp__par_size() > 1 ? mp__par_agree(0) : 0;
}

uint64_t mp_attr_until_measure(const struct mp_attr *e)
{
    const uint64_t every = e->cfg.every;
    const uint64_t next =
        e->done < e->burn
            ? e->burn + every
            : e->burn + ((e->done - e->burn) / every + 1) * every;
    return (next < e->total ? next : e->total) - e->done;
}

uint64_t mp_attr_done(const struct mp_attr *e)
{
    return e->done;
}

uint64_t mp_attr_total(const struct mp_attr *e)
{
    return e->total;
}

const char *mp_attr_backend(const struct mp_attr *e)
{
    return e->be.name;
}

const char *mp_attr_device(const struct mp_attr *e)
{
    return e->be.device;
}

const char *mp_attr_backend_note(const struct mp_attr *e)
{
    return e->note;
}

/* ---- Creation ------------------------------------------------------------ */

static int alloc_ages(struct mp_attr *e)
{
    const size_t n = mp_config_ages(&e->cfg, NULL, 0), m = n ? n : 1;
    e->n_ages = n;
    e->ages = calloc(m, sizeof *e->ages);
    e->count = calloc(m, sizeof *e->count);
    e->mean = calloc(m, sizeof *e->mean);
    e->m2 = calloc(m, sizeof *e->m2);
    e->retrieved = calloc(m, sizeof *e->retrieved);
    e->converged = calloc(m, sizeof *e->converged);
    e->steps = calloc(m, sizeof *e->steps);
    e->sig_th = calloc(m, sizeof *e->sig_th);
    e->snr_th = calloc(m, sizeof *e->snr_th);
    e->ov_th = calloc(m, sizeof *e->ov_th);
    if (!e->ages || !e->count || !e->mean || !e->m2 || !e->retrieved ||
        !e->converged || !e->steps || !e->sig_th || !e->snr_th || !e->ov_th)
        return mp__fail(MP_ENOMEM, "out of memory");
    mp_config_ages(&e->cfg, e->ages, n);
    return 0;
}

/* This process's rows, and the rule every backend runs. */
static void describe(struct mp_attr *e, const struct mp_syn_rule *rule)
{
    const struct mp_config *c = &e->cfg;
    uint64_t lo, hi;
    mp__par_range(c->attr.neurons, mp__par_rank(), &lo, &hi);
    e->desc.row0 = (uint32_t)lo;
    e->desc.rows = (uint32_t)(hi - lo);
    e->desc.depths = rule->depths;
    e->desc.threads = c->threads;
    e->desc.rule.table = rule->table;
    e->desc.rule.seed = c->seed;
    e->desc.rule.pitch = mp_attr_pitch(c->attr.neurons);
    e->desc.rule.neurons = c->attr.neurons;
    e->desc.rule.tied = c->attr.tied;
    e->desc.rule.presynaptic = c->attr.rule == MP_ATTR_PRESYNAPTIC;
    e->desc.rule.half = c->attr.coding == 0.5;
    e->desc.rule.thr_f = mp_prob_threshold(c->attr.coding);
    e->desc.rule.fan_in = c->attr.fan_in;
    e->desc.rule.kpitch = c->attr.fan_in ? mp_attr_pitch(c->attr.fan_in)
                                         : e->desc.rule.pitch;
    e->W = e->desc.rule.pitch / 64;
    e->WK = e->desc.rule.kpitch / 64;
}

/* connectivity = stored: the presynaptic neurons of this process's rows,
 * once, from the generator (the table the backend reads). */
static int connect(struct mp_attr *e)
{
    const struct mp_attr_rules *R = &e->desc.rule;
    const uint64_t K = R->fan_in, row0 = e->desc.row0;
    uint64_t r, k;
    if (!K || e->cfg.attr.connectivity != MP_ATTR_STORED)
        return 0;
    e->pre = malloc((size_t)e->desc.rows * K * sizeof *e->pre + 1);
    if (!e->pre)
        return mp__fail(MP_ENOMEM, "out of memory for the connectivity "
                                   "table of %u x %u synapses",
                        e->desc.rows, R->fan_in);
    for (r = 0; r < e->desc.rows; r++) {
        const struct mp_attr_perm pm = mp_attr_perm_of(R, row0 + r);
        for (k = 0; k < K; k++)
            e->pre[r * K + k] = mp_attr_pre(&pm, (uint32_t)k);
    }
    e->desc.pre = e->pre;
    return 0;
}

static int attr_cuda(void *e)
{
    return mp__attr_cuda_create(&((struct mp_attr *)e)->be,
                                &((struct mp_attr *)e)->desc);
}

static int attr_cpu(void *e)
{
    return mp__attr_cpu_create(&((struct mp_attr *)e)->be,
                               &((struct mp_attr *)e)->desc);
}

static int start_backend(struct mp_attr *e, const struct mp_syn_rule *rule)
{
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    int rc = mp__backend_start(e->cfg.backend, NULL, e->note,
                               sizeof e->note, attr_cuda, attr_cpu, e);
    if (rc)
        return rc;
    mp_syn_rule_cum(rule,
                    e->cfg.attr.init == MP_INIT_STATIONARY ? e->th.p_inf
                                                           : NULL,
                    cum);
    return e->be.init_state(&e->be, cum);
}

int mp_attr_create(struct mp_attr **out, const struct mp_config *cfg)
{
    struct mp_syn_rule *rule = malloc(sizeof *rule);
    struct mp_attr *e = rule ? calloc(1, sizeof *e) : NULL;
    int rc;
    *out = NULL;
    if (!e) {
        free(rule);
        return mp__par_agree(mp__fail(MP_ENOMEM, "out of memory"));
    }
    e->cfg = *cfg;
    e->burn = cfg->attr.burn_in;
    e->total = cfg->attr.burn_in + cfg->memories;
    rc = cfg->paradigm != MP_PARADIGM_ATTRACTOR
             ? mp__fail(MP_EINVAL, "run.paradigm is not attractor")
             : alloc_ages(e);
    if (!rc)
        rc = mp__attr_theory(e);
    if (!rc && mp_syn_rule_build(&cfg->syn, rule))
        rc = mp__fail(MP_EINVAL, "synapse.model: not a discrete model");
    if (!rc) {
        describe(e, rule);
        rc = connect(e);
    }
    if (!rc)
        rc = mp__attr_scratch(e, e->n_ages < 64 ? e->n_ages : 64);
    if (!rc)
        rc = start_backend(e, rule);
    free(rule);
    rc = mp__par_agree(rc);
    if (rc) {
        mp_attr_destroy(e);
        return rc;
    }
    *out = e;
    return 0;
}

void mp_attr_destroy(struct mp_attr *e)
{
    if (!e)
        return;
    if (e->be.destroy)
        e->be.destroy(&e->be);
    free(e->ages);
    free(e->count);
    free(e->mean);
    free(e->m2);
    free(e->retrieved);
    free(e->converged);
    free(e->steps);
    free(e->sig_th);
    free(e->snr_th);
    free(e->ov_th);
    free(e->xi);
    free(e->st);
    free(e->buf);
    free(e->cnt);
    free(e->act);
    free(e->pre);
    free(e->strong);
    free(e->h);
    free(e->rank);
    free(e->bits);
    free(e->order);
    free(e);
}

/* ---- The theory alone ---------------------------------------------------- */

int mp_attr_theory(const struct mp_config *cfg, struct mp_attr_curve *out)
{
    struct mp_attr *e = calloc(1, sizeof *e);
    int rc;
    memset(out, 0, sizeof *out);
    if (!e)
        return mp__fail(MP_ENOMEM, "out of memory");
    e->cfg = *cfg;
    e->burn = cfg->attr.burn_in;
    e->total = cfg->attr.burn_in + cfg->memories;
    rc = cfg->paradigm != MP_PARADIGM_ATTRACTOR
             ? mp__fail(MP_EINVAL, "run.paradigm is not attractor")
             : alloc_ages(e);
    if (!rc)
        rc = mp__attr_theory(e);
    if (!rc)
        rc = mp_attr_curve(e, out);
    if (!rc)
        out->capacity = out->capacity_interp = NAN;
    mp_attr_destroy(e);
    return rc;
}
