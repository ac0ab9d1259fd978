/* SPDX-License-Identifier: MIT */
/*
 * ens_cpu.c: the CPU synapse-ensemble backend (pool.h), the reference the
 * CUDA backend is checked against.  Synapses are processed in chunks that
 * stay in the L1 cache while every step of an advance call runs over
 * them, so a call of k steps moves each state byte through memory once.
 * Every rule is a syn_rules.h function the kernels call too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"
#include "ens_simd.h"

/* Synapses per work item: 8 KiB of state, well inside a 32 KiB L1. */
#define CHUNK 8192u

struct cpu {
    struct mp_ens_desc d;
    uint8_t *s; /* padded state array */
    struct mp_pool *pool;
    int isa;                   /* the instruction set in use */
    mp_simd_tiles_fn tiles;    /* its vector step (NULL: generic) */
    struct mp_simd_table simd; /* the table, for byte-wise lookups */
};

static uint32_t load4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4); /* byte k = synapse 4g+k (little-endian hosts) */
    return v;
}

static void store4(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

struct init_job {
    const struct cpu *c;
    const uint64_t *cum;
};

/* Groups [g0, g1) of 4 synapses: their initial states. */
static void init_groups(void *arg, int64_t g0, int64_t g1, int worker)
{
    const struct cpu *c = ((const struct init_job *)arg)->c;
    const uint64_t *cum = ((const struct init_job *)arg)->cum;
    int64_t g;
    (void)worker;
    for (g = g0; g < g1; g++)
        store4(c->s + 4 * g,
               mp_syn_draw4(cum, c->d.depths,
                            mp_rng_block(c->d.seed, MP_RNG_INIT, 0,
                                         c->d.tile0 * 32 + (uint64_t)g)));
}

static int cpu_init(struct mp_ens_backend *b, const uint64_t *cum)
{
    struct cpu *c = b->ctx;
    const int64_t groups = (int64_t)(c->d.padded / 4);
    struct init_job job;
    job.c = c;
    job.cum = cum;
    mp__pool_for(c->pool, groups, (double)groups * 32.0, init_groups, &job);
    return 0;
}

/* The 4 words of a PATTERN block (the tile's candidate bits, f = 1/2). */
static void pattern_words(const struct mp_ens_desc *d, uint64_t mu,
                          uint64_t tile, uint32_t w[4])
{
    const struct mp_u32x4 pt = mp_rng_block(d->seed, MP_RNG_PATTERN, mu, tile);
    w[0] = pt.x;
    w[1] = pt.y;
    w[2] = pt.z;
    w[3] = pt.w;
}

/* One memory over one tile (global index `tile`, local `lt`). */
static void tile_step(const struct cpu *c, uint64_t mu, uint64_t lt)
{
    const struct mp_ens_desc *d = &c->d;
    const uint64_t tile = d->tile0 + lt; /* global: the streams' index */
    uint32_t pw[4] = {0, 0, 0, 0}, u[4][MP_PHILOX_LANES], gi, l;
    if (d->half)
        pattern_words(d, mu, tile, pw);
    /* The tile's 8 TRANSITION blocks (16 synapses each) in one
     * lane-parallel call; group gi reads word gi % 4 of block gi / 4. */
    MP_STATIC_ASSERT(MP_PHILOX_LANES * 16 == MP_TILE,
                     "one lanes call per tile");
    for (l = 0; l < MP_PHILOX_LANES; l++) {
        struct mp_u32x4 ctr = mp_rng_counter(MP_RNG_TRANSITION, mu,
                                             tile * MP_PHILOX_LANES + l);
        u[0][l] = ctr.x;
        u[1][l] = ctr.y;
        u[2][l] = ctr.z;
        u[3][l] = ctr.w;
    }
    mp_philox4x32_10_lanes(u, (uint32_t)d->seed, (uint32_t)(d->seed >> 32));
    for (gi = 0; gi < 32; gi++) {
        const uint64_t g = tile * 32 + gi;
        uint8_t *p = c->s + 4 * (lt * 32 + gi);
        const uint32_t xi4 =
            d->half ? mp_xi4_from_word(pw[gi >> 3], gi)
                    : mp_xi4_from_words(
                          mp_rng_block(d->seed, MP_RNG_PATTERN, mu, g),
                          d->thr_f);
        store4(p, mp_step4(&d->table, load4(p), xi4, u[gi & 3u][gi >> 2],
                           d->seed, mu, g));
    }
}

struct advance_job {
    const struct cpu *c;
    uint64_t mu0, count;
};

/* Chunks [k0, k1) of an advance call. */
static void advance_chunks(void *arg, int64_t k0, int64_t k1, int worker)
{
    const struct advance_job *job = arg;
    const struct cpu *c = job->c;
    const uint64_t mu0 = job->mu0, count = job->count;
    const uint64_t tiles = c->d.padded / MP_TILE;
    int64_t k;
    (void)worker;
    for (k = k0; k < k1; k++) {
        const uint64_t t0 = (uint64_t)k * (CHUNK / MP_TILE);
        const uint64_t t1 =
            t0 + CHUNK / MP_TILE < tiles ? t0 + CHUNK / MP_TILE : tiles;
        uint64_t mu, lt;
        for (mu = mu0; mu < mu0 + count; mu++) {
            /* The vector path as far as it goes, the generic one after. */
            lt = c->tiles ? c->tiles(&c->d, &c->simd, c->s, mu, t0, t1) : t0;
            for (; lt < t1; lt++)
                tile_step(c, mu, lt);
        }
    }
}

static int cpu_advance(struct mp_ens_backend *b, uint64_t mu0,
                       uint64_t count)
{
    struct cpu *c = b->ctx;
    const int64_t chunks = (int64_t)((c->d.padded + CHUNK - 1) / CHUNK);
    struct advance_job job;
    job.c = c;
    job.mu0 = mu0;
    job.count = count;
    /* One chunk at a time: a thread descheduled holds up one chunk. */
    mp__pool_run(c->pool,
                 mp__pool_width(c->pool, chunks,
                                (double)c->d.padded * (double)count),
                 chunks, 1, advance_chunks, &job);
    return 0;
}

/* The 4 words of a tile's candidate bits for memory mu, in the pattern
 * block's layout (bit i % 32 of word (i % 128) / 32). */
static void tile_xi(const struct mp_ens_desc *d, uint64_t mu, uint64_t tile,
                    uint32_t xw[4])
{
    uint32_t gi;
    if (d->half) {
        pattern_words(d, mu, tile, xw);
        return;
    }
    xw[0] = xw[1] = xw[2] = xw[3] = 0;
    for (gi = 0; gi < 32; gi++)
        xw[gi >> 3] |=
            mp_xi4_from_words(mp_rng_block(d->seed, MP_RNG_PATTERN, mu,
                                           tile * 32 + gi),
                              d->thr_f)
            << ((gi & 7u) * 4u);
}

struct measure_job {
    const struct cpu *c;
    const uint64_t *mus;
    size_t n;
    int64_t *part; /* n + 1 sums per thread */
};

/* Tiles [t0, t1) into the sums of thread `worker`. */
static void measure_tiles(void *arg, int64_t t0, int64_t t1, int worker)
{
    const struct measure_job *job = arg;
    const struct cpu *c = job->c;
    const struct mp_ens_desc *d = &c->d;
    const uint64_t *mus = job->mus;
    const size_t n = job->n;
    int64_t *sums = job->part + (size_t)worker * (n + 1);
    int64_t t;
    for (t = t0; t < t1; t++) {
        const uint64_t tile = d->tile0 + (uint64_t)t;
        uint32_t st[4] = {0, 0, 0, 0}, m[4], xw[4], gi;
        int32_t nv[4];
        size_t k;
        int w;
        for (gi = 0; gi < 32; gi++)
            st[gi >> 3] |= mp_strong4(load4(c->s + ((uint64_t)t * 32 + gi) *
                                                      4))
                           << ((gi & 7u) * 4u);
        for (w = 0; w < 4; w++) {
            m[w] = mp_valid_bits(d->synapses, tile * MP_TILE + 32u * w, 32);
            nv[w] = (int32_t)MP_POPC32(m[w]);
            sums[n] += mp_overlap_bits(0xFFFFFFFFu, st[w], m[w], nv[w]);
        }
        for (k = 0; k < n; k++) {
            tile_xi(d, mus[k], tile, xw);
            for (w = 0; w < 4; w++)
                sums[k] += mp_overlap_bits(xw[w], st[w], m[w], nv[w]);
        }
    }
}

/* Each thread sums into its own row of exact integers; the rows are
 * added in order. */
static int cpu_measure(struct mp_ens_backend *b, const uint64_t *mus,
                       size_t n, int64_t *sums)
{
    struct cpu *c = b->ctx;
    const int64_t tiles = (int64_t)(c->d.padded / MP_TILE);
    const double work = (double)tiles * (double)(n + 1) * 64.0;
    const int width = mp__pool_width(c->pool, tiles, work);
    struct measure_job job;
    size_t k;
    int w;
    job.c = c;
    job.mus = mus;
    job.n = n;
    job.part = calloc((size_t)width * (n + 1), sizeof *job.part);
    if (!job.part)
        return mp__fail(MP_ENOMEM, "out of memory");
    mp__pool_run(c->pool, width, tiles, mp__pool_chunk(tiles, width, work),
                 measure_tiles, &job);
    memset(sums, 0, (n + 1) * sizeof *sums);
    for (w = 0; w < width; w++)
        for (k = 0; k <= n; k++)
            sums[k] += job.part[(size_t)w * (n + 1) + k];
    free(job.part);
    return 0;
}

static int cpu_count(struct mp_ens_backend *b, int64_t *hist)
{
    struct cpu *c = b->ctx;
    return mp__state_hist(c->pool, c->s, c->d.local, hist);
}

static int cpu_get(struct mp_ens_backend *b, uint8_t *out)
{
    struct cpu *c = b->ctx;
    memcpy(out, c->s, c->d.local);
    return 0;
}

static int cpu_set(struct mp_ens_backend *b, const uint8_t *in)
{
    struct cpu *c = b->ctx;
    memcpy(c->s, in, c->d.local);
    return 0;
}

static void cpu_destroy(struct mp_ens_backend *b)
{
    struct cpu *c = b->ctx;
    if (c) {
        mp__pool_destroy(c->pool);
        free(c->s);
    }
    free(c);
    b->ctx = NULL;
}

int mp__ens_cpu_create(struct mp_ens_backend *b, const struct mp_ens_desc *d)
{
    struct cpu *c;
    int rc;
    if (d->bf.m) /* a Benna-Fusi chain: ens_bf_cpu.c */
        return mp__ens_bf_cpu_create(b, d);
    c = calloc(1, sizeof *c);
    if (!c)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->d = *d;
    rc = mp__pool_create(&c->pool, d->threads);
    if (rc) {
        free(c);
        return rc;
    }
    /* calloc: the padding synapses start (and may stay) defined. */
    c->s = calloc(d->padded ? d->padded : 1, 1);
    if (!c->s) {
        mp__pool_destroy(c->pool);
        free(c);
        return mp__fail(MP_ETOOBIG,
                        "cannot allocate the state of %llu synapses (%.3g "
                        "GB)",
                        (unsigned long long)d->local, (double)d->padded / 1e9);
    }
    c->isa = mp__isa_pick(d->isa);
    c->tiles = mp__ens_simd_fn(c->isa);
    mp__simd_table(&d->table, d->depths, &c->simd);
    b->name = "cpu";
    {
        char threads[160];
        mp__pool_describe(c->pool, threads, sizeof threads);
        /* "CPU (AVX2), up to 2 threads" */
        snprintf(b->device, sizeof b->device, "CPU (%s)%s",
                 mp__isa_name(c->isa), threads + 3);
    }
    b->ctx = c;
    b->init_state = cpu_init;
    b->advance = cpu_advance;
    b->measure = cpu_measure;
    b->count_states = cpu_count;
    b->get_state = cpu_get;
    b->set_state = cpu_set;
    b->destroy = cpu_destroy;
    return 0;
}
