/* SPDX-License-Identifier: MIT */
/*
 * attr_theory_chain.c: the exact expected state of one pair (i, j) of the
 * attractor network under the actual store schedule (docs/ATTRACTOR.md,
 * "Theory").  A presentation of memory nu with modulator level g moves
 * the pair's state distribution by A = I + g (M_e - I), e the candidate
 * event nu's pattern gives the pair (M+ on a potentiation, M- on a
 * depression, I when there is none); M+- are the model's own transition
 * probabilities (syn_rules.h's rule, the table the engines run).  Memories
 * come in blocks of Bt, presented R times in turn, so a block moves the
 * distribution by (A_1 ... A_Bt)^R: the same events R times.  Averaged
 * over the events of the block's memories (independent patterns) this is
 * qbar = E[(A_1 ... A_Bt)^R], computed exactly by enumerating the ne^Bt
 * event sequences of a block or from Kronecker powers, whichever costs
 * less (R = 1 needs neither: Bt = 1); conditioned on memory k's event e,
 * qc[k][e].  Blocks of the same levels share them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attr_theory.h"
#include "metaplast/error.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/private/util.h"

/* Work (multiply-adds) of one block kind at most, and the memories of a
 * block the enumeration takes (2^64 sequences are beyond it anyway). */
#define MP_ATH_MAX_WORK 1.0e9
#define MP_ATH_MAX_BLOCK 64
/* Doubles of scratch and of a block kind's operators at most. */
#define MP_ATH_MAX_MEMORY 16777216.0

double mp__ath_level(const struct mp_config *c, uint64_t mu)
{
    const struct mp_attr_params *a = &c->attr;
    double end = 0.0;
    size_t k;
    if (a->n_phases == 0)
        return 1.0;
    for (k = 0; k + 1 < a->n_phases; k++) {
        end += a->phase_memories[k];
        if ((double)mu < end)
            break;
    }
    return (double)mp_prob_threshold(a->level[k]) / 4294967296.0;
}

void mp__ath_mv(const double *A, const double *x, double *y, uint32_t S)
{
    uint32_t i, j;
    for (i = 0; i < S; i++) {
        double s = 0.0;
        for (j = 0; j < S; j++)
            s += A[(size_t)i * S + j] * x[j];
        y[i] = s;
    }
}

void mp__ath_vm(const double *u, const double *A, double *y, uint32_t S)
{
    uint32_t i, j;
    for (j = 0; j < S; j++)
        y[j] = 0.0;
    for (i = 0; i < S; i++)
        if (u[i] != 0.0)
            for (j = 0; j < S; j++)
                y[j] += u[i] * A[(size_t)i * S + j];
}

/* C = A B (S x S, C distinct from both). */
static void matmul(const double *A, const double *B, double *C, uint32_t S)
{
    uint32_t i;
    for (i = 0; i < S; i++)
        mp__ath_vm(A + (size_t)i * S, B, C + (size_t)i * S, S);
}

int mp__ath_stationary(const double *A, double *pi, uint32_t S)
{
    double *M = malloc((size_t)S * S * sizeof *M), b[MP_MAX_STATES];
    uint32_t i, j, k;
    int rc = 0;
    if (!M)
        return -1;
    for (i = 0; i < S; i++) { /* (A^T - I) pi = 0, last row: sum = 1 */
        for (j = 0; j < S; j++)
            M[(size_t)i * S + j] = A[(size_t)j * S + i] - (i == j);
        b[i] = 0.0;
    }
    for (j = 0; j < S; j++)
        M[(size_t)(S - 1) * S + j] = 1.0;
    b[S - 1] = 1.0;
    for (k = 0; k < S && !rc; k++) {
        uint32_t piv = k;
        for (i = k + 1; i < S; i++)
            if (fabs(M[(size_t)i * S + k]) > fabs(M[(size_t)piv * S + k]))
                piv = i;
        if (fabs(M[(size_t)piv * S + k]) < 1e-13) {
            rc = -1;
            break;
        }
        for (j = 0; j < S; j++) {
            const double x = M[(size_t)k * S + j];
            M[(size_t)k * S + j] = M[(size_t)piv * S + j];
            M[(size_t)piv * S + j] = x;
        }
        { const double x = b[k]; b[k] = b[piv]; b[piv] = x; }
        for (i = k + 1; i < S; i++) {
            const double l = M[(size_t)i * S + k] / M[(size_t)k * S + k];
            for (j = k; j < S; j++)
                M[(size_t)i * S + j] -= l * M[(size_t)k * S + j];
            b[i] -= l * b[k];
        }
    }
    for (k = S; k-- > 0 && !rc;) {
        double s = b[k];
        for (j = k + 1; j < S; j++)
            s -= M[(size_t)k * S + j] * pi[j];
        pi[k] = s / M[(size_t)k * S + k];
    }
    free(M);
    return rc;
}

/* M+, M- and the weights in the rule's state order; the initial
 * distribution. */
static int chain(struct mp__ath *t, const struct mp_syn_rule *r,
                 const double *p_inf)
{
    const uint32_t S = r->nstates, D = r->depths;
    uint8_t idx[256];
    uint32_t j, xi, e;
    memset(idx, 0xFF, sizeof idx);
    for (j = 0; j < S; j++)
        idx[r->byte_of[j]] = (uint8_t)j;
    for (j = 0; j < S; j++) {
        const uint32_t s = r->byte_of[j];
        t->w[j] = mp_syn_weight(s);
        for (xi = 0; xi < 2; xi++) {
            const uint32_t k = mp_syn_index(xi, s);
            double *M = xi ? t->mp : t->mm;
            for (e = 0; e < r->ntarget[k]; e++) {
                if (idx[r->target[k][e]] == 0xFF)
                    return mp__fail(MP_EINVAL, "attractor theory: a "
                                               "transition leaves the "
                                               "model's states");
                M[(size_t)j * S + idx[r->target[k][e]]] += r->tprob[k][e];
            }
            M[(size_t)j * S + j] += 1.0 - r->prob[k];
        }
        t->init[j] = p_inf ? p_inf[j] : 0.0;
    }
    if (!p_inf) { /* the most plastic states, either strength */
        const uint8_t a = idx[mp_syn_state_of(D - 1, D)],
                      b = idx[mp_syn_state_of(D, D)];
        if (a == 0xFF || b == 0xFF)
            return mp__fail(MP_EINVAL, "attractor theory: the model has "
                                       "no most plastic states");
        t->init[a] += 0.5;
        t->init[b] += 0.5;
    }
    return 0;
}

int mp__ath_open(struct mp__ath *t, const struct mp_config *c,
                 const double *p_inf)
{
    struct mp_syn_rule *r = malloc(sizeof *r);
    const double f = c->attr.coding;
    size_t S2;
    int rc;
    memset(t, 0, sizeof *t);
    t->cfg = c;
    t->R = c->attr.repeats;
    t->Bt = t->R == 1 ? 1 : c->attr.block;
    t->ne = c->attr.rule == MP_ATTR_PRESYNAPTIC ? 3 : 2;
    t->pe[MP_ATH_POT] = t->ne == 3 ? f * f : f * f + (1.0 - f) * (1.0 - f);
    t->pe[MP_ATH_DEP] = t->ne == 3 ? f * (1.0 - f) : 2.0 * f * (1.0 - f);
    t->pe[MP_ATH_NONE] = t->ne == 3 ? 1.0 - f : 0.0;
    if (!r)
        return mp__fail(MP_ENOMEM, "out of memory");
    if (mp_syn_rule_build(&c->syn, r)) {
        free(r);
        return mp__fail(MP_EINVAL, "synapse.model: not a discrete model");
    }
    t->S = r->nstates;
    S2 = (size_t)t->S * t->S;
    t->mp = calloc(S2, sizeof *t->mp);
    t->mm = calloc(S2, sizeof *t->mm);
    t->tmp = calloc(S2 * ((t->Bt < MP_ATH_MAX_BLOCK ? t->Bt
                                                    : MP_ATH_MAX_BLOCK) +
                          3),
                    sizeof *t->tmp);
    t->gbuf = calloc(t->Bt, sizeof *t->gbuf);
    rc = !t->mp || !t->mm || !t->tmp || !t->gbuf
             ? mp__fail(MP_ENOMEM, "out of memory")
             : chain(t, r, c->attr.init == MP_INIT_STATIONARY ? p_inf : NULL);
    free(r);
    return rc;
}

void mp__ath_close(struct mp__ath *t)
{
    size_t k;
    for (k = 0; k < t->ntypes; k++) {
        free(t->types[k].gate);
        free(t->types[k].qbar);
        free(t->types[k].qc);
    }
    free(t->mp);
    free(t->mm);
    free(t->tmp);
    free(t->gbuf);
    memset(t, 0, sizeof *t);
}

/* out = P A, A = I + g (M_e - I) (I for no event). */
static void present(const struct mp__ath *t, const double *P, uint32_t e,
                    double g, double *out)
{
    const size_t S2 = (size_t)t->S * t->S;
    size_t k;
    if (e == MP_ATH_NONE || g == 0.0) {
        memcpy(out, P, S2 * sizeof *out);
        return;
    }
    matmul(P, e == MP_ATH_POT ? t->mp : t->mm, out, t->S);
    if (g < 1.0)
        for (k = 0; k < S2; k++)
            out[k] = g * out[k] + (1.0 - g) * P[k];
}

/* out = P^R (sq: scratch). */
static void mpow(const double *P, uint32_t R, double *out, double *sq,
                 uint32_t S)
{
    const size_t S2 = (size_t)S * S;
    int bit = 31;
    while (bit > 0 && !((R >> bit) & 1u))
        bit--;
    memcpy(out, P, S2 * sizeof *out);
    while (bit-- > 0) {
        matmul(out, out, sq, S);
        if ((R >> bit) & 1u)
            matmul(sq, P, out, S);
        else
            memcpy(out, sq, S2 * sizeof *out);
    }
}

/* One event sequence d[] of the block: its (A_1 ... A_Bt)^R added to
 * qbar with its probability, to qc[k][d_k] with that of the others. */
static void leaf(const struct mp__ath *t, struct mp__ath_block *b,
                 const uint32_t *d, const double *P, double *pw, double *sq)
{
    const uint32_t S = t->S, Bt = t->Bt;
    const size_t S2 = (size_t)S * S;
    uint32_t k, l;
    size_t i;
    double all = 1.0;
    mpow(P, t->R, pw, sq, S);
    for (k = 0; k < Bt; k++)
        all *= t->pe[d[k]];
    for (i = 0; i < S2; i++)
        b->qbar[i] += all * pw[i];
    for (k = 0; k < Bt; k++) {
        double o = 1.0, *q = b->qc + ((size_t)k * t->ne + d[k]) * S2;
        for (l = 0; l < Bt; l++)
            if (l != k)
                o *= t->pe[d[l]];
        for (i = 0; i < S2; i++)
            q[i] += o * pw[i];
    }
}

/* Every event sequence of the block, an odometer over d[] whose last
 * digit turns fastest, the prefix products kept. */
static void enumerate(struct mp__ath *t, struct mp__ath_block *b)
{
    const uint32_t S = t->S, Bt = t->Bt;
    const size_t S2 = (size_t)S * S;
    double *pre = t->tmp; /* prefix k: A_1 ... A_k, k = 0..Bt */
    double *pw = t->tmp + (Bt + 1) * S2, *sq = pw + S2;
    uint32_t d[MP_ATH_MAX_BLOCK] = {0}, k;
    int32_t top = 0;
    memset(pre, 0, S2 * sizeof *pre);
    for (k = 0; k < S; k++)
        pre[(size_t)k * S + k] = 1.0;
    for (;;) {
        for (k = (uint32_t)top; k < Bt; k++)
            present(t, pre + k * S2, d[k], b->gate[k], pre + (k + 1) * S2);
        leaf(t, b, d, pre + Bt * S2, pw, sq);
        for (top = (int32_t)Bt - 1; top >= 0 && d[top] == t->ne - 1; top--)
            d[top] = 0;
        if (top < 0)
            return;
        d[top]++;
    }
}

/* ---- Long blocks: Kronecker powers ------------------------------------
 *
 * (X Y)^(xR) = X^(xR) Y^(xR) (the R-fold Kronecker power), so for the
 * independent A_k, E[(A_1 ... A_B)^(xR)] = prod_k E[A_k^(xR)], a product
 * of D x D matrices, D = S^R; and P^R is a contraction of P^(xR):
 * (P^R)_cd = sum over a_1..a_(R-1) of (P^(xR))_IJ, I = (c, a_1, ...,
 * a_(R-1)), J = (a_1, ..., a_(R-1), d) (digits base S, the first the
 * lowest).  Linear in B where the enumeration is exponential; chosen
 * when cheaper. */

/* out += p X^(xR) (S x S into D x D). */
static void kron_add(const double *X, uint32_t S, uint32_t R, double p,
                     double *out)
{
    const size_t D = (size_t)pow((double)S, (double)R);
    size_t I, J;
    uint32_t r;
    for (I = 0; I < D; I++)
        for (J = 0; J < D; J++) {
            size_t i = I, j = J;
            double v = p;
            for (r = 0; r < R && v != 0.0; r++, i /= S, j /= S)
                v *= X[(i % S) * S + j % S];
            out[I * D + J] += v;
        }
}

/* out = the contraction of T (D x D) to S x S. */
static void contract(const double *T, uint32_t S, uint32_t R, double *out)
{
    const size_t D = (size_t)pow((double)S, (double)R), inner = D / S;
    size_t c, d, a;
    for (c = 0; c < S; c++)
        for (d = 0; d < S; d++) {
            double s = 0.0;
            for (a = 0; a < inner; a++) /* a = a_1 + a_2 S + ... */
                s += T[(c + a * S) * D + (a + d * inner)];
            out[c * S + d] = s;
        }
}

/* The event matrix A = I + g (M_e - I) of memory k (S x S). */
static void event_matrix(const struct mp__ath *t, uint32_t e, double g,
                         double *A)
{
    const uint32_t S = t->S;
    double *I = A + (size_t)S * S; /* scratch after A */
    uint32_t i;
    memset(I, 0, (size_t)S * S * sizeof *I);
    for (i = 0; i < S; i++)
        I[(size_t)i * S + i] = 1.0;
    present(t, I, e, g, A);
}

/* The block's qbar and qc from Kronecker powers; pre: (Bt + 1) D x D
 * prefix products, then 3 D x D and 2 S x S of scratch. */
static void tensor(struct mp__ath *t, struct mp__ath_block *b, double *pre)
{
    const uint32_t S = t->S, R = t->R, Bt = t->Bt;
    const size_t D = (size_t)pow((double)S, (double)R), D2 = D * D;
    double *suf = pre + (Bt + 1) * D2, *Tk = suf + D2, *x = Tk + D2;
    double *A = x + D2;
    uint32_t k, e;
    size_t i;
    for (i = 0; i < D2; i++)
        pre[i] = suf[i] = i % (D + 1) == 0;
    for (k = 0; k < Bt; k++) { /* prefix k + 1 = prefix k E[A_k^(xR)] */
        memset(Tk, 0, D2 * sizeof *Tk);
        for (e = 0; e < t->ne; e++) {
            event_matrix(t, e, b->gate[k], A);
            kron_add(A, S, R, t->pe[e], Tk);
        }
        for (i = 0; i < D; i++)
            mp__ath_vm(pre + k * D2 + i * D, Tk, pre + (k + 1) * D2 + i * D,
                       (uint32_t)D);
    }
    contract(pre + Bt * D2, S, R, b->qbar);
    for (k = Bt; k-- > 0;) { /* suf: E[A_(k+1)^(xR)] ... */
        for (e = 0; e < t->ne; e++) {
            memset(Tk, 0, D2 * sizeof *Tk);
            event_matrix(t, e, b->gate[k], A);
            kron_add(A, S, R, 1.0, Tk);
            for (i = 0; i < D; i++) /* x = prefix k A^(xR) suf */
                mp__ath_vm(pre + k * D2 + i * D, Tk, x + i * D, (uint32_t)D);
            for (i = 0; i < D; i++)
                mp__ath_vm(x + i * D, suf, Tk + i * D, (uint32_t)D);
            contract(Tk, S, R, b->qc + ((size_t)k * t->ne + e) * S * S);
        }
        memset(Tk, 0, D2 * sizeof *Tk);
        for (e = 0; e < t->ne; e++) {
            event_matrix(t, e, b->gate[k], A);
            kron_add(A, S, R, t->pe[e], Tk);
        }
        for (i = 0; i < D; i++)
            mp__ath_vm(Tk + i * D, suf, x + i * D, (uint32_t)D);
        memcpy(suf, x, D2 * sizeof *x);
    }
}

/* Work of either way; which is cheaper (1: Kronecker powers). */
static int method(const struct mp__ath *t, double *work, double *mem)
{
    const double S = t->S, B = t->Bt, ne = t->ne;
    const double D = pow(S, (double)t->R);
    const double enumerate =
        pow(ne, B) * (S * S * S * (2.0 + 2.0 * log2((double)t->R)) +
                      B * S * S);
    const double kron = B * D * D * D * (2.0 + 2.0 * ne);
    *mem = (B + 4.0) * D * D + 2.0 * S * S;
    if (t->force ? t->force == 1
                 : t->Bt <= MP_ATH_MAX_BLOCK &&
                       (enumerate <= kron || *mem > MP_ATH_MAX_MEMORY)) {
        *work = enumerate;
        return 0;
    }
    *work = kron;
    return 1;
}

static int build(struct mp__ath *t, const double *gate)
{
    struct mp__ath_block *b = &t->types[t->ntypes];
    const size_t S2 = (size_t)t->S * t->S;
    double work, mem, *pre = NULL;
    const int kron = method(t, &work, &mem);
    if (work > MP_ATH_MAX_WORK || (kron && mem > MP_ATH_MAX_MEMORY) ||
        (!kron && t->Bt > MP_ATH_MAX_BLOCK) ||
        (double)S2 * t->Bt * t->ne > MP_ATH_MAX_MEMORY ||
        t->ntypes == sizeof t->types / sizeof t->types[0])
        return MP_ATH_TOO_COSTLY;
    b->gate = malloc(t->Bt * sizeof *b->gate);
    b->qbar = calloc(S2, sizeof *b->qbar);
    b->qc = calloc(S2 * t->Bt * t->ne, sizeof *b->qc);
    pre = kron ? malloc((size_t)mem * sizeof *pre) : NULL;
    t->ntypes++;
    if (!b->gate || !b->qbar || !b->qc || (kron && !pre)) {
        free(pre);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    memcpy(b->gate, gate, t->Bt * sizeof *gate);
    if (kron)
        tensor(t, b, pre);
    else
        enumerate(t, b);
    free(pre);
    return 0;
}

static const struct mp__ath_block *kind(struct mp__ath *t,
                                        const double *gate, int *rc)
{
    size_t k;
    for (k = 0; k < t->ntypes; k++)
        if (!memcmp(t->types[k].gate, gate, t->Bt * sizeof *gate))
            return &t->types[k];
    *rc = build(t, gate);
    return *rc ? NULL : &t->types[t->ntypes - 1];
}

const struct mp__ath_block *mp__ath_block(struct mp__ath *t, uint64_t b,
                                          int *rc)
{
    uint32_t k;
    for (k = 0; k < t->Bt; k++)
        t->gbuf[k] = mp__ath_level(t->cfg, b * t->Bt + k);
    return kind(t, t->gbuf, rc);
}

const struct mp__ath_block *mp__ath_block_last(struct mp__ath *t, int *rc)
{
    uint32_t k;
    for (k = 0; k < t->Bt; k++)
        t->gbuf[k] = mp__ath_level(t->cfg, UINT64_MAX);
    return kind(t, t->gbuf, rc);
}
