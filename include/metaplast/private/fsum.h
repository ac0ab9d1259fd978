/* SPDX-License-Identifier: MIT */
/*
 * fsum.h (private): sums of floating-point values over tiles in one fixed
 * order, whatever the threads, the backend or the MPI ranks that hold
 * the tiles: a binary tree keyed by the global tile index.
 *
 * Node (L, j) is the sum of tiles [j 2^L, (j+1) 2^L): at level 0 a
 * tile's own sum, above it left + right, the two halves.  Over the T
 * tiles of an ensemble the total is the root of this tree, the nodes
 * past T left out: for T not a power of two the nodes of T's binary
 * representation, from the left, v_0 + (v_1 + (... + v_last)).
 *
 * Whoever holds a contiguous range of tiles (a thread's work item, a
 * rank's block) reduces it to the nodes that lie wholly inside it, at
 * most two per level; pushing such node lists in tile order merges every
 * completed pair of siblings, so any split of [0, T) gives the same
 * nodes, the same values and the same total, bit for bit.
 */
#ifndef METAPLAST_PRIVATE_FSUM_H
#define METAPLAST_PRIVATE_FSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Nodes of a stack: 2 per level for 2^33 tiles (2^40 synapses), and one
 * being pushed. */
#define MP_FSUM_MAX 72

struct mp_fsum {
    size_t nv;                   /* values per node */
    size_t n;                    /* nodes held, in tile order */
    size_t cap;                  /* nodes v has room for */
    uint32_t level[MP_FSUM_MAX]; /* node k covers tiles */
    uint64_t index[MP_FSUM_MAX]; /* [index 2^level, (index+1) 2^level) */
    double *v;                   /* node k's values at v + k nv */
};

/* An empty stack of nodes of nv values over buf (cap x nv doubles,
 * cap <= MP_FSUM_MAX). */
static inline void mp_fsum_init(struct mp_fsum *s, double *buf, size_t nv,
                                size_t cap)
{
    s->nv = nv;
    s->n = 0;
    s->cap = cap < MP_FSUM_MAX ? cap : MP_FSUM_MAX;
    s->v = buf;
}

/*
 * Appends node (level, index) with values v; it must start where the
 * last node held ends.  Every pair of siblings this completes becomes
 * their parent, left + right.  Returns -1 when the stack is full (which
 * the bound above rules out for ranges of whole trees).
 */
static inline int mp_fsum_push(struct mp_fsum *s, uint32_t level,
                               uint64_t index, const double *v)
{
    size_t k;
    if (s->n == s->cap)
        return -1;
    memcpy(s->v + s->n * s->nv, v, s->nv * sizeof *v);
    s->level[s->n] = level;
    s->index[s->n] = index;
    s->n++;
    while (s->n >= 2) {
        const size_t a = s->n - 2, b = s->n - 1;
        double *left = s->v + a * s->nv;
        const double *right = s->v + b * s->nv;
        if (s->level[a] != s->level[b] || (s->index[a] & 1u) ||
            s->index[b] != s->index[a] + 1)
            break;
        for (k = 0; k < s->nv; k++)
            left[k] = left[k] + right[k];
        s->level[a]++;
        s->index[a] >>= 1;
        s->n--;
    }
    return 0;
}

/* The total of the nodes held, folded from the right (for the nodes of
 * [0, T): the root of the tree). */
static inline void mp_fsum_total(const struct mp_fsum *s, double *out)
{
    size_t k, j;
    if (!s->n) {
        for (k = 0; k < s->nv; k++)
            out[k] = 0.0;
        return;
    }
    memcpy(out, s->v + (s->n - 1) * s->nv, s->nv * sizeof *out);
    for (j = s->n - 1; j-- > 0;)
        for (k = 0; k < s->nv; k++)
            out[k] = s->v[j * s->nv + k] + out[k];
}

/* The largest aligned node that starts at tile t, ends by tile end and
 * is at most 2^max_level tiles: its level. */
static inline uint32_t mp_fsum_level_at(uint64_t t, uint64_t end,
                                        uint32_t max_level)
{
    uint32_t L = 0;
    while (L < max_level && !((t >> L) & 1u) && t + (UINT64_C(2) << L) <= end)
        L++;
    return L;
}

#endif
