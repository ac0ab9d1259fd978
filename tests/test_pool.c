/* SPDX-License-Identifier: MIT */
/*
 * test_pool.c: the CPU backends' thread pool (pool.h): every item of a
 * loop runs exactly once, on a thread below the loop's width, for any
 * thread count, width, chunk and size (none, fewer items than threads);
 * per-thread partial sums give the one total; the width follows the
 * work; idle workers sleep instead of spinning.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metaplast/private/pool.h"

struct job {
    int64_t n;
    int width;
    _Atomic int *visits;  /* per item */
    int64_t *value;       /* per item: a function of the item only */
    int64_t *partial;     /* per thread: the sum of its items' values */
    _Atomic int bad;      /* a range outside [0, n), a worker >= width */
    _Atomic int calls;
};

static int64_t value_of(int64_t i)
{
    return (i * 2654435761) % 1000003 - 500000;
}

static void visit(void *arg, int64_t i0, int64_t i1, int worker)
{
    struct job *j = arg;
    int64_t i;
    atomic_fetch_add(&j->calls, 1);
    if (i0 < 0 || i1 > j->n || i0 >= i1 || worker < 0 ||
        worker >= j->width) {
        atomic_store(&j->bad, 1);
        return;
    }
    for (i = i0; i < i1; i++) {
        atomic_fetch_add(&j->visits[i], 1);
        j->value[i] = value_of(i);
        j->partial[worker] += value_of(i);
    }
}

/* One loop; its checks.  Returns the number of calls of fn. */
static int check_loop(struct mp_pool *pool, int width, int64_t n,
                      int64_t chunk)
{
    struct job j;
    int64_t i, total = 0, want = 0;
    int w, eff = width < 1 ? 1 : width;
    memset(&j, 0, sizeof j);
    j.n = n;
    j.width = eff;
    j.visits = calloc((size_t)n + 1, sizeof *j.visits);
    j.value = calloc((size_t)n + 1, sizeof *j.value);
    j.partial = calloc((size_t)eff, sizeof *j.partial);
    cr_assert(j.visits && j.value && j.partial);
    mp__pool_run(pool, width, n, chunk, visit, &j);
    cr_assert_eq(atomic_load(&j.bad), 0,
                 "a range or worker out of bounds (width %d, n %lld, "
                 "chunk %lld)",
                 width, (long long)n, (long long)chunk);
    for (i = 0; i < n; i++) {
        cr_assert_eq(atomic_load(&j.visits[i]), 1,
                     "item %lld of %lld visited %d times (width %d, "
                     "chunk %lld)",
                     (long long)i, (long long)n, atomic_load(&j.visits[i]),
                     width, (long long)chunk);
        cr_assert_eq(j.value[i], value_of(i));
        want += value_of(i);
    }
    for (w = 0; w < eff; w++)
        total += j.partial[w];
    cr_assert_eq(total, want, "partial sums: %lld, want %lld",
                 (long long)total, (long long)want);
    free(j.visits);
    free(j.value);
    free(j.partial);
    return atomic_load(&j.calls);
}

/* 1, 2, 3 and 7 threads; widths up to and beyond the pool's; sizes 0, 1,
 * fewer items than threads, and many; chunks of 1, 3, 64, more than n. */
Test(pool, every_item_once_for_any_split)
{
    const int threads[] = {1, 2, 3, 7};
    const int64_t sizes[] = {0, 1, 2, 5, 7, 100, 10007};
    const int64_t chunks[] = {1, 3, 64, 20000};
    size_t t, s, k;
    int width;
    for (t = 0; t < sizeof threads / sizeof *threads; t++) {
        struct mp_pool *pool;
        cr_assert_eq(mp__pool_create(&pool, threads[t]), 0);
        cr_assert_eq(mp__pool_size(pool), threads[t]);
        for (width = 0; width <= threads[t] + 2; width++)
            for (s = 0; s < sizeof sizes / sizeof *sizes; s++)
                for (k = 0; k < sizeof chunks / sizeof *chunks; k++)
                    check_loop(pool, width > threads[t] ? threads[t] : width,
                               sizes[s], chunks[k]);
        mp__pool_destroy(pool);
    }
}

/* No items: fn is never called; one chunk, or width 1: called once, in
 * the caller. */
Test(pool, empty_and_single_chunk_loops)
{
    struct mp_pool *pool;
    cr_assert_eq(mp__pool_create(&pool, 4), 0);
    cr_expect_eq(check_loop(pool, 4, 0, 1), 0);
    cr_expect_eq(check_loop(pool, 4, 10, 10), 1);
    cr_expect_eq(check_loop(pool, 1, 1000, 1), 1);
    cr_expect_eq(check_loop(NULL, 4, 1000, 1), 1);
    mp__pool_destroy(pool);
    mp__pool_destroy(NULL);
}

/* Many short loops back to back (workers catching each job while
 * spinning, or sleeping and woken): none lost, none run twice. */
Test(pool, many_short_loops)
{
    struct mp_pool *pool;
    int r;
    cr_assert_eq(mp__pool_create(&pool, 3), 0);
    for (r = 0; r < 20000; r++)
        check_loop(pool, 3, 1 + r % 17, 1);
    mp__pool_destroy(pool);
}

/* A pool created and destroyed without a loop starts no thread; one
 * destroyed right after its first loop joins its workers. */
Test(pool, create_destroy)
{
    struct mp_pool *pool;
    int r;
    for (r = 0; r < 50; r++) {
        cr_assert_eq(mp__pool_create(&pool, 2 + r % 5), 0);
        if (r % 2)
            check_loop(pool, 2 + r % 5, 100, 1);
        mp__pool_destroy(pool);
    }
}

/* The width follows the work: a few hundred synapses run in the caller,
 * a big loop on every thread, never more threads than items. */
Test(pool, width_follows_work)
{
    struct mp_pool *pool;
    cr_assert_eq(mp__pool_create(&pool, 8), 0);
    cr_expect_eq(mp__pool_width(pool, 8, 128.0), 1);
    cr_expect_eq(mp__pool_width(pool, 1000, 3 * MP_POOL_WORK_PER_THREAD), 3);
    cr_expect_eq(mp__pool_width(pool, 1000, 1e12), 8);
    cr_expect_eq(mp__pool_width(pool, 5, 1e12), 5);
    cr_expect_eq(mp__pool_width(pool, 0, 1e12), 1);
    cr_expect_eq(mp__pool_width(NULL, 1000, 1e12), 1);
    cr_expect_eq(mp__pool_chunk(1000, 2, 1e3), 62);   /* 8 per thread */
    cr_expect_eq(mp__pool_chunk(1000, 2, 1e7), 13); /* 1.3e5 units */
    cr_expect_eq(mp__pool_chunk(10, 2, 1e12), 1);
    cr_expect_eq(mp__pool_chunk(3, 8, 1.0), 1);
    mp__pool_split_always(1);
    cr_expect_eq(mp__pool_width(pool, 8, 128.0), 8);
    mp__pool_split_always(0);
    mp__pool_destroy(pool);
    cr_expect_eq(mp__threads(5), 5);
    cr_expect_geq(mp__threads(0), 1);
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Between loops the workers sleep: over 0.3 s of idleness after a loop
 * the process uses a small fraction of that in CPU time (a spinning
 * worker would use all of it; OpenMP's default spins for about that
 * long). */
Test(pool, idle_workers_sleep)
{
    struct mp_pool *pool;
    struct timespec pause = {0, 300000000};
    double t0;
    cr_assert_eq(mp__pool_create(&pool, 3), 0);
    check_loop(pool, 3, 1000, 1);
    t0 = cpu_seconds();
    nanosleep(&pause, NULL);
    cr_expect_lt(cpu_seconds() - t0, 0.05,
                 "%.3f s of CPU while idle for 0.3 s", cpu_seconds() - t0);
    mp__pool_destroy(pool);
}
