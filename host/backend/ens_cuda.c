/* SPDX-License-Identifier: MIT */
/*
 * ens_cuda.c: host side of the CUDA synapse-ensemble backend.  Owns the
 * device arrays and maps every CUDA error to MP_ECUDA with the call site
 * and CUDA's text; after one, the simulation must be destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "../../kernels/ensemble.h"
#include "../../kernels/occupancy.h"
#include "cuda_check.h"
#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

struct gpu {
    struct mp_ens_desc d;
    uint32_t *s4;                /* device: padded state, 4 per word */
    struct mp_syn_table *table;  /* device: the compiled model */
    uint64_t *mus;               /* device: probed memories */
    unsigned long long *partial; /* device: per-block sums */
    unsigned long long *host_partial;
    int blocks, threads; /* the launches' geometry */
};

/* At most this many memories are probed per measurement (config.h). */
#define MAX_PROBES MP_CFG_MAX_AGES

#define CK(call) MP_CUDA_CHECK(call, "ens_cuda.c")

static int gpu_init(struct mp_ens_backend *b, const uint64_t *cum)
{
    struct gpu *g = b->ctx;
    struct mp_k_cum c;
    memset(&c, 0, sizeof c);
    memcpy(c.cum, cum, 2 * g->d.depths * sizeof cum[0]);
    CK(mp__k_ens_init(g->s4, g->d.padded / 4, g->d.tile0 * 32, g->d.seed, c,
                      g->d.depths, g->blocks, g->threads));
    CK(cudaDeviceSynchronize());
    return 0;
}

static int gpu_advance(struct mp_ens_backend *b, uint64_t mu0,
                       uint64_t count)
{
    struct gpu *g = b->ctx;
    CK(mp__k_ens_advance(g->s4, g->d.padded / MP_TILE, g->d.tile0,
                         g->d.seed, mu0, count, g->d.half, g->d.thr_f,
                         g->table, g->blocks, g->threads));
    /* A fault inside the kernel is reported here, naming it, not at a
     * later copy: one synchronise per advance slice is cheap. */
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel ens_advance",
                     "ens_cuda.c");
    return 0;
}

static int gpu_measure(struct mp_ens_backend *b, const uint64_t *mus,
                       size_t n, int64_t *sums)
{
    struct gpu *g = b->ctx;
    size_t k;
    int blk;
    if (n > MAX_PROBES)
        return mp__fail(MP_EINVAL, "too many ages (%zu > %d)", n,
                        MAX_PROBES);
    CK(cudaMemcpy(g->mus, mus, n * sizeof *mus, cudaMemcpyHostToDevice));
    CK(mp__k_ens_measure(g->s4, g->d.padded / MP_TILE, g->d.tile0,
                         g->d.synapses, g->d.seed, g->mus, (uint32_t)n,
                         g->d.half, g->d.thr_f, g->partial, g->blocks,
                         g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel ens_measure",
                     "ens_cuda.c");
    CK(cudaMemcpy(g->host_partial, g->partial,
                  (size_t)g->blocks * (n + 1) * sizeof *g->partial,
                  cudaMemcpyDeviceToHost));
    /* Integer sums: exact, and equal to the CPU's in any order. */
    for (k = 0; k <= n; k++) {
        unsigned long long s = 0;
        for (blk = 0; blk < g->blocks; blk++)
            s += g->host_partial[(size_t)blk * (n + 1) + k];
        sums[k] = (int64_t)s;
    }
    return 0;
}

/* The state bytes of the real synapses (the padding is never counted);
 * the measurement's per-block buffers hold the histogram's
 * (MAX_PROBES + 1 >= MP_STATE_BYTES sums per block). */
static int gpu_count(struct mp_ens_backend *b, int64_t *hist)
{
    struct gpu *g = b->ctx;
    const int blocks = g->blocks < MP_K_HIST_BLOCKS ? g->blocks
                                                    : MP_K_HIST_BLOCKS;
    MP_STATIC_ASSERT(MAX_PROBES + 1 >= MP_STATE_BYTES,
                     "the histogram fits the measurement's buffers");
    return mp__state_hist_cuda((const uint8_t *)g->s4, g->d.local,
                               g->partial, g->host_partial, blocks,
                               g->threads, hist);
}

static int gpu_get(struct mp_ens_backend *b, uint8_t *out)
{
    struct gpu *g = b->ctx;
    CK(cudaMemcpy(out, g->s4, g->d.local, cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_set(struct mp_ens_backend *b, const uint8_t *in)
{
    struct gpu *g = b->ctx;
    CK(cudaMemcpy(g->s4, in, g->d.local, cudaMemcpyHostToDevice));
    return 0;
}

static void gpu_destroy(struct mp_ens_backend *b)
{
    struct gpu *g = b->ctx;
    if (!g)
        return;
    cudaFree(g->s4);
    cudaFree(g->table);
    cudaFree(g->mus);
    cudaFree(g->partial);
    free(g->host_partial);
    free(g);
    b->ctx = NULL;
}

/* The device (one rank per GPU: the rank among those on this node picks
 * it, round robin when there are more ranks than devices) and the grid. */
static int pick_device(struct mp_ens_backend *b, struct gpu *g)
{
    int sms = 0;
    int rc = mp__cuda_pick(b->device, sizeof b->device, &sms, "ens_cuda.c");
    if (rc)
        return rc;
    /* Enough warps to fill the device; the kernels stride over tiles. */
    g->threads = MP_K_BLOCK;
    g->blocks = sms * 8;
    if ((uint64_t)g->blocks * (MP_K_BLOCK / 32) > g->d.padded / MP_TILE)
        g->blocks = (int)((g->d.padded / MP_TILE + 7) / 8);
    if (g->blocks < 1)
        g->blocks = 1;
    mp__cuda_geometry(&g->blocks, &g->threads); /* tests */
    return 0;
}

/* The device arrays, once they are known to fit. */
static int allocate(struct gpu *g)
{
    const size_t partial = (size_t)g->blocks * (MAX_PROBES + 1) * 8;
    size_t free_b = 0, total_b = 0, need;
    CK(cudaMemGetInfo(&free_b, &total_b));
    need = g->d.padded + partial + MAX_PROBES * 8 + sizeof g->d.table +
           65536;
    if (need > free_b)
        return mp__fail(MP_ETOOBIG,
                        "needs %.3g GB of GPU memory, the device has %.3g "
                        "GB free",
                        (double)need / 1e9, (double)free_b / 1e9);
    CK(cudaMalloc((void **)&g->s4, g->d.padded ? g->d.padded : 4));
    CK(cudaMalloc((void **)&g->table, sizeof g->d.table));
    CK(cudaMemcpy(g->table, &g->d.table, sizeof g->d.table,
                  cudaMemcpyHostToDevice));
    CK(cudaMalloc((void **)&g->mus, MAX_PROBES * sizeof *g->mus));
    CK(cudaMalloc((void **)&g->partial, partial));
    g->host_partial = malloc(partial);
    if (!g->host_partial)
        return mp__fail(MP_ENOMEM, "out of memory");
    return 0;
}

int mp__ens_cuda_create(struct mp_ens_backend *b, const struct mp_ens_desc *d)
{
    struct gpu *g;
    int rc;
    if (mp__cuda_device_count() < 1)
        return mp__fail(MP_ENODEV, "no CUDA device found");
    if (d->bf.m) /* a Benna-Fusi chain: ens_bf_cuda.c */
        return mp__ens_bf_cuda_create(b, d);
    g = calloc(1, sizeof *g);
    if (!g)
        return mp__fail(MP_ENOMEM, "out of memory");
    g->d = *d;
    b->ctx = g;
    b->name = "cuda";
    b->destroy = gpu_destroy;
    rc = pick_device(b, g);
    if (!rc)
        rc = allocate(g);
    if (rc) {
        gpu_destroy(b);
        b->destroy = NULL;
        return rc;
    }
    b->init_state = gpu_init;
    b->advance = gpu_advance;
    b->measure = gpu_measure;
    b->count_states = gpu_count;
    b->get_state = gpu_get;
    b->set_state = gpu_set;
    return 0;
}
