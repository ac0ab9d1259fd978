/* SPDX-License-Identifier: MIT */
/*
 * bench_mpi.c: weak scaling across MPI ranks.  Each rank holds a fixed
 * share (synapses of an ensemble; postsynaptic neurons of a sparse
 * recurrent rate network) and the run grows with the ranks; the figures
 * compare runs with different rank counts.  Also times a checkpoint:
 * the gather of the state to rank 0 and rank 0's write.  Not a test:
 * docs/PERFORMANCE.md records its output.
 *
 * usage: mpirun -np R metaplast-bench-mpi [--synapses N] [--memories M]
 *            [--neurons K] [--steps S] [--dir DIR]
 *   (N synapses and K neurons per rank)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/net.h"
#include "metaplast/ranks.h"
#include "metaplast/private/par.h"
#include "metaplast/ranks.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void barrier(void)
{
    int64_t x = 0;
    mp__par_max_i64(&x, 1);
}

/* Collective: every rank's status rc to one verdict; on a failure rank 0
 * prints the failing rank's message and every rank leaves with exit
 * status 3. */
static void agree_or_exit(int rc)
{
    rc = mp_mpi_agree(rc);
    if (rc) {
        if (mp_mpi_rank() == 0)
            fprintf(stderr, "metaplast-bench-mpi: %s\n", mp_errmsg());
        mp_mpi_finalize();
        exit(3);
    }
}

/* The slowest rank's time. */
static double slowest(double t)
{
    int64_t ns = (int64_t)(t * 1e9);
    mp__par_max_i64(&ns, 1);
    return (double)ns * 1e-9;
}

int main(int argc, char **argv)
{
    uint64_t per_rank = 1 << 24, memories = 200, steps = 200;
    uint32_t neurons = 200;
    const char *dir = "/tmp";
    struct mp_config c;
    struct mp_ens *sim = NULL;
    struct mp_ens_snapshot snap;
    struct mp_net *net = NULL;
    struct mp_provenance prov = {"metaplast-bench-mpi", "cpu", "bench", NULL};
    char path[4096];
    double t0, t_adv, t_gather, t_write = 0.0, t_step;
    size_t n_ages;
    int i, R, root, rc;

    if (mp_mpi_launched() && (rc = mp_mpi_init(&argc, &argv))) {
        fprintf(stderr, "metaplast-bench-mpi: %s\n", mp_errmsg());
        return 2;
    }
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--synapses"))
            per_rank = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--memories"))
            memories = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--neurons"))
            neurons = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps"))
            steps = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
    }
    R = mp_mpi_size();
    root = mp_mpi_rank() == 0;

    /* Ensemble: cascade n = 10, a measurement every 50 memories. */
    mp_config_init(&c);
    c.synapses = per_rank * (uint64_t)R;
    c.memories = memories + 20;
    c.every = 50;
    c.max_age = 1000 < memories ? 1000 : memories / 2;
    c.threads = 1;
    c.backend = MP_BACKEND_CPU;
    c.syn.model = MP_SYN_CASCADE;
    c.syn.n = 10;
    rc = mp_config_validate(&c);
    if (rc == 0)
        rc = mp_ens_create(&sim, &c);
    agree_or_exit(rc);
    n_ages = mp_config_ages(&c, NULL, 0);
    mp_ens_advance(sim, 20);
    barrier();
    t0 = now();
    mp_ens_advance(sim, memories);
    t_adv = slowest(now() - t0);
    barrier();
    t0 = now();
    agree_or_exit(mp_ens_snapshot(sim, &snap));
    t_gather = slowest(now() - t0);
    rc = 0;
    if (root) {
        snprintf(path, sizeof path, "%s/bench-mpi-%d.nc", dir, getpid());
        t0 = now();
        rc = mp_io_ens_ckpt_write(path, &c, &snap, &prov);
        t_write = now() - t0;
        unlink(path);
    }
    agree_or_exit(rc);
    mp_ens_snapshot_fini(&snap);
    mp_ens_destroy(sim);

    /* Network: sparse recurrent, 1000 inputs, fan-in 1000, BCM. */
    mp_config_init(&c);
    c.paradigm = MP_PARADIGM_NETWORK;
    c.n_in = 1000;
    c.n_out = neurons * (uint32_t)R;
    c.recurrent = 1;
    c.fan_in = 1000;
    c.w_init = 0.01;
    c.w_init_rec = 0.001;
    c.patterns = 8;
    c.pattern_kind = MP_PATTERNS_BINARY;
    c.duration_s = 1e6;
    c.record_interval_s = 1e5;
    c.noise = 0.1;
    c.threads = 1;
    c.backend = MP_BACKEND_CPU;
    rc = mp_config_validate(&c);
    if (rc == 0)
        rc = mp_net_create(&net, &c);
    agree_or_exit(rc);
    mp_net_advance(net, 2);
    barrier();
    t0 = now();
    mp_net_advance(net, steps);
    t_step = slowest(now() - t0) / (double)steps;
    mp_net_destroy(net);

    if (root) {
        printf("ranks: %d (1 thread each)\n", R);
        printf("ensemble: %.3g synapses per rank, %.3g in all, cascade n = "
               "10, %llu memories\n",
               (double)per_rank, (double)per_rank * R,
               (unsigned long long)memories);
        printf("  updates/s: %.3g in all, %.3g per rank; exchanged per "
               "measurement: one allreduce of %zu bytes\n",
               (double)per_rank * R * (double)memories / t_adv,
               (double)per_rank * (double)memories / t_adv,
               (n_ages + 1) * 8);
        printf("  checkpoint: gather to rank 0 %.3f s (%.3g GB/s), write "
               "%.3f s\n",
               t_gather,
               t_gather > 0 ? (double)per_rank * (R - 1) / t_gather / 1e9
                            : 0.0,
               t_write);
        printf("network: %u neurons per rank, %u in all, fan-in 1000, "
               "recurrent\n",
               neurons, neurons * R);
        printf("  %.3g s per step, %.3g synapse updates/s per rank; "
               "exchanged per step: %u rates (%u bytes) allgathered\n",
               t_step, (double)neurons * 1000 / t_step, neurons * R,
               neurons * R * 4);
    }
    mp_mpi_finalize();
    return 0;
}
