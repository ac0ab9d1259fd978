/* SPDX-License-Identifier: MIT */
/* occupancy_cpu.c: the CPU backends' count of synapses per state byte
 * (occupancy.h), shared by the ensemble and network backends. */
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/occupancy.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"

/* Bytes per work item. */
#define HIST_CHUNK 65536u

struct hist_job {
    const uint8_t *bytes;
    uint64_t n;
    int64_t *part; /* MP_STATE_BYTES counts per thread */
};

/* Chunks [k0, k1) into the counts of thread `worker`. */
static void hist_chunks(void *arg, int64_t k0, int64_t k1, int worker)
{
    const struct hist_job *job = arg;
    int64_t *h = job->part + (size_t)worker * MP_STATE_BYTES;
    const uint64_t end = (uint64_t)k1 * HIST_CHUNK < job->n
                             ? (uint64_t)k1 * HIST_CHUNK
                             : job->n;
    uint64_t i;
    for (i = (uint64_t)k0 * HIST_CHUNK; i < end; i++)
        h[job->bytes[i] & (MP_STATE_BYTES - 1u)]++;
}

int mp__state_hist(struct mp_pool *pool, const uint8_t *bytes, uint64_t n,
                   int64_t *hist)
{
    const int64_t chunks = (int64_t)((n + HIST_CHUNK - 1) / HIST_CHUNK);
    const int width = mp__pool_width(pool, chunks, (double)n);
    struct hist_job job;
    uint32_t b;
    int w;
    job.bytes = bytes;
    job.n = n;
    job.part = calloc((size_t)width * MP_STATE_BYTES, sizeof *job.part);
    if (!job.part)
        return mp__fail(MP_ENOMEM, "out of memory");
    mp__pool_run(pool, width, chunks, 1, hist_chunks, &job);
    memset(hist, 0, MP_STATE_BYTES * sizeof *hist);
    for (w = 0; w < width; w++)
        for (b = 0; b < MP_STATE_BYTES; b++)
            hist[b] += job.part[(size_t)w * MP_STATE_BYTES + b];
    free(job.part);
    return 0;
}
