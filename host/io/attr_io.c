/* SPDX-License-Identifier: MIT */
/*
 * attr_io.c: the files of an attractor run (docs/ATTRACTOR.md):
 * checkpoint.nc (the N x N synapse states, N x K with fan-in beside the
 * presynaptic neuron of every slot, and the accumulators, through
 * ckpt.c's writer and reader) and record.nc (the retrieval curve per age
 * beside its approximate theory, the capacities as attributes).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_array.h"
#include "metaplast/attractor.h"
#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

#define AGE "age"

#define STATE_FAN                                                            \
    "synapse state of post <- presynaptic(post, slot): bit 6 strength (1 "   \
    "= weight +1), bits 0-5 depth (0 = most plastic)"

/* The arrays of a checkpoint: the state first (N x N, or N x K and the
 * connectivity with fan-in), the accumulators after; their count. */
static size_t arrays(struct array *a, const struct mp_attr_snapshot *s)
{
    const size_t N = s->neurons, n = s->n_ages, K = s->fan_in;
    const struct array all[MP_CKPT_MAX_ARRAYS] = {
        {"state", A_U8, 2, {"post", "pre"}, {N, N},
         "synapse state of post <- pre: bit 6 strength (1 = weight +1), "
         "bits 0-5 depth (0 = most plastic); the diagonal is unused",
         "1", s->state},
        {"age", A_I64, 1, {AGE, NULL}, {n, 0},
         "age of the memory, in memories stored since (measurement ages)",
         "1", s->ages},
        {"probes", A_I64, 1, {AGE, NULL}, {n, 0},
         "retrievals accumulated at this age", "1", s->count},
        {"overlap_mean", A_F64, 1, {AGE, NULL}, {n, 0},
         "running mean of the final overlap (Welford)", "1", s->mean},
        {"overlap_m2", A_F64, 1, {AGE, NULL}, {n, 0},
         "running sum of squared deviations of the overlap (Welford)", "1",
         s->m2},
        {"retrieved", A_I64, 1, {AGE, NULL}, {n, 0},
         "retrievals with overlap >= retrieve.success", "1", s->retrieved},
        {"converged", A_I64, 1, {AGE, NULL}, {n, 0},
         "retrievals that reached a fixed point", "1", s->converged},
        {"sweeps", A_I64, 1, {AGE, NULL}, {n, 0},
         "sweeps that changed the state, summed over retrievals", "1",
         s->steps},
        {"presynaptic", A_I32, 2, {"post", "slot"}, {N, K},
         "presynaptic neuron of synapse slot of post (attractor.fan_in "
         "slots per neuron, distinct, never post itself)",
         "1", s->pre},
    };
    memcpy(a, all, sizeof all);
    if (!K)
        return MP_CKPT_MAX_ARRAYS - 1;
    a[0].dim[1] = "slot";
    a[0].len[1] = K;
    a[0].long_name = STATE_FAN;
    return MP_CKPT_MAX_ARRAYS;
}

int mp_io_attr_ckpt_write(const char *path, const struct mp_config *cfg,
                          const struct mp_attr_snapshot *s,
                          const struct mp_provenance *prov)
{
    struct array a[MP_CKPT_MAX_ARRAYS];
    const size_t n = arrays(a, s);
    return mp__io_ckpt_write(path, cfg, "memories", s->done,
                             cfg->attr.burn_in + cfg->memories, s->wall_s, a,
                             n, prov);
}

int mp_io_attr_ckpt_read(const char *path, struct mp_config *cfg,
                         struct mp_attr_snapshot *s)
{
    uint64_t done;
    size_t N, n, K;
    int nc, rc = mp__io_ckpt_open(path, MP_PARADIGM_ATTRACTOR, &nc, cfg,
                                  &done);
    if (rc)
        return rc;
    N = cfg->attr.neurons;
    K = cfg->attr.fan_in;
    n = mp_config_ages(cfg, NULL, 0);
    if (done > cfg->attr.burn_in + cfg->memories)
        rc = mp__fail(MP_EFORMAT, "%s: memories_done is past the run's end",
                      path);
    if (!rc)
        rc = mp__io_check_dim(nc, path, "post", N);
    if (!rc && K)
        rc = mp__io_check_dim(nc, path, "slot", K);
    if (!rc)
        rc = mp__io_check_dim(nc, path, AGE, n);
    if (!rc)
        rc = mp__io_check_fits(path, (double)N * (K ? 5.0 * (double)K
                                                    : (double)N));
    if (!rc)
        rc = mp_attr_snapshot_alloc_fan(s, (uint32_t)N, (uint32_t)K, n);
    if (!rc) {
        struct array a[MP_CKPT_MAX_ARRAYS];
        const size_t m = arrays(a, s);
        s->done = done;
        s->wall_s = mp__io_ckpt_wall(nc);
        rc = mp__io_ckpt_read(nc, path, a, m);
        if (rc)
            mp_attr_snapshot_fini(s);
    }
    nc_close(nc);
    return rc;
}

/* ---- record.nc ----------------------------------------------------------- */

/* The curve's variables over age: name, long_name, units. */
static const char *const rec_names[10][3] = {
    {"overlap", "mean final overlap with the cued memory "
                "sum_i (xi_i - f)(s_i - f) / (N f (1 - f))", "1"},
    {"overlap_sem", "standard error of the mean final overlap", "1"},
    {"retrieved", "fraction of retrievals with final overlap >= "
                  "retrieve.success", "1"},
    {"retrieved_sem", "binomial standard error of the retrieved fraction",
     "1"},
    {"converged", "fraction of retrievals that reached a fixed point", "1"},
    {"sweeps", "mean sweeps that changed the state", "1"},
    {"signal_theory", "exact (E[J | potentiation] - E[J | depression]) / 2 "
                      "of the probed memory's synapses, averaged over the "
                      "probes (Markov chain theory)",
     "1"},
    {"snr_theory", "field signal-to-noise from a perfect cue, (mean h | "
                   "xi = 1 - mean h | xi = 0) / (2 sd(h)) (approximation)",
     "1"},
    {"overlap_theory", "mean-field overlap after retrieve.steps sweeps "
                       "from the cue (approximation, docs/ATTRACTOR.md)",
     "1"},
    {NULL, NULL, NULL}};

static void values(const struct mp_attr_curve *c, const double *v[9])
{
    v[0] = c->overlap;
    v[1] = c->overlap_sem;
    v[2] = c->retrieved;
    v[3] = c->retrieved_sem;
    v[4] = c->converged;
    v[5] = c->steps;
    v[6] = c->signal_theory;
    v[7] = c->snr_theory;
    v[8] = c->overlap_theory;
}

static void globals(struct nc *f, const struct mp_config *cfg,
                    const struct mp_attr_curve *c,
                    const struct mp_provenance *prov)
{
    mp__nc_att_text(f, NC_GLOBAL, "title",
                    "metaplast attractor-network record");
    mp__nc_provenance(f, cfg, prov, "record");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm", "attractor");
    mp__nc_att_u64(f, NC_GLOBAL, "memories_done", c->done);
    mp__nc_att_u64(f, NC_GLOBAL, "memories_total", c->total);
    mp__nc_att_u64(f, NC_GLOBAL, "neurons", cfg->attr.neurons);
    mp__nc_att_double(f, NC_GLOBAL, "capacity", c->capacity);
    mp__nc_att_double(f, NC_GLOBAL, "capacity_interp", c->capacity_interp);
    mp__nc_att_double(f, NC_GLOBAL, "capacity_theory", c->capacity_theory);
    mp__nc_att_double(f, NC_GLOBAL, "lifetime_ideal_observer",
                      c->lifetime_ideal);
    mp__nc_att_double(f, NC_GLOBAL, "wall_time_s", c->wall_s);
    mp__nc_att_text(f, NC_GLOBAL, "capacity_definition",
                    "capacity: the largest grid age (memories) retrieved "
                    "with probability >= 1/2 there and at every younger "
                    "age; capacity_interp: the age where the retrieved "
                    "fraction, interpolated linearly, crosses 1/2; "
                    "capacity_theory: the largest age whose mean-field "
                    "overlap (and every younger one's) reaches "
                    "retrieve.success in the stream's stationary regime "
                    "under its last modulator level (approximation); "
                    "lifetime_ideal_observer: the largest age with SNR >= "
                    "1 of an ensemble of the network's independent "
                    "synapses (exact); -1 none, NaN not defined");
}

int mp_io_attr_record_write(const char *path, const struct mp_config *cfg,
                            const struct mp_attr_curve *c,
                            const struct mp_provenance *prov)
{
    const double *v[9];
    struct nc f;
    int dim = -1, v_age, v_probes, var[9], k;
    int rc = mp__nc_begin(&f, path);
    if (rc)
        return rc;
    values(c, v);
    mp__nc_check(&f, nc_def_dim(f.id, AGE, c->n, &dim), "nc_def_dim");
    v_age = mp__nc_def(&f, AGE, NC_INT64, 1, &dim,
                       "age of the memory in memories (memories stored "
                       "after it)", "1");
    v_probes = mp__nc_def(&f, "probes", NC_INT64, 1, &dim,
                          "number of retrievals averaged at this age", "1");
    for (k = 0; k < 9; k++)
        var[k] = mp__nc_def(&f, rec_names[k][0], NC_DOUBLE, 1, &dim,
                            rec_names[k][1], rec_names[k][2]);
    globals(&f, cfg, c, prov);
    mp__nc_att_checksum(&f, v_age, c->age, c->n * sizeof *c->age);
    mp__nc_att_checksum(&f, v_probes, c->probes, c->n * sizeof *c->probes);
    for (k = 0; k < 9; k++)
        mp__nc_att_checksum(&f, var[k], v[k], c->n * sizeof(double));
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    mp__nc_put(&f, v_age, c->age, AGE);
    mp__nc_put(&f, v_probes, c->probes, "probes");
    for (k = 0; k < 9; k++)
        mp__nc_put(&f, var[k], v[k], rec_names[k][0]);
    /* test hook (docs/RELIABILITY.md) */
    return mp__nc_finish(&f, f.rc ? 0 : mp__fault(MP_FAULT_RECORD));
}

/* ---- theory.nc ----------------------------------------------------------- */

static void theory_globals(struct nc *f, const struct mp_config *cfg,
                           const struct mp_attr_curve *c,
                           const struct mp_provenance *prov)
{
    mp__nc_att_text(f, NC_GLOBAL, "title",
                    "metaplast attractor-network theory (approximations)");
    mp__nc_provenance(f, cfg, prov, "theory");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm", "attractor");
    mp__nc_att_u64(f, NC_GLOBAL, "neurons", cfg->attr.neurons);
    mp__nc_att_double(f, NC_GLOBAL, "capacity_theory", c->capacity_theory);
    mp__nc_att_double(f, NC_GLOBAL, "lifetime_ideal_observer",
                      c->lifetime_ideal);
    mp__nc_att_text(f, NC_GLOBAL, "capacity_definition",
                    "capacity_theory: the largest age whose mean-field "
                    "overlap reaches retrieve.success (approximation: the "
                    "neurons independent, the other memories' traces a "
                    "Gaussian noise); lifetime_ideal_observer: the largest "
                    "age with SNR >= 1 of an ensemble of the network's "
                    "independent synapses (exact); -1 none, NaN where it "
                    "does not apply");
}

int mp_io_attr_theory_write(const char *path, const struct mp_config *cfg,
                            const struct mp_attr_curve *c,
                            const struct mp_provenance *prov)
{
    const double *v[9];
    struct nc f;
    int dim = -1, v_age, var[3], k;
    int rc = mp__nc_begin(&f, path);
    if (rc)
        return rc;
    values(c, v);
    mp__nc_check(&f, nc_def_dim(f.id, AGE, c->n, &dim), "nc_def_dim");
    v_age = mp__nc_def(&f, AGE, NC_INT64, 1, &dim,
                       "age of the memory in memories (memories stored "
                       "after it)", "1");
    for (k = 0; k < 3; k++)
        var[k] = mp__nc_def(&f, rec_names[6 + k][0], NC_DOUBLE, 1, &dim,
                            rec_names[6 + k][1], rec_names[6 + k][2]);
    theory_globals(&f, cfg, c, prov);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    mp__nc_put(&f, v_age, c->age, AGE);
    for (k = 0; k < 3; k++)
        mp__nc_put(&f, var[k], v[6 + k], rec_names[6 + k][0]);
    return mp__nc_finish(&f, 0);
}

int mp_io_attr_record_done(const char *path, uint64_t *done)
{
    char kind[32];
    unsigned long long d = 0;
    int nc, rc = mp__nc_open_ours(path, &nc, kind);
    if (rc)
        return rc;
    if (nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &d) != NC_NOERR)
        rc = mp__fail(MP_EFORMAT, "%s: no memories_done", path);
    nc_close(nc);
    *done = d;
    return rc;
}
