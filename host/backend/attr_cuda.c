/* SPDX-License-Identifier: MIT */
/*
 * attr_cuda.c: host side of the CUDA attractor-network backend.  Owns the
 * device arrays (the rows' state bytes, strength bits, the rules, a
 * pattern and the probes' states) and maps every CUDA error to MP_ECUDA
 * with the call site and CUDA's text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "../../kernels/attractor.h"
#include "cuda_check.h"
#include "metaplast/error.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

/* Probes counted at once at most (the scheduler's batch). */
#define MAX_PROBES 64

struct gpu {
    struct mp_attr_desc d;
    uint8_t *s;                 /* device: rows x PK state bytes */
    uint64_t *bits;             /* device: rows x PK / 64 strength bits */
    uint32_t *pre;              /* device: rows x K stored connectivity,
                                   or NULL (the generator) */
    int32_t *act;               /* device: rows x MAX_PROBES active
                                   presynaptic neurons (fan-in) */
    struct mp_attr_rules *rules;/* device: the rules */
    uint64_t *xi;               /* device: a pattern (P / 64 words) */
    uint64_t *states;           /* device: MAX_PROBES x P / 64 */
    int32_t *counts, *strong;   /* device: rows x MAX_PROBES, rows */
    int blocks, threads;
    int forced;                 /* the tests' geometry: used as it is */
};

#define CK(call) MP_CUDA_CHECK(call, "attr_cuda.c")

/* Words of a state (neurons) and of a row's strength bits (synapses). */
static uint64_t words(const struct gpu *g)
{
    return g->d.rule.pitch / 64u;
}

static uint64_t kwords(const struct gpu *g)
{
    return g->d.rule.kpitch / 64u;
}

/* Blocks for a launch over `items` threads' worth of work: at most the
 * device's fill, no more than the work needs (the kernels are
 * grid-stride loops, so any count gives the same bits; a small network
 * then launches a few blocks, not thousands of idle ones). */
static int grid(const struct gpu *g, uint64_t items)
{
    const uint64_t need = (items + (uint64_t)g->threads - 1u) /
                          (uint64_t)g->threads;
    if (g->forced || need >= (uint64_t)g->blocks)
        return g->blocks;
    return need ? (int)need : 1;
}

static int gpu_init(struct mp_attr_backend *b, const uint64_t *cum)
{
    struct gpu *g = b->ctx;
    struct mp_k_attr_cum c;
    memset(&c, 0, sizeof c);
    memcpy(c.cum, cum, 2 * g->d.depths * sizeof cum[0]);
    CK(mp__k_attr_init(g->s, g->d.row0, g->d.rows, g->rules,
                       mp_attr_width(&g->d.rule), g->d.rule.kpitch, c,
                       g->d.depths,
                       grid(g, (uint64_t)g->d.rows * g->d.rule.kpitch),
                       g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel attr_init",
                     "attr_cuda.c");
    return 0;
}

static int gpu_store(struct mp_attr_backend *b, const struct mp_attr_item *it,
                     size_t n)
{
    struct gpu *g = b->ctx;
    size_t k;
    for (k = 0; k < n; k++) {
        if (it[k].gate == 0)
            continue; /* level 0: no plasticity */
        CK(mp__k_attr_pattern(g->xi, g->rules, words(g), it[k].mu,
                              grid(g, words(g)), g->threads));
        CK(mp__k_attr_store((uint32_t *)g->s, g->d.row0, g->d.rows, g->rules,
                            g->pre, mp_attr_width(&g->d.rule),
                            g->d.rule.kpitch, g->xi, it[k].p, it[k].gate,
                            grid(g, ((uint64_t)g->d.rows / 4u + 2u) *
                                        (g->d.rule.kpitch / 4u)),
                            g->threads));
    }
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel attr_store",
                     "attr_cuda.c");
    return 0;
}

static int gpu_pack(struct mp_attr_backend *b, int32_t *strong)
{
    struct gpu *g = b->ctx;
    CK(mp__k_attr_pack(g->s, g->bits, g->strong, g->rules, g->d.row0,
                       g->d.rows, mp_attr_width(&g->d.rule), g->d.rule.kpitch,
                       grid(g, (uint64_t)g->d.rows * kwords(g)), g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel attr_pack",
                     "attr_cuda.c");
    CK(cudaMemcpy(strong, g->strong, g->d.rows * sizeof *strong,
                  cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_fields(struct mp_attr_backend *b, const uint64_t *states,
                      size_t nb, int32_t *out, int32_t *act)
{
    struct gpu *g = b->ctx;
    if (nb > MAX_PROBES)
        return mp__fail(MP_EINVAL, "%zu probes at once (at most %d)", nb,
                        MAX_PROBES);
    CK(cudaMemcpy(g->states, states, nb * words(g) * sizeof *states,
                  cudaMemcpyHostToDevice));
    if (g->d.rule.fan_in)
        CK(mp__k_attr_counts_fan(g->bits, g->states, g->rules, g->pre,
                                 g->d.row0, g->d.rows, kwords(g), words(g),
                                 (uint32_t)nb, g->counts, g->act,
                                 grid(g, (uint64_t)g->d.rows * nb),
                                 g->threads));
    else
        CK(mp__k_attr_counts(g->bits, g->states, g->d.rows, words(g),
                             (uint32_t)nb, g->counts,
                             grid(g, (uint64_t)g->d.rows * nb), g->threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel attr_counts",
                     "attr_cuda.c");
    CK(cudaMemcpy(out, g->counts, (size_t)g->d.rows * nb * sizeof *out,
                  cudaMemcpyDeviceToHost));
    if (g->d.rule.fan_in)
        CK(cudaMemcpy(act, g->act, (size_t)g->d.rows * nb * sizeof *act,
                      cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_bits(struct mp_attr_backend *b, uint64_t *out)
{
    struct gpu *g = b->ctx;
    CK(cudaMemcpy(out, g->bits, (size_t)g->d.rows * kwords(g) * sizeof *out,
                  cudaMemcpyDeviceToHost));
    return 0;
}

/* The rows through a host copy of their padded bytes (no strided copy:
 * the execution harness has plain copies only). */
static int gpu_get(struct mp_attr_backend *b, uint8_t *out)
{
    struct gpu *g = b->ctx;
    const size_t N = mp_attr_width(&g->d.rule), P = g->d.rule.kpitch;
    uint8_t *tmp = malloc((size_t)g->d.rows * P + 1);
    size_t r;
    int rc;
    if (!tmp)
        return mp__fail(MP_ENOMEM, "out of memory");
    rc = (int)cudaMemcpy(tmp, g->s, (size_t)g->d.rows * P,
                         cudaMemcpyDeviceToHost);
    for (r = 0; r < g->d.rows && !rc; r++)
        memcpy(out + r * N, tmp + r * P, N);
    free(tmp);
    CK(rc);
    return 0;
}

static int gpu_set(struct mp_attr_backend *b, const uint8_t *in)
{
    struct gpu *g = b->ctx;
    const size_t N = mp_attr_width(&g->d.rule), P = g->d.rule.kpitch;
    uint8_t *tmp = calloc((size_t)g->d.rows * P + 1, 1);
    size_t r;
    int rc;
    if (!tmp)
        return mp__fail(MP_ENOMEM, "out of memory");
    for (r = 0; r < g->d.rows; r++)
        memcpy(tmp + r * P, in + r * N, N);
    rc = (int)cudaMemcpy(g->s, tmp, (size_t)g->d.rows * P,
                         cudaMemcpyHostToDevice);
    free(tmp);
    CK(rc);
    return 0;
}

static void gpu_destroy(struct mp_attr_backend *b)
{
    struct gpu *g = b->ctx;
    if (!g)
        return;
    cudaFree(g->s);
    cudaFree(g->bits);
    cudaFree(g->rules);
    cudaFree(g->xi);
    cudaFree(g->states);
    cudaFree(g->counts);
    cudaFree(g->strong);
    cudaFree(g->pre);
    cudaFree(g->act);
    free(g);
    b->ctx = NULL;
}

static int pick_device(struct mp_attr_backend *b, struct gpu *g)
{
    int sms = 0;
    int rc = mp__cuda_pick(b->device, sizeof b->device, &sms, "attr_cuda.c");
    if (rc)
        return rc;
    g->threads = 256;
    g->blocks = sms * 8;
    mp__cuda_geometry(&g->blocks, &g->threads); /* tests */
    g->forced = g->threads != 256 || g->blocks != sms * 8;
    return 0;
}

/* Fan-in: the active counts, and the stored connectivity of the rows. */
static int allocate_fan(struct gpu *g, size_t rows)
{
    const size_t K = g->d.rule.fan_in;
    if (!K)
        return 0;
    CK(cudaMalloc((void **)&g->act, rows * MAX_PROBES * 4));
    if (!g->d.pre)
        return 0;
    CK(cudaMalloc((void **)&g->pre, rows * K * 4));
    CK(cudaMemcpy(g->pre, g->d.pre, (size_t)g->d.rows * K * 4,
                  cudaMemcpyHostToDevice));
    return 0;
}

static int allocate(struct gpu *g)
{
    const size_t rows = g->d.rows ? g->d.rows : 1, P = g->d.rule.kpitch,
                 W = g->d.rule.pitch / 64, KW = P / 64,
                 K = g->d.rule.fan_in;
    size_t free_b = 0, total_b = 0, need;
    CK(cudaMemGetInfo(&free_b, &total_b));
    need = rows * P + rows * KW * 8 + (MAX_PROBES + 1) * W * 8 +
           rows * (MAX_PROBES + 1) * 4 + sizeof g->d.rule + 65536 +
           (K ? rows * MAX_PROBES * 4 : 0) + (g->d.pre ? rows * K * 4 : 0);
    if (need > free_b)
        return mp__fail(MP_ETOOBIG,
                        "needs %.3g GB of GPU memory, the device has %.3g "
                        "GB free",
                        (double)need / 1e9, (double)free_b / 1e9);
    CK(cudaMalloc((void **)&g->s, rows * P));
    CK(cudaMalloc((void **)&g->bits, rows * KW * 8));
    CK(cudaMalloc((void **)&g->rules, sizeof g->d.rule));
    CK(cudaMemcpy(g->rules, &g->d.rule, sizeof g->d.rule,
                  cudaMemcpyHostToDevice));
    CK(cudaMalloc((void **)&g->xi, W * 8));
    CK(cudaMalloc((void **)&g->states, MAX_PROBES * W * 8));
    CK(cudaMalloc((void **)&g->counts, rows * MAX_PROBES * 4));
    CK(cudaMalloc((void **)&g->strong, rows * 4));
    return allocate_fan(g, rows);
}

int mp__attr_cuda_create(struct mp_attr_backend *b,
                         const struct mp_attr_desc *d)
{
    struct gpu *g;
    int rc;
    memset(b, 0, sizeof *b);
    if (mp__cuda_device_count() < 1)
        return mp__fail(MP_ENODEV, "no CUDA device found");
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
    b->store = gpu_store;
    b->pack = gpu_pack;
    b->fields = gpu_fields;
    b->bits = gpu_bits;
    b->get_state = gpu_get;
    b->set_state = gpu_set;
    return 0;
}
