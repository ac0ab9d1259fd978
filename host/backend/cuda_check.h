/* SPDX-License-Identifier: MIT */
/* cuda_check.h (backend internal): every CUDA call of the launchers goes
 * through MP_CUDA_CHECK, which turns a failure into MP_ECUDA (MP_ETOOBIG
 * when the device is out of memory) with the call, the file and line and
 * CUDA's words, and leaves no error pending for a
 * later call to be blamed for. */
#ifndef METAPLAST_BACKEND_CUDA_CHECK_H
#define METAPLAST_BACKEND_CUDA_CHECK_H

#include <stdio.h>

#include <cuda_runtime_api.h>

#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"

/* A failed call: its text, and the pending error consumed. */
static inline int mp__cuda_fail(int code, const char *what,
                                const char *file, int line)
{
    (void)cudaGetLastError();
    /* Out of device memory: the run does not fit the device (auto then
     * runs it on the CPU, mp__backend_start). */
    if (code == (int)cudaErrorMemoryAllocation)
        return mp__fail(MP_ETOOBIG,
                        "the device is out of memory in %s (%s:%d): %s",
                        what, file, line,
                        cudaGetErrorString((cudaError_t)code));
    return mp__fail(MP_ECUDA, "CUDA error in %s (%s:%d): %s", what, file,
                    line, cudaGetErrorString((cudaError_t)code));
}

#define MP_CUDA_CHECK_AS(call, what, file)                                    \
    do {                                                                     \
        int rc_ = (int)(call);                                               \
        if (rc_)                                                             \
            return mp__cuda_fail(rc_, what, file, __LINE__);                 \
    } while (0)
#define MP_CUDA_CHECK(call, file) MP_CUDA_CHECK_AS(call, #call, file)

/* The device of this rank (one rank per GPU: the rank among those on
 * this node picks it, round robin when there are more ranks than
 * devices): "CUDA device D: NAME" into desc, and its multiprocessors. */
static inline int mp__cuda_pick(char *desc, size_t len, int *sms,
                                const char *file)
{
    struct cudaDeviceProp prop;
    int dev = 0;
    if (mp__par_size() > 1)
        MP_CUDA_CHECK(cudaSetDevice(mp__par_local_rank() %
                                    mp__cuda_device_count()),
                      file);
    MP_CUDA_CHECK(cudaGetDevice(&dev), file);
    MP_CUDA_CHECK(cudaGetDeviceProperties(&prop, dev), file);
    snprintf(desc, len, "CUDA device %d: %s", dev, prop.name);
    *sms = prop.multiProcessorCount;
    return 0;
}

#endif
