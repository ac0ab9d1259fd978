/* SPDX-License-Identifier: MIT */
/*
 * backend_cuda.c: host side of the CUDA synapse-ensemble backend.  Owns
 * the device arrays and maps every CUDA error to MP_ECUDA with the call
 * site and CUDA's text; after one, the simulation must be destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "metaplast/config.h"
#include "metaplast/detail/backend.h"
#include "metaplast/detail/par.h"
#include "metaplast/error.h"
#include "../kernels/ensemble.h"

struct gpu {
    struct mp_ens_desc d;
    uint32_t *s4;                /* device: padded state, 4 per word */
    struct mp_syn_table *table;  /* device: the compiled model */
    uint64_t *mus;               /* device: probed memories */
    unsigned long long *partial; /* device: per-block sums */
    unsigned long long *host_partial;
    int blocks;
    int failed;
};

/* At most this many memories are probed per measurement (config.h). */
#define MAX_PROBES MP_CFG_MAX_AGES

/* Records a failed CUDA call: where, what, CUDA's words. */
static int cuda_fail(struct mp_backend *b, int code, const char *what,
                     int line)
{
    struct gpu *g = b->ctx;
    if (g)
        g->failed = 1;
    snprintf(b->err, b->errlen, "CUDA error in %s (backend_cuda.c:%d): %s",
             what, line, cudaGetErrorString((cudaError_t)code));
    return MP_ECUDA;
}

#define CK(b, call)                                                          \
    do {                                                                     \
        int rc_ = (int)(call);                                               \
        if (rc_)                                                             \
            return cuda_fail((b), rc_, #call, __LINE__);                     \
    } while (0)

int mp__cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear: no driver or no device is not sticky */
        return 0;
    }
    return n;
}

double mp__cuda_copy_bandwidth(void)
{
    const size_t n = (size_t)1 << 30;
    void *a = NULL, *b = NULL;
    cudaEvent_t e0, e1;
    float ms, best = 1e30f;
    int rep;
    if (mp__cuda_device_count() < 1 || cudaMalloc(&a, n) || cudaMalloc(&b, n))
        goto fail;
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    for (rep = 0; rep < 5; rep++) {
        cudaEventRecord(e0, 0);
        cudaMemcpy(b, a, n, cudaMemcpyDeviceToDevice);
        cudaEventRecord(e1, 0);
        cudaEventSynchronize(e1);
        cudaEventElapsedTime(&ms, e0, e1);
        if (ms < best)
            best = ms;
    }
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    cudaFree(a);
    cudaFree(b);
    return cudaGetLastError() ? 0.0 : 2.0 * (double)n / (best * 1e-3);
fail:
    cudaFree(a);
    cudaFree(b);
    cudaGetLastError();
    return 0.0;
}

static int gpu_init(struct mp_backend *b, const uint64_t *cum)
{
    struct gpu *g = b->ctx;
    struct mp_k_cum c;
    memset(&c, 0, sizeof c);
    memcpy(c.cum, cum, 2 * g->d.depths * sizeof cum[0]);
    CK(b, mp__k_ens_init(g->s4, g->d.padded / 4, g->d.tile0 * 32, g->d.seed,
                         c, g->d.depths, g->blocks));
    CK(b, cudaDeviceSynchronize());
    return 0;
}

static int gpu_advance(struct mp_backend *b, uint64_t mu0, uint64_t count)
{
    struct gpu *g = b->ctx;
    CK(b, mp__k_ens_advance(g->s4, g->d.padded / MP_TILE, g->d.tile0,
                            g->d.seed, mu0, count, g->d.half, g->d.thr_f,
                            g->table, g->blocks));
    return 0;
}

static int gpu_measure(struct mp_backend *b, const uint64_t *mus, size_t n,
                       int64_t *sums)
{
    struct gpu *g = b->ctx;
    size_t k;
    int blk;
    if (n > MAX_PROBES) {
        snprintf(b->err, b->errlen, "too many ages (%zu > %d)", n,
                 MAX_PROBES);
        return MP_EINVAL;
    }
    CK(b, cudaMemcpy(g->mus, mus, n * sizeof *mus, cudaMemcpyHostToDevice));
    CK(b, mp__k_ens_measure(g->s4, g->d.padded / MP_TILE, g->d.tile0,
                            g->d.synapses, g->d.seed, g->mus, (uint32_t)n, g->d.half,
                            g->d.thr_f, g->partial, g->blocks));
    CK(b, cudaMemcpy(g->host_partial, g->partial,
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

static int gpu_get(struct mp_backend *b, uint8_t *out)
{
    struct gpu *g = b->ctx;
    CK(b, cudaMemcpy(out, g->s4, g->d.local, cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_set(struct mp_backend *b, const uint8_t *in)
{
    struct gpu *g = b->ctx;
    CK(b, cudaMemcpy(g->s4, in, g->d.local, cudaMemcpyHostToDevice));
    return 0;
}

static void gpu_destroy(struct mp_backend *b)
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

int mp__cuda_backend_create(struct mp_backend *b, const struct mp_ens_desc *d)
{
    struct gpu *g;
    struct cudaDeviceProp prop;
    size_t free_b = 0, total_b = 0, need;
    int dev = 0;

    if (mp__cuda_device_count() < 1)
        return MP_ENODEV;
    g = calloc(1, sizeof *g);
    if (!g)
        return MP_ENOMEM;
    g->d = *d;
    b->ctx = g;
    b->name = "cuda";
    b->destroy = gpu_destroy;
    /* One rank per GPU: the rank among those on this node picks the
     * device (round robin when there are more ranks than devices). */
    if (mp__par_size() > 1)
        CK(b, cudaSetDevice(mp__par_local_rank() % mp__cuda_device_count()));
    CK(b, cudaGetDevice(&dev));
    CK(b, cudaGetDeviceProperties(&prop, dev));
    snprintf(b->device, sizeof b->device, "CUDA device %d: %s", dev,
             prop.name);
    /* Enough warps to fill the device; the kernels stride over tiles. */
    g->blocks = prop.multiProcessorCount * 8;
    if ((uint64_t)g->blocks * (MP_K_BLOCK / 32) > d->padded / MP_TILE)
        g->blocks = (int)((d->padded / MP_TILE + 7) / 8);
    if (g->blocks < 1)
        g->blocks = 1;
    CK(b, cudaMemGetInfo(&free_b, &total_b));
    need = d->padded + (size_t)g->blocks * (MAX_PROBES + 1) * 8 + 65536;
    if (need > free_b) {
        snprintf(b->err, b->errlen,
                 "needs %.3g GB of GPU memory, the device has %.3g GB free",
                 (double)need / 1e9, (double)free_b / 1e9);
        gpu_destroy(b);
        return MP_ENOMEM;
    }
    CK(b, cudaMalloc((void **)&g->s4, d->padded ? d->padded : 4));
    CK(b, cudaMalloc((void **)&g->table, sizeof d->table));
    CK(b, cudaMemcpy(g->table, &d->table, sizeof d->table,
                     cudaMemcpyHostToDevice));
    CK(b, cudaMalloc((void **)&g->mus, MAX_PROBES * sizeof *g->mus));
    CK(b, cudaMalloc((void **)&g->partial,
                     (size_t)g->blocks * (MAX_PROBES + 1) * 8));
    g->host_partial = malloc((size_t)g->blocks * (MAX_PROBES + 1) * 8);
    if (!g->host_partial) {
        gpu_destroy(b);
        return MP_ENOMEM;
    }
    b->init_state = gpu_init;
    b->advance = gpu_advance;
    b->measure = gpu_measure;
    b->get_state = gpu_get;
    b->set_state = gpu_set;
    return 0;
}
