/* SPDX-License-Identifier: MIT */
/*
 * network.cu: rate-network kernels.  Indexing only: every update is a
 * rules.h function the CPU engine runs too.  One warp per neuron; lane l
 * takes synapses l, l + 32, l + 64, ... in order and the warp combines the
 * 32 partial sums by shuffle-down, which is mp_dot's fixed order, so the
 * currents equal the CPU's bit for bit.
 */
#include "common.cuh"
#include "network.h"

#include "metaplast/rng.h"
#include "metaplast/rules.h"

/* mp_dot_combine across a warp: p[l] += p[l + s], s = 16, 8, 4, 2, 1. */
static __device__ __forceinline__ double warp_combine(double v)
{
    int s;
    for (s = 16; s > 0; s >>= 1)
        v += __shfl_down_sync(MP_FULL_MASK, v, s);
    return v; /* lane 0 holds the sum */
}

__global__ void net_rates(const double *h, float *y_new, float *z_next,
                          uint32_t n_in, uint32_t n_out, float bias,
                          int recurrent)
{
    uint32_t i;
    for (i = blockIdx.x * blockDim.x + threadIdx.x; i < n_out;
         i += gridDim.x * blockDim.x) {
        float y = mp_relu(h[i], bias);
        y_new[i] = y;
        if (recurrent)
            z_next[n_in + i] = y;
    }
}

__global__ void net_input(float *z_next, const float *pattern, float gain,
                          float a, uint64_t seed, uint64_t step,
                          uint32_t n_in)
{
    uint32_t j;
    for (j = blockIdx.x * blockDim.x + threadIdx.x; j < n_in;
         j += gridDim.x * blockDim.x) {
        float v = gain == 1.0f ? pattern[j] : pattern[j] * gain;
        if (a > 0.0f) {
            uint32_t u = mp_u32x4_get(
                mp_rng_block(seed, MP_RNG_NET_NOISE, step, j >> 2), j & 3u);
            v += a * (2.0f * ((float)(u >> 8) * (1.0f / 16777216.0f)) - 1.0f);
            if (v < 0.0f)
                v = 0.0f;
        }
        z_next[j] = v;
    }
}

/* The end of a row's step (lane 0): the next current, the threshold, the
 * rate sums — the same as host/net.c's step_once. */
static __device__ __forceinline__ void
finish_row(uint64_t i, unsigned lane, double acc, float y, float *theta,
           double *h, double *acc_scale, double *acc_rec,
           const struct mp_k_net_step *p)
{
    if (lane != 0)
        return;
    h[i] = acc;
    if (p->bcm)
        theta[i] = mp_theta_step(theta[i], y, p->c_theta, p->inv_y0);
    acc_scale[i] += y;
    acc_rec[i] += y;
}

__global__ void net_pass(float *w, const uint32_t *idx, const float *z,
                         const float *z_next, const float *y_new,
                         float *theta, double *h, double *acc_scale,
                         double *acc_rec, struct mp_k_net_step p)
{
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t i;
    for (i = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         i < p.n_out; i += warps) {
        float *row = w + i * p.L;
        const uint32_t *ix = p.sparse ? idx + i * p.L : 0;
        const float y = y_new[i];
        const float th = p.bcm ? mp_theta_eff(theta[i], p.m) : 0.0f;
        double acc = 0.0;
        uint32_t s;
        for (s = lane; s < p.L; s += 32) {
            const uint32_t j = p.sparse ? ix[s] : s;
            float v = row[s];
            if (p.plastic) {
                v = mp_bcm_step(v, p.kb, z[j], y, th, p.lo, p.hi);
                row[s] = v;
            }
            acc += (double)v * (double)z_next[j];
        }
        finish_row(i, lane, warp_combine(acc), y, theta, h, acc_scale,
                   acc_rec, &p);
    }
}

/* Discrete synapses: every lane its strided synapses, the same draws as
 * host/net.c's discrete_pass.  Heterosynaptic: lane 0 walks the row's
 * segments in the CPU's sequential order.  Then the warp sums the next
 * current in mp_dot's order, as the CPU's row_dot does after its update. */
__global__ void net_pass_special(float *w, const uint32_t *idx,
                                 uint8_t *state,
                                 const struct mp_syn_table *gt,
                                 const float *z, const float *z_next,
                                 const float *y_new, float *theta, double *h,
                                 double *acc_scale, double *acc_rec,
                                 struct mp_k_net_step p)
{
    __shared__ struct mp_syn_table t;
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t i;
    if (p.discrete)
        mp_load_shared(&t, gt);
    for (i = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         i < p.n_out; i += warps) {
        float *row = w + i * p.L;
        const uint32_t *ix = p.sparse ? idx + i * p.L : 0;
        const float y = y_new[i];
        const float th = p.bcm ? mp_theta_eff(theta[i], p.m) : 0.0f;
        double acc = 0.0;
        uint32_t s;
        if (p.plastic && p.discrete) {
            uint8_t *st = state + i * p.L;
            for (s = lane; s < p.L; s += 32) {
                int event;
                const uint32_t v = mp_gated_syn_step(
                    &t, st[s], p.kb, z[p.sparse ? ix[s] : s], p.x_on, y, th,
                    p.seed, p.step, (i << 32) | s, &event);
                if (event) {
                    st[s] = (uint8_t)v;
                    row[s] = mp_syn_wvalue(v, p.w_weak, p.w_strong);
                }
            }
        } else if (p.plastic && p.hetero && lane == 0) {
            uint32_t s0;
            for (s0 = 0; s0 < p.L; s0 += p.hetero)
                mp_hetero_segment(row, z, ix, s0,
                                  s0 + p.hetero < p.L ? s0 + p.hetero : p.L,
                                  p.kb, y, th, p.lo, p.hi);
        }
        __syncwarp();
        for (s = lane; s < p.L; s += 32)
            acc += (double)row[s] * (double)z_next[p.sparse ? ix[s] : s];
        finish_row(i, lane, warp_combine(acc), y, theta, h, acc_scale,
                   acc_rec, &p);
    }
}

__global__ void net_currents(const float *w, const uint32_t *idx,
                             const float *z, double *h, uint32_t n_out,
                             uint32_t L, int sparse)
{
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    uint64_t i;
    for (i = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         i < n_out; i += warps) {
        double acc = 0.0;
        uint32_t s;
        for (s = lane; s < L; s += 32)
            acc += (double)w[i * L + s] *
                   (double)z[sparse ? idx[i * L + s] : s];
        acc = warp_combine(acc);
        if (lane == 0)
            h[i] = acc;
    }
}

__global__ void net_scale(float *w, const float *factors, uint32_t n_out,
                          uint32_t L, float lo, float hi)
{
    uint64_t k, n = (uint64_t)n_out * L;
    for (k = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; k < n;
         k += (uint64_t)gridDim.x * blockDim.x)
        w[k] = mp_scale_w(w[k], factors[k / L], lo, hi);
}

#define NET_BLOCK 256

extern "C" int mp__k_net_rates(const double *h, float *y_new, float *z_next,
                               uint32_t n_in, uint32_t n_out, float bias,
                               int recurrent, int blocks)
{
    net_rates<<<blocks, NET_BLOCK>>>(h, y_new, z_next, n_in, n_out, bias,
                                     recurrent);
    return mp_launch_status();
}

extern "C" int mp__k_net_input(float *z_next, const float *pattern,
                               float gain, float a, uint64_t seed,
                               uint64_t step, uint32_t n_in, int blocks)
{
    net_input<<<blocks, NET_BLOCK>>>(z_next, pattern, gain, a, seed, step,
                                     n_in);
    return mp_launch_status();
}

extern "C" int mp__k_net_pass(float *w, const uint32_t *idx, const float *z,
                              const float *z_next, const float *y_new,
                              float *theta, double *h, double *acc_scale,
                              double *acc_rec, struct mp_k_net_step p,
                              int blocks)
{
    net_pass<<<blocks, NET_BLOCK>>>(w, idx, z, z_next, y_new, theta, h,
                                    acc_scale, acc_rec, p);
    return mp_launch_status();
}

extern "C" int mp__k_net_pass_special(
    float *w, const uint32_t *idx, uint8_t *state,
    const struct mp_syn_table *table, const float *z, const float *z_next,
    const float *y_new, float *theta, double *h, double *acc_scale,
    double *acc_rec, struct mp_k_net_step p, int blocks)
{
    net_pass_special<<<blocks, NET_BLOCK>>>(w, idx, state, table, z, z_next,
                                            y_new, theta, h, acc_scale,
                                            acc_rec, p);
    return mp_launch_status();
}

extern "C" int mp__k_net_currents(const float *w, const uint32_t *idx,
                                  const float *z, double *h, uint32_t n_out,
                                  uint32_t L, int sparse, int blocks)
{
    net_currents<<<blocks, NET_BLOCK>>>(w, idx, z, h, n_out, L, sparse);
    return mp_launch_status();
}

extern "C" int mp__k_net_scale(float *w, const float *factors,
                               uint32_t n_out, uint32_t L, float lo,
                               float hi, int blocks)
{
    net_scale<<<blocks, NET_BLOCK>>>(w, factors, n_out, L, lo, hi);
    return mp_launch_status();
}
