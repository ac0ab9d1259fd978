/* SPDX-License-Identifier: MIT */
/*
 * test_ckpt.c: checkpoints: bit-exact resumption, atomic replacement,
 * refusal of every kind of bad file, write faults that keep the previous
 * checkpoint intact.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/metaplast.h"
#include "metaplast/private/pool.h"

/* Damaged files are opened in a child first, as the metaplast command
 * does (its probe, installed with mp_io_set_probe): HDF5 can crash or
 * hang inside nc_open. */
/* The command's probe (host/cli/probe.c, built into this test). */
int mp_cli_probe(const char *path, void *ctx);

#define REG_A "crash-044086a079bd2ee1858c70bea5defade3d7e6ac2"
#define REG_B "crash-10e8280e0aa6e0a6b6c8ad511aaeafa090ebcccd"

static char dir[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-ckpt-%ld", (long)getpid());
    mkdir(dir, 0777);
    mp_fault_set(MP_FAULT_CHECKPOINT, 0, 0);
    mp_io_set_probe(mp_cli_probe, NULL);
    /* Small cases: runs of 2 threads still split over both. */
    mp__pool_split_always(1);
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(ckpt, .init = setup, .fini = teardown);

static const char *in_dir(const char *name)
{
    static char p[4][256];
    static int k;
    char *s = p[k++ % 4];
    snprintf(s, 256, "%s/%s", dir, name);
    return s;
}

static struct mp_config cfg_of(int model, uint64_t memories, int threads)
{
    struct mp_config c;
    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.syn.model = model;
    c.syn.n = 6;
    c.syn.q = 0.4;
    c.f = model == MP_SYN_SERIAL ? 0.3 : 0.5;
    c.synapses = 30000 + 11;
    c.memories = memories;
    c.burn_in = 7;
    c.init = MP_INIT_PLASTIC;
    c.every = 3;
    c.max_age = memories > 150 ? 150 : memories - 1;
    c.threads = threads;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    return c;
}

static struct mp_ens *make(const struct mp_config *c)
{
    struct mp_ens *s;
    cr_assert_eq(mp_ens_create(&s, c), 0, "%s", mp_errmsg());
    return s;
}

static void write_ckpt(struct mp_ens *s, const struct mp_config *c,
                       const char *path)
{
    struct mp_ens_snapshot snap;
    cr_assert_eq(mp_ens_snapshot(s, &snap), 0);
    cr_assert_eq(mp_io_ens_ckpt_write(path, c, &snap, NULL), 0,
                 "%s", mp_errmsg());
    mp_ens_snapshot_fini(&snap);
}

static void assert_same_snap(struct mp_ens *a, struct mp_ens *b,
                             const char *what)
{
    struct mp_ens_snapshot x, y;
    cr_assert_eq(mp_ens_snapshot(a, &x), 0);
    cr_assert_eq(mp_ens_snapshot(b, &y), 0);
    cr_assert_eq(x.done, y.done, "%s", what);
    cr_assert_eq(memcmp(x.state, y.state, x.synapses), 0,
                 "%s: state arrays differ", what);
    cr_assert_eq(memcmp(x.count, y.count, x.n_ages * 8), 0, "%s", what);
    cr_assert_eq(memcmp(x.mean, y.mean, x.n_ages * 8), 0,
                 "%s: means differ", what);
    cr_assert_eq(memcmp(x.m2, y.m2, x.n_ages * 8), 0, "%s", what);
    mp_ens_snapshot_fini(&x);
    mp_ens_snapshot_fini(&y);
}

/* 2T memories straight == T memories, checkpoint to a file, read back,
 * resume for T more (memories extended as --memories T does): every
 * model, resumed with 1 and with 2 threads from a 1- or 2-thread run. */
Test(ckpt, resume_is_bit_exact)
{
    const int models[] = {MP_SYN_BINARY, MP_SYN_CASCADE, MP_SYN_SERIAL};
    const uint64_t T = 301;
    int mi, t1, t2;
    for (mi = 0; mi < 3; mi++) {
        struct mp_config full = cfg_of(models[mi], 2 * T, 1);
        struct mp_ens *a = make(&full);
        cr_assert_eq(mp_ens_advance(a, UINT64_MAX), 0);
        for (t1 = 1; t1 <= 2; t1++) {
            for (t2 = 1; t2 <= 2; t2++) {
                struct mp_config half = cfg_of(models[mi], T, t1), back;
                struct mp_ens_snapshot snap;
                struct mp_ens *b = make(&half), *c;
                char what[64];
                cr_assert_eq(mp_ens_advance(b, UINT64_MAX), 0);
                write_ckpt(b, &half, in_dir("checkpoint.nc"));
                mp_ens_destroy(b);
                cr_assert_eq(mp_io_ens_ckpt_read(in_dir("checkpoint.nc"),
                                                 &back, &snap),
                             0, "%s", mp_errmsg());
                back.memories += T;
                back.threads = t2;
                cr_assert_eq(mp_config_validate(&back), 0);
                c = make(&back);
                cr_assert_eq(mp_ens_restore(c, &snap), 0, "%s",
                             mp_errmsg());
                mp_ens_snapshot_fini(&snap);
                cr_assert_eq(mp_ens_advance(c, UINT64_MAX), 0);
                snprintf(what, sizeof what, "%s, threads %d -> %d",
                         mp_model_name(models[mi]), t1, t2);
                assert_same_snap(a, c, what);
                mp_ens_destroy(c);
            }
        }
        mp_ens_destroy(a);
    }
}

/* The file holds the resolved config; what is read back equals it. */
Test(ckpt, config_and_counter_round_trip)
{
    struct mp_config c = cfg_of(MP_SYN_CASCADE, 200, 0), back;
    struct mp_ens_snapshot snap;
    struct mp_ens *s = make(&c);
    size_t i;
    cr_assert_eq(mp_ens_advance(s, 100), 0);
    write_ckpt(s, &c, in_dir("checkpoint.nc"));
    cr_assert_eq(mp_io_ens_ckpt_read(in_dir("checkpoint.nc"), &back, &snap),
                 0, "%s", mp_errmsg());
    cr_expect_eq(snap.done, 100u);
    for (i = 0; i < mp_config_nkeys(); i++) {
        char va[4096], vb[4096];
        const char *name;
        mp_config_key(&c, i, &name, va, sizeof va);
        mp_config_key(&back, i, &name, vb, sizeof vb);
        cr_expect_str_eq(va, vb, "%s", name);
    }
    mp_ens_snapshot_fini(&snap);
    mp_ens_destroy(s);
}

/* ---- Bad files ---------------------------------------------------------- */

static void good_ckpt(const char *path)
{
    struct mp_config c = cfg_of(MP_SYN_CASCADE, 100, 0);
    struct mp_ens *s = make(&c);
    cr_assert_eq(mp_ens_advance(s, 50), 0);
    write_ckpt(s, &c, path);
    mp_ens_destroy(s);
}

/* Reads a checkpoint; returns the code, the message in mp_errmsg(). */
static int read_err(const char *path)
{
    struct mp_config c;
    struct mp_ens_snapshot snap;
    int rc = mp_io_ens_ckpt_read(path, &c, &snap);
    if (rc == 0)
        mp_ens_snapshot_fini(&snap);
    return rc;
}

Test(ckpt, refuses_truncated_file)
{
    const char *p = in_dir("checkpoint.nc");
    struct stat st;
    good_ckpt(p);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(truncate(p, st.st_size / 2), 0);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "not a readable NetCDF file"),
              "%s", mp_errmsg());
    cr_expect(strncmp(mp_errmsg(), p, strlen(p)) == 0,
              "names the file: %s", mp_errmsg());
}

/* A byte of the state changed inside a valid file: the checksum says. */
Test(ckpt, refuses_flipped_state_byte)
{
    const char *p = in_dir("checkpoint.nc");
    int nc, var;
    size_t at = 12345;
    unsigned char v;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_inq_varid(nc, "state", &var), NC_NOERR);
    cr_assert_eq(nc_get_var1_uchar(nc, var, &at, &v), NC_NOERR);
    v ^= 0x01;
    cr_assert_eq(nc_put_var1_uchar(nc, var, &at, &v), NC_NOERR);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(),
                     "checksum mismatch in variable 'state'"), "%s",
              mp_errmsg());
}

/* Raw damage anywhere in the file: refused (whatever breaks first), never
 * a crash.  16 positions spread over the file. */
Test(ckpt, refuses_raw_damage)
{
    const char *p = in_dir("checkpoint.nc"), *q = in_dir("damaged.nc");
    struct stat st;
    int k;
    good_ckpt(p);
    cr_assert_eq(stat(p, &st), 0);
    for (k = 1; k <= 16; k++) {
        char cmd[600];
        long off = (long)st.st_size * k / 17;
        FILE *f;
        int ch, rc;
        snprintf(cmd, sizeof cmd, "cp %s %s", p, q);
        cr_assert_eq(system(cmd), 0);
        f = fopen(q, "r+b");
        cr_assert_not_null(f);
        fseek(f, off, SEEK_SET);
        ch = fgetc(f);
        fseek(f, off, SEEK_SET);
        fputc(ch ^ 0x5a, f);
        fclose(f);
        rc = read_err(q);
        /* HDF5 headers hold free space: damage there is harmless, and
         * then the data must read back intact. */
        cr_expect(rc == MP_EFORMAT || rc == 0, "offset %ld: rc %d", off, rc);
        if (rc)
            cr_expect(strstr(mp_errmsg(), q) != NULL, "%s", mp_errmsg());
    }
}

Test(ckpt, refuses_foreign_netcdf)
{
    const char *p = in_dir("foreign.nc");
    int nc, dim, var;
    cr_assert_eq(nc_create(p, NC_NETCDF4 | NC_CLOBBER, &nc), NC_NOERR);
    nc_def_dim(nc, "x", 3, &dim);
    nc_def_var(nc, "temperature", NC_DOUBLE, 1, &dim, &var);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "not one of metaplast's"), "%s",
              mp_errmsg());
    /* Not NetCDF at all. */
    {
        FILE *f = fopen(p, "w");
        fputs("[run]\nseed = 1\n", f);
        fclose(f);
    }
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "not a readable NetCDF file"),
              "%s", mp_errmsg());
    /* Missing. */
    cr_expect_eq(read_err(in_dir("missing.nc")), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "cannot read"), "%s", mp_errmsg());
}

Test(ckpt, refuses_other_format_version)
{
    const char *p = in_dir("checkpoint.nc");
    int nc, v = 99;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_put_att_int(nc, NC_GLOBAL, "format_version", NC_INT, 1,
                                &v),
                 NC_NOERR);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "checkpoint format version 99; this "
                                  "build of metaplast reads versions 1 to "
                                  "3"),
              "%s", mp_errmsg());
}

/* The progress count is covered by the header checksum: an edited
 * memories_done is refused as damage, not silently resumed. */
Test(ckpt, refuses_edited_progress)
{
    const char *p = in_dir("checkpoint.nc");
    unsigned long long done = 0, edited;
    int nc;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_get_att_ulonglong(nc, NC_GLOBAL, "memories_done", &done),
                 NC_NOERR);
    cr_assert_eq(done, 50);
    edited = 40;
    cr_assert_eq(nc_put_att_ulonglong(nc, NC_GLOBAL, "memories_done",
                                      NC_UINT64, 1, &edited),
                 NC_NOERR);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "damaged: its header (memories_done = 40"),
              "%s", mp_errmsg());
}

/* A header checksum is checked whatever format_version says: editing the
 * version back to 1 does not let an edited count through. */
Test(ckpt, header_checked_whatever_the_version)
{
    const char *p = in_dir("checkpoint.nc");
    unsigned long long edited = 40;
    int nc, v = 1;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_put_att_int(nc, NC_GLOBAL, "format_version", NC_INT, 1,
                                &v),
                 NC_NOERR);
    cr_assert_eq(nc_put_att_ulonglong(nc, NC_GLOBAL, "memories_done",
                                      NC_UINT64, 1, &edited),
                 NC_NOERR);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "damaged: its header"), "%s", mp_errmsg());
}

/* A version-1 checkpoint (no header checksum) still resumes. */
Test(ckpt, reads_format_version_1)
{
    const char *p = in_dir("checkpoint.nc");
    struct mp_config c;
    struct mp_ens_snapshot snap;
    int nc, v = 1;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_redef(nc), NC_NOERR);
    cr_assert_eq(nc_del_att(nc, NC_GLOBAL, "header_checksum"), NC_NOERR);
    cr_assert_eq(nc_put_att_int(nc, NC_GLOBAL, "format_version", NC_INT, 1,
                                &v),
                 NC_NOERR);
    nc_close(nc);
    cr_assert_eq(mp_io_ens_ckpt_read(p, &c, &snap), 0, "%s", mp_errmsg());
    cr_expect_eq(snap.done, 50);
    mp_ens_snapshot_fini(&snap);
}

/* A metaplast file whose marker attribute is lost is called damaged,
 * not foreign. */
Test(ckpt, lost_marker_is_damage)
{
    const char *p = in_dir("checkpoint.nc");
    int nc;
    good_ckpt(p);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    cr_assert_eq(nc_redef(nc), NC_NOERR);
    cr_assert_eq(nc_rename_att(nc, NC_GLOBAL, "metaplast_file", "xetaplast_file"),
                 NC_NOERR);
    nc_close(nc);
    cr_expect_eq(read_err(p), MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "damaged: a metaplast file whose header"),
              "%s", mp_errmsg());
}

/* ---- Faults ------------------------------------------------------------ */

static uint64_t file_hash(const char *p)
{
    FILE *f = fopen(p, "rb");
    static unsigned char buf[1 << 22];
    size_t n;
    cr_assert_not_null(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return mp_io_hash64(buf, n);
}

static int only_file(const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, name))
            ok = 0;
    closedir(d);
    return ok;
}

/* A full disk (or a forbidden directory) while writing: an error naming
 * the file and the cause, the previous checkpoint untouched and still
 * loadable, no temporary file left. */
Test(ckpt, write_fault_keeps_previous)
{
    const int faults[] = {ENOSPC, EACCES};
    const char *why[] = {"No space left on device", "Permission denied"};
    const char *p = in_dir("checkpoint.nc");
    struct mp_config c = cfg_of(MP_SYN_CASCADE, 100, 0);
    struct mp_ens *s = make(&c);
    int k;
    cr_assert_eq(mp_ens_advance(s, 40), 0);
    write_ckpt(s, &c, p);
    for (k = 0; k < 2; k++) {
        struct mp_ens_snapshot snap;
        uint64_t before = file_hash(p);
        cr_assert_eq(mp_ens_advance(s, 10), 0);
        cr_assert_eq(mp_ens_snapshot(s, &snap), 0);
        mp_fault_set(MP_FAULT_CHECKPOINT, faults[k], 1);
        cr_expect_eq(mp_io_ens_ckpt_write(p, &c, &snap, NULL),
                     MP_EIO);
        mp_fault_set(MP_FAULT_CHECKPOINT, 0, 0);
        mp_ens_snapshot_fini(&snap);
        cr_expect(strstr(mp_errmsg(), p) && strstr(mp_errmsg(), why[k]),
                  "%s", mp_errmsg());
        cr_expect_eq(file_hash(p), before, "the old checkpoint changed");
        cr_expect(only_file("checkpoint.nc"), "a temporary file was left");
        cr_expect_eq(read_err(p), 0, "%s", mp_errmsg());
    }
    mp_ens_destroy(s);
}

/* ---- info -------------------------------------------------------------- */

Test(ckpt, info_verifies_checksums)
{
    const char *p = in_dir("checkpoint.nc");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int nc, var;
    size_t at = 7;
    unsigned char v = 0x3F;
    good_ckpt(p);
    cr_expect_eq(mp_io_info(p, f), 0, "%s", mp_errmsg());
    fclose(f);
    cr_expect(strstr(text, "metaplast checkpoint file"), "%s", text);
    cr_expect(strstr(text, "checksums:      OK"), "%s", text);
    cr_expect(strstr(text, "50 of 107 stored (resumable)"), "%s", text);
    cr_expect(strstr(text, "synapse.model          = cascade"), "%s", text);
    free(text);
    cr_assert_eq(nc_open(p, NC_WRITE, &nc), NC_NOERR);
    nc_inq_varid(nc, "state", &var);
    nc_put_var1_uchar(nc, var, &at, &v);
    nc_close(nc);
    text = NULL;
    f = open_memstream(&text, &len);
    cr_expect_eq(mp_io_info(p, f), MP_EFORMAT);
    fclose(f);
    cr_expect(strstr(text, "checksums:      MISMATCH"), "%s", text);
    free(text);
}

/* ---- Rate networks ------------------------------------------------------ */

static struct mp_config net_cfg(int threads, double duration)
{
    struct mp_config c;
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.recurrent = 1; /* the activity must travel in the checkpoint */
    c.fan_in = 30;
    c.w_init_rec = 0.05;
    c.n_in = 40;
    c.n_out = 9;
    c.patterns = 4;
    c.dt_s = 1e-3;
    c.switch_s = 0.02;
    c.noise = 0.05;
    c.tau_w_s = 20.0;
    c.tau_theta_s = 1.0;
    c.w_init = 0.5;
    c.scaling_interval_s = 0.7; /* not a divisor of the split point */
    c.duration_s = duration;
    c.record_interval_s = 0.3;
    c.threads = threads;
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    return c;
}

/* A network run of 2T steps equals T steps + checkpoint file + T more
 * (weights, thresholds, rate sums, counters), across thread counts. */
Test(ckpt, network_resume_is_bit_exact)
{
    struct mp_config full = net_cfg(1, 6.0), half, back;
    struct mp_net *a, *b, *c;
    struct mp_net_snapshot snap, x, y;
    const char *p = in_dir("net.nc");
    cr_assert_eq(mp_net_create(&a, &full), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    half = net_cfg(2, 3.0);
    cr_assert_eq(mp_net_create(&b, &half), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(b, &snap), 0);
    cr_assert_eq(mp_io_net_ckpt_write(p, &half, &snap, NULL), 0,
                 "%s", mp_errmsg());
    mp_net_snapshot_fini(&snap);
    mp_net_destroy(b);
    cr_assert_eq(mp_io_net_ckpt_read(p, &back, &snap), 0, "%s",
                 mp_errmsg());
    back.duration_s = 6.0;
    back.threads = 1;
    cr_assert_eq(mp_net_create(&c, &back), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_restore(c, &snap), 0);
    mp_net_snapshot_fini(&snap);
    cr_assert_eq(mp_net_advance(c, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(a, &x), 0);
    cr_assert_eq(mp_net_snapshot(c, &y), 0);
    cr_assert_eq(x.step, y.step);
    cr_expect_eq(memcmp(x.w, y.w, (size_t)x.n_in * x.n_out * 4), 0,
                 "weights differ");
    cr_expect_eq(memcmp(x.theta, y.theta, x.n_out * 4), 0);
    cr_expect_eq(memcmp(x.acc_scale, y.acc_scale, x.n_out * 8), 0);
    cr_expect_eq(memcmp(x.counters, y.counters, sizeof x.counters), 0);
    mp_net_snapshot_fini(&x);
    mp_net_snapshot_fini(&y);
    mp_net_destroy(a);
    mp_net_destroy(c);

    /* The wrong reader says what the file is. */
    {
        struct mp_config cc;
        struct mp_ens_snapshot ss;
        cr_expect_eq(mp_io_ens_ckpt_read(p, &cc, &ss), MP_EFORMAT);
        cr_expect(strstr(mp_errmsg(),
                         "a checkpoint of a rate-network run"), "%s",
                  mp_errmsg());
    }
}

/* Resuming a record at a step drops exactly the entries written after it
 * and keeps the rest bit for bit. */
Test(ckpt, network_record_truncated_on_resume)
{
    struct mp_config c = net_cfg(0, 3.0);
    struct mp_net *n;
    struct mp_io_net_record *r;
    const char *p = in_dir("record.nc");
    float before[9 * 5], after[9 * 5];
    int nc, var, dim;
    size_t len, k, s2[2] = {0, 0}, c2[2] = {5, 9};
    cr_assert_eq(mp_net_create(&n, &c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_io_net_record_create(&r, p, &c, n, NULL), 0,
                 "%s", mp_errmsg());
    for (k = 0; k <= 10; k++) { /* records at steps 0, 300, ..., 3000 */
        struct mp_net_sample smp;
        if (k)
            cr_assert_eq(mp_net_advance(n, 300), 0);
        cr_assert_eq(mp_net_sample(n, &smp), 0);
        cr_assert_eq(mp_io_net_record_append(r, &smp), 0);
        mp_net_sample_fini(&smp);
    }
    cr_assert_eq(mp_io_net_record_close(r), 0, "%s", mp_errmsg());
    cr_assert_eq(nc_open(p, NC_NOWRITE, &nc), NC_NOERR);
    nc_inq_varid(nc, "theta", &var);
    nc_get_vara_float(nc, var, s2, c2, before);
    nc_close(nc);
    cr_assert_eq(mp_io_net_record_resume(&r, p, &c, n, 1300, NULL),
                 0, "%s", mp_errmsg());
    cr_assert_eq(mp_io_net_record_close(r), 0, "%s", mp_errmsg());
    cr_assert_eq(nc_open(p, NC_NOWRITE, &nc), NC_NOERR);
    nc_inq_dimid(nc, "time", &dim);
    nc_inq_dimlen(nc, dim, &len);
    cr_expect_eq(len, 5u, "entries at steps 0..1200 kept, got %zu", len);
    nc_inq_varid(nc, "theta", &var);
    nc_get_vara_float(nc, var, s2, c2, after);
    nc_close(nc);
    cr_expect_eq(memcmp(before, after, sizeof before), 0);
    cr_expect(only_file("record.nc"), "a temporary file was left");
    mp_net_destroy(n);
}

/* Discrete synapses: their states travel in the checkpoint, and the
 * continuation is bit-exact. */
Test(ckpt, network_discrete_resume)
{
    struct mp_config full, half, back;
    struct mp_net *a, *b, *c;
    struct mp_net_snapshot snap, x, y;
    const char *p = in_dir("netd.nc");
    full = net_cfg(1, 6.0);
    full.scaling_interval_s = 0.0;
    full.discrete = 1;
    full.w_weak = 0.0;
    full.w_strong = 0.2;
    full.tau_w_s = 0.5;
    cr_assert_eq(mp_config_validate(&full), 0, "%s", mp_errmsg());
    half = full;
    half.duration_s = 3.0;
    half.threads = 2;
    cr_assert_eq(mp_net_create(&a, &full), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_advance(a, UINT64_MAX), 0);
    cr_assert_eq(mp_net_create(&b, &half), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_advance(b, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(b, &snap), 0);
    cr_assert_eq(mp_io_net_ckpt_write(p, &half, &snap, NULL), 0,
                 "%s", mp_errmsg());
    mp_net_snapshot_fini(&snap);
    mp_net_destroy(b);
    cr_assert_eq(mp_io_net_ckpt_read(p, &back, &snap), 0, "%s",
                 mp_errmsg());
    cr_assert_not_null(snap.state);
    back.duration_s = 6.0;
    back.threads = 1;
    cr_assert_eq(mp_net_create(&c, &back), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_net_restore(c, &snap), 0);
    mp_net_snapshot_fini(&snap);
    cr_assert_eq(mp_net_advance(c, UINT64_MAX), 0);
    cr_assert_eq(mp_net_snapshot(a, &x), 0);
    cr_assert_eq(mp_net_snapshot(c, &y), 0);
    cr_expect_eq(memcmp(x.state, y.state, (size_t)x.n_in * x.n_out), 0);
    cr_expect_eq(memcmp(x.w, y.w, (size_t)x.n_in * x.n_out * 4), 0);
    {
        size_t k, moved = 0;
        struct mp_net *fresh;
        struct mp_net_snapshot f;
        cr_assert_eq(mp_net_create(&fresh, &full), 0);
        cr_assert_eq(mp_net_snapshot(fresh, &f), 0);
        for (k = 0; k < (size_t)x.n_in * x.n_out; k++)
            moved += f.state[k] != x.state[k];
        cr_expect(moved > 0, "no discrete synapse changed state");
        mp_net_snapshot_fini(&f);
        mp_net_destroy(fresh);
    }
    mp_net_snapshot_fini(&x);
    mp_net_snapshot_fini(&y);
    mp_net_destroy(a);
    mp_net_destroy(c);
}

/* Found by fuzz_file: damaged files that crash HDF5 1.10.8 inside nc_open
 * (reproduced without metaplast).  metaplast opens such files in a child
 * first and refuses them cleanly. */
Test(ckpt, fuzz_regression_hdf5_crash)
{
    const char *files[] = {
        MP_SOURCE_DIR "/tests/fuzz/regressions/" REG_A,
        MP_SOURCE_DIR "/tests/fuzz/regressions/" REG_B,
        /* crashed HDF5 reading an attribute, after a good open */
        MP_SOURCE_DIR "/tests/fuzz/regressions/hdf5-attribute-read.nc",
    };
    size_t i;
    for (i = 0; i < 3; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        cr_expect_eq(read_err(files[i]), MP_EFORMAT, "%s", files[i]);
        cr_expect(strstr(mp_errmsg(), "not a readable NetCDF file"),
                  "%s", mp_errmsg());
        cr_expect_eq(mp_io_info(files[i], f), MP_EFORMAT);
        fclose(f);
        free(text);
    }
}

/* Found by fuzz_file: a damaged file on which HDF5 loops forever inside
 * nc_open.  The probe is given MP_PROBE_TIMEOUT seconds (default 30; 2 in
 * this test), then the file is refused. */
Test(ckpt, fuzz_regression_hdf5_hang)
{
    setenv("MP_PROBE_TIMEOUT", "2", 1);
    cr_expect_eq(read_err(MP_SOURCE_DIR "/tests/fuzz/regressions/hdf5-hang.nc"),
                 MP_EFORMAT);
    cr_expect(strstr(mp_errmsg(), "the HDF5 library hung reading it"),
              "%s", mp_errmsg());
    unsetenv("MP_PROBE_TIMEOUT");
}
