/* SPDX-License-Identifier: MIT */
/*
 * backend_cpu.c: the CPU synapse-ensemble backend (OpenMP), the reference
 * the CUDA backend is checked against.  Synapses are processed in chunks
 * that stay in the L1 cache while every step of an advance call runs over
 * them, so a call of k steps moves each state byte through memory once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "metaplast/detail/backend.h"
#include "metaplast/error.h"

/* Synapses per work item: 8 KiB of state, well inside a 32 KiB L1. */
#define CHUNK 8192u

struct cpu {
    struct mp_ens_desc d;
    uint8_t *s; /* padded state array */
};

static int nthreads(const struct cpu *c)
{
#ifdef _OPENMP
    return c->d.threads > 0 ? c->d.threads : omp_get_max_threads();
#else
    (void)c;
    return 1;
#endif
}

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

static int cpu_init(struct mp_backend *b, const uint64_t *cum)
{
    struct cpu *c = b->ctx;
    const int64_t groups = (int64_t)(c->d.padded / 4);
    int64_t g;
#pragma omp parallel for schedule(static) num_threads(nthreads(c))
    for (g = 0; g < groups; g++) {
        struct mp_u32x4 u = mp_rng_block(c->d.seed, MP_RNG_INIT, 0,
                                         c->d.tile0 * 32 + (uint64_t)g);
        uint32_t D = c->d.depths;
        store4(c->s + 4 * g, mp_syn_draw(cum, D, u.x) |
                                 (mp_syn_draw(cum, D, u.y) << 8) |
                                 (mp_syn_draw(cum, D, u.z) << 16) |
                                 (mp_syn_draw(cum, D, u.w) << 24));
    }
    return 0;
}

static int cpu_advance(struct mp_backend *b, uint64_t mu0, uint64_t count)
{
    struct cpu *c = b->ctx;
    const struct mp_ens_desc *d = &c->d;
    const int64_t chunks = (int64_t)((d->padded + CHUNK - 1) / CHUNK);
    int64_t k;
#pragma omp parallel for schedule(static) num_threads(nthreads(c))
    for (k = 0; k < chunks; k++) {
        const uint64_t t0 = (uint64_t)k * (CHUNK / MP_TILE);
        uint64_t t1 = t0 + CHUNK / MP_TILE, mu, lt, tile, g;
        if (t1 > d->padded / MP_TILE)
            t1 = d->padded / MP_TILE;
        for (mu = mu0; mu < mu0 + count; mu++) {
            for (lt = t0; lt < t1; lt++) {
                uint32_t pw[4] = {0, 0, 0, 0}, gi;
                tile = d->tile0 + lt; /* global: the streams' index */
                if (d->half) {
                    struct mp_u32x4 pt =
                        mp_rng_block(d->seed, MP_RNG_PATTERN, mu, tile);
                    pw[0] = pt.x;
                    pw[1] = pt.y;
                    pw[2] = pt.z;
                    pw[3] = pt.w;
                }
                /* The tile's 8 TRANSITION blocks (16 synapses each) in
                 * one lane-parallel call; group gi reads word gi % 4 of
                 * block gi / 4. */
                uint32_t u[4][MP_PHILOX_LANES], l;
                MP_STATIC_ASSERT(MP_PHILOX_LANES * 16 == MP_TILE,
                                 "one lanes call per tile");
                for (l = 0; l < MP_PHILOX_LANES; l++) {
                    struct mp_u32x4 ctr = mp_rng_counter(
                        MP_RNG_TRANSITION, mu, tile * MP_PHILOX_LANES + l);
                    u[0][l] = ctr.x;
                    u[1][l] = ctr.y;
                    u[2][l] = ctr.z;
                    u[3][l] = ctr.w;
                }
                mp_philox4x32_10_lanes(u, (uint32_t)d->seed,
                                       (uint32_t)(d->seed >> 32));
                for (gi = 0; gi < 32; gi++) {
                    uint32_t xi4;
                    uint8_t *p;
                    g = tile * 32 + gi;
                    xi4 = d->half ? mp_xi4_from_word(pw[gi >> 3], gi)
                                  : mp_xi4_from_words(
                                        mp_rng_block(d->seed, MP_RNG_PATTERN,
                                                     mu, g),
                                        d->thr_f);
                    p = c->s + 4 * (lt * 32 + gi);
                    store4(p, mp_step4(&d->table, load4(p), xi4,
                                       u[gi & 3u][gi >> 2], d->seed, mu, g));
                }
            }
        }
    }
    return 0;
}

/* Bits of the real synapses of a tile, in the pattern-block layout. */
static void tile_mask(uint64_t tile, uint64_t n, uint32_t m[4])
{
    uint64_t i0 = tile * MP_TILE;
    int w;
    for (w = 0; w < 4; w++) {
        uint64_t lo = i0 + 32u * (uint64_t)w;
        m[w] = n >= lo + 32 ? 0xFFFFFFFFu
               : n <= lo    ? 0u
                            : (1u << (n - lo)) - 1u;
    }
}

static int cpu_measure(struct mp_backend *b, const uint64_t *mus, size_t n,
                       int64_t *sums)
{
    struct cpu *c = b->ctx;
    const struct mp_ens_desc *d = &c->d;
    const int64_t tiles = (int64_t)(d->padded / MP_TILE);
    int64_t t;
    memset(sums, 0, (n + 1) * sizeof *sums);
#pragma omp parallel for schedule(static) num_threads(nthreads(c))           \
    reduction(+ : sums[:n + 1])
    for (t = 0; t < tiles; t++) {
        uint32_t st[4] = {0, 0, 0, 0}, m[4];
        int64_t valid = 0, strong = 0;
        uint32_t gi;
        size_t k;
        int w;
        for (gi = 0; gi < 32; gi++)
            st[gi >> 3] |= mp_strong4(load4(c->s + ((uint64_t)t * 32 + gi) * 4))
                           << ((gi & 7u) * 4u);
        tile_mask(d->tile0 + (uint64_t)t, d->synapses, m);
        for (w = 0; w < 4; w++) {
            valid += MP_POPC32(m[w]);
            strong += MP_POPC32(st[w] & m[w]);
        }
        sums[n] += 2 * strong - valid;
        for (k = 0; k < n; k++) {
            uint32_t xw[4] = {0, 0, 0, 0};
            int64_t mismatch = 0;
            if (d->half) {
                struct mp_u32x4 pt =
                    mp_rng_block(d->seed, MP_RNG_PATTERN, mus[k],
                                 d->tile0 + (uint64_t)t);
                xw[0] = pt.x;
                xw[1] = pt.y;
                xw[2] = pt.z;
                xw[3] = pt.w;
            } else {
                for (gi = 0; gi < 32; gi++)
                    xw[gi >> 3] |=
                        mp_xi4_from_words(
                            mp_rng_block(d->seed, MP_RNG_PATTERN, mus[k],
                                         (d->tile0 + (uint64_t)t) * 32 +
                                             gi),
                            d->thr_f)
                        << ((gi & 7u) * 4u);
            }
            for (w = 0; w < 4; w++)
                mismatch += MP_POPC32((xw[w] ^ st[w]) & m[w]);
            sums[k] += valid - 2 * mismatch;
        }
    }
    return 0;
}

static int cpu_get(struct mp_backend *b, uint8_t *out)
{
    struct cpu *c = b->ctx;
    memcpy(out, c->s, c->d.local);
    return 0;
}

static int cpu_set(struct mp_backend *b, const uint8_t *in)
{
    struct cpu *c = b->ctx;
    memcpy(c->s, in, c->d.local);
    return 0;
}

static void cpu_destroy(struct mp_backend *b)
{
    struct cpu *c = b->ctx;
    if (c)
        free(c->s);
    free(c);
    b->ctx = NULL;
}

int mp__cpu_backend_create(struct mp_backend *b, const struct mp_ens_desc *d)
{
    struct cpu *c = calloc(1, sizeof *c);
    if (!c)
        return MP_ENOMEM;
    c->d = *d;
    /* calloc: the padding synapses start (and may stay) defined. */
    c->s = calloc(d->padded ? d->padded : 1, 1);
    if (!c->s) {
        free(c);
        return MP_ENOMEM;
    }
    b->name = "cpu";
    snprintf(b->device, sizeof b->device, "CPU, %d OpenMP thread%s",
             nthreads(c), nthreads(c) == 1 ? "" : "s");
    b->ctx = c;
    b->init_state = cpu_init;
    b->advance = cpu_advance;
    b->measure = cpu_measure;
    b->get_state = cpu_get;
    b->set_state = cpu_set;
    b->destroy = cpu_destroy;
    return 0;
}
