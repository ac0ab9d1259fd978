/* SPDX-License-Identifier: MIT */
/* cuda_device.c: what the CUDA side says about this machine (a build with
 * CUDA). */
#include <stdio.h>

#include <cuda_runtime_api.h>

#include "../../kernels/ensemble.h"
#include "metaplast/private/backend.h"

#ifdef MP_CUDASIM
#undef MP_CUDA_ARCHS
#define MP_CUDA_ARCHS "80-real, 90-real, 90-virtual; the CPU execution harness"
#endif
#ifndef MP_CUDA_ARCHS
#define MP_CUDA_ARCHS "?"
#endif

int mp__cuda_built(void)
{
    return 1;
}

int mp__cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* no driver or no device: not sticky */
        return 0;
    }
    return n;
}

int mp__cuda_usable(char *why, size_t len)
{
    struct cudaDeviceProp prop;
    int dev = 0, rc;
    if (mp__cuda_device_count() < 1) {
        snprintf(why, len, "no CUDA device found");
        return 0;
    }
    rc = mp__k_probe();
    if (rc == 0)
        return 1;
    (void)cudaGetLastError();
    if (cudaGetDevice(&dev) || cudaGetDeviceProperties(&prop, dev)) {
        (void)cudaGetLastError();
        snprintf(why, len, "the CUDA device cannot be queried: %s",
                 cudaGetErrorString((cudaError_t)rc));
        return 0;
    }
    snprintf(why, len,
             "CUDA device %d (%s, compute capability %d.%d) cannot run "
             "this build's kernels (built for %s): %s",
             dev, prop.name, prop.major, prop.minor, MP_CUDA_ARCHS,
             cudaGetErrorString((cudaError_t)rc));
    return 0;
}

/* A device-to-device copy of 1 GiB (16 MiB on the CPU execution harness,
 * which only checks that the benchmarks' printing works), best of 5:
 * bytes read plus bytes written per second. */
double mp__cuda_copy_bandwidth(void)
{
#ifdef MP_CUDASIM
    const size_t n = (size_t)1 << 24;
#else
    const size_t n = (size_t)1 << 30;
#endif
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
    (void)cudaGetLastError();
    return 0.0;
}
