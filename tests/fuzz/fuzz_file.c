/* SPDX-License-Identifier: MIT */
/*
 * fuzz_file.c: libFuzzer target for the file readers: the input is written
 * to a file and read as an ensemble checkpoint, a network checkpoint, and
 * by `info` (which reads records, theory files and checkpoints).  Every
 * input must be read or refused with a message, never crash or leak.
 * Set FUZZ_ONLY=info|ckpt to fuzz one reader.  Files are opened as the
 * metaplast command opens them: first in a child process (its probe,
 * mp_io_set_probe), since HDF5 itself can crash or hang on damaged files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metaplast/io.h"

/* The command's probe (host/cli/probe.c, built into this target). */
int mp_cli_probe(const char *path, void *ctx);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    const char *only = getenv("FUZZ_ONLY");
    struct mp_config c;
    struct mp_ens_snapshot s;
    struct mp_net_snapshot ns;
    FILE *f;
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/mp-fuzz-%ld.nc", (long)getpid());
        mp_io_set_probe(mp_cli_probe, NULL);
    }
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    if (!only || !strcmp(only, "ckpt")) {
        if (mp_io_ens_ckpt_read(path, &c, &s) == 0)
            mp_ens_snapshot_fini(&s);
        if (mp_io_net_ckpt_read(path, &c, &ns) == 0)
            mp_net_snapshot_fini(&ns);
    }
    if (!only || !strcmp(only, "info")) {
        FILE *null = fopen("/dev/null", "w");
        mp_io_info(path, null);
        fclose(null);
    }
    return 0;
}
