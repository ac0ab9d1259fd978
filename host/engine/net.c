/* SPDX-License-Identifier: MIT */
/*
 * net.c: the rate-network scheduler.  It owns time and the schedule: the
 * fast processes every step (input, activity, BCM, threshold) run in the
 * backend (net_backend.h); the slow synaptic-scaling pass runs on its own
 * cadence, its factors computed here for either backend.  Every
 * accumulation follows mp_row_pass's fixed order, so results do not
 * depend on threads, ranks or backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "net_internal.h"

static int net_cuda(void *n)
{
    struct mp_net *m = n;
    return mp__net_cuda_create(&m->be, &m->p, &m->s);
}

static int net_cpu(void *n)
{
    struct mp_net *m = n;
    return mp__net_cpu_create(&m->be, &m->p, &m->s);
}

/* The backend (one policy: mp__backend_start), with the initial
 * currents. */
static int start_backend(struct mp_net *n)
{
    const char *cpu_only =
        mp__par_size() > 1
            ? "a rate network split across MPI ranks runs on the CPU (set "
              "run.backend = cpu or auto, or run it in one process)"
            : NULL;
    int rc = mp__backend_start(n->cfg.backend, cpu_only, n->note,
                               sizeof n->note, net_cuda, net_cpu, n);
    return rc ? rc : n->be.currents(&n->be);
}

int mp_net_create(struct mp_net **out, const struct mp_config *cfg)
{
    struct mp_net *n;
    int rc;

    *out = NULL;
    if (cfg->paradigm != MP_PARADIGM_NETWORK)
        return mp__fail(MP_EINVAL, "run.paradigm is not network");
    n = calloc(1, sizeof *n);
    if (!n)
        return mp__par_agree(mp__fail(MP_ENOMEM, "out of memory"));
    n->cfg = *cfg;
    mp__net_params(n);
    rc = mp__net_alloc(n);
    if (!rc)
        rc = mp__net_silent_alloc(n);
    if (!rc)
        rc = mp__net_init_weights(n);
    if (!rc) {
        mp__net_input_at(n, 0, n->s.z);
        rc = start_backend(n);
    }
    /* Every rank goes on, or none. */
    rc = mp__par_agree(rc);
    if (rc) {
        mp_net_destroy(n);
        return rc;
    }
    *out = n;
    return 0;
}

void mp_net_destroy(struct mp_net *n)
{
    if (!n)
        return;
    if (n->be.destroy)
        n->be.destroy(&n->be);
    free(n->s.w);
    free(n->s.idx);
    free(n->s.syn);
    free(n->s.theta);
    free(n->s.prime);
    free(n->s.gain);
    free(n->s.bias);
    free(n->s.y);
    free(n->s.y_new);
    free(n->s.h);
    free(n->s.acc_scale);
    free(n->s.acc_rec);
    free(n->s.patterns);
    free(n->s.z);
    free(n->s.z_next);
    free(n->zr);
    free(n->factors);
    free(n->sel);
    free(n->silent);
    free(n->quiet);
    free(n);
}

const char *mp_net_backend(const struct mp_net *n)
{
    return n->be.name;
}

const char *mp_net_device(const struct mp_net *n)
{
    return n->be.device;
}

const char *mp_net_backend_note(const struct mp_net *n)
{
    return n->note;
}

/* The slow pass: each held neuron's factor from its mean rate since the
 * last pass, applied by the backend to every weight of its row. */
static int scaling_pass(struct mp_net *n)
{
    const struct mp_config *c = &n->cfg;
    const uint32_t r0 = n->p.r0, rows = n->p.r1 - n->p.r0;
    float *f = n->factors;
    uint32_t i;
    int rc = n->be.scale_sums(&n->be, n->s.acc_scale);
    for (i = 0; !rc && i < rows; i++)
        f[i] = (float)mp_scaling_factor(n->s.acc_scale[r0 + i] /
                                            (double)n->n_scale,
                                        c->target_rate, c->scaling_alpha,
                                        c->scaling_max);
    if (!rc)
        rc = n->be.scale(&n->be, f);
    n->n_scale = 0;
    return rc;
}

/* mp_net_pattern_at(n, step) in phase ph, drawn once per switching
 * period (a permutation per call otherwise). */
static uint32_t pattern_at(struct mp_net *n, uint64_t step, size_t ph)
{
    const uint64_t period = step / n->switch_steps;
    if (!n->pat_known || period != n->pat_period || ph != n->pat_phase) {
        n->pat = mp_net_pattern_at(n, step);
        n->pat_period = period;
        n->pat_phase = ph;
        n->pat_known = 1;
    }
    return n->pat;
}

/* What step `step` needs from the schedule. */
static void step_params(struct mp_net *n, uint64_t step,
                        struct mp_net_step *st)
{
    const size_t ph = mp__net_phase_of(n, step);
    const size_t next = mp__net_phase_of(n, step + 1);
    st->step = step;
    st->kb = n->phase_k[ph];
    st->m = n->phase_m[ph];
    st->plastic = n->cfg.rule != MP_RULE_NONE && st->m > 0.0f;
    st->next_pattern = pattern_at(n, step + 1, next);
    st->next_gain = n->phase_gain[next];
}

/* Only a device can fail within a step, and a network on a device is one
 * process: the ranks of a split network agree once per call, on the
 * injected fault of the tests. */
int mp_net_advance(struct mp_net *n, uint64_t steps)
{
    uint64_t end = n->step + steps;
    int rc = 0;
    if (end > n->total || end < n->step)
        end = n->total;
    if (mp__fault(MP_FAULT_DEVICE)) /* test hook (docs/RELIABILITY.md) */
        rc = mp__fail(MP_ECUDA, "device error in advance (injected; %s "
                                "backend)",
                      n->be.name);
    rc = mp__par_agree(rc);
    while (!rc && n->step < end) {
        struct mp_net_step st;
        step_params(n, n->step, &st);
        rc = n->be.step(&n->be, &st);
        if (rc)
            break;
        n->host_stale = 1;
        n->step++;
        n->n_scale++;
        n->n_rec++;
        if (n->scaling_steps && n->step % n->scaling_steps == 0)
            rc = scaling_pass(n);
    }
    if (!rc)
        rc = n->be.download(&n->be, &n->s, 0);
    return rc;
}

uint64_t mp_net_step(const struct mp_net *n)
{
    return n->step;
}

uint64_t mp_net_total(const struct mp_net *n)
{
    return n->total;
}

uint64_t mp_net_until_record(const struct mp_net *n)
{
    return n->record_steps - n->step % n->record_steps;
}

int mp_net_record_due(const struct mp_net *n)
{
    return n->step % n->record_steps == 0;
}

uint32_t mp_net_row_length(const struct mp_net *n)
{
    return n->p.L;
}

const float *mp_net_theta(const struct mp_net *n)
{
    return mp__net_sync(n) ? NULL : n->s.theta;
}

const float *mp_net_rates(const struct mp_net *n)
{
    return mp__net_sync(n) ? NULL : n->s.y;
}

const float *mp_net_pattern(const struct mp_net *n, uint32_t k)
{
    return k < n->p.K ? n->s.patterns + (size_t)k * n->p.n_in : NULL;
}

const float *mp_net_weights(const struct mp_net *n)
{
    return mp__net_sync(n) ? NULL : n->s.w;
}

void mp__net_set_unfused(struct mp_net *n, int unfused)
{
    n->p.unfused = unfused;
}

void mp__net_set_regen(struct mp_net *n, int regen)
{
    n->p.regen = regen;
}
