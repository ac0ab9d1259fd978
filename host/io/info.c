/* SPDX-License-Identifier: MIT */
/* info.c: what any metaplast file holds, in plain words, its checksums
 * verified (`metaplast info`). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/util.h"
#include "nc.h"

int mp__io_verify_all(int nc, const char *path, char *names, size_t len,
                      int *mismatch);
int mp__io_check_header(int nc, const char *path);

/* One text attribute as a line, if the file has it. */
static void text_line(FILE *out, int nc, const char *att, const char *label,
                      const char *prefix, const char *suffix)
{
    char *text = NULL;
    if (mp__nc_get_text(nc, NC_GLOBAL, att, &text))
        return;
    fprintf(out, "  %-15s %s%s%s\n", label, prefix, text, suffix);
    free(text);
}

/* How far the run got: memories or steps, and whether it can go on. */
static void progress(FILE *out, int nc)
{
    char *dg = NULL;
    const int diag = !mp__nc_get_text(nc, NC_GLOBAL, "diagnostic", &dg);
    int i;
    free(dg);
    for (i = 0; i < 2; i++) {
        const char *unit = i ? "steps" : "memories";
        unsigned long long done = 0, total = 0;
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

static void sizes(FILE *out, int nc)
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

/* A checkpoint: its format version and every checksum. */
static int checksums(FILE *out, int nc, const char *path, const char *kind)
{
    char names[512];
    int mismatch = 0, version = 0, rc;
    if (strcmp(kind, "checkpoint")) {
        /* A record's arrays (ensembles), when it carries checksums. */
        rc = mp__io_verify_all(nc, path, names, sizeof names, &mismatch);
        if (rc)
            fprintf(out, "  checksums:      %s\n  %s\n",
                    mismatch ? "MISMATCH" : "not verified", mp_errmsg());
        else if (names[0])
            fprintf(out, "  checksums:      OK (%s)\n", names);
        return rc;
    }
    nc_get_att_int(nc, NC_GLOBAL, "format_version", &version);
    fprintf(out, "  format version: %d (this build reads %d to %d)\n",
            version, MP_CKPT_FORMAT_OLDEST, MP_CKPT_FORMAT);
    if (version < MP_CKPT_FORMAT_OLDEST || version > MP_CKPT_FORMAT)
        rc = mp__fail(MP_EFORMAT,
                      "%s: checkpoint format version %d; this build reads "
                      "versions %d to %d",
                      path, version, MP_CKPT_FORMAT_OLDEST, MP_CKPT_FORMAT);
    else if ((rc = mp__io_check_header(nc, path)) != 0)
        mismatch = 1;
    else
        rc = mp__io_verify_all(nc, path, names, sizeof names, &mismatch);
    if (rc == 0)
        fprintf(out, "  checksums:      OK (%s)\n", names);
    else
        fprintf(out, "  checksums:      %s\n  %s\n",
                mismatch ? "MISMATCH" : "not verified", mp_errmsg());
    return rc;
}

/* An attractor's capacity or lifetime in words: -1 when not even age 0
 * is reached, NaN where it is not defined. */
static const char *ages(double v, char buf[64])
{
    if (isnan(v))
        return "not defined";
    if (isinf(v))
        return "infinite";
    if (v < 0)
        return "none (not even age 0)";
    snprintf(buf, 64, "%.4g memories", v);
    return buf;
}

/* The numbers a record or theory file carries. */
static void summary(FILE *out, int nc, const char *kind)
{
    const int record = !strcmp(kind, "record");
    char buf[64];
    double v;
    if (!record && strcmp(kind, "theory"))
        return;
    if (record &&
        nc_get_att_double(nc, NC_GLOBAL, "lifetime", &v) == NC_NOERR)
        fprintf(out, "  lifetime:       %.0f memories (on the grid)\n", v);
    if (!record &&
        nc_get_att_double(nc, NC_GLOBAL, "theory_snr0", &v) == NC_NOERR)
        fprintf(out, "  SNR(0):         %.6g\n", v);
    if (nc_get_att_double(nc, NC_GLOBAL, "theory_lifetime", &v) == NC_NOERR)
        fprintf(out, "  %s%.0f memories\n",
                record ? "theory:         lifetime " : "lifetime:       ",
                v);
    /* Files from before the Poisson clock lack this one. */
    if (nc_get_att_double(nc, NC_GLOBAL, "theory_lifetime_poisson", &v) ==
        NC_NOERR)
        fprintf(out, "  %s%.7g in Poisson time\n",
                record ? "theory:         lifetime " : "lifetime:       ",
                v);
    /* An attractor network's. */
    if (nc_get_att_double(nc, NC_GLOBAL, "capacity_interp", &v) == NC_NOERR)
        fprintf(out, "  capacity:       %s (interpolated)\n", ages(v, buf));
    if (nc_get_att_double(nc, NC_GLOBAL, "capacity_theory", &v) == NC_NOERR)
        fprintf(out, "  %s%s (mean-field, an approximation)\n",
                record ? "theory:         capacity " : "capacity:       ",
                ages(v, buf));
    if (nc_get_att_double(nc, NC_GLOBAL, "lifetime_ideal_observer", &v) ==
        NC_NOERR)
        fprintf(out, "  %s%s (ideal observer)\n",
                record ? "theory:         lifetime " : "lifetime:       ",
                ages(v, buf));
}

/* Files from before config_ini was in every file: their
 * config.<section>.<key> text attributes. */
static void configuration_legacy(FILE *out, int nc)
{
    int natts = 0, i;
    nc_inq_natts(nc, &natts);
    for (i = 0; i < natts; i++) {
        char name[NC_MAX_NAME + 1], *text = NULL;
        if (nc_inq_attname(nc, NC_GLOBAL, i, name) != NC_NOERR ||
            strncmp(name, "config.", 7))
            continue;
        if (!mp__nc_get_text(nc, NC_GLOBAL, name, &text)) {
            fprintf(out, "    %-22s = %s\n", name + 7, text);
            free(text);
        }
    }
}

/* The configuration, as the run resolved it (config_ini), key by key as
 * the file's attributes hold them. */
static void configuration(FILE *out, int nc, const char *path)
{
    struct mp_config *cfg;
    char *ini = NULL, *value = NULL, *keep;
    size_t i;
    fprintf(out, "  configuration:\n");
    if (mp__nc_get_text(nc, NC_GLOBAL, "config_ini", &ini)) {
        configuration_legacy(out, nc);
        return;
    }
    cfg = malloc(sizeof *cfg);
    value = malloc(MP_CFG_MAX_VALUE);
    keep = strdup(mp_errmsg());
    if (cfg && value && keep) {
        mp_config_init(cfg);
        if (mp_config_load_text(cfg, ini, path)) {
            fprintf(out, "    (config_ini unreadable: %s)\n", mp_errmsg());
            /* The file's verdict keeps its own text. */
            (void)mp__fail(MP_EFORMAT, "%s", keep);
        } else
            for (i = 0; i < mp_config_nkeys(); i++) {
                const char *key;
                mp_config_key(cfg, i, &key, value, MP_CFG_MAX_VALUE);
                if (!mp__nc_config_skipped(cfg, key, value))
                    fprintf(out, "    %-22s = %s\n", key, value);
            }
    }
    free(keep);
    free(value);
    free(cfg);
    free(ini);
}

int mp_io_info(const char *path, FILE *out)
{
    char kind[32];
    int nc, rc = mp__nc_open_ours(path, &nc, kind);
    if (rc)
        return rc;
    fprintf(out, "%s: metaplast %s file\n", path, kind);
    text_line(out, nc, "paradigm", "paradigm:", "", "");
    text_line(out, nc, "metaplast_version", "written by:", "metaplast ", "");
    text_line(out, nc, "command_line", "command line:", "", "");
    text_line(out, nc, "device", "ran on:", "", "");
    text_line(out, nc, "diagnostic", "DIAGNOSTIC:", "", " (not resumable)");
    progress(out, nc);
    sizes(out, nc);
    rc = checksums(out, nc, path, kind);
    summary(out, nc, kind);
    configuration(out, nc, path);
    nc_close(nc);
    return rc;
}

int mp_io_verify(const char *path)
{
    char kind[32], names[512];
    int nc, mismatch = 0, rc = mp__nc_open_ours(path, &nc, kind);
    if (rc)
        return rc;
    if (!strcmp(kind, "checkpoint"))
        rc = mp__io_check_header(nc, path);
    if (!rc)
        rc = mp__io_verify_all(nc, path, names, sizeof names, &mismatch);
    nc_close(nc);
    return rc;
}
