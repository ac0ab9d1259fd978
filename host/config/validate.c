/* SPDX-License-Identifier: MIT */
/*
 * validate.c: the relations between keys (mp_config_validate), each
 * refusal naming the key and where its value came from; warnings; what a
 * run needs (memory, steps).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "keys.h"
#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/hopf.h"
#include "metaplast/private/syn_rules.h"
#include "metaplast/private/util.h"

#define KEY(section, name) mp__cfg_index(section, name)

static void origin(const struct mp_config *c, size_t k, char *buf,
                   size_t len)
{
    int32_t l = c->line[k];
    if (l > 0)
        snprintf(buf, len, "%s:%d", c->file, (int)l);
    else if (l < 0)
        snprintf(buf, len, "--set #%d", (int)-l);
    else
        snprintf(buf, len, "%s", c->file[0] ? c->file : "defaults");
}

/* Refuses key k: "where: section.key: what". */
static int bad_key(const struct mp_config *c, size_t k, const char *what)
{
    char where[MP_CFG_MAX_PATH + 32];
    origin(c, k, where, sizeof where);
    return mp__fail(MP_EINVAL, "%s: %s.%s: %s", where,
                    mp__cfg_keys[k].section, mp__cfg_keys[k].name, what);
}

/* A markov table: its size, strengths and rows (resolving '*'). */
static int validate_markov(struct mp_config *c)
{
    char what[512];
    const char *key;
    if (c->syn.markov.states < 2) {
        snprintf(what, sizeof what,
                 "expected the number of states of the markov model, an "
                 "integer in [2, %d], got %u",
                 MP_SYN_MARKOV_MAX_STATES, c->syn.markov.states);
        return bad_key(c, KEY("synapse", "states"), what);
    }
    if (mp__cfg_markov_check(c, &key, what, sizeof what))
        return bad_key(c, KEY("synapse", key), what);
    return 0;
}

/* A Benna-Fusi chain: only in the ensemble, and with a slowest time
 * constant C_m / g_(m,m+1) the theory and a float32 state can follow. */
static int validate_bf(struct mp_config *c)
{
    const struct mp_syn_bf *b = &c->syn.bf;
    const double tau = pow(b->c_ratio, b->m - 1.0) /
                       (b->g0 / pow(b->g_ratio, b->m - 1.0));
    char what[320];
    if (c->paradigm != MP_PARADIGM_ENSEMBLE) {
        snprintf(what, sizeof what,
                 "benna_fusi is a model of the synapse ensemble "
                 "(run.paradigm = ensemble); a network's discrete synapses "
                 "need binary, cascade, serial or markov");
        return bad_key(c, KEY("synapse", "model"), what);
    }
    if (!(tau <= 1e18)) {
        snprintf(what, sizeof what,
                 "the slowest variable's time constant C_m / g_(m,m+1) = "
                 "%.3g memories exceeds 1e18; use fewer variables or "
                 "smaller ratios",
                 tau);
        return bad_key(c, KEY("synapse", "bf_m"), what);
    }
    return 0;
}

static int validate_model(struct mp_config *c)
{
    char what[256];
    const struct mp_syn_params *s = &c->syn;

    if (s->model == MP_SYN_MARKOV)
        return validate_markov(c);
    if (s->model == MP_SYN_BENNA_FUSI)
        return validate_bf(c);

    /* binary: q_plus and q_minus default to q. */
    if (!c->line[KEY("synapse", "q_plus")])
        c->syn.q_plus = c->syn.q;
    if (!c->line[KEY("synapse", "q_minus")])
        c->syn.q_minus = c->syn.q;

    if (s->model == MP_SYN_CASCADE && s->n > MP_SYN_CASCADE_MAX_N) {
        snprintf(what, sizeof what,
                 "expected a cascade depth in [2, %d], got %u",
                 MP_SYN_CASCADE_MAX_N, s->n);
        return bad_key(c, KEY("synapse", "n"), what);
    }
    if (s->model == MP_SYN_SERIAL && s->n % 2) {
        snprintf(what, sizeof what,
                 "expected an even number of serial states, got %u", s->n);
        return bad_key(c, KEY("synapse", "n"), what);
    }
    if (s->model == MP_SYN_CASCADE &&
        mp_prob_threshold(mp_cascade_p(s->n - 1, s->n, s->x)) == 0) {
        /* p_(n-1) = x^(n-1)/(1-x) is the model's smallest probability. */
        snprintf(what, sizeof what,
                 "p_(n-1) = %.3g is below the 2^-32 resolution of the "
                 "transition thresholds; use a larger x or a smaller n",
                 mp_cascade_p(s->n - 1, s->n, s->x));
        return bad_key(c, KEY("synapse", "x"), what);
    }
    return 0;
}

static int check_ens_record(const struct mp_config *c);

int mp__cfg_validate_model(struct mp_config *c)
{
    return validate_model(c);
}

int mp__cfg_bad_key(const struct mp_config *c, size_t k, const char *what)
{
    return bad_key(c, k, what);
}

static int validate_ensemble(struct mp_config *c)
{
    char what[256];
    int rc = validate_model(c);
    if (rc)
        return rc;
    if (c->n_ages == 0 && c->max_age >= c->memories) {
        snprintf(what, sizeof what,
                 "must be less than run.memories (%llu): only memories "
                 "stored after the burn-in are probed, got %llu",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->max_age);
        return bad_key(c, KEY("measure", "max_age"), what);
    }
    if (c->n_ages && c->ages[c->n_ages - 1] >= c->memories) {
        snprintf(what, sizeof what,
                 "every age must be less than run.memories (%llu), got "
                 "%llu",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->ages[c->n_ages - 1]);
        return bad_key(c, KEY("measure", "ages"), what);
    }
    if (c->every > c->memories) {
        snprintf(what, sizeof what,
                 "must not exceed run.memories (%llu), got %llu: no "
                 "measurement would be taken",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->every);
        return bad_key(c, KEY("measure", "every"), what);
    }
    if (c->burn_in + c->memories > MP_RNG_MAX_STEP) {
        snprintf(what, sizeof what,
                 "ensemble.burn_in + run.memories must be below 2^56");
        return bad_key(c, KEY("run", "memories"), what);
    }
    if (c->n_ages == 0 && mp_config_ages(c, NULL, 0) > MP_CFG_MAX_AGES) {
        snprintf(what, sizeof what,
                 "the age grid would have more than %d points; lower "
                 "measure.per_decade or measure.max_age",
                 MP_CFG_MAX_AGES);
        return bad_key(c, KEY("measure", "max_age"), what);
    }
    return check_ens_record(c);
}

/* Every time span of a network run is at least one step. */
static int check_spans(const struct mp_config *c)
{
    static const struct {
        const char *section, *name;
    } spans[] = {{"bcm", "tau_w"},         {"bcm", "tau_theta"},
                 {"input", "switch_every"}, {"record", "interval"},
                 {"scaling", "interval"},   {"run", "duration"},
                 {"bcm", "priming_tau"},    {"intrinsic", "tau"},
                 {"record", "silent_after"}};
    char what[512];
    size_t i;
    for (i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        size_t k = KEY(spans[i].section, spans[i].name);
        double t = *(const double *)((const char *)c + mp__cfg_keys[k].offset);
        if (t == 0.0) /* scaling off */
            continue;
        if (t < c->dt_s) {
            snprintf(what, sizeof what,
                     "%gs is shorter than the time step network.dt = %gs: "
                     "a process faster than the step cannot be simulated",
                     t, c->dt_s);
            return bad_key(c, k, what);
        }
    }
    if (c->duration_s / c->dt_s > 7.2e16) {
        snprintf(what, sizeof what, "more than 2^56 steps of network.dt");
        return bad_key(c, KEY("run", "duration"), what);
    }
    return 0;
}

/* Weight bounds, initial weights, network size. */
static int check_weights(const struct mp_config *c)
{
    char what[512];
    if (!(c->w_min < c->w_max)) {
        snprintf(what, sizeof what,
                 "must be greater than network.w_min (%g), got %g", c->w_min,
                 c->w_max);
        return bad_key(c, KEY("network", "w_max"), what);
    }
    if (c->w_init > c->w_max || 0.0 < c->w_min) {
        snprintf(what, sizeof what,
                 "initial weights in [0, %g] must lie within [w_min, w_max] "
                 "= [%g, %g]",
                 c->w_init, c->w_min, c->w_max);
        return bad_key(c, KEY("network", "w_init"), what);
    }
    if ((uint64_t)c->n_in + (c->recurrent ? c->n_out : 0) > 0xFFFFFFFFu) {
        snprintf(what, sizeof what,
                 "inputs + neurons must stay below 2^32 presynaptic cells");
        return bad_key(c, KEY("network", "neurons"), what);
    }
    if (c->w_init_rec > c->w_max) {
        snprintf(what, sizeof what, "must not exceed network.w_max (%g)",
                 c->w_max);
        return bad_key(c, KEY("network", "w_init_recurrent"), what);
    }
    if (c->discrete && c->scaling_interval_s > 0) {
        snprintf(what, sizeof what,
                 "synaptic scaling multiplies weights, which discrete "
                 "synapses (network.synapse = discrete) do not have; set it "
                 "to 0");
        return bad_key(c, KEY("scaling", "interval"), what);
    }
    if (c->discrete && c->hetero_segment) {
        snprintf(what, sizeof what,
                 "heterosynaptic normalisation needs continuous weights");
        return bad_key(c, KEY("bcm", "hetero_segment"), what);
    }
    if (c->discrete && (c->w_weak < c->w_min || c->w_strong > c->w_max)) {
        snprintf(what, sizeof what,
                 "w_weak and w_strong must lie within [w_min, w_max]");
        return bad_key(c, KEY("network", "w_strong"), what);
    }
    return 0;
}

/* Patterns and the protocol's phases. */
static int check_protocol(const struct mp_config *c)
{
    char what[512];
    size_t i;
    if (c->pattern_kind == MP_PATTERNS_ORTHONORMAL && c->patterns > c->n_in) {
        snprintf(what, sizeof what,
                 "%u orthonormal patterns need at least as many inputs "
                 "(network.inputs = %u)",
                 c->patterns, c->n_in);
        return bad_key(c, KEY("input", "patterns"), what);
    }
    if (c->n_phase_patterns || c->n_phase_scale || c->n_phase_mod) {
        static const char *const lists[] = {"patterns", "scale",
                                            "modulator"};
        const size_t counts[] = {c->n_phase_patterns, c->n_phase_scale,
                                 c->n_phase_mod};
        if (!c->n_phases) {
            snprintf(what, sizeof what,
                     "a protocol needs protocol.durations");
            return bad_key(c, KEY("protocol", "durations"), what);
        }
        for (i = 0; i < 3; i++)
            if (counts[i] && counts[i] != c->n_phases) {
                snprintf(what, sizeof what,
                         "has %zu entries, protocol.durations has %zu: one "
                         "per phase",
                         counts[i], c->n_phases);
                return bad_key(c, KEY("protocol", lists[i]), what);
            }
    }
    for (i = 0; i < c->n_phases; i++) {
        if (c->phase_s[i] < c->dt_s) {
            snprintf(what, sizeof what,
                     "phase %zu lasts %gs, shorter than the time step "
                     "network.dt = %gs",
                     i + 1, c->phase_s[i], c->dt_s);
            return bad_key(c, KEY("protocol", "durations"), what);
        }
        if (i < c->n_phase_patterns &&
            (c->phase_patterns[i] >> (c->patterns < 64 ? c->patterns : 63) >>
             (c->patterns < 64 ? 0 : 1))) {
            snprintf(what, sizeof what,
                     "phase %zu names a pattern beyond input.patterns = %u",
                     i + 1, c->patterns);
            return bad_key(c, KEY("protocol", "patterns"), what);
        }
    }
    return 0;
}

uint32_t mp_config_states(const struct mp_config *c)
{
    switch (c->syn.model) {
    case MP_SYN_BINARY:
        return 2;
    case MP_SYN_CASCADE:
        return 2 * c->syn.n;
    case MP_SYN_SERIAL:
        return c->syn.n;
    case MP_SYN_MARKOV:
        return c->syn.markov.states;
    default:
        return 0;
    }
}

static double model_states(const struct mp_config *c)
{
    return (double)mp_config_states(c);
}

/* A network record: bytes per entry (*weights of them the recorded
 * weights and depths) and bytes written once. */
static void net_record_parts(const struct mp_config *c, double *entry,
                             double *weights, double *once)
{
    const double N = c->n_out, K = c->patterns, B = c->histogram_bins;
    const double L = c->fan_in ? c->fan_in
                               : (double)c->n_in + (c->recurrent ? N : 0);
    const double sel = (double)mp_config_recorded_neurons(c, NULL, 0);
    const double S = c->discrete && c->rec_states ? model_states(c) : 0;
    /* The threshold's priming component, the intrinsic gain and bias:
     * one value per neuron each, those the run has. */
    const double P = (c->rule == MP_RULE_BCM && c->priming_tau_s > 0 ? 1.0
                                                                      : 0.0) +
                     (c->ip_tau_s > 0 ? 2.0 : 0.0);
    /* silent(time, neuron), double, with record.silent_after */
    const double Q = c->silent_after_s > 0 ? 8.0 * N : 0.0;
    *weights = sel * L * (4.0 + (c->discrete ? 1.0 : 0.0));
    *entry = 8.0 * 5 + 4.0 * N * (2.0 + K + P) + 8.0 * B + *weights +
             8.0 * S + (c->rec_pattern ? 8.0 : 0.0) + Q;
    /* patterns, bin centres, the coordinates, sparse rows' cells */
    *once = 4.0 * K * c->n_in + 8.0 * B + 4.0 * (N + K + sel) + 6.0 * S +
            (c->fan_in ? 4.0 * sel * L : 0.0);
}

double mp_config_record_bytes(const struct mp_config *c)
{
    double entry, weights, once, S = model_states(c);
    if (c->paradigm == MP_PARADIGM_NETWORK) {
        net_record_parts(c, &entry, &weights, &once);
        return (floor(c->duration_s / c->record_interval_s) + 1.0) * entry +
               once;
    }
    /* The curve (age, 8 values per age) and the theory's modes; the
     * occupancy at every measurement with its memory count. */
    once = 72.0 * (double)mp_config_ages(c, NULL, 0) + 40.0 * S;
    return once + (c->rec_states ? floor((double)c->memories /
                                         (double)c->every) *
                                       (8.0 * S + 8.0) +
                                       14.0 * S
                                 : 0.0);
}

/* The record's size over the run. */
static int check_record(const struct mp_config *c)
{
    char what[512];
    double entry, weights, once, n_rec, total;
    net_record_parts(c, &entry, &weights, &once);
    n_rec = floor(c->duration_s / c->record_interval_s) + 1.0;
    total = n_rec * entry + once;
    if (total > (double)c->record_max_bytes) {
        /* The key to change: the weights when they are most of it. */
        const int w = weights > entry / 2;
        snprintf(what, sizeof what,
                 "the run would record %.3g bytes (%.0f records of %.0f "
                 "bytes, %.0f of them recorded weights, and %.0f bytes "
                 "once), more than record.max_bytes = %llu; raise "
                 "record.interval or record.max_bytes%s",
                 total, n_rec, entry, weights, once,
                 (unsigned long long)c->record_max_bytes,
                 w ? ", or record fewer neurons' weights" : "");
        return bad_key(c, KEY("record", w ? "weights" : "interval"), what);
    }
    return 0;
}

/* What [record] asks of a network: neurons it has, discrete states. */
static int check_record_keys(const struct mp_config *c)
{
    char what[320];
    if (c->rec_weights == MP_REC_LIST &&
        c->rec_neurons[c->n_rec_neurons - 1] >= c->n_out) {
        snprintf(what, sizeof what,
                 "neuron %u does not exist: network.neurons = %u (neurons "
                 "are numbered from 0)",
                 c->rec_neurons[c->n_rec_neurons - 1], c->n_out);
        return bad_key(c, KEY("record", "weights"), what);
    }
    if (c->rec_states && !c->discrete) {
        snprintf(what, sizeof what,
                 "the occupancy of discrete synapse states needs "
                 "network.synapse = discrete (continuous weights have no "
                 "states); set it to off");
        return bad_key(c, KEY("record", "states"), what);
    }
    return 0;
}

/* What [record] asks of an ensemble, and its record's size. */
static int check_ens_record(const struct mp_config *c)
{
    char what[512];
    const double total = mp_config_record_bytes(c);
    /* record.weights is a network key: the paradigm check refuses it
     * in an ensemble before this. */
    if (c->rec_states && c->syn.model == MP_SYN_BENNA_FUSI) {
        snprintf(what, sizeof what,
                 "a Benna-Fusi chain has continuous variables, no discrete "
                 "states to count; set it to off");
        return bad_key(c, KEY("record", "states"), what);
    }
    if (c->rec_states && total > (double)c->record_max_bytes) {
        snprintf(what, sizeof what,
                 "the record would take %.3g bytes (the occupancy of %.0f "
                 "states at each of %.0f measurements), more than "
                 "record.max_bytes = %llu; raise measure.every or "
                 "record.max_bytes, or set it to off",
                 total, model_states(c),
                 floor((double)c->memories / (double)c->every),
                 (unsigned long long)c->record_max_bytes);
        return bad_key(c, KEY("record", "states"), what);
    }
    return 0;
}

/* The threshold's priming component needs the threshold it adds to. */
static int check_priming(const struct mp_config *c)
{
    char what[256];
    if (c->priming_tau_s > 0 && c->rule != MP_RULE_BCM) {
        snprintf(what, sizeof what,
                 "the priming component adds to the sliding threshold, "
                 "which bcm.rule = %s does not have: set bcm.rule = bcm, "
                 "or bcm.priming_tau = 0",
                 c->rule == MP_RULE_HEBBIAN ? "hebbian" : "none");
        return bad_key(c, KEY("bcm", "priming_tau"), what);
    }
    return 0;
}

static int validate_network(struct mp_config *c)
{
    int rc = c->discrete ? validate_model(c) : 0;
    if (!rc)
        rc = check_spans(c);
    if (!rc)
        rc = check_weights(c);
    if (!rc)
        rc = check_protocol(c);
    if (!rc)
        rc = check_record_keys(c);
    if (!rc)
        rc = check_record(c);
    if (!rc)
        rc = check_priming(c);
    return rc;
}

/* config.ini is read back by libinih, whose lines hold at most
 * INI_MAX_LINE - 3 characters: every value must fit on one. */
static int check_lines(const struct mp_config *c)
{
    size_t i;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        char value[MP_CFG_MAX_AGES * 24], what[256];
        const char *name;
        if (mp__cfg_keys[i].type == T_MATRIX)
            continue; /* written a row per line, each short */
        mp_config_key(c, i, &name, value, sizeof value);
        if (strlen(mp__cfg_keys[i].name) + 3 + strlen(value) > INI_MAX_LINE - 3) {
            snprintf(what, sizeof what,
                     "the value takes %zu characters, more than a config "
                     "line holds (%d); use fewer or shorter entries",
                     strlen(value), INI_MAX_LINE - 6 -
                                        (int)strlen(mp__cfg_keys[i].name));
            return bad_key(c, i, what);
        }
    }
    return 0;
}

/* Every value within its key's range, also when a program set the field
 * directly: each key is written out and parsed again, as a file would
 * be. */
static int check_ranges(const struct mp_config *c)
{
    struct mp_config tmp;
    char value[MP_CFG_MAX_AGES * 24], msg[512];
    size_t i, n;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const struct mp__cfg_key *k = &mp__cfg_keys[i];
        if (k->type == T_ENUM) {
            const int v = *(const int *)((const char *)c + k->offset);
            for (n = 0; k->choices[n]; n++)
                ;
            if (v < 0 || (size_t)v >= n) {
                snprintf(msg, sizeof msg, "expected %s, got the value %d",
                         k->expect, v);
                return bad_key(c, i, msg);
            }
            continue;
        }
        if (k->aux != MP_CFG_NO_AUX && k->type != T_INTERVAL &&
            !*(const size_t *)((const char *)c + k->aux))
            continue; /* an empty list */
        if (k->type == T_STRENGTHS || k->type == T_MATRIX ||
            (k->type == T_PATH && !c->line[i]))
            continue; /* the markov table: validate_markov */
        mp__cfg_format(c, k, value, sizeof value);
        tmp = *c;
        if (mp__cfg_assign(&tmp, k, value, msg, sizeof msg))
            return bad_key(c, i, msg + strlen(k->section) +
                                     strlen(k->name) + 3);
    }
    return 0;
}

/* ---- The keys of each paradigm ------------------------------------------ */

enum key_use {
    USE_ALL,       /* every run */
    USE_ENSEMBLE,  /* run.paradigm = ensemble */
    USE_NETWORK,   /* run.paradigm = network */
    USE_MODEL,     /* ensembles, attractors, and networks of discrete
                      synapses */
    USE_ATTRACTOR, /* run.paradigm = attractor */
    USE_ATTR_FANIN,/* run.paradigm = attractor with attractor.fan_in > 0 */
    USE_MEMORIES,  /* ensembles and attractors (a stream of memories) */
    USE_ENS_NET    /* ensembles and networks */
};

/* Who uses key k: by section, [run] key by key.  A section not listed
 * here is shared by every paradigm. */
static enum key_use key_use(const struct mp__cfg_key *k)
{
    static const struct {
        const char *section, *name; /* name NULL: the whole section */
        enum key_use use;
    } uses[] = {
        {"run", "memories", USE_MEMORIES}, {"run", "duration", USE_NETWORK},
        {"ensemble", NULL, USE_ENSEMBLE},  {"measure", "clock", USE_ENSEMBLE},
        {"measure", NULL, USE_MEMORIES},
        {"attractor", "connectivity", USE_ATTR_FANIN},
        {"attractor", NULL, USE_ATTRACTOR},
        {"store", NULL, USE_ATTRACTOR},    {"retrieve", NULL, USE_ATTRACTOR},
        {"synapse", NULL, USE_MODEL},      {"network", NULL, USE_NETWORK},
        {"input", NULL, USE_NETWORK},      {"bcm", NULL, USE_NETWORK},
        {"neuromod", NULL, USE_NETWORK},   {"scaling", NULL, USE_NETWORK},
        {"protocol", NULL, USE_NETWORK},   {"intrinsic", NULL, USE_NETWORK},
        /* An ensemble records its state occupancy too (docs/CONFIG.md),
         * within the same size limit; the rest of [record] is the
         * network's.  An attractor's record has none of them. */
        {"record", "states", USE_ENS_NET}, {"record", "max_bytes", USE_ENS_NET},
        {"record", NULL, USE_NETWORK}};
    size_t i;
    for (i = 0; i < sizeof uses / sizeof uses[0]; i++)
        if (!strcmp(k->section, uses[i].section) &&
            (!uses[i].name || !strcmp(k->name, uses[i].name)))
            return uses[i].use;
    return USE_ALL;
}

int mp_config_key_used(const struct mp_config *c, size_t i)
{
    const int net = c->paradigm == MP_PARADIGM_NETWORK;
    const int attr = c->paradigm == MP_PARADIGM_ATTRACTOR;
    if (i >= mp__cfg_nkeys)
        return 0;
    switch (key_use(&mp__cfg_keys[i])) {
    case USE_ENSEMBLE:
        return !net && !attr;
    case USE_NETWORK:
        return net;
    case USE_MODEL:
        return !net || c->discrete;
    case USE_ATTRACTOR:
        return attr;
    case USE_ATTR_FANIN:
        return attr && c->attr.fan_in > 0;
    case USE_MEMORIES:
        return !net;
    case USE_ENS_NET:
        return !attr;
    default:
        return 1;
    }
}

/* Key k's fields as in d (a configuration of defaults). */
static void reset_key(struct mp_config *c, const struct mp_config *d,
                      const struct mp__cfg_key *k)
{
    size_t size = 0;
    /* Every type named, no default: a new type must say here what it
     * resets (-Wswitch), never fall through to writing at k->aux, which
     * is MP_CFG_NO_AUX for a key without a length. */
    switch (k->type) {
    case T_U64:
    case T_F64:
    case T_TIME:
        size = 8;
        break;
    case T_U32:
        size = sizeof(uint32_t);
        break;
    case T_INT:
    case T_ENUM:
        size = sizeof(int);
        break;
    case T_PATH:
        size = MP_CFG_MAX_PATH;
        break;
    case T_INTERVAL: /* a count, and seconds in aux */
        memcpy((char *)c + k->aux, (const char *)d + k->aux, sizeof(double));
        size = sizeof(uint64_t);
        break;
    case T_STRENGTHS:
    case T_MATRIX:
        size = sizeof c->syn.markov;
        break;
    case T_NEURONS: /* record.weights: the choice, K, the list */
        c->rec_weights = d->rec_weights;
        c->rec_every = d->rec_every;
        c->n_rec_neurons = d->n_rec_neurons;
        return;
    case T_AGES: /* a list: its length */
    case T_TIMES:
    case T_F64S:
    case T_PATSETS:
        *(size_t *)((char *)c + k->aux) = 0;
        return;
    }
    if (!size)
        return;
    memcpy((char *)c + k->offset, (const char *)d + k->offset, size);
}

void mp_config_drop_unused(struct mp_config *c)
{
    struct mp_config *d = malloc(sizeof *d);
    size_t i;
    if (!d) /* nothing reset: mp_config_validate names what is left */
        return;
    mp_config_init(d);
    for (i = 0; i < mp__cfg_nkeys; i++)
        if (!mp_config_key_used(c, i)) {
            reset_key(c, d, &mp__cfg_keys[i]);
            c->line[i] = 0;
        }
    free(d);
}

/* Where a key's value came from, for a sentence: "at a.ini:3", "by
 * --set #2", "by default". */
static void said(const struct mp_config *c, size_t k, char *buf, size_t len)
{
    const int32_t l = c->line[k];
    if (l > 0)
        snprintf(buf, len, "at %.*s:%d", (int)(len - 24), c->file, (int)l);
    else if (l < 0)
        snprintf(buf, len, "by --set #%d", (int)-l);
    else
        snprintf(buf, len, "by default");
}

/* A key set that the run does not use: an error naming the key, where it
 * was set, and the paradigm. */
static int check_used(const struct mp_config *c)
{
    const size_t p = KEY("run", "paradigm"), d = KEY("network", "synapse");
    const int net = c->paradigm == MP_PARADIGM_NETWORK;
    char where[MP_CFG_MAX_PATH + 32], how[MP_CFG_MAX_PATH + 32];
    size_t i;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const struct mp__cfg_key *k = &mp__cfg_keys[i];
        if (!c->line[i] || mp_config_key_used(c, i))
            continue;
        origin(c, i, where, sizeof where);
        if (net && key_use(k) == USE_MODEL) {
            said(c, d, how, sizeof how);
            return mp__fail(MP_EINVAL,
                            "%s: %s.%s is a key of the synapse model, which "
                            "a network uses only with discrete synapses; "
                            "this run's network has continuous synapses "
                            "(network.synapse = continuous, %s): remove the "
                            "key, or set network.synapse = discrete",
                            where, k->section, k->name, how);
        }
        if (key_use(k) == USE_ATTR_FANIN && c->paradigm ==
                                               MP_PARADIGM_ATTRACTOR) {
            said(c, KEY("attractor", "fan_in"), how, sizeof how);
            return mp__fail(MP_EINVAL,
                            "%s: %s.%s applies to a fan-in network only; "
                            "this network is all-to-all (attractor.fan_in "
                            "= 0, %s): remove the key, or set "
                            "attractor.fan_in",
                            where, k->section, k->name, how);
        }
        said(c, p, how, sizeof how);
        if (key_use(k) == USE_ATTRACTOR || key_use(k) == USE_ATTR_FANIN ||
            c->paradigm ==
                                               MP_PARADIGM_ATTRACTOR)
            return mp__fail(MP_EINVAL,
                            "%s: %s.%s is not a key of run.paradigm = %s "
                            "(%s): remove the key%s",
                            where, k->section, k->name,
                            mp__cfg_paradigm_name(c->paradigm), how,
                            key_use(k) == USE_ATTRACTOR
                                ? ", or set run.paradigm = attractor"
                                : "");
        return mp__fail(MP_EINVAL,
                        "%s: %s.%s is %s key; this run's paradigm is %s "
                        "(run.paradigm, %s): remove the key, or set "
                        "run.paradigm = %s",
                        where, k->section, k->name,
                        net ? "an ensemble" : "a network",
                        net ? "network" : "ensemble", how,
                        net ? "ensemble" : "network");
    }
    return 0;
}

int mp_config_validate(struct mp_config *c)
{
    int rc = check_used(c);
    if (!rc)
        rc = check_ranges(c);
    if (!rc)
        rc = check_lines(c);
    if (rc)
        return rc;
    if (c->paradigm == MP_PARADIGM_NETWORK)
        return validate_network(c);
    if (c->paradigm == MP_PARADIGM_ATTRACTOR)
        return mp__cfg_validate_attractor(c);
    return validate_ensemble(c);
}

int mp_config_warnings(const struct mp_config *c, char *buf, size_t len)
{
    int n = 0;
    if (len)
        buf[0] = '\0';
    /* The Hopf threshold of every protocol phase (host/core/hopf.c). */
    n += mp__net_hopf_warnings(c, buf, len);
    return n;
}

double mp_config_memory(const struct mp_config *c)
{
    double state;
    if (c->paradigm == MP_PARADIGM_NETWORK) {
        double L = c->fan_in ? c->fan_in
                             : (double)c->n_in + (c->recurrent ? c->n_out : 0);
        double nw = L * c->n_out;
        /* Per neuron: 48 bytes, and the priming component, gain and
         * bias of those the run has, and the silence count and verdict
         * (record.silent_after). */
        const double extra =
            (c->rule == MP_RULE_BCM && c->priming_tau_s > 0 ? 4.0 : 0.0) +
            (c->ip_tau_s > 0 ? 8.0 : 0.0) +
            (c->silent_after_s > 0 ? 9.0 : 0.0);
        state = nw * (4.0 + (c->fan_in ? 4.0 : 0.0) + (c->discrete ? 1.0 : 0.0)) +
                (double)c->n_out * (48.0 + extra);
    } else if (c->paradigm == MP_PARADIGM_ATTRACTOR) {
        return mp__cfg_attractor_memory(c);
    } else if (c->syn.model == MP_SYN_BENNA_FUSI) {
        /* m float32 variables per synapse (128 of padding each). */
        state = 4.0 * c->syn.bf.m * ((double)c->synapses + 128.0);
    } else {
        state = (double)c->synapses + 128.0;
        /* the occupancy series (record.states), held and snapshotted */
        if (c->rec_states)
            state += floor((double)c->memories / (double)c->every) *
                     (8.0 * model_states(c) + 8.0);
    }
    /* A checkpoint copies the state once (the snapshot it writes). */
    return 2.0 * state + 64e6;
}

double mp_memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0.0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024.0;
}

uint64_t mp_config_steps(const struct mp_config *c, double seconds)
{
    return (uint64_t)floor(seconds / c->dt_s + 0.5);
}
