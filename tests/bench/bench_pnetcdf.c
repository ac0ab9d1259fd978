/* SPDX-License-Identifier: MIT */
/*
 * bench_pnetcdf.c: how to write the checkpoint of a run split across MPI
 * ranks, measured.  Each rank holds N bytes of state (a block of the
 * synapse array); three ways to put the R*N bytes into one NetCDF-4
 * variable (ubyte, 4 MiB chunks, as checkpoint.nc), each ending with the
 * file closed and fsynced:
 *   gather   MPI_Gather to rank 0 (in 1 GiB pieces), rank 0 writes a
 *            serial file (what metaplast does);
 *   parallel nc_create_par, every rank writes its block, collective;
 *   indep.   the same, independent access.
 * Standalone (links Debian's libnetcdf-mpi, not the metaplast library,
 * which uses the serial libnetcdf).  Not a test: docs/PERFORMANCE.md
 * records its output.
 *
 *   mpirun -np R metaplast-bench-pnetcdf [--bytes N] [--dir DIR]
 */
#include <fcntl.h>
#include <mpi.h>
#include <netcdf.h>
#include <netcdf_par.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

static void ck(int rc, const char *what)
{
    if (rc != NC_NOERR) {
        fprintf(stderr, "rank %d: %s: %s\n", rank, what, nc_strerror(rc));
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
}

static void sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Defines the state variable; returns its id. */
static int define(int nc, size_t total)
{
    int dim, var;
    size_t chunk = total < ((size_t)4 << 20) ? total : (size_t)4 << 20;
    ck(nc_def_dim(nc, "synapse", total, &dim), "nc_def_dim");
    ck(nc_def_var(nc, "state", NC_UBYTE, 1, &dim, &var), "nc_def_var");
    ck(nc_def_var_chunking(nc, var, NC_CHUNKED, &chunk), "chunking");
    ck(nc_enddef(nc), "nc_enddef");
    return var;
}

static double run_gather(const unsigned char *mine, size_t n,
                         const char *path)
{
    unsigned char *all = NULL;
    double t0;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    if (rank == 0)
        all = malloc(n * (size_t)size);
    /* n < 1 GiB here: one MPI_Gather. */
    MPI_Gather(mine, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE, 0,
               MPI_COMM_WORLD);
    if (rank == 0) {
        int nc, var;
        ck(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &nc), "nc_create");
        var = define(nc, n * (size_t)size);
        ck(nc_put_var_uchar(nc, var, all), "nc_put_var");
        ck(nc_close(nc), "nc_close");
        sync_file(path);
        free(all);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return MPI_Wtime() - t0;
}

static double run_parallel(const unsigned char *mine, size_t n,
                           const char *path, int mode)
{
    int nc, var;
    size_t start = n * (size_t)rank, count = n;
    double t0;
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    ck(nc_create_par(path, NC_NETCDF4 | NC_CLOBBER, MPI_COMM_WORLD,
                     MPI_INFO_NULL, &nc),
       "nc_create_par");
    var = define(nc, n * (size_t)size);
    ck(nc_var_par_access(nc, var, mode), "nc_var_par_access");
    ck(nc_put_vara_uchar(nc, var, &start, &count, mine), "nc_put_vara");
    ck(nc_close(nc), "nc_close");
    if (rank == 0)
        sync_file(path);
    MPI_Barrier(MPI_COMM_WORLD);
    return MPI_Wtime() - t0;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)64 << 20, i;
    const char *dir = "/tmp";
    char path[4096];
    unsigned char *mine;
    double best[3] = {1e300, 1e300, 1e300};
    int a, rep;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (a = 1; a + 1 < argc; a += 2) {
        if (!strcmp(argv[a], "--bytes"))
            n = strtoull(argv[a + 1], NULL, 10);
        else if (!strcmp(argv[a], "--dir"))
            dir = argv[a + 1];
    }
    mine = malloc(n);
    for (i = 0; i < n; i++) /* a cascade-like state: 20 byte values */
        mine[i] = (unsigned char)((i * 2654435761u + (size_t)rank) % 20);
    snprintf(path, sizeof path, "%s/bench-pnetcdf-%d.nc", dir,
             (int)getppid());
    for (rep = 0; rep < 3; rep++) {
        double t;
        t = run_gather(mine, n, path);
        best[0] = t < best[0] ? t : best[0];
        t = run_parallel(mine, n, path, NC_COLLECTIVE);
        best[1] = t < best[1] ? t : best[1];
        t = run_parallel(mine, n, path, NC_INDEPENDENT);
        best[2] = t < best[2] ? t : best[2];
    }
    if (rank == 0) {
        const char *names[3] = {"gather", "parallel", "indep."};
        double total = (double)n * size;
        unlink(path);
        printf("ranks: %d, %.3g MB per rank, %.3g MB in all; best of 3, "
               "closed and fsynced\n",
               size, (double)n / 1e6, total / 1e6);
        for (a = 0; a < 3; a++)
            printf("  %-9s %8.3f s  %8.3f GB/s\n", names[a], best[a],
                   total / best[a] / 1e9);
    }
    free(mine);
    MPI_Finalize();
    return 0;
}
