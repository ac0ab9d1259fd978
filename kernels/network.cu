/* SPDX-License-Identifier: MIT */
/*
 * network.cu: rate-network kernels.  Indexing, memory movement and a warp
 * reduction: every update is a net_rules.h function the CPU backend runs
 * too.  One warp per neuron; lane l takes synapses l, l + 32, l + 64, ...
 * in order and the warp combines the 32 partial sums by shuffle-down,
 * which is mp_row_pass's order, so the currents equal the CPU's bit for
 * bit.
 */
#include "common.cuh"
#include "network.h"

#include "metaplast/private/net_rules.h"

/* mp_dot_combine across a warp: p[l] += p[l + s], s = 16, 8, 4, 2, 1;
 * lane 0 holds the sum. */
static __device__ __forceinline__ double warp_combine(double v)
{
    int s;
    for (s = 16; s > 0; s >>= 1)
        v += __shfl_down_sync(MP_FULL_MASK, v, s);
    return v;
}

__global__ void net_rates(const double *h, const float *gain,
                          const float *bias_i, float *y_new, float *z_next,
                          uint32_t n_in, uint32_t n_out, float bias,
                          int recurrent)
{
    uint64_t i;
    for (i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n_out;
         i += (uint64_t)gridDim.x * blockDim.x) {
        const float y = mp_net_rate(h[i], gain, bias_i, bias, i);
        y_new[i] = y;
        if (recurrent)
            z_next[n_in + i] = y;
    }
}

__global__ void net_input(float *z_next, const float *pattern, float gain,
                          float a, uint64_t seed, uint64_t step,
                          uint32_t n_in)
{
    uint64_t j;
    for (j = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; j < n_in;
         j += (uint64_t)gridDim.x * blockDim.x)
        z_next[j] = mp_net_input(pattern[j], gain, a, seed, step,
                                 (uint32_t)j);
}

/* Discrete or heterosynaptic rows are updated before their current is
 * summed: every lane its strided synapses (discrete), or lane 0 the
 * row's segments in the CPU's order (heterosynaptic). */
static __device__ __forceinline__ void
update_first(const struct mp_k_net &a, const struct mp_k_net_pass &p,
             const struct mp_syn_table *t, uint64_t i, unsigned lane,
             float *row, const uint32_t *cells,
             const struct mp_net_row *u)
{
    uint32_t s;
    if (p.rule.discrete) {
        uint8_t *syn = a.syn + i * p.L;
        for (s = lane; s < p.L; s += 32)
            mp_discrete_syn(&syn[s], &row[s], t, a.z[cells ? cells[s] : s],
                            &p.rule, u, p.step, i, s);
    } else if (lane == 0) {
        mp_hetero_row(row, a.z, cells, p.L, p.rule.hetero, u);
    }
    __syncwarp();
}

/* Synapses in flight per lane in the row loop: a lane loads the weights
 * and rates of ROW_UNROLL synapses (s, s + 32, ...) before it uses the
 * first, so that a warp has that many 128-byte lines of weights in flight
 * (a device needs tens of kilobytes in flight per multiprocessor to keep
 * its memory busy). */
#define ROW_UNROLL 8

/* Lane `lane`'s part of row i's current: its terms s = lane, lane + 32,
 * ... in increasing s (mp_row_pass's order), each weight first updated and
 * written back when PLASTIC (u), read and left alone otherwise. */
template <int SPARSE, int PLASTIC>
static __device__ __forceinline__ double
row_terms(const struct mp_k_net &a, uint64_t i, uint32_t L, unsigned lane,
          const struct mp_net_row *u)
{
    float *row = a.w + i * L;
    const uint32_t *cells = SPARSE ? a.idx + i * L : 0;
    double acc = 0.0;
    uint32_t s = lane;
    int j;
    for (; s < L && L - s > 32u * (ROW_UNROLL - 1); s += 32u * ROW_UNROLL) {
        /* Pointers at s: a dense row's addresses are one register plus
         * constant offsets. */
        float *wp = row + s, w[ROW_UNROLL], x[ROW_UNROLL], xn[ROW_UNROLL];
        const float *zp = SPARSE ? a.z : a.z + s;
        const float *znp = SPARSE ? a.z_next : a.z_next + s;
        for (j = 0; j < ROW_UNROLL; j++) {
            const uint32_t c = SPARSE ? cells[s + 32u * j] : 32u * j;
            w[j] = wp[32 * j];
            x[j] = PLASTIC ? zp[c] : 0.0f;
            xn[j] = znp[c];
        }
        for (j = 0; j < ROW_UNROLL; j++) {
            acc += mp_row_syn(&w[j], x[j], xn[j], PLASTIC ? u : 0);
            if (PLASTIC)
                wp[32 * j] = w[j];
        }
    }
    for (; s < L; s += 32u) {
        const uint32_t c = SPARSE ? cells[s] : s;
        acc += mp_row_syn(&row[s], PLASTIC ? a.z[c] : 0.0f, a.z_next[c],
                          PLASTIC ? u : 0);
    }
    return acc;
}

__global__ void net_pass(struct mp_k_net a, struct mp_k_net_pass p)
{
    MP_SHARED(struct mp_syn_table, t);
    const unsigned lane = threadIdx.x & 31u;
    const uint64_t warps = (uint64_t)gridDim.x * blockDim.x / 32;
    const int first = p.plastic && (p.rule.discrete || p.rule.hetero);
    const int upd = p.plastic && !first; /* the row loop updates */
    uint64_t i;
    if (p.plastic && p.rule.discrete)
        mp_load_shared(&t, a.table);
    for (i = (blockIdx.x * (uint64_t)blockDim.x + threadIdx.x) / 32;
         i < p.n_out; i += warps) {
        const uint32_t *cells = p.sparse ? a.idx + i * p.L : 0;
        const float y = p.currents ? 0.0f : a.y_new[i];
        const struct mp_net_row u =
            mp_net_row_at(&p.rule, p.kb, p.m, y, a.theta[i],
                          p.rule.priming ? a.prime[i] : 0.0f);
        double acc;
        if (first)
            update_first(a, p, &t, i, lane, a.w + i * p.L, cells, &u);
        if (p.sparse)
            acc = upd ? row_terms<1, 1>(a, i, p.L, lane, &u)
                      : row_terms<1, 0>(a, i, p.L, lane, &u);
        else
            acc = upd ? row_terms<0, 1>(a, i, p.L, lane, &u)
                      : row_terms<0, 0>(a, i, p.L, lane, &u);
        acc = warp_combine(acc);
        if (lane == 0 && p.currents)
            a.h[i] = acc;
        else if (lane == 0) {
            mp_row_end(&a.h[i], &a.theta[i], &a.acc_scale[i], &a.acc_rec[i],
                       acc, y, &p.rule);
            mp_neuron_end(a.prime, a.gain, a.bias, i, y, &u, &p.rule);
        }
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

extern "C" int mp__k_net_rates(const double *h, const float *gain,
                               const float *bias_i, float *y_new,
                               float *z_next, uint32_t n_in, uint32_t n_out,
                               float bias, int recurrent, int blocks,
                               int threads)
{
    return MP_LAUNCH_STATUS(net_rates, blocks, threads, 0, h, gain, bias_i,
                            y_new, z_next, n_in, n_out, bias, recurrent);
}

extern "C" int mp__k_net_input(float *z_next, const float *pattern,
                               float gain, float a, uint64_t seed,
                               uint64_t step, uint32_t n_in, int blocks,
                               int threads)
{
    return MP_LAUNCH_STATUS(net_input, blocks, threads, 0, z_next, pattern,
                            gain, a, seed, step, n_in);
}

extern "C" int mp__k_net_pass(struct mp_k_net a, struct mp_k_net_pass p,
                              int blocks, int threads)
{
    return MP_LAUNCH_STATUS(net_pass, blocks, threads, 0, a, p);
}

extern "C" int mp__k_net_scale(float *w, const float *factors,
                               uint32_t n_out, uint32_t L, float lo,
                               float hi, int blocks, int threads)
{
    return MP_LAUNCH_STATUS(net_scale, blocks, threads, 0, w, factors, n_out,
                            L, lo, hi);
}
