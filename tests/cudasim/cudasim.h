/* SPDX-License-Identifier: MIT */
/*
 * cudasim.h: the controls of the CPU execution harness (tests only):
 * the simulated device, fault injection, the order threads run in, and
 * what the harness saw.  docs/TESTING.md says what the harness proves.
 */
#ifndef MP_CUDASIM_H
#define MP_CUDASIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Back to the defaults: one H200 (compute capability 9.0, 132 SMs,
 * 141 GiB), no faults, lanes in ascending order, no pending error; every
 * allocation freed. */
void mp_cudasim_reset(void);

/* Devices present (0 or 1). */
void mp_cudasim_set_devices(int n);
/* The device's memory, bytes (cudaMalloc beyond it fails). */
void mp_cudasim_set_memory(size_t bytes);
/* The device's compute capability, e.g. 75: below 80 the kernels of this
 * build have no image for it (cudaFuncGetAttributes fails). */
void mp_cudasim_set_capability(int major_minor);

/* Faults: the n-th (1-based) later call of the kind fails; 0 = never.
 *  malloc: cudaMalloc returns cudaErrorMemoryAllocation;
 *  launch: the kernel does not run, and the device reports an
 *          asynchronous launch failure at the next synchronising call;
 *  lost:   the device is lost: that call and every one after it fail
 *          with cudaErrorDevicesUnavailable. */
void mp_cudasim_fail_malloc(unsigned long n);
void mp_cudasim_fail_launch(unsigned long n);
void mp_cudasim_lose_device(unsigned long n);

/* The order of the lanes within a warp: 0 ascending, 1 descending.  Warps
 * run one after the other as far as they can (warp 0 until it waits at a
 * barrier or ends, then warp 1, ...), which exposes a missing barrier
 * between warps; the lane order exposes a missing one within a warp. */
void mp_cudasim_set_lane_order(int descending);

/* What the harness has seen since the last reset. */
struct mp_cudasim_stats {
    unsigned long launches;   /* kernels run */
    unsigned long blocks;     /* blocks run */
    unsigned long threads;    /* fibers run */
    unsigned long switches;   /* fiber switches */
    unsigned long collectives;/* warp collectives completed */
    unsigned long barriers;   /* block barriers completed */
    size_t bytes_allocated;   /* device memory in use now */
    size_t peak_bytes;        /* and at most */
};
void mp_cudasim_get_stats(struct mp_cudasim_stats *out);

/* The last error the harness detected in a kernel (misuse, a write out
 * of bounds), or "". */
const char *mp_cudasim_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
