/* SPDX-License-Identifier: MIT */
/*
 * fuzz_file.c: libFuzzer target for the file readers: the input is written
 * to a file and read as an ensemble checkpoint, a network checkpoint, and
 * by `info` (which reads records, theory files and checkpoints).  Every
 * input must be read or refused with a message, never crash or leak.
 * Set FUZZ_ONLY=info|ckpt to fuzz one reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metaplast/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    const char *only = getenv("FUZZ_ONLY");
    struct mp_config c;
    struct mp_sim_snapshot s;
    struct mp_net_snapshot ns;
    char err[2048];
    FILE *f;
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/mp-fuzz-%ld.nc", (long)getpid());
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (!only || !strcmp(only, "ckpt")) {
        if (mp_ckpt_read(path, &c, &s, err, sizeof err) == 0)
            mp_snapshot_fini(&s);
        if (mp_net_ckpt_read(path, &c, &ns, err, sizeof err) == 0)
            mp_net_snapshot_fini(&ns);
    }
    if (!only || !strcmp(only, "info")) {
        FILE *null = fopen("/dev/null", "w");
        mp_io_info(path, null, err, sizeof err);
        fclose(null);
    }
    return 0;
}
