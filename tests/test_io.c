/* SPDX-License-Identifier: MIT */
/* test_io.c: the NetCDF record and theory files, read back. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/metaplast.h"

static char dir[128];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-io-%ld", (long)getpid());
    mkdir(dir, 0777);
}

static void remove_dir(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void text_att(int nc, int var, const char *name, char *buf,
                     size_t len)
{
    size_t n = 0;
    cr_assert_eq(nc_inq_attlen(nc, var, name, &n), NC_NOERR, "%s", name);
    cr_assert(n < len);
    cr_assert_eq(nc_get_att_text(nc, var, name, buf), NC_NOERR);
    buf[n] = '\0';
}

TestSuite(io, .init = make_dir, .fini = remove_dir);

/* Key i of c as its typed attribute config_<section>_<key>. */
static void check_config_att(int nc, const struct mp_config *c, size_t i)
{
    struct mp_config_number num;
    const char *name;
    char value[4096], att[128], *p, buf[4096];
    nc_type type;
    size_t n = 0;
    mp_config_key(c, i, &name, value, sizeof value);
    mp_config_key_number(c, name, &num);
    snprintf(att, sizeof att, "config_%s", name);
    for (p = att; *p; p++)
        *p = *p == '.' ? '_' : *p;
    if (!strncmp(name, "synapse.bf_", 11)) {
        /* A cascade's file has no Benna-Fusi keys. */
        cr_expect_neq(nc_inq_attlen(nc, NC_GLOBAL, att, &n), NC_NOERR, "%s",
                      att);
        return;
    }
    if (!strcmp(name, "measure.ages") ||
        (!strncmp(name, "synapse.", 8) && !value[0]) ||
        !strcmp(name, "synapse.states"))
        return; /* the grid; no markov table (a cascade here) */
    cr_assert_eq(nc_inq_atttype(nc, NC_GLOBAL, att, &type), NC_NOERR, "%s",
                 att);
    if (num.kind == MP_CONFIG_KIND_UINT64 ||
        num.kind == MP_CONFIG_KIND_UINT32) {
        unsigned long long u = 0;
        cr_expect_eq(type, num.kind == MP_CONFIG_KIND_UINT64 ? NC_UINT64
                                                             : NC_UINT,
                     "%s", att);
        nc_get_att_ulonglong(nc, NC_GLOBAL, att, &u);
        cr_expect_eq(u, num.u, "%s", att);
    } else if (num.kind == MP_CONFIG_KIND_INT) {
        long long v = 0;
        cr_expect_eq(type, NC_INT, "%s", att);
        nc_get_att_longlong(nc, NC_GLOBAL, att, &v);
        cr_expect_eq(v, num.i, "%s", att);
    } else if (num.kind == MP_CONFIG_KIND_REAL ||
               num.kind == MP_CONFIG_KIND_SECONDS) {
        double d = -1;
        cr_expect_eq(type, NC_DOUBLE, "%s", att);
        nc_get_att_double(nc, NC_GLOBAL, att, &d);
        cr_expect_eq(memcmp(&d, &num.d, 8), 0, "%s", att);
    } else {
        text_att(nc, NC_GLOBAL, att, buf, sizeof buf);
        cr_expect_str_eq(buf, value, "%s", att);
    }
}

/* The resolved config in a file: every key as a typed attribute with a
 * legal name (letters, digits, '_'), and config_ini, which loads back to
 * the same values. */
static void check_config_atts(int nc, const struct mp_config *c)
{
    struct mp_config back;
    char *ini, name[NC_MAX_NAME + 1];
    size_t n = 0, i;
    int natts = 0, a;
    for (i = 0; i < mp_config_nkeys(); i++)
        check_config_att(nc, c, i);
    nc_inq_natts(nc, &natts);
    for (a = 0; a < natts; a++) {
        nc_inq_attname(nc, NC_GLOBAL, a, name);
        cr_expect_eq(strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
                     strlen(name), "attribute name %s", name);
    }
    cr_assert_eq(nc_inq_attlen(nc, NC_GLOBAL, "config_ini", &n), NC_NOERR);
    ini = calloc(n + 1, 1);
    cr_assert_not_null(ini);
    nc_get_att_text(nc, NC_GLOBAL, "config_ini", ini);
    mp_config_init(&back);
    cr_assert_eq(mp_config_load_text(&back, ini, "config_ini"), 0, "%s",
                 mp_errmsg());
    for (i = 0; i < mp_config_nkeys(); i++) {
        const char *k1, *k2;
        char v1[4096], v2[4096];
        mp_config_key(c, i, &k1, v1, sizeof v1);
        mp_config_key(&back, i, &k2, v2, sizeof v2);
        cr_expect_str_eq(v1, v2, "%s", k1);
    }
    free(ini);
}

/* The eigenmodes (dimension "mode") and the summary in both clocks, as
 * the theory computed them. */
static void check_modes(int nc, const struct mp_theory *th)
{
    const char *vars[4] = {"eigenvalue_re", "eigenvalue_im",
                           "timescale_memories", "timescale_poisson"};
    const double *want[4] = {th->eig_re, th->eig_im, th->tau_memories,
                             th->tau_poisson};
    const char *atts[4] = {"theory_lifetime_poisson", "theory_bound_snr0",
                           "theory_bound_area",
                           "theory_bound_lifetime_poisson"};
    const double attv[4] = {th->lifetime_poisson, th->bound_snr0,
                            th->bound_area, th->bound_lifetime};
    double got[2 * MP_MAX_STATES], a;
    char buf[1024];
    size_t n = 0, k, j;
    int dim, var;
    cr_assert_eq(nc_inq_dimid(nc, "mode", &dim), NC_NOERR);
    cr_assert_eq(nc_inq_dimlen(nc, dim, &n), NC_NOERR);
    cr_assert_eq(n, th->modes);
    for (k = 0; k < 4; k++) {
        cr_assert_eq(nc_inq_varid(nc, vars[k], &var), NC_NOERR, "%s",
                     vars[k]);
        cr_assert_eq(nc_get_var_double(nc, var, got), NC_NOERR);
        for (j = 0; j < n; j++)
            cr_expect_eq(memcmp(&got[j], &want[k][j], 8), 0, "%s[%zu]",
                         vars[k], j);
        text_att(nc, var, "long_name", buf, sizeof buf);
        text_att(nc, var, "units", buf, sizeof buf);
        if (k >= 2) {
            text_att(nc, var, "clock", buf, sizeof buf);
            cr_expect_str_eq(buf, k == 2 ? "memories" : "poisson");
        }
    }
    for (k = 0; k < 4; k++) {
        cr_assert_eq(nc_get_att_double(nc, NC_GLOBAL, atts[k], &a), NC_NOERR,
                     "%s", atts[k]);
        cr_expect_eq(a, attv[k], "%s", atts[k]);
    }
    text_att(nc, NC_GLOBAL, "theory_clocks", buf, sizeof buf);
    cr_expect(strstr(buf, "poisson") != NULL);
}

Test(io, record_round_trip)
{
    struct mp_config c;
    struct mp_ens *s;
    struct mp_ens_curve cv;
    struct mp_theory th;
    struct mp_provenance prov = {"metaplast run x.ini", "cpu", "CPU", NULL};
    char path[256], buf[4096];
    double *st, *snrt, *sp, *snrp, got[64];
    long long ages[64], probes[64];
    int nc, dim, var, fmt;
    size_t n, k;
    DIR *d;
    struct dirent *e;

    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.synapses = 3000;
    c.memories = 200;
    c.max_age = 100;
    c.seed = 5;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_create(&s, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, 1000), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    cr_assert_eq(mp_theory_compute(&c, &th), 0, "%s", mp_errmsg());
    st = calloc(cv.n, sizeof *st);
    snrt = calloc(cv.n, sizeof *snrt);
    cr_assert_eq(mp_theory_curve(&c, cv.age, cv.n, st, snrt), 0, "%s",
                 mp_errmsg());
    sp = calloc(cv.n, sizeof *sp);
    snrp = calloc(cv.n, sizeof *snrp);
    cr_assert_eq(mp_theory_curve_clock(&c, MP_CLOCK_POISSON, cv.age, cv.n, sp,
                                       snrp),
                 0, "%s", mp_errmsg());
    snprintf(path, sizeof path, "%s/record.nc", dir);
    cr_assert_eq(mp_io_ens_record_write(path, &c, &cv, st, snrt, sp, snrp,
                                        &th, &prov),
                 0, "%s", mp_errmsg());

    cr_assert_eq(nc_open(path, NC_NOWRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_inq_format(nc, &fmt), NC_NOERR);
    cr_expect_eq(fmt, NC_FORMAT_NETCDF4);
    cr_assert_eq(nc_inq_dimid(nc, "age", &dim), NC_NOERR);
    cr_assert_eq(nc_inq_dimlen(nc, dim, &n), NC_NOERR);
    cr_assert_eq(n, cv.n);
    cr_assert(n <= 64);
    cr_assert_eq(nc_inq_varid(nc, "age", &var), NC_NOERR);
    {
        nc_type type;
        cr_assert_eq(nc_inq_vartype(nc, var, &type), NC_NOERR);
        cr_expect_eq(type, NC_INT64);
    }
    cr_assert_eq(nc_get_var_longlong(nc, var, ages), NC_NOERR);
    cr_assert_eq(nc_inq_varid(nc, "probes", &var), NC_NOERR);
    cr_assert_eq(nc_get_var_longlong(nc, var, probes), NC_NOERR);
    for (k = 0; k < n; k++) {
        cr_expect_eq((uint64_t)ages[k], cv.age[k]);
        cr_expect_eq(probes[k], cv.probes[k]);
    }
    /* Ages are a count (units "1", for CF) in memories, and say so. */
    cr_assert_eq(nc_inq_varid(nc, "age", &var), NC_NOERR);
    text_att(nc, var, "units", buf, sizeof buf);
    cr_expect_str_eq(buf, "1");
    text_att(nc, var, "clock", buf, sizeof buf);
    cr_expect_str_eq(buf, "memories");
    {
        const char *vars[] = {"signal",        "signal_sem",
                              "snr",           "snr_sem",
                              "signal_theory", "snr_theory",
                              "signal_theory_poisson", "snr_theory_poisson"};
        const double *want[] = {cv.signal, cv.signal_sem, cv.snr,
                                cv.snr_sem, st, snrt, sp, snrp};
        size_t v;
        for (v = 0; v < 8; v++) {
            cr_assert_eq(nc_inq_varid(nc, vars[v], &var), NC_NOERR, "%s",
                         vars[v]);
            cr_assert_eq(nc_get_var_double(nc, var, got), NC_NOERR);
            for (k = 0; k < n; k++)
                cr_expect_eq(memcmp(&got[k], &want[v][k], 8), 0, "%s[%zu]",
                             vars[v], k);
            text_att(nc, var, "long_name", buf, sizeof buf);
            cr_expect(strlen(buf) > 5);
            text_att(nc, var, "units", buf, sizeof buf);
            if (v >= 4) {
                text_att(nc, var, "clock", buf, sizeof buf);
                cr_expect_str_eq(buf, v >= 6 ? "poisson" : "memories");
            }
        }
    }
    check_modes(nc, &th);
    {
        unsigned long long seed = 0;
        nc_type type = NC_NAT;
        nc_inq_atttype(nc, NC_GLOBAL, "config_run_seed", &type);
        nc_get_att_ulonglong(nc, NC_GLOBAL, "config_run_seed", &seed);
        cr_expect(type == NC_UINT64 && seed == 5);
    }
    text_att(nc, NC_GLOBAL, "config_synapse_model", buf, sizeof buf);
    cr_expect_str_eq(buf, "cascade");
    text_att(nc, NC_GLOBAL, "command_line", buf, sizeof buf);
    cr_expect_str_eq(buf, "metaplast run x.ini");
    text_att(nc, NC_GLOBAL, "history", buf, sizeof buf);
    cr_expect(strstr(buf, "Z metaplast run x.ini") != NULL, "%s", buf);
    text_att(nc, NC_GLOBAL, "Conventions", buf, sizeof buf);
    cr_expect_str_eq(buf, "CF-1.8");
    text_att(nc, NC_GLOBAL, "metaplast_version", buf, sizeof buf);
    cr_expect_str_eq(buf, MP_VERSION_STRING);
    text_att(nc, NC_GLOBAL, "metaplast_file", buf, sizeof buf);
    cr_expect_str_eq(buf, "record");
    check_config_atts(nc, &c);
    nc_close(nc);

    /* Atomic write: only the final file is left. */
    d = opendir(dir);
    cr_assert_not_null(d);
    while ((e = readdir(d)))
        cr_expect(e->d_name[0] == '.' || !strcmp(e->d_name, "record.nc"),
                  "left behind: %s", e->d_name);
    closedir(d);
    free(st);
    free(snrt);
    free(sp);
    free(snrp);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}

Test(io, unwritable_path_reported)
{
    struct mp_config c;
    struct mp_theory th;
    uint64_t age = 0;
    double v = 0;
    mp_config_init(&c);
    cr_assert_eq(mp_theory_compute(&c, &th), 0, "%s", mp_errmsg());
    cr_expect_neq(mp_io_theory_write("/nonexistent/dir/theory.nc", &c, &age,
                                     1, &v, &v, NULL, NULL, &th, NULL),
                  0);
    cr_expect(strstr(mp_errmsg(), "/nonexistent/dir/theory.nc") != NULL, "%s",
              mp_errmsg());
}

/* theory.nc: the memories curve always, the Poisson one when given, each
 * with its clock; the eigenmodes and both clocks' summary. */
Test(io, theory_file_clocks)
{
    struct mp_config c;
    struct mp_theory th;
    const uint64_t ages[3] = {0, 1, 10};
    double sig[3], snr[3], sp[3], snrp[3], got[3];
    char path[256], buf[256];
    int nc, var, pass;
    size_t k;
    mp_config_init(&c);
    c.syn.n = 6;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_theory_compute(&c, &th), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_theory_curve(&c, ages, 3, sig, snr), 0);
    cr_assert_eq(mp_theory_curve_clock(&c, MP_CLOCK_POISSON, ages, 3, sp,
                                       snrp),
                 0);
    snprintf(path, sizeof path, "%s/theory.nc", dir);
    for (pass = 0; pass < 2; pass++) {
        cr_assert_eq(mp_io_theory_write(path, &c, ages, 3, sig, snr,
                                        pass ? sp : NULL, pass ? snrp : NULL,
                                        &th, NULL),
                     0, "%s", mp_errmsg());
        cr_assert_eq(nc_open(path, NC_NOWRITE, &nc), NC_NOERR);
        cr_assert_eq(nc_inq_varid(nc, "snr", &var), NC_NOERR);
        cr_assert_eq(nc_get_var_double(nc, var, got), NC_NOERR);
        cr_expect_eq(memcmp(got, snr, sizeof got), 0);
        text_att(nc, var, "clock", buf, sizeof buf);
        cr_expect_str_eq(buf, "memories");
        cr_expect_eq(nc_inq_varid(nc, "snr_poisson", &var) == NC_NOERR, pass,
                     "snr_poisson present iff given");
        if (pass) {
            cr_assert_eq(nc_get_var_double(nc, var, got), NC_NOERR);
            for (k = 0; k < 3; k++)
                cr_expect_eq(got[k], snrp[k]);
            text_att(nc, var, "clock", buf, sizeof buf);
            cr_expect_str_eq(buf, "poisson");
        }
        check_modes(nc, &th);
        nc_close(nc);
    }
}
