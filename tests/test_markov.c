/* SPDX-License-Identifier: MIT */
/*
 * test_markov.c: synapse.model = markov.  The table's keys and every
 * refusal (naming the key, the row and the column); a table equal to the
 * built-in cascade n = 5 gives its theory and, with the same seed, its
 * simulation bit for bit; a random 6-state model with several targets per
 * row: its theory against an independent computation here (long double
 * matrix powers, relative 1e-12), and its simulation within 5 standard
 * errors of the theory at every age (a false alarm has probability
 * 5.7e-7 per age, < 1e-4 over the grid).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "markov_model.h"
#include "metaplast/config.h"
#include "metaplast/ens.h"
#include "metaplast/error.h"
#include "metaplast/theory.h"

static char text[1 << 16];

static int load(struct mp_config *c, const char *ini)
{
    mp_config_init(c);
    return mp_config_load_text(c, ini, "t.ini") ||
           mp_config_validate(c);
}

#define HEAD "[synapse]\nmodel = markov\nstates = 2\nstrength = -1, +1\n"

/* Every refusal names the file, the line, the key and what is wrong. */
Test(markov, bad_tables)
{
    static const struct {
        const char *ini, *want;
    } cases[] = {
        {HEAD "potentiation = 0 1 | 0 1\ndepression = 1 0 | 1.5 0\n",
         "t.ini:6: synapse.depression: row 1, column 0 (from state 1 to "
         "state 0): expected a probability in [0, 1] or '*', got '1.5'"},
        {HEAD "potentiation = 0 1 | 0 0.9\ndepression = 1 0 | 1 0\n",
         "t.ini:5: synapse.potentiation: row 1 (from state 1) sums to 0.9, "
         "expected 1"},
        {HEAD "potentiation = 0 1 | 0 1 | 0 1\ndepression = 1 0 | 1 0\n",
         "t.ini:5: synapse.potentiation: expected 2 rows (synapse.states), "
         "got 3"},
        {HEAD "potentiation = 0 1 0 | 0 1\ndepression = 1 0 | 1 0\n",
         "t.ini:5: synapse.potentiation: row 0 (from state 0) has 3 "
         "columns, expected 2"},
        {HEAD "potentiation = 0.5 * | 0 *\ndepression = 0.7 0.7 * | 1 0\n",
         "synapse.depression: row 0 (from state 0) has 3 columns"},
        {HEAD "potentiation = * * | 0 1\ndepression = 1 0 | 1 0\n",
         "synapse.potentiation: row 0 (from state 0) has two '*'"},
        {"[synapse]\nmodel = markov\nstates = 2\nstrength = -1, 2\n",
         "t.ini:4: synapse.strength: expected a list of +1 or -1"},
        {"[synapse]\nmodel = markov\nstates = 3\nstrength = -1, +1\n"
         "potentiation = 0 1 0 | 0 1 0 | 0 1 0\ndepression = 1 0 0 | 1 0 0 "
         "| 1 0 0\n",
         "t.ini:4: synapse.strength: expected 3 values of +1 or -1"},
        {"[synapse]\nmodel = markov\nstates = 2\nstrength = +1, +1\n"
         "potentiation = 1 0 | 0 1\ndepression = 1 0 | 0 1\n",
         "synapse.strength: expected 1 to 64 states of each strength, got 0 "
         "of -1 and 2 of +1"},
        {"[synapse]\nmodel = markov\nstates = 129\n",
         "t.ini:3: synapse.states: expected an integer in [2, 128]"},
        {"[synapse]\nmodel = markov\n",
         "synapse.states: expected the number of states of the markov "
         "model"},
        {HEAD "potentiation = 0 1 | 0 1\n",
         "synapse.depression: expected 2 rows (synapse.states), got 0"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mp_config c;
        cr_expect_eq(load(&c, cases[i].ini), 1, "case %zu accepted", i);
        cr_expect(strstr(mp_errmsg(), cases[i].want),
                  "case %zu:\n got  %s\n want %s", i, mp_errmsg(),
                  cases[i].want);
    }
}

/* '*' is the rest of its row; rows on their own lines; '\\' continues a
 * row; the written config reads back equal. */
Test(markov, syntax)
{
    struct mp_config c, d;
    char path[] = "/tmp/mp-test-markov-XXXXXX";
    int fd;
    FILE *f;
    cr_assert_eq(load(&c, HEAD "potentiation =\n  0.25 *\n  0 \\\n  1\n"
                               "depression = * 0.5 | 1 0\n"),
                 0, "%s", mp_errmsg());
    cr_expect_eq(c.syn.markov.row[1][0].p[1], 0.75);
    cr_expect_eq(c.syn.markov.row[1][1].n, 1);
    cr_expect_eq(c.syn.markov.row[0][0].p[0], 0.5);
    fd = mkstemp(path);
    cr_assert(fd >= 0);
    f = fdopen(fd, "w");
    cr_assert_eq(mp_config_write(&c, f), 0);
    fclose(f);
    mp_config_init(&d);
    cr_assert_eq(mp_config_load(&d, path), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_config_validate(&d), 0, "%s", mp_errmsg());
    cr_expect_eq(memcmp(&c.syn.markov.row, &d.syn.markov.row,
                        sizeof c.syn.markov.row), 0,
                 "the rows read back differ");
    unlink(path);
}

/* synapse.table: the keys from another file, relative to the config's
 * directory; a missing file and a foreign key refused, naming the file. */
Test(markov, table_file)
{
    char dir[] = "/tmp/mp-test-table-XXXXXX", p[256], cmd[300];
    struct mp_config c;
    FILE *f;
    cr_assert(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/t.ini", dir);
    f = fopen(p, "w");
    fprintf(f, "[synapse]\nstates = 2\nstrength = -1 +1\npotentiation = "
               "0 1 | 0 1\ndepression = 1 0 | 0.5 0.5\n");
    fclose(f);
    snprintf(p, sizeof p, "%s/run.ini", dir);
    f = fopen(p, "w");
    fprintf(f, "[synapse]\nmodel = markov\ntable = t.ini\n");
    fclose(f);
    mp_config_init(&c);
    cr_assert_eq(mp_config_load(&c, p), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_expect_eq(c.syn.markov.row[0][1].p[0], 0.5);
    mp_config_init(&c);
    cr_expect_eq(mp_config_set(&c, "synapse.table=/nonexistent/t.ini", 1),
                 MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "cannot read /nonexistent/t.ini"), "%s",
              mp_errmsg());
    snprintf(p, sizeof p, "%s/t.ini", dir);
    f = fopen(p, "w");
    fprintf(f, "[synapse]\nstates = 2\n[run]\nseed = 4\n");
    fclose(f);
    snprintf(p, sizeof p, "%s/run.ini", dir);
    mp_config_init(&c);
    cr_expect_eq(mp_config_load(&c, p), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "run.ini:3: synapse.table: ") &&
                  strstr(mp_errmsg(), "t.ini:4: run.seed: a synapse.table "
                                      "file holds [synapse] model, states, "
                                      "strength, potentiation and "
                                      "depression only"),
              "%s", mp_errmsg());
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The cascade n = 5 (x = 1/2) written as a table, states ordered by
 * depth within each strength. */
static void cascade5_text(char *out, size_t len)
{
    static const double q[5] = {1, 0.5, 0.25, 0.125, 0.125};
    static const double p[5] = {1, 0.5, 0.25, 0.125, 0};
    size_t used = 0;
    uint32_t xi, j, c;
    used += (size_t)snprintf(out + used, len - used,
                             "[synapse]\nmodel = markov\nstates = 10\n"
                             "strength = -1 -1 -1 -1 -1 1 1 1 1 1\n");
    for (xi = 2; xi-- > 0;) {
        used += (size_t)snprintf(out + used, len - used, "%s =",
                                 xi ? "potentiation" : "depression");
        for (j = 0; j < 10; j++) {
            /* Opposite sign: flip to depth 0; same sign: deeper. */
            const int opposite = (j < 5) == (xi == 1);
            const uint32_t d = j % 5, base = j < 5 ? 0 : 5;
            const uint32_t to = opposite ? (j < 5 ? 5 : 0) : base + d + 1;
            const double pr = opposite ? q[d] : p[d];
            used += (size_t)snprintf(out + used, len - used, "\n   ");
            for (c = 0; c < 10; c++)
                used += (size_t)snprintf(
                    out + used, len - used, " %.17g",
                    c == to && pr > 0 ? pr
                    : c == j          ? 1.0 - pr
                                      : 0.0);
        }
        used += (size_t)snprintf(out + used, len - used, "\n");
    }
}

static struct mp_ens *run(struct mp_config *c)
{
    struct mp_ens *s;
    cr_assert_eq(mp_ens_create(&s, c), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_ens_advance(s, UINT64_MAX), 0, "%s", mp_errmsg());
    return s;
}

Test(markov, equals_builtin_cascade)
{
    static const char *common =
        "[run]\nmemories = 600\nseed = 5\n[ensemble]\nsynapses = 20011\n"
        "[measure]\nmax_age = 400\nevery = 3\n";
    struct mp_config a, b;
    struct mp_ens *sa, *sb;
    struct mp_ens_curve ca, cb;
    uint64_t ages[] = {0, 1, 2, 5, 17, 100, 999, 123456};
    double ta[8], tb[8];
    uint8_t *xa = malloc(20011), *xb = malloc(20011);
    snprintf(text, sizeof text, "%s[synapse]\nmodel = cascade\nn = 5\n",
             common);
    cr_assert_eq(load(&a, text), 0, "%s", mp_errmsg());
    snprintf(text, sizeof text, "%s", common);
    cascade5_text(text + strlen(text), sizeof text - strlen(text));
    cr_assert_eq(load(&b, text), 0, "%s\n%s", mp_errmsg(), text);
    cr_assert_eq(mp_theory_curve(&a, ages, 8, ta, NULL), 0);
    cr_assert_eq(mp_theory_curve(&b, ages, 8, tb, NULL), 0);
    cr_expect_eq(memcmp(ta, tb, sizeof ta), 0, "theory differs");
    sa = run(&a);
    sb = run(&b);
    cr_assert_eq(mp_ens_state(sa, xa), 0);
    cr_assert_eq(mp_ens_state(sb, xb), 0);
    cr_expect_eq(memcmp(xa, xb, 20011), 0, "state bytes differ");
    cr_assert_eq(mp_ens_curve(sa, &ca), 0);
    cr_assert_eq(mp_ens_curve(sb, &cb), 0);
    cr_assert_eq(ca.n, cb.n);
    cr_expect_eq(memcmp(ca.signal, cb.signal, ca.n * sizeof *ca.signal), 0,
                 "curves differ");
    mp_ens_curve_fini(&ca);
    mp_ens_curve_fini(&cb);
    mp_ens_destroy(sa);
    mp_ens_destroy(sb);
    free(xa);
    free(xb);
}

/* E[m(t)] = 2 f (1-f) p_inf (M+ - M-) MF^t w, here in long double with
 * p_inf by 10^4 steps of the chain (mixing in a few dozen). */
static void independent(const struct mp_syn_markov *m, double f,
                        const uint64_t *ages, size_t n, long double *out,
                        long double *pinf)
{
    enum { S = 6 };
    long double Mp[S][S] = {{0}}, Mm[S][S] = {{0}}, MF[S][S], a[S], v[S],
                u[S];
    uint32_t i, j, e, xi;
    uint64_t t = 0;
    size_t k;
    /* The diagonal is the rest of the row (as the model defines it). */
    for (xi = 0; xi < 2; xi++)
        for (i = 0; i < S; i++) {
            long double(*M)[S] = xi ? Mp : Mm;
            M[i][i] = 1.0L;
            for (e = 0; e < m->row[xi][i].n; e++)
                if (m->row[xi][i].col[e] != i) {
                    M[i][m->row[xi][i].col[e]] += m->row[xi][i].p[e];
                    M[i][i] -= m->row[xi][i].p[e];
                }
        }
    for (i = 0; i < S; i++)
        for (j = 0; j < S; j++)
            MF[i][j] = f * Mp[i][j] + (1 - f) * Mm[i][j];
    for (i = 0; i < S; i++)
        pinf[i] = 1.0L / S;
    for (k = 0; k < 10000; k++) {
        for (j = 0; j < S; j++)
            for (u[j] = 0, i = 0; i < S; i++)
                u[j] += pinf[i] * MF[i][j];
        memcpy(pinf, u, sizeof u);
    }
    for (j = 0; j < S; j++) {
        for (a[j] = 0, i = 0; i < S; i++)
            a[j] += pinf[i] * (Mp[i][j] - Mm[i][j]);
        a[j] *= 2 * f * (1 - f);
        v[j] = m->strength[j];
    }
    for (k = 0; k < n; k++) { /* ages ascending */
        for (; t < ages[k]; t++) {
            for (i = 0; i < S; i++)
                for (u[i] = 0, j = 0; j < S; j++)
                    u[i] += MF[i][j] * v[j];
            memcpy(v, u, sizeof u);
        }
        for (out[k] = 0, j = 0; j < S; j++)
            out[k] += a[j] * v[j];
    }
}

Test(markov, random_multi_target_theory)
{
    static const uint64_t ages[] = {0, 1, 2, 3, 7, 20, 55, 150};
    struct mp_config c;
    struct mp_theory th;
    long double want[8], pinf[6];
    double got[8];
    size_t k;
    mp_config_init(&c);
    random_markov(&c.syn.markov, 6, 42);
    markov_text(&c.syn.markov, text, sizeof text);
    cr_assert_eq(load(&c, text), 0, "%s\n%s", mp_errmsg(), text);
    c.f = 0.3;
    cr_assert_eq(mp_theory_compute(&c, &th), 0, "%s", mp_errmsg());
    cr_assert_eq(mp_theory_curve(&c, ages, 8, got, NULL), 0);
    independent(&c.syn.markov, 0.3, ages, 8, want, pinf);
    cr_assert_eq(th.states, 6);
    for (k = 0; k < 6; k++)
        cr_expect(fabsl(th.p_inf[k] - pinf[k]) < 1e-12L,
                  "p_inf[%zu] %.17g, independent %.17Lg", k, th.p_inf[k],
                  pinf[k]);
    for (k = 0; k < 8; k++)
        cr_expect(fabsl(got[k] - want[k]) <= 1e-12L * fabsl(want[k]) + 1e-16L,
                  "age %llu: %.17g, independent %.17Lg",
                  (unsigned long long)ages[k], got[k], want[k]);
    cr_expect(got[0] > 0.01, "the test has power: m(0) = %g", got[0]);
}

Test(markov, random_multi_target_simulation)
{
    struct mp_config c;
    struct mp_ens *s;
    struct mp_ens_curve cv;
    double *th;
    size_t i;
    const char *scale = getenv("MP_TEST_SCALE");
    mp_config_init(&c);
    random_markov(&c.syn.markov, 6, 42);
    markov_text(&c.syn.markov, text, sizeof text);
    strcat(text, "[run]\nmemories = 4000\nseed = 3\n[ensemble]\nf = 0.3\n"
                 "[measure]\nmax_age = 60\nevery = 1\nper_decade = 5\n");
    cr_assert_eq(load(&c, text), 0, "%s", mp_errmsg());
    c.synapses = (1u << 16) / (scale ? (uint64_t)atoi(scale) : 1);
    s = run(&c);
    cr_assert_eq(mp_ens_curve(s, &cv), 0);
    th = calloc(cv.n, sizeof *th);
    cr_assert_eq(mp_theory_curve(&c, cv.age, cv.n, th, NULL), 0);
    for (i = 0; i < cv.n; i++) {
        const double z = (cv.signal[i] - th[i]) / cv.signal_sem[i];
        cr_expect(fabs(z) < 5.0,
                  "age %llu: simulated %.6g +- %.2g, theory %.6g (%.1f "
                  "standard errors)",
                  (unsigned long long)cv.age[i], cv.signal[i],
                  cv.signal_sem[i], th[i], z);
    }
    cr_expect(cv.signal[0] > 20 * cv.signal_sem[0], "no resolution");
    free(th);
    mp_ens_curve_fini(&cv);
    mp_ens_destroy(s);
}
