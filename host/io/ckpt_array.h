/* SPDX-License-Identifier: MIT */
/*
 * ckpt_array.h (io internal): the arrays of a checkpoint and the writer
 * and reader every engine's checkpoint goes through (ckpt.c): atomic,
 * each array with its checksum, the header checksum over the progress,
 * the seed and the configuration.
 */
#ifndef METAPLAST_IO_CKPT_ARRAY_H
#define METAPLAST_IO_CKPT_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "metaplast/config.h"
#include "metaplast/io.h"

/* A state array of a checkpoint: written with its checksum, read back
 * with its type, shape and checksum verified. */
enum { A_U8, A_I64, A_F32, A_F64, A_I32 };

struct array {
    const char *name;
    int type;
    int ndims;
    const char *dim[2];
    size_t len[2];
    const char *long_name;
    const char *units;
    void *data;
};

/* Most arrays of one checkpoint. */
#define MP_CKPT_MAX_ARRAYS 9

/* Writes a checkpoint of n arrays and progress `done` of `total` in
 * `unit` ("memories" or "steps"), with the run's wall-clock seconds so
 * far (wall_time_s). */
int mp__io_ckpt_write(const char *path, const struct mp_config *cfg,
                      const char *unit, uint64_t done, uint64_t total,
                      double wall_s, const struct array *a, size_t n,
                      const struct mp_provenance *prov);
/* The wall_time_s of an open checkpoint (0 when absent). */
double mp__io_ckpt_wall(int nc);
/* Opens a checkpoint of `paradigm`: kind, version, header checksum, its
 * configuration (validated) and progress; the caller closes nc. */
int mp__io_ckpt_open(const char *path, int paradigm, int *nc,
                     struct mp_config *cfg, uint64_t *done);
/* Reads n arrays (type, shape and checksum verified) into a[k].data. */
int mp__io_ckpt_read(int nc, const char *path, const struct array *a,
                     size_t n);
/* A dimension of the file equal to the configuration's; the memory to
 * load it available. */
int mp__io_check_dim(int nc, const char *path, const char *name,
                     size_t want);
int mp__io_check_fits(const char *path, double bytes);

#endif
