/* SPDX-License-Identifier: MIT */
/* test_config.c: loading, overrides, validation messages, round trip. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metaplast/config.h"
#include "metaplast/error.h"

static char path[64];

static const char *write_ini(const char *text)
{
    FILE *f;
    snprintf(path, sizeof path, "/tmp/mp-test-config-%ld.ini",
             (long)getpid());
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads and validates; returns the code, the message in mp_errmsg(). */
static int load(const char *text, struct mp_config *c)
{
    int rc;
    mp_config_init(c);
    rc = mp_config_load(c, write_ini(text));
    if (rc == 0)
        rc = mp_config_validate(c);
    unlink(path);
    return rc;
}

Test(config, loads_keys_and_scientific_notation)
{
    struct mp_config c;
    cr_assert_eq(load("[run]\nseed = 42\nmemories = 2e4\nthreads = 1\n"
                      "; a comment\n# another\n"
                      "[ensemble]\nsynapses = 1.5e6\nf = 0.25\n"
                      "burn_in = 1000\ninit = plastic\n"
                      "[synapse]\nmodel = serial\nn = 8\nq = 0.3 ; inline\n"
                      "[measure]\nevery = 5\nmax_age = 1e3\n"
                      "per_decade = 4\nclock = poisson\n"
                      "[output]\ndir = out/x\n",
                      &c),
                 0, "%s", mp_errmsg());
    cr_expect_eq(c.seed, 42u);
    cr_expect_eq(c.memories, 20000u);
    cr_expect_eq(c.threads, 1);
    cr_expect_eq(c.synapses, 1500000u);
    cr_expect_eq(c.f, 0.25);
    cr_expect_eq(c.burn_in, 1000u);
    cr_expect_eq(c.init, MP_INIT_PLASTIC);
    cr_expect_eq(c.syn.model, MP_SYN_SERIAL);
    cr_expect_eq(c.syn.n, 8u);
    cr_expect_eq(c.syn.q, 0.3);
    cr_expect_eq(c.every, 5u);
    cr_expect_eq(c.max_age, 1000u);
    cr_expect_eq(c.clock, MP_CLOCK_POISSON);
    cr_expect_str_eq(c.dir, "out/x");
    /* binary's q_plus, q_minus default to q. */
    cr_expect_eq(c.syn.q_plus, 0.3);
}

struct bad {
    const char *text;
    const char *want; /* expected in the message, after "file:" */
};

/* Every kind of bad input names the file, line and key. */
Test(config, bad_input_messages)
{
    const struct bad cases[] = {
        {"[run]\nseed = 1\n[bogus]\nx = 1\n", ":4: [bogus]: unknown section"},
        {"[run]\nsed = 1\n", ":2: run.sed: unknown key"},
        {"seed = 1\n", ":1: seed: key outside any [section]"},
        {"[run]\nmemories = lots\n", ":2: run.memories: expected an integer"},
        {"[run]\nmemories = -5\n", ":2: run.memories: expected"},
        {"[run]\nmemories = 1.5\n", ":2: run.memories: expected an integer"},
        {"[synapse]\nq = 1.5\n", ":2: synapse.q: expected a probability in [0, 1], got '1.5'"},
        {"[synapse]\nq_plus = -0.1\n", ":2: synapse.q_plus: expected a probability"},
        {"[synapse]\nn = 1\n", ":2: synapse.n: expected an integer >= 2"},
        {"[synapse]\nx = 0.6\n", ":2: synapse.x: expected a number in (0, 1/2]"},
        {"[ensemble]\nsynapses = 0\n", ":2: ensemble.synapses: expected an integer in [1"},
        {"[ensemble]\nf = 1\n", ":2: ensemble.f: expected a probability strictly"},
        {"[synapse]\nmodel = tree\n", ":2: synapse.model: expected one of binary, cascade, serial, markov, benna_fusi, got 'tree'"},
        {"[measure]\nclock = wall\n", ":2: measure.clock: expected one of memories, poisson (the theory's clock), got 'wall'"},
        {"[run]\nmemories = 100\n[measure]\nmax_age = 100\n",
         ":4: measure.max_age: must be less than run.memories (100)"},
        {"[run]\nmemories = 10\n[measure]\nages = 1, 20\n",
         ":4: measure.ages: every age must be less than run.memories"},
        {"[measure]\nages = 1,,2\n", ":2: measure.ages: expected a comma-separated"},
        {"[synapse]\nmodel = cascade\nn = 40\n", ":3: synapse.n: expected a cascade depth in [2, 32], got 40"},
        {"[synapse]\nmodel = serial\nn = 7\n", ":3: synapse.n: expected an even number"},
        {"[synapse]\nmodel = cascade\nn = 30\nx = 0.1\n", ":4: synapse.x: p_(n-1)"},
        {"[run]\nseed = 1\nseed = 2\n", ":3: run.seed: set twice (first at line 2)"},
        {"[run]\nthis line has no equals sign\n", ":2: syntax error"},
        {"[run]\nmemories = 10\n[measure]\nevery = 11\nages = 1\n", ":4: measure.every: must not exceed run.memories"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mp_config c;
        char err[512] = "", want[600];
        cr_expect_eq(load(cases[i].text, &c), MP_EINVAL,
                     "case %zu accepted", i);
        snprintf(err, sizeof err, "%s", mp_errmsg());
        snprintf(want, sizeof want, "%s%s", path, cases[i].want);
        cr_expect(strstr(err, want) == err, "case %zu:\n got  %s\n want %s",
                  i, err, want);
    }
}

Test(config, unreadable_file)
{
    struct mp_config c;
    mp_config_init(&c);
    cr_expect_eq(mp_config_load(&c, "/nonexistent/metaplast.ini"),
                 MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "/nonexistent/metaplast.ini: cannot read") != NULL,
              "%s", mp_errmsg());
}

Test(config, overrides)
{
    struct mp_config c;
    mp_config_init(&c);
    cr_assert_eq(mp_config_set(&c, "synapse.model=binary", 1),
                 0);
    cr_assert_eq(mp_config_set(&c, "run.memories=1e5", 2),
                 0);
    cr_expect_eq(c.syn.model, MP_SYN_BINARY);
    cr_expect_eq(c.memories, 100000u);
    cr_expect_eq(mp_config_set(&c, "run.memories", 3),
                 MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "--set run.memories: expected section.key=value"),
              "%s", mp_errmsg());
    cr_expect_eq(mp_config_set(&c, "ensemble.f=2", 4),
                 MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "--set ensemble.f=2: ensemble.f: expected"), "%s",
              mp_errmsg());
    cr_expect_eq(mp_config_set(&c, "run.nope=1", 5),
                 MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "run.nope: unknown key"), "%s", mp_errmsg());
    /* A relation broken by an override names the override. */
    cr_assert_eq(mp_config_set(&c, "measure.max_age=1e6", 6),
                 0);
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "--set #6: measure.max_age: must be less"), "%s",
              mp_errmsg());
}

/* The resolved config written out reads back to the same values. */
Test(config, round_trip)
{
    struct mp_config a, b;
    char *text = NULL;
    size_t len = 0, i;
    FILE *f;
    cr_assert_eq(load("[run]\nseed = 18446744073709551615\n"
                      "[ensemble]\nf = 0.1\n[synapse]\nmodel = binary\n"
                      "q_plus = 0.123456789012345\n"
                      "[measure]\nages = 5, 1, 3, 3\n",
                      &a),
                 0, "%s", mp_errmsg());
    cr_expect_eq(a.n_ages, 3u);
    cr_expect_eq(a.ages[0], 1u);
    f = open_memstream(&text, &len);
    cr_assert_eq(mp_config_write(&a, f), 0);
    fclose(f);
    cr_assert_eq(load(text, &b), 0, "%s\n%s", mp_errmsg(), text);
    free(text);
    for (i = 0; i < mp_config_nkeys(); i++) {
        char va[4096], vb[4096];
        const char *na, *nb;
        mp_config_key(&a, i, &na, va, sizeof va);
        mp_config_key(&b, i, &nb, vb, sizeof vb);
        cr_expect_str_eq(va, vb, "%s", na);
    }
}

Test(config, age_grid)
{
    struct mp_config c;
    uint64_t ages[64];
    size_t n, i;
    mp_config_init(&c);
    c.max_age = 1000;
    c.per_decade = 3;
    n = mp_config_ages(&c, ages, 64);
    /* 0..3, then round(10^(j/3)) above 3: 5, 10, 22, 46, 100, 215, 464,
     * 1000. */
    cr_assert_eq(n, 12u);
    cr_expect_eq(ages[0], 0u);
    cr_expect_eq(ages[3], 3u);
    cr_expect_eq(ages[4], 5u);
    cr_expect_eq(ages[11], 1000u);
    for (i = 1; i < n; i++)
        cr_expect(ages[i] > ages[i - 1]);
    c.max_age = 1234; /* max_age itself always ends the grid */
    n = mp_config_ages(&c, ages, 64);
    cr_expect_eq(ages[n - 1], 1234u);
}

/* Found by fuzz_config: "dir =;" loaded as the path ";", which config.ini
 * could not carry back (" ;" starts a comment).  Such paths are refused,
 * and whatever loads writes out a config that loads again. */
Test(config, fuzz_regression_comment_in_path)
{
    struct mp_config c;
    cr_expect_eq(load("[output]\ndir =;", &c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "output.dir: expected a directory path other than "
                     "'/', without ';', '#'"),
              "%s", mp_errmsg());
    cr_expect_eq(load("[output]\ndir = runs/a#1\n", &c),
                 MP_EINVAL);
}

/* Found by fuzz_config: a protocol of many phases loaded, but its written
 * line exceeded what libinih reads back (199 characters), so config.ini
 * (and resume) could not load it.  Numbers are now written in their
 * shortest exact form, and a value that cannot fit on a line is refused
 * naming the key.  The input is replayed as is. */
Test(config, fuzz_regression_long_line)
{
    struct mp_config c, d;
    char *text = NULL, *in;
    size_t len = 0, n;
    FILE *f = fopen(MP_SOURCE_DIR
                    "/tests/fuzz/regressions/config-long-protocol.ini",
                    "rb");
    cr_assert_not_null(f);
    in = calloc(1, 1 << 16);
    n = fread(in, 1, (1 << 16) - 1, f);
    fclose(f);
    in[n] = '\0';
    mp_config_init(&c);
    if (mp_config_load_text(&c, in, "fuzz.ini") == 0 &&
        mp_config_validate(&c) == 0) {
        f = open_memstream(&text, &len);
        mp_config_write(&c, f);
        fclose(f);
        mp_config_init(&d);
        cr_expect_eq(mp_config_load_text(&d, text, "w.ini"),
                     0, "written config does not load: %s", mp_errmsg());
        free(text);
    }
    free(in);
    /* 60 explicit ages do not fit one line: refused by name. */
    mp_config_init(&c);
    {
        char set[600] = "measure.ages=";
        int k;
        for (k = 0; k < 60; k++)
            snprintf(set + strlen(set), sizeof set - strlen(set), "%s%d",
                     k ? "," : "", 100 + k);
        cr_assert_eq(mp_config_set(&c, set, 1), 0);
    }
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "measure.ages: the value takes"),
              "%s", mp_errmsg());
    /* Shortest exact numbers. */
    mp_config_init(&c);
    cr_assert_eq(mp_config_set(&c, "protocol.durations=0.1s, 0.2s", 1),
                 0);
    {
        char value[256];
        const char *name;
        size_t i;
        for (i = 0; i < mp_config_nkeys(); i++) {
            mp_config_key(&c, i, &name, value, sizeof value);
            if (!strcmp(name, "protocol.durations"))
                cr_expect_str_eq(value, "0.1s, 0.2s");
        }
    }
}

/* Every default in the key table is a valid value of its key, and the
 * defaults are the documented ones (a sample of each type). */
Test(config, defaults_come_from_the_table)
{
    struct mp_config c;
    mp_config_init(&c);
    cr_assert_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    cr_expect_eq(c.syn.model, MP_SYN_CASCADE);
    cr_expect_eq(c.synapses, 100000u);
    cr_expect_eq(c.dt_s, 0.001);
    cr_expect_eq(c.switch_s, 0.01);
    cr_expect_eq(c.ckpt_every_s, 1800.0);
    cr_expect_eq(c.ckpt_every_memories, 0u);
    cr_expect_eq(c.record_max_bytes, UINT64_C(1) << 30);
    cr_expect_str_eq(c.dir, "metaplast-run");
    cr_expect_eq(c.n_phases, 0u);
}

/* A program that sets a field directly gets the same range checks as a
 * file: the key named, what was expected. */
Test(config, ranges_checked_for_fields_set_directly)
{
    struct mp_config c;
    mp_config_init(&c);
    c.synapses = 0;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "ensemble.synapses: expected an integer "
                                  "in [1, 2^40 = 1099511627776]"),
              "%s", mp_errmsg());
    mp_config_init(&c);
    c.f = 1.5;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "ensemble.f:"), "%s", mp_errmsg());
    mp_config_init(&c);
    c.syn.model = 7;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "synapse.model: expected one of binary, "
                                  "cascade, serial, markov, benna_fusi, got "
                                  "the value "
                                  "7"),
              "%s", mp_errmsg());
    mp_config_init(&c);
    c.dt_s = -1.0;
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "network.dt:"), "%s", mp_errmsg());
}

/* An unknown section lists every section of the table. */
Test(config, unknown_section_lists_all_sections)
{
    struct mp_config c;
    cr_assert_eq(load("[synaps]\nn = 3\n", &c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(), "expected one of: run, ensemble, synapse, "
                                  "measure, output, checkpoint, network, "
                                  "input, bcm, neuromod, scaling, protocol, "
                                  "record"),
              "%s", mp_errmsg());
}

/* Which keys each paradigm uses: the shared ones are exactly these, so a
 * new section is assigned to a paradigm (host/config/validate.c) before
 * it can be shared by accident; [synapse] is a network's only with
 * discrete synapses; attractor.connectivity an attractor's only with
 * fan-in. */
Test(config, keys_of_each_paradigm)
{
    static const char *const shared[] = {
        "run.paradigm", "run.seed",         "run.backend",
        "run.threads",  "output.dir",       "checkpoint.every",
        "checkpoint.deflate", "record.states", "record.max_bytes"};
    /* Of those, the ones an attractor network has no use for (it records
     * no occupancy; its record is a few curves). */
    static const char *const not_attractor[] = {"record.states",
                                                "record.max_bytes"};
    struct mp_config e, n, d, a, af;
    size_t i, j, n_shared = 0;
    mp_config_init(&e);
    mp_config_init(&n);
    mp_config_init(&a);
    n.paradigm = MP_PARADIGM_NETWORK;
    a.paradigm = MP_PARADIGM_ATTRACTOR;
    af = a;
    af.attr.fan_in = 10;
    d = n;
    d.discrete = 1;
    for (i = 0; i < mp_config_nkeys(); i++) {
        char value[4096];
        const char *name;
        int is_shared = 0, all_three;
        mp_config_key(&e, i, &name, value, sizeof value);
        if (!strcmp(name, "attractor.connectivity")) {
            cr_expect(mp_config_key_used(&af, i) &&
                          !mp_config_key_used(&a, i) &&
                          !mp_config_key_used(&e, i) &&
                          !mp_config_key_used(&n, i),
                      "%s: attractors with fan-in only", name);
            continue;
        }
        for (j = 0; j < sizeof shared / sizeof shared[0]; j++)
            is_shared |= !strcmp(name, shared[j]);
        all_three = is_shared;
        for (j = 0; j < sizeof not_attractor / sizeof not_attractor[0]; j++)
            all_three &= !!strcmp(name, not_attractor[j]);
        n_shared += (size_t)is_shared;
        cr_expect(mp_config_key_used(&e, i) || mp_config_key_used(&n, i) ||
                      mp_config_key_used(&d, i) || mp_config_key_used(&a, i),
                  "%s: no paradigm uses it", name);
        /* The attractor's: its own sections, the stream's and [synapse]. */
        cr_expect_eq(mp_config_key_used(&a, i),
                     all_three || !strncmp(name, "attractor.", 10) ||
                         !strncmp(name, "store.", 6) ||
                         !strncmp(name, "retrieve.", 9) ||
                         !strncmp(name, "synapse.", 8) ||
                         (!strncmp(name, "measure.", 8) &&
                          strcmp(name, "measure.clock")) ||
                         !strcmp(name, "run.memories"),
                     "%s: attractor", name);
        if (!strncmp(name, "synapse.", 8)) {
            cr_expect(mp_config_key_used(&e, i) && mp_config_key_used(&d, i) &&
                          !mp_config_key_used(&n, i),
                      "%s", name);
            continue;
        }
        cr_expect_eq(mp_config_key_used(&e, i) && mp_config_key_used(&n, i),
                     is_shared, "%s: shared %d", name, is_shared);
    }
    cr_expect_eq(n_shared, sizeof shared / sizeof shared[0]);
    cr_expect_not(mp_config_key_used(&e, mp_config_nkeys()));
}

/* A key of the other paradigm: refused, naming the key, where it was
 * set and the paradigm; dropped (back to its default, unset) by
 * mp_config_drop_unused, after which the configuration validates. */
Test(config, other_paradigm_keys)
{
    struct mp_config c;
    char want[256];
    cr_expect_eq(load("[run]\nmemories = 300\n[bcm]\ntau_w = 5s\n", &c),
                 MP_EINVAL);
    snprintf(want, sizeof want,
             "%s:4: bcm.tau_w is a network key; this run's paradigm is "
             "ensemble (run.paradigm, by default)",
             path);
    cr_expect(strstr(mp_errmsg(), want), "%s", mp_errmsg());
    mp_config_init(&c);
    cr_assert_eq(mp_config_set(&c, "run.paradigm=network", 1), 0);
    cr_assert_eq(mp_config_set(&c, "measure.every=3", 2), 0);
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "--set #2: measure.every is an ensemble key; this run's "
                     "paradigm is network (run.paradigm, by --set #1): "
                     "remove the key, or set run.paradigm = ensemble"),
              "%s", mp_errmsg());
    cr_assert_eq(mp_config_set(&c, "synapse.model=binary", 3), 0);
    cr_expect_eq(mp_config_validate(&c), MP_EINVAL);
    cr_expect(strstr(mp_errmsg(),
                     "--set #3: synapse.model is a key of the synapse model, "
                     "which a network uses only with discrete synapses"),
              "%s", mp_errmsg());
    mp_config_drop_unused(&c);
    cr_expect_eq(c.every, 1u);
    cr_expect_eq(c.syn.model, MP_SYN_CASCADE);
    cr_expect_eq(c.paradigm, MP_PARADIGM_NETWORK);
    cr_expect_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
    /* A network of discrete synapses keeps its model. */
    cr_assert_eq(mp_config_set(&c, "network.synapse=discrete", 4), 0);
    cr_assert_eq(mp_config_set(&c, "synapse.model=binary", 5), 0);
    mp_config_drop_unused(&c);
    cr_expect_eq(c.syn.model, MP_SYN_BINARY);
    cr_expect_eq(mp_config_validate(&c), 0, "%s", mp_errmsg());
}

/* config.ini of a network: one [run], its keys only, and it reads back
 * to the same configuration. */
Test(config, network_written_without_ensemble_keys)
{
    struct mp_config a, b;
    char *text = NULL;
    size_t len = 0, i;
    FILE *f;
    cr_assert_eq(load("[run]\nparadigm = network\nseed = 4\n"
                      "duration = 5s\n[bcm]\ntau_w = 7s\n",
                      &a),
                 0, "%s", mp_errmsg());
    f = open_memstream(&text, &len);
    cr_assert_eq(mp_config_write(&a, f), 0);
    fclose(f);
    cr_expect(strstr(text, "[run]\nparadigm = network\nseed = 4\n"), "%s",
              text);
    cr_expect(strstr(text, "duration = 5s\n"), "%s", text);
    cr_expect(!strstr(strstr(text, "[run]") + 1, "[run]"), "%s", text);
    cr_expect(!strstr(text, "[ensemble]") && !strstr(text, "[synapse]") &&
                  !strstr(text, "[measure]") && !strstr(text, "memories"),
              "%s", text);
    cr_assert_eq(load(text, &b), 0, "%s\n%s", mp_errmsg(), text);
    free(text);
    for (i = 0; i < mp_config_nkeys(); i++) {
        char va[4096], vb[4096];
        const char *na, *nb;
        mp_config_key(&a, i, &na, va, sizeof va);
        mp_config_key(&b, i, &nb, vb, sizeof vb);
        cr_expect_str_eq(va, vb, "%s", na);
    }
}

/* What each kind of key holds (typed attributes, collect's
 * coordinates), its value in the unit the kind promises, and the value
 * written the same way. */
Test(config, key_kinds)
{
    static const struct {
        const char *key;
        int kind;
    } table[] = {{"ensemble.synapses", MP_CONFIG_KIND_UINT64},
                 {"run.seed", MP_CONFIG_KIND_UINT64},
                 {"run.threads", MP_CONFIG_KIND_INT},
                 {"synapse.q", MP_CONFIG_KIND_REAL},
                 {"run.duration", MP_CONFIG_KIND_SECONDS},
                 {"bcm.tau_w", MP_CONFIG_KIND_SECONDS},
                 {"synapse.model", MP_CONFIG_KIND_TEXT},
                 {"measure.ages", MP_CONFIG_KIND_TEXT},
                 {"checkpoint.every", MP_CONFIG_KIND_TEXT},
                 {"output.dir", MP_CONFIG_KIND_TEXT}};
    struct mp_config c;
    struct mp_config_number n;
    char value[64];
    size_t i;
    mp_config_init(&c);
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        cr_assert_eq(mp_config_key_number(&c, table[i].key, &n), 0, "%s",
                     table[i].key);
        cr_expect_eq(n.kind, table[i].kind, "%s", table[i].key);
    }
    cr_expect_eq(mp_config_key_number(&c, "run.nope", &n), MP_EINVAL);
    cr_expect_eq(n.kind, MP_CONFIG_KIND_TEXT);
    cr_expect(strstr(mp_errmsg(), "run.nope: no such configuration key"),
              "%s", mp_errmsg());
    cr_expect_eq(mp_config_key_number(&c, "nodot", &n), MP_EINVAL);
    cr_assert_eq(mp_config_set(&c, "run.duration=500ms", 1), 0);
    cr_assert_eq(mp_config_key_number(&c, "run.duration", &n), 0);
    cr_expect(n.d > 0.5 - 1e-15 && n.d < 0.5 + 1e-15, "%.17g", n.d);
    cr_assert_eq(mp_config_value(&c, "run.duration", value, sizeof value),
                 0);
    cr_expect_str_eq(value, "0.5s");
    cr_assert_eq(mp_config_set(&c, "ensemble.synapses=1e4", 2), 0);
    cr_assert_eq(mp_config_key_number(&c, "ensemble.synapses", &n), 0);
    cr_expect_eq(n.u, 10000u);
    mp_config_value(&c, "ensemble.synapses", value, sizeof value);
    cr_expect_str_eq(value, "10000");
    cr_assert_eq(mp_config_set(&c, "run.threads=3", 3), 0);
    cr_assert_eq(mp_config_key_number(&c, "run.threads", &n), 0);
    cr_expect_eq(n.i, 3);
}

/* Dropping the other paradigms' keys writes inside the configuration
 * only: guard bytes on both sides stay as they were, for an ensemble, a
 * network and an attractor network (a key type whose reset wrote through
 * a missing auxiliary offset once corrupted the memory before the
 * struct); every key dropped, of every type (lists, times, neurons,
 * choices), is back to its default. */
Test(config, drop_unused_stays_inside)
{
    static const int paradigm[3] = {MP_PARADIGM_ENSEMBLE,
                                    MP_PARADIGM_NETWORK,
                                    MP_PARADIGM_ATTRACTOR};
    static const char *const set[] = {
        "ensemble.synapses=1000", "measure.ages=1,2",
        "measure.clock=poisson",  "network.neurons=5",
        "bcm.tau_w=7s",           "protocol.durations=1s,2s",
        "record.weights=0,3",     "record.states=on",
        "record.max_bytes=1e6",   "attractor.neurons=100",
        "attractor.symmetry=independent", "store.phases=5,10",
        "store.modulator=1,0.5",  "retrieve.theta=0.25"};
    struct {
        unsigned char before[64];
        struct mp_config c;
        unsigned char after[64];
    } *g = malloc(sizeof *g);
    struct mp_config *d = malloc(sizeof *d);
    char *v = malloc(MP_CFG_MAX_VALUE), *w = malloc(MP_CFG_MAX_VALUE);
    size_t k;
    int p, i, full;
    cr_assert(g && d && v && w);
    mp_config_init(d);
    for (full = 0; full < 2; full++)
        for (p = 0; p < 3; p++) {
            memset(g->before, 0xa5, sizeof g->before);
            memset(g->after, 0x5a, sizeof g->after);
            mp_config_init(&g->c);
            g->c.paradigm = paradigm[p];
            for (k = 0; full && k < sizeof set / sizeof set[0]; k++)
                cr_assert_eq(mp_config_set(&g->c, set[k], (int)k + 1), 0,
                             "%s: %s", set[k], mp_errmsg());
            mp_config_drop_unused(&g->c);
            for (i = 0; i < 64; i++) {
                cr_expect_eq(g->before[i], 0xa5,
                             "paradigm %d: byte %d before", p, i - 64);
                cr_expect_eq(g->after[i], 0x5a, "paradigm %d: byte %d after",
                             p, i);
            }
            for (k = 0; k < mp_config_nkeys(); k++) {
                const char *name;
                if (mp_config_key_used(&g->c, k))
                    continue;
                mp_config_key(&g->c, k, &name, v, MP_CFG_MAX_VALUE);
                mp_config_key(d, k, &name, w, MP_CFG_MAX_VALUE);
                cr_expect_str_eq(v, w, "paradigm %d: %s not reset", p,
                                 name);
            }
            if (!full)
                cr_expect_eq(mp_config_validate(&g->c), 0, "%s",
                             mp_errmsg());
        }
    free(w);
    free(v);
    free(d);
    free(g);
}
