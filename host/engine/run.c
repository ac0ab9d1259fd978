/* SPDX-License-Identifier: MIT */
/*
 * run.c: the slice loop of a run (run.h) over either engine: slices of
 * about 0.2 s, records, checkpoints on schedule, on request and at the
 * end, every decision taken by all ranks together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "run_internal.h"

double mp__run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double mp__run_wall(const struct mp_run *r)
{
    return r->wall_before + (mp__run_now() - r->wall_start);
}

const char *mp__run_left(const struct mp_run *r)
{
    static char text[MP_CFG_MAX_PATH * 2 + 160];
    if (r->has_ckpt)
        snprintf(text, sizeof text,
                 "the last checkpoint is intact (%s/checkpoint.nc); "
                 "metaplast resume %s continues from it",
                 r->cfg.dir, r->cfg.dir);
    else
        snprintf(text, sizeof text,
                 "no checkpoint was written yet; metaplast resume %s starts "
                 "the run again from its beginning",
                 r->cfg.dir);
    return text;
}

/* ---- Ensembles ------------------------------------------------------------ */

static uint64_t ens_done(const struct mp_run *r)
{
    return mp_ens_done(r->ens);
}

static uint64_t ens_total(const struct mp_run *r)
{
    return mp_ens_total(r->ens);
}

static uint64_t ens_until(const struct mp_run *r)
{
    return mp_ens_total(r->ens) - mp_ens_done(r->ens);
}

static int ens_advance(struct mp_run *r, uint64_t n)
{
    return mp_ens_advance(r->ens, n);
}

static int ens_nothing(struct mp_run *r)
{
    (void)r;
    return 0;
}

static struct mp_provenance provenance(const struct mp_run *r)
{
    struct mp_provenance p = {r->command_line, NULL, NULL, NULL};
    p.backend = r->ens ? mp_ens_backend(r->ens) : mp_net_backend(r->net);
    p.device = r->ens ? mp_ens_device(r->ens) : mp_net_device(r->net);
    return p;
}

/* The record of an ensemble: the curve beside the theory (rank 0). */
static int ens_record(struct mp_run *r)
{
    const struct mp_provenance prov = provenance(r);
    struct mp_ens_curve curve;
    char path[MP_CFG_MAX_PATH + 64];
    int rc = mp_ens_curve(r->ens, &curve);
    if (rc)
        return rc;
    curve.wall_s = mp__run_wall(r);
    snprintf(path, sizeof path, "%s/record.nc", r->cfg.dir);
    rc = mp_io_ens_record_write(path, &r->cfg, &curve, r->sig_th, r->snr_th,
                                r->sig_thp, r->snr_thp, &r->th, &prov);
    mp_ens_curve_fini(&curve);
    return rc ? mp__fail(rc,
                         "%s; the checkpoint is intact (%s/checkpoint.nc)%s; "
                         "when there is room: metaplast resume %s (it "
                         "writes the record)",
                         mp_errmsg(), r->cfg.dir,
                         access(path, F_OK) ? ""
                                            : ", and so is the previous "
                                              "record",
                         r->cfg.dir)
              : 0;
}

/* checkpoint.nc, then record.nc, of the ensemble as it is now. */
static int ens_save(struct mp_run *r)
{
    const struct mp_provenance prov = provenance(r);
    struct mp_ens_snapshot snap;
    char path[MP_CFG_MAX_PATH + 64];
    int rc = mp_ens_snapshot(r->ens, &snap);
    if (rc)
        return mp__fail_prefix(rc, "checkpoint: ");
    snap.wall_s = mp__run_wall(r);
    if (mp__par_rank() == 0) {
        snprintf(path, sizeof path, "%s/checkpoint.nc", r->cfg.dir);
        rc = mp_io_ens_ckpt_write(path, &r->cfg, &snap, &prov);
        if (rc)
            mp__fail(rc, "checkpoint failed: %s; %s", mp_errmsg(),
                     mp__run_left(r));
        else
            rc = ens_record(r);
    }
    mp_ens_snapshot_fini(&snap);
    return mp__par_agree(rc);
}

const struct mp_run_engine mp__run_ens = {
    "memories", ens_done, ens_total, ens_until, ens_advance, ens_nothing,
    ens_save};

/* ---- Networks ------------------------------------------------------------- */

static uint64_t net_done(const struct mp_run *r)
{
    return mp_net_step(r->net);
}

static uint64_t net_total(const struct mp_run *r)
{
    return mp_net_total(r->net);
}

static uint64_t net_until(const struct mp_run *r)
{
    return mp_net_until_record(r->net);
}

static int net_advance(struct mp_run *r, uint64_t n)
{
    return mp_net_advance(r->net, n);
}

/* A state with a non-finite value is never a checkpoint: it goes to
 * checkpoint-diagnostic.nc, and the last good checkpoint stays. */
static int net_diagnostic(struct mp_run *r, const char *where)
{
    struct mp_provenance prov = provenance(r);
    struct mp_net_snapshot snap;
    char note[512], path[MP_CFG_MAX_PATH + 64];
    const uint64_t step = mp_net_step(r->net);
    snprintf(note, sizeof note, "non-finite value %s at step %llu", where,
             (unsigned long long)step);
    prov.diagnostic = note;
    if (mp_net_snapshot(r->net, &snap) == 0) {
        snprintf(path, sizeof path, "%s/checkpoint-diagnostic.nc",
                 r->cfg.dir);
        if (mp__par_rank() == 0)
            mp_io_net_ckpt_write(path, &r->cfg, &snap, &prov);
        mp_net_snapshot_fini(&snap);
    }
    return mp__fail(MP_ENUMERIC,
                    "%s at step %llu (t = %gs): the rates ran away; likely "
                    "causes: recurrent excitation, or weights too large for "
                    "the input (lower network.w_max, input.scale or the "
                    "recurrent weights).  Diagnostic state: "
                    "%s/checkpoint-diagnostic.nc; %s",
                    where, (unsigned long long)step,
                    (double)step * r->cfg.dt_s, r->cfg.dir,
                    mp__run_left(r));
}

/* A record entry (rank 0 writes); the sample is kept for the summary. */
int mp__run_net_record(struct mp_run *r)
{
    struct mp_net_sample smp;
    int rc = mp_net_sample(r->net, &smp);
    if (rc)
        return rc;
    if (mp__par_rank() == 0 && r->rec) {
        rc = mp_io_net_record_append(r->rec, &smp);
        if (rc)
            mp__fail(rc,
                     "%s; %s (the record is rewritten from there on)",
                     mp_errmsg(), mp__run_left(r));
    }
    mp_net_sample_fini(&r->last);
    r->last = smp;
    return mp__par_agree(rc);
}

/* At every record boundary and at the end: the state checked, then an
 * entry.  A stop adds none off the boundaries, so a resumed run's record
 * equals an uninterrupted one's. */
static int net_after_slice(struct mp_run *r)
{
    char where[256];
    int rc;
    if (!mp_net_record_due(r->net) &&
        mp_net_step(r->net) != mp_net_total(r->net))
        return 0;
    rc = mp_net_check_finite(r->net, where, sizeof where);
    if (rc < 0)
        return rc;
    if (rc)
        return net_diagnostic(r, where);
    return mp__run_net_record(r);
}

static int net_save(struct mp_run *r)
{
    const struct mp_provenance prov = provenance(r);
    struct mp_net_snapshot snap;
    char path[MP_CFG_MAX_PATH + 64], where[256];
    int rc = mp_net_check_finite(r->net, where, sizeof where);
    if (rc < 0)
        return rc;
    if (rc)
        return net_diagnostic(r, where);
    rc = mp_net_snapshot(r->net, &snap);
    if (rc)
        return mp__fail_prefix(rc, "checkpoint: ");
    snap.wall_s = mp__run_wall(r);
    if (mp__par_rank() == 0) {
        snprintf(path, sizeof path, "%s/checkpoint.nc", r->cfg.dir);
        rc = mp_io_net_ckpt_write(path, &r->cfg, &snap, &prov);
        if (rc)
            mp__fail(rc, "checkpoint failed: %s; %s", mp_errmsg(),
                     mp__run_left(r));
    }
    mp_net_snapshot_fini(&snap);
    return mp__par_agree(rc);
}

const struct mp_run_engine mp__run_net = {
    "steps", net_done, net_total, net_until, net_advance, net_after_slice,
    net_save};

/* ---- The slice loop --------------------------------------------------------- */

/* After a slice of dt seconds: the next slice (about 0.2 s), and what
 * every rank does next, decided together: a stop on any rank, rank 0's
 * clock for slices and time-based checkpoints. */
static void decide(struct mp_run *r, double dt, int stop, int *ckpt_due)
{
    int64_t ctl[3];
    if (dt < 0.1 && r->slice < (UINT64_C(1) << 40))
        r->slice *= 2;
    else if (dt > 0.4 && r->slice > 1)
        r->slice /= 2;
    ctl[0] = stop;
    ctl[1] = mp__par_rank() == 0 && r->cfg.ckpt_every_s > 0 &&
             mp__run_now() - r->last_ckpt >= r->cfg.ckpt_every_s;
    ctl[2] = mp__par_rank() == 0 ? (int64_t)r->slice : 0;
    mp__par_max_i64(ctl, 3);
    r->slice = (uint64_t)ctl[2];
    *ckpt_due = (int)ctl[1];
    r->stop_code = (int)ctl[0];
}

/* The units of the next slice: capped at the engine's next event and the
 * next counted checkpoint. */
static uint64_t slice_size(const struct mp_run *r)
{
    const uint64_t done = r->engine->done(r);
    uint64_t n = r->slice, until = r->engine->until_event(r);
    if (n > until)
        n = until;
    if (r->next_ckpt && n > r->next_ckpt - done)
        n = r->next_ckpt - done;
    return n;
}

static int failed(const struct mp_run *r, int rc)
{
    const unsigned long long done = r->engine->done(r);
    if (r->net)
        return mp__fail(rc, "run failed at step %llu: %s; %s", done,
                        mp_errmsg(), mp__run_left(r));
    return mp__fail(rc, "run failed after %llu memories: %s; %s", done,
                    mp_errmsg(), mp__run_left(r));
}

/* A checkpoint now; the schedule of the next. */
static int checkpoint(struct mp_run *r)
{
    int rc = r->engine->save(r);
    if (rc)
        return rc;
    r->has_ckpt = 1;
    r->last_ckpt = mp__run_now();
    if (r->cfg.ckpt_every_memories)
        r->next_ckpt = r->engine->done(r) + r->cfg.ckpt_every_memories;
    return 0;
}

/* A network's record closed at the end, with the run's summary: its
 * last metadata reach the disk, or the run fails saying so. */
static int close_record(struct mp_run *r)
{
    int rc = 0, closed;
    if (r->rec) {
        rc = r->last.theta ? mp_io_net_record_finish(r->rec, &r->last,
                                                     mp__run_wall(r))
                           : 0;
        closed = mp_io_net_record_close(r->rec);
        rc = rc ? rc : closed;
        r->rec = NULL;
        if (rc)
            mp__fail(rc, "%s; %s", mp_errmsg(), mp__run_left(r));
    }
    return mp__par_agree(rc);
}

int mp_run_slice(struct mp_run *r, int stop, int *state)
{
    const struct mp_run_engine *e = r->engine;
    double t0;
    int rc, due;
    *state = r->complete || r->finished ? MP_RUN_FINISHED : MP_RUN_RUNNING;
    if (*state == MP_RUN_FINISHED)
        return 0;
    t0 = mp__run_now();
    rc = e->advance(r, slice_size(r));
    if (rc)
        return failed(r, rc);
    rc = e->after_slice(r);
    if (rc)
        return rc;
    decide(r, mp__run_now() - t0, stop, &due);
    if (r->stop_code) {
        rc = e->save(r);
        r->has_ckpt |= !rc;
        *state = rc ? MP_RUN_RUNNING : MP_RUN_STOPPED;
        return rc;
    }
    if ((r->next_ckpt && e->done(r) >= r->next_ckpt) || due)
        rc = checkpoint(r);
    if (!rc && e->done(r) >= e->total(r)) {
        rc = e->save(r);
        r->has_ckpt |= !rc;
        if (!rc)
            rc = close_record(r);
        r->finished = !rc;
        *state = rc ? MP_RUN_RUNNING : MP_RUN_FINISHED;
    }
    return rc;
}

/* ---- Accessors ------------------------------------------------------------ */

const struct mp_config *mp_run_config(const struct mp_run *r)
{
    return &r->cfg;
}

struct mp_ens *mp_run_ens(const struct mp_run *r)
{
    return r->ens;
}

struct mp_net *mp_run_net(const struct mp_run *r)
{
    return r->net;
}

uint64_t mp_run_done(const struct mp_run *r)
{
    return r->engine && (r->ens || r->net || r->attr) ? r->engine->done(r)
                                                      : r->started_at;
}

uint64_t mp_run_total(const struct mp_run *r)
{
    return r->engine && (r->ens || r->net || r->attr)
               ? r->engine->total(r)
               : r->started_at;
}

uint64_t mp_run_started_at(const struct mp_run *r)
{
    return r->started_at;
}

const char *mp_run_unit(const struct mp_run *r)
{
    return r->cfg.paradigm == MP_PARADIGM_NETWORK ? "steps" : "memories";
}

double mp_run_synapses(const struct mp_run *r)
{
    if (r->cfg.paradigm == MP_PARADIGM_ATTRACTOR)
        return (double)r->cfg.attr.neurons *
               (r->cfg.attr.fan_in ? r->cfg.attr.fan_in
                                   : r->cfg.attr.neurons);
    return r->cfg.paradigm == MP_PARADIGM_NETWORK
               ? (double)r->cfg.n_in * r->cfg.n_out
               : (double)r->cfg.synapses;
}

int mp_run_complete(const struct mp_run *r)
{
    return r->complete;
}

int mp_run_stop_code(const struct mp_run *r)
{
    return r->stop_code;
}

const struct mp_net_sample *mp_run_last_sample(const struct mp_run *r)
{
    return r->last.theta ? &r->last : NULL;
}

const char *mp_run_dir(const struct mp_run *r)
{
    return r->cfg.dir;
}

void mp_run_destroy(struct mp_run *r)
{
    if (!r)
        return;
    mp_io_net_record_close(r->rec);
    mp_io_unlock(r->lock);
    mp_net_sample_fini(&r->last);
    mp_ens_destroy(r->ens);
    mp_net_destroy(r->net);
    mp_attr_destroy(r->attr);
    free(r->sig_th);
    free(r->snr_th);
    free(r->sig_thp);
    free(r->snr_thp);
    free(r->command_line);
    free(r);
}
