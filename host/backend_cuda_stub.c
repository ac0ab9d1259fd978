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

#include "metaplast/detail/net_dev.h"

int mp__net_dev_create(struct mp_net_dev **out, const struct mp_net_host *h,
                       char *device, size_t devlen, char *err, size_t errlen)
{
    (void)h;
    (void)device;
    (void)devlen;
    (void)err;
    (void)errlen;
    *out = NULL;
    return MP_ENOTSUP;
}

void mp__net_dev_destroy(struct mp_net_dev *d)
{
    (void)d;
}

int mp__net_dev_upload(struct mp_net_dev *d, const struct mp_net_host *h)
{
    (void)d;
    (void)h;
    return MP_ENOTSUP;
}

int mp__net_dev_download(struct mp_net_dev *d, const struct mp_net_host *h,
                         int weights)
{
    (void)d;
    (void)h;
    (void)weights;
    return MP_ENOTSUP;
}

int mp__net_dev_step(struct mp_net_dev *d, uint32_t pattern, float gain,
                     float noise_a, uint64_t seed, uint64_t next_step,
                     float bias, const struct mp_k_net_step *p)
{
    (void)d;
    (void)pattern;
    (void)gain;
    (void)noise_a;
    (void)seed;
    (void)next_step;
    (void)bias;
    (void)p;
    return MP_ENOTSUP;
}

int mp__net_dev_scale_sums(struct mp_net_dev *d, double *out)
{
    (void)d;
    (void)out;
    return MP_ENOTSUP;
}

int mp__net_dev_scale(struct mp_net_dev *d, const float *factors, float lo,
                      float hi)
{
    (void)d;
    (void)factors;
    (void)lo;
    (void)hi;
    return MP_ENOTSUP;
}

const char *mp__net_dev_error(const struct mp_net_dev *d)
{
    (void)d;
    return "no CUDA support in this build";
}

int mp__net_dev_reset_rec(struct mp_net_dev *d)
{
    (void)d;
    return MP_ENOTSUP;
}
