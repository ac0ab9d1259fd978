/* SPDX-License-Identifier: MIT */
/* error.h: the library's error codes, from one X-macro table. */
#ifndef METAPLAST_ERROR_H
#define METAPLAST_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* (name, value, message).  Append only: codes are part of the ABI. */
#define MP_ERROR_TABLE(X)                                                    \
    X(MP_OK, 0, "success")                                                   \
    X(MP_EINVAL, -1, "invalid argument or configuration")                    \
    X(MP_ENOMEM, -2, "out of memory")                                        \
    X(MP_EIO, -3, "input/output error")                                      \
    X(MP_ENETCDF, -4, "NetCDF error")                                        \
    X(MP_ECUDA, -5, "CUDA error")                                            \
    X(MP_ENODEV, -6, "no CUDA device available")                             \
    X(MP_ENOTSUP, -7, "not supported by this build")                         \
    X(MP_EEXIST, -8, "output already exists")                                \
    X(MP_EFORMAT, -9, "file is not in the expected format")

enum mp_error {
#define MP_X(name, value, msg) name = value,
    MP_ERROR_TABLE(MP_X)
#undef MP_X
};

/* A static, human-readable text for an MP_E* code. */
const char *mp_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
