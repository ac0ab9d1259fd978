/* SPDX-License-Identifier: MIT */
/* pick.c: which backend a run gets — one policy for every engine. */
#include <stdio.h>

#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/util.h"

static int geometry[2];

void mp__cuda_set_geometry(int blocks, int threads)
{
    geometry[0] = blocks;
    geometry[1] = threads;
}

int mp__cuda_geometry(int *blocks, int *threads)
{
    if (!geometry[0] || !geometry[1])
        return 0;
    *blocks = geometry[0];
    *threads = geometry[1];
    return 1;
}

int mp__backend_pick(int requested, const char *cpu_only, char *note,
                     size_t len)
{
    char why[512] = "";
    if (requested == MP_BACKEND_CPU) {
        snprintf(note, len, "run.backend = cpu");
        return MP_BACKEND_CPU;
    }
    if (cpu_only) {
        if (requested == MP_BACKEND_CUDA)
            return mp__fail(MP_ENOTSUP, "run.backend = cuda: %s", cpu_only);
        snprintf(note, len, "auto: %s", cpu_only);
        return MP_BACKEND_CPU;
    }
#ifdef MP_CUDASIM
    /* The tests' build: its CUDA backend runs on the CPU execution
     * harness; only run.backend = cuda selects it. */
    if (requested == MP_BACKEND_AUTO) {
        snprintf(note, len, "auto: this build's CUDA backend is the CPU "
                            "execution harness of the tests");
        return MP_BACKEND_CPU;
    }
#endif
    if (mp__cuda_usable(why, sizeof why)) {
        snprintf(note, len, "%s",
                 requested == MP_BACKEND_CUDA
                     ? "run.backend = cuda"
                     : "auto: a CUDA device that runs this build's kernels");
        return MP_BACKEND_CUDA;
    }
    if (requested == MP_BACKEND_CUDA)
        return mp__fail(mp__cuda_built() ? MP_ENODEV : MP_ENOTSUP,
                        "run.backend = cuda: %s", why);
    snprintf(note, len, "auto: %s", why);
    return MP_BACKEND_CPU;
}

int mp__backend_create(int kind, int requested, char *note, size_t len,
                       int (*create_cuda)(void *ctx),
                       int (*create_cpu)(void *ctx), void *ctx)
{
    int rc;
    if (kind < 0)
        return kind;
    if (kind == MP_BACKEND_CUDA) {
        rc = create_cuda(ctx);
        if (rc != MP_ETOOBIG || requested != MP_BACKEND_AUTO)
            return rc;
        /* auto: a device too small for the state runs on the CPU. */
        snprintf(note, len, "auto: %s", mp_errmsg());
    }
    return create_cpu(ctx);
}

int mp__backend_start(int requested, const char *cpu_only, char *note,
                      size_t len, int (*create_cuda)(void *ctx),
                      int (*create_cpu)(void *ctx), void *ctx)
{
    return mp__backend_create(
        mp__backend_pick(requested, cpu_only, note, len), requested, note,
        len, create_cuda, create_cpu, ctx);
}
