/* SPDX-License-Identifier: MIT */
/*
 * run_attr.c: the slice loop's engine table for an attractor network
 * (run.h): progress in memories, the next measurement as the event, and
 * checkpoint.nc then record.nc written by rank 0.
 */
#include <stdio.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "run_internal.h"

static uint64_t attr_done(const struct mp_run *r)
{
    return mp_attr_done(r->attr);
}

static uint64_t attr_total(const struct mp_run *r)
{
    return mp_attr_total(r->attr);
}

static uint64_t attr_until(const struct mp_run *r)
{
    return mp_attr_until_measure(r->attr);
}

static int attr_advance(struct mp_run *r, uint64_t n)
{
    return mp_attr_advance(r->attr, n);
}

static int attr_nothing(struct mp_run *r)
{
    (void)r;
    return 0;
}

static struct mp_provenance provenance(const struct mp_run *r)
{
    struct mp_provenance p = {r->command_line, NULL, NULL, NULL};
    p.backend = mp_attr_backend(r->attr);
    p.device = mp_attr_device(r->attr);
    return p;
}

/* record.nc (rank 0), after the checkpoint it describes. */
static int attr_record(struct mp_run *r)
{
    const struct mp_provenance prov = provenance(r);
    struct mp_attr_curve curve;
    char path[MP_CFG_MAX_PATH + 64];
    int rc = mp_attr_curve(r->attr, &curve);
    if (rc)
        return rc;
    curve.wall_s = mp__run_wall(r);
    snprintf(path, sizeof path, "%s/record.nc", r->cfg.dir);
    rc = mp_io_attr_record_write(path, &r->cfg, &curve, &prov);
    mp_attr_curve_fini(&curve);
    return rc ? mp__fail(rc,
                         "%s; the checkpoint is intact (%s/checkpoint.nc); "
                         "when there is room: metaplast resume %s (it "
                         "writes the record)",
                         mp_errmsg(), r->cfg.dir, r->cfg.dir)
              : 0;
}

static int attr_save(struct mp_run *r)
{
    const struct mp_provenance prov = provenance(r);
    struct mp_attr_snapshot snap;
    char path[MP_CFG_MAX_PATH + 64];
    int rc = mp_attr_snapshot(r->attr, &snap);
    if (rc)
        return mp__fail_prefix(rc, "checkpoint: ");
    snap.wall_s = mp__run_wall(r);
    if (mp__par_rank() == 0) {
        snprintf(path, sizeof path, "%s/checkpoint.nc", r->cfg.dir);
        rc = mp_io_attr_ckpt_write(path, &r->cfg, &snap, &prov);
        if (rc)
            mp__fail(rc, "checkpoint failed: %s; %s", mp_errmsg(),
                     mp__run_left(r));
        else
            rc = attr_record(r);
    }
    mp_attr_snapshot_fini(&snap);
    return mp__par_agree(rc);
}

const struct mp_run_engine mp__run_attr = {
    "memories", attr_done, attr_total, attr_until, attr_advance,
    attr_nothing, attr_save};

struct mp_attr *mp_run_attr(const struct mp_run *r)
{
    return r->attr;
}
