/* SPDX-License-Identifier: MIT */
/*
 * pool.c: the CPU backends' threads (pool.h).  One word of state says
 * which job is open and how many workers are inside it; the caller
 * publishes a job by a new id in that word, takes chunks like any worker,
 * then closes the job, so a worker that has not arrived by then never
 * enters it, and waits only for the workers inside.  Every wait spins
 * briefly (a pause per turn) and then sleeps on a condition variable, so
 * threads descheduled by a busy machine cost a few microseconds of
 * spinning, not a core.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"

/* How long a waiting thread spins before it sleeps: a step of a small
 * network's serial part fits in it, a time slice of another process does
 * not. */
#define SPIN_NS 20000
/* A bound on threads (run.threads is a user's number). */
#define MAX_THREADS 1024

/* The state word: job id << 32 | CLOSED | workers inside the job. */
#define CLOSED (UINT64_C(1) << 31)
#define INSIDE (CLOSED - 1)

struct worker {
    struct mp_pool *pool;
    int index;      /* 1 .. size - 1 (0 is the caller) */
    uint32_t seen0; /* the job id when it started */
    pthread_t tid;
};

struct mp_pool {
    int size;    /* threads at most, the caller included */
    int started; /* workers running */
    int failed;  /* a worker could not be started: no more tries */
    struct worker *workers;
    /* The open job, written before its id is published. */
    mp_pool_fn *fn;
    void *arg;
    int64_t n, chunk;
    int width;
    int stop;
    char pad0[64];
    _Atomic int64_t next; /* the first unclaimed item */
    char pad1[64];
    _Atomic uint64_t state;
    _Atomic int sleepers;      /* workers asleep on job_cv */
    _Atomic int caller_asleep; /* the caller asleep on done_cv */
    pthread_mutex_t mu;
    pthread_cond_t job_cv, done_cv;
};

static int split_always; /* mp__pool_split_always */

void mp__pool_split_always(int on)
{
    split_always = on;
}

int mp__threads(int requested)
{
    cpu_set_t set;
    long n;
    if (requested > 0)
        return requested < MAX_THREADS ? requested : MAX_THREADS;
    if (!sched_getaffinity(0, sizeof set, &set) && CPU_COUNT(&set) > 0)
        n = CPU_COUNT(&set);
    else
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins while (*word & mask) == value is not `until`, for at most
 * SPIN_NS; returns the last value read. */
static uint64_t spin(_Atomic uint64_t *word, uint64_t mask, uint64_t value,
                     int until)
{
    int64_t t0 = 0;
    unsigned k;
    for (k = 0;; k++) {
        const uint64_t s = atomic_load(word);
        if (((s & mask) == value) == until)
            return s;
        relax();
        if (k % 32 == 31) {
            const int64_t t = now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 > SPIN_NS)
                return s;
        }
    }
}

/* A worker's wait for a job other than `seen` (or the stop). */
static uint64_t wait_job(struct mp_pool *pool, uint32_t seen)
{
    const uint64_t id_mask = ~(uint64_t)0 << 32;
    uint64_t s = spin(&pool->state, id_mask, (uint64_t)seen << 32, 0);
    if ((uint32_t)(s >> 32) != seen)
        return s;
    pthread_mutex_lock(&pool->mu);
    atomic_fetch_add(&pool->sleepers, 1);
    while ((uint32_t)((s = atomic_load(&pool->state)) >> 32) == seen)
        pthread_cond_wait(&pool->job_cv, &pool->mu);
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->mu);
    return s;
}

/* Into the job whose state was s, if it is still that job and open. */
static int enter(struct mp_pool *pool, uint64_t s)
{
    const uint64_t id = s >> 32;
    while (!(s & CLOSED) && s >> 32 == id)
        if (atomic_compare_exchange_weak(&pool->state, &s, s + 1))
            return 1;
    return 0;
}

/* Chunks claimed until none is left. */
static void work(struct mp_pool *pool, int worker)
{
    const int64_t n = pool->n, chunk = pool->chunk;
    for (;;) {
        const int64_t i0 = atomic_fetch_add_explicit(&pool->next, chunk,
                                                     memory_order_relaxed);
        if (i0 >= n)
            return;
        pool->fn(pool->arg, i0, i0 + chunk < n ? i0 + chunk : n, worker);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct mp_pool *pool = w->pool;
    uint32_t seen = w->seen0;
    for (;;) {
        uint64_t s = wait_job(pool, seen);
        seen = (uint32_t)(s >> 32);
        if (!enter(pool, s))
            continue;
        if (pool->stop)
            break;
        if (w->index < pool->width)
            work(pool, w->index);
        /* The last one out wakes a sleeping caller. */
        s = atomic_fetch_sub(&pool->state, 1);
        if ((s & INSIDE) == 1 && atomic_load(&pool->caller_asleep)) {
            pthread_mutex_lock(&pool->mu);
            pthread_cond_signal(&pool->done_cv);
            pthread_mutex_unlock(&pool->mu);
        }
    }
    atomic_fetch_sub(&pool->state, 1);
    return NULL;
}

/* Opens a job: a new id, sleeping workers woken. */
static void publish(struct mp_pool *pool)
{
    const uint64_t id = (atomic_load(&pool->state) >> 32) + 1;
    atomic_store(&pool->state, (id & 0xFFFFFFFFu) << 32);
    if (atomic_load(&pool->sleepers)) {
        pthread_mutex_lock(&pool->mu);
        pthread_cond_broadcast(&pool->job_cv);
        pthread_mutex_unlock(&pool->mu);
    }
}

/* Closes the open job and waits for the workers inside it. */
static void close_job(struct mp_pool *pool)
{
    uint64_t s = atomic_fetch_or(&pool->state, CLOSED) | CLOSED;
    if (!(s & INSIDE))
        return;
    s = spin(&pool->state, INSIDE, 0, 1);
    if (!(s & INSIDE))
        return;
    pthread_mutex_lock(&pool->mu);
    atomic_store(&pool->caller_asleep, 1);
    while (atomic_load(&pool->state) & INSIDE)
        pthread_cond_wait(&pool->done_cv, &pool->mu);
    atomic_store(&pool->caller_asleep, 0);
    pthread_mutex_unlock(&pool->mu);
}

/* Workers up to `want`, signals blocked in them (the program's handlers
 * run in its own threads); a failure leaves the pool smaller. */
static void start_workers(struct mp_pool *pool, int want)
{
    sigset_t all, old;
    if (want <= pool->started || pool->failed)
        return;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    while (pool->started < want) {
        struct worker *w = &pool->workers[pool->started];
        w->pool = pool;
        w->index = pool->started + 1;
        w->seen0 = (uint32_t)(atomic_load(&pool->state) >> 32);
        if (pthread_create(&w->tid, NULL, worker_main, w)) {
            pool->failed = 1;
            break;
        }
        pool->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int mp__pool_create(struct mp_pool **out, int threads)
{
    struct mp_pool *pool = calloc(1, sizeof *pool);
    *out = NULL;
    if (!pool)
        return mp__fail(MP_ENOMEM, "out of memory");
    pool->size = mp__threads(threads);
    pool->workers = calloc((size_t)pool->size, sizeof *pool->workers);
    if (!pool->workers) {
        free(pool);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->job_cv, NULL);
    pthread_cond_init(&pool->done_cv, NULL);
    *out = pool;
    return 0;
}

void mp__pool_destroy(struct mp_pool *pool)
{
    int i;
    if (!pool)
        return;
    if (pool->started) {
        pool->stop = 1;
        publish(pool);
        for (i = 0; i < pool->started; i++)
            pthread_join(pool->workers[i].tid, NULL);
    }
    pthread_cond_destroy(&pool->done_cv);
    pthread_cond_destroy(&pool->job_cv);
    pthread_mutex_destroy(&pool->mu);
    free(pool->workers);
    free(pool);
}

int mp__pool_size(const struct mp_pool *pool)
{
    return pool ? pool->size : 1;
}

void mp__pool_describe(const struct mp_pool *pool, char *buf, size_t size)
{
    const int n = mp__pool_size(pool);
    if (n == 1)
        snprintf(buf, size, "CPU, 1 thread");
    else
        snprintf(buf, size, "CPU, up to %d threads", n);
}

int mp__pool_width(const struct mp_pool *pool, int64_t n, double work)
{
    const double w = work / MP_POOL_WORK_PER_THREAD;
    int width = mp__pool_size(pool);
    if (w < width && !split_always)
        width = w < 1.0 ? 1 : (int)w;
    if (n < width)
        width = n < 1 ? 1 : (int)n;
    return width;
}

int64_t mp__pool_chunk(int64_t n, int width, double work)
{
    int64_t chunk = n / (8 * (int64_t)(width < 1 ? 1 : width));
    if (work > 0 && (double)chunk * (work / (double)n) >
                        MP_POOL_WORK_PER_CHUNK)
        chunk = (int64_t)(MP_POOL_WORK_PER_CHUNK / (work / (double)n));
    return chunk < 1 ? 1 : chunk;
}

void mp__pool_run(struct mp_pool *pool, int width, int64_t n, int64_t chunk,
                  mp_pool_fn *fn, void *arg)
{
    if (n <= 0)
        return;
    if (chunk < 1)
        chunk = 1;
    if (pool && width > 1 && n > chunk) {
        if (width > pool->size)
            width = pool->size;
        start_workers(pool, width - 1);
        if (width > pool->started + 1)
            width = pool->started + 1;
    }
    if (!pool || width <= 1 || n <= chunk) {
        fn(arg, 0, n, 0);
        return;
    }
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    pool->chunk = chunk;
    pool->width = width;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    publish(pool);
    work(pool, 0);
    close_job(pool);
}

void mp__pool_for(struct mp_pool *pool, int64_t n, double work,
                  mp_pool_fn *fn, void *arg)
{
    const int width = mp__pool_width(pool, n, work);
    const int64_t chunk = split_always ? 1 : mp__pool_chunk(n, width, work);
    mp__pool_run(pool, width, n, chunk, fn, arg);
}
