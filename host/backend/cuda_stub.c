/* SPDX-License-Identifier: MIT */
/* cuda_stub.c: the CUDA backends' entry points in a build without CUDA. */
#include <stdio.h>

#include "metaplast/error.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/private/backend.h"
#include "metaplast/private/ens_backend.h"
#include "metaplast/private/net_backend.h"
#include "metaplast/private/util.h"

#define NO_CUDA                                                              \
    "this build has no CUDA support (configure with -DMP_CUDA=ON where "     \
    "nvcc is installed)"

int mp__cuda_built(void)
{
    return 0;
}

int mp__cuda_device_count(void)
{
    return 0;
}

int mp__cuda_usable(char *why, size_t len)
{
    snprintf(why, len, "%s", NO_CUDA);
    return 0;
}

double mp__cuda_copy_bandwidth(void)
{
    return 0.0;
}

int mp__ens_cuda_create(struct mp_ens_backend *b, const struct mp_ens_desc *d)
{
    (void)b;
    (void)d;
    return mp__fail(MP_ENOTSUP, NO_CUDA);
}

int mp__net_cuda_create(struct mp_net_backend *b,
                        const struct mp_net_params *p,
                        const struct mp_net_state *s)
{
    (void)b;
    (void)p;
    (void)s;
    return mp__fail(MP_ENOTSUP, NO_CUDA);
}

int mp__attr_cuda_create(struct mp_attr_backend *b,
                         const struct mp_attr_desc *d)
{
    (void)b;
    (void)d;
    return mp__fail(MP_ENOTSUP, NO_CUDA);
}
