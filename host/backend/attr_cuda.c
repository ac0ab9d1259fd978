/* SPDX-License-Identifier: MIT */
/* attr_cuda.c: the CUDA attractor-network backend (not yet written). */
#include "metaplast/error.h"
#include "metaplast/private/attr_backend.h"
#include "metaplast/private/util.h"

int mp__attr_cuda_create(struct mp_attr_backend *b,
                         const struct mp_attr_desc *d)
{
    (void)b;
    (void)d;
    return mp__fail(MP_ENOTSUP, "the attractor network has no CUDA "
                                "backend yet: use run.backend = cpu");
}
