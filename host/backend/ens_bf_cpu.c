/* SPDX-License-Identifier: MIT */
/*
 * ens_bf_cpu.c: the CPU backend of a Benna-Fusi chain (pool.h), the
 * reference the CUDA backend is checked against.  One float array per
 * variable (variable-major); every update is mp_bf_step and every sum
 * follows the fixed order of bf_rules.h and fsum.h, so the result does
 * not depend on the number of threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"

/* Tiles per work item of an advance: 1024 synapses, whose m variables
 * (24 KiB for m = 6) stay in the L1 cache over all memories of a call. */
#define CHUNK_TILES 8u
/* Largest tree node a thread sums alone in a measurement: 2^6 tiles. */
#define ITEM_LEVEL 6u

struct bfc {
    struct mp_ens_desc d;
    float *u; /* m x padded, u_k of held synapse j at k * padded + j */
    struct mp_pool *pool;
};

static void init_range(void *arg, int64_t j0, int64_t j1, int worker)
{
    struct bfc *c = arg;
    const uint64_t P = c->d.padded, i0 = c->d.tile0 * MP_TILE;
    const uint32_t m = c->d.bf.m;
    int64_t j;
    (void)worker;
    for (j = j0; j < j1; j++) {
        float u[MP_BF_MAX_M];
        uint32_t k;
        mp_bf_draw(&c->d.bf, m, u, c->d.seed, i0 + (uint64_t)j);
        for (k = 0; k < m; k++)
            c->u[k * P + (uint64_t)j] = u[k];
    }
}

static int bf_init(struct mp_ens_backend *b, const uint64_t *cum)
{
    struct bfc *c = b->ctx;
    const int64_t P = (int64_t)c->d.padded;
    (void)cum;
    mp__pool_for(c->pool, P, (double)P * c->d.bf.m * 8.0, init_range, c);
    return 0;
}

/* The 4 words of a tile's candidate bits for memory mu (bit i % 32 of
 * word (i % 128) / 32), from either sign path of syn_rules.h. */
static void tile_xi(const struct mp_ens_desc *d, uint64_t mu, uint64_t tile,
                    uint32_t xw[4])
{
    uint32_t gi;
    if (d->half) {
        const struct mp_u32x4 pt =
            mp_rng_block(d->seed, MP_RNG_PATTERN, mu, tile);
        xw[0] = pt.x;
        xw[1] = pt.y;
        xw[2] = pt.z;
        xw[3] = pt.w;
        return;
    }
    xw[0] = xw[1] = xw[2] = xw[3] = 0;
    for (gi = 0; gi < 32; gi++)
        xw[gi >> 3] |= mp_xi4_from_words(mp_rng_block(d->seed, MP_RNG_PATTERN,
                                                      mu, tile * 32 + gi),
                                         d->thr_f)
                       << ((gi & 7u) * 4u);
}

/* One memory over one tile (global index tile0 + lt), for a chain of m
 * variables: 32 synapses at a time (mp_bf_step_lanes, mp_bf_step's
 * arithmetic lane by lane), inlined for each m so that the compiler
 * knows the loops' lengths. */
static inline __attribute__((always_inline)) void
tile_step_m(const struct bfc *c, uint64_t mu, uint64_t lt, const uint32_t m)
{
    const struct mp_ens_desc *d = &c->d;
    uint32_t xw[4], w, k;
    MP_STATIC_ASSERT(MP_BF_LANES == 32, "one pattern word per call");
    tile_xi(d, mu, d->tile0 + lt, xw);
    for (w = 0; w < 4; w++) {
        float *u[MP_BF_MAX_M];
        for (k = 0; k < m; k++)
            u[k] = c->u + k * d->padded + lt * MP_TILE + 32 * w;
        mp_bf_step_lanes(&d->bf, m, u, xw[w]);
    }
}

#define STEP_CASE(n)                                                           \
    case n:                                                                    \
        tile_step_m(c, mu, lt, n);                                             \
        return

/* Compiled for AVX-512, AVX2 and the baseline, picked at load: the same
 * arithmetic per lane (no FMA: -ffp-contract=off), wider registers. */
MP_VECTOR_CLONES static void tile_step(const struct bfc *c, uint64_t mu,
                                       uint64_t lt)
{
    switch (c->d.bf.m) {
        STEP_CASE(1);
        STEP_CASE(2);
        STEP_CASE(3);
        STEP_CASE(4);
        STEP_CASE(5);
        STEP_CASE(6);
        STEP_CASE(7);
        STEP_CASE(8);
        STEP_CASE(9);
        STEP_CASE(10);
        STEP_CASE(11);
        STEP_CASE(12);
        STEP_CASE(13);
        STEP_CASE(14);
        STEP_CASE(15);
    default:
        tile_step_m(c, mu, lt, MP_BF_MAX_M);
    }
}

struct advance_job {
    const struct bfc *c;
    uint64_t mu0, count;
};

static void advance_chunks(void *arg, int64_t k0, int64_t k1, int worker)
{
    const struct advance_job *job = arg;
    const uint64_t tiles = job->c->d.padded / MP_TILE;
    int64_t k;
    (void)worker;
    for (k = k0; k < k1; k++) {
        const uint64_t t0 = (uint64_t)k * CHUNK_TILES;
        const uint64_t t1 = t0 + CHUNK_TILES < tiles ? t0 + CHUNK_TILES : tiles;
        uint64_t mu, lt;
        for (mu = job->mu0; mu < job->mu0 + job->count; mu++)
            for (lt = t0; lt < t1; lt++)
                tile_step(job->c, mu, lt);
    }
}

static int bf_advance(struct mp_ens_backend *b, uint64_t mu0, uint64_t count)
{
    struct bfc *c = b->ctx;
    const uint64_t tiles = c->d.padded / MP_TILE;
    const int64_t chunks = (int64_t)((tiles + CHUNK_TILES - 1) / CHUNK_TILES);
    const double work =
        (double)c->d.padded * (double)count * (double)c->d.bf.m;
    struct advance_job job;
    job.c = c;
    job.mu0 = mu0;
    job.count = count;
    /* One chunk at a time: a thread descheduled holds up one chunk. */
    mp__pool_run(c->pool, mp__pool_width(c->pool, chunks, work), chunks, 1,
                 advance_chunks, &job);
    return 0;
}

/* The n + 1 sums of one tile (local lt), in the order of bf_rules.h:
 * value a < n against memory mus[a], value n against all ones. */
static void tile_sums(const struct bfc *c, const uint64_t *mus, size_t n,
                      uint64_t lt, double *out)
{
    const struct mp_ens_desc *d = &c->d;
    const uint64_t tile = d->tile0 + lt;
    const float *u1 = c->u + lt * MP_TILE; /* variable 1 */
    uint32_t valid[32], xw[4], gi;
    double s[32];
    size_t a;
    for (gi = 0; gi < 32; gi++)
        valid[gi] = mp_valid_bits(d->synapses, tile * MP_TILE + 4 * gi, 4);
    for (a = 0; a <= n; a++) {
        if (a < n)
            tile_xi(d, mus[a], tile, xw);
        else
            xw[0] = xw[1] = xw[2] = xw[3] = 0xFFFFFFFFu;
        for (gi = 0; gi < 32; gi++)
            s[gi] = mp_bf_group_sum(
                u1 + 4 * gi, mp_xi4_from_word(xw[gi >> 3], gi), valid[gi]);
        out[a] = mp_bf_tile_tree(s);
    }
}

/* One work item, the node (level, index) of tiles held: its sums into
 * v (n + 1 values), tile by tile through a small tree.  -1: no memory. */
static int item_sums(const struct bfc *c, const uint64_t *mus, size_t n,
                     uint32_t level, uint64_t index, double *v)
{
    const size_t nv = n + 1;
    const uint64_t t0 = index << level, t1 = t0 + (UINT64_C(1) << level);
    double *buf = malloc((ITEM_LEVEL + 3) * nv * sizeof *buf);
    struct mp_fsum s;
    uint64_t t;
    if (!buf)
        return -1;
    mp_fsum_init(&s, buf + nv, nv, ITEM_LEVEL + 2);
    for (t = t0; t < t1; t++) {
        tile_sums(c, mus, n, t - c->d.tile0, buf);
        mp_fsum_push(&s, 0, t, buf);
    }
    memcpy(v, s.v, nv * sizeof *v); /* one node: the item's */
    free(buf);
    return 0;
}

/* The measurement's items on the pool: each item's sums as item_sums
 * computes them alone; a failure (memory) noted atomically. */
struct item_job {
    const struct bfc *c;
    const uint64_t *mus;
    size_t n;
    const uint32_t *lv;
    const uint64_t *start;
    double *v;
    size_t nv;
    int fail;
};

static void items_of(void *arg, int64_t k0, int64_t k1, int worker)
{
    struct item_job *job = arg;
    int64_t k;
    (void)worker;
    for (k = k0; k < k1; k++)
        if (item_sums(job->c, job->mus, job->n, job->lv[k],
                      job->start[k] >> job->lv[k], job->v + k * job->nv))
            __atomic_store_n(&job->fail, 1, __ATOMIC_RELAXED);
}

static int bf_measure(struct mp_ens_backend *b, const uint64_t *mus, size_t n,
                      struct mp_fsum *out)
{
    struct bfc *c = b->ctx;
    const uint64_t lo = c->d.tile0, hi = lo + c->d.padded / MP_TILE;
    const size_t nv = n + 1;
    uint64_t t, items = 0, *start;
    int64_t todo;
    uint32_t *lv;
    double *v;
    int64_t k;
    int fail = 0;
    /* The items: the largest aligned nodes of at most 2^ITEM_LEVEL
     * tiles, from the left. */
    for (t = lo; t < hi;
         t += UINT64_C(1) << mp_fsum_level_at(t, hi, ITEM_LEVEL))
        items++;
    lv = malloc((items ? items : 1) * sizeof *lv);
    start = malloc((items ? items : 1) * sizeof *start);
    v = malloc((items ? items : 1) * nv * sizeof *v);
    if (lv && start && v)
        for (t = lo, k = 0; t < hi; t += UINT64_C(1) << lv[k++]) {
            lv[k] = mp_fsum_level_at(t, hi, ITEM_LEVEL);
            start[k] = t;
        }
    else
        fail = 1;
    todo = fail ? 0 : (int64_t)items;
    if (todo) {
        struct item_job job = {c, mus, n, lv, start, v, nv, 0};
        mp__pool_run(c->pool,
                     mp__pool_width(c->pool, todo,
                                    (double)c->d.padded * (double)nv),
                     todo, 1, items_of, &job);
        fail = job.fail;
    }
    for (k = 0; !fail && k < (int64_t)items; k++)
        fail |= mp_fsum_push(out, lv[k], start[k] >> lv[k], v + k * nv);
    free(lv);
    free(start);
    free(v);
    return fail ? mp__fail(MP_ENOMEM, "out of memory in a measurement") : 0;
}

static int bf_get(struct mp_ens_backend *b, float *out)
{
    struct bfc *c = b->ctx;
    uint32_t k;
    for (k = 0; k < c->d.bf.m; k++)
        memcpy(out + k * c->d.local, c->u + k * c->d.padded,
               c->d.local * sizeof *out);
    return 0;
}

static int bf_set(struct mp_ens_backend *b, const float *in)
{
    struct bfc *c = b->ctx;
    uint32_t k;
    for (k = 0; k < c->d.bf.m; k++)
        memcpy(c->u + k * c->d.padded, in + k * c->d.local,
               c->d.local * sizeof *in);
    return 0;
}

/* A chain has no state bytes and no integer overlaps: the byte-state
 * entries of either Benna-Fusi backend refuse. */
static int no_bytes(struct mp_ens_backend *b, uint8_t *out)
{
    (void)b;
    (void)out;
    return mp__fail(MP_EINVAL, "a Benna-Fusi chain has no state bytes");
}

static int no_bytes_in(struct mp_ens_backend *b, const uint8_t *in)
{
    (void)in;
    return no_bytes(b, NULL);
}

static int no_int_sums(struct mp_ens_backend *b, const uint64_t *mus, size_t n,
                       int64_t *sums)
{
    (void)mus;
    (void)n;
    (void)sums;
    return no_bytes(b, NULL);
}

static int no_states(struct mp_ens_backend *b, int64_t *hist)
{
    (void)hist;
    return no_bytes(b, NULL);
}

void mp__ens_bf_no_bytes(struct mp_ens_backend *b)
{
    b->measure = no_int_sums;
    b->count_states = no_states;
    b->get_state = no_bytes;
    b->set_state = no_bytes_in;
}

static void bf_destroy(struct mp_ens_backend *b)
{
    struct bfc *c = b->ctx;
    if (c) {
        free(c->u);
        mp__pool_destroy(c->pool);
    }
    free(c);
    b->ctx = NULL;
}

int mp__ens_bf_cpu_create(struct mp_ens_backend *b, const struct mp_ens_desc *d)
{
    struct bfc *c = calloc(1, sizeof *c);
    const double bytes = (double)d->padded * d->bf.m * sizeof(float);
    int rc;
    if (!c)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->d = *d;
    rc = mp__pool_create(&c->pool, d->threads);
    if (rc) {
        free(c);
        return rc;
    }
    /* calloc: the padding synapses start defined. */
    c->u = calloc(d->padded ? d->padded * d->bf.m : 1, sizeof(float));
    if (!c->u) {
        mp__pool_destroy(c->pool);
        free(c);
        return mp__fail(MP_ETOOBIG,
                        "cannot allocate the %u variables of %llu synapses "
                        "(%.3g GB)",
                        d->bf.m, (unsigned long long)d->local, bytes / 1e9);
    }
    b->name = "cpu";
    mp__pool_describe(c->pool, b->device, sizeof b->device);
    b->ctx = c;
    b->init_state = bf_init;
    b->advance = bf_advance;
    mp__ens_bf_no_bytes(b);
    b->measure_bf = bf_measure;
    b->get_values = bf_get;
    b->set_values = bf_set;
    b->destroy = bf_destroy;
    return 0;
}
