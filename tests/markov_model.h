/* SPDX-License-Identifier: MIT */
/*
 * markov_model.h (tests): a random Markov synapse with several targets per
 * row, and its [synapse] text.  States 0 .. S/2 - 1 are weak, the rest
 * strong; potentiation leads from j to j + 1 (mod S) and depression to
 * j - 1 (mod S) besides random others, so MF is irreducible, and every
 * row keeps some probability on its diagonal (aperiodic).  Probabilities
 * are random doubles (thresholds that need the refinement bits).
 */
#ifndef METAPLAST_TESTS_MARKOV_MODEL_H
#define METAPLAST_TESTS_MARKOV_MODEL_H

#include <stdio.h>
#include <string.h>

#include "metaplast/model.h"

static inline double mk_uniform(uint64_t *x)
{
    *x = *x * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*x >> 11) * 0x1p-53;
}

/* Adds p to column col of row r (entries kept in column order). */
static inline void mk_add(struct mp_syn_row *r, uint32_t col, double p)
{
    uint32_t e, f;
    for (e = 0; e < r->n && r->col[e] < col; e++)
        ;
    if (e < r->n && r->col[e] == col) {
        r->p[e] += p;
        return;
    }
    for (f = r->n; f > e; f--) {
        r->col[f] = r->col[f - 1];
        r->p[f] = r->p[f - 1];
    }
    r->col[e] = (uint8_t)col;
    r->p[e] = p;
    r->n++;
}

static inline void random_markov(struct mp_syn_markov *m, uint32_t S,
                          uint64_t seed)
{
    uint32_t xi, j, k;
    memset(m, 0, sizeof *m);
    m->states = m->n_strength = S;
    m->rows[0] = m->rows[1] = S;
    for (j = 0; j < S; j++)
        m->strength[j] = (int8_t)(j < S / 2 ? -1 : 1);
    for (xi = 0; xi < 2; xi++)
        for (j = 0; j < S; j++) {
            struct mp_syn_row *r = &m->row[xi][j];
            const uint32_t step = xi ? (j + 1) % S : (j + S - 1) % S;
            double left = 1.0, p;
            r->len = (uint16_t)S;
            r->star = -1;
            p = 0.2 + 0.5 * mk_uniform(&seed);
            mk_add(r, step, p);
            left -= p;
            for (k = 0; k < 2; k++) { /* up to two random others */
                const uint32_t to = (uint32_t)(mk_uniform(&seed) * S);
                p = left * 0.6 * mk_uniform(&seed);
                if (to != j) {
                    mk_add(r, to, p);
                    left -= p;
                }
            }
            mk_add(r, j, left); /* the rest stays */
        }
}

/* The [synapse] section of m (rows on their own lines). */
static inline void markov_text(const struct mp_syn_markov *m, char *out,
                        size_t len)
{
    size_t used = 0;
    uint32_t xi, j, c, e;
    used += (size_t)snprintf(out + used, len - used,
                             "[synapse]\nmodel = markov\nstates = %u\n"
                             "strength =",
                             m->states);
    for (j = 0; j < m->states; j++)
        used += (size_t)snprintf(out + used, len - used, " %+d",
                                 m->strength[j]);
    for (xi = 2; xi-- > 0;) {
        used += (size_t)snprintf(out + used, len - used, "\n%s =",
                                 xi ? "potentiation" : "depression");
        for (j = 0; j < m->states; j++) {
            const struct mp_syn_row *r = &m->row[xi][j];
            used += (size_t)snprintf(out + used, len - used, "\n   ");
            for (c = 0, e = 0; c < m->states; c++) {
                double p = 0.0;
                if (e < r->n && r->col[e] == c)
                    p = r->p[e++];
                used += (size_t)snprintf(out + used, len - used, " %.17g",
                                         p);
            }
        }
    }
    snprintf(out + used, len - used, "\n");
}

#endif
