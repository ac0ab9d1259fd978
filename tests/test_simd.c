/* SPDX-License-Identifier: MIT */
/*
 * test_simd.c: every instruction set the CPU ensemble backend can use
 * gives the generic path's bits: state bytes after every advance call and
 * the measurement sums, for each model (single-target tables with exact
 * thresholds, thresholds that need the refinement bits, p = 1 entries,
 * tables spanning up to all 16 lookup blocks), N not a multiple of the
 * vector width, blocks of tiles starting at odd tiles (as MPI ranks hold
 * them), both candidate-sign paths (f = 1/2 and 0.3), and a block whose
 * random-stream counters carry past 2^32 (where the vector path hands
 * over to the generic one).  A path this processor lacks is reported and
 * left out.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdlib.h>
#include <string.h>

#include "ens_simd.h"
#include "markov_model.h"
#include "metaplast/private/ens_backend.h"

struct model {
    const char *name;
    struct mp_syn_params p;
};

static struct model models[] = {
    {"binary q=0.5", {.model = MP_SYN_BINARY, .q_plus = 0.5, .q_minus = 0.5}},
    {"binary q+=0.3 q-=0.71",
     {.model = MP_SYN_BINARY, .q_plus = 0.3, .q_minus = 0.71}},
    {"cascade n=10", {.model = MP_SYN_CASCADE, .n = 10, .x = 0.5}},
    {"cascade n=5 x=0.3", {.model = MP_SYN_CASCADE, .n = 5, .x = 0.3}},
    {"cascade n=40 x=0.5", {.model = MP_SYN_CASCADE, .n = 40, .x = 0.5}},
    {"cascade n=64 x=0.6", {.model = MP_SYN_CASCADE, .n = 64, .x = 0.6}},
    {"serial M=10 q=0.5", {.model = MP_SYN_SERIAL, .n = 10, .q = 0.5}},
    {"serial M=34 q=0.37", {.model = MP_SYN_SERIAL, .n = 34, .q = 0.37}},
};

/* A backend for synapses [128 tile0, 128 tile0 + local) of an ensemble
 * of `total`, capped at instruction set isa, from a uniform initial
 * distribution over the model's states. */
static void make(struct mp_ens_backend *b, const struct mp_syn_params *p,
                 uint64_t total, uint64_t tile0, uint64_t local, int isa,
                 double f)
{
    struct mp_ens_desc d;
    struct mp_syn_rule r;
    uint64_t cum[2 * MP_SYN_MAX_DEPTH];
    uint32_t j;
    memset(b, 0, sizeof *b);
    memset(&d, 0, sizeof d);
    cr_assert_eq(mp_syn_rule_build(p, &r), 0);
    d.synapses = total;
    d.tile0 = tile0;
    d.padded = (local + MP_TILE - 1) / MP_TILE * MP_TILE;
    d.local = local;
    d.seed = UINT64_C(0x9E3779B97F4A7C15);
    d.half = f == 0.5;
    d.thr_f = mp_prob_threshold(f);
    d.depths = r.depths;
    d.threads = 1;
    d.isa = isa;
    d.table = r.table;
    cr_assert_eq(mp__ens_cpu_create(b, &d), 0);
    for (j = 0; j < 2 * r.depths; j++)
        cum[j] = ((uint64_t)(j + 1) << 32) / (2 * r.depths);
    cr_assert_eq(b->init_state(b, cum), 0);
}

/* Runs `path` beside the generic path; fails at the first difference. */
static void compare(const struct model *m, uint64_t total, uint64_t tile0,
                    uint64_t local, int path, double f)
{
    /* Calls of 1, 7 and 40 memories, and a measurement after each. */
    static const uint64_t calls[] = {1, 7, 40};
    const uint64_t ages[3] = {0, 5, 47};
    struct mp_ens_backend g, v;
    uint8_t *sg = malloc(local), *sv = malloc(local);
    uint64_t mu = 0, k, i;
    cr_assert(sg && sv);
    make(&g, &m->p, total, tile0, local, MP_ISA_GENERIC, f);
    make(&v, &m->p, total, tile0, local, path, f);
    cr_assert(strstr(v.device, mp__isa_name(path)), "%s runs %s",
              v.device, mp__isa_name(path));
    for (k = 0; k < 3; k++) {
        int64_t a[4], b[4];
        cr_assert_eq(g.advance(&g, mu, calls[k]), 0);
        cr_assert_eq(v.advance(&v, mu, calls[k]), 0);
        mu += calls[k];
        g.get_state(&g, sg);
        v.get_state(&v, sv);
        for (i = 0; i < local && sg[i] == sv[i]; i++)
            ;
        cr_assert_eq(i, local,
                     "%s, f = %g, %s: synapse %llu (tile0 %llu) after "
                     "memory %llu: state %u, generic %u",
                     m->name, f, mp__isa_name(path),
                     (unsigned long long)(tile0 * MP_TILE + i),
                     (unsigned long long)tile0, (unsigned long long)mu,
                     (unsigned)sv[i], (unsigned)sg[i]);
        g.measure(&g, ages, 3, a);
        v.measure(&v, ages, 3, b);
        cr_assert_arr_eq(a, b, sizeof a, "%s, f = %g, %s: measurement sums",
                         m->name, f, mp__isa_name(path));
    }
    g.destroy(&g);
    v.destroy(&v);
    free(sg);
    free(sv);
}

static void skip_unless(int path)
{
    if (mp__isa_pick(path) != path) {
        cr_log_warn("this processor has no %s: that path is not tested "
                    "here", mp__isa_name(path));
        cr_skip_test();
    }
}

/* A Markov table with several targets per row (the vector paths hand
 * every synapse taking such an entry to mp_syn_step). */
static void markov_paths(int path)
{
    static struct model m = {"markov 6 states, several targets", {0}};
    static const double fs[] = {0.5, 0.3};
    size_t j;
    skip_unless(path);
    m.p.model = MP_SYN_MARKOV;
    random_markov(&m.p.markov, 6, 7);
    for (j = 0; j < 2; j++) {
        compare(&m, 100003, 0, 100003, path, fs[j]);
        compare(&m, 5 * MP_TILE + 40001, 5, 40001, path, fs[j]);
    }
}

Test(simd, markov_avx2_equals_generic)
{
    markov_paths(MP_ISA_AVX2);
}

Test(simd, markov_avx512_equals_generic)
{
    markov_paths(MP_ISA_AVX512);
}

static void every_model(int path)
{
    size_t i;
    skip_unless(path);
    /* Both candidate-sign paths: bits (f = 1/2) and words (f = 0.3). */
    static const double fs[] = {0.5, 0.3};
    size_t j;
    for (j = 0; j < 2; j++)
        for (i = 0; i < sizeof models / sizeof *models; i++) {
            /* The whole ensemble, N not a multiple of 128 (or of 16
             * tiles). */
            compare(&models[i], 100003, 0, 100003, path, fs[j]);
            /* A block from an odd tile, ending the ensemble. */
            compare(&models[i], 5 * MP_TILE + 40001, 5, 40001, path, fs[j]);
            /* A block whose TRANSITION counters (8 per tile) carry past
             * 2^32 inside a group of tiles. */
            compare(&models[i], UINT64_C(1) << 40, (UINT64_C(1) << 29) - 3,
                    64 * MP_TILE, path, fs[j]);
        }
}

Test(simd, avx2_equals_generic)
{
    every_model(MP_ISA_AVX2);
}

Test(simd, avx512_equals_generic)
{
    every_model(MP_ISA_AVX512);
}

Test(simd, the_auto_pick_is_the_best_available)
{
    int best = mp__isa_pick(MP_ISA_AUTO);
    cr_assert(best >= MP_ISA_GENERIC && best <= MP_ISA_AVX512);
    cr_assert_eq(mp__isa_pick(MP_ISA_GENERIC), MP_ISA_GENERIC);
    cr_assert(mp__isa_pick(MP_ISA_AVX2) <= MP_ISA_AVX2);
    cr_log_info("this processor runs the %s path", mp__isa_name(best));
}

/* The re-encoded table: a byte below h takes the step, bit 7 of n marks
 * exactly the entries whose byte equal to h does not decide. */
Test(simd, table_encoding)
{
    size_t i;
    for (i = 0; i < sizeof models / sizeof *models; i++) {
        struct mp_syn_rule r;
        struct mp_simd_table t;
        uint32_t k;
        cr_assert_eq(mp_syn_rule_build(&models[i].p, &r), 0);
        mp__simd_table(&r.table, r.depths, &t);
        for (k = 0; k < 256; k++) {
            uint32_t b;
            if ((k & MP_SYN_DEPTH_MASK) >= r.depths)
                continue;
            cr_assert_eq(t.n[k] & 0x7F, r.table.next[k] & 0x7F);
            if (r.table.next[k] == (k & 0x7F))
                continue; /* no transition to see */
            for (b = 0; b < 256; b++) {
                const uint32_t to =
                    mp_syn_step(&r.table, k & 0x7F, k >> 7, b, 1, 0, 0);
                if (b == t.h[k] && (t.n[k] & 0x80))
                    continue; /* left to mp_syn_step by the paths */
                cr_assert_eq(to == r.table.next[k], b < t.h[k],
                             "%s: entry %u, byte %u", models[i].name, k, b);
            }
        }
    }
}
