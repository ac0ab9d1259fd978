/* SPDX-License-Identifier: MIT */
/*
 * net_observe.c: what a rate network shows of itself — responses, record
 * samples, the first non-finite value — and its snapshots.  All of it
 * works on the host copy of the state (brought up to date from the
 * backend), in an order that does not depend on threads or ranks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/error.h"
#include "metaplast/private/net_rules.h"
#include "metaplast/private/par.h"
#include "metaplast/private/pool.h"
#include "metaplast/private/util.h"
#include "net_internal.h"

int mp__net_sync(const struct mp_net *cn)
{
    struct mp_net *n = (struct mp_net *)cn;
    int rc;
    if (!n->host_stale)
        return 0;
    rc = n->be.download(&n->be, &n->s, 1);
    if (!rc)
        n->host_stale = 0;
    return rc;
}

/* Row i's drive by presynaptic rates x (held here). */
static float drive(const struct mp_net *n, uint32_t i, const float *x)
{
    const struct mp_net_params *p = &n->p;
    const size_t row = (size_t)(i - p->r0) * p->L;
    return mp_net_rate(mp_row_dot(n->s.w + row,
                                  p->sparse ? n->s.idx + row : NULL, x, p->L),
                       n->s.gain, n->s.bias, p->bias, i);
}

/* Pattern k on the inputs, silence on the recurrent cells. */
static const float *pattern_alone(const struct mp_net *n, uint32_t k)
{
    memcpy(n->zr, mp_net_pattern(n, k), n->p.n_in * sizeof *n->zr);
    return n->zr;
}

float mp_net_response(const struct mp_net *n, uint32_t i, uint32_t k)
{
    if (i < n->p.r0 || i >= n->p.r1 || k >= n->cfg.patterns) {
        mp__fail(MP_EINVAL,
                 "mp_net_response: neuron %u of rows [%u, %u) held here, "
                 "pattern %u of %u",
                 i, n->p.r0, n->p.r1, k, n->cfg.patterns);
        return NAN;
    }
    if (mp__net_sync(n))
        return NAN;
    return drive(n, i, pattern_alone(n, k));
}

/* Histogram bins of one block of weights (a loop the compiler runs in
 * vector registers: the division is the cost). */
#define STATS_BLOCK 256

static void bins_of(const float *w, uint32_t n, double lo, double hi,
                    uint32_t B, int64_t *bin)
{
    uint32_t j;
    for (j = 0; j < n; j++)
        bin[j] = (int64_t)(((double)w[j] - lo) / (hi - lo) * B);
}

/* The weight statistics of rows [i0, i1) of those held: per row its sum
 * and sum of squares (rs, 2 per neuron, added in weight order), the
 * histogram over [w_min, w_max] into hist. */
static void weight_stats(const struct mp_net *n, uint32_t i0, uint32_t i1,
                         double *rs, int64_t *hist)
{
    const struct mp_net_params *p = &n->p;
    const uint32_t B = n->cfg.histogram_bins;
    const double lo = n->cfg.w_min, hi = n->cfg.w_max;
    int64_t bin[STATS_BLOCK];
    uint32_t i, j, j0;
    for (i = i0; i < i1; i++) {
        const float *w = n->s.w + (size_t)(i - p->r0) * p->L;
        double sum = 0.0, sq = 0.0;
        for (j0 = 0; j0 < p->L; j0 += STATS_BLOCK) {
            const uint32_t m =
                p->L - j0 < STATS_BLOCK ? p->L - j0 : STATS_BLOCK;
            bins_of(w + j0, m, lo, hi, B, bin);
            for (j = 0; j < m; j++) {
                const double v = w[j0 + j];
                const int64_t b = bin[j];
                sum += v;
                sq += v * v;
                hist[b < 0 ? 0 : b >= (int64_t)B ? B - 1 : b]++;
            }
        }
        rs[2 * i] = sum;
        rs[2 * i + 1] = sq;
    }
}

static int sample_alloc(struct mp_net_sample *s, uint32_t N, uint32_t K,
                        uint32_t B)
{
    s->theta = malloc(N * sizeof *s->theta);
    s->rate = malloc(N * sizeof *s->rate);
    s->response = malloc((size_t)N * K * sizeof *s->response);
    s->histogram = calloc(B, sizeof *s->histogram);
    if (!s->theta || !s->rate || !s->response || !s->histogram) {
        mp_net_sample_fini(s);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    return 0;
}

/* Patterns per pass over the weights when sampling responses: as many
 * padded patterns as fit 4 MiB (the rows are read once per batch). */
#define RESPONSE_BATCH_BYTES (UINT64_C(4) << 20)

/* One record's row work, split by rows over the run's threads: each
 * row's values are computed as on one thread (drive() and weight_stats'
 * orders), the histograms per thread added in thread order (integers). */
struct sample_job {
    struct mp_net *n;
    struct mp_net_sample *s;
    double *rs;
    const float *xs;   /* kn padded patterns, from pattern k0 */
    uint32_t k0, kn;
    int64_t *hist;     /* bins per thread (stats) */
};

static void responses_of(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct sample_job *job = arg;
    const struct mp_net_params *p = &job->n->p;
    uint32_t i, k;
    (void)worker;
    for (i = p->r0 + (uint32_t)r0; i < p->r0 + (uint32_t)r1; i++)
        for (k = 0; k < job->kn; k++)
            job->s->response[(size_t)i * p->K + job->k0 + k] =
                drive(job->n, i, job->xs + (size_t)k * p->n_pre);
}

static void stats_of(void *arg, int64_t r0, int64_t r1, int worker)
{
    const struct sample_job *job = arg;
    const uint32_t r = job->n->p.r0;
    weight_stats(job->n, r + (uint32_t)r0, r + (uint32_t)r1, job->rs,
                 job->hist + (size_t)worker * job->n->cfg.histogram_bins);
}

/* The responses of the rows held to every pattern alone (a batch of
 * patterns per pass over the rows) and their weight statistics. */
static int sample_work(struct mp_net *n, struct mp_net_sample *s,
                       double *rs, struct mp_pool *pool)
{
    const struct mp_net_params *p = &n->p;
    const size_t pre = p->n_pre, B = n->cfg.histogram_bins;
    const int64_t rows = (int64_t)(p->r1 - p->r0);
    uint64_t nb = RESPONSE_BATCH_BYTES / (pre * sizeof(float));
    const int T = mp__pool_size(pool);
    struct sample_job job;
    float *xs;
    uint32_t k;
    int t;
    nb = nb < 1 ? 1 : nb > p->K ? p->K : nb;
    xs = calloc(nb * pre, sizeof *xs);
    job.hist = calloc((size_t)T * B, sizeof *job.hist);
    if (!xs || !job.hist) {
        free(xs);
        free(job.hist);
        return mp__fail(MP_ENOMEM, "out of memory for a record");
    }
    job.n = n;
    job.s = s;
    job.rs = rs;
    job.xs = xs;
    for (job.k0 = 0; job.k0 < p->K; job.k0 += job.kn) {
        job.kn = p->K - job.k0 < nb ? p->K - job.k0 : (uint32_t)nb;
        for (k = 0; k < job.kn; k++)
            memcpy(xs + k * pre, mp_net_pattern(n, job.k0 + k),
                   p->n_in * sizeof *xs);
        mp__pool_for(pool, rows, (double)rows * p->L * job.kn,
                     responses_of, &job);
    }
    mp__pool_for(pool, rows, (double)rows * p->L * 4.0, stats_of, &job);
    for (t = 0; t < T; t++)
        for (k = 0; k < B; k++)
            s->histogram[k] += job.hist[(size_t)t * B + k];
    free(xs);
    free(job.hist);
    return 0;
}

/* The rows held: their mean rates over the interval (and its restart),
 * their responses, their weight statistics. */
static int sample_rows(struct mp_net *n, struct mp_net_sample *s,
                       double *rs)
{
    const struct mp_net_params *p = &n->p;
    struct mp_pool *pool;
    uint32_t i;
    int rc;
    mp__net_silent_mark(n);
    for (i = p->r0; i < p->r1; i++) {
        s->rate[i] = n->n_rec ? (float)(n->s.acc_rec[i] / (double)n->n_rec)
                              : n->s.y[i];
        n->s.acc_rec[i] = 0.0;
    }
    n->n_rec = 0;
    rc = mp__pool_create(&pool, n->cfg.threads);
    if (!rc)
        rc = sample_work(n, s, rs, pool);
    mp__pool_destroy(pool);
    return rc;
}

/* Every rank's neurons to every rank; the weight moments summed row by
 * row in order (the same on any number of ranks and threads). */
static void sample_gather(struct mp_net *n, struct mp_net_sample *s,
                          double *rs)
{
    const uint64_t N = n->p.n_out, K = n->p.K;
    double sum = 0.0, sq = 0.0, cnt;
    uint32_t i;
    mp__par_allgather(n->s.theta, N, sizeof *n->s.theta,
                      N * sizeof *n->s.theta);
    memcpy(s->theta, n->s.theta, N * sizeof *s->theta);
    mp__par_allgather(s->rate, N, sizeof *s->rate, N * sizeof *s->rate);
    mp__par_allgather(s->response, N, K * sizeof *s->response,
                      N * K * sizeof *s->response);
    mp__par_allgather(rs, N, 2 * sizeof *rs, N * 2 * sizeof *rs);
    mp__par_sum_i64(s->histogram, s->bins);
    for (i = 0; i < N; i++) {
        sum += rs[2 * i];
        sq += rs[2 * i + 1];
    }
    cnt = (double)N * n->p.L;
    s->w_mean = sum / cnt;
    s->w_std = sqrt(fmax(sq / cnt - s->w_mean * s->w_mean, 0.0));
}

int mp_net_sample(struct mp_net *n, struct mp_net_sample *s)
{
    double *rs;
    int rc;

    memset(s, 0, sizeof *s);
    s->step = n->step;
    s->time_s = (double)n->step * n->cfg.dt_s;
    s->n_out = n->p.n_out;
    s->patterns = n->p.K;
    s->bins = n->cfg.histogram_bins;
    s->modulator = n->phase_m[mp__net_phase_of(n, n->step)];
    rs = malloc(2 * (size_t)n->p.n_out * sizeof *rs);
    rc = mp__net_sync(n);
    if (!rc)
        rc = rs ? sample_alloc(s, n->p.n_out, n->p.K, s->bins)
                : mp__fail(MP_ENOMEM, "out of memory");
    if (!rc)
        rc = mp__net_neuron_sample_alloc(n, s);
    if (!rc)
        rc = mp__net_silent_sample_alloc(n, s);
    rc = mp__par_agree(rc);
    if (!rc)
        rc = sample_rows(n, s, rs);
    rc = mp__par_agree(rc);
    if (!rc) {
        sample_gather(n, s, rs);
        mp__net_neuron_sample_gather(n, s);
        mp__net_silent_update(n, s);
        /* the record interval's sums restart in the backend too */
        rc = n->be.reset_rec(&n->be);
    }
    if (!rc)
        rc = mp__net_sample_views(n, s);
    free(rs);
    if (rc)
        mp_net_sample_fini(s);
    return rc;
}

void mp_net_sample_fini(struct mp_net_sample *s)
{
    free(s->theta);
    free(s->rate);
    free(s->response);
    free(s->histogram);
    free(s->weights);
    free(s->depth);
    free(s->occupancy);
    free(s->priming);
    free(s->gain);
    free(s->bias);
    free(s->silent_s);
    free(s->silent_new);
    memset(s, 0, sizeof *s);
}

/* ---- Snapshots ----------------------------------------------------------- */

int mp_net_snapshot_alloc(struct mp_net_snapshot *s, uint32_t L,
                          uint32_t n_out)
{
    memset(s, 0, sizeof *s);
    s->n_in = L;
    s->n_out = n_out;
    s->w = malloc(((size_t)L * n_out + 1) * sizeof *s->w);
    s->theta = malloc(((size_t)n_out + 1) * sizeof *s->theta);
    s->y = malloc(((size_t)n_out + 1) * sizeof *s->y);
    s->acc_scale = malloc(((size_t)n_out + 1) * sizeof *s->acc_scale);
    s->acc_rec = malloc(((size_t)n_out + 1) * sizeof *s->acc_rec);
    if (!s->w || !s->theta || !s->y || !s->acc_scale || !s->acc_rec) {
        mp_net_snapshot_fini(s);
        return mp__fail(MP_ENOMEM, "out of memory for a snapshot");
    }
    return 0;
}

void mp_net_snapshot_fini(struct mp_net_snapshot *s)
{
    free(s->state);
    free(s->w);
    free(s->theta);
    free(s->y);
    free(s->acc_scale);
    free(s->acc_rec);
    free(s->prime);
    free(s->gain);
    free(s->bias);
    free(s->silent);
    memset(s, 0, sizeof *s);
}

/* Per-neuron items of `size` bytes, this rank's block to rank 0. */
static void gather_neurons(const struct mp_net *n, const void *mine,
                           void *all, size_t size)
{
    mp__par_gather(mine, all, n->p.n_out, size, (uint64_t)n->p.n_out * size);
}

int mp_net_snapshot(const struct mp_net *n, struct mp_net_snapshot *s)
{
    /* Rank 0 receives everything; the others send their rows. */
    const struct mp_net_params *p = &n->p;
    const int root = mp__par_rank() == 0;
    const size_t L = p->L;
    int rc = mp__net_sync(n);
    if (!rc)
        rc = mp_net_snapshot_alloc(s, p->L, root ? p->n_out : 0);
    if (!rc && p->rule.discrete) {
        s->state = malloc(root ? L * p->n_out : 1);
        if (!s->state)
            rc = mp__fail(MP_ENOMEM, "out of memory for a snapshot");
    }
    if (!rc)
        rc = mp_net_snapshot_alloc_extra(s, p->rule.priming,
                                         p->rule.intrinsic != 0);
    if (!rc)
        rc = mp__net_silent_snap(n, s, root);
    rc = mp__par_agree(rc);
    if (rc) {
        mp_net_snapshot_fini(s);
        return rc;
    }
    s->n_out = p->n_out;
    s->step = n->step;
    /* A feed-forward network exchanges no rates per step. */
    gather_neurons(n, n->s.y + p->r0, s->y, sizeof *s->y);
    gather_neurons(n, n->s.w, s->w, L * sizeof *s->w);
    gather_neurons(n, n->s.theta + p->r0, s->theta, sizeof *s->theta);
    gather_neurons(n, n->s.acc_scale + p->r0, s->acc_scale,
                   sizeof *s->acc_scale);
    gather_neurons(n, n->s.acc_rec + p->r0, s->acc_rec, sizeof *s->acc_rec);
    s->counters[0] = (int64_t)n->n_scale;
    s->counters[1] = (int64_t)n->n_rec;
    if (p->rule.discrete)
        gather_neurons(n, n->s.syn, s->state, L);
    mp__net_neuron_snapshot(n, s);
    return 0;
}

/* Rank 0's check that a snapshot fits this network. */
static int snapshot_fits(const struct mp_net *n,
                         const struct mp_net_snapshot *s)
{
    int rc;
    if (s->n_in != n->p.L || s->n_out != n->p.n_out || s->step > n->total)
        return mp__fail(MP_EINVAL, "the snapshot does not fit this network");
    if (n->p.rule.discrete && !s->state)
        return mp__fail(MP_EINVAL,
                        "the snapshot has no discrete synapse states");
    rc = mp__net_neuron_fits(n, s);
    return rc ? rc : mp__net_silent_fits(n, s);
}

/* Rank 0's values (the others may pass s = NULL), block by block. */
static void spread(struct mp_net *n, const struct mp_net_snapshot *s)
{
    const struct mp_net_params *p = &n->p;
    const uint64_t N = p->n_out, L = p->L;
    if (mp__par_rank() == 0) {
        n->step = s->step;
        memcpy(n->s.y, s->y, N * sizeof *n->s.y);
        memcpy(n->s.theta, s->theta, N * sizeof *n->s.theta);
        memcpy(n->s.acc_scale, s->acc_scale, N * sizeof *n->s.acc_scale);
        memcpy(n->s.acc_rec, s->acc_rec, N * sizeof *n->s.acc_rec);
        n->n_scale = (uint64_t)s->counters[0];
        n->n_rec = (uint64_t)s->counters[1];
    }
    mp__par_bcast(&n->step, sizeof n->step);
    mp__par_bcast(&n->n_scale, sizeof n->n_scale);
    mp__par_bcast(&n->n_rec, sizeof n->n_rec);
    mp__par_bcast(n->s.y, N * sizeof *n->s.y);
    mp__par_bcast(n->s.theta, N * sizeof *n->s.theta);
    mp__par_bcast(n->s.acc_scale, N * sizeof *n->s.acc_scale);
    mp__par_bcast(n->s.acc_rec, N * sizeof *n->s.acc_rec);
    mp__par_scatter(mp__par_rank() ? NULL : s->w, n->s.w, N,
                    L * sizeof *n->s.w, N * L * sizeof *n->s.w);
    if (p->rule.discrete)
        mp__par_scatter(mp__par_rank() ? NULL : s->state, n->s.syn, N, L,
                        N * L);
    mp__net_neuron_spread(n, mp__par_rank() ? NULL : s);
}

int mp_net_restore(struct mp_net *n, const struct mp_net_snapshot *s)
{
    int rc = mp__par_agree(mp__par_rank() == 0 ? snapshot_fits(n, s) : 0);
    if (rc)
        return rc;
    spread(n, s);
    mp__net_silent_restore(n, s);
    /* z(t) = [x(t), y(t-1)] and its current, in the same summation order
     * the fused pass used, so the continuation is bit-exact. */
    mp__net_input_at(n, n->step, n->s.z);
    if (n->p.recurrent)
        memcpy(n->s.z + n->p.n_in, n->s.y, n->p.n_out * sizeof *n->s.y);
    rc = n->be.upload(&n->be, &n->s);
    if (!rc)
        rc = n->be.currents(&n->be);
    if (!rc)
        rc = n->be.download(&n->be, &n->s, 0);
    n->host_stale = 0;
    return rc;
}

/* ---- The first non-finite value ----------------------------------------- */

/* This rank's first non-finite value, as -(position) (INT64_MIN: none),
 * in the order rate, current, threshold of neuron 0, 1, ..., then the
 * weights row by row. */
static int64_t first_nonfinite(const struct mp_net *n, double *val)
{
    const struct mp_net_params *p = &n->p;
    const uint64_t nn = 3 * (uint64_t)p->n_out;
    const size_t nw = (size_t)(p->r1 - p->r0) * p->L;
    uint32_t i;
    size_t j;
    int c;
    for (i = p->r0; i < p->r1; i++) {
        const double v[3] = {n->s.y[i], n->s.h[i], n->s.theta[i]};
        for (c = 0; c < 3; c++)
            if (!isfinite(v[c])) {
                *val = v[c];
                return -(int64_t)(3 * (uint64_t)i + (uint64_t)c);
            }
    }
    for (j = 0; j < nw; j++)
        if (!isfinite(n->s.w[j])) {
            *val = n->s.w[j];
            return -(int64_t)(nn + (uint64_t)p->r0 * p->L + j);
        }
    return INT64_MIN;
}

int mp_net_check_finite(const struct mp_net *n, char *where, size_t len)
{
    /* Each rank finds its first; the smallest position wins, its owner
     * tells the value. */
    static const char *const what[3] = {"rate", "current", "theta"};
    const uint64_t nn = 3 * (uint64_t)n->p.n_out;
    int64_t key[2] = {INT64_MIN, 0}; /* -(position), owner */
    double val = 0.0;
    uint64_t pos;
    int rc = mp__par_agree(mp__net_sync(n));
    if (rc)
        return rc;
    key[0] = first_nonfinite(n, &val);
    if (mp__par_size() > 1) {
        const int64_t mine = key[0];
        mp__par_max_i64(key, 1);
        key[1] = key[0] != INT64_MIN && key[0] == mine ? mp__par_rank() : -1;
        mp__par_max_i64(key + 1, 1);
        if (key[0] != INT64_MIN)
            mp__par_bcast_from(&val, sizeof val, (int)key[1]);
    }
    if (key[0] == INT64_MIN)
        return 0;
    pos = (uint64_t)-key[0];
    if (pos < nn)
        snprintf(where, len, "%s[%llu] = %g", what[pos % 3],
                 (unsigned long long)(pos / 3), val);
    else
        snprintf(where, len, "weights[%llu][%llu] = %g",
                 (unsigned long long)((pos - nn) / n->p.L),
                 (unsigned long long)((pos - nn) % n->p.L), val);
    return 1;
}
