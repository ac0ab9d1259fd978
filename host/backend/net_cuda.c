/* SPDX-License-Identifier: MIT */
/* net_cuda.c: host side of the CUDA rate-network backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "../../kernels/network.h"
#include "../../kernels/occupancy.h"
#include "cuda_check.h"
#include "metaplast/error.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/util.h"

struct gpu {
    const struct mp_net_params *p;
    float *w, *theta, *y, *y_new, *patterns, *z, *z_next, *factors;
    float *prime, *gain, *bias; /* priming, intrinsic plasticity, or NULL */
    uint32_t *idx;
    uint8_t *syn;
    struct mp_syn_table *table;
    unsigned long long *hist, *host_hist; /* discrete: per-block counts */
    double *h, *acc_scale, *acc_rec;
    int blocks_rows;  /* warps cover the neurons */
    int blocks_elems; /* at most, threads covering vectors and weights */
    int threads;      /* per block */
};

#define CK(call) MP_CUDA_CHECK(call, "net_cuda.c")

/* Sizes in bytes, in size_t (a 32-bit product overflows from 2^29
 * neurons). */
static size_t weights_n(const struct mp_net_params *p)
{
    return (size_t)p->n_out * p->L;
}

static size_t per_neuron(const struct mp_net_params *p, size_t bytes)
{
    return (size_t)p->n_out * bytes;
}

static size_t per_cell(const struct mp_net_params *p, size_t bytes)
{
    return (size_t)p->n_pre * bytes;
}

/* Per-block counts of the state histogram (discrete synapses). */
#define HIST_BYTES ((size_t)MP_K_HIST_BLOCKS * MP_STATE_BYTES * 8)

/* The per-neuron floats beyond the threshold: the priming component,
 * the gain and the bias. */
static size_t extra_floats(const struct mp_net_params *p)
{
    return (p->rule.priming ? 1 : 0) + (p->rule.intrinsic ? 2 : 0);
}

/* Device memory the network takes (what gpu_alloc allocates). */
size_t mp__net_cuda_device_bytes(const struct mp_net_params *p)
{
    return weights_n(p) * (4 + (p->sparse ? 4 : 0) + (p->rule.discrete ? 1 : 0)) +
           (p->rule.discrete ? sizeof(struct mp_syn_table) + HIST_BYTES : 0) +
           per_neuron(p, 4 * 4 + 8 * 3 + 4 * extra_floats(p)) +
           per_cell(p, 4 * 2) +
           (size_t)p->K * p->n_in * 4;
}

static int gpu_upload(struct mp_net_backend *b, const struct mp_net_state *s)
{
    struct gpu *g = b->ctx;
    const struct mp_net_params *p = g->p;
    const enum cudaMemcpyKind to = cudaMemcpyHostToDevice;
    CK(cudaMemcpy(g->w, s->w, weights_n(p) * 4, to));
    if (p->sparse)
        CK(cudaMemcpy(g->idx, s->idx, weights_n(p) * 4, to));
    if (p->rule.discrete) {
        CK(cudaMemcpy(g->syn, s->syn, weights_n(p), to));
        CK(cudaMemcpy(g->table, &p->table, sizeof *g->table, to));
    }
    CK(cudaMemcpy(g->theta, s->theta, per_neuron(p, 4), to));
    if (p->rule.priming)
        CK(cudaMemcpy(g->prime, s->prime, per_neuron(p, 4), to));
    if (p->rule.intrinsic) {
        CK(cudaMemcpy(g->gain, s->gain, per_neuron(p, 4), to));
        CK(cudaMemcpy(g->bias, s->bias, per_neuron(p, 4), to));
    }
    CK(cudaMemcpy(g->y, s->y, per_neuron(p, 4), to));
    CK(cudaMemcpy(g->h, s->h, per_neuron(p, 8), to));
    CK(cudaMemcpy(g->acc_scale, s->acc_scale, per_neuron(p, 8), to));
    CK(cudaMemcpy(g->acc_rec, s->acc_rec, per_neuron(p, 8), to));
    CK(cudaMemcpy(g->patterns, s->patterns, (size_t)p->K * p->n_in * 4, to));
    CK(cudaMemcpy(g->z, s->z, per_cell(p, 4), to));
    return 0;
}

static int gpu_download(struct mp_net_backend *b, struct mp_net_state *s,
                        int weights)
{
    struct gpu *g = b->ctx;
    const struct mp_net_params *p = g->p;
    const enum cudaMemcpyKind to = cudaMemcpyDeviceToHost;
    /* A fault inside a kernel of the last steps is reported here, naming
     * them, not at the copy (one synchronise per advance slice). */
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(),
                     "kernels net_rates, net_input, net_pass, net_scale "
                     "(the last steps)",
                     "net_cuda.c");
    if (weights)
        CK(cudaMemcpy(s->w, g->w, weights_n(p) * 4, to));
    if (weights && p->rule.discrete)
        CK(cudaMemcpy(s->syn, g->syn, weights_n(p), to));
    CK(cudaMemcpy(s->theta, g->theta, per_neuron(p, 4), to));
    if (p->rule.priming)
        CK(cudaMemcpy(s->prime, g->prime, per_neuron(p, 4), to));
    if (p->rule.intrinsic) {
        CK(cudaMemcpy(s->gain, g->gain, per_neuron(p, 4), to));
        CK(cudaMemcpy(s->bias, g->bias, per_neuron(p, 4), to));
    }
    CK(cudaMemcpy(s->y, g->y, per_neuron(p, 4), to));
    CK(cudaMemcpy(s->h, g->h, per_neuron(p, 8), to));
    CK(cudaMemcpy(s->acc_scale, g->acc_scale, per_neuron(p, 8), to));
    CK(cudaMemcpy(s->acc_rec, g->acc_rec, per_neuron(p, 8), to));
    return 0;
}

/* Blocks for a kernel over n elements: enough threads to cover them, at
 * most enough to fill the device (the kernels stride). */
static int blocks_for(const struct gpu *g, uint64_t n)
{
    const uint64_t need = (n + (uint64_t)g->threads - 1) / g->threads;
    return need < (uint64_t)g->blocks_elems ? (need ? (int)need : 1)
                                             : g->blocks_elems;
}

/* The arrays of a pass and what it does. */
static void pass_args(const struct gpu *g, struct mp_k_net *a,
                      struct mp_k_net_pass *k)
{
    const struct mp_net_params *p = g->p;
    memset(a, 0, sizeof *a);
    memset(k, 0, sizeof *k);
    a->w = g->w;
    a->idx = g->idx;
    a->syn = g->syn;
    a->table = g->table;
    a->theta = g->theta;
    a->prime = g->prime;
    a->gain = g->gain;
    a->bias = g->bias;
    a->h = g->h;
    a->acc_scale = g->acc_scale;
    a->acc_rec = g->acc_rec;
    a->z = g->z;
    a->z_next = g->z_next;
    a->y_new = g->y_new;
    k->n_out = p->n_out;
    k->L = p->L;
    k->sparse = p->sparse;
    k->rule = p->rule;
}

static int gpu_currents(struct mp_net_backend *b)
{
    struct gpu *g = b->ctx;
    struct mp_k_net a;
    struct mp_k_net_pass k;
    pass_args(g, &a, &k);
    a.z_next = g->z; /* h = w . z */
    k.currents = 1;
    CK(mp__k_net_pass(a, k, g->blocks_rows, g->threads));
    return 0;
}

static int gpu_step(struct mp_net_backend *b, const struct mp_net_step *st)
{
    struct gpu *g = b->ctx;
    const struct mp_net_params *p = g->p;
    struct mp_k_net a;
    struct mp_k_net_pass k;
    CK(mp__k_net_rates(g->h, g->gain, g->bias, g->y_new, g->z_next,
                       p->n_in, p->n_out, p->bias, p->recurrent,
                       blocks_for(g, p->n_out), g->threads));
    CK(mp__k_net_input(g->z_next,
                       g->patterns + (size_t)st->next_pattern * p->n_in,
                       st->next_gain, p->noise_a, p->seed, st->step + 1,
                       p->n_in, blocks_for(g, p->n_in), g->threads));
    pass_args(g, &a, &k);
    k.plastic = st->plastic;
    k.kb = st->kb;
    k.m = st->m;
    k.step = st->step;
    CK(mp__k_net_pass(a, k, g->blocks_rows, g->threads));
    mp__net_swap(&g->y, &g->y_new, &g->z, &g->z_next);
    return 0;
}

static int gpu_scale_sums(struct mp_net_backend *b, double *out)
{
    struct gpu *g = b->ctx;
    CK(cudaMemcpy(out, g->acc_scale, per_neuron(g->p, 8),
                  cudaMemcpyDeviceToHost));
    return 0;
}

static int gpu_scale(struct mp_net_backend *b, const float *factors)
{
    struct gpu *g = b->ctx;
    const struct mp_net_params *p = g->p;
    CK(cudaMemcpy(g->factors, factors, per_neuron(p, 4),
                  cudaMemcpyHostToDevice));
    CK(mp__k_net_scale(g->w, g->factors, p->n_out, p->L, p->rule.lo,
                       p->rule.hi, blocks_for(g, weights_n(p)), g->threads));
    CK(cudaMemset(g->acc_scale, 0, per_neuron(p, 8)));
    return gpu_currents(b);
}

static int gpu_count(struct mp_net_backend *b, int64_t *hist)
{
    struct gpu *g = b->ctx;
    const int blocks = g->blocks_elems < MP_K_HIST_BLOCKS ? g->blocks_elems
                                                          : MP_K_HIST_BLOCKS;
    if (!g->p->rule.discrete)
        return mp__fail(MP_EINVAL, "continuous synapses have no states");
    return mp__state_hist_cuda(g->syn, weights_n(g->p), g->hist, g->host_hist,
                               blocks, g->threads, hist);
}

static int gpu_reset_rec(struct mp_net_backend *b)
{
    struct gpu *g = b->ctx;
    CK(cudaMemset(g->acc_rec, 0, per_neuron(g->p, 8)));
    return 0;
}

static void gpu_destroy(struct mp_net_backend *b)
{
    struct gpu *g = b->ctx;
    if (!g)
        return;
    cudaFree(g->w);
    cudaFree(g->idx);
    cudaFree(g->syn);
    cudaFree(g->table);
    cudaFree(g->hist);
    free(g->host_hist);
    cudaFree(g->theta);
    cudaFree(g->prime);
    cudaFree(g->gain);
    cudaFree(g->bias);
    cudaFree(g->y);
    cudaFree(g->y_new);
    cudaFree(g->patterns);
    cudaFree(g->z);
    cudaFree(g->z_next);
    cudaFree(g->factors);
    cudaFree(g->h);
    cudaFree(g->acc_scale);
    cudaFree(g->acc_rec);
    free(g);
    b->ctx = NULL;
}

/* The device, the grid, and the arrays once they are known to fit. */
static int gpu_alloc(struct mp_net_backend *b, struct gpu *g)
{
    const struct mp_net_params *p = g->p;
    struct cudaDeviceProp prop;
    size_t free_b = 0, total_b = 0;
    int dev = 0;
    CK(cudaGetDevice(&dev));
    CK(cudaGetDeviceProperties(&prop, dev));
    CK(cudaMemGetInfo(&free_b, &total_b));
    snprintf(b->device, sizeof b->device, "CUDA device %d: %s", dev,
             prop.name);
    if (mp__net_cuda_device_bytes(p) > free_b)
        return mp__fail(MP_ETOOBIG,
                        "needs %.3g GB of GPU memory, the device has %.3g "
                        "GB free",
                        (double)mp__net_cuda_device_bytes(p) / 1e9,
                        (double)free_b / 1e9);
    g->threads = MP_K_NET_BLOCK;
    g->blocks_rows = (int)(((uint64_t)p->n_out + 7) / 8);
    if (g->blocks_rows > prop.multiProcessorCount * 32)
        g->blocks_rows = prop.multiProcessorCount * 32;
    g->blocks_elems = prop.multiProcessorCount * 8;
    if (mp__cuda_geometry(&g->blocks_rows, &g->threads)) /* tests */
        g->blocks_elems = g->blocks_rows;
    CK(cudaMalloc((void **)&g->w, weights_n(p) * 4));
    if (p->sparse)
        CK(cudaMalloc((void **)&g->idx, weights_n(p) * 4));
    if (p->rule.discrete) {
        CK(cudaMalloc((void **)&g->syn, weights_n(p)));
        CK(cudaMalloc((void **)&g->table, sizeof *g->table));
        CK(cudaMalloc((void **)&g->hist, HIST_BYTES));
        g->host_hist = malloc(HIST_BYTES);
        if (!g->host_hist)
            return mp__fail(MP_ENOMEM, "out of memory");
    }
    CK(cudaMalloc((void **)&g->theta, per_neuron(p, 4)));
    if (p->rule.priming)
        CK(cudaMalloc((void **)&g->prime, per_neuron(p, 4)));
    if (p->rule.intrinsic) {
        CK(cudaMalloc((void **)&g->gain, per_neuron(p, 4)));
        CK(cudaMalloc((void **)&g->bias, per_neuron(p, 4)));
    }
    CK(cudaMalloc((void **)&g->y, per_neuron(p, 4)));
    CK(cudaMalloc((void **)&g->y_new, per_neuron(p, 4)));
    CK(cudaMalloc((void **)&g->factors, per_neuron(p, 4)));
    CK(cudaMalloc((void **)&g->h, per_neuron(p, 8)));
    CK(cudaMalloc((void **)&g->acc_scale, per_neuron(p, 8)));
    CK(cudaMalloc((void **)&g->acc_rec, per_neuron(p, 8)));
    CK(cudaMalloc((void **)&g->patterns, (size_t)p->K * p->n_in * 4));
    CK(cudaMalloc((void **)&g->z, per_cell(p, 4)));
    CK(cudaMalloc((void **)&g->z_next, per_cell(p, 4)));
    return 0;
}

int mp__net_cuda_create(struct mp_net_backend *b,
                        const struct mp_net_params *p,
                        const struct mp_net_state *s)
{
    struct gpu *g;
    int rc;
    if (mp__cuda_device_count() < 1)
        return mp__fail(MP_ENODEV, "no CUDA device found");
    g = calloc(1, sizeof *g);
    if (!g)
        return mp__fail(MP_ENOMEM, "out of memory");
    g->p = p;
    b->ctx = g;
    b->name = "cuda";
    rc = gpu_alloc(b, g);
    if (!rc)
        rc = gpu_upload(b, s);
    if (rc) {
        gpu_destroy(b);
        return rc;
    }
    b->upload = gpu_upload;
    b->download = gpu_download;
    b->currents = gpu_currents;
    b->step = gpu_step;
    b->scale_sums = gpu_scale_sums;
    b->scale = gpu_scale;
    b->count_states = gpu_count;
    b->reset_rec = gpu_reset_rec;
    b->destroy = gpu_destroy;
    return 0;
}
