/* SPDX-License-Identifier: MIT */
/*
 * par.h (private): the collectives of one run across MPI ranks.  Under mpirun (or srun) the
 * run is split across MPI ranks; otherwise there is one process and every
 * operation here is a copy or nothing.  All collectives use exact
 * arithmetic (integer sums, maxima) or move bytes, so a result never
 * depends on the number of ranks (docs/MPI.md).
 *
 * Work is split in contiguous blocks: of `items` items, rank r owns
 * [items*r/R, items*(r+1)/R).
 */
#ifndef METAPLAST_PRIVATE_PAR_H
#define METAPLAST_PRIVATE_PAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int mp__par_rank(void);
int mp__par_size(void);
/* The rank among those on this node (for the GPU mapping), and how many
 * ranks this node runs. */
int mp__par_local_rank(void);
int mp__par_local_size(void);
/* Every rank's status to one verdict (mp_mpi_agree). */
int mp__par_agree(int rc);

/* The block of `items` owned by `rank`. */
void mp__par_range(uint64_t items, int rank, uint64_t *lo, uint64_t *hi);

/* In place, over all ranks: exact integer sum / maximum. */
void mp__par_sum_i64(int64_t *v, size_t n);
void mp__par_max_i64(int64_t *v, size_t n);
/* Rank 0's (or root's) bytes to every rank. */
void mp__par_bcast(void *buf, size_t bytes);
void mp__par_bcast_from(void *buf, size_t bytes, int root);

/*
 * Block moves of an array of `items` items of `item_bytes` bytes whose
 * last item may be cut at `total_bytes` (<= items * item_bytes): rank r's
 * part is the bytes [lo * item_bytes, min(hi * item_bytes, total_bytes))
 * of its block.  `all` is the whole array (used on rank 0 only for
 * gather / scatter, on every rank for allgather), `mine` the rank's part.
 */
void mp__par_gather(const void *mine, void *all, uint64_t items,
                    size_t item_bytes, uint64_t total_bytes);
void mp__par_scatter(const void *all, void *mine, uint64_t items,
                     size_t item_bytes, uint64_t total_bytes);
void mp__par_allgather(void *all, uint64_t items, size_t item_bytes,
                       uint64_t total_bytes);

#ifdef __cplusplus
}
#endif

#endif
