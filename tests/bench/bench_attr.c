/* SPDX-License-Identifier: MIT */
/*
 * bench_attr.c: the attractor network's costs (docs/ATTRACTOR.md): the
 * store pass in synapse updates per second, the packing of the strength
 * bits, and the retrieval counts in synapse-probes per second (one probe
 * alone, and the scheduler's batch of 64), each with the bytes it moves
 * over the copy bandwidth measured in the same run; then a whole
 * measurement through the scheduler in retrieval sweeps per second.
 * With --backend cuda, also each kernel's modelled limit on an H200
 * (roofline.h) and achieved / limit, one "roofline |" line per case.
 * Not a test: docs/PERFORMANCE.md records its output.
 *
 * With --fan-in K, each neuron has K synapses from K random presynaptic
 * neurons (independent synapses; --connectivity stored | procedural):
 * the rates count the N K synapses.
 *
 * usage: metaplast-bench-attr [--neurons N] [--presentations K]
 *                             [--backend cpu|cuda] [--threads T]
 *                             [--fan-in K] [--connectivity stored|procedural]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/attractor.h"
#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/theory.h"
#include "host_copy.h"
#include "roofline.h"

/* The scheduler's batch of probes (host/engine/attr_internal.h). */
#define PROBES 64

struct opts {
    uint32_t neurons;
    uint64_t presentations;
    int backend;
    int threads;
    uint32_t fan_in;  /* 0: all-to-all */
    int connectivity; /* enum mp_attr_connectivity */
};

/* Synapses a row holds (its field reads): K, or N - 1. */
static double fan(const struct opts *o)
{
    return o->fan_in ? (double)o->fan_in : (double)o->neurons - 1.0;
}

/* Bytes of a row: PK (K rounded up to 64), or P. */
static double row_bytes(const struct opts *o)
{
    return (double)mp_attr_pitch(o->fan_in ? o->fan_in : o->neurons);
}

/* The experiment's network (experiments/attractor-capacity): cascade
 * n = 6, f = 1/2, tied, covariance rule, cue noise 0.1, 20 sweeps. */
static int configure(const struct opts *o, struct mp_config *c)
{
    mp_config_init(c);
    c->paradigm = MP_PARADIGM_ATTRACTOR;
    c->attr.neurons = o->neurons;
    c->syn.model = MP_SYN_CASCADE;
    c->syn.n = 6;
    c->backend = o->backend;
    c->threads = o->threads;
    c->memories = 64;
    c->every = 32;
    c->max_age = 30;
    c->per_decade = 40;
    /* The memory stored just before the measurement at 32 is stored
     * with the modulator at 0 (the backend skips it), so that the
     * measurement is timed alone; its probe (age 0) is of a pattern the
     * network never stored. */
    c->attr.n_phases = c->attr.n_levels = 2;
    c->attr.phase_memories[0] = 31;
    c->attr.phase_memories[1] = 1;
    c->attr.level[0] = 1.0;
    c->attr.level[1] = 0.0;
    c->attr.fan_in = o->fan_in;
    c->attr.connectivity = o->connectivity;
    if (o->fan_in)
        c->attr.tied = 0;
    if (mp_config_validate(c)) {
        fprintf(stderr, "metaplast-bench-attr: %s\n", mp_errmsg());
        return 2;
    }
    return 0;
}

/* The initial synapses as a run draws them: from the stationary state
 * of the pair's chain (f = 1/2 under the covariance rule; attr_theory.c),
 * where the cascade's synapses sit as deep as they do in a long run. */
static int stationary(const struct mp_config *c,
                      const struct mp_syn_rule *rule, uint64_t *cum)
{
    struct mp_config *t = malloc(sizeof *t);
    struct mp_theory *th = malloc(sizeof *th);
    int rc = t && th ? 0 : MP_ENOMEM;
    if (!rc) {
        const double N = c->attr.neurons;
        *t = *c;
        t->paradigm = MP_PARADIGM_ENSEMBLE;
        t->f = 0.5;
        t->synapses = (uint64_t)(N * (N - 1.0) / 2.0); /* any size */
        t->clock = MP_CLOCK_MEMORIES;
        rc = mp_theory_compute(t, th);
    }
    if (!rc)
        mp_syn_rule_cum(rule, th->p_inf, cum);
    free(t);
    free(th);
    return rc;
}

/* A backend over every row, as the scheduler describes it (attr.c). */
/* connectivity = stored: the table of every row, as attr.c makes it. */
static uint32_t *table(const struct mp_attr_rules *R)
{
    uint32_t *pre = malloc((size_t)R->neurons * R->fan_in * sizeof *pre);
    uint64_t i, k;
    for (i = 0; pre && i < R->neurons; i++) {
        const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
        for (k = 0; k < R->fan_in; k++)
            pre[i * R->fan_in + k] = mp_attr_pre(&pm, (uint32_t)k);
    }
    return pre;
}

static int backend_open(const struct mp_config *c, struct mp_attr_backend *b,
                        struct mp_syn_rule *rule, uint32_t **pre)
{
    struct mp_attr_desc d;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    int rc;
    memset(&d, 0, sizeof d);
    memset(b, 0, sizeof *b);
    if (mp_syn_rule_build(&c->syn, rule))
        return MP_EINVAL;
    d.rule.table = rule->table;
    d.rule.seed = c->seed;
    d.rule.pitch = mp_attr_pitch(c->attr.neurons);
    d.rule.neurons = c->attr.neurons;
    d.rule.tied = c->attr.tied;
    d.rule.half = c->attr.coding == 0.5;
    d.rule.thr_f = mp_prob_threshold(c->attr.coding);
    d.rule.fan_in = c->attr.fan_in;
    d.rule.kpitch = mp_attr_pitch(c->attr.fan_in ? c->attr.fan_in
                                                 : c->attr.neurons);
    if (c->attr.fan_in && c->attr.connectivity == MP_ATTR_STORED) {
        *pre = table(&d.rule);
        if (!*pre)
            return MP_ENOMEM;
        d.pre = *pre;
    }
    d.rows = c->attr.neurons;
    d.depths = rule->depths;
    d.threads = c->threads;
    rc = c->backend == MP_BACKEND_CUDA ? mp__attr_cuda_create(b, &d)
                                       : mp__attr_cpu_create(b, &d);
    if (!rc)
        rc = stationary(c, rule, cum);
    return rc ? rc : b->init_state(b, cum);
}

struct kernels {
    double store_ups, pack_sps, count1_sps, count64_sps;
};

/* The store pass: K presentations per call, best of 3. */
static int time_store(struct mp_attr_backend *b, const struct opts *o,
                      double bw, struct kernels *k)
{
    const double N = o->neurons, P = row_bytes(o);
    const uint64_t K = o->presentations;
    struct mp_attr_item *it = calloc(K, sizeof *it);
    double best = 1e300, bytes;
    uint64_t p, base = 0;
    int rep, rc = it ? 0 : MP_ENOMEM;
    for (rep = 0; rep < 4 && !rc; rep++, base += K) {
        double t0;
        for (p = 0; p < K; p++) {
            it[p].p = base + p;
            it[p].mu = base + p;
            it[p].gate = UINT64_C(1) << 32;
        }
        t0 = mp_bench_now();
        rc = b->store(b, it, K);
        if (rep > 0 && mp_bench_now() - t0 < best) /* the first warms up */
            best = mp_bench_now() - t0;
    }
    free(it);
    if (rc)
        return rc;
    /* Every row's P bytes read and written once per presentation. */
    bytes = 2.0 * N * P;
    k->store_ups = N * fan(o) * (double)K / best;
    printf("%-22s %14.3g %14.1f %14.3g %14.3f\n", "store pass",
           k->store_ups, (double)K / best, bytes,
           bytes * (double)K / best / bw);
    return 0;
}

/* Packing the strength bits: every byte read, a bit written. */
static int time_pack(struct mp_attr_backend *b, const struct opts *o,
                     double bw, int32_t *strong, struct kernels *k)
{
    const double N = o->neurons, P = row_bytes(o);
    const double bytes = N * P * 1.125;
    double best = 1e300;
    int rep, rc = 0;
    for (rep = 0; rep < 4 && !rc; rep++) {
        double t0 = mp_bench_now();
        rc = b->pack(b, strong);
        if (rep > 0 && mp_bench_now() - t0 < best)
            best = mp_bench_now() - t0;
    }
    if (rc)
        return rc;
    k->pack_sps = N * (o->fan_in ? fan(o) : N) / best;
    printf("%-22s %14.3g %14.1f %14.3g %14.3f\n", "pack strength bits",
           k->pack_sps, 1.0 / best, bytes, bytes / best / bw);
    return 0;
}

/* The counts of nb random states: synapse-probes per second (N^2 per
 * probe all-to-all, the padded rows as the kernel reads them; N K with
 * fan-in) and probe-sweeps per second. */
static int time_counts(struct mp_attr_backend *b, const struct opts *o,
                       double bw, size_t nb, double *sps)
{
    const uint64_t W = mp_attr_pitch(o->neurons) / 64u;
    const double N = o->neurons, P = row_bytes(o);
    uint64_t *st = calloc(nb * W, sizeof *st), x = 88172645463325252u;
    int32_t *out = calloc((size_t)o->neurons * nb, sizeof *out);
    int32_t *act = calloc((size_t)o->neurons * nb, sizeof *act);
    double best = 1e300, bytes;
    size_t w;
    int rep, rc = st && out && act ? 0 : MP_ENOMEM;
    for (w = 0; w < nb * W; w++) { /* xorshift: any bits will do */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        st[w] = x & (w % W + 1 < W ? ~UINT64_C(0) : 0);
    }
    for (rep = 0; rep < 4 && !rc; rep++) {
        double t0 = mp_bench_now();
        rc = b->fields(b, st, nb, out, act);
        if (rep > 0 && mp_bench_now() - t0 < best)
            best = mp_bench_now() - t0;
    }
    free(st);
    free(out);
    free(act);
    if (rc)
        return rc;
    /* The rows' bits read once per call, each probe's state once (with
     * fan-in, gathered bit by bit: K reads per row and probe, not
     * counted). */
    bytes = N * P / 8.0 + (double)nb * (double)W * 8.0;
    *sps = N * (o->fan_in ? fan(o) : N) * (double)nb / best;
    printf("counts, %2zu probe%s      %14.3g %14.1f %14.3g %14.3f\n", nb,
           nb > 1 ? "s" : " ", *sps, (double)nb / best, bytes,
           bytes / best / bw);
    return 0;
}

static int kernels(const struct mp_config *c, const struct opts *o,
                   double bw, struct kernels *k)
{
    struct mp_attr_backend b;
    struct mp_syn_rule *rule = malloc(sizeof *rule);
    int32_t *strong = calloc(o->neurons, sizeof *strong);
    uint32_t *pre = NULL;
    int rc = rule && strong ? backend_open(c, &b, rule, &pre) : MP_ENOMEM;
    if (!rc) {
        printf("backend: %s (%s)\n", b.name, b.device);
        printf("%-22s %14s %14s %14s %14s\n", "kernel", "synapses/s",
               "calls/s", "bytes/call", "B/s / bandwidth");
        printf("%-22s %14s %14s\n", "", "(x probes)", "(x probes)");
        rc = time_store(&b, o, bw, k);
    }
    if (!rc)
        rc = time_pack(&b, o, bw, strong, k);
    if (!rc)
        rc = time_counts(&b, o, bw, 1, &k->count1_sps);
    if (!rc)
        rc = time_counts(&b, o, bw, PROBES, &k->count64_sps);
    if (b.destroy)
        b.destroy(&b);
    free(rule);
    free(strong);
    free(pre);
    if (rc)
        fprintf(stderr, "metaplast-bench-attr: %s\n", mp_errmsg());
    return rc;
}

/* Retrieval through the scheduler: 31 memories stored, then the 32nd (not
 * stored: configure()) and a measurement of every grid age (fields,
 * thresholds and convergence on the host, counts on the backend);
 * sweeps = the sweeps evaluated. */
static int scheduler(const struct mp_config *c, const struct opts *o,
                     double store_ups)
{
    struct mp_attr *a;
    struct mp_attr_curve cv;
    double t_store, t_meas, sweeps = 0, probes = 0, N = c->attr.neurons;
    size_t k;
    int rc = mp_attr_create(&a, c);
    if (rc)
        goto out;
    t_store = mp_bench_now();
    rc = mp_attr_advance(a, c->every - 1);
    t_store = (mp_bench_now() - t_store) / (double)(c->every - 1);
    t_meas = mp_bench_now();
    if (!rc)
        rc = mp_attr_advance(a, 1);
    t_meas = mp_bench_now() - t_meas;
    if (!rc)
        rc = mp_attr_curve(a, &cv);
    mp_attr_destroy(a);
    if (rc)
        goto out;
    for (k = 0; k < cv.n; k++) {
        probes += (double)cv.probes[k];
        sweeps += (double)cv.probes[k] * (cv.steps[k] + cv.converged[k]);
    }
    printf("\nthrough the scheduler: a measurement of %zu ages, %.0f "
           "probes, %.0f sweeps in %.3g s: %.3g sweeps/s (%.3g "
           "synapse-probes/s); one memory stored in %.3g s (%.3g "
           "updates/s, the store pass alone %.3g)\n",
           cv.n, probes, sweeps, t_meas, sweeps / t_meas,
           sweeps * N * (o->fan_in ? fan(o) : N) / t_meas, t_store,
           N * fan(o) / t_store, store_ups);
    mp_attr_curve_fini(&cv);
out:
    if (rc)
        fprintf(stderr, "metaplast-bench-attr: %s\n", mp_errmsg());
    return rc;
}

/* The kernels against their models (H200; roofline.h). */
static void roofline(const struct opts *o, const struct kernels *k,
                     double bw)
{
    char what[80];
    double bpu, lim;
    printf("\n");
    mp_roof_header();
    lim = mp_roof_attr_store(&bpu);
    snprintf(what, sizeof what, "N = %u, %llu per call", o->neurons,
             (unsigned long long)o->presentations);
    mp_roof_print("attr_store", what, k->store_ups, lim, bpu, bw);
    lim = mp_roof_attr_pack(&bpu);
    snprintf(what, sizeof what, "N = %u", o->neurons);
    mp_roof_print("attr_pack", what, k->pack_sps, lim, bpu, bw);
    lim = mp_roof_attr_counts(1, &bpu);
    snprintf(what, sizeof what, "N = %u, 1 probe", o->neurons);
    mp_roof_print("attr_counts", what, k->count1_sps, lim, bpu, bw);
    lim = mp_roof_attr_counts(PROBES, &bpu);
    snprintf(what, sizeof what, "N = %u, %d probes", o->neurons, PROBES);
    mp_roof_print("attr_counts", what, k->count64_sps, lim, bpu, bw);
}

int main(int argc, char **argv)
{
    struct opts o = {4000, 8, MP_BACKEND_CPU, 0, 0, MP_ATTR_STORED};
    struct kernels k;
    struct mp_config c;
    double bw;
    int i;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--neurons"))
            o.neurons = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--presentations"))
            o.presentations = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threads"))
            o.threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--fan-in"))
            o.fan_in = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--connectivity"))
            o.connectivity = !strcmp(argv[i + 1], "procedural")
                                 ? MP_ATTR_PROCEDURAL
                                 : MP_ATTR_STORED;
        else if (!strcmp(argv[i], "--backend"))
            o.backend = !strcmp(argv[i + 1], "cuda") ? MP_BACKEND_CUDA
                                                     : MP_BACKEND_CPU;
    }
    if (o.presentations < 1 || configure(&o, &c))
        return 2;
    bw = o.backend == MP_BACKEND_CUDA ? mp__cuda_copy_bandwidth()
                                      : mp_bench_copy_bandwidth(0);
#ifdef _OPENMP
    printf("copy threads: %d; engine threads: %d (0 = all)\n",
           omp_get_max_threads(), o.threads);
#endif
    if (o.fan_in)
        printf("fan-in K = %u, connectivity %s, independent synapses\n",
               o.fan_in,
               o.connectivity == MP_ATTR_STORED ? "stored" : "procedural");
    printf("attractor N = %u (%.3g synapses, cascade n = 6, f = 1/2, "
           "%s); measured copy bandwidth (%s): %.2f GB/s (read + "
           "write); best of 3 after a warm-up\n",
           o.neurons, (double)o.neurons * (o.fan_in ? fan(&o) : o.neurons),
           o.fan_in ? "independent" : "tied",
           o.backend == MP_BACKEND_CUDA ? "device" : "host", bw / 1e9);
    memset(&k, 0, sizeof k);
    if (kernels(&c, &o, bw, &k) || scheduler(&c, &o, k.store_ups))
        return 3;
    if (o.backend == MP_BACKEND_CUDA)
        roofline(&o, &k, bw);
    return 0;
}
