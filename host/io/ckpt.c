/* SPDX-License-Identifier: MIT */
/*
 * ckpt.c: checkpoints of both engines: every state array with a checksum,
 * the resolved config, the progress, the format version; read back with
 * every check a damaged or foreign file needs (docs/CHECKPOINT.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "ckpt_array.h"
#include "nc.h"

/*
 * 64-bit checksum: FNV-1a's step over little-endian 64-bit words, then the
 * splitmix64 finalizer.  Each step (h ^ w) * P, P odd, is a bijection of
 * w and of h, so any change confined to one word always changes the sum.
 */
uint64_t mp_io_hash64(const void *data, size_t n)
{
    const uint64_t P = UINT64_C(0x100000001b3);
    const unsigned char *b = data;
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ (uint64_t)n, w;
    size_t i;
    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, b + i, 8);
        h = (h ^ w) * P;
    }
    w = 0;
    memcpy(&w, b + i, n - i);
    h = (h ^ w) * P;
    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    return h;
}

#define HASH_NAME                                                            \
    "metaplast-hash64 (FNV-1a over 64-bit words, splitmix64 finish)"


static size_t elem_size(int t)
{
    return t == A_U8 ? 1 : t == A_F32 || t == A_I32 ? 4 : 8;
}

static nc_type nc_type_of(int t)
{
    return t == A_U8    ? NC_UBYTE
           : t == A_I64 ? NC_INT64
           : t == A_F32 ? NC_FLOAT
           : t == A_I32 ? NC_INT
                        : NC_DOUBLE;
}

static size_t bytes_of(const struct array *a)
{
    return (a->ndims == 1 ? a->len[0] : a->len[0] * a->len[1]) *
           elem_size(a->type);
}

/* What a checkpoint says about its progress: "memories" or "steps". */
struct head {
    const char *unit;
    uint64_t done;
    uint64_t total;
    double wall_s; /* wall-clock seconds of the run so far (provenance) */
};

#define CHUNK_BYTES ((size_t)4 << 20)

/* Large arrays in chunks of about 4 MiB, deflated on request. */
static void chunking(struct nc *f, int var, const struct array *a,
                     int deflate)
{
    size_t chunk[2];
    if (a->ndims == 1) {
        chunk[0] = CHUNK_BYTES / elem_size(a->type);
    } else {
        size_t row = a->len[1] * elem_size(a->type);
        chunk[0] = row >= CHUNK_BYTES ? 1 : CHUNK_BYTES / row;
        chunk[1] = a->len[1];
    }
    mp__nc_check(f, nc_def_var_chunking(f->id, var, NC_CHUNKED, chunk),
                 "nc_def_var_chunking");
    if (!f->rc && deflate > 0)
        mp__nc_check(f, nc_def_var_deflate(f->id, var, 0, 1, deflate),
                     "nc_def_var_deflate");
}

/* One array's dimensions, variable and attributes. */
static int def_array(struct nc *f, const struct array *a, int deflate)
{
    int dims[2], d, var = -1;
    for (d = 0; d < a->ndims && !f->rc; d++)
        if (nc_inq_dimid(f->id, a->dim[d], &dims[d]) != NC_NOERR)
            mp__nc_check(f, nc_def_dim(f->id, a->dim[d], a->len[d], &dims[d]),
                         "nc_def_dim");
    if (!f->rc)
        var = mp__nc_def(f, a->name, nc_type_of(a->type), a->ndims, dims,
                         a->long_name, a->units);
    if (!f->rc && bytes_of(a) > CHUNK_BYTES)
        chunking(f, var, a, deflate);
    mp__nc_att_checksum(f, var, a->data, bytes_of(a));
    return var;
}

/* The checksum of a checkpoint's header: its progress, its seed and its
 * configuration, which decide the run as much as its arrays do. */
static uint64_t header_hash(const char *unit, unsigned long long done,
                            unsigned long long total,
                            unsigned long long seed, const char *ini)
{
#define HEADER_FMT "%s_done=%llu\n%s_total=%llu\nseed=%llu\n%s"
    const int n = snprintf(NULL, 0, HEADER_FMT, unit, done, unit, total,
                           seed, ini);
    char *text = n < 0 ? NULL : malloc((size_t)n + 1);
    uint64_t h;
    if (!text)
        return 0; /* never matches a stored sum: refused as damaged */
    snprintf(text, (size_t)n + 1, HEADER_FMT, unit, done, unit, total, seed,
             ini);
#undef HEADER_FMT
    h = mp_io_hash64(text, (size_t)n);
    free(text);
    return h;
}

/* The global attributes of a checkpoint. */
static void ckpt_globals(struct nc *f, const struct mp_config *cfg,
                         const struct head *h,
                         const struct mp_provenance *prov, const char *ini)
{
    const int version = MP_CKPT_FORMAT;
    char name[64];
    mp__nc_att_text(f, NC_GLOBAL, "title", "metaplast checkpoint");
    mp__nc_provenance(f, cfg, prov, "checkpoint");
    if (!f->rc)
        mp__nc_check(f, nc_put_att_int(f->id, NC_GLOBAL, "format_version",
                                       NC_INT, 1, &version),
                     "format_version");
    mp__nc_att_text(f, NC_GLOBAL, "paradigm",
                    cfg->paradigm == MP_PARADIGM_NETWORK     ? "network"
                    : cfg->paradigm == MP_PARADIGM_ATTRACTOR ? "attractor"
                                                              : "ensemble");
    snprintf(name, sizeof name, "%s_done", h->unit);
    mp__nc_att_u64(f, NC_GLOBAL, name, h->done);
    snprintf(name, sizeof name, "%s_total", h->unit);
    mp__nc_att_u64(f, NC_GLOBAL, name, h->total);
    mp__nc_att_u64(f, NC_GLOBAL, "seed", cfg->seed);
    mp__nc_att_double(f, NC_GLOBAL, "wall_time_s", h->wall_s);
    mp__nc_att_text(f, NC_GLOBAL, "checksum_algorithm", HASH_NAME);
    /* config_ini, written by mp__nc_provenance, is this same text. */
    snprintf(name, sizeof name, "%016llx",
             (unsigned long long)header_hash(h->unit, h->done, h->total,
                                             cfg->seed, ini));
    mp__nc_att_text(f, NC_GLOBAL, "header_checksum", name);
}

static int ckpt_write(const char *path, const struct mp_config *cfg,
                      const struct head *h, const struct array *a, size_t n,
                      const struct mp_provenance *prov)
{
    struct nc f;
    char *text = mp__nc_config_text(cfg);
    size_t i;
    int var[12], rc;

    if (!text)
        return mp__fail(MP_ENOMEM, "%s: out of memory", path);
    rc = mp__nc_begin(&f, path);
    if (rc) {
        free(text);
        return rc;
    }
    for (i = 0; i < n && !f.rc; i++)
        var[i] = def_array(&f, &a[i], cfg->ckpt_deflate);
    ckpt_globals(&f, cfg, h, prov, text);
    free(text);
    if (!f.rc)
        mp__nc_check(&f, nc_enddef(f.id), "nc_enddef");
    for (i = 0; i < n && !f.rc; i++)
        mp__nc_put(&f, var[i], a[i].data, a[i].name);
    /* test hook (docs/RELIABILITY.md) */
    return mp__nc_finish(&f, f.rc ? 0 : mp__fault(MP_FAULT_CHECKPOINT));
}

int mp_io_ens_ckpt_write(const char *path, const struct mp_config *cfg,
                         const struct mp_ens_snapshot *s,
                         const struct mp_provenance *prov)
{
    const struct array a[] = {
        {"state", A_U8, 1, {"synapse", NULL}, {s->synapses, 0},
         "synapse state: bit 6 strength (1 = weight +1), bits 0-5 depth "
         "(0 = most plastic)",
         "1", s->state},
        {"age", A_I64, 1, {"age", NULL}, {s->n_ages, 0},
         "age of the memory, in memories stored since (measurement ages)",
         "1", s->ages},
        {"probes", A_I64, 1, {"age", NULL}, {s->n_ages, 0},
         "measurements accumulated at this age", "1", s->count},
        {"signal_mean", A_F64, 1, {"age", NULL}, {s->n_ages, 0},
         "running mean of the overlap (Welford)", "1", s->mean},
        {"signal_m2", A_F64, 1, {"age", NULL}, {s->n_ages, 0},
         "running sum of squared deviations (Welford)", "1", s->m2},
        /* Dimensions of their own: the variable `state` is not over a
         * dimension `state` (NetCDF-4 refuses the name of a dimension
         * for a variable over another one). */
        {"occupancy_time", A_I64, 1, {"occupancy_time", NULL}, {s->n_occ, 0},
         "memories stored when the occupancy was counted", "1",
         s->occ_memory},
        {"occupancy", A_I64, 2, {"occupancy_time", "occupancy_state"},
         {s->n_occ, s->n_states},
         "synapses in each state (record.states), states in the model's "
         "order",
         "1", s->occupancy},
    };
    const struct head h = {"memories", s->done, cfg->burn_in + cfg->memories,
                           s->wall_s};
    struct array b[5];
    if (!s->vars) /* the occupancy series once there is one */
        return ckpt_write(path, cfg, &h, a, s->n_occ ? 7 : 5, prov);
    /* A Benna-Fusi chain: its float variables instead of the bytes. */
    memcpy(b, a, sizeof b);
    b[0].name = "bf_u";
    b[0].type = A_F32;
    b[0].ndims = 2;
    b[0].dim[0] = "bf_variable";
    b[0].dim[1] = "synapse";
    b[0].len[0] = s->vars;
    b[0].len[1] = s->synapses;
    b[0].long_name = "Benna-Fusi variables: row k - 1 holds u_k of every "
                     "synapse (u_1 the weight)";
    b[0].data = s->u;
    return ckpt_write(path, cfg, &h, b, 5, prov);
}

/* The optional per-neuron arrays, those the snapshot has, into a (at
 * most 4), after the rest: the threshold's priming component and the
 * gain and bias of intrinsic plasticity (when their rules are on), the
 * silence counts (record.silent_after > 0); returns how many. */
static size_t net_optional_arrays(struct array *a,
                                  const struct mp_net_snapshot *s)
{
    const struct array all[4] = {
        {"theta_priming", A_F32, 1, {"neuron", NULL}, {s->n_out, 0},
         "priming component of the modification threshold", "1", s->prime},
        {"ip_gain", A_F32, 1, {"neuron", NULL}, {s->n_out, 0},
         "intrinsic gain a in y = max(0, a h - b)", "1", s->gain},
        {"ip_bias", A_F32, 1, {"neuron", NULL}, {s->n_out, 0},
         "intrinsic bias b in y = max(0, a h - b)", "1", s->bias},
        {"silent_steps", A_I64, 1, {"neuron", NULL}, {s->n_out, 0},
         "steps the neuron has been silent: whole record intervals since "
         "it last fired whose mean rate was at most record.silent_rate",
         "1", (void *)s->silent},
    };
    size_t k, n = 0;
    for (k = 0; k < 4; k++)
        if (all[k].data)
            a[n++] = all[k];
    return n;
}

int mp_io_net_ckpt_write(const char *path, const struct mp_config *cfg,
                         const struct mp_net_snapshot *s,
                         const struct mp_provenance *prov)
{
    const struct array a[] = {
        {"weights", A_F32, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
         "synaptic weights, one row per neuron", "1", s->w},
        {"theta", A_F32, 1, {"neuron", NULL}, {s->n_out, 0},
         "sliding modification threshold", "1", s->theta},
        {"activity", A_F32, 1, {"neuron", NULL}, {s->n_out, 0},
         "rates of the last step (the recurrent input of the next)", "1",
         s->y},
        {"rate_sum_scaling", A_F64, 1, {"neuron", NULL}, {s->n_out, 0},
         "sum of rates since the last scaling pass", "1", s->acc_scale},
        {"rate_sum_record", A_F64, 1, {"neuron", NULL}, {s->n_out, 0},
         "sum of rates since the last record", "1", s->acc_rec},
        {"counters", A_I64, 1, {"counter", NULL}, {2, 0},
         "steps since the last scaling pass and since the last record", "1",
         (void *)s->counters},
        {"syn_state", A_U8, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
         "discrete synapse states: bit 6 strength, bits 0-5 depth", "1",
         s->state},
    };
    const struct head h = {"steps", s->step,
                           mp_config_steps(cfg, cfg->duration_s), s->wall_s};
    struct array b[11];
    size_t n = s->state ? 7 : 6;
    memcpy(b, a, sizeof a);
    n += net_optional_arrays(b + n, s);
    return ckpt_write(path, cfg, &h, b, n, prov);
}

/* ---- Reading ----------------------------------------------------------- */

/* Reads an array of the expected type and shape into a->data and checks
 * its checksum; *mismatch is set on a checksum mismatch. */
static int read_array(int nc, const char *path, const struct array *a,
                      int *mismatch)
{
    int var, dims[2], ndims, st, d;
    nc_type type;
    size_t len;
    char *sum = NULL, hex[32];

    if (nc_inq_varid(nc, a->name, &var) != NC_NOERR ||
        nc_inq_var(nc, var, NULL, &type, &ndims, NULL, NULL) != NC_NOERR ||
        ndims != a->ndims || type != nc_type_of(a->type) ||
        nc_inq_vardimid(nc, var, dims) != NC_NOERR)
        return mp__fail(MP_EFORMAT,
                        "%s: variable '%s' is missing or has the wrong type",
                        path, a->name);
    for (d = 0; d < ndims; d++)
        if (nc_inq_dimlen(nc, dims[d], &len) != NC_NOERR || len != a->len[d])
            return mp__fail(MP_EFORMAT,
                            "%s: variable '%s' does not have the size of the "
                            "checkpoint's configuration",
                            path, a->name);
    st = nc_get_var(nc, var, a->data);
    if (st != NC_NOERR)
        return mp__fail(MP_EFORMAT, "%s: cannot read variable '%s': %s",
                        path, a->name, nc_strerror(st));
    if (mp__nc_get_text(nc, var, "checksum", &sum))
        return mp__fail(MP_EFORMAT, "%s: variable '%s' has no checksum",
                        path, a->name);
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)mp_io_hash64(a->data, bytes_of(a)));
    st = strcmp(hex, sum)
             ? mp__fail(MP_EFORMAT,
                        "%s: checksum mismatch in variable '%s' (stored %s, "
                        "computed %s): the file is damaged",
                        path, a->name, sum, hex)
             : 0;
    if (st && mismatch)
        *mismatch = 1;
    free(sum);
    return st;
}

/* The checkpoint's own configuration, validated. */
static int ckpt_config(int nc, const char *path, struct mp_config *cfg)
{
    char *text = NULL, name[MP_CFG_MAX_PATH + 32];
    int rc;
    if (mp__nc_get_text(nc, NC_GLOBAL, "config_ini", &text))
        return mp__fail(MP_EFORMAT, "%s: checkpoint without config_ini",
                        path);
    mp_config_init(cfg);
    snprintf(name, sizeof name, "%s (config_ini)", path);
    rc = mp_config_load_text(cfg, text, name);
    free(text);
    if (rc == 0) {
        /* Earlier versions stored the other paradigm's keys too. */
        mp_config_drop_unused(cfg);
        rc = mp_config_validate(cfg);
    }
    return rc ? mp__fail(MP_EFORMAT, "%s", mp_errmsg()) : 0;
}

/* What makes a file a checkpoint this build can resume. */
static int ckpt_kind(int nc, const char *path, const char *kind)
{
    char *text = NULL;
    int version = 0;
    if (strcmp(kind, "checkpoint"))
        return mp__fail(MP_EFORMAT, "%s: a metaplast %s file, not a "
                                    "checkpoint",
                        path, kind);
    if (!mp__nc_get_text(nc, NC_GLOBAL, "diagnostic", &text)) {
        const int rc = mp__fail(MP_EFORMAT,
                                "%s: a diagnostic checkpoint (%s): it shows "
                                "what went wrong and cannot be resumed; "
                                "resume from checkpoint.nc",
                                path, text);
        free(text);
        return rc;
    }
    if (nc_get_att_int(nc, NC_GLOBAL, "format_version", &version) !=
        NC_NOERR)
        return mp__fail(MP_EFORMAT, "%s: checkpoint without a "
                                    "format_version",
                        path);
    if (version < MP_CKPT_FORMAT_OLDEST || version > MP_CKPT_FORMAT)
        return mp__fail(MP_EFORMAT,
                        "%s: checkpoint format version %d; this build of "
                        "metaplast reads versions %d to %d",
                        path, version, MP_CKPT_FORMAT_OLDEST,
                        MP_CKPT_FORMAT);
    return 0;
}

/* From format 2 on: the progress, seed and configuration match the
 * header checksum (an edited count would silently change the result). */
int mp__io_check_header(int nc, const char *path)
{
    const char *unit = "memories";
    unsigned long long done = 0, total = 0, seed = 0;
    char *ini = NULL, *sum = NULL, name[64], hex[32];
    size_t alen;
    int version = 0, rc = 0;
    nc_get_att_int(nc, NC_GLOBAL, "format_version", &version);
    /* Version 1 had none; a file that has one is always checked (a
     * format_version edited back to 1 does not skip it). */
    if (version < 2 &&
        nc_inq_attlen(nc, NC_GLOBAL, "header_checksum", &alen) != NC_NOERR)
        return 0;
    snprintf(name, sizeof name, "%s_done", unit);
    if (nc_get_att_ulonglong(nc, NC_GLOBAL, name, &done) != NC_NOERR)
        unit = "steps";
    snprintf(name, sizeof name, "%s_done", unit);
    nc_get_att_ulonglong(nc, NC_GLOBAL, name, &done);
    snprintf(name, sizeof name, "%s_total", unit);
    nc_get_att_ulonglong(nc, NC_GLOBAL, name, &total);
    nc_get_att_ulonglong(nc, NC_GLOBAL, "seed", &seed);
    if (mp__nc_get_text(nc, NC_GLOBAL, "header_checksum", &sum) ||
        mp__nc_get_text(nc, NC_GLOBAL, "config_ini", &ini)) {
        rc = mp__fail(MP_EFORMAT,
                      "%s: damaged: the header_checksum or config_ini "
                      "attribute is missing",
                      path);
    } else {
        snprintf(hex, sizeof hex, "%016llx",
                 (unsigned long long)header_hash(unit, done, total, seed,
                                                 ini));
        if (strcmp(hex, sum))
            rc = mp__fail(MP_EFORMAT,
                          "%s: damaged: its header (%s_done = %llu, "
                          "%s_total, seed or configuration) does not match "
                          "its checksum (stored %s, computed %s)",
                          path, unit, done, unit, sum, hex);
    }
    free(ini);
    free(sum);
    return rc;
}

/* Opens a checkpoint of the given paradigm: its format version, its
 * configuration (validated) and its progress. */
static int ckpt_open(const char *path, int paradigm, int *nc,
                     struct mp_config *cfg, uint64_t *done)
{
    const char *unit = paradigm == MP_PARADIGM_NETWORK ? "steps" : "memories";
    char kind[32], name[64];
    unsigned long long d = 0;
    int rc = mp__nc_open_ours(path, nc, kind);
    if (rc)
        return rc;
    rc = ckpt_kind(*nc, path, kind);
    if (!rc)
        rc = mp__io_check_header(*nc, path);
    if (!rc)
        rc = ckpt_config(*nc, path, cfg);
    if (!rc && cfg->paradigm != paradigm)
        rc = mp__fail(MP_EFORMAT, "%s: a checkpoint of a %s run", path,
                      cfg->paradigm == MP_PARADIGM_NETWORK ? "rate-network"
                      : cfg->paradigm == MP_PARADIGM_ATTRACTOR
                          ? "attractor-network"
                          : "synapse-ensemble");
    snprintf(name, sizeof name, "%s_done", unit);
    if (!rc && nc_get_att_ulonglong(*nc, NC_GLOBAL, name, &d) != NC_NOERR)
        rc = mp__fail(MP_EFORMAT, "%s: checkpoint without %s", path, name);
    if (rc)
        nc_close(*nc);
    *done = d;
    return rc;
}

/* Before allocating what a file asks for: its dimension must match the
 * file's own config, and the arrays must fit in memory. */
static int check_dim(int nc, const char *path, const char *name, size_t want)
{
    int d;
    size_t len = 0;
    if (nc_inq_dimid(nc, name, &d) != NC_NOERR ||
        nc_inq_dimlen(nc, d, &len) != NC_NOERR || len != want)
        return mp__fail(MP_EFORMAT,
                        "%s: dimension '%s' is missing or does not match "
                        "the checkpoint's configuration",
                        path, name);
    return 0;
}

static int check_fits(const char *path, double bytes)
{
    double have = mp_memory_available();
    if (have > 0 && bytes > have)
        return mp__fail(MP_ETOOBIG,
                        "%s: loading needs %.3g GB of memory, the machine "
                        "has %.3g GB available",
                        path, bytes / 1e9, have / 1e9);
    return 0;
}

static int read_arrays(int nc, const char *path, const struct array *a,
                       size_t n)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < n && !rc; i++)
        rc = read_array(nc, path, &a[i], NULL);
    return rc;
}

/* The wall time a checkpoint's run had taken (0 if it does not say). */
static double wall_time(int nc)
{
    double w = 0.0;
    return nc_get_att_double(nc, NC_GLOBAL, "wall_time_s", &w) == NC_NOERR
               ? w
               : 0.0;
}

/* An ensemble's occupancy series (record.states): one count per
 * measurement so far, of the model's states. */
static int read_occupancy(int nc, const char *path,
                          const struct mp_config *cfg,
                          struct mp_ens_snapshot *s)
{
    const size_t n = cfg->rec_states && s->done > cfg->burn_in
                         ? (size_t)((s->done - cfg->burn_in) / cfg->every)
                         : 0;
    const uint32_t S = mp_config_states(cfg);
    int rc;
    if (!cfg->rec_states)
        return 0;
    rc = n ? check_dim(nc, path, "occupancy_time", n) : 0;
    if (!rc && n)
        rc = check_dim(nc, path, "occupancy_state", S);
    if (!rc)
        rc = mp_ens_snapshot_alloc_occupancy(s, n, S);
    if (!rc && n) {
        const struct array a[] = {
            {"occupancy_time", A_I64, 1, {"occupancy_time", NULL}, {n, 0},
             "", "", s->occ_memory},
            {"occupancy", A_I64, 2, {"occupancy_time", "occupancy_state"},
             {n, S}, "", "", s->occupancy},
        };
        rc = read_arrays(nc, path, a, 2);
    }
    return rc;
}

int mp_io_ens_ckpt_read(const char *path, struct mp_config *cfg,
                        struct mp_ens_snapshot *s)
{
    uint64_t done;
    size_t N, nages;
    uint32_t vars;
    int nc, rc = ckpt_open(path, MP_PARADIGM_ENSEMBLE, &nc, cfg, &done);
    if (rc)
        return rc;
    N = cfg->synapses;
    vars = cfg->syn.model == MP_SYN_BENNA_FUSI ? cfg->syn.bf.m : 0;
    nages = mp_config_ages(cfg, NULL, 0);
    if (done > cfg->burn_in + cfg->memories)
        rc = mp__fail(MP_EFORMAT, "%s: memories_done is past the run's end",
                      path);
    if (!rc)
        rc = check_dim(nc, path, "synapse", N);
    if (!rc)
        rc = check_dim(nc, path, "age", nages);
    if (!rc && vars)
        rc = check_dim(nc, path, "bf_variable", vars);
    if (!rc)
        rc = check_fits(path, (double)N * (vars ? 4.0 * vars : 1.0));
    if (!rc)
        rc = mp_ens_snapshot_alloc_vars(s, N, nages, vars);
    if (!rc) {
        const struct array a[] = {
            {"state", A_U8, 1, {"synapse", NULL}, {N, 0}, "", "", s->state},
            {"bf_u", A_F32, 2, {"bf_variable", "synapse"}, {vars, N}, "",
             "", s->u},
            {"age", A_I64, 1, {"age", NULL}, {nages, 0}, "", "", s->ages},
            {"probes", A_I64, 1, {"age", NULL}, {nages, 0}, "", "",
             s->count},
            {"signal_mean", A_F64, 1, {"age", NULL}, {nages, 0}, "", "",
             s->mean},
            {"signal_m2", A_F64, 1, {"age", NULL}, {nages, 0}, "", "", s->m2},
        };
        s->done = done;
        /* The state: bytes, or a chain's variables (a[1]). */
        rc = read_arrays(nc, path, a + (vars ? 1 : 0), 1);
        if (!rc)
            rc = read_arrays(nc, path, a + 2, 4);
        if (!rc)
            rc = read_occupancy(nc, path, cfg, s);
        if (rc)
            mp_ens_snapshot_fini(s);
    }
    s->wall_s = wall_time(nc);
    nc_close(nc);
    return rc;
}

/* The network snapshot's arrays, sized by the checkpoint's config. */
static int net_alloc(const char *path, int nc, const struct mp_config *cfg,
                     uint64_t done, struct mp_net_snapshot *s)
{
    const size_t L = cfg->fan_in ? cfg->fan_in
                                 : cfg->n_in + (cfg->recurrent ? cfg->n_out
                                                               : 0);
    int rc = check_dim(nc, path, "neuron", cfg->n_out);
    if (!rc)
        rc = check_dim(nc, path, "synapse", L);
    if (!rc)
        rc = check_fits(path, (double)L * cfg->n_out * 5.0);
    if (!rc && done > mp_config_steps(cfg, cfg->duration_s))
        rc = mp__fail(MP_EFORMAT, "%s: steps_done is past the run's end",
                      path);
    if (!rc)
        rc = mp_net_snapshot_alloc(s, (uint32_t)L, cfg->n_out);
    if (!rc) {
        rc = mp_net_snapshot_alloc_extra(s, cfg->rule == MP_RULE_BCM &&
                                                cfg->priming_tau_s > 0,
                                         cfg->ip_tau_s > 0);
        if (rc)
            mp_net_snapshot_fini(s);
    }
    if (!rc && cfg->discrete) {
        s->state = malloc(L * cfg->n_out);
        if (!s->state) {
            mp_net_snapshot_fini(s);
            rc = mp__fail(MP_ENOMEM, "%s: out of memory", path);
        }
    }
    if (!rc && cfg->silent_after_s > 0) {
        s->silent = malloc(((size_t)cfg->n_out + 1) * sizeof *s->silent);
        if (!s->silent) {
            mp_net_snapshot_fini(s);
            rc = mp__fail(MP_ENOMEM, "%s: out of memory", path);
        }
    }
    s->step = done;
    return rc;
}

int mp_io_net_ckpt_read(const char *path, struct mp_config *cfg,
                        struct mp_net_snapshot *s)
{
    uint64_t done;
    int nc, rc = ckpt_open(path, MP_PARADIGM_NETWORK, &nc, cfg, &done);
    if (rc)
        return rc;
    rc = net_alloc(path, nc, cfg, done, s);
    if (!rc) {
        const struct array a[] = {
            {"weights", A_F32, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
             "", "", s->w},
            {"theta", A_F32, 1, {"neuron", NULL}, {s->n_out, 0}, "", "",
             s->theta},
            {"activity", A_F32, 1, {"neuron", NULL}, {s->n_out, 0}, "", "",
             s->y},
            {"rate_sum_scaling", A_F64, 1, {"neuron", NULL}, {s->n_out, 0},
             "", "", s->acc_scale},
            {"rate_sum_record", A_F64, 1, {"neuron", NULL}, {s->n_out, 0},
             "", "", s->acc_rec},
            {"counters", A_I64, 1, {"counter", NULL}, {2, 0}, "", "",
             s->counters},
            {"syn_state", A_U8, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
             "", "", s->state},
        };
        struct array b[4];
        rc = read_arrays(nc, path, a, s->state ? 7 : 6);
        if (!rc)
            rc = read_arrays(nc, path, b, net_optional_arrays(b, s));
        if (rc)
            mp_net_snapshot_fini(s);
    }
    s->wall_s = wall_time(nc);
    nc_close(nc);
    return rc;
}

int mp_io_ckpt_paradigm(const char *path, int *paradigm)
{
    char kind[32], *text = NULL;
    int nc, rc = mp__nc_open_ours(path, &nc, kind);
    if (rc)
        return rc;
    *paradigm = MP_PARADIGM_ENSEMBLE;
    if (!mp__nc_get_text(nc, NC_GLOBAL, "paradigm", &text)) {
        if (!strcmp(text, "network"))
            *paradigm = MP_PARADIGM_NETWORK;
        if (!strcmp(text, "attractor"))
            *paradigm = MP_PARADIGM_ATTRACTOR;
        free(text);
    }
    nc_close(nc);
    return 0;
}

int mp_io_ckpt_progress(const char *path, uint64_t *done, uint64_t *total)
{
    char kind[32];
    unsigned long long d = 0, t = 0;
    int nc, ok, rc = mp__nc_open_ours(path, &nc, kind);
    if (rc)
        return rc;
    ok = (nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &d) ==
              NC_NOERR &&
          nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_total", &t) ==
              NC_NOERR) ||
         (nc_get_att_ulonglong(nc, NC_GLOBAL, "steps_done", &d) ==
              NC_NOERR &&
          nc_get_att_ulonglong(nc, NC_GLOBAL, "steps_total", &t) == NC_NOERR);
    nc_close(nc);
    *done = d;
    *total = t;
    return ok ? 0 : mp__fail(MP_EFORMAT, "%s: no progress attributes", path);
}

/* Verifies every checksummed variable of an open file; lists them
 * (mp_io_info). */
int mp__io_verify_all(int nc, const char *path, char *names, size_t len,
                      int *mismatch)
{
    int nvars = 0, v, rc = 0;
    names[0] = '\0';
    nc_inq_nvars(nc, &nvars);
    for (v = 0; v < nvars && !rc; v++) {
        struct array a;
        char name[NC_MAX_NAME + 1];
        nc_type type;
        int ndims, dims[2], d;
        size_t alen;
        if (nc_inq_attlen(nc, v, "checksum", &alen) != NC_NOERR ||
            nc_inq_var(nc, v, name, &type, &ndims, NULL, NULL) != NC_NOERR ||
            ndims < 1 || ndims > 2)
            continue;
        nc_inq_vardimid(nc, v, dims);
        memset(&a, 0, sizeof a);
        a.name = name;
        a.ndims = ndims;
        a.type = type == NC_UBYTE   ? A_U8
                 : type == NC_INT64 ? A_I64
                 : type == NC_FLOAT ? A_F32
                 : type == NC_INT   ? A_I32
                                    : A_F64;
        for (d = 0; d < ndims; d++)
            nc_inq_dimlen(nc, dims[d], &a.len[d]);
        a.data = malloc(bytes_of(&a) + 1);
        if (!a.data)
            return mp__fail(MP_ENOMEM, "%s: out of memory", path);
        rc = read_array(nc, path, &a, mismatch);
        free(a.data);
        if (!rc)
            snprintf(names + strlen(names), len - strlen(names), "%s%s",
                     names[0] ? ", " : "", name);
    }
    return rc;
}

/* ---- For the other engines' files (ckpt_array.h) ------------------------- */

int mp__io_ckpt_write(const char *path, const struct mp_config *cfg,
                      const char *unit, uint64_t done, uint64_t total,
                      double wall_s, const struct array *a, size_t n,
                      const struct mp_provenance *prov)
{
    const struct head h = {unit, done, total, wall_s};
    return ckpt_write(path, cfg, &h, a, n, prov);
}

double mp__io_ckpt_wall(int nc)
{
    return wall_time(nc);
}

int mp__io_ckpt_open(const char *path, int paradigm, int *nc,
                     struct mp_config *cfg, uint64_t *done)
{
    return ckpt_open(path, paradigm, nc, cfg, done);
}

int mp__io_ckpt_read(int nc, const char *path, const struct array *a,
                     size_t n)
{
    return read_arrays(nc, path, a, n);
}

int mp__io_check_dim(int nc, const char *path, const char *name,
                     size_t want)
{
    return check_dim(nc, path, name, want);
}

int mp__io_check_fits(const char *path, double bytes)
{
    return check_fits(path, bytes);
}
