/* SPDX-License-Identifier: MIT */
/* nc.c: NetCDF helpers shared by the file writers and readers (nc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "metaplast/version.h"
#include "nc.h"

void mp__nc_check(struct nc *f, int status, const char *what)
{
    /* HDF5 reports a full disk or a failed write only as "HDF error":
     * errno, kept clear between calls, adds the system's reason. */
    int sys = errno;
    if (status == NC_NOERR || f->rc) {
        errno = 0;
        return;
    }
    f->rc = status;
    if ((sys == ENOSPC || sys == EDQUOT || sys == EACCES || sys == EROFS ||
         sys == EIO || sys == EFBIG) &&
        status > 0)
        /* A system error passed through (a stale one, at times, such as
         * EACCES for a full disk): the system's reason alone. */
        snprintf(f->msg, sizeof f->msg, "%s: NetCDF error in %s: %s",
                 f->path, what, strerror(sys));
    else if (sys == ENOSPC || sys == EDQUOT || sys == EACCES ||
             sys == EROFS || sys == EIO || sys == EFBIG)
        snprintf(f->msg, sizeof f->msg, "%s: NetCDF error in %s: %s (%s)",
                 f->path, what, nc_strerror(status), strerror(sys));
    else
        snprintf(f->msg, sizeof f->msg, "%s: NetCDF error in %s: %s",
                 f->path, what, nc_strerror(status));
}

int mp__nc_fail(const struct nc *f)
{
    return mp__fail(MP_ENETCDF, "%s", f->msg);
}

static int unclosed;

int mp__nc_close(int id)
{
    const int rc = nc_close(id);
    unclosed += rc != NC_NOERR;
    return rc;
}

int mp_io_unclosed(void)
{
    return unclosed;
}

void mp__nc_att_text(struct nc *f, int var, const char *name,
                     const char *value)
{
    if (!f->rc)
        mp__nc_check(f, nc_put_att_text(f->id, var, name, strlen(value),
                                        value),
                     name);
}

void mp__nc_att_double(struct nc *f, int var, const char *name, double v)
{
    if (!f->rc)
        mp__nc_check(f, nc_put_att_double(f->id, var, name, NC_DOUBLE, 1, &v),
                     name);
}

void mp__nc_att_u64(struct nc *f, int var, const char *name, uint64_t v)
{
    unsigned long long u = v;
    if (!f->rc)
        mp__nc_check(f,
                     nc_put_att_ulonglong(f->id, var, name, NC_UINT64, 1, &u),
                     name);
}

int mp__nc_def(struct nc *f, const char *name, nc_type type, int ndims,
               const int *dims, const char *long_name, const char *units)
{
    int var = -1;
    if (f->rc)
        return -1;
    mp__nc_check(f, nc_def_var(f->id, name, type, ndims, dims, &var), name);
    if (long_name)
        mp__nc_att_text(f, var, "long_name", long_name);
    if (units)
        mp__nc_att_text(f, var, "units", units);
    return var;
}

void mp__nc_put(struct nc *f, int var, const void *data, const char *what)
{
    if (!f->rc)
        mp__nc_check(f, nc_put_var(f->id, var, data), what);
}

void mp__nc_att_checksum(struct nc *f, int var, const void *data,
                          size_t bytes)
{
    char hex[32];
    snprintf(hex, sizeof hex, "%016llx",
             (unsigned long long)mp_io_hash64(data, bytes));
    mp__nc_att_text(f, var, "checksum", hex);
}

char *mp__nc_config_text(const struct mp_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    int bad;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return NULL;
    bad = mp_config_write(cfg, mem) != 0;
    bad |= fclose(mem) != 0;
    if (bad) {
        free(text);
        return NULL;
    }
    return text;
}

int mp__nc_config_skipped(const struct mp_config *cfg, const char *key,
                          const char *value)
{
    /* The grid; no markov table; no chain. */
    return (!strcmp(key, "measure.ages") && cfg->n_ages == 0) ||
           (!value[0] && !strncmp(key, "synapse.", 8)) ||
           (!strcmp(key, "synapse.states") &&
            cfg->syn.model != MP_SYN_MARKOV) ||
           (!strncmp(key, "synapse.bf_", 11) &&
            cfg->syn.model != MP_SYN_BENNA_FUSI);
}

/* One key as a typed attribute config_<section>_<key>: a number where
 * the key is one (times in seconds), its text otherwise. */
static void config_att(struct nc *f, const struct mp_config *cfg,
                       const char *key, const char *value)
{
    struct mp_config_number n;
    char name[NC_MAX_NAME + 1], *p;
    snprintf(name, sizeof name, "config_%s", key);
    for (p = name; *p; p++)
        if (*p == '.')
            *p = '_';
    mp_config_key_number(cfg, key, &n);
    if (f->rc)
        return;
    if (n.kind == MP_CONFIG_KIND_UINT64) {
        const unsigned long long u = n.u;
        mp__nc_check(f, nc_put_att_ulonglong(f->id, NC_GLOBAL, name,
                                             NC_UINT64, 1, &u),
                     name);
    } else if (n.kind == MP_CONFIG_KIND_UINT32) {
        const unsigned int u = (unsigned int)n.u;
        mp__nc_check(f, nc_put_att_uint(f->id, NC_GLOBAL, name, NC_UINT, 1,
                                        &u),
                     name);
    } else if (n.kind == MP_CONFIG_KIND_INT) {
        const int v = (int)n.i;
        mp__nc_check(f, nc_put_att_int(f->id, NC_GLOBAL, name, NC_INT, 1,
                                       &v),
                     name);
    } else if (n.kind == MP_CONFIG_KIND_REAL ||
               n.kind == MP_CONFIG_KIND_SECONDS) {
        mp__nc_att_double(f, NC_GLOBAL, name, n.d);
    } else {
        mp__nc_att_text(f, NC_GLOBAL, name, value);
    }
}

/* CF's audit trail: when, and the command that wrote the file. */
static void history(struct nc *f, const struct mp_provenance *prov)
{
    char line[8400], stamp[32] = "";
    const time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(line, sizeof line, "%s %s", stamp,
             prov && prov->command_line
                 ? prov->command_line
                 : "metaplast " MP_VERSION_STRING);
    mp__nc_att_text(f, NC_GLOBAL, "history", line);
}

void mp__nc_provenance(struct nc *f, const struct mp_config *cfg,
                       const struct mp_provenance *prov, const char *kind)
{
    char *value, *ini;
    size_t i;
    mp__nc_att_text(f, NC_GLOBAL, "Conventions", MP_NC_CONVENTIONS);
    history(f, prov);
    mp__nc_att_text(f, NC_GLOBAL, "metaplast_file", kind);
    mp__nc_att_text(f, NC_GLOBAL, "metaplast_version", MP_VERSION_STRING);
    if (prov && prov->command_line)
        mp__nc_att_text(f, NC_GLOBAL, "command_line", prov->command_line);
    if (prov && prov->backend)
        mp__nc_att_text(f, NC_GLOBAL, "backend", prov->backend);
    if (prov && prov->device)
        mp__nc_att_text(f, NC_GLOBAL, "device", prov->device);
    if (prov && prov->diagnostic)
        mp__nc_att_text(f, NC_GLOBAL, "diagnostic", prov->diagnostic);
    if (!cfg)
        return;
    ini = mp__nc_config_text(cfg);
    value = malloc(MP_CFG_MAX_VALUE);
    if ((!ini || !value) && !f->rc) {
        f->rc = NC_ENOMEM;
        snprintf(f->msg, sizeof f->msg, "%s: out of memory", f->path);
    }
    if (ini)
        mp__nc_att_text(f, NC_GLOBAL, "config_ini", ini);
    for (i = 0; value && i < mp_config_nkeys(); i++) {
        const char *key;
        mp_config_key(cfg, i, &key, value, MP_CFG_MAX_VALUE);
        if (!mp__nc_config_skipped(cfg, key, value))
            config_att(f, cfg, key, value);
    }
    free(value);
    free(ini);
}

void mp__nc_theory_summary(struct nc *f, const struct mp_theory *th)
{
    mp__nc_att_double(f, NC_GLOBAL, "theory_snr0", th->snr0);
    mp__nc_att_double(f, NC_GLOBAL, "theory_lifetime", th->lifetime);
    mp__nc_att_double(f, NC_GLOBAL, "theory_lifetime_poisson",
                      th->lifetime_poisson);
    mp__nc_att_double(f, NC_GLOBAL, "theory_area_snr", th->area_snr);
    mp__nc_att_double(f, NC_GLOBAL, "theory_noise", th->noise);
    mp__nc_att_double(f, NC_GLOBAL, "theory_bound_snr0", th->bound_snr0);
    mp__nc_att_double(f, NC_GLOBAL, "theory_bound_area", th->bound_area);
    mp__nc_att_double(f, NC_GLOBAL, "theory_bound_lifetime_poisson",
                      th->bound_lifetime);
    mp__nc_att_text(f, NC_GLOBAL, "theory_clocks", MP_NC_CLOCKS);
}

void mp__nc_modes_def(struct nc *f, const struct mp_theory *th, int var[4],
                      int checksums)
{
    static const char *const names[4] = {
        "eigenvalue_re", "eigenvalue_im", "timescale_memories",
        "timescale_poisson"};
    static const char *const long_names[4] = {
        "real part of an eigenvalue lambda of MF = f M+ + (1-f) M- (all "
        "but the stationary 1, by decreasing real part)",
        "imaginary part of the eigenvalue lambda",
        "decay time of the mode in memories, -1/ln|lambda| (one memory per "
        "step)",
        "decay time of the mode in Poisson time, 1/(1 - Re lambda) (mean "
        "memories, memories arriving at rate 1)"};
    const double *data[4] = {th->eig_re, th->eig_im, th->tau_memories,
                             th->tau_poisson};
    int dim = -1, k;
    mp__nc_check(f, nc_def_dim(f->id, "mode", th->modes, &dim),
                 "nc_def_dim");
    for (k = 0; k < 4; k++) {
        var[k] = mp__nc_def(f, names[k], NC_DOUBLE, 1, &dim, long_names[k],
                            "1");
        if (k >= 2)
            mp__nc_att_text(f, var[k], "clock",
                            k == 2 ? "memories" : "poisson");
        if (checksums)
            mp__nc_att_checksum(f, var[k], data[k],
                                th->modes * sizeof(double));
    }
}

void mp__nc_modes_put(struct nc *f, const struct mp_theory *th,
                      const int var[4])
{
    mp__nc_put(f, var[0], th->eig_re, "eigenvalue_re");
    mp__nc_put(f, var[1], th->eig_im, "eigenvalue_im");
    mp__nc_put(f, var[2], th->tau_memories, "timescale_memories");
    mp__nc_put(f, var[3], th->tau_poisson, "timescale_poisson");
}

int mp__nc_begin(struct nc *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    mp__io_tmp_name(f->tmp, sizeof f->tmp, path);
    /* Created anew (never through a link planted at the name). */
    unlink(f->tmp);
    errno = 0;
    mp__nc_check(f, nc_create(f->tmp, NC_NETCDF4 | NC_NOCLOBBER, &f->id),
                 "nc_create");
    if (f->rc)
        unlink(f->tmp); /* a full disk can leave it empty */
    return f->rc ? mp__nc_fail(f) : 0;
}

int mp__nc_finish(struct nc *f, int fault)
{
    int rc = mp__nc_close(f->id);
    if (!f->rc)
        mp__nc_check(f, rc, "nc_close");
    if (f->rc || fault) {
        unlink(f->tmp);
        return f->rc ? mp__nc_fail(f)
                     : mp__fail(MP_EIO, "%s: cannot write: %s", f->path,
                                strerror(fault));
    }
    return mp__io_commit(f->tmp, f->path);
}

int mp__nc_get_text(int nc, int var, const char *name, char **out)
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

/* ---- Opening files that may be damaged ---------------------------------- */

static mp_io_probe_fn probe_fn;
static void *probe_ctx;

void mp_io_set_probe(mp_io_probe_fn probe, void *ctx)
{
    probe_fn = probe;
    probe_ctx = ctx;
}

/* Whether a file without its metaplast_file attribute still carries
 * the other marks of metaplast's files. */
static int looks_ours(int nc)
{
    static const char *const marks[] = {"metaplast_version",
                                        "checksum_algorithm", "config_ini",
                                        "command_line"};
    size_t i, n;
    for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (nc_inq_attlen(nc, NC_GLOBAL, marks[i], &n) == NC_NOERR)
            return 1;
    return 0;
}

int mp__nc_open_ours(const char *path, int *nc, char kind[32])
{
    char *k = NULL;
    int st;
    if (access(path, R_OK))
        return mp__fail(MP_EINVAL, "%s: cannot read: %s", path,
                        strerror(errno));
    st = probe_fn ? probe_fn(path, probe_ctx) : 0;
    if (st)
        return mp__fail(MP_EFORMAT,
                        "%s: not a readable NetCDF file (damaged: the HDF5 "
                        "library %s reading it)",
                        path, st == -2 ? "hung" : "crashed");
    st = nc_open(path, NC_NOWRITE, nc);
    if (st != NC_NOERR)
        return mp__fail(MP_EFORMAT,
                        "%s: not a readable NetCDF file (truncated or "
                        "corrupt?): %s",
                        path, nc_strerror(st));
    if (mp__nc_get_text(*nc, NC_GLOBAL, "metaplast_file", &k)) {
        const int ours = looks_ours(*nc);
        nc_close(*nc);
        return mp__fail(MP_EFORMAT,
                        ours ? "%s: damaged: a metaplast file whose header "
                               "lost its metaplast_file attribute"
                             : "%s: a NetCDF file without a metaplast_file "
                               "attribute: not one of metaplast's, or one "
                               "whose header is damaged",
                        path);
    }
    snprintf(kind, 32, "%s", k);
    free(k);
    return 0;
}
