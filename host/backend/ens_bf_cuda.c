/* SPDX-License-Identifier: MIT */
/*
 * ens_bf_cuda.c: host side of the CUDA backend of a Benna-Fusi chain.
 * Owns the device arrays (the variables, the rule, the measurement's
 * tile sums), reduces the tiles' tree on the device level by level
 * (kernels/bf.cu) and copies back only the nodes fsum.h needs: at most
 * two per level.  Every CUDA error becomes MP_ECUDA with the call site
 * and CUDA's text; after one, the simulation must be destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "../../kernels/bf.h"
#include "../../kernels/ensemble.h"
#include "cuda_check.h"
#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

/* Values per measurement pass (ages, or the sum of u_1): a warp's. */
#define BATCH 32u
#define MAX_PROBES MP_CFG_MAX_AGES
#define CK(call) MP_CUDA_CHECK(call, "ens_bf_cuda.c")

struct gpu_bf {
    struct mp_ens_desc d;
    float *u;                /* device: m x padded */
    struct mp_bf_rule *rule; /* device */
    uint64_t *mus;           /* device: probed memories */
    double *tree[2];         /* device: a level of tile sums, and the
                                next (tiles x BATCH, tiles/2 x BATCH) */
    int blocks, threads;     /* the launches' geometry */
};

/* The nodes a measurement copies back, in tile order once assembled:
 * left edges by rising level, then right edges by falling level.  Every
 * pass over a batch of values finds the same nodes in the same order. */
struct edges {
    size_t n[2];    /* nodes of side 0 (left) and 1 (right) */
    size_t seen[2]; /* found so far in this pass */
    uint32_t level[2][MP_FSUM_MAX / 2];
    uint64_t index[2][MP_FSUM_MAX / 2];
    double *v[2]; /* host: MP_FSUM_MAX / 2 x nv each */
};

static int gpu_bf_init(struct mp_ens_backend *b, const uint64_t *cum)
{
    struct gpu_bf *g = b->ctx;
    (void)cum;
    CK(mp__k_bf_init(g->u, g->d.padded, g->d.tile0, g->d.seed, g->d.bf.m,
                     g->rule, g->blocks, g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel bf_init",
                     "ens_bf_cuda.c");
    return 0;
}

static int gpu_bf_advance(struct mp_ens_backend *b, uint64_t mu0,
                          uint64_t count)
{
    struct gpu_bf *g = b->ctx;
    CK(mp__k_bf_advance(g->u, g->d.padded, g->d.tile0, g->d.seed, mu0, count,
                        g->d.half, g->d.thr_f, g->d.bf.m, g->rule, g->blocks,
                        g->threads));
    /* A fault inside the kernel is reported here, naming it. */
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel bf_advance",
                     "ens_bf_cuda.c");
    return 0;
}

/* Node `pos` of the level held in `cur` (nb values) into edge list e
 * (side 0 left, 1 right), values a0 .. a0 + nb - 1. */
static int take(struct edges *e, int side, const double *cur, uint64_t pos,
                uint32_t level, uint64_t index, size_t nv, uint32_t a0,
                uint32_t nb)
{
    const size_t k = e->seen[side]++;
    if (k >= MP_FSUM_MAX / 2)
        return mp__fail(MP_EINVAL, "measurement: more tree nodes than "
                                   "the sum holds");
    e->level[side][k] = level;
    e->index[side][k] = index;
    if (e->seen[side] > e->n[side])
        e->n[side] = e->seen[side];
    CK(cudaMemcpy(e->v[side] + k * nv + a0, cur + pos * nb, nb * sizeof *cur,
                  cudaMemcpyDeviceToHost));
    return 0;
}

/* The tree of the tiles held, level by level on the device, for values
 * a0 .. a0 + nb - 1 (their tile sums in tree[0]): every node whose
 * sibling lies outside the tiles held is copied back. */
static int reduce(struct gpu_bf *g, struct edges *e, size_t nv, uint32_t a0,
                  uint32_t nb)
{
    uint64_t a = g->d.tile0, z = a + g->d.padded / MP_TILE;
    uint32_t level = 0;
    int cur = 0, rc;
    e->seen[0] = e->seen[1] = 0;
    while (a < z) {
        const uint64_t base = a; /* position 0 of this level's array */
        const uint32_t off = (uint32_t)(a & 1u);
        if (off) { /* a right child without its left sibling */
            rc = take(e, 0, g->tree[cur], 0, level, a, nv, a0, nb);
            if (rc)
                return rc;
            a++;
        }
        if ((z & 1u) && z - 1 >= a) { /* a left child without its right */
            rc = take(e, 1, g->tree[cur], z - 1 - base, level, z - 1, nv, a0,
                      nb);
            if (rc)
                return rc;
            z--;
        }
        if (z > a)
            CK(mp__k_bf_tree_level(g->tree[cur], g->tree[!cur], (z - a) / 2,
                                   off, nb, g->blocks, g->threads));
        MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel bf_tree_level",
                         "ens_bf_cuda.c");
        a /= 2;
        z /= 2;
        cur = !cur;
        level++;
    }
    return 0;
}

/* Pushes the edges in tile order. */
static int push_edges(const struct edges *e, size_t nv, struct mp_fsum *out)
{
    size_t k;
    for (k = 0; k < e->n[0]; k++)
        if (mp_fsum_push(out, e->level[0][k], e->index[0][k], e->v[0] + k * nv))
            return -1;
    for (k = e->n[1]; k-- > 0;)
        if (mp_fsum_push(out, e->level[1][k], e->index[1][k], e->v[1] + k * nv))
            return -1;
    return 0;
}

/* The sums of values a0 .. a0 + nb - 1 of every tile held, then their
 * tree. */
static int batch(struct gpu_bf *g, struct edges *e, size_t n, uint32_t a0,
                 uint32_t nb)
{
    CK(mp__k_bf_measure(g->u, g->d.padded / MP_TILE, g->d.tile0, g->d.synapses,
                        g->d.seed, g->mus, (uint32_t)n, a0, nb, g->d.half,
                        g->d.thr_f, g->tree[0], g->blocks, g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel bf_measure",
                     "ens_bf_cuda.c");
    return reduce(g, e, n + 1, a0, nb);
}

static int copy_mus(struct gpu_bf *g, const uint64_t *mus, size_t n)
{
    if (n)
        CK(cudaMemcpy(g->mus, mus, n * sizeof *mus, cudaMemcpyHostToDevice));
    return 0;
}

static int gpu_bf_measure(struct mp_ens_backend *b, const uint64_t *mus,
                          size_t n, struct mp_fsum *out)
{
    struct gpu_bf *g = b->ctx;
    const size_t nv = n + 1;
    struct edges e;
    uint32_t a0;
    int rc = 0;
    if (n > MAX_PROBES)
        return mp__fail(MP_EINVAL, "too many ages (%zu > %d)", n, MAX_PROBES);
    memset(&e, 0, sizeof e);
    e.v[0] = malloc(MP_FSUM_MAX / 2 * nv * sizeof(double));
    e.v[1] = malloc(MP_FSUM_MAX / 2 * nv * sizeof(double));
    rc = e.v[0] && e.v[1] ? copy_mus(g, mus, n)
                          : mp__fail(MP_ENOMEM, "out of memory");
    for (a0 = 0; !rc && a0 < nv; a0 += BATCH)
        rc = batch(g, &e, n, a0, nv - a0 < BATCH ? (uint32_t)(nv - a0) : BATCH);
    if (!rc && push_edges(&e, nv, out))
        rc = mp__fail(MP_EINVAL, "measurement: more tree nodes than the "
                                 "sum holds");
    free(e.v[0]);
    free(e.v[1]);
    return rc;
}

static int gpu_bf_get(struct mp_ens_backend *b, float *out)
{
    struct gpu_bf *g = b->ctx;
    uint32_t k;
    for (k = 0; k < g->d.bf.m; k++)
        CK(cudaMemcpy(out + k * g->d.local, g->u + k * g->d.padded,
                      g->d.local * sizeof *out, cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_bf_set(struct mp_ens_backend *b, const float *in)
{
    struct gpu_bf *g = b->ctx;
    uint32_t k;
    for (k = 0; k < g->d.bf.m; k++)
        CK(cudaMemcpy(g->u + k * g->d.padded, in + k * g->d.local,
                      g->d.local * sizeof *in, cudaMemcpyHostToDevice));
    return 0;
}

static void gpu_bf_destroy(struct mp_ens_backend *b)
{
    struct gpu_bf *g = b->ctx;
    if (!g)
        return;
    cudaFree(g->u);
    cudaFree(g->rule);
    cudaFree(g->mus);
    cudaFree(g->tree[0]);
    cudaFree(g->tree[1]);
    free(g);
    b->ctx = NULL;
}

/* The device (one rank per GPU, as the discrete backend picks it) and
 * the grid. */
static int pick_device(struct mp_ens_backend *b, struct gpu_bf *g)
{
    int sms = 0;
    int rc = mp__cuda_pick(b->device, sizeof b->device, &sms, "ens_bf_cuda.c");
    if (rc)
        return rc;
    g->threads = MP_K_BLOCK;
    g->blocks = sms * 8;
    if ((uint64_t)g->blocks * MP_K_BLOCK > g->d.padded)
        g->blocks = (int)((g->d.padded + MP_K_BLOCK - 1) / MP_K_BLOCK);
    if (g->blocks < 1)
        g->blocks = 1;
    mp__cuda_geometry(&g->blocks, &g->threads); /* tests */
    return 0;
}

/* The device arrays, once they are known to fit. */
static int allocate(struct gpu_bf *g)
{
    const uint64_t tiles = g->d.padded / MP_TILE;
    const size_t state = (size_t)g->d.padded * g->d.bf.m * sizeof(float);
    const size_t tree0 = (size_t)(tiles ? tiles : 1) * BATCH * 8;
    const size_t tree1 = (size_t)(tiles / 2 + 1) * BATCH * 8;
    size_t free_b = 0, total_b = 0, need;
    CK(cudaMemGetInfo(&free_b, &total_b));
    need = state + tree0 + tree1 + MAX_PROBES * 8 + sizeof g->d.bf + 65536;
    if (need > free_b)
        return mp__fail(MP_ETOOBIG,
                        "needs %.3g GB of GPU memory, the device has %.3g "
                        "GB free",
                        (double)need / 1e9, (double)free_b / 1e9);
    CK(cudaMalloc((void **)&g->u, state ? state : 4));
    CK(cudaMalloc((void **)&g->rule, sizeof g->d.bf));
    CK(cudaMemcpy(g->rule, &g->d.bf, sizeof g->d.bf, cudaMemcpyHostToDevice));
    CK(cudaMalloc((void **)&g->mus, MAX_PROBES * sizeof *g->mus));
    CK(cudaMalloc((void **)&g->tree[0], tree0));
    CK(cudaMalloc((void **)&g->tree[1], tree1));
    return 0;
}

int mp__ens_bf_cuda_create(struct mp_ens_backend *b,
                           const struct mp_ens_desc *d)
{
    struct gpu_bf *g = calloc(1, sizeof *g);
    int rc;
    if (!g)
        return mp__fail(MP_ENOMEM, "out of memory");
    g->d = *d;
    b->ctx = g;
    b->name = "cuda";
    b->destroy = gpu_bf_destroy;
    rc = pick_device(b, g);
    if (!rc)
        rc = allocate(g);
    if (rc) {
        gpu_bf_destroy(b);
        b->destroy = NULL;
        return rc;
    }
    b->init_state = gpu_bf_init;
    b->advance = gpu_bf_advance;
    mp__ens_bf_no_bytes(b); /* ens_bf_cpu.c */
    b->measure_bf = gpu_bf_measure;
    b->get_values = gpu_bf_get;
    b->set_values = gpu_bf_set;
    return 0;
}
