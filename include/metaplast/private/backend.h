/* SPDX-License-Identifier: MIT */
/*
 * backend.h (private): which backend a run gets, one policy for every
 * engine (host/backend/pick.c), and what the CUDA side says about the
 * machine.
 */
#ifndef METAPLAST_PRIVATE_BACKEND_H
#define METAPLAST_PRIVATE_BACKEND_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether this build has the CUDA backend. */
int mp__cuda_built(void);

/* Usable CUDA devices (0 without CUDA or without a driver). */
int mp__cuda_device_count(void);

/* Whether the CUDA backend can run here: built, a device present, and
 * the device able to run this build's kernels.  If not, 0 and the reason
 * in why. */
int mp__cuda_usable(char *why, size_t len);

/* Device-to-device copy bandwidth of the current device (bytes read +
 * written per second, best of 5 copies of 1 GiB); 0 without CUDA. */
double mp__cuda_copy_bandwidth(void);

/* Tests: the launch geometry of every kernel of the CUDA backends created
 * from now on (blocks, and threads per block: a multiple of 32 up to
 * 1024); 0, 0 = their own choice from the device.  mp__cuda_geometry
 * says whether one is set. */
void mp__cuda_set_geometry(int blocks, int threads);
int mp__cuda_geometry(int *blocks, int *threads);

/*
 * The backend for run.backend = requested (MP_BACKEND_*): cpu is the CPU;
 * cuda is CUDA, or an error (MP_ENOTSUP without CUDA in the build or
 * when cpu_only says why the run cannot use it, MP_ENODEV without a
 * usable device); auto is CUDA when it can run here, else the CPU.
 * Returns MP_BACKEND_CPU or MP_BACKEND_CUDA, or the error; `note` says
 * why (for the run's log).
 */
int mp__backend_pick(int requested, const char *cpu_only, char *note,
                     size_t len);

/*
 * An engine's backend, created by the policy above: the CUDA one when
 * picked, and under run.backend = auto the CPU one instead when the
 * device turns out too small (MP_ETOOBIG; note says so); otherwise the
 * CPU one.  create_cuda / create_cpu build the engine's backend from ctx.
 */
int mp__backend_start(int requested, const char *cpu_only, char *note,
                      size_t len, int (*create_cuda)(void *ctx),
                      int (*create_cpu)(void *ctx), void *ctx);
/* Its second half, given the picked kind (or a pick's error). */
int mp__backend_create(int kind, int requested, char *note, size_t len,
                       int (*create_cuda)(void *ctx),
                       int (*create_cpu)(void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif

#endif
