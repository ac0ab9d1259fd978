/* SPDX-License-Identifier: MIT */
/*
 * bench_ckpt.c: checkpoint write and read time and file size against the
 * deflate level, for a cascade ensemble (stationary, n = 10) of N synapses.
 * Not a test: docs/PERFORMANCE.md records its output.
 *
 * usage: metaplast-bench-ckpt [--synapses N] [--dir DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/metaplast.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    const int levels[] = {0, 1, 4, 9};
    uint64_t N = 100000000;
    const char *dir = "/tmp";
    struct mp_config c;
    struct mp_ens *sim;
    struct mp_ens_snapshot snap;
    char path[1200];
    double t0, hash_s;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--synapses"))
            N = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
    }
    mp_config_init(&c);
    c.backend = MP_BACKEND_CPU;
    c.synapses = N;
    c.memories = 1000;
    c.max_age = 100;
    if (mp_config_validate(&c) ||
        mp_ens_create(&sim, &c)) {
        fprintf(stderr, "metaplast-bench-ckpt: %s\n", mp_errmsg());
        return 2;
    }
    mp_ens_advance(sim, 20);
    if (mp_ens_snapshot(sim, &snap)) {
        fprintf(stderr, "metaplast-bench-ckpt: out of memory\n");
        return 3;
    }
    t0 = now();
    (void)mp_io_hash64(snap.state, N);
    hash_s = now() - t0;
    printf("N = %llu synapses (cascade n = 10, stationary): %.1f MB of "
           "state; checksum %.3f s (%.2f GB/s)\n",
           (unsigned long long)N, (double)N / 1e6, hash_s,
           (double)N / hash_s / 1e9);
    printf("%-8s %12s %12s %10s %12s\n", "deflate", "write s", "size MB",
           "ratio", "read s");
    snprintf(path, sizeof path, "%s/metaplast-bench-ckpt-%ld.nc", dir,
             (long)getpid());
    for (i = 0; i < 4; i++) {
        struct mp_config back;
        struct mp_ens_snapshot rs;
        struct stat st;
        double w, r;
        c.ckpt_deflate = levels[i];
        t0 = now();
        if (mp_io_ens_ckpt_write(path, &c, &snap, NULL)) {
            fprintf(stderr, "metaplast-bench-ckpt: %s\n", mp_errmsg());
            return 3;
        }
        w = now() - t0;
        stat(path, &st);
        t0 = now();
        if (mp_io_ens_ckpt_read(path, &back, &rs)) {
            fprintf(stderr, "metaplast-bench-ckpt: %s\n", mp_errmsg());
            return 3;
        }
        r = now() - t0;
        mp_ens_snapshot_fini(&rs);
        printf("%-8d %12.2f %12.1f %10.3f %12.2f\n", levels[i], w,
               (double)st.st_size / 1e6, (double)st.st_size / (double)N, r);
    }
    unlink(path);
    mp_ens_snapshot_fini(&snap);
    mp_ens_destroy(sim);
    return 0;
}
