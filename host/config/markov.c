/* SPDX-License-Identifier: MIT */
/*
 * markov.c: the [synapse] keys of a Markov synapse (synapse.model =
 * markov): states, strength, and the matrices M+ (potentiation) and M-
 * (depression), row = from, column = to.  A matrix is written row by row:
 * rows are separated by '|' or by line breaks (a row on its own indented
 * continuation line), a line ending in '\' goes on with the same row, and
 * '*' in a row stands for the rest of its probability.  Parsing keeps each
 * row's nonzero entries; mp__cfg_markov_check resolves '*' and checks the
 * whole table once every key is known.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "metaplast/private/syn_rules.h"

/* Rows of M+ (which = 1) or M- (which = 0). */
static const char *matrix_name(int which)
{
    return which ? "potentiation" : "depression";
}

int mp__cfg_markov_strength(struct mp_config *c, const char *v)
{
    struct mp_syn_markov *m = &c->syn.markov;
    char *end;
    m->n_strength = 0;
    for (;;) {
        long s;
        while (*v == ' ' || *v == '\t' || *v == ',')
            v++;
        if (!*v)
            return 0;
        s = strtol(v, &end, 10);
        if (end == v || (s != 1 && s != -1) ||
            m->n_strength == MP_SYN_MARKOV_MAX_STATES)
            return -1;
        m->strength[m->n_strength++] = (int8_t)s;
        v = end;
    }
}

/* One entry of row r: '*' or a probability in [0, 1]. */
static int add_entry(struct mp_syn_row *r, const char *tok, size_t n,
                     uint32_t row, char *msg, size_t len)
{
    const uint32_t col = r->len++;
    char buf[64], *end;
    double p;
    if (n == 1 && tok[0] == '*') {
        if (r->star >= 0) {
            snprintf(msg, len, "row %u (from state %u) has two '*'", row,
                     row);
            return -1;
        }
        r->star = (int16_t)col;
        p = NAN;
    } else {
        snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), tok);
        p = strtod(buf, &end);
        if (end == buf || *end || !(p >= 0.0 && p <= 1.0)) {
            snprintf(msg, len,
                     "row %u, column %u (from state %u to state %u): "
                     "expected a probability in [0, 1] or '*', got '%s'",
                     row, col, row, col, buf);
            return -1;
        }
        if (p == 0.0)
            return 0;
    }
    if (r->n == MP_SYN_MAX_ENTRIES) {
        snprintf(msg, len,
                 "row %u (from state %u) has more than %d nonzero entries "
                 "(at most %d besides the diagonal)",
                 row, row, MP_SYN_MAX_ENTRIES, MP_SYN_MAX_ENTRIES - 1);
        return -1;
    }
    r->col[r->n] = (uint8_t)(col < 255 ? col : 255);
    r->p[r->n++] = p;
    if (col >= MP_SYN_MARKOV_MAX_STATES) {
        snprintf(msg, len, "row %u has more than %d columns", row,
                 MP_SYN_MARKOV_MAX_STATES);
        return -1;
    }
    return 0;
}

/* The row entries go to: the open one, or a new one. */
static struct mp_syn_row *row_for(struct mp_syn_markov *m, int which,
                                  char *msg, size_t len)
{
    struct mp_syn_row *r;
    if (m->open[which])
        return &m->row[which][m->rows[which] - 1];
    if (m->rows[which] == MP_SYN_MARKOV_MAX_STATES) {
        snprintf(msg, len, "more than %d rows", MP_SYN_MARKOV_MAX_STATES);
        return NULL;
    }
    r = &m->row[which][m->rows[which]++];
    memset(r, 0, sizeof *r);
    r->star = -1;
    m->open[which] = 1;
    return r;
}

int mp__cfg_markov_rows(struct mp_config *c, int which, const char *v,
                        int append, char *msg, size_t len)
{
    struct mp_syn_markov *m = &c->syn.markov;
    if (!append)
        m->rows[which] = m->open[which] = 0;
    while (*v) {
        size_t n;
        if (*v == ' ' || *v == '\t' || *v == ',') {
            v++;
        } else if (*v == '|' || *v == '\n') { /* the row ends */
            m->open[which] = 0;
            v++;
        } else if (*v == '\\' && v[strspn(v + 1, " \t") + 1] == '\n') {
            v += strspn(v + 1, " \t") + 2; /* goes on after the break */
        } else if (*v == '\\' && !v[strspn(v + 1, " \t") + 1]) {
            return 0; /* goes on on the next line: the row stays open */
        } else {
            struct mp_syn_row *r = row_for(m, which, msg, len);
            n = strcspn(v, " \t,|\n\\");
            if (!r ||
                add_entry(r, v, n, m->rows[which] - 1, msg, len))
                return -1;
            v += n;
        }
    }
    m->open[which] = 0; /* a line break ends the row */
    return 0;
}

void mp__cfg_markov_format_strength(const struct mp_config *c, char *out,
                                    size_t len)
{
    const struct mp_syn_markov *m = &c->syn.markov;
    size_t used = 0;
    uint32_t j;
    out[0] = '\0';
    for (j = 0; j < m->n_strength && used < len; j++)
        used += (size_t)snprintf(out + used, len - used, "%s%+d",
                                 j ? ", " : "", m->strength[j]);
}

/* Each row on its own continuation line, broken with '\' when long (INI
 * lines hold 200 characters). */
void mp__cfg_markov_format_rows(const struct mp_config *c, int which,
                                char *out, size_t len)
{
    const struct mp_syn_markov *m = &c->syn.markov;
    size_t used = 0;
    uint32_t i, j, e;
    out[0] = '\0';
    for (i = 0; i < m->rows[which] && used < len; i++) {
        const struct mp_syn_row *r = &m->row[which][i];
        size_t line = 4;
        used += (size_t)snprintf(out + used, len - used, "\n    ");
        for (j = 0, e = 0; j < r->len && used < len; j++) {
            char item[40] = "0";
            if (e < r->n && r->col[e] == j) {
                if (j == (uint32_t)r->star)
                    snprintf(item, sizeof item, "*");
                else
                    snprintf(item, sizeof item, "%.17g", r->p[e]);
                e++;
            }
            if (line + strlen(item) > 180) {
                used += (size_t)snprintf(out + used, len - used,
                                         " \\\n     ");
                line = 5;
            }
            used += (size_t)snprintf(out + used, len - used, "%s%s",
                                     j ? " " : "", item);
            line += strlen(item) + 1;
        }
    }
}

/* Resolves '*' of one row and checks its sum and its targets. */
static int check_row(struct mp_syn_row *r, uint32_t i, uint32_t S,
                     char *what, size_t len)
{
    double sum = 0.0;
    uint32_t e, off = 0;
    if (r->len != S) {
        snprintf(what, len,
                 "row %u (from state %u) has %u columns, expected %u "
                 "(synapse.states)",
                 i, i, r->len, S);
        return -1;
    }
    for (e = 0; e < r->n; e++)
        if ((int)r->col[e] != r->star)
            sum += r->p[e];
    for (e = 0; e < r->n; e++)
        if ((int)r->col[e] == r->star) {
            if (sum > 1.0 + 1e-9) {
                snprintf(what, len,
                         "row %u (from state %u): the entries besides "
                         "'*' sum to %.10g, more than 1",
                         i, i, sum);
                return -1;
            }
            r->p[e] = sum < 1.0 ? 1.0 - sum : 0.0;
            sum += r->p[e];
            r->star = -1;
        }
    if (fabs(sum - 1.0) > 1e-9) {
        snprintf(what, len,
                 "row %u (from state %u) sums to %.10g, expected 1 (within "
                 "1e-9; '*' stands for the rest)",
                 i, i, sum);
        return -1;
    }
    for (e = 0; e < r->n; e++)
        off += r->col[e] != i && r->p[e] > 0.0;
    if (off > MP_SYN_MAX_TARGETS) {
        snprintf(what, len,
                 "row %u (from state %u) leads to %u other states, at most "
                 "%d",
                 i, i, off, MP_SYN_MAX_TARGETS);
        return -1;
    }
    return 0;
}

static int check_strength(const struct mp_syn_markov *m, char *what,
                          size_t len)
{
    uint32_t j, weak = 0, strong = 0;
    if (m->n_strength != m->states) {
        snprintf(what, len,
                 "expected %u values of +1 or -1 (one per state, "
                 "synapse.states), got %u",
                 m->states, m->n_strength);
        return -1;
    }
    for (j = 0; j < m->states; j++) {
        if (m->strength[j] > 0)
            strong++;
        else
            weak++;
    }
    if (!weak || !strong || weak > MP_SYN_MAX_DEPTH ||
        strong > MP_SYN_MAX_DEPTH) {
        snprintf(what, len,
                 "expected 1 to %d states of each strength, got %u of "
                 "-1 and %u of +1",
                 MP_SYN_MAX_DEPTH, weak, strong);
        return -1;
    }
    return 0;
}

int mp__cfg_markov_check(struct mp_config *c, const char **key, char *what,
                         size_t len)
{
    struct mp_syn_markov *m = &c->syn.markov;
    uint32_t i, extra = 0;
    int which;
    *key = "strength";
    if (check_strength(m, what, len))
        return -1;
    for (which = 1; which >= 0; which--) {
        *key = matrix_name(which);
        if (m->rows[which] != m->states) {
            snprintf(what, len, "expected %u rows (synapse.states), got %u",
                     m->states, m->rows[which]);
            return -1;
        }
        for (i = 0; i < m->states; i++) {
            const struct mp_syn_row *r = &m->row[which][i];
            uint32_t e, off = 0;
            if (check_row(&m->row[which][i], i, m->states, what, len))
                return -1;
            for (e = 0; e < r->n; e++)
                off += r->col[e] != i && r->p[e] > 0.0;
            extra += off > 1 ? off - 1 : 0;
        }
    }
    if (extra > MP_SYN_MAX_EXTRA) {
        snprintf(what, len,
                 "the rows with several targets need %u inner thresholds "
                 "in all (targets beyond the first), at most %d",
                 extra, MP_SYN_MAX_EXTRA);
        return -1;
    }
    return 0;
}
