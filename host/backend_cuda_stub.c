/* SPDX-License-Identifier: MIT */
/* backend_cuda_stub.c: the CUDA backend's entry points in a CPU-only build. */
#include "metaplast/detail/backend.h"
#include "metaplast/error.h"

int mp__cuda_device_count(void)
{
    return 0;
}

int mp__cuda_backend_create(struct mp_backend *b, const struct mp_ens_desc *d)
{
    (void)b;
    (void)d;
    return MP_ENOTSUP;
}

double mp__cuda_copy_bandwidth(void)
{
    return 0.0;
}
