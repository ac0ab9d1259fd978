/* SPDX-License-Identifier: MIT */
/*
 * test_record.c: what [record] chooses to record.  The weights of the
 * chosen neurons and the occupancy of each discrete state equal what the
 * run's own checkpoint holds at the end; the occupancy sums to the
 * synapse count and follows the exact theory's stationary distribution;
 * records are identical on 1 and 2 threads and across a checkpoint and
 * resumption; bad [record] values are refused naming the key, and the
 * record's size check counts what is recorded.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <netcdf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "markov_model.h"
#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/run.h"
#include "metaplast/private/pool.h"

static char dir[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/mp-test-record-%ld", (long)getpid());
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(record, .init = setup, .fini = teardown);

static const char *path_in(const char *name)
{
    static char path[4][256];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* Runs a run to its end. */
static void finish(struct mp_run *r)
{
    int state = MP_RUN_RUNNING;
    while (state == MP_RUN_RUNNING)
        cr_assert_eq(mp_run_slice(r, 0, &state), 0, "%s", mp_errmsg());
    cr_assert_eq(state, MP_RUN_FINISHED);
    mp_run_destroy(r);
}

static void run_in(struct mp_config c, const char *name)
{
    struct mp_run *r;
    snprintf(c.dir, sizeof c.dir, "%s", path_in(name));
    cr_assert_eq(mp_run_start(&r, &c, "test_record"), 0, "%s", mp_errmsg());
    finish(r);
}

/* Resumes the run `name` with the changes (NULL-terminated). */
static void resume(const char *name, ...)
{
    const char *sets[8];
    struct mp_resume_options o;
    struct mp_run *r;
    va_list ap;
    size_t n = 0;
    va_start(ap, name);
    while (n < 8 && (sets[n] = va_arg(ap, const char *)))
        n++;
    va_end(ap);
    memset(&o, 0, sizeof o);
    o.sets = sets;
    o.n_sets = n;
    o.command_line = "test_record resume";
    cr_assert_eq(mp_run_resume(&r, path_in(name), &o), 0, "%s",
                 mp_errmsg());
    finish(r);
}

/* ---- Reading files ------------------------------------------------------ */

/* Variable `name` of an open file, whole, in its own type: a buffer
 * (free it) and its number of values. */
static void *get(int nc, const char *name, size_t *n)
{
    int var, nd, dims[NC_MAX_VAR_DIMS], d;
    nc_type type;
    size_t len, size;
    void *buf;
    cr_assert_eq(nc_inq_varid(nc, name, &var), NC_NOERR, "no '%s'", name);
    nc_inq_var(nc, var, NULL, &type, &nd, dims, NULL);
    for (d = 0, *n = 1; d < nd; d++) {
        nc_inq_dimlen(nc, dims[d], &len);
        *n *= len;
    }
    nc_inq_type(nc, type, NULL, &size);
    buf = malloc(*n * size + 1);
    cr_assert_eq(nc_get_var(nc, var, buf), NC_NOERR, "%s", name);
    return buf;
}

static int has(int nc, const char *name)
{
    int var;
    return nc_inq_varid(nc, name, &var) == NC_NOERR;
}

/* Every variable of two files holds the same bytes. */
static void same_data(const char *a, const char *b)
{
    int na, nb, nvars, v;
    cr_assert_eq(nc_open(a, NC_NOWRITE, &na), NC_NOERR, "%s", a);
    cr_assert_eq(nc_open(b, NC_NOWRITE, &nb), NC_NOERR, "%s", b);
    nc_inq_nvars(na, &nvars);
    for (v = 0; v < nvars; v++) {
        char name[NC_MAX_NAME + 1];
        nc_type type;
        size_t n, m, size;
        void *x, *y;
        nc_inq_var(na, v, name, &type, NULL, NULL, NULL);
        nc_inq_type(na, type, NULL, &size);
        x = get(na, name, &n);
        y = get(nb, name, &m);
        cr_assert_eq(n, m, "%s: %zu vs %zu values", name, n, m);
        cr_assert_eq(memcmp(x, y, n * size), 0, "%s differs (%s, %s)", name,
                     a, b);
        free(x);
        free(y);
    }
    nc_close(na);
    nc_close(nb);
}

/* The state byte of each state of a record's `state` dimension, from its
 * coordinates. */
static uint32_t state_bytes(int nc, uint8_t *bytes)
{
    size_t S, j;
    signed char *strength = get(nc, "state_strength", &S);
    unsigned char *depth = get(nc, "state_depth", &S);
    for (j = 0; j < S; j++)
        bytes[j] = (uint8_t)((strength[j] > 0 ? MP_SYN_STRONG : 0) |
                             depth[j]);
    free(strength);
    free(depth);
    return (uint32_t)S;
}

/* ---- Networks ------------------------------------------------------------ */

/* Discrete cascade synapses, sparse rows, two protocol phases; every
 * third neuron's weights, the occupancy, the pattern and phase.  Hebbian
 * events, frequent enough that strong synapses visibly move deeper
 * within the run (consolidation). */
static struct mp_config net_cfg(void)
{
    struct mp_config c;
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.backend = MP_BACKEND_CPU;
    c.seed = 5;
    c.duration_s = 6.0;
    c.dt_s = 1e-3;
    c.n_in = 32;
    c.n_out = 11;
    c.fan_in = 12;
    c.discrete = 1;
    c.w_weak = 0.0;
    c.w_strong = 0.5;
    c.x_on = 0.1;
    c.syn.model = MP_SYN_CASCADE;
    c.syn.n = 4;
    c.patterns = 4;
    c.switch_s = 0.02;
    c.rule = MP_RULE_HEBBIAN;
    c.tau_w_s = 0.05;
    c.tau_theta_s = 1.0;
    c.record_interval_s = 1.0;
    c.ckpt_every_s = 0.0;
    c.ckpt_every_memories = 0;
    cr_assert_eq(mp_config_set(&c, "record.weights=every:3", 1), 0);
    cr_assert_eq(mp_config_set(&c, "record.states=on", 2), 0);
    cr_assert_eq(mp_config_set(&c, "protocol.durations=2s, 4s", 3), 0);
    cr_assert_eq(mp_config_set(&c, "protocol.patterns=0+1, all", 4), 0);
    return c;
}

/* The last entry's weights and depths of the recorded neurons are the
 * checkpoint's rows; every entry's occupancy sums to the synapses, the
 * last one is the count of the checkpoint's state bytes; the pattern and
 * phase are the schedule's. */
Test(record, network_weights_and_occupancy_match_checkpoint)
{
    struct mp_config c = net_cfg(), back;
    struct mp_net_snapshot snap;
    struct mp_net *n;
    size_t T, nsel, L, nw, nocc, np, j, k, t;
    uint8_t bytes[128];
    int nc;
    mp__pool_split_always(1);
    c.threads = 2;
    run_in(c, "net");
    cr_assert_eq(mp_io_net_ckpt_read(path_in("net/checkpoint.nc"), &back,
                                     &snap),
                 0, "%s", mp_errmsg());
    cr_assert_eq(nc_open(path_in("net/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    {
        int32_t *sel = get(nc, "recorded_neuron", &nsel);
        int32_t *syn = get(nc, "synapse", &L);
        float *w = get(nc, "weights", &nw);
        unsigned char *depth = get(nc, "depth", &nw);
        int64_t *occ = get(nc, "occupancy", &nocc);
        uint32_t *pre = get(nc, "presynaptic", &np);
        const uint32_t S = state_bytes(nc, bytes);
        int64_t *step = get(nc, "step", &T);
        int32_t *shown = get(nc, "shown_pattern", &T);
        int32_t *phase = get(nc, "phase", &T);
        const float *wl = w + (T - 1) * nsel * L;
        const unsigned char *dl = depth + (T - 1) * nsel * L;
        cr_assert_eq(nsel, 4u, "every third of 11 neurons: %zu", nsel);
        cr_assert_eq(L, c.fan_in);
        cr_assert_eq(S, 2 * c.syn.n);
        cr_assert_eq(nw, T * nsel * L);
        cr_assert_eq(nocc, T * S);
        cr_assert_eq(T, 7u, "entries at 0, 1, ..., 6 s: %zu", T);
        for (j = 0; j < nsel; j++) {
            cr_assert_eq(sel[j], (int32_t)(3 * j));
            cr_assert_eq(syn[j], (int32_t)j);
            for (k = 0; k < L; k++) {
                const size_t row = (size_t)sel[j] * L + k;
                cr_expect_eq(memcmp(&wl[j * L + k], &snap.w[row], 4), 0,
                             "neuron %d synapse %zu: record %g, checkpoint "
                             "%g",
                             sel[j], k, wl[j * L + k], snap.w[row]);
                cr_expect_eq(dl[j * L + k],
                             snap.state[row] & MP_SYN_DEPTH_MASK);
                cr_expect_lt(pre[j * L + k], c.n_in);
            }
        }
        for (t = 0; t < T; t++) {
            int64_t sum = 0;
            for (j = 0; j < S; j++)
                sum += occ[t * S + j];
            cr_expect_eq(sum, (int64_t)c.n_out * c.fan_in,
                         "entry %zu: %lld synapses counted", t,
                         (long long)sum);
        }
        for (j = 0; j < S; j++) {
            int64_t count = 0;
            for (k = 0; k < (size_t)c.n_out * c.fan_in; k++)
                count += snap.state[k] == bytes[j];
            cr_expect_eq(occ[(T - 1) * S + j], count,
                         "state %zu: recorded %lld, checkpoint %lld", j,
                         (long long)occ[(T - 1) * S + j], (long long)count);
        }
        cr_expect(memcmp(occ, occ + (T - 1) * S, S * 8),
                  "the occupancy never moved: the test has no power");
        /* The schedule: a network of the same configuration says. */
        cr_assert_eq(mp_net_create(&n, &back), 0, "%s", mp_errmsg());
        for (t = 0; t < T; t++) {
            cr_expect_eq(shown[t],
                         (int32_t)mp_net_pattern_at(n, (uint64_t)step[t]));
            cr_expect_eq(phase[t], step[t] < 2000 ? 0 : 1, "step %lld",
                         (long long)step[t]);
        }
        mp_net_destroy(n);
        free(sel), free(syn), free(w), free(depth), free(occ), free(pre);
        free(step), free(shown), free(phase);
    }
    {
        double frac[128], sel_final = -1;
        cr_expect_eq(nc_get_att_double(nc, NC_GLOBAL, "final_occupancy",
                                       frac),
                     NC_NOERR);
        cr_expect_eq(nc_get_att_double(nc, NC_GLOBAL, "final_selectivity",
                                       &sel_final),
                     NC_NOERR);
        cr_expect(sel_final >= 0 && sel_final <= 1, "%g", sel_final);
    }
    nc_close(nc);
    mp_net_snapshot_fini(&snap);
}

/* One thread straight; two threads to half-way, checkpoint, resumed on
 * one or two: the same record and checkpoint, every value. */
Test(record, network_threads_and_resume)
{
    struct mp_config c = net_cfg();
    mp__pool_split_always(1);
    c.threads = 1;
    run_in(c, "n1");
    c.threads = 2;
    c.duration_s = 3.0;
    run_in(c, "n2");
    run_in(c, "n3");
    resume("n2", "run.duration=6s", "run.threads=1", NULL);
    resume("n3", "run.duration=6s", NULL);
    same_data(path_in("n1/record.nc"), path_in("n2/record.nc"));
    same_data(path_in("n1/record.nc"), path_in("n3/record.nc"));
    same_data(path_in("n1/checkpoint.nc"), path_in("n2/checkpoint.nc"));
}

/* A run whose record predates record.pattern (it has no shown_pattern
 * or phase) resumes: the entries it copies get them from the schedule,
 * and the record ends as an uninterrupted run's. */
Test(record, network_resume_record_without_pattern)
{
    struct mp_config c = net_cfg();
    char cmd[600];
    int nc;
    run_in(c, "full");
    c.duration_s = 3.0;
    run_in(c, "cur");
    cr_assert_eq(mp_config_set(&c, "record.pattern=off", 1), 0);
    run_in(c, "old");
    cr_assert_eq(nc_open(path_in("old/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_assert(!has(nc, "shown_pattern") && !has(nc, "phase"));
    nc_close(nc);
    snprintf(cmd, sizeof cmd, "cp %s %s", path_in("old/record.nc"),
             path_in("cur/record.nc"));
    cr_assert_eq(system(cmd), 0);
    resume("cur", "run.duration=6s", NULL);
    same_data(path_in("full/record.nc"), path_in("cur/record.nc"));
}

/* Dense rows, a list of neurons, no pattern: what is and is not there. */
Test(record, network_choices)
{
    struct mp_config c = net_cfg();
    size_t n;
    int nc;
    c.fan_in = 0;
    c.recurrent = 0;
    cr_assert_eq(mp_config_set(&c, "record.weights=9, 2, 2", 1), 0);
    cr_assert_eq(mp_config_set(&c, "record.pattern=off", 2), 0);
    cr_assert_eq(mp_config_set(&c, "record.states=off", 3), 0);
    run_in(c, "choices");
    cr_assert_eq(nc_open(path_in("choices/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    {
        int32_t *sel = get(nc, "recorded_neuron", &n);
        int32_t *neuron = get(nc, "neuron", &n);
        int32_t *pattern = get(nc, "pattern", &n);
        cr_expect_eq(sel[0], 2);
        cr_expect_eq(sel[1], 9);
        cr_expect_eq(neuron[10], 10);
        cr_expect_eq(pattern[3], 3);
        free(sel), free(neuron), free(pattern);
    }
    cr_expect(!has(nc, "presynaptic"), "dense rows have no cell list");
    cr_expect(!has(nc, "shown_pattern") && !has(nc, "phase"));
    cr_expect(!has(nc, "occupancy") && !has(nc, "state"));
    cr_expect(has(nc, "weights") && has(nc, "depth"));
    nc_close(nc);
}

/* ---- Ensembles ----------------------------------------------------------- */

static struct mp_config ens_cfg(void)
{
    struct mp_config c;
    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.synapses = 100003; /* not a multiple of the 128-synapse tile */
    c.syn.model = MP_SYN_CASCADE;
    c.syn.n = 5;
    c.memories = 300;
    c.burn_in = 7;
    c.every = 50;
    c.max_age = 200;
    c.ckpt_every_s = 0.0;
    c.rec_states = 1;
    return c;
}

/* The record's occupancy of an ensemble: a count per measurement, each
 * summing to N, the last the checkpoint's state bytes counted; from a
 * stationary start each count within 5 binomial standard deviations of
 * the theory's N p_inf (which also checks the state order). */
static void check_ens(const char *name, uint64_t N, uint64_t burn,
                      uint64_t every)
{
    char ck[256], rec[256];
    struct mp_config back;
    struct mp_ens_snapshot snap;
    uint8_t bytes[128];
    size_t T, n, t, j, i;
    int nc;
    snprintf(ck, sizeof ck, "%s/checkpoint.nc", path_in(name));
    snprintf(rec, sizeof rec, "%s/record.nc", path_in(name));
    cr_assert_eq(mp_io_ens_ckpt_read(ck, &back, &snap), 0, "%s",
                 mp_errmsg());
    cr_assert_eq(nc_open(rec, NC_NOWRITE, &nc), NC_NOERR);
    {
        const uint32_t S = state_bytes(nc, bytes);
        int64_t *time = get(nc, "time", &T);
        int64_t *occ = get(nc, "occupancy", &n);
        double *p = get(nc, "p_inf", &n);
        cr_assert_eq(S, mp_config_states(&back));
        for (t = 0; t < T; t++) {
            int64_t sum = 0;
            cr_expect_eq(time[t], (int64_t)(burn + (t + 1) * every));
            for (j = 0; j < S; j++)
                sum += occ[t * S + j];
            cr_expect_eq(sum, (int64_t)N, "count %zu sums to %lld", t,
                         (long long)sum);
        }
        for (j = 0; j < S; j++) {
            const double sd = sqrt(N * p[j] * (1 - p[j]));
            int64_t count = 0;
            for (i = 0; i < N; i++)
                count += snap.state[i] == bytes[j];
            cr_expect_eq(occ[(T - 1) * S + j], count, "state %zu", j);
            cr_expect(fabs(occ[j] - N * p[j]) <= 5 * sd + 1e-9,
                      "state %zu: %lld synapses, theory %.1f +- %.1f", j,
                      (long long)occ[j], N * p[j], sd);
        }
        free(time), free(occ), free(p);
    }
    nc_close(nc);
    mp_ens_snapshot_fini(&snap);
}

Test(record, ensemble_occupancy_matches_checkpoint_and_theory)
{
    struct mp_config c = ens_cfg();
    run_in(c, "cascade");
    check_ens("cascade", c.synapses, c.burn_in, c.every);
    /* A markov table of 2 weak and 3 strong states (depths unlike). */
    c = ens_cfg();
    c.syn.model = MP_SYN_MARKOV;
    random_markov(&c.syn.markov, 5, 11);
    run_in(c, "markov");
    check_ens("markov", c.synapses, c.burn_in, c.every);
}

/* 1 thread straight; 2 threads to a checkpoint, resumed on 1 or 2: the
 * same occupancy series in the record and the checkpoint. */
Test(record, ensemble_threads_and_resume)
{
    struct mp_config c = ens_cfg();
    mp__pool_split_always(1);
    c.synapses = 20011;
    c.max_age = 100;
    c.threads = 1;
    run_in(c, "e1");
    c.threads = 2;
    c.memories = 180;
    run_in(c, "e2");
    run_in(c, "e3");
    resume("e2", "run.memories=300", "run.threads=1", NULL);
    resume("e3", "run.memories=300", NULL);
    same_data(path_in("e1/record.nc"), path_in("e2/record.nc"));
    same_data(path_in("e1/record.nc"), path_in("e3/record.nc"));
    same_data(path_in("e1/checkpoint.nc"), path_in("e2/checkpoint.nc"));
    same_data(path_in("e1/checkpoint.nc"), path_in("e3/checkpoint.nc"));
}

/* Without record.states an ensemble's files are as before: no
 * occupancy, no state dimension. */
Test(record, ensemble_without_states)
{
    struct mp_config c = ens_cfg();
    int nc;
    c.rec_states = 0;
    run_in(c, "plain");
    cr_assert_eq(nc_open(path_in("plain/record.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_expect(!has(nc, "occupancy") && !has(nc, "state_depth"));
    nc_close(nc);
    cr_assert_eq(nc_open(path_in("plain/checkpoint.nc"), NC_NOWRITE, &nc),
                 NC_NOERR);
    cr_expect(!has(nc, "occupancy"));
    nc_close(nc);
}

/* ---- Configuration ------------------------------------------------------- */

/* Each bad value: refused, the message naming the key and what is
 * wrong. */
Test(record, bad_values_name_the_key)
{
    static const struct {
        int network;
        const char *set[3], *want;
    } cases[] = {
        {1, {"record.weights=some", NULL}, "record.weights: expected none"},
        {1, {"record.weights=every:0", NULL}, "record.weights: expected"},
        {1, {"record.weights=1, x", NULL}, "record.weights: expected"},
        {1, {"record.weights=-1", NULL}, "record.weights: expected"},
        {1, {"record.weights=11", NULL},
         "record.weights: neuron 11 does not exist"},
        {1, {"record.states=yes", NULL}, "record.states: expected one of"},
        {1, {"record.pattern=1", NULL}, "record.pattern: expected one of"},
        {1, {"network.synapse=continuous", "record.states=on"},
         "record.states: the occupancy of discrete synapse states needs"},
        {1, {"record.weights=all", "record.histogram_bins=1",
             "record.max_bytes=5000"},
         "record.weights: the run would record"},
        {1, {"record.interval=1ms", "record.max_bytes=100000"},
         "record.interval: the run would record"},
        {0, {"record.weights=all", NULL},
         "record.weights is a network key; this run's paradigm is "
         "ensemble"},
        {0, {"synapse.model=benna_fusi", "record.states=on"},
         "record.states: a Benna-Fusi chain"},
        {0, {"record.states=on", "record.max_bytes=1000"},
         "record.states: the record would take"},
    };
    size_t i, k;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mp_config c = cases[i].network ? net_cfg() : ens_cfg();
        int rc = 0;
        if (!cases[i].network)
            c.rec_states = 0;
        for (k = 0; k < 3 && cases[i].set[k] && !rc; k++)
            rc = mp_config_set(&c, cases[i].set[k], (int)k + 1);
        if (!rc)
            rc = mp_config_validate(&c);
        cr_expect_eq(rc, MP_EINVAL, "%s accepted", cases[i].set[0]);
        cr_expect(strstr(mp_errmsg(), cases[i].want), "%s:\n got  %s\n want %s",
                  cases[i].set[0], mp_errmsg(), cases[i].want);
    }
}

/* The forms read back from config.ini as written: a list sorted without
 * duplicates, every:K, all, none. */
Test(record, values_round_trip)
{
    static const char *const in[] = {"7, 3,3 ,0", "every:4", "all", "none"};
    static const char *const want[] = {"0, 3, 7", "every:4", "all", "none"};
    size_t i;
    for (i = 0; i < 4; i++) {
        struct mp_config c = net_cfg(), d;
        char set[64], value[256], *text = NULL;
        size_t len = 0;
        FILE *f;
        snprintf(set, sizeof set, "record.weights=%s", in[i]);
        cr_assert_eq(mp_config_set(&c, set, 1), 0, "%s", mp_errmsg());
        cr_assert_eq(mp_config_value(&c, "record.weights", value,
                                     sizeof value),
                     0);
        cr_expect_str_eq(value, want[i]);
        f = open_memstream(&text, &len);
        cr_assert_eq(mp_config_write(&c, f), 0);
        fclose(f);
        mp_config_init(&d);
        cr_assert_eq(mp_config_load_text(&d, text, "written"), 0, "%s",
                     mp_errmsg());
        cr_assert_eq(mp_config_value(&d, "record.weights", value,
                                     sizeof value),
                     0);
        cr_expect_str_eq(value, want[i]);
        free(text);
    }
}

/* The size check counts the chosen variables: the weights of every
 * neuron add n_out x L x 5 bytes (a weight and a depth) to every entry,
 * the occupancy 8 bytes a state; an ensemble's occupancy 8 bytes a state
 * and a count per measurement. */
Test(record, size_counts_what_is_recorded)
{
    struct mp_config c = net_cfg(), d;
    const double entries = 7.0;
    double base, more;
    cr_assert_eq(mp_config_set(&c, "record.weights=none", 1), 0);
    cr_assert_eq(mp_config_set(&c, "record.states=off", 1), 0);
    cr_assert_eq(mp_config_set(&c, "record.pattern=off", 1), 0);
    base = mp_config_record_bytes(&c);
    d = c;
    cr_assert_eq(mp_config_set(&d, "record.weights=all", 1), 0);
    more = mp_config_record_bytes(&d) - base;
    /* plus the recorded_neuron coordinate and the cells, once */
    cr_expect_eq(more, entries * c.n_out * c.fan_in * 5.0 +
                           4.0 * c.n_out + 4.0 * c.n_out * c.fan_in);
    d = c;
    cr_assert_eq(mp_config_set(&d, "record.states=on", 1), 0);
    cr_expect_eq(mp_config_record_bytes(&d) - base,
                 entries * 8.0 * 8 + 6.0 * 8);
    d = c;
    cr_assert_eq(mp_config_set(&d, "record.pattern=on", 1), 0);
    cr_expect_eq(mp_config_record_bytes(&d) - base, entries * 8.0);
    c = ens_cfg();
    c.rec_states = 0;
    base = mp_config_record_bytes(&c);
    c.rec_states = 1;
    cr_expect_eq(mp_config_record_bytes(&c) - base,
                 (300 / 50) * (8.0 * 10 + 8.0) + 14.0 * 10);
}
