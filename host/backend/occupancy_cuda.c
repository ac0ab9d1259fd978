/* SPDX-License-Identifier: MIT */
/* occupancy_cuda.c: the CUDA backends' count of synapses per state byte
 * (occupancy.h): the histogram kernel, its per-block counts added on the
 * host. */
#include <string.h>

#include <cuda_runtime_api.h>

#include "../../kernels/occupancy.h"
#include "cuda_check.h"
#include "metaplast/private/occupancy.h"

#define CK(call) MP_CUDA_CHECK(call, "occupancy_cuda.c")

int mp__state_hist_cuda(const uint8_t *bytes, uint64_t n,
                        unsigned long long *partial,
                        unsigned long long *host, int blocks, int threads,
                        int64_t *hist)
{
    int blk;
    uint32_t b;
    CK(mp__k_state_hist(bytes, n, partial, blocks, threads));
    MP_CUDA_CHECK_AS(cudaDeviceSynchronize(), "kernel state_hist",
                     "occupancy_cuda.c");
    CK(cudaMemcpy(host, partial,
                  (size_t)blocks * MP_STATE_BYTES * sizeof *host,
                  cudaMemcpyDeviceToHost));
    memset(hist, 0, MP_STATE_BYTES * sizeof *hist);
    for (blk = 0; blk < blocks; blk++)
        for (b = 0; b < MP_STATE_BYTES; b++)
            hist[b] += (int64_t)host[(size_t)blk * MP_STATE_BYTES + b];
    return 0;
}
