/* SPDX-License-Identifier: MIT */
/* record.c: an ensemble's record.nc (written, and read back for sweeps)
 * and theory.nc. */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

const char *const mp_io_ens_record_names[6] = {
    "signal", "signal_sem", "snr", "snr_sem", "signal_theory", "snr_theory"};

static const char *const long_names[6] = {
    "mean overlap E[m(t)] with the memory, chance level removed",
    "standard error of the mean overlap",
    "signal-to-noise ratio sqrt(N) E[m(t)] / noise",
    "standard error of the signal-to-noise ratio",
    ("exact expected overlap E[m(t)] (Markov chain theory), t = age in "
     "memories"),
    "exact expected signal-to-noise ratio, t = age in memories"};

static const char *const poisson_names[2] = {"signal_theory_poisson",
                                             "snr_theory_poisson"};
static const char *const poisson_long_names[2] = {
    ("exact expected overlap E[m(tau)] in Poisson time, tau = age "
     "(memories arriving as a Poisson process of rate 1)"),
    "exact expected signal-to-noise ratio in Poisson time, tau = age"};

#define AGE_LONG_NAME                                                        \
    "age of the memory in memories (memories stored after it)"

/* The age coordinate: units "1" (a count), its clock named. */
static int def_age(struct nc *f, int dim)
{
    const int v = mp__nc_def(f, "age", NC_INT64, 1, &dim, AGE_LONG_NAME, "1");
    mp__nc_att_text(f, v, "clock", "memories");
    return v;
}

/* The Poisson-clock theory curves (if given) on the age dimension. */
static void def_poisson(struct nc *f, int dim, const double *const pv[2],
                        size_t n, int var[2])
{
    int k;
    for (k = 0; k < 2; k++) {
        var[k] = -1;
        if (!pv[k])
            continue;
        var[k] = mp__nc_def(f, poisson_names[k], NC_DOUBLE, 1, &dim,
                            poisson_long_names[k], "1");
        mp__nc_att_text(f, var[k], "clock", "poisson");
        mp__nc_att_checksum(f, var[k], pv[k], n * sizeof(double));
    }
}

static void put_poisson(struct nc *f, const double *const pv[2],
                        const int var[2])
{
    int k;
    for (k = 0; k < 2; k++)
        if (pv[k])
            mp__nc_put(f, var[k], pv[k], poisson_names[k]);
}

/* The occupancy series (record.states): counts along `time`, states
 * along `state` with their coordinates, the theory's stationary
 * occupancy beside them, the last count as fractions (final_occupancy). */
struct occ_vars {
    struct mp__nc_states st;
    int dim, v_time, v_occ, v_pinf;
};

static void def_occupancy(struct nc *f, const struct mp_ens_curve *c,
                          const struct mp_theory *th, struct occ_vars *o)
{
    const int64_t *last = c->occupancy + (c->n_occ - 1) * c->n_states;
    double frac[MP__NC_MAX_STATES];
    int64_t total = 0;
    int dims[2];
    uint32_t j;
    mp__nc_states_def(f, &o->st, c->state_byte, c->n_states);
    mp__nc_check(f, nc_def_dim(f->id, "time", c->n_occ, &o->dim),
                 "nc_def_dim");
    o->v_time = mp__nc_def(f, "time", NC_INT64, 1, &o->dim,
                           "memories stored (burn-in included) when the "
                           "occupancy was counted",
                           "1");
    mp__nc_att_text(f, o->v_time, "clock", "memories");
    dims[0] = o->dim;
    dims[1] = o->st.dim;
    o->v_occ = mp__nc_def(f, "occupancy", NC_INT64, 2, dims,
                          "synapses in each state", "1");
    mp__nc_att_text(f, o->v_occ, "coordinates", "state_strength state_depth");
    mp__nc_att_checksum(f, o->v_time, c->occ_memory, c->n_occ * 8);
    mp__nc_att_checksum(f, o->v_occ, c->occupancy,
                        c->n_occ * c->n_states * 8);
    o->v_pinf = -1;
    if (th->states == c->n_states) {
        o->v_pinf = mp__nc_def(f, "p_inf", NC_DOUBLE, 1, &o->st.dim,
                               "stationary occupancy of the exact theory "
                               "(fraction of synapses in each state)",
                               "1");
        mp__nc_att_checksum(f, o->v_pinf, th->p_inf, c->n_states * 8);
    }
    for (j = 0; j < o->st.n; j++)
        total += last[j];
    for (j = 0; j < o->st.n; j++)
        frac[j] = total ? (double)last[j] / (double)total : 0.0;
    if (!f->rc)
        mp__nc_check(f, nc_put_att_double(f->id, NC_GLOBAL,
                                           "final_occupancy", NC_DOUBLE,
                                           o->st.n, frac),
                     "final_occupancy");
}

static void put_occupancy(struct nc *f, const struct mp_ens_curve *c,
                          const struct mp_theory *th,
                          const struct occ_vars *o)
{
    mp__nc_states_put(f, &o->st);
    mp__nc_put(f, o->v_time, c->occ_memory, "time");
    mp__nc_put(f, o->v_occ, c->occupancy, "occupancy");
    if (o->v_pinf >= 0)
        mp__nc_put(f, o->v_pinf, th->p_inf, "p_inf");
}

int mp_io_ens_record_write(const char *path, const struct mp_config *cfg,
                           const struct mp_ens_curve *c,
                           const double *signal_theory,
                           const double *snr_theory,
                           const double *signal_poisson,
                           const double *snr_poisson,
                           const struct mp_theory *th,
                           const struct mp_provenance *prov)
{
    const double *values[6] = {c->signal,   c->signal_sem,  c->snr,
                               c->snr_sem,  signal_theory, snr_theory};
    const double *const pv[2] = {signal_poisson, snr_poisson};
    const int occ = c->n_occ && c->n_states;
    struct occ_vars o;
    struct nc f;
    int dim = -1, v_age, v_probes, v[6], v_p[2], v_m[4], k;
    int rc = mp__nc_begin(&f, path);
    if (rc)
        return rc;
    mp__nc_check(&f, nc_def_dim(f.id, "age", c->n, &dim), "nc_def_dim");
    v_age = def_age(&f, dim);
    for (k = 0; k < 4; k++)
        v[k] = mp__nc_def(&f, mp_io_ens_record_names[k], NC_DOUBLE, 1, &dim,
                          long_names[k], "1");
    v_probes = mp__nc_def(&f, "probes", NC_INT64, 1, &dim,
                          "number of measurements averaged at this age", "1");
    for (k = 4; k < 6; k++) {
        v[k] = mp__nc_def(&f, mp_io_ens_record_names[k], NC_DOUBLE, 1, &dim,
                          long_names[k], "1");
        mp__nc_att_text(&f, v[k], "clock", "memories");
    }
    def_poisson(&f, dim, pv, c->n, v_p);
    if (th->modes) /* none for a Benna-Fusi chain */
        mp__nc_modes_def(&f, th, v_m, 1);
    if (occ)
        def_occupancy(&f, c, th, &o);
    mp__nc_att_text(&f, NC_GLOBAL, "title",
                    "metaplast synapse-ensemble record");
    mp__nc_provenance(&f, cfg, prov, "record");
    mp__nc_att_u64(&f, NC_GLOBAL, "memories_done", c->done);
    mp__nc_att_u64(&f, NC_GLOBAL, "memories_total", c->total);
    mp__nc_att_double(&f, NC_GLOBAL, "lifetime", c->lifetime);
    mp__nc_att_double(&f, NC_GLOBAL, "noise", c->noise);
    mp__nc_att_double(&f, NC_GLOBAL, "wall_time_s", c->wall_s);
    mp__nc_theory_summary(&f, th);
    /* Checksums, verified by collect and sweep-status (mp_io_verify). */
    mp__nc_att_checksum(&f, v_age, c->age, c->n * sizeof *c->age);
    for (k = 0; k < 6; k++)
        mp__nc_att_checksum(&f, v[k], values[k], c->n * sizeof(double));
    mp__nc_att_checksum(&f, v_probes, c->probes, c->n * sizeof *c->probes);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    mp__nc_put(&f, v_age, c->age, "age");
    for (k = 0; k < 6; k++)
        mp__nc_put(&f, v[k], values[k], mp_io_ens_record_names[k]);
    mp__nc_put(&f, v_probes, c->probes, "probes");
    put_poisson(&f, pv, v_p);
    if (th->modes)
        mp__nc_modes_put(&f, th, v_m);
    if (occ)
        put_occupancy(&f, c, th, &o);
    /* test hook (docs/RELIABILITY.md) */
    return mp__nc_finish(&f, f.rc ? 0 : mp__fault(MP_FAULT_RECORD));
}

void mp_io_ens_record_fini(struct mp_io_ens_record *r)
{
    int k;
    free(r->age);
    free(r->probes);
    for (k = 0; k < 6; k++)
        free(r->value[k]);
    memset(r, 0, sizeof *r);
}

/* The arrays of a record of n ages. */
static int record_alloc(struct mp_io_ens_record *r, size_t n)
{
    int k, ok;
    r->n = n;
    r->age = calloc(n ? n : 1, sizeof *r->age);
    r->probes = calloc(n ? n : 1, sizeof *r->probes);
    ok = r->age && r->probes;
    for (k = 0; k < 6; k++) {
        r->value[k] = calloc(n ? n : 1, sizeof *r->value[k]);
        ok = ok && r->value[k];
    }
    return ok ? 0 : mp__fail(MP_ENOMEM, "out of memory");
}

int mp_io_ens_record_read(const char *path, struct mp_io_ens_record *r)
{
    unsigned long long done = 0, total = 0;
    char kind[32];
    size_t n = 0;
    int nc, d, v, k, rc = mp__nc_open_ours(path, &nc, kind);
    memset(r, 0, sizeof *r);
    if (rc)
        return rc;
    if (strcmp(kind, "record") || nc_inq_dimid(nc, "age", &d) != NC_NOERR ||
        nc_inq_dimlen(nc, d, &n) != NC_NOERR) {
        nc_close(nc);
        return mp__fail(MP_EFORMAT,
                        "%s is not a synapse-ensemble record", path);
    }
    rc = record_alloc(r, n);
    if (!rc && (nc_inq_varid(nc, "age", &v) ||
                nc_get_var_longlong(nc, v, (long long *)r->age) ||
                nc_inq_varid(nc, "probes", &v) ||
                nc_get_var_longlong(nc, v, (long long *)r->probes)))
        rc = mp__fail(MP_EFORMAT, "%s: cannot read age or probes", path);
    for (k = 0; k < 6 && !rc; k++)
        if (nc_inq_varid(nc, mp_io_ens_record_names[k], &v) ||
            nc_get_var_double(nc, v, r->value[k]))
            rc = mp__fail(MP_EFORMAT, "%s: cannot read %s", path,
                          mp_io_ens_record_names[k]);
    if (!rc && (nc_get_att_double(nc, NC_GLOBAL, "lifetime", &r->lifetime) ||
                nc_get_att_double(nc, NC_GLOBAL, "theory_lifetime",
                                  &r->lifetime_theory) ||
                nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &done) ||
                nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_total",
                                     &total)))
        rc = mp__fail(MP_EFORMAT, "%s: attributes missing", path);
    r->done = done;
    r->total = total;
    nc_close(nc);
    if (rc)
        mp_io_ens_record_fini(r);
    return rc;
}

int mp_io_theory_write(const char *path, const struct mp_config *cfg,
                       const uint64_t *ages, size_t n, const double *signal,
                       const double *snr, const double *signal_poisson,
                       const double *snr_poisson, const struct mp_theory *th,
                       const struct mp_provenance *prov)
{
    const double *const pv[2] = {signal_poisson, snr_poisson};
    static const char *const names[2] = {"signal_poisson", "snr_poisson"};
    struct nc f;
    int dim = -1, v_age, v_sig, v_snr, sdim = -1, v_p = -1, v_pc[2], v_m[4];
    int k;
    int rc = mp__nc_begin(&f, path);
    if (rc)
        return rc;
    mp__nc_check(&f, nc_def_dim(f.id, "age", n, &dim), "nc_def_dim");
    if (th->states) /* none for a Benna-Fusi chain */
        mp__nc_check(&f, nc_def_dim(f.id, "state", th->states, &sdim),
                     "nc_def_dim");
    v_age = def_age(&f, dim);
    v_sig = mp__nc_def(&f, "signal", NC_DOUBLE, 1, &dim, long_names[4], "1");
    v_snr = mp__nc_def(&f, "snr", NC_DOUBLE, 1, &dim, long_names[5], "1");
    mp__nc_att_text(&f, v_sig, "clock", "memories");
    mp__nc_att_text(&f, v_snr, "clock", "memories");
    for (k = 0; k < 2; k++) {
        v_pc[k] = -1;
        if (!pv[k])
            continue;
        v_pc[k] = mp__nc_def(&f, names[k], NC_DOUBLE, 1, &dim,
                             poisson_long_names[k], "1");
        mp__nc_att_text(&f, v_pc[k], "clock", "poisson");
    }
    if (th->states)
        v_p = mp__nc_def(&f, "p_inf", NC_DOUBLE, 1, &sdim,
                         "stationary occupancy, states from deepest weak "
                         "to deepest strong",
                         "1");
    if (th->modes)
        mp__nc_modes_def(&f, th, v_m, 0);
    mp__nc_att_text(&f, NC_GLOBAL, "title", "metaplast exact theory");
    mp__nc_provenance(&f, cfg, prov, "theory");
    mp__nc_theory_summary(&f, th);
    mp__nc_att_double(&f, NC_GLOBAL, "theory_area_signal", th->area_signal);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    mp__nc_put(&f, v_age, ages, "age");
    mp__nc_put(&f, v_sig, signal, "signal");
    mp__nc_put(&f, v_snr, snr, "snr");
    for (k = 0; k < 2; k++)
        if (pv[k])
            mp__nc_put(&f, v_pc[k], pv[k], names[k]);
    if (th->states)
        mp__nc_put(&f, v_p, th->p_inf, "p_inf");
    if (th->modes)
        mp__nc_modes_put(&f, th, v_m);
    return mp__nc_finish(&f, 0);
}
