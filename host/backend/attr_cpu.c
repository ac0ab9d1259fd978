/* SPDX-License-Identifier: MIT */
/*
 * attr_cpu.c: the CPU attractor-network backend (pool.h), the reference
 * the CUDA backend is checked against.  The store pass runs over quads
 * of rows (the 4 x 4 tiles of the transition stream: one Philox call
 * serves 16 synapses), 8 tiles per vectorisable Philox call; the
 * retrieval counts are AND and popcount over the rows' strength bits.
 * With fan-in, each row's presynaptic bits (of the pattern, of a probe's
 * state) are gathered first through its connectivity (the stored table
 * or the generator).  Every rule is an attr_rules.h function the kernels
 * call too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"

struct cpu {
    struct mp_attr_desc d;
    uint8_t *s;        /* rows x PK state bytes */
    uint64_t *bits;    /* rows x PK / 64 strength bits (pack) */
    uint64_t *xi;      /* the pattern of the presentation being stored */
    uint64_t *scr;     /* fan-in: per thread, scr_words words */
    uint64_t scr_words;/* 4 PK / 64 gathered pattern bits, PK / 64
                          gathered state bits, K presynaptic indices */
    uint64_t *tr;      /* fan-in: the probes' states by neuron (N words,
                          bit k = neuron j of state k) */
    struct mp_pool *pool;
};

static uint32_t load4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4); /* byte k = column 4J + k (little-endian hosts) */
    return v;
}

static void store4(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint64_t words(const struct cpu *c)
{
    return c->d.rule.kpitch / 64u;
}

/* Row i's stored connectivity, or NULL (the generator). */
static const uint32_t *pre_row(const struct cpu *c, uint64_t i)
{
    return c->d.pre ? c->d.pre + (i - c->d.row0) * c->d.rule.fan_in : NULL;
}

struct init_job {
    const struct cpu *c;
    const uint64_t *cum;
};

static void init_rows(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct init_job *job = arg;
    const struct cpu *c = job->c;
    int64_t r;
    uint64_t j;
    (void)worker;
    for (r = r0; r < r1; r++) {
        const uint64_t i = c->d.row0 + (uint64_t)r;
        uint8_t *row = c->s + (uint64_t)r * c->d.rule.kpitch;
        for (j = 0; j < mp_attr_width(&c->d.rule); j++)
            row[j] = (uint8_t)mp_attr_draw(&c->d.rule, job->cum, c->d.depths,
                                           i, j);
    }
}

static int cpu_init(struct mp_attr_backend *b, const uint64_t *cum)
{
    struct cpu *c = b->ctx;
    struct init_job job;
    job.c = c;
    job.cum = cum;
    memset(c->s, 0, (size_t)c->d.rows * c->d.rule.kpitch);
    mp__pool_for(c->pool, c->d.rows,
                 (double)c->d.rows * mp_attr_width(&c->d.rule) * 40.0,
                 init_rows,
                 &job);
    return 0;
}

struct store_job {
    const struct cpu *c;
    const struct mp_attr_item *it;
    uint64_t quad0; /* first quad of rows held */
};

/* The blocks of tiles J .. J + n - 1 of row quad I (n <= 8). */
static void tile_blocks(const struct mp_attr_rules *R, uint64_t p, uint64_t i,
                        uint64_t J, uint32_t n, struct mp_u32x4 *out)
{
    uint32_t x[4][MP_PHILOX_LANES], l;
    for (l = 0; l < MP_PHILOX_LANES; l++) {
        const struct mp_u32x4 c = mp_rng_counter(
            MP_RNG_TRANSITION, p, mp_attr_tile(R, i, J + (l < n ? l : 0)));
        x[0][l] = c.x;
        x[1][l] = c.y;
        x[2][l] = c.z;
        x[3][l] = c.w;
    }
    mp_philox4x32_10_lanes(x, (uint32_t)R->seed, (uint32_t)(R->seed >> 32));
    for (l = 0; l < n; l++) {
        out[l].x = x[0][l];
        out[l].y = x[1][l];
        out[l].z = x[2][l];
        out[l].w = x[3][l];
    }
}

/* One row of a quad, columns 4 J0 .. 4 (J0 + n) - 1, given the blocks of
 * their tiles (mp_attr_tile: tied rows below the diagonal read the tile
 * across it, whose bytes mp_attr_row4 reads transposed). */
static void store_row(const struct cpu *c, const struct mp_attr_item *it,
                      uint64_t i, uint64_t J0, uint32_t n,
                      const struct mp_u32x4 *blk, const uint64_t *xpre)
{
    const struct mp_attr_rules *R = &c->d.rule;
    uint8_t *row = c->s + (i - c->d.row0) * R->kpitch;
    const uint32_t xi = (uint32_t)(c->xi[i >> 6] >> (i & 63u)) & 1u;
    uint32_t l;
    for (l = 0; l < n; l++) {
        const uint64_t J = J0 + l;
        const uint32_t xj4 = (uint32_t)(xpre[J >> 4] >> (4u * (J & 15u))) &
                             0xFu;
        store4(row + 4 * J, mp_attr_row4(R, load4(row + 4 * J), i, J, xi,
                                         xj4, blk[l], it->p, it->gate));
    }
}

/* The presynaptic pattern bits of the quad's held rows into xpre (4 x
 * PK / 64 words; all-to-all: the pattern itself, for every row). */
static const uint64_t *quad_pre(const struct cpu *c, uint64_t I,
                                uint64_t *xpre)
{
    const struct mp_attr_rules *R = &c->d.rule;
    const uint64_t W = words(c), end = (uint64_t)c->d.row0 + c->d.rows;
    uint64_t i, w;
    if (!R->fan_in)
        return c->xi;
    for (i = 4 * I; i < 4 * I + 4; i++) {
        struct mp_attr_perm pm;
        if (i < c->d.row0 || i >= end)
            continue;
        pm = mp_attr_perm_of(R, i);
        for (w = 0; w < W; w++)
            xpre[(i - 4 * I) * W + w] =
                mp_attr_gather64(&pm, pre_row(c, i), R->fan_in, c->xi, w);
    }
    return xpre;
}

/* Quads [q0, q1) of rows: every tile of their rows, 8 at a time. */
static void store_quads(void *arg, int64_t q0, int64_t q1, int worker)
{
    const struct store_job *job = arg;
    const struct cpu *c = job->c;
    const struct mp_attr_rules *R = &c->d.rule;
    const uint64_t tiles = ((uint64_t)mp_attr_width(R) + 3u) / 4u,
                   end = (uint64_t)c->d.row0 + c->d.rows, W = words(c);
    uint64_t *scr = c->scr ? c->scr + (size_t)worker * c->scr_words : NULL;
    struct mp_u32x4 blk[MP_PHILOX_LANES];
    int64_t q;
    for (q = q0; q < q1; q++) {
        const uint64_t I = job->quad0 + (uint64_t)q;
        const uint64_t *xpre = quad_pre(c, I, scr);
        const uint64_t stride = R->fan_in ? W : 0;
        uint64_t J, i;
        for (J = 0; J < tiles; J += MP_PHILOX_LANES) {
            const uint32_t n = (uint32_t)(tiles - J < MP_PHILOX_LANES
                                              ? tiles - J
                                              : MP_PHILOX_LANES);
            tile_blocks(R, job->it->p, 4 * I, J, n, blk);
            for (i = 4 * I; i < 4 * I + 4; i++)
                if (i >= c->d.row0 && i < end)
                    store_row(c, job->it, i, J, n, blk,
                              xpre + (i - 4 * I) * stride);
        }
    }
}

static int cpu_store(struct mp_attr_backend *b, const struct mp_attr_item *it,
                     size_t n)
{
    struct cpu *c = b->ctx;
    const uint64_t W = c->d.rule.pitch / 64u, q0 = c->d.row0 / 4u,
                   q1 = ((uint64_t)c->d.row0 + c->d.rows + 3u) / 4u;
    struct store_job job;
    size_t k;
    uint64_t w;
    job.c = c;
    job.quad0 = q0;
    for (k = 0; k < n; k++) {
        if (it[k].gate == 0)
            continue; /* level 0: no plasticity */
        for (w = 0; w < W; w++)
            c->xi[w] = mp_attr_pattern_word(&c->d.rule, it[k].mu, w);
        job.it = &it[k];
        mp__pool_for(c->pool, (int64_t)(q1 - q0),
                     (double)c->d.rows * mp_attr_width(&c->d.rule) * 2.0,
                     store_quads, &job);
    }
    return 0;
}

struct pack_job {
    const struct cpu *c;
    int32_t *strong;
};

static void pack_rows(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct pack_job *job = arg;
    const struct cpu *c = job->c;
    const uint64_t W = words(c);
    int64_t r;
    uint64_t w;
    (void)worker;
    for (r = r0; r < r1; r++) {
        const uint64_t i = c->d.row0 + (uint64_t)r;
        const uint8_t *row = c->s + (uint64_t)r * c->d.rule.kpitch;
        uint64_t *bits = c->bits + (uint64_t)r * W;
        int32_t n = 0;
        for (w = 0; w < W; w++) {
            bits[w] = mp_attr_strong64_row(&c->d.rule, row + 64 * w, i, w);
            n += (int32_t)MP_POPC64(bits[w]);
        }
        job->strong[r] = n;
    }
}

static int cpu_pack(struct mp_attr_backend *b, int32_t *strong)
{
    struct cpu *c = b->ctx;
    struct pack_job job;
    job.c = c;
    job.strong = strong;
    mp__pool_for(c->pool, c->d.rows, (double)c->d.rows * c->d.rule.kpitch,
                 pack_rows, &job);
    return 0;
}

struct fields_job {
    const struct cpu *c;
    const uint64_t *states;
    size_t nb;
    int32_t *out, *act;
};

/* Bit-sliced counters: 64 counts (one per bit) as planes of their binary
 * digits, plane l holding digit l of each; t adds 1 to the counts of its
 * set bits. */
#define PLANES 21 /* counts up to K <= 2^20 */

static void planes_add(uint64_t *c, uint64_t t)
{
    int l;
    for (l = 0; t && l < PLANES; l++) {
        const uint64_t carry = c[l] & t;
        c[l] ^= t;
        t = carry;
    }
}

/* Count k of the planes. */
static int32_t planes_get(const uint64_t *c, size_t k)
{
    int32_t n = 0;
    int l;
    for (l = 0; l < PLANES; l++)
        n |= (int32_t)((c[l] >> k) & 1u) << l;
    return n;
}

/* Fan-in with many probes: per slot, the presynaptic neuron's bits of
 * every probe at once (the transposed states), added to two sets of
 * bit-sliced counters (every slot; the strong slots). */
static void field_rows_sliced(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct fields_job *job = arg;
    const struct cpu *c = job->c;
    const struct mp_attr_rules *R = &c->d.rule;
    const uint64_t W = words(c), K = R->fan_in;
    uint32_t *idx = (uint32_t *)(c->scr + (size_t)worker * c->scr_words +
                                 5 * W);
    int64_t r;
    uint64_t s;
    size_t k;
    for (r = r0; r < r1; r++) {
        const uint64_t i = c->d.row0 + (uint64_t)r;
        const uint64_t *bits = c->bits + (uint64_t)r * W;
        const uint32_t *pre = pre_row(c, i);
        uint64_t ca[PLANES] = {0}, cc[PLANES] = {0};
        if (!pre) {
            const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
            for (s = 0; s < K; s++)
                idx[s] = mp_attr_pre(&pm, (uint32_t)s);
            pre = idx;
        }
        for (s = 0; s < K; s++) {
            const uint64_t t = c->tr[pre[s]];
            planes_add(cc, t);
            if ((bits[s >> 6] >> (s & 63u)) & 1u)
                planes_add(ca, t);
        }
        for (k = 0; k < job->nb; k++) {
            job->out[(size_t)r * job->nb + k] = planes_get(ca, k);
            job->act[(size_t)r * job->nb + k] = planes_get(cc, k);
        }
    }
}

/* The probes' states by neuron, for field_rows_sliced. */
static void transpose(struct cpu *c, const uint64_t *states, size_t nb)
{
    const uint64_t P = c->d.rule.pitch / 64u;
    uint32_t j;
    size_t k;
    for (j = 0; j < c->d.rule.neurons; j++) {
        uint64_t t = 0;
        for (k = 0; k < nb; k++)
            t |= ((states[k * P + (j >> 6)] >> (j & 63u)) & 1u) << k;
        c->tr[j] = t;
    }
}

/* Compiled for AVX-512 and AVX2 too (chosen at load): their POPCNT
 * instruction instead of the generic build's call per word. */
MP_VECTOR_CLONES static void field_rows(void *arg, int64_t r0, int64_t r1,
                                        int worker)
{
    const struct fields_job *job = arg;
    const uint64_t W = words(job->c);
    int64_t r;
    size_t k;
    uint64_t w;
    (void)worker;
    for (r = r0; r < r1; r++) {
        const uint64_t *bits = job->c->bits + (uint64_t)r * W;
        for (k = 0; k < job->nb; k++) {
            const uint64_t *s = job->states + k * W;
            int64_t a = 0;
            for (w = 0; w < W; w++)
                a += MP_POPC64(bits[w] & s[w]);
            job->out[(size_t)r * job->nb + k] = (int32_t)a;
        }
    }
}

/* Fan-in: each row's presynaptic indices (stored, or generated once per
 * row into the thread's scratch), then per state the gathered bits,
 * AND the strength bits, popcounted; and the gathered bits alone. */
static void field_rows_fan(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct fields_job *job = arg;
    const struct cpu *c = job->c;
    const struct mp_attr_rules *R = &c->d.rule;
    const uint64_t W = words(c), P = R->pitch / 64u, K = R->fan_in;
    uint64_t *g = c->scr + (size_t)worker * c->scr_words + 4 * W;
    uint32_t *idx = (uint32_t *)(g + W);
    int64_t r;
    size_t k;
    uint64_t w, s;
    for (r = r0; r < r1; r++) {
        const uint64_t i = c->d.row0 + (uint64_t)r;
        const uint64_t *bits = c->bits + (uint64_t)r * W;
        const uint32_t *pre = pre_row(c, i);
        if (!pre) {
            const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
            for (s = 0; s < K; s++)
                idx[s] = mp_attr_pre(&pm, (uint32_t)s);
            pre = idx;
        }
        for (k = 0; k < job->nb; k++) {
            const uint64_t *x = job->states + k * P;
            int64_t a = 0, n = 0;
            for (w = 0; w < W; w++) {
                g[w] = mp_attr_gather64(NULL, pre, R->fan_in, x, w);
                a += MP_POPC64(bits[w] & g[w]);
                n += MP_POPC64(g[w]);
            }
            job->out[(size_t)r * job->nb + k] = (int32_t)a;
            job->act[(size_t)r * job->nb + k] = (int32_t)n;
        }
    }
}

static int cpu_bits(struct mp_attr_backend *b, uint64_t *out)
{
    const struct cpu *c = b->ctx;
    memcpy(out, c->bits, (size_t)c->d.rows * words(c) * sizeof *out);
    return 0;
}

/* Probes from which the fan-in counts are bit-sliced (below: a gather
 * per probe).  The same integers either way. */
#define SLICED_FROM 4

static int cpu_fields(struct mp_attr_backend *b, const uint64_t *states,
                      size_t nb, int32_t *out, int32_t *act)
{
    struct cpu *c = b->ctx;
    struct fields_job job;
    job.c = c;
    job.states = states;
    job.nb = nb;
    job.out = out;
    job.act = act;
    if (c->d.rule.fan_in && nb >= SLICED_FROM && nb <= 64) {
        transpose(c, states, nb);
        mp__pool_for(c->pool, c->d.rows,
                     (double)c->d.rows * 4.0 * c->d.rule.fan_in,
                     field_rows_sliced, &job);
    } else if (c->d.rule.fan_in)
        mp__pool_for(c->pool, c->d.rows,
                      (double)c->d.rows * (double)nb * c->d.rule.fan_in,
                      field_rows_fan, &job);
    else
        mp__pool_for(c->pool, c->d.rows,
                     (double)c->d.rows * (double)nb * (double)words(c) / 4.0,
                     field_rows, &job);
    return 0;
}

static int cpu_get(struct mp_attr_backend *b, uint8_t *out)
{
    const struct cpu *c = b->ctx;
    const uint64_t N = mp_attr_width(&c->d.rule);
    uint64_t r;
    for (r = 0; r < c->d.rows; r++)
        memcpy(out + r * N, c->s + r * c->d.rule.kpitch, N);
    return 0;
}

static int cpu_set(struct mp_attr_backend *b, const uint8_t *in)
{
    struct cpu *c = b->ctx;
    const uint64_t N = mp_attr_width(&c->d.rule);
    uint64_t r;
    for (r = 0; r < c->d.rows; r++)
        memcpy(c->s + r * c->d.rule.kpitch, in + r * N, N);
    return 0;
}

static void cpu_destroy(struct mp_attr_backend *b)
{
    struct cpu *c = b ? b->ctx : NULL;
    if (!c)
        return;
    mp__pool_destroy(c->pool);
    free(c->s);
    free(c->bits);
    free(c->xi);
    free(c->scr);
    free(c->tr);
    free(c);
    b->ctx = NULL;
}

int mp__attr_cpu_create(struct mp_attr_backend *b,
                        const struct mp_attr_desc *d)
{
    struct cpu *c = calloc(1, sizeof *c);
    const size_t P = (size_t)d->rule.kpitch;
    memset(b, 0, sizeof *b);
    if (!c)
        return mp__fail(MP_ENOMEM, "out of memory");
    c->d = *d;
    c->s = calloc((size_t)d->rows * P + 4, 1);
    c->bits = calloc((size_t)d->rows * (P / 64) + 1, sizeof *c->bits);
    c->xi = calloc(d->rule.pitch / 64 + 1, sizeof *c->xi);
    b->ctx = c;
    b->destroy = cpu_destroy;
    if (!mp__pool_create(&c->pool, d->threads) && d->rule.fan_in) {
        c->scr_words = 5 * (P / 64) + (d->rule.fan_in + 1) / 2 + 1;
        c->scr = calloc((size_t)mp__pool_size(c->pool) * c->scr_words,
                        sizeof *c->scr);
        c->tr = calloc((size_t)d->rule.neurons + 1, sizeof *c->tr);
    }
    if (!c->s || !c->bits || !c->xi || !c->pool ||
        (d->rule.fan_in && (!c->scr || !c->tr))) {
        cpu_destroy(b);
        return mp__fail(MP_ENOMEM,
                        "out of memory for %u rows of %zu synapses",
                        d->rows, P);
    }
    b->name = "cpu";
    mp__pool_describe(c->pool, b->device, sizeof b->device);
    b->init_state = cpu_init;
    b->store = cpu_store;
    b->pack = cpu_pack;
    b->fields = cpu_fields;
    b->bits = cpu_bits;
    b->get_state = cpu_get;
    b->set_state = cpu_set;
    return 0;
}
