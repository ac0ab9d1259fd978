/* SPDX-License-Identifier: MIT */
/*
 * error.h: the library's error codes and its one message channel.
 *
 * Every fallible function returns 0 or a negative MP_E* code, and every
 * error code it returns comes with a text, read by mp_errmsg() on the
 * thread that made the call (like errno, until the next error).  Under
 * MPI, collective functions return the same code on every rank, with the
 * text of the rank that failed first ("MPI rank 2: ...").
 */
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
    X(MP_ENODEV, -6, "no usable CUDA device")                                \
    X(MP_ENOTSUP, -7, "not supported by this build")                         \
    X(MP_EEXIST, -8, "output already exists")                                \
    X(MP_EFORMAT, -9, "file is not in the expected format")                  \
    X(MP_ETOOBIG, -10, "the run does not fit this machine or device")        \
    X(MP_ENUMERIC, -11, "the state became non-finite")                       \
    X(MP_EBUSY, -12, "in use by another process")

enum mp_error {
#define MP_X(name, value, msg) name = value,
    MP_ERROR_TABLE(MP_X)
#undef MP_X
};

/* A static, human-readable text for an MP_E* code. */
const char *mp_strerror(int code);

/* The text of the last error a metaplast function returned on this
 * thread: what failed, where (file, line, key, rank) and why.  Never
 * NULL; "" before any error. */
const char *mp_errmsg(void);

/*
 * Fault injection, for tests of what a run does when things fail
 * (docs/RELIABILITY.md): from the `from`-th operation (1-based) at a site
 * on, every operation there fails with errno value `error` (EIO reads as
 * a generic failure).  Sites: checkpoint writes, record writes and
 * appends, device steps (an advance fails as a device error would).
 * error = 0 clears the site.  Process-wide; never set in production.
 */
enum mp_fault_site {
    MP_FAULT_CHECKPOINT = 0,
    MP_FAULT_RECORD = 1,
    MP_FAULT_DEVICE = 2
};
void mp_fault_set(int site, int error, unsigned long from);

#ifdef __cplusplus
}
#endif

#endif
