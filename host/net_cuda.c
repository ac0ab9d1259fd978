/* SPDX-License-Identifier: MIT */
/* net_cuda.c: host side of the rate-network engine's CUDA backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "metaplast/detail/backend.h"
#include "metaplast/detail/net_dev.h"
#include "metaplast/error.h"
#include "../kernels/network.h"

struct mp_net_dev {
    uint32_t n_in, n_out, n_pre, L, K;
    int sparse, recurrent;
    float *w, *theta, *y, *y_new, *patterns, *z, *z_next, *factors;
    uint32_t *idx;
    uint8_t *state;
    struct mp_syn_table *table;
    double *h, *acc_scale, *acc_rec;
    int blocks_rows;  /* warps cover the neurons */
    int blocks_elems; /* threads cover vectors and weights */
    char err[512];
};

#define CK(d, call)                                                          \
    do {                                                                     \
        int rc_ = (int)(call);                                               \
        if (rc_) {                                                           \
            snprintf((d)->err, sizeof (d)->err,                              \
                     "CUDA error in %s (net_cuda.c:%d): %s", #call, __LINE__, \
                     cudaGetErrorString((cudaError_t)rc_));                  \
            return MP_ECUDA;                                                 \
        }                                                                    \
    } while (0)

const char *mp__net_dev_error(const struct mp_net_dev *d)
{
    return d->err;
}

void mp__net_dev_destroy(struct mp_net_dev *d)
{
    if (!d)
        return;
    cudaFree(d->w);
    cudaFree(d->idx);
    cudaFree(d->state);
    cudaFree(d->table);
    cudaFree(d->theta);
    cudaFree(d->y);
    cudaFree(d->y_new);
    cudaFree(d->patterns);
    cudaFree(d->z);
    cudaFree(d->z_next);
    cudaFree(d->factors);
    cudaFree(d->h);
    cudaFree(d->acc_scale);
    cudaFree(d->acc_rec);
    free(d);
}

static size_t nw(const struct mp_net_dev *d)
{
    return (size_t)d->n_out * d->L;
}

int mp__net_dev_upload(struct mp_net_dev *d, const struct mp_net_host *h)
{
    CK(d, cudaMemcpy(d->w, h->w, nw(d) * 4, cudaMemcpyHostToDevice));
    if (d->sparse)
        CK(d, cudaMemcpy(d->idx, h->idx, nw(d) * 4, cudaMemcpyHostToDevice));
    if (d->state) {
        CK(d, cudaMemcpy(d->state, h->state, nw(d), cudaMemcpyHostToDevice));
        CK(d, cudaMemcpy(d->table, h->table, sizeof *d->table,
                         cudaMemcpyHostToDevice));
    }
    CK(d, cudaMemcpy(d->theta, h->theta, d->n_out * 4,
                     cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->y, h->y, d->n_out * 4, cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->h, h->h, d->n_out * 8, cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->acc_scale, h->acc_scale, d->n_out * 8,
                     cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->acc_rec, h->acc_rec, d->n_out * 8,
                     cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->patterns, h->patterns, (size_t)d->K * d->n_in * 4,
                     cudaMemcpyHostToDevice));
    CK(d, cudaMemcpy(d->z, h->z, d->n_pre * 4, cudaMemcpyHostToDevice));
    return 0;
}

int mp__net_dev_download(struct mp_net_dev *d, const struct mp_net_host *h,
                         int weights)
{
    if (weights)
        CK(d, cudaMemcpy(h->w, d->w, nw(d) * 4, cudaMemcpyDeviceToHost));
    if (weights && d->state)
        CK(d, cudaMemcpy(h->state, d->state, nw(d), cudaMemcpyDeviceToHost));
    CK(d, cudaMemcpy(h->theta, d->theta, d->n_out * 4,
                     cudaMemcpyDeviceToHost));
    CK(d, cudaMemcpy(h->y, d->y, d->n_out * 4, cudaMemcpyDeviceToHost));
    CK(d, cudaMemcpy(h->h, d->h, d->n_out * 8, cudaMemcpyDeviceToHost));
    CK(d, cudaMemcpy(h->acc_scale, d->acc_scale, d->n_out * 8,
                     cudaMemcpyDeviceToHost));
    CK(d, cudaMemcpy(h->acc_rec, d->acc_rec, d->n_out * 8,
                     cudaMemcpyDeviceToHost));
    return 0;
}

int mp__net_dev_create(struct mp_net_dev **out, const struct mp_net_host *h,
                       char *device, size_t devlen, char *err, size_t errlen)
{
    struct mp_net_dev *d;
    struct cudaDeviceProp prop;
    size_t free_b = 0, total_b = 0, need;
    int dev = 0, rc;

    *out = NULL;
    if (mp__cuda_device_count() < 1)
        return MP_ENODEV;
    d = calloc(1, sizeof *d);
    if (!d)
        return MP_ENOMEM;
    d->n_in = h->n_in;
    d->n_out = h->n_out;
    d->n_pre = h->n_pre;
    d->L = h->L;
    d->K = h->K;
    d->sparse = h->sparse;
    d->recurrent = h->recurrent;
    if (cudaGetDevice(&dev) || cudaGetDeviceProperties(&prop, dev) ||
        cudaMemGetInfo(&free_b, &total_b)) {
        snprintf(err, errlen, "CUDA: cannot query the device");
        free(d);
        return MP_ECUDA;
    }
    snprintf(device, devlen, "CUDA device %d: %s", dev, prop.name);
    need = nw(d) * (d->sparse ? 8 : 4) + (size_t)d->n_out * 48 +
           (size_t)d->n_pre * 8 + (size_t)d->K * d->n_in * 4;
    if (need > free_b) {
        snprintf(err, errlen,
                 "needs %.3g GB of GPU memory, the device has %.3g GB free",
                 (double)need / 1e9, (double)free_b / 1e9);
        free(d);
        return MP_ENOMEM;
    }
    d->blocks_rows = (int)((d->n_out + 7) / 8);
    if (d->blocks_rows > prop.multiProcessorCount * 32)
        d->blocks_rows = prop.multiProcessorCount * 32;
    d->blocks_elems = prop.multiProcessorCount * 8;
    rc = 0;
    if (cudaMalloc((void **)&d->w, nw(d) * 4) ||
        (d->sparse && cudaMalloc((void **)&d->idx, nw(d) * 4)) ||
        cudaMalloc((void **)&d->theta, d->n_out * 4) ||
        cudaMalloc((void **)&d->y, d->n_out * 4) ||
        cudaMalloc((void **)&d->y_new, d->n_out * 4) ||
        cudaMalloc((void **)&d->factors, d->n_out * 4) ||
        cudaMalloc((void **)&d->h, d->n_out * 8) ||
        cudaMalloc((void **)&d->acc_scale, d->n_out * 8) ||
        cudaMalloc((void **)&d->acc_rec, d->n_out * 8) ||
        cudaMalloc((void **)&d->patterns, (size_t)d->K * d->n_in * 4) ||
        cudaMalloc((void **)&d->z, d->n_pre * 4) ||
        cudaMalloc((void **)&d->z_next, d->n_pre * 4) ||
        (h->state && (cudaMalloc((void **)&d->state, nw(d)) ||
                      cudaMalloc((void **)&d->table, sizeof *d->table))))
        rc = MP_ENOMEM;
    if (!rc)
        rc = mp__net_dev_upload(d, h);
    if (rc) {
        snprintf(err, errlen, "%s",
                 rc == MP_ENOMEM ? "CUDA: out of device memory" : d->err);
        mp__net_dev_destroy(d);
        return rc;
    }
    *out = d;
    return 0;
}

int mp__net_dev_step(struct mp_net_dev *d, uint32_t pattern, float gain,
                     float noise_a, uint64_t seed, uint64_t next_step,
                     float bias, const struct mp_k_net_step *p)
{
    float *t;
    CK(d, mp__k_net_rates(d->h, d->y_new, d->z_next, d->n_in, d->n_out, bias,
                          d->recurrent, d->blocks_elems));
    CK(d, mp__k_net_input(d->z_next, d->patterns + (size_t)pattern * d->n_in,
                          gain, noise_a, seed, next_step, d->n_in,
                          d->blocks_elems));
    if (p->discrete || p->hetero)
        CK(d, mp__k_net_pass_special(d->w, d->idx, d->state, d->table, d->z,
                                     d->z_next, d->y_new, d->theta, d->h,
                                     d->acc_scale, d->acc_rec, *p,
                                     d->blocks_rows));
    else
        CK(d, mp__k_net_pass(d->w, d->idx, d->z, d->z_next, d->y_new,
                             d->theta, d->h, d->acc_scale, d->acc_rec, *p,
                             d->blocks_rows));
    t = d->y;
    d->y = d->y_new;
    d->y_new = t;
    t = d->z;
    d->z = d->z_next;
    d->z_next = t;
    return 0;
}

int mp__net_dev_scale_sums(struct mp_net_dev *d, double *out)
{
    CK(d, cudaMemcpy(out, d->acc_scale, d->n_out * 8,
                     cudaMemcpyDeviceToHost));
    return 0;
}

int mp__net_dev_scale(struct mp_net_dev *d, const float *factors, float lo,
                      float hi)
{
    CK(d, cudaMemcpy(d->factors, factors, d->n_out * 4,
                     cudaMemcpyHostToDevice));
    CK(d, mp__k_net_scale(d->w, d->factors, d->n_out, d->L, lo, hi,
                          d->blocks_elems));
    CK(d, cudaMemset(d->acc_scale, 0, d->n_out * 8));
    CK(d, mp__k_net_currents(d->w, d->idx, d->z, d->h, d->n_out, d->L,
                             d->sparse, d->blocks_rows));
    return 0;
}

int mp__net_dev_reset_rec(struct mp_net_dev *d)
{
    CK(d, cudaMemset(d->acc_rec, 0, d->n_out * 8));
    return 0;
}
