/* SPDX-License-Identifier: MIT */
/* io.c: NetCDF-4 record and theory files, written atomically. */
#include "metaplast/io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <netcdf.h>

#include "metaplast/detail/util.h"
#include "metaplast/error.h"
#include "metaplast/version.h"

/* fsync a file or directory by path. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Makes tmp the file `path`: sync it, rename, sync the directory. */
static int commit(const char *tmp, const char *path, char *err,
                  size_t errlen)
{
    char dir[4096];
    if (sync_path(tmp) || rename(tmp, path)) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return MP_EIO;
    }
    snprintf(dir, sizeof dir, "%s", path);
    sync_path(dirname(dir));
    return 0;
}

static void tmp_name(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.tmp.%ld", path, (long)getpid());
}

int mp_io_write_text(const char *path, const char *text, char *err,
                     size_t errlen)
{
    char tmp[4200];
    FILE *f;
    tmp_name(tmp, sizeof tmp, path);
    f = fopen(tmp, "w");
    if (!f) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return MP_EIO;
    }
    if (fputs(text, f) < 0 || fclose(f)) {
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return MP_EIO;
    }
    return commit(tmp, path, err, errlen);
}

/* ---- NetCDF helpers ---------------------------------------------------- */

struct nc {
    int id;
    const char *path;
    char *err;
    size_t errlen;
    int rc; /* first NetCDF status, sticky */
};

/*
 * Records the first failed NetCDF call.  HDF5 reports a full disk or a
 * failed write only as "HDF error", so errno, kept clear between calls,
 * adds the system's reason when there is one.
 */
static void ck(struct nc *f, int status, const char *what)
{
    int sys = errno;
    if (status == NC_NOERR || f->rc) {
        errno = 0;
        return;
    }
    f->rc = status;
    if (sys == ENOSPC || sys == EDQUOT || sys == EACCES || sys == EROFS ||
        sys == EIO || sys == EFBIG)
        mp__errf(f->err, f->errlen, "%s: NetCDF error in %s: %s (%s)",
                 f->path, what, nc_strerror(status), strerror(sys));
    else
        mp__errf(f->err, f->errlen, "%s: NetCDF error in %s: %s", f->path,
                 what, nc_strerror(status));
}

static void att_text(struct nc *f, int var, const char *name,
                     const char *value)
{
    if (f->rc)
        return;
    ck(f, nc_put_att_text(f->id, var, name, strlen(value), value), name);
}

static void att_double(struct nc *f, int var, const char *name, double v)
{
    if (f->rc)
        return;
    ck(f, nc_put_att_double(f->id, var, name, NC_DOUBLE, 1, &v), name);
}

static void att_u64(struct nc *f, int var, const char *name, uint64_t v)
{
    unsigned long long u = v;
    if (f->rc)
        return;
    ck(f, nc_put_att_ulonglong(f->id, var, name, NC_UINT64, 1, &u), name);
}

static int def_var(struct nc *f, const char *name, nc_type type, int dim,
                   const char *long_name, const char *units)
{
    int var = -1;
    if (f->rc)
        return -1;
    ck(f, nc_def_var(f->id, name, type, 1, &dim, &var), name);
    att_text(f, var, "long_name", long_name);
    att_text(f, var, "units", units);
    return var;
}

static void put_double(struct nc *f, int var, const double *v)
{
    if (!f->rc)
        ck(f, nc_put_var_double(f->id, var, v), "nc_put_var_double");
}

static void put_i64(struct nc *f, int var, const void *v)
{
    if (!f->rc)
        ck(f, nc_put_var_longlong(f->id, var, (const long long *)v),
           "nc_put_var_longlong");
}

/* Global attributes every file carries. */
static void provenance(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov, const char *kind)
{
    size_t i;
    att_text(f, NC_GLOBAL, "Conventions", "CF-1.8");
    att_text(f, NC_GLOBAL, "metaplast_file", kind);
    att_text(f, NC_GLOBAL, "metaplast_version", MP_VERSION_STRING);
    if (prov && prov->command_line)
        att_text(f, NC_GLOBAL, "command_line", prov->command_line);
    if (prov && prov->backend)
        att_text(f, NC_GLOBAL, "backend", prov->backend);
    if (prov && prov->device)
        att_text(f, NC_GLOBAL, "device", prov->device);
    if (prov && prov->diagnostic)
        att_text(f, NC_GLOBAL, "diagnostic", prov->diagnostic);
    for (i = 0; i < mp_config_nkeys(); i++) {
        char name[64], value[MP_CFG_MAX_AGES * 24];
        const char *key;
        mp_config_key(cfg, i, &key, value, sizeof value);
        if (!strcmp(key, "measure.ages") && cfg->n_ages == 0)
            continue;
        snprintf(name, sizeof name, "config.%s", key);
        att_text(f, NC_GLOBAL, name, value);
    }
}

static void summary(struct nc *f, const struct mp_theory *th)
{
    att_double(f, NC_GLOBAL, "theory_snr0", th->snr0);
    att_double(f, NC_GLOBAL, "theory_lifetime", th->lifetime);
    att_double(f, NC_GLOBAL, "theory_area_snr", th->area_snr);
    att_double(f, NC_GLOBAL, "theory_noise", th->noise);
}

static int begin(struct nc *f, const char *path, char *tmp, size_t tmplen,
                 char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->err = err;
    f->errlen = errlen;
    tmp_name(tmp, tmplen, path);
    errno = 0;
    ck(f, nc_create(tmp, NC_NETCDF4 | NC_CLOBBER, &f->id), "nc_create");
    return f->rc ? MP_ENETCDF : 0;
}

static int finish(struct nc *f, const char *tmp)
{
    int rc = nc_close(f->id);
    if (!f->rc)
        ck(f, rc, "nc_close");
    if (f->rc) {
        unlink(tmp);
        return MP_ENETCDF;
    }
    return commit(tmp, f->path, f->err, f->errlen);
}

int mp_io_write_record(const char *path, const struct mp_config *cfg,
                       const struct mp_curve *c, const double *signal_theory,
                       const double *snr_theory, const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen)
{
    struct nc f;
    char tmp[4200];
    int dim = -1, v_age, v_sig, v_sem, v_snr, v_snrsem, v_probes, v_st,
        v_snrt;
    if (begin(&f, path, tmp, sizeof tmp, err, errlen))
        return MP_ENETCDF;
    ck(&f, nc_def_dim(f.id, "age", c->n, &dim), "nc_def_dim");
    v_age = def_var(&f, "age", NC_INT64, dim,
                    "age of the memory (memories stored after it)",
                    "memories");
    v_sig = def_var(&f, "signal", NC_DOUBLE, dim,
                    "mean overlap E[m(t)] with the memory, chance level "
                    "removed",
                    "1");
    v_sem = def_var(&f, "signal_sem", NC_DOUBLE, dim,
                    "standard error of the mean overlap", "1");
    v_snr = def_var(&f, "snr", NC_DOUBLE, dim,
                    "signal-to-noise ratio sqrt(N) E[m(t)] / noise", "1");
    v_snrsem = def_var(&f, "snr_sem", NC_DOUBLE, dim,
                       "standard error of the signal-to-noise ratio", "1");
    v_probes = def_var(&f, "probes", NC_INT64, dim,
                       "number of measurements averaged at this age", "1");
    v_st = def_var(&f, "signal_theory", NC_DOUBLE, dim,
                   "exact expected overlap E[m(t)] (Markov chain theory)",
                   "1");
    v_snrt = def_var(&f, "snr_theory", NC_DOUBLE, dim,
                     "exact expected signal-to-noise ratio", "1");
    att_text(&f, NC_GLOBAL, "title", "metaplast synapse-ensemble record");
    provenance(&f, cfg, prov, "record");
    att_u64(&f, NC_GLOBAL, "memories_done", c->done);
    att_u64(&f, NC_GLOBAL, "memories_total", c->total);
    att_double(&f, NC_GLOBAL, "lifetime", c->lifetime);
    att_double(&f, NC_GLOBAL, "noise", c->noise);
    summary(&f, th);
    if (!f.rc)
        ck(&f, nc_enddef(f.id), "nc_enddef");
    put_i64(&f, v_age, c->age);
    put_double(&f, v_sig, c->signal);
    put_double(&f, v_sem, c->signal_sem);
    put_double(&f, v_snr, c->snr);
    put_double(&f, v_snrsem, c->snr_sem);
    put_i64(&f, v_probes, c->probes);
    put_double(&f, v_st, signal_theory);
    put_double(&f, v_snrt, snr_theory);
    {
        int fault = mp__fault("record"); /* test hook */
        if (fault && !f.rc) {
            nc_close(f.id);
            unlink(tmp);
            mp__errf(err, errlen, "%s: cannot write: %s", path,
                     strerror(fault));
            return MP_EIO;
        }
    }
    return finish(&f, tmp);
}

int mp_io_write_theory(const char *path, const struct mp_config *cfg,
                       const uint64_t *ages, size_t n, const double *signal,
                       const double *snr, const struct mp_theory *th,
                       const struct mp_provenance *prov, char *err,
                       size_t errlen)
{
    struct nc f;
    char tmp[4200];
    int dim = -1, v_age, v_sig, v_snr, sdim = -1, v_p = -1;
    if (begin(&f, path, tmp, sizeof tmp, err, errlen))
        return MP_ENETCDF;
    ck(&f, nc_def_dim(f.id, "age", n, &dim), "nc_def_dim");
    ck(&f, nc_def_dim(f.id, "state", th->states, &sdim), "nc_def_dim");
    v_age = def_var(&f, "age", NC_INT64, dim,
                    "age of the memory (memories stored after it)",
                    "memories");
    v_sig = def_var(&f, "signal", NC_DOUBLE, dim,
                    "exact expected overlap E[m(t)] (Markov chain theory)",
                    "1");
    v_snr = def_var(&f, "snr", NC_DOUBLE, dim,
                    "exact expected signal-to-noise ratio", "1");
    v_p = def_var(&f, "p_inf", NC_DOUBLE, sdim,
                  "stationary occupancy, states from deepest weak to "
                  "deepest strong",
                  "1");
    att_text(&f, NC_GLOBAL, "title", "metaplast exact theory");
    provenance(&f, cfg, prov, "theory");
    summary(&f, th);
    att_double(&f, NC_GLOBAL, "theory_area_signal", th->area_signal);
    if (!f.rc)
        ck(&f, nc_enddef(f.id), "nc_enddef");
    put_i64(&f, v_age, ages);
    put_double(&f, v_sig, signal);
    put_double(&f, v_snr, snr);
    put_double(&f, v_p, th->p_inf);
    return finish(&f, tmp);
}

/* ---- Checkpoints ------------------------------------------------------- */

/*
 * 64-bit checksum: FNV-1a's step over little-endian 64-bit words, then the
 * splitmix64 finalizer.  Each step (h ^ w) * P, P odd, is a bijection of
 * w and of h, so any change confined to one word always changes the sum.
 */
uint64_t mp_hash64(const void *data, size_t n)
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

#define HASH_NAME "metaplast-hash64 (FNV-1a over 64-bit words, splitmix64 finish)"

static void att_hash(struct nc *f, int var, const void *data, size_t n)
{
    char hex[32];
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)mp_hash64(data, n));
    att_text(f, var, "checksum", hex);
}

/* A state array of a checkpoint: written with its checksum, read back
 * with its type, shape and checksum verified. */
enum { A_U8, A_I64, A_F32, A_F64 };

struct array {
    const char *name;
    int type;
    int ndims;
    const char *dim[2];
    size_t len[2];
    const char *long_name;
    const char *units;
    void *data;
};

static size_t elem_size(int t)
{
    return t == A_U8 ? 1 : t == A_F32 ? 4 : 8;
}

static nc_type nc_type_of(int t)
{
    return t == A_U8    ? NC_UBYTE
           : t == A_I64 ? NC_INT64
           : t == A_F32 ? NC_FLOAT
                        : NC_DOUBLE;
}

static size_t elems(const struct array *a)
{
    return a->ndims == 1 ? a->len[0] : a->len[0] * a->len[1];
}

/* What a checkpoint says about its progress: "memories" or "steps". */
struct head {
    const char *unit;
    uint64_t done;
    uint64_t total;
};

#define CHUNK_BYTES ((size_t)4 << 20)

static int ckpt_write(const char *path, const struct mp_config *cfg,
                      const struct head *h, const struct array *a, size_t n,
                      const struct mp_provenance *prov, char *err,
                      size_t errlen)
{
    struct nc f;
    char tmp[4200], *text = NULL, name[64];
    size_t len = 0, i;
    int var[8], fault;
    FILE *mem;

    mem = open_memstream(&text, &len);
    if (!mem || mp_config_write(cfg, mem) || fclose(mem)) {
        free(text);
        mp__errf(err, errlen, "%s: out of memory", path);
        return MP_ENOMEM;
    }
    if (begin(&f, path, tmp, sizeof tmp, err, errlen)) {
        free(text);
        return MP_ENETCDF;
    }
    for (i = 0; i < n && !f.rc; i++) {
        int dims[2], d;
        size_t bytes = elems(&a[i]) * elem_size(a[i].type);
        for (d = 0; d < a[i].ndims && !f.rc; d++)
            if (nc_inq_dimid(f.id, a[i].dim[d], &dims[d]) != NC_NOERR)
                ck(&f, nc_def_dim(f.id, a[i].dim[d], a[i].len[d], &dims[d]),
                   "nc_def_dim");
        if (!f.rc)
            ck(&f, nc_def_var(f.id, a[i].name, nc_type_of(a[i].type),
                              a[i].ndims, dims, &var[i]),
               a[i].name);
        if (!f.rc && bytes > CHUNK_BYTES) {
            /* Large arrays in chunks of about 4 MiB, deflated on request. */
            size_t chunk[2];
            if (a[i].ndims == 1) {
                chunk[0] = CHUNK_BYTES / elem_size(a[i].type);
            } else {
                size_t row = a[i].len[1] * elem_size(a[i].type);
                chunk[0] = row >= CHUNK_BYTES ? 1 : CHUNK_BYTES / row;
                chunk[1] = a[i].len[1];
            }
            ck(&f, nc_def_var_chunking(f.id, var[i], NC_CHUNKED, chunk),
               "nc_def_var_chunking");
            if (!f.rc && cfg->ckpt_deflate > 0)
                ck(&f, nc_def_var_deflate(f.id, var[i], 0, 1,
                                          cfg->ckpt_deflate),
                   "nc_def_var_deflate");
        }
        att_text(&f, var[i], "long_name", a[i].long_name);
        att_text(&f, var[i], "units", a[i].units);
        att_hash(&f, var[i], a[i].data, elems(&a[i]) * elem_size(a[i].type));
    }
    att_text(&f, NC_GLOBAL, "title", "metaplast checkpoint");
    provenance(&f, cfg, prov, "checkpoint");
    {
        int version = MP_CKPT_FORMAT;
        if (!f.rc)
            ck(&f, nc_put_att_int(f.id, NC_GLOBAL, "format_version", NC_INT,
                                  1, &version),
               "format_version");
    }
    att_text(&f, NC_GLOBAL, "paradigm",
             cfg->paradigm == MP_PARADIGM_NETWORK ? "network" : "ensemble");
    snprintf(name, sizeof name, "%s_done", h->unit);
    att_u64(&f, NC_GLOBAL, name, h->done);
    snprintf(name, sizeof name, "%s_total", h->unit);
    att_u64(&f, NC_GLOBAL, name, h->total);
    att_u64(&f, NC_GLOBAL, "seed", cfg->seed);
    att_text(&f, NC_GLOBAL, "checksum_algorithm", HASH_NAME);
    att_text(&f, NC_GLOBAL, "config_ini", text);
    free(text);
    if (!f.rc)
        ck(&f, nc_enddef(f.id), "nc_enddef");
    for (i = 0; i < n && !f.rc; i++)
        ck(&f, nc_put_var(f.id, var[i], a[i].data), a[i].name);
    fault = mp__fault("checkpoint"); /* test hook (docs/RELIABILITY.md) */
    if (fault && !f.rc) {
        nc_close(f.id);
        unlink(tmp);
        mp__errf(err, errlen, "%s: cannot write: %s", path, strerror(fault));
        return MP_EIO;
    }
    return finish(&f, tmp);
}

int mp_ckpt_write(const char *path, const struct mp_config *cfg,
                  const struct mp_sim_snapshot *s,
                  const struct mp_provenance *prov, char *err,
                  size_t errlen)
{
    const struct array a[] = {
        {"state", A_U8, 1, {"synapse", NULL}, {s->synapses, 0},
         "synapse state: bit 6 strength (1 = weight +1), bits 0-5 depth "
         "(0 = most plastic)",
         "1", s->state},
        {"age", A_I64, 1, {"age", NULL}, {s->n_ages, 0}, "measurement age",
         "memories", s->ages},
        {"probes", A_I64, 1, {"age", NULL}, {s->n_ages, 0},
         "measurements accumulated at this age", "1", s->count},
        {"signal_mean", A_F64, 1, {"age", NULL}, {s->n_ages, 0},
         "running mean of the overlap (Welford)", "1", s->mean},
        {"signal_m2", A_F64, 1, {"age", NULL}, {s->n_ages, 0},
         "running sum of squared deviations (Welford)", "1", s->m2},
    };
    const struct head h = {"memories", s->done, cfg->burn_in + cfg->memories};
    return ckpt_write(path, cfg, &h, a, 5, prov, err, errlen);
}

/* ---- Reading ----------------------------------------------------------- */

static int get_text_att(int nc, int var, const char *name, char **out)
{
    size_t n = 0;
    if (nc_inq_attlen(nc, var, name, &n) != NC_NOERR)
        return -1;
    *out = malloc(n + 1);
    if (!*out || nc_get_att_text(nc, var, name, *out) != NC_NOERR) {
        free(*out);
        *out = NULL;
        return -1;
    }
    (*out)[n] = '\0';
    return 0;
}

/*
 * HDF5 (1.10.8 here) can crash inside nc_open on some damaged files
 * (found by fuzz_file, reproduced with a program that only calls nc_open).
 * A file metaplast did not just write is therefore first opened in a
 * child process, which also reads every attribute (HDF5 has crashed there
 * too): if the library dies, the file is reported damaged instead of
 * taking the run down.  Array data is read in-process, where checksums
 * catch damage.  Returns -1 if the probe crashed.
 */
static int probe_open(const char *path)
{
    int status = 0;
    pid_t pid = fork();
    if (pid < 0)
        return 0; /* cannot probe: open it here */
    if (pid == 0) {
        /* Open, and read every attribute: HDF5 has crashed in both. */
        int nc, nvars = 0, v, a;
        if (!freopen("/dev/null", "w", stderr))
            _exit(0);
        if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR)
            _exit(0);
        nc_inq_nvars(nc, &nvars);
        for (v = -1; v < nvars; v++) {
            int natts = 0;
            nc_inq_varnatts(nc, v, &natts);
            for (a = 0; a < natts; a++) {
                char name[NC_MAX_NAME + 1];
                nc_type type;
                size_t len = 0, size = 0;
                void *buf;
                if (nc_inq_attname(nc, v, a, name) != NC_NOERR ||
                    nc_inq_att(nc, v, name, &type, &len) != NC_NOERR ||
                    nc_inq_type(nc, type, NULL, &size) != NC_NOERR ||
                    len > ((size_t)1 << 24) || size > 64)
                    continue;
                buf = calloc(len + 1, size ? size : 1);
                if (!buf)
                    continue;
                if (type == NC_STRING) {
                    if (nc_get_att_string(nc, v, name, buf) == NC_NOERR)
                        nc_free_string(len, buf);
                } else if (type < NC_FIRSTUSERTYPEID) {
                    nc_get_att(nc, v, name, buf);
                }
                free(buf);
            }
        }
        nc_close(nc);
        _exit(0);
    }
    {
        /* HDF5 has also looped forever on a damaged file: the probe gets
         * MP_PROBE_TIMEOUT seconds (default 30; a good file takes ms). */
        const char *e = getenv("MP_PROBE_TIMEOUT");
        double limit = e ? atof(e) : 30.0, waited = 0.0;
        struct timespec ts = {0, 10000000};
        for (;;) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid)
                break;
            if (r < 0)
                return 0;
            if (waited >= limit) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return -2;
            }
            nanosleep(&ts, NULL);
            waited += 0.01;
        }
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Opens a file and says what kind of metaplast file it is. */
static int open_ours(const char *path, int *nc, char kind[32], char *err,
                     size_t errlen)
{
    char *k = NULL;
    int st;
    if (access(path, R_OK)) {
        mp__errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return MP_EIO;
    }
    st = probe_open(path);
    if (st) {
        mp__errf(err, errlen,
                 "%s: not a readable NetCDF file (damaged: the HDF5 "
                 "library %s reading it)",
                 path, st == -2 ? "hung" : "crashed");
        return MP_EFORMAT;
    }
    st = nc_open(path, NC_NOWRITE, nc);
    if (st != NC_NOERR) {
        mp__errf(err, errlen,
                 "%s: not a readable NetCDF file (truncated or corrupt?): "
                 "%s",
                 path, nc_strerror(st));
        return MP_EFORMAT;
    }
    if (get_text_att(*nc, NC_GLOBAL, "metaplast_file", &k)) {
        nc_close(*nc);
        mp__errf(err, errlen,
                 "%s: a NetCDF file, but not one of metaplast's (no "
                 "metaplast_file attribute)",
                 path);
        return MP_EFORMAT;
    }
    snprintf(kind, 32, "%s", k);
    free(k);
    return 0;
}

/* Reads an array of the expected type and shape into a->data and checks
 * its checksum; *mismatch is set on a checksum mismatch. */
static int read_array(int nc, const char *path, const struct array *a,
                      int *mismatch, char *err, size_t errlen)
{
    int var, dims[2], ndims, st, d;
    nc_type type;
    size_t len;
    char *sum = NULL, hex[32];

    if (nc_inq_varid(nc, a->name, &var) != NC_NOERR ||
        nc_inq_var(nc, var, NULL, &type, &ndims, NULL, NULL) != NC_NOERR ||
        ndims != a->ndims || type != nc_type_of(a->type) ||
        nc_inq_vardimid(nc, var, dims) != NC_NOERR) {
        mp__errf(err, errlen,
                 "%s: variable '%s' is missing or has the wrong type", path,
                 a->name);
        return MP_EFORMAT;
    }
    for (d = 0; d < ndims; d++) {
        if (nc_inq_dimlen(nc, dims[d], &len) != NC_NOERR ||
            len != a->len[d]) {
            mp__errf(err, errlen,
                     "%s: variable '%s' does not have the size of the "
                     "checkpoint's configuration",
                     path, a->name);
            return MP_EFORMAT;
        }
    }
    st = nc_get_var(nc, var, a->data);
    if (st != NC_NOERR) {
        mp__errf(err, errlen, "%s: cannot read variable '%s': %s", path,
                 a->name, nc_strerror(st));
        return MP_EFORMAT;
    }
    if (get_text_att(nc, var, "checksum", &sum)) {
        mp__errf(err, errlen, "%s: variable '%s' has no checksum", path,
                 a->name);
        return MP_EFORMAT;
    }
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)mp_hash64(a->data,
                                           elems(a) * elem_size(a->type)));
    if (strcmp(hex, sum)) {
        if (mismatch)
            *mismatch = 1;
        mp__errf(err, errlen,
                 "%s: checksum mismatch in variable '%s' (stored %s, "
                 "computed %s): the file is damaged",
                 path, a->name, sum, hex);
        free(sum);
        return MP_EFORMAT;
    }
    free(sum);
    return 0;
}

/* Opens a checkpoint of the given paradigm: its format version, its
 * configuration (validated) and its progress. */
static int ckpt_open(const char *path, int paradigm, int *nc,
                     struct mp_config *cfg, uint64_t *done, char *err,
                     size_t errlen)
{
    const char *unit = paradigm == MP_PARADIGM_NETWORK ? "steps" : "memories";
    char kind[32], *text = NULL, name[MP_CFG_MAX_PATH + 32];
    unsigned long long d = 0;
    int version = 0, rc = open_ours(path, nc, kind, err, errlen);

    if (rc)
        return rc;
    rc = MP_EFORMAT;
    if (strcmp(kind, "checkpoint")) {
        mp__errf(err, errlen, "%s: a metaplast %s file, not a checkpoint",
                 path, kind);
        goto fail;
    }
    if (!get_text_att(*nc, NC_GLOBAL, "diagnostic", &text)) {
        mp__errf(err, errlen,
                 "%s: a diagnostic checkpoint (%s): it shows what went "
                 "wrong and cannot be resumed; resume from checkpoint.nc",
                 path, text);
        free(text);
        goto fail;
    }
    if (nc_get_att_int(*nc, NC_GLOBAL, "format_version", &version) !=
        NC_NOERR) {
        mp__errf(err, errlen, "%s: checkpoint without a format_version",
                 path);
        goto fail;
    }
    if (version != MP_CKPT_FORMAT) {
        mp__errf(err, errlen,
                 "%s: checkpoint format version %d; this build of metaplast "
                 "reads version %d",
                 path, version, MP_CKPT_FORMAT);
        goto fail;
    }
    if (get_text_att(*nc, NC_GLOBAL, "config_ini", &text)) {
        mp__errf(err, errlen, "%s: checkpoint without config_ini", path);
        goto fail;
    }
    mp_config_init(cfg);
    snprintf(name, sizeof name, "%s (config_ini)", path);
    rc = mp_config_load_text(cfg, text, name, err, errlen);
    free(text);
    if (rc == 0)
        rc = mp_config_validate(cfg, err, errlen);
    if (rc) {
        rc = MP_EFORMAT;
        goto fail;
    }
    rc = MP_EFORMAT;
    if (cfg->paradigm != paradigm) {
        mp__errf(err, errlen, "%s: a checkpoint of a %s run", path,
                 cfg->paradigm == MP_PARADIGM_NETWORK ? "rate-network"
                                                      : "synapse-ensemble");
        goto fail;
    }
    snprintf(name, sizeof name, "%s_done", unit);
    if (nc_get_att_ulonglong(*nc, NC_GLOBAL, name, &d) != NC_NOERR) {
        mp__errf(err, errlen, "%s: checkpoint without %s", path, name);
        goto fail;
    }
    *done = d;
    return 0;
fail:
    nc_close(*nc);
    return rc;
}

/* Before allocating what a file asks for: its dimension must match the
 * file's own config, and the arrays must fit in memory. */
static int check_dim(int nc, const char *path, const char *name,
                     size_t want, char *err, size_t errlen)
{
    int d;
    size_t len = 0;
    if (nc_inq_dimid(nc, name, &d) != NC_NOERR ||
        nc_inq_dimlen(nc, d, &len) != NC_NOERR || len != want) {
        mp__errf(err, errlen,
                 "%s: dimension '%s' is missing or does not match the "
                 "checkpoint's configuration",
                 path, name);
        return MP_EFORMAT;
    }
    return 0;
}

static int check_fits(const char *path, double bytes, char *err,
                      size_t errlen)
{
    double have = mp_memory_available();
    if (have > 0 && bytes > have) {
        mp__errf(err, errlen,
                 "%s: loading needs %.3g GB of memory, the machine has %.3g "
                 "GB available",
                 path, bytes / 1e9, have / 1e9);
        return MP_ENOMEM;
    }
    return 0;
}

int mp_ckpt_read(const char *path, struct mp_config *cfg,
                 struct mp_sim_snapshot *s, char *err, size_t errlen)
{
    uint64_t done;
    size_t N, nages, i;
    int nc, rc = ckpt_open(path, MP_PARADIGM_ENSEMBLE, &nc, cfg, &done, err,
                           errlen);
    if (rc)
        return rc;
    N = cfg->synapses;
    nages = mp_config_ages(cfg, NULL, 0);
    if (done > cfg->burn_in + cfg->memories) {
        nc_close(nc);
        mp__errf(err, errlen, "%s: memories_done is past the run's end",
                 path);
        return MP_EFORMAT;
    }
    if ((rc = check_dim(nc, path, "synapse", N, err, errlen)) ||
        (rc = check_dim(nc, path, "age", nages, err, errlen)) ||
        (rc = check_fits(path, (double)N, err, errlen))) {
        nc_close(nc);
        return rc;
    }
    if (mp_snapshot_alloc(s, N, nages)) {
        nc_close(nc);
        mp__errf(err, errlen, "%s: out of memory for %zu synapses", path, N);
        return MP_ENOMEM;
    }
    s->done = done;
    {
        const struct array a[] = {
            {"state", A_U8, 1, {"synapse", NULL}, {N, 0}, "", "", s->state},
            {"age", A_I64, 1, {"age", NULL}, {nages, 0}, "", "", s->ages},
            {"probes", A_I64, 1, {"age", NULL}, {nages, 0}, "", "",
             s->count},
            {"signal_mean", A_F64, 1, {"age", NULL}, {nages, 0}, "", "",
             s->mean},
            {"signal_m2", A_F64, 1, {"age", NULL}, {nages, 0}, "", "", s->m2},
        };
        for (i = 0, rc = 0; i < 5 && !rc; i++)
            rc = read_array(nc, path, &a[i], NULL, err, errlen);
    }
    nc_close(nc);
    if (rc)
        mp_snapshot_fini(s);
    return rc;
}

int mp_net_ckpt_write(const char *path, const struct mp_config *cfg,
                      const struct mp_net_snapshot *s,
                      const struct mp_provenance *prov, char *err,
                      size_t errlen)
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
                           mp_config_steps(cfg, cfg->duration_s)};
    return ckpt_write(path, cfg, &h, a, s->state ? 7 : 6, prov, err,
                      errlen);
}

int mp_net_ckpt_read(const char *path, struct mp_config *cfg,
                     struct mp_net_snapshot *s, char *err, size_t errlen)
{
    uint64_t done;
    size_t i;
    int nc, rc = ckpt_open(path, MP_PARADIGM_NETWORK, &nc, cfg, &done, err,
                           errlen);
    if (rc)
        return rc;
    {
        size_t L = cfg->fan_in ? cfg->fan_in
                               : cfg->n_in + (cfg->recurrent ? cfg->n_out : 0);
        if ((rc = check_dim(nc, path, "neuron", cfg->n_out, err, errlen)) ||
            (rc = check_dim(nc, path, "synapse", L, err, errlen)) ||
            (rc = check_fits(path, (double)L * cfg->n_out * 5.0, err,
                             errlen))) {
            nc_close(nc);
            return rc;
        }
    }
    if (done > mp_config_steps(cfg, cfg->duration_s) ||
        mp_net_snapshot_alloc(s,
                              cfg->fan_in ? cfg->fan_in
                                          : cfg->n_in + (cfg->recurrent
                                                             ? cfg->n_out
                                                             : 0),
                              cfg->n_out)) {
        nc_close(nc);
        mp__errf(err, errlen, "%s: steps_done past the end, or out of memory",
                 path);
        return MP_EFORMAT;
    }
    s->step = done;
    if (cfg->discrete) {
        s->state = malloc((size_t)s->n_in * s->n_out);
        if (!s->state) {
            nc_close(nc);
            mp_net_snapshot_fini(s);
            mp__errf(err, errlen, "%s: out of memory", path);
            return MP_ENOMEM;
        }
    }
    {
        const struct array a[] = {
            {"weights", A_F32, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
             "", "", s->w},
            {"theta", A_F32, 1, {"neuron", NULL}, {s->n_out, 0}, "", "",
             s->theta},
            {"activity", A_F32, 1, {"neuron", NULL}, {s->n_out, 0}, "", "",
             s->y},
            {"rate_sum_scaling", A_F64, 1, {"neuron", NULL}, {s->n_out, 0},
             "", "", s->acc_scale},
            {"rate_sum_record", A_F64, 1, {"neuron", NULL}, {s->n_out, 0}, "",
             "", s->acc_rec},
            {"counters", A_I64, 1, {"counter", NULL}, {2, 0}, "", "",
             s->counters},
            {"syn_state", A_U8, 2, {"neuron", "synapse"}, {s->n_out, s->n_in},
             "", "", s->state},
        };
        for (i = 0, rc = 0; i < (s->state ? 7u : 6u) && !rc; i++)
            rc = read_array(nc, path, &a[i], NULL, err, errlen);
    }
    nc_close(nc);
    if (rc)
        mp_net_snapshot_fini(s);
    return rc;
}

/* Verifies every checksummed variable of an open file; lists them. */
static int verify_all(int nc, const char *path, char *names, size_t len,
                      int *mismatch, char *err, size_t errlen)
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
                                    : A_F64;
        for (d = 0; d < ndims; d++)
            nc_inq_dimlen(nc, dims[d], &a.len[d]);
        a.data = malloc(elems(&a) * elem_size(a.type) + 1);
        if (!a.data) {
            mp__errf(err, errlen, "%s: out of memory", path);
            return MP_ENOMEM;
        }
        rc = read_array(nc, path, &a, mismatch, err, errlen);
        free(a.data);
        if (!rc)
            snprintf(names + strlen(names), len - strlen(names), "%s%s",
                     names[0] ? ", " : "", name);
    }
    return rc;
}

int mp_io_info(const char *path, FILE *out, char *err, size_t errlen)
{
    char kind[32], *text = NULL;
    int nc, rc = open_ours(path, &nc, kind, err, errlen);
    unsigned long long done = 0, total = 0;
    double v;
    int i;

    if (rc)
        return rc;
    fprintf(out, "%s: metaplast %s file\n", path, kind);
    if (!get_text_att(nc, NC_GLOBAL, "paradigm", &text)) {
        fprintf(out, "  paradigm:       %s\n", text);
        free(text);
    }
    if (!get_text_att(nc, NC_GLOBAL, "metaplast_version", &text)) {
        fprintf(out, "  written by:     metaplast %s\n", text);
        free(text);
    }
    if (!get_text_att(nc, NC_GLOBAL, "command_line", &text)) {
        fprintf(out, "  command line:   %s\n", text);
        free(text);
    }
    if (!get_text_att(nc, NC_GLOBAL, "device", &text)) {
        fprintf(out, "  ran on:         %s\n", text);
        free(text);
    }
    if (!get_text_att(nc, NC_GLOBAL, "diagnostic", &text)) {
        fprintf(out, "  DIAGNOSTIC:     %s (not resumable)\n", text);
        free(text);
    }
    {
        char *dg = NULL;
        int diag = !get_text_att(nc, NC_GLOBAL, "diagnostic", &dg);
        free(dg);
    for (i = 0; i < 2; i++) {
        const char *unit = i ? "steps" : "memories";
        char a[32], b[32];
        snprintf(a, sizeof a, "%s_done", unit);
        snprintf(b, sizeof b, "%s_total", unit);
        if (nc_get_att_ulonglong(nc, NC_GLOBAL, a, &done) == NC_NOERR &&
            nc_get_att_ulonglong(nc, NC_GLOBAL, b, &total) == NC_NOERR)
            fprintf(out, "  %-15s %llu of %llu stored (%s)\n",
                    i ? "steps:" : "memories:", done, total,
                    diag            ? "diagnostic"
                    : done == total ? "finished"
                                    : "resumable");
    }
    }
    {
        int ndims = 0, d;
        nc_inq_ndims(nc, &ndims);
        fprintf(out, "  sizes:         ");
        for (d = 0; d < ndims; d++) {
            char name[NC_MAX_NAME + 1];
            size_t len;
            nc_inq_dim(nc, d, name, &len);
            fprintf(out, " %s = %zu", name, len);
        }
        fprintf(out, "\n");
    }
    if (!strcmp(kind, "checkpoint")) {
        char names[512];
        int mismatch = 0, version = 0;
        nc_get_att_int(nc, NC_GLOBAL, "format_version", &version);
        fprintf(out, "  format version: %d (this build reads %d)\n", version,
                MP_CKPT_FORMAT);
        rc = version == MP_CKPT_FORMAT
                 ? verify_all(nc, path, names, sizeof names, &mismatch, err,
                              errlen)
                 : MP_EFORMAT;
        if (version != MP_CKPT_FORMAT)
            mp__errf(err, errlen,
                     "%s: checkpoint format version %d; this build reads "
                     "version %d",
                     path, version, MP_CKPT_FORMAT);
        if (rc == 0)
            fprintf(out, "  checksums:      OK (%s)\n", names);
        else
            fprintf(out, "  checksums:      %s\n  %s\n",
                    mismatch ? "MISMATCH" : "not verified", err);
    } else if (!strcmp(kind, "record")) {
        if (nc_get_att_double(nc, NC_GLOBAL, "lifetime", &v) == NC_NOERR)
            fprintf(out, "  lifetime:       %.0f memories (on the grid)\n",
                    v);
        if (nc_get_att_double(nc, NC_GLOBAL, "theory_lifetime", &v) ==
            NC_NOERR)
            fprintf(out, "  theory:         lifetime %.0f memories\n", v);
    } else if (!strcmp(kind, "theory")) {
        if (nc_get_att_double(nc, NC_GLOBAL, "theory_snr0", &v) == NC_NOERR)
            fprintf(out, "  SNR(0):         %.6g\n", v);
        if (nc_get_att_double(nc, NC_GLOBAL, "theory_lifetime", &v) ==
            NC_NOERR)
            fprintf(out, "  lifetime:       %.0f memories\n", v);
    }
    /* The configuration, as the run resolved it. */
    {
        int natts = 0;
        nc_inq_natts(nc, &natts);
        fprintf(out, "  configuration:\n");
        for (i = 0; i < natts; i++) {
            char name[NC_MAX_NAME + 1];
            if (nc_inq_attname(nc, NC_GLOBAL, i, name) != NC_NOERR ||
                strncmp(name, "config.", 7))
                continue;
            if (!get_text_att(nc, NC_GLOBAL, name, &text)) {
                fprintf(out, "    %-22s = %s\n", name + 7, text);
                free(text);
            }
        }
    }
    nc_close(nc);
    return rc;
}

/* ---- Network records --------------------------------------------------- */

struct mp_netrec {
    struct nc f;
    char path[4200];
    char err[1024];
    size_t n;      /* entries written */
    uint32_t n_out, K, B;
    int v_time, v_step, v_theta, v_rate, v_resp, v_mean, v_std, v_hist,
        v_mod;
};

int mp_io_netrec_create(struct mp_netrec **out, const char *path,
                        const struct mp_config *cfg, const struct mp_net *net,
                        const struct mp_provenance *prov, char *err,
                        size_t errlen)
{
    struct mp_netrec *r = calloc(1, sizeof *r);
    struct nc *f;
    int d_time, d_neu, d_pat, d_bin, d_in, dims[3], v_pat = -1, v_bin = -1;
    uint32_t k, b;

    *out = NULL;
    if (!r) {
        mp__errf(err, errlen, "%s: out of memory", path);
        return MP_ENOMEM;
    }
    f = &r->f;
    snprintf(r->path, sizeof r->path, "%s", path);
    f->path = r->path;
    f->err = r->err;
    f->errlen = sizeof r->err;
    r->n_out = cfg->n_out;
    r->K = cfg->patterns;
    r->B = cfg->histogram_bins;
    errno = 0;
    ck(f, nc_create(path, NC_NETCDF4 | NC_CLOBBER, &f->id), "nc_create");
    if (f->rc)
        goto fail;
    ck(f, nc_def_dim(f->id, "time", NC_UNLIMITED, &d_time), "nc_def_dim");
    ck(f, nc_def_dim(f->id, "neuron", cfg->n_out, &d_neu), "nc_def_dim");
    ck(f, nc_def_dim(f->id, "pattern", cfg->patterns, &d_pat), "nc_def_dim");
    ck(f, nc_def_dim(f->id, "bin", cfg->histogram_bins, &d_bin),
       "nc_def_dim");
    ck(f, nc_def_dim(f->id, "input", cfg->n_in, &d_in), "nc_def_dim");
    r->v_time = def_var(f, "time", NC_DOUBLE, d_time, "simulated time", "s");
    r->v_step = def_var(f, "step", NC_INT64, d_time, "steps done", "1");
    dims[0] = d_time;
    dims[1] = d_neu;
    dims[2] = d_pat;
#define DEF_ND(var, name, type, nd, ln, un)                                  \
    do {                                                                     \
        if (!f->rc)                                                          \
            ck(f, nc_def_var(f->id, name, type, nd, dims, &(var)), name);    \
        att_text(f, var, "long_name", ln);                                   \
        att_text(f, var, "units", un);                                       \
    } while (0)
    DEF_ND(r->v_theta, "theta", NC_FLOAT, 2,
           "sliding modification threshold", "1");
    DEF_ND(r->v_rate, "rate", NC_FLOAT, 2,
           "mean rate over the record interval", "1");
    DEF_ND(r->v_resp, "response", NC_FLOAT, 3,
           "response to each pattern presented alone (selectivity)", "1");
    dims[1] = d_bin;
    DEF_ND(r->v_hist, "w_hist", NC_INT64, 2,
           "histogram of all weights over [w_min, w_max]", "1");
    r->v_mean = def_var(f, "w_mean", NC_DOUBLE, d_time, "mean weight", "1");
    r->v_std = def_var(f, "w_std", NC_DOUBLE, d_time,
                       "standard deviation of the weights", "1");
    r->v_mod = def_var(f, "modulator", NC_DOUBLE, d_time,
                       "neuromodulator level m", "1");
    dims[0] = d_pat;
    dims[1] = d_in;
    DEF_ND(v_pat, "patterns", NC_FLOAT, 2, "input patterns (rates)", "1");
#undef DEF_ND
    v_bin = def_var(f, "w_bin", NC_DOUBLE, d_bin,
                    "centre of the weight histogram bin", "1");
    att_text(f, NC_GLOBAL, "title", "metaplast rate-network record");
    provenance(f, cfg, prov, "record");
    att_text(f, NC_GLOBAL, "paradigm", "network");
    if (!f->rc)
        ck(f, nc_enddef(f->id), "nc_enddef");
    for (k = 0; k < cfg->patterns && !f->rc; k++) {
        size_t start[2] = {k, 0}, count[2] = {1, cfg->n_in};
        ck(f, nc_put_vara_float(f->id, v_pat, start, count,
                                mp_net_pattern(net, k)),
           "patterns");
    }
    for (b = 0; b < cfg->histogram_bins && !f->rc; b++) {
        size_t at = b;
        double c = cfg->w_min + (cfg->w_max - cfg->w_min) * (b + 0.5) /
                                    cfg->histogram_bins;
        ck(f, nc_put_var1_double(f->id, v_bin, &at, &c), "w_bin");
    }
    if (f->rc)
        goto fail;
    *out = r;
    return 0;
fail:
    mp__errf(err, errlen, "%s", r->err);
    if (f->id)
        nc_close(f->id);
    free(r);
    return MP_ENETCDF;
}

int mp_io_netrec_append(struct mp_netrec *r, const struct mp_net_sample *s,
                        char *err, size_t errlen)
{
    struct nc *f = &r->f;
    size_t t = r->n, one = 1;
    size_t st2[2] = {t, 0}, c2[2] = {1, r->n_out};
    size_t st3[3] = {t, 0, 0}, c3[3] = {1, r->n_out, r->K};
    size_t ch[2] = {1, r->B};
    long long step = (long long)s->step;
    if (!f->rc)
        ck(f, nc_put_vara_double(f->id, r->v_time, &t, &one, &s->time_s),
           "time");
    if (!f->rc)
        ck(f, nc_put_vara_longlong(f->id, r->v_step, &t, &one, &step),
           "step");
    if (!f->rc)
        ck(f, nc_put_vara_float(f->id, r->v_theta, st2, c2, s->theta),
           "theta");
    if (!f->rc)
        ck(f, nc_put_vara_float(f->id, r->v_rate, st2, c2, s->rate), "rate");
    if (!f->rc)
        ck(f, nc_put_vara_float(f->id, r->v_resp, st3, c3, s->response),
           "response");
    if (!f->rc)
        ck(f, nc_put_vara_longlong(f->id, r->v_hist, st2, ch,
                                   (const long long *)s->histogram),
           "w_hist");
    if (!f->rc)
        ck(f, nc_put_vara_double(f->id, r->v_mean, &t, &one, &s->w_mean),
           "w_mean");
    if (!f->rc)
        ck(f, nc_put_vara_double(f->id, r->v_std, &t, &one, &s->w_std),
           "w_std");
    if (!f->rc)
        ck(f, nc_put_vara_double(f->id, r->v_mod, &t, &one, &s->modulator),
           "modulator");
    if (!f->rc)
        ck(f, nc_sync(f->id), "nc_sync");
    if (!f->rc) {
        int fault = mp__fault("record"); /* test hook */
        if (fault) {
            mp__errf(err, errlen, "%s: cannot append: %s", f->path,
                     strerror(fault));
            return MP_EIO;
        }
    }
    if (f->rc) {
        mp__errf(err, errlen, "%s", r->err);
        return MP_ENETCDF;
    }
    r->n++;
    return 0;
}

int mp_io_netrec_close(struct mp_netrec *r, char *err, size_t errlen)
{
    int rc;
    if (!r)
        return 0;
    rc = nc_close(r->f.id);
    if (!r->f.rc)
        ck(&r->f, rc, "nc_close");
    rc = r->f.rc ? MP_ENETCDF : 0;
    if (rc)
        mp__errf(err, errlen, "%s", r->err);
    free(r);
    return rc;
}

int mp_ckpt_paradigm(const char *path, int *paradigm, char *err,
                     size_t errlen)
{
    char kind[32], *text = NULL;
    int nc, rc = open_ours(path, &nc, kind, err, errlen);
    if (rc)
        return rc;
    *paradigm = MP_PARADIGM_ENSEMBLE;
    if (!get_text_att(nc, NC_GLOBAL, "paradigm", &text)) {
        if (!strcmp(text, "network"))
            *paradigm = MP_PARADIGM_NETWORK;
        free(text);
    }
    nc_close(nc);
    return 0;
}

int mp_io_netrec_resume(struct mp_netrec **out, const char *path,
                        const struct mp_config *cfg, const struct mp_net *net,
                        uint64_t step, const struct mp_provenance *prov,
                        char *err, size_t errlen)
{
    char tmp[4200];
    struct mp_netrec *r = NULL;
    struct mp_net_sample smp;
    size_t T = 0, t;
    int old, dim, rc, v[10];
    static const char *const names[] = {"time",   "step",   "theta",
                                        "rate",   "response", "w_hist",
                                        "w_mean", "w_std",  "modulator"};

    *out = NULL;
    rc = nc_open(path, NC_NOWRITE, &old);
    if (rc != NC_NOERR) {
        mp__errf(err, errlen, "%s: cannot reopen the record: %s", path,
                 nc_strerror(rc));
        return MP_ENETCDF;
    }
    for (t = 0; t < 9; t++)
        if (nc_inq_varid(old, names[t], &v[t]) != NC_NOERR) {
            nc_close(old);
            mp__errf(err, errlen, "%s: not a network record (no '%s')", path,
                     names[t]);
            return MP_EFORMAT;
        }
    nc_inq_dimid(old, "time", &dim);
    nc_inq_dimlen(old, dim, &T);
    tmp_name(tmp, sizeof tmp, path);
    rc = mp_io_netrec_create(&r, tmp, cfg, net, prov, err, errlen);
    if (rc) {
        nc_close(old);
        return rc;
    }
    memset(&smp, 0, sizeof smp);
    smp.n_out = cfg->n_out;
    smp.patterns = cfg->patterns;
    smp.bins = cfg->histogram_bins;
    smp.theta = malloc(cfg->n_out * sizeof *smp.theta);
    smp.rate = malloc(cfg->n_out * sizeof *smp.rate);
    smp.response = malloc((size_t)cfg->n_out * cfg->patterns *
                          sizeof *smp.response);
    smp.histogram = malloc(cfg->histogram_bins * sizeof *smp.histogram);
    rc = smp.theta && smp.rate && smp.response && smp.histogram ? 0
                                                                : MP_ENOMEM;
    for (t = 0; t < T && !rc; t++) {
        size_t one = 1, s2[2] = {t, 0}, c2[2] = {1, cfg->n_out};
        size_t s3[3] = {t, 0, 0}, c3[3] = {1, cfg->n_out, cfg->patterns};
        size_t ch[2] = {1, cfg->histogram_bins};
        long long st = 0;
        if (nc_get_vara_longlong(old, v[1], &t, &one, &st) ||
            nc_get_vara_double(old, v[0], &t, &one, &smp.time_s) ||
            nc_get_vara_float(old, v[2], s2, c2, smp.theta) ||
            nc_get_vara_float(old, v[3], s2, c2, smp.rate) ||
            nc_get_vara_float(old, v[4], s3, c3, smp.response) ||
            nc_get_vara_longlong(old, v[5], s2, ch,
                                 (long long *)smp.histogram) ||
            nc_get_vara_double(old, v[6], &t, &one, &smp.w_mean) ||
            nc_get_vara_double(old, v[7], &t, &one, &smp.w_std) ||
            nc_get_vara_double(old, v[8], &t, &one, &smp.modulator)) {
            mp__errf(err, errlen, "%s: cannot read record entry %zu", path,
                     t);
            rc = MP_ENETCDF;
            break;
        }
        if ((uint64_t)st > step)
            break; /* written after the checkpoint: dropped */
        smp.step = (uint64_t)st;
        rc = mp_io_netrec_append(r, &smp, err, errlen);
    }
    mp_net_sample_fini(&smp);
    nc_close(old);
    if (!rc && rename(tmp, path)) {
        mp__errf(err, errlen, "%s: cannot replace the record: %s", path,
                 strerror(errno));
        rc = MP_EIO;
    }
    if (rc) {
        mp_io_netrec_close(r, NULL, 0);
        unlink(tmp);
        return rc;
    }
    snprintf(r->path, sizeof r->path, "%s", path);
    *out = r;
    return 0;
}
