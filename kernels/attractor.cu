/* SPDX-License-Identifier: MIT */
/*
 * attractor.cu: the attractor network's kernels — indexing around the
 * rules of attr_rules.h, which the CPU backend calls too
 * (docs/ATTRACTOR.md).  Every count is an exact integer.
 */
#include "attractor.h"
#include "common.cuh"

static __global__ void attr_init_k(uint8_t *s, uint32_t row0, uint32_t rows,
                                   const struct mp_attr_rules *R,
                                   uint32_t neurons, uint64_t pitch,
                                   struct mp_k_attr_cum cum, uint32_t depths)
{
    const uint64_t n = (uint64_t)rows * pitch;
    uint64_t k;
    for (k = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; k < n;
         k += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t r = k / pitch, j = k % pitch;
        s[k] = j < neurons ? (uint8_t)mp_attr_draw(R, cum.cum, depths,
                                                   row0 + r, j)
                           : (uint8_t)0;
    }
}

static __global__ void attr_pattern_k(uint64_t *xi,
                                      const struct mp_attr_rules *R,
                                      uint64_t words, uint64_t mu)
{
    uint64_t w;
    for (w = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; w < words;
         w += (uint64_t)gridDim.x * blockDim.x)
        xi[w] = mp_attr_pattern_word(R, mu, w);
}

/* Row i's presynaptic pattern bits of slots 4J .. 4J + 3 (fan-in). */
static __device__ uint32_t attr_xj4_fan(const struct mp_attr_rules *R,
                                        const uint32_t *pre, uint32_t row0,
                                        uint64_t i, uint64_t J,
                                        const uint64_t *xi)
{
    const struct mp_attr_perm pm = mp_attr_perm_of(R, i);
    const uint32_t *row = pre ? pre + (i - row0) * R->fan_in : NULL;
    uint32_t k, x = 0;
    for (k = 0; k < 4 && 4u * J + k < R->fan_in; k++) {
        const uint32_t j = mp_attr_pre_of(&pm, row, (uint32_t)(4u * J + k));
        x |= (uint32_t)((xi[j >> 6] >> (j & 63u)) & 1u) << k;
    }
    return x;
}

/* A thread per tile (quad I, columns 4J..4J+3): one block of draws, the
 * quad's rows held here; consecutive threads write consecutive words.
 * With fan-in the columns are slots, each row's presynaptic bits
 * gathered. */
static __global__ void attr_store_k(uint32_t *s4, uint32_t row0,
                                    uint32_t rows,
                                    const struct mp_attr_rules *R,
                                    const uint32_t *pre, uint32_t neurons,
                                    uint64_t pitch, const uint64_t *xi,
                                    uint64_t p, uint64_t gate)
{
    const uint64_t tiles = ((uint64_t)neurons + 3u) / 4u, q0 = row0 / 4u,
                   quads = ((uint64_t)row0 + rows + 3u) / 4u - q0,
                   end = (uint64_t)row0 + rows;
    uint64_t k;
    for (k = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
         k < quads * tiles; k += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t I = q0 + k / tiles, J = k % tiles;
        const uint32_t xj4 = (uint32_t)(xi[J >> 4] >> (4u * (J & 15u))) &
                             0xFu;
        const struct mp_u32x4 blk = mp_rng_block(
            R->seed, MP_RNG_TRANSITION, p, mp_attr_tile(R, 4 * I, J));
        uint64_t i;
        for (i = 4 * I; i < 4 * I + 4; i++) {
            uint32_t *w;
            if (i < row0 || i >= end)
                continue;
            w = s4 + (i - row0) * (pitch / 4u) + J;
            *w = mp_attr_row4(R, *w, i, J,
                              (uint32_t)(xi[i >> 6] >> (i & 63u)) & 1u,
                              R->fan_in ? attr_xj4_fan(R, pre, row0, i, J, xi)
                                        : xj4,
                              blk, p, gate);
        }
    }
}

static __global__ void attr_pack_k(const uint8_t *s, uint64_t *bits,
                                   const struct mp_attr_rules *R,
                                   uint32_t row0, uint32_t rows,
                                   uint64_t pitch)
{
    const uint64_t W = pitch / 64u, n = (uint64_t)rows * W;
    uint64_t k;
    for (k = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; k < n;
         k += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t r = k / W, w = k % W;
        bits[k] = mp_attr_strong64_row(R, s + r * pitch + 64u * w, row0 + r,
                                       w);
    }
}

static __global__ void attr_rowsum_k(const uint64_t *bits, int32_t *strong,
                                     uint32_t rows, uint64_t W)
{
    uint64_t r, w;
    for (r = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; r < rows;
         r += (uint64_t)gridDim.x * blockDim.x) {
        int32_t n = 0;
        for (w = 0; w < W; w++)
            n += (int32_t)MP_POPC64(bits[r * W + w]);
        strong[r] = n;
    }
}

static __global__ void attr_counts_k(const uint64_t *bits,
                                     const uint64_t *states, uint32_t rows,
                                     uint64_t W, uint32_t nb, int32_t *out)
{
    const uint64_t n = (uint64_t)rows * nb;
    uint64_t k, w;
    for (k = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; k < n;
         k += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t r = k / nb, b = k % nb;
        int32_t a = 0;
        for (w = 0; w < W; w++)
            a += (int32_t)MP_POPC64(bits[r * W + w] & states[b * W + w]);
        out[k] = a;
    }
}

static __global__ void attr_counts_fan_k(
    const uint64_t *bits, const uint64_t *states,
    const struct mp_attr_rules *R, const uint32_t *pre, uint32_t row0,
    uint32_t rows, uint64_t KW, uint64_t W, uint32_t nb, int32_t *out,
    int32_t *act)
{
    const uint64_t n = (uint64_t)rows * nb;
    uint64_t k, w;
    for (k = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; k < n;
         k += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t r = k / nb, b = k % nb;
        const struct mp_attr_perm pm = mp_attr_perm_of(R, row0 + r);
        const uint32_t *row = pre ? pre + r * R->fan_in : NULL;
        int32_t a = 0, c = 0;
        for (w = 0; w < KW; w++) {
            const uint64_t g =
                mp_attr_gather64(&pm, row, R->fan_in, states + b * W, w);
            a += (int32_t)MP_POPC64(bits[r * KW + w] & g);
            c += (int32_t)MP_POPC64(g);
        }
        out[k] = a;
        act[k] = c;
    }
}

extern "C" int mp__k_attr_init(uint8_t *s, uint32_t row0, uint32_t rows,
                               const struct mp_attr_rules *R,
                               uint32_t neurons, uint64_t pitch,
                               struct mp_k_attr_cum cum, uint32_t depths,
                               int blocks, int threads)
{
    return MP_LAUNCH_STATUS(attr_init_k, blocks, threads, 0, s, row0, rows,
                            R, neurons, pitch, cum, depths);
}

extern "C" int mp__k_attr_pattern(uint64_t *xi, const struct mp_attr_rules *R,
                                  uint64_t words, uint64_t mu, int blocks,
                                  int threads)
{
    return MP_LAUNCH_STATUS(attr_pattern_k, blocks, threads, 0, xi, R, words,
                            mu);
}

extern "C" int mp__k_attr_store(uint32_t *s4, uint32_t row0, uint32_t rows,
                                const struct mp_attr_rules *R,
                                const uint32_t *pre, uint32_t neurons,
                                uint64_t pitch, const uint64_t *xi,
                                uint64_t p, uint64_t gate, int blocks,
                                int threads)
{
    return MP_LAUNCH_STATUS(attr_store_k, blocks, threads, 0, s4, row0, rows,
                            R, pre, neurons, pitch, xi, p, gate);
}

extern "C" int mp__k_attr_pack(const uint8_t *s, uint64_t *bits,
                               int32_t *strong, const struct mp_attr_rules *R,
                               uint32_t row0, uint32_t rows,
                               uint32_t neurons, uint64_t pitch, int blocks,
                               int threads)
{
    int rc;
    (void)neurons;
    rc = MP_LAUNCH_STATUS(attr_pack_k, blocks, threads, 0, s, bits, R, row0,
                          rows, pitch);
    if (rc)
        return rc;
    return MP_LAUNCH_STATUS(attr_rowsum_k, blocks, threads, 0, bits, strong,
                            rows, pitch / 64u);
}

extern "C" int mp__k_attr_counts(const uint64_t *bits, const uint64_t *states,
                                 uint32_t rows, uint64_t words, uint32_t nb,
                                 int32_t *out, int blocks, int threads)
{
    return MP_LAUNCH_STATUS(attr_counts_k, blocks, threads, 0, bits, states,
                            rows, words, nb, out);
}

extern "C" int mp__k_attr_counts_fan(const uint64_t *bits,
                                     const uint64_t *states,
                                     const struct mp_attr_rules *R,
                                     const uint32_t *pre, uint32_t row0,
                                     uint32_t rows, uint64_t kwords,
                                     uint64_t words, uint32_t nb,
                                     int32_t *out, int32_t *act, int blocks,
                                     int threads)
{
    return MP_LAUNCH_STATUS(attr_counts_fan_k, blocks, threads, 0, bits,
                            states, R, pre, row0, rows, kwords, words, nb,
                            out, act);
}
