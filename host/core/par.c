/* SPDX-License-Identifier: MIT */
/*
 * par.c: the processes of one run (ranks.h, private/par.h).  After
 * mp_mpi_init, MPI_COMM_WORLD; otherwise one process.  Large moves go
 * point to point in pieces of at most 1 GiB (MPI counts are int).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "metaplast/ranks.h"

#ifdef MP_HAVE_MPI
#include <mpi.h>
#endif

static int g_rank, g_size = 1, g_local, g_local_size = 1;
#ifdef MP_HAVE_MPI
static int g_mpi;     /* MPI_Init was called */
static int *g_counts; /* allgather's counts and displacements, 2 x size */
#endif

#ifdef MP_HAVE_MPI
#define PIECE ((size_t)1 << 30)

static void bcast_from(void *buf, size_t bytes, int root)
{
    char *p = buf;
    while (bytes) {
        size_t k = bytes < PIECE ? bytes : PIECE;
        MPI_Bcast(p, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
        p += k;
        bytes -= k;
    }
}

static void send_bytes(const void *buf, size_t bytes, int to)
{
    const char *p = buf;
    while (bytes) {
        size_t k = bytes < PIECE ? bytes : PIECE;
        MPI_Send(p, (int)k, MPI_BYTE, to, 7, MPI_COMM_WORLD);
        p += k;
        bytes -= k;
    }
}

static void recv_bytes(void *buf, size_t bytes, int from)
{
    char *p = buf;
    while (bytes) {
        size_t k = bytes < PIECE ? bytes : PIECE;
        MPI_Recv(p, (int)k, MPI_BYTE, from, 7, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        p += k;
        bytes -= k;
    }
}
#endif

int mp_mpi_built(void)
{
#ifdef MP_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int mp_mpi_init(int *argc, char ***argv)
{
#ifdef MP_HAVE_MPI
    MPI_Comm node;
    if (g_mpi)
        return 0;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank,
                        MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &g_local);
    MPI_Comm_size(node, &g_local_size);
    MPI_Comm_free(&node);
    g_mpi = 1;
    /* Allocated once, here: a failed allocation inside a collective would
     * send one rank down another path than the others. */
    g_counts = malloc(2 * (size_t)g_size * sizeof *g_counts);
    return mp__par_agree(g_counts ? 0 : mp__fail(MP_ENOMEM, "out of memory"));
#else
    (void)argc;
    (void)argv;
    return mp__fail(MP_ENOTSUP,
                    "started by an MPI launcher, but this build has no MPI "
                    "(configure with -DMP_MPI=ON where OpenMPI is "
                    "installed)");
#endif
}

void mp_mpi_finalize(void)
{
#ifdef MP_HAVE_MPI
    if (g_mpi)
        MPI_Finalize();
    free(g_counts);
    g_counts = NULL;
    g_mpi = 0;
    g_rank = 0;
    g_size = 1;
    g_local = 0;
    g_local_size = 1;
#endif
}

int mp_mpi_rank(void)
{
    return g_rank;
}

int mp_mpi_size(void)
{
    return g_size;
}

int mp_mpi_agree(int rc)
{
    return mp__par_agree(rc);
}

int mp__par_agree(int rc)
{
#ifdef MP_HAVE_MPI
    /* The lowest failing rank r wins: the maximum over ranks of size - r. */
    int64_t v = rc ? (int64_t)(g_size - g_rank) : 0, code = rc;
    char text[4096];
    int root;
    if (g_size == 1)
        return rc;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    if (!v)
        return 0;
    root = g_size - (int)v;
    snprintf(text, sizeof text, "%s", mp_errmsg());
    bcast_from(&code, sizeof code, root);
    bcast_from(text, sizeof text, root);
    if (root == 0 || !strncmp(text, "MPI rank ", 9))
        return mp__fail((int)code, "%s", text);
    return mp__fail((int)code, "MPI rank %d: %s", root, text);
#else
    return rc;
#endif
}

int mp__par_rank(void)
{
    return g_rank;
}

int mp__par_size(void)
{
    return g_size;
}

int mp__par_local_rank(void)
{
    return g_local;
}

int mp__par_local_size(void)
{
    return g_local_size;
}

void mp__par_range(uint64_t items, int rank, uint64_t *lo, uint64_t *hi)
{
    /* items * r / R exactly: items = q R + m, so it is q r + m r / R. */
    const uint64_t R = (uint64_t)g_size, q = items / R, m = items % R;
    *lo = q * (uint64_t)rank + m * (uint64_t)rank / R;
    *hi = q * (uint64_t)(rank + 1) + m * (uint64_t)(rank + 1) / R;
}

void mp__par_sum_i64(int64_t *v, size_t n)
{
#ifdef MP_HAVE_MPI
    if (g_size > 1 && n)
        MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_SUM,
                      MPI_COMM_WORLD);
#else
    (void)v;
    (void)n;
#endif
}

void mp__par_max_i64(int64_t *v, size_t n)
{
#ifdef MP_HAVE_MPI
    if (g_size > 1 && n)
        MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_MAX,
                      MPI_COMM_WORLD);
#else
    (void)v;
    (void)n;
#endif
}


/* Rank r's byte range of the array. */
static void part(uint64_t items, size_t ib, uint64_t total, int r,
                 uint64_t *off, uint64_t *len)
{
    uint64_t lo, hi, end;
    mp__par_range(items, r, &lo, &hi);
    *off = lo * ib;
    end = hi * ib;
    if (end > total)
        end = total;
    if (*off > end)
        *off = end;
    *len = end - *off;
}

void mp__par_bcast(void *buf, size_t bytes)
{
#ifdef MP_HAVE_MPI
    if (g_size > 1)
        bcast_from(buf, bytes, 0);
#else
    (void)buf;
    (void)bytes;
#endif
}

void mp__par_bcast_from(void *buf, size_t bytes, int root)
{
#ifdef MP_HAVE_MPI
    if (g_size > 1)
        bcast_from(buf, bytes, root);
#else
    (void)buf;
    (void)bytes;
    (void)root;
#endif
}

void mp__par_gather(const void *mine, void *all, uint64_t items,
                    size_t item_bytes, uint64_t total_bytes)
{
    uint64_t off, len;
    part(items, item_bytes, total_bytes, g_rank, &off, &len);
    if (g_rank == 0) {
        if (len && (char *)all + off != mine)
            memmove((char *)all + off, mine, len);
#ifdef MP_HAVE_MPI
        {
            int r;
            for (r = 1; r < g_size; r++) {
                part(items, item_bytes, total_bytes, r, &off, &len);
                recv_bytes((char *)all + off, len, r);
            }
        }
#endif
        return;
    }
#ifdef MP_HAVE_MPI
    send_bytes(mine, len, 0);
#endif
}

void mp__par_scatter(const void *all, void *mine, uint64_t items,
                     size_t item_bytes, uint64_t total_bytes)
{
    uint64_t off, len;
    part(items, item_bytes, total_bytes, g_rank, &off, &len);
    if (g_rank == 0) {
#ifdef MP_HAVE_MPI
        int r;
        for (r = 1; r < g_size; r++) {
            uint64_t o, l;
            part(items, item_bytes, total_bytes, r, &o, &l);
            send_bytes((const char *)all + o, l, r);
        }
#endif
        if (len && (const char *)all + off != mine)
            memmove(mine, (const char *)all + off, len);
        return;
    }
#ifdef MP_HAVE_MPI
    recv_bytes(mine, len, 0);
#endif
}

void mp__par_allgather(void *all, uint64_t items, size_t item_bytes,
                       uint64_t total_bytes)
{
#ifdef MP_HAVE_MPI
    int r;
    if (g_size == 1)
        return;
    if (total_bytes < (uint64_t)1 << 30) {
        int *cnt = g_counts;
        for (r = 0; r < g_size; r++) {
            uint64_t off, len;
            part(items, item_bytes, total_bytes, r, &off, &len);
            cnt[r] = (int)len;
            cnt[g_size + r] = (int)off;
        }
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, cnt,
                       cnt + g_size, MPI_BYTE, MPI_COMM_WORLD);
        return;
    }
    for (r = 0; r < g_size; r++) {
        uint64_t off, len;
        part(items, item_bytes, total_bytes, r, &off, &len);
        bcast_from((char *)all + off, len, r);
    }
#else
    (void)all;
    (void)items;
    (void)item_bytes;
    (void)total_bytes;
#endif
}
