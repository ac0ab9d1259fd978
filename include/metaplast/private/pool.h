/* SPDX-License-Identifier: MIT */
/*
 * pool.h (private): the CPU backends' threads.  A pool is the calling
 * thread plus up to threads - 1 workers, started on first use.  A loop
 * over n items is cut into chunks that the threads taking part claim one
 * at a time (an atomic counter), so a thread the system deschedules holds
 * up at most the chunk it is in, never a fixed share.  Waiting threads
 * spin for a few microseconds, then sleep (a condition variable): they
 * never take a core from another process for long.  How many threads a
 * loop uses follows its work: a loop too small to pay for waking a
 * thread runs in the caller, with no synchronisation at all.
 *
 * Results do not depend on the split: every item must be computed the
 * same by any thread, and anything summed across items must be exact
 * (integers) or combined in a fixed order by the caller.
 */
#ifndef METAPLAST_PRIVATE_POOL_H
#define METAPLAST_PRIVATE_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Work, in units of about a synapse update (a nanosecond or two), below
 * which a loop does not wake a second thread, and per thread beyond. */
#define MP_POOL_WORK_PER_THREAD 65536.0
/* Work of a chunk at most (unless that leaves fewer than 8 chunks per
 * thread): what a descheduled thread can hold up. */
#define MP_POOL_WORK_PER_CHUNK 131072.0

struct mp_pool;

/* Items [i0, i1) of a loop, run by thread `worker` (0 = the caller,
 * below the loop's width): an index for per-thread scratch. */
typedef void mp_pool_fn(void *arg, int64_t i0, int64_t i1, int worker);

/* CPU threads for run.threads = requested: requested if > 0, else the
 * CPUs this process may run on (its affinity mask). */
int mp__threads(int requested);

/* A pool of up to mp__threads(threads) threads; no thread is started
 * yet.  MP_ENOMEM. */
int mp__pool_create(struct mp_pool **out, int threads);

/* Stops and joins the workers; NULL is allowed. */
void mp__pool_destroy(struct mp_pool *pool);

/* The most threads a loop may use (per-thread scratch is sized by it);
 * 1 for NULL. */
int mp__pool_size(const struct mp_pool *pool);

/* "CPU, up to N threads" (or "CPU, 1 thread"), for messages. */
void mp__pool_describe(const struct mp_pool *pool, char *buf, size_t size);

/* The threads a loop of n items and `work` units in all should use:
 * one per MP_POOL_WORK_PER_THREAD units, at least 1, at most n and the
 * pool's size. */
int mp__pool_width(const struct mp_pool *pool, int64_t n, double work);

/* Items per chunk for a loop of n items and `work` units on `width`
 * threads: at least 8 chunks per thread, and chunks of at most
 * MP_POOL_WORK_PER_CHUNK units where n allows. */
int64_t mp__pool_chunk(int64_t n, int width, double work);

/* fn over [0, n) in chunks of `chunk` items (>= 1) on `width` threads,
 * the caller among them; returns when every item is done.  width <= 1
 * (or a NULL pool) calls fn(arg, 0, n, 0) once.  Not reentrant: one
 * caller at a time per pool. */
void mp__pool_run(struct mp_pool *pool, int width, int64_t n, int64_t chunk,
                  mp_pool_fn *fn, void *arg);

/* mp__pool_run with the width and chunks for `work` (mp__pool_width,
 * mp__pool_chunk). */
void mp__pool_for(struct mp_pool *pool, int64_t n, double work,
                  mp_pool_fn *fn, void *arg);

/* Tests: with on = 1, mp__pool_width ignores the work (every loop of
 * more than one item uses every thread) and mp__pool_for claims one item
 * at a time, so small test cases still divide their work as finely as
 * possible; 0 restores the default.  Process-wide. */
void mp__pool_split_always(int on);

#ifdef __cplusplus
}
#endif

#endif
