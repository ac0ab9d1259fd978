/* SPDX-License-Identifier: MIT */
/*
 * keys.c: every config key in one table (section, name, type, fields,
 * range, default, expected form), and one parser and one formatter per
 * type.  docs/CONFIG.md documents the same keys.
 */
#include "keys.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/private/syn_rules.h"

const char *const mp__cfg_backend_names[] = {"auto", "cpu", "cuda", NULL};
const char *const mp__cfg_model_names[] = {"binary", "cascade", "serial",
                                           "markov", "benna_fusi", NULL};
static const char *const init_names[] = {"stationary", "plastic", NULL};
static const char *const clock_names[] = {"memories", "poisson", NULL};
static const char *const paradigm_names[] = {"ensemble", "network",
                                             "attractor", NULL};
static const char *const attr_rule_names[] = {"covariance", "presynaptic",
                                              NULL};
static const char *const attr_threshold_names[] = {"fixed", "coding", NULL};
static const char *const attr_dynamics_names[] = {"synchronous",
                                                  "sequential", NULL};
static const char *const attr_cue_names[] = {"noise", "partial", NULL};
static const char *const attr_symmetry_names[] = {"independent", "tied",
                                                  NULL};
static const char *const attr_conn_names[] = {"stored", "procedural", NULL};
static const char *const rule_names[] = {"bcm", "hebbian", "none", NULL};
static const char *const pattern_names[] = {"orthonormal", "binary", NULL};
static const char *const topology_names[] = {"feedforward", "recurrent",
                                             NULL};
static const char *const synapse_kind_names[] = {"continuous", "discrete",
                                                 NULL};
static const char *const onoff_names[] = {"off", "on", NULL};
static const char *const ip_rule_names[] = {"gain", "bias", NULL};

#define OFF(field) offsetof(struct mp_config, field)
#define NOAUX MP_CFG_NO_AUX
#define BIG 1.8446744073709552e19
#define TIME_EXPECT(what)                                                    \
    "a time with a unit (e.g. 10ms, 2s, 30min, 2h, 1d) " what

/* One key of a single field and a closed range [lo, hi]. */
#define KEY(sec, nm, ty, f, lo, hi, def, exp)                                \
    {sec, nm, ty, OFF(f), NOAUX, lo, hi, 0, 0, NULL, def, exp}
/* ... with a range open below (lo, hi]. */
#define KEY_GT(sec, nm, ty, f, lo, hi, def, exp)                             \
    {sec, nm, ty, OFF(f), NOAUX, lo, hi, 1, 0, NULL, def, exp}
#define KEY_ENUM(sec, nm, f, names, def, exp)                                \
    {sec, nm, T_ENUM, OFF(f), NOAUX, 0, 0, 0, 0, names, def, exp}
/* A list whose length lives in `count`. */
#define KEY_LIST(sec, nm, ty, f, count, lo, hi, open_lo, exp)                \
    {sec, nm, ty, OFF(f), OFF(count), lo, hi, open_lo, 0, NULL, NULL, exp}

const struct mp__cfg_key mp__cfg_keys[] = {
    KEY_ENUM("run", "paradigm", paradigm, paradigm_names, "ensemble",
             "one of ensemble, network, attractor"),
    KEY("run", "seed", T_U64, seed, 0, BIG, "1", "an integer in [0, 2^64)"),
    KEY("run", "memories", T_U64, memories, 1, 7.2e16, "10000",
        "an integer >= 1 (memories stored after the burn-in)"),
    KEY_ENUM("run", "backend", backend, mp__cfg_backend_names, "auto",
             "one of auto, cpu, cuda"),
    KEY("run", "threads", T_INT, threads, 0, 4096, "0",
        "an integer >= 0 (0 = all cores)"),
    KEY("ensemble", "synapses", T_U64, synapses, 1, 1099511627776.0,
        "100000",
        "an integer in [1, 2^40 = 1099511627776] (number of synapses N)"),
    {"ensemble", "f", T_F64, OFF(f), NOAUX, 0, 1, 1, 1, NULL, "0.5",
     "a probability strictly between 0 and 1"},
    KEY("ensemble", "burn_in", T_U64, burn_in, 0, 7.2e16, "0",
        "an integer >= 0 (memories)"),
    KEY_ENUM("ensemble", "init", init, init_names, "stationary",
             "one of stationary, plastic"),
    KEY_ENUM("synapse", "model", syn.model, mp__cfg_model_names, "cascade",
             "one of binary, cascade, serial, markov, benna_fusi"),
    KEY("synapse", "n", T_U32, syn.n, 2, MP_SYN_SERIAL_MAX_M, "10",
        "an integer >= 2 (cascade depth, or serial state count)"),
    KEY_GT("synapse", "x", T_F64, syn.x, 0, 0.5, "0.5",
           "a number in (0, 1/2]"),
    KEY("synapse", "q", T_F64, syn.q, 0, 1, "0.5",
        "a probability in [0, 1]"),
    KEY("synapse", "q_plus", T_F64, syn.q_plus, 0, 1, "0.5",
        "a probability in [0, 1]"),
    KEY("synapse", "q_minus", T_F64, syn.q_minus, 0, 1, "0.5",
        "a probability in [0, 1]"),
    KEY("synapse", "table", T_PATH, syn_table, 0, 0, NULL,
        "a file whose [synapse] section holds states, strength, "
        "potentiation and depression (markov)"),
    KEY("synapse", "states", T_U32, syn.markov.states, 0,
        MP_SYN_MARKOV_MAX_STATES, "0",
        "an integer in [2, 128] (markov: number of states)"),
    {"synapse", "strength", T_STRENGTHS, OFF(syn.markov), NOAUX, 0, 0, 0, 0,
     NULL, NULL, "a list of +1 or -1, one per state (markov)"},
    {"synapse", "potentiation", T_MATRIX, OFF(syn.markov), NOAUX, 1, 0, 0, 0,
     NULL, NULL,
     "rows of probabilities (markov: M+, row = from, column = to), rows "
     "separated by '|' or written on their own lines"},
    {"synapse", "depression", T_MATRIX, OFF(syn.markov), NOAUX, 0, 0, 0, 0,
     NULL, NULL,
     "rows of probabilities (markov: M-, row = from, column = to), rows "
     "separated by '|' or written on their own lines"},
    KEY("synapse", "bf_m", T_U32, syn.bf.m, 1, MP_BF_MAX_M, "6",
        "an integer in [1, 16] (benna_fusi: variables per synapse)"),
    KEY_GT("synapse", "bf_c_ratio", T_F64, syn.bf.c_ratio, 0, 1e6, "2",
           "a number in (0, 1e6] (benna_fusi: C_k = bf_c_ratio^(k-1))"),
    KEY_GT("synapse", "bf_g0", T_F64, syn.bf.g0, 0, 1e6, "0.125",
           "a number in (0, 1e6] (benna_fusi: g_12, per memory)"),
    KEY_GT("synapse", "bf_g_ratio", T_F64, syn.bf.g_ratio, 0, 1e6, "2",
           "a number in (0, 1e6] (benna_fusi: g_(k,k+1) = bf_g0 / "
           "bf_g_ratio^(k-1))"),
    KEY_GT("synapse", "bf_eta", T_F64, syn.bf.eta, 0, 1e12, "1",
           "a number in (0, 1e12] (benna_fusi: a memory's kick on u_1)"),
    KEY("synapse", "bf_bound", T_F64, syn.bf.bound, 0, 1e30, "0",
        "a number >= 0 (benna_fusi: |u_k| <= bf_bound; 0 = unbounded)"),
    KEY("measure", "every", T_U64, every, 1, 7.2e16, "1",
        "an integer >= 1 (memories between measurements)"),
    KEY("measure", "max_age", T_U64, max_age, 0, 7.2e16, "1000",
        "an integer >= 0 (memories)"),
    KEY("measure", "per_decade", T_U32, per_decade, 1, 1000, "10",
        "an integer in [1, 1000]"),
    KEY_LIST("measure", "ages", T_AGES, ages, n_ages, 0, 7.2e16, 0,
             "a comma-separated list of ages >= 0 (at most 512)"),
    KEY_ENUM("measure", "clock", clock, clock_names, "memories",
             "one of memories, poisson (the theory's clock)"),
    KEY("output", "dir", T_PATH, dir, 0, 0, "metaplast-run",
        "a directory path other than '/', without ';', '#', control "
        "characters, or white space at either end"),
    {"checkpoint", "every", T_INTERVAL, OFF(ckpt_every_memories),
     OFF(ckpt_every_s), 0, 7.2e16, 0, 0, NULL, "30min",
     "a number of memories (e.g. 1e5), a time with a unit (e.g. 90s, "
     "30min, 2h, 1d), or 0 for none but the last"},
    KEY("checkpoint", "deflate", T_INT, ckpt_deflate, 0, 9, "0",
        "a deflate level in [0, 9] (0 = uncompressed)"),
    KEY_GT("run", "duration", T_TIME, duration_s, 0, 3.2e9, "100s",
           TIME_EXPECT("> 0 (simulated time)")),
    KEY_GT("network", "dt", T_TIME, dt_s, 0, 3600, "1ms",
           TIME_EXPECT("> 0 (time step)")),
    KEY("network", "inputs", T_U32, n_in, 1, 1e9, "16", "an integer >= 1"),
    KEY("network", "neurons", T_U32, n_out, 1, 1e9, "4", "an integer >= 1"),
    KEY_ENUM("network", "topology", recurrent, topology_names, "feedforward",
             "one of feedforward, recurrent"),
    KEY("network", "fan_in", T_U32, fan_in, 0, 1e8, "0",
        "an integer >= 0 (synapses per neuron; 0 = dense)"),
    KEY("network", "w_init_recurrent", T_F64, w_init_rec, 0, 1e6, "0",
        "a number >= 0 (recurrent weights uniform in [0, it])"),
    KEY_ENUM("network", "synapse", discrete, synapse_kind_names,
             "continuous",
             "one of continuous, discrete (the [synapse] model, gated by "
             "BCM)"),
    KEY("network", "w_weak", T_F64, w_weak, -1e6, 1e6, "0",
        "a number (weight of a weak discrete synapse)"),
    KEY("network", "w_strong", T_F64, w_strong, -1e6, 1e6, "1",
        "a number (weight of a strong discrete synapse)"),
    KEY("network", "x_on", T_F64, x_on, 0, 1e6, "0",
        "a rate >= 0 (inputs above it are active)"),
    KEY("network", "bias", T_F64, bias, -1e6, 1e6, "0", "a number"),
    KEY("network", "w_init", T_F64, w_init, 0, 1e6, "0.1",
        "a number >= 0 (initial weights uniform in [0, w_init])"),
    KEY("network", "w_min", T_F64, w_min, -1e6, 1e6, "-10", "a number"),
    KEY("network", "w_max", T_F64, w_max, -1e6, 1e6, "10", "a number"),
    KEY("input", "patterns", T_U32, patterns, 1, 65536, "4",
        "an integer in [1, 65536]"),
    KEY_ENUM("input", "kind", pattern_kind, pattern_names, "orthonormal",
             "one of orthonormal, binary"),
    KEY_GT("input", "switch_every", T_TIME, switch_s, 0, 3.2e9, "10ms",
           TIME_EXPECT("> 0")),
    KEY("input", "scale", T_F64, input_scale, 0, 1e6, "1", "a number >= 0"),
    KEY("input", "noise", T_F64, noise, 0, 1e6, "0",
        "a number >= 0 (standard deviation)"),
    KEY_ENUM("bcm", "rule", rule, rule_names, "bcm",
             "one of bcm, hebbian, none"),
    KEY_GT("bcm", "tau_w", T_TIME, tau_w_s, 0, 3.2e9, "10s",
           TIME_EXPECT("> 0 (1 / learning rate)")),
    KEY_GT("bcm", "tau_theta", T_TIME, tau_theta_s, 0, 3.2e9, "1s",
           TIME_EXPECT("> 0")),
    KEY_GT("bcm", "y0", T_F64, y0, 0, 1e6, "1", "a number > 0"),
    KEY("bcm", "theta_init", T_F64, theta_init, 0, 1e6, "0",
        "a number >= 0"),
    KEY("bcm", "hetero_segment", T_U32, hetero_segment, 0, 1e8, "0",
        "an integer >= 0 (synapses per dendritic segment whose net change "
        "is removed evenly; 0 = off)"),
    KEY("bcm", "priming_tau", T_TIME, priming_tau_s, 0, 3.2e9, "0",
        TIME_EXPECT(", or 0 for no priming component of the threshold")),
    KEY("bcm", "priming_gain", T_F64, priming_gain, 0, 1e6, "1",
        "a number >= 0 (the priming component's fixed point per unit of "
        "LTD drive)"),
    KEY("neuromod", "level", T_F64, modulator, 0, 1e3, "1",
        "a number >= 0 (0 = no plasticity)"),
    KEY("scaling", "interval", T_TIME, scaling_interval_s, 0, 3.2e9, "0",
        TIME_EXPECT(", or 0 for no scaling")),
    KEY_GT("scaling", "target", T_F64, target_rate, 0, 1e6, "1",
           "a rate > 0"),
    KEY("scaling", "alpha", T_F64, scaling_alpha, 0, 10, "1",
        "a number in [0, 10]"),
    KEY("scaling", "max_factor", T_F64, scaling_max, 1, 1e6, "2",
        "a number >= 1"),
    KEY_LIST("protocol", "durations", T_TIMES, phase_s, n_phases, 0, 3.2e9,
             1,
             "a comma-separated list of phase durations with units, e.g. "
             "100s, 30min (at most 32)"),
    KEY_LIST("protocol", "patterns", T_PATSETS, phase_patterns,
             n_phase_patterns, 0, 63, 0,
             "a comma-separated list, one per phase, of 'all' or pattern "
             "indices joined by '+' (e.g. all, 0+2, 1)"),
    KEY_LIST("protocol", "scale", T_F64S, phase_scale, n_phase_scale, 0,
             1e6, 0,
             "a comma-separated list of input scales >= 0, one per phase"),
    KEY_LIST("protocol", "modulator", T_F64S, phase_mod, n_phase_mod, 0,
             1e3, 0,
             "a comma-separated list of modulator levels >= 0, one per "
             "phase"),
    KEY_GT("record", "interval", T_TIME, record_interval_s, 0, 3.2e9, "1s",
           TIME_EXPECT("> 0")),
    KEY("record", "max_bytes", T_U64, record_max_bytes, 1, 1e15,
        "1073741824", "an integer >= 1 (bytes)"),
    KEY("record", "histogram_bins", T_U32, histogram_bins, 1, 10000, "50",
        "an integer in [1, 10000]"),
    {"record", "weights", T_NEURONS, OFF(rec_weights), NOAUX, 0, 4294967295.0,
     0, 0, NULL, "none",
     "none, all, every:K (neurons 0, K, 2K, ...; K >= 1) or a "
     "comma-separated list of at most 64 neuron indices"},
    KEY_ENUM("record", "states", rec_states, onoff_names, "off",
             "one of off, on (occupancy of each discrete synapse state)"),
    KEY_ENUM("record", "pattern", rec_pattern, onoff_names, "on",
             "one of off, on (pattern shown and protocol phase)"),
    KEY("record", "silent_after", T_TIME, silent_after_s, 0, 3.2e9, "0",
        TIME_EXPECT(", or 0 for off (report neurons silent this long)")),
    KEY("record", "silent_rate", T_F64, silent_rate, 0, 1e6, "0",
        "a rate >= 0 (a record interval is silent when the neuron's mean "
        "rate over it is at most this; 0 = rate 0 at every step)"),
    KEY_ENUM("intrinsic", "rule", ip_rule, ip_rule_names, "gain",
             "one of gain, bias (what adapts toward intrinsic.target)"),
    KEY("intrinsic", "tau", T_TIME, ip_tau_s, 0, 3.2e9, "0",
        TIME_EXPECT(", or 0 for no intrinsic plasticity")),
    KEY_GT("intrinsic", "target", T_F64, ip_target, 0, 1e6, "1",
           "a rate > 0 (the mean rate intrinsic plasticity seeks)"),
    /* The attractor network (docs/ATTRACTOR.md). */
    KEY("attractor", "neurons", T_U32, attr.neurons, 8, 1048576, "1000",
        "an integer in [8, 2^20] (neurons N; N^2 synapses)"),
    {"attractor", "coding", T_F64, OFF(attr.coding), NOAUX, 0, 1, 1, 1, NULL,
     "0.5", "a probability strictly between 0 and 1 (coding level f)"},
    KEY_ENUM("attractor", "symmetry", attr.tied, attr_symmetry_names, "tied",
             "one of independent, tied (w_ij and w_ji one synapse)"),
    KEY_ENUM("attractor", "init", attr.init, init_names, "stationary",
             "one of stationary, plastic"),
    KEY("attractor", "burn_in", T_U64, attr.burn_in, 0, 7.2e16, "0",
        "an integer >= 0 (memories stored first, never probed)"),
    KEY("attractor", "fan_in", T_U32, attr.fan_in, 0, 1048575, "0",
        "an integer >= 0 (synapses K per neuron from K distinct random "
        "presynaptic neurons, at most attractor.neurons - 1; 0 = "
        "all-to-all)"),
    KEY_ENUM("attractor", "connectivity", attr.connectivity, attr_conn_names,
             "stored",
             "one of stored, procedural (the fan-in graph kept as a table, "
             "or regenerated from its key)"),
    KEY_ENUM("store", "rule", attr.rule, attr_rule_names, "covariance",
             "one of covariance, presynaptic"),
    KEY("store", "repeats", T_U32, attr.repeats, 1, 1e6, "1",
        "an integer >= 1 (presentations of each memory)"),
    KEY("store", "block", T_U32, attr.block, 1, 1e6, "1",
        "an integer >= 1 (memories presented in turn, repeats times: 1 = "
        "massed, more = spaced)"),
    KEY_LIST("store", "phases", T_F64S, attr.phase_memories, attr.n_phases,
             1, 7.2e16, 0,
             "a comma-separated list of phase lengths in memories (at most "
             "32)"),
    KEY_LIST("store", "modulator", T_F64S, attr.level, attr.n_levels, 0, 1,
             0,
             "a comma-separated list of levels in [0, 1], one per phase "
             "(the probability that a candidate event is applied)"),
    KEY("retrieve", "noise", T_F64, attr.noise, 0, 1, "0.1",
        "a probability in [0, 1] (fraction of the cue's neurons flipped, "
        "or silenced under retrieve.cue = partial)"),
    KEY("retrieve", "steps", T_U32, attr.steps, 1, 100000, "20",
        "an integer >= 1 (sweeps at most)"),
    KEY_GT("retrieve", "success", T_F64, attr.success, -1, 1, "0.9",
           "a number in (-1, 1] (overlap counted as retrieved)"),
    KEY_ENUM("retrieve", "threshold", attr.threshold, attr_threshold_names,
             "fixed",
             "one of fixed, coding (the round(f N) largest fields)"),
    KEY("retrieve", "theta", T_F64, attr.theta, -1e6, 1e6, "0",
        "a number (fixed threshold on h_i / N)"),
    KEY_ENUM("retrieve", "dynamics", attr.dynamics, attr_dynamics_names,
             "synchronous",
             "one of synchronous, sequential (one neuron at a time in a "
             "random order)"),
    KEY("retrieve", "temperature", T_F64, attr.temperature, 0, 1e6, "0",
        "a number >= 0 (T of P(active) = 1/(1 + exp(-2 (h_i/N - theta)/T)); "
        "0 = deterministic)"),
    KEY_ENUM("retrieve", "cue", attr.cue, attr_cue_names, "noise",
             "one of noise, partial (each neuron silenced with "
             "probability retrieve.noise)"),
};

const size_t mp__cfg_nkeys = sizeof mp__cfg_keys / sizeof mp__cfg_keys[0];
MP_STATIC_ASSERT(sizeof mp__cfg_keys / sizeof mp__cfg_keys[0] <=
                     MP_CFG_MAX_KEYS,
                 "raise MP_CFG_MAX_KEYS");

size_t mp__cfg_index(const char *section, const char *name)
{
    size_t i;
    for (i = 0; i < mp__cfg_nkeys; i++)
        if (!strcmp(mp__cfg_keys[i].section, section) &&
            !strcmp(mp__cfg_keys[i].name, name))
            return i;
    return mp__cfg_nkeys;
}

void mp__cfg_unknown(const char *section, const char *name, char *msg,
                     size_t len)
{
    char list[1024] = "";
    size_t i, j, known = 0;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const struct mp__cfg_key *k = &mp__cfg_keys[i];
        const char *item = k->name;
        if (!*section || strcmp(k->section, section)) {
            /* Each section once, in the table's order. */
            for (j = 0; j < i && strcmp(mp__cfg_keys[j].section, k->section);
                 j++)
                ;
            if (j < i)
                continue;
            item = k->section;
        } else {
            known = 1;
        }
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 list[0] ? ", " : "", item);
    }
    if (!*section) {
        snprintf(msg, len, "%s: key outside any [section]", name);
    } else if (!known) {
        snprintf(msg, len, "[%s]: unknown section (expected one of: %s)",
                 section, list);
    } else {
        list[0] = '\0';
        for (i = 0; i < mp__cfg_nkeys; i++)
            if (!strcmp(mp__cfg_keys[i].section, section))
                snprintf(list + strlen(list), sizeof list - strlen(list),
                         "%s%s", list[0] ? ", " : "", mp__cfg_keys[i].name);
        snprintf(msg, len, "%s.%s: unknown key (known in [%s]: %s)", section,
                 name, section, list);
    }
}

/* ---- Parsers ------------------------------------------------------------ */

static const char *skip_ws(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* Integers in plain or scientific notation ("1e6"), exact, no sign. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    double d;
    s = skip_ws(s);
    if (!isdigit((unsigned char)*s) && *s != '.')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == 0 && *skip_ws(end) == '\0') {
        *out = v;
        return 0;
    }
    errno = 0;
    d = strtod(s, &end);
    if (errno || *skip_ws(end) != '\0' || !isfinite(d) || d < 0 ||
        d != floor(d) || d > 9007199254740992.0)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int parse_f64(const char *s, double *out)
{
    char *end;
    double d;
    s = skip_ws(s);
    if (!*s)
        return -1;
    errno = 0;
    d = strtod(s, &end);
    if (errno || *skip_ws(end) != '\0' || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* A number followed by one of the units, e.g. "30min": the value in
 * seconds.  "0" alone is accepted when zero_ok (off). */
static int parse_with_unit(const char *s, double *out, int ms_ok,
                           int zero_ok)
{
    static const struct {
        const char *unit;
        double s;
    } units[] = {{"ms", 1e-3}, {"min", 60}, {"s", 1}, {"h", 3600},
                 {"d", 86400}};
    char num[64], *end;
    size_t len, i;
    double d;
    s = skip_ws(s);
    len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (zero_ok && len == 1 && s[0] == '0') {
        *out = 0.0;
        return 0;
    }
    for (i = ms_ok ? 0 : 1; i < sizeof units / sizeof units[0]; i++) {
        size_t ul = strlen(units[i].unit), nl;
        if (len <= ul || strncmp(s + len - ul, units[i].unit, ul))
            continue;
        nl = len - ul;
        if (nl >= sizeof num)
            return -1;
        memcpy(num, s, nl);
        num[nl] = '\0';
        errno = 0;
        d = strtod(num, &end);
        if (errno || *skip_ws(end) || !isfinite(d) || d < 0 ||
            !(isdigit((unsigned char)num[0]) || num[0] == '.'))
            continue; /* no number before this unit: try the others */
        *out = d * units[i].s;
        return 0;
    }
    return -1;
}

static int in_range(const struct mp__cfg_key *k, double v)
{
    if (k->open_lo ? v <= k->lo : v < k->lo)
        return 0;
    if (k->open_hi ? v >= k->hi : v > k->hi)
        return 0;
    return 1;
}

/* "all", or pattern indices joined by '+': a bit set (0 = all). */
static int parse_patset(const char *s, uint64_t *out)
{
    const char *q = skip_ws(s);
    char *end;
    *out = 0;
    if (!strncmp(q, "all", 3) && !*skip_ws(q + 3))
        return 0;
    for (;;) {
        unsigned long idx;
        q = skip_ws(q);
        if (!isdigit((unsigned char)*q))
            return -1;
        idx = strtoul(q, &end, 10);
        if (idx > 63)
            return -1;
        *out |= UINT64_C(1) << idx;
        q = skip_ws(end);
        if (!*q)
            return 0;
        if (*q++ != '+')
            return -1;
    }
}

/* One item of a list into element n of the key's field. */
static int parse_item(const struct mp__cfg_key *k, const char *item,
                      void *field, size_t n)
{
    double d;
    uint64_t u;
    switch (k->type) {
    case T_AGES:
        if (parse_u64(item, &u) || !in_range(k, (double)u))
            return -1;
        ((uint64_t *)field)[n] = u;
        return 0;
    case T_TIMES:
        if (parse_with_unit(item, &d, 1, 1) || !in_range(k, d))
            return -1;
        ((double *)field)[n] = d;
        return 0;
    case T_F64S:
        if (parse_f64(item, &d) || !in_range(k, d))
            return -1;
        ((double *)field)[n] = d;
        return 0;
    default: /* T_PATSETS */
        return parse_patset(item, &((uint64_t *)field)[n]);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A comma-separated list: every item, its length in the aux field; ages
 * sorted with duplicates dropped. */
static int parse_list(struct mp_config *c, const struct mp__cfg_key *k,
                      const char *v)
{
    const size_t cap = k->type == T_AGES ? MP_CFG_MAX_AGES : MP_CFG_MAX_PHASES;
    uint64_t tmp[MP_CFG_MAX_AGES]; /* the widest list, parsed aside */
    size_t n = 0, i, *count = (size_t *)((char *)c + k->aux);
    const size_t elem = 8; /* every list holds 8-byte items */
    const char *p = v;
    while (*skip_ws(p)) {
        char item[128];
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= sizeof item || n == cap)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_item(k, item, tmp, n))
            return -1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
        if (!*skip_ws(p))
            return -1; /* a trailing comma */
    }
    if (n == 0)
        return -1;
    if (k->type == T_AGES) {
        size_t m = 0;
        qsort(tmp, n, sizeof tmp[0], cmp_u64);
        for (i = 0; i < n; i++)
            if (i == 0 || tmp[i] != tmp[i - 1])
                tmp[m++] = tmp[i];
        n = m;
    }
    memcpy((char *)c + k->offset, tmp, n * elem);
    *count = n;
    return 0;
}

/*
 * A run directory's path: one that config.ini writes and reads back
 * exactly, and that a generated script can quote.  Refused: empty; ';'
 * and '#' (INI comments); control characters (a newline would end the
 * line); leading or trailing white space (INI strips it); the root
 * directory itself.
 */
static int path_ok(const char *v)
{
    const char *p;
    size_t n = strlen(v);
    int root = v[0] == '/';
    if (!n || n >= MP_CFG_MAX_PATH || strpbrk(v, ";#") ||
        isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))
        return 0;
    for (p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    /* "/", "//", "/.", "/..": every component empty, "." or "..". */
    for (p = v; root && *p; p += n) {
        n = strcspn(p, "/");
        root = n == 0 || (n <= 2 && !strncmp(p, "..", n));
        p += p[n] == '/';
    }
    return !root;
}

/* record.weights: "none", "all", "every:K" or a list of neuron indices
 * (sorted, duplicates dropped); the fields of the other forms cleared.
 * Nothing is changed unless the whole value is valid. */
static int parse_neurons(struct mp_config *c, const struct mp__cfg_key *k,
                         const char *v)
{
    uint64_t tmp[MP_CFG_MAX_REC_NEURONS], every = 0;
    const char *p = skip_ws(v);
    size_t n = 0, i, m = 0;
    int kind = MP_REC_LIST;
    if (!strncmp(p, "none", 4) && !*skip_ws(p + 4))
        kind = MP_REC_NONE;
    else if (!strncmp(p, "all", 3) && !*skip_ws(p + 3))
        kind = MP_REC_ALL;
    else if (!strncmp(p, "every:", 6))
        kind = MP_REC_EVERY;
    if (kind == MP_REC_EVERY &&
        (parse_u64(p + 6, &every) || every < 1 || every > k->hi))
        return -1;
    while (kind == MP_REC_LIST) {
        char item[32];
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len >= sizeof item || n == MP_CFG_MAX_REC_NEURONS)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (parse_u64(item, &tmp[n]) || tmp[n] >= k->hi)
            return -1;
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    qsort(tmp, n, sizeof tmp[0], cmp_u64);
    for (i = 0; i < n; i++)
        if (i == 0 || tmp[i] != tmp[i - 1])
            c->rec_neurons[m++] = (uint32_t)tmp[i];
    c->n_rec_neurons = m;
    c->rec_every = (uint32_t)every;
    c->rec_weights = kind;
    return 0;
}

static void fmt_neurons(const struct mp_config *c, char *out, size_t len)
{
    size_t j, used = 0;
    if (c->rec_weights == MP_REC_LIST) {
        out[0] = '\0';
        for (j = 0; j < c->n_rec_neurons && used < len; j++)
            used += (size_t)snprintf(out + used, len - used, "%s%u",
                                     j ? ", " : "", c->rec_neurons[j]);
    } else if (c->rec_weights == MP_REC_EVERY) {
        snprintf(out, len, "every:%u", c->rec_every);
    } else {
        /* An out-of-range kind (set by a program) reads back as invalid. */
        snprintf(out, len, "%s",
                 c->rec_weights == MP_REC_ALL    ? "all"
                 : c->rec_weights == MP_REC_NONE ? "none"
                                                 : "?");
    }
}

/* Memories (an integer) or a time (s, min, h, d): one of the two fields. */
static int parse_interval(struct mp_config *c, const struct mp__cfg_key *k,
                          const char *v)
{
    uint64_t *count = (uint64_t *)((char *)c + k->offset);
    double *seconds = (double *)((char *)c + k->aux), d;
    uint64_t u;
    if (parse_u64(v, &u) == 0 && in_range(k, (double)u)) {
        *count = u;
        *seconds = 0.0;
        return 0;
    }
    if (parse_with_unit(v, &d, 0, 0) || !(d > 0))
        return -1;
    *count = 0;
    *seconds = d;
    return 0;
}

int mp__cfg_assign(struct mp_config *c, const struct mp__cfg_key *k,
                   const char *v, char *msg, size_t len)
{
    void *field = (char *)c + k->offset;
    uint64_t u;
    double d;
    size_t i;
    int ok = 0;

    switch (k->type) {
    case T_U64:
    case T_U32:
    case T_INT:
        ok = parse_u64(v, &u) == 0 && in_range(k, (double)u);
        if (ok && k->type == T_U64)
            *(uint64_t *)field = u;
        else if (ok && k->type == T_U32)
            *(uint32_t *)field = (uint32_t)u;
        else if (ok)
            *(int *)field = (int)u;
        break;
    case T_F64:
    case T_TIME:
        ok = (k->type == T_F64 ? parse_f64(v, &d)
                               : parse_with_unit(v, &d, 1, 1)) == 0 &&
             in_range(k, d);
        if (ok)
            *(double *)field = d;
        break;
    case T_ENUM:
        for (i = 0; k->choices[i] && !ok; i++)
            if (!strcmp(skip_ws(v), k->choices[i])) {
                *(int *)field = (int)i;
                ok = 1;
            }
        break;
    case T_PATH:
        ok = path_ok(v);
        if (ok)
            snprintf(field, MP_CFG_MAX_PATH, "%s", v);
        break;
    case T_AGES:
    case T_TIMES:
    case T_F64S:
    case T_PATSETS:
        ok = parse_list(c, k, v) == 0;
        break;
    case T_INTERVAL:
        ok = parse_interval(c, k, skip_ws(v)) == 0;
        break;
    case T_NEURONS:
        ok = parse_neurons(c, k, v) == 0;
        break;
    case T_STRENGTHS:
        ok = mp__cfg_markov_strength(c, v) == 0;
        break;
    case T_MATRIX: {
        char why[400];
        if (mp__cfg_markov_rows(c, (int)k->lo, v, 0, why, sizeof why) == 0)
            return 0;
        snprintf(msg, len, "%s.%s: %s", k->section, k->name, why);
        return -1;
    }
    }
    if (ok)
        return 0;
    snprintf(msg, len, "%s.%s: expected %s, got '%s'", k->section, k->name,
             k->expect, v);
    return -1;
}

/* ---- Formatters ---------------------------------------------------------- */

/* The shortest %g form that reads back as exactly v. */
static void fmt_exact(char *buf, size_t len, double v, const char *suffix)
{
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    strncat(buf, suffix, len - strlen(buf) - 1);
}

static void fmt_patset(char *buf, size_t len, uint64_t set)
{
    int b, first = 1;
    size_t used = 0;
    if (!set) {
        snprintf(buf, len, "all");
        return;
    }
    buf[0] = '\0';
    for (b = 0; b < 64 && used < len; b++)
        if (set >> b & 1) {
            used += (size_t)snprintf(buf + used, len - used, "%s%d",
                                     first ? "" : "+", b);
            first = 0;
        }
}

static void fmt_list(const struct mp_config *c, const struct mp__cfg_key *k,
                     char *out, size_t len)
{
    const void *field = (const char *)c + k->offset;
    size_t n = *(const size_t *)((const char *)c + k->aux), j, used = 0;
    out[0] = '\0';
    for (j = 0; j < n && used < len; j++) {
        char item[64];
        if (k->type == T_AGES)
            snprintf(item, sizeof item, "%llu",
                     (unsigned long long)((const uint64_t *)field)[j]);
        else if (k->type == T_PATSETS)
            fmt_patset(item, sizeof item, ((const uint64_t *)field)[j]);
        else
            fmt_exact(item, sizeof item, ((const double *)field)[j],
                      k->type == T_TIMES ? "s" : "");
        used += (size_t)snprintf(out + used, len - used, "%s%s",
                                 j ? ", " : "", item);
    }
}

void mp__cfg_format(const struct mp_config *c, const struct mp__cfg_key *k,
                    char *out, size_t len)
{
    const void *field = (const char *)c + k->offset;
    switch (k->type) {
    case T_U64:
        snprintf(out, len, "%llu",
                 (unsigned long long)*(const uint64_t *)field);
        break;
    case T_U32:
        snprintf(out, len, "%u", *(const uint32_t *)field);
        break;
    case T_INT:
        snprintf(out, len, "%d", *(const int *)field);
        break;
    case T_F64:
        fmt_exact(out, len, *(const double *)field, "");
        break;
    case T_TIME:
        fmt_exact(out, len, *(const double *)field, "s");
        break;
    case T_ENUM:
        snprintf(out, len, "%s", k->choices[*(const int *)field]);
        break;
    case T_PATH:
        snprintf(out, len, "%s", (const char *)field);
        break;
    case T_AGES:
    case T_TIMES:
    case T_F64S:
    case T_PATSETS:
        fmt_list(c, k, out, len);
        break;
    case T_INTERVAL: {
        const double s = *(const double *)((const char *)c + k->aux);
        if (s > 0)
            fmt_exact(out, len, s, "s");
        else
            snprintf(out, len, "%llu",
                     (unsigned long long)*(const uint64_t *)field);
        break;
    }
    case T_NEURONS:
        fmt_neurons(c, out, len);
        break;
    case T_STRENGTHS:
        mp__cfg_markov_format_strength(c, out, len);
        break;
    case T_MATRIX:
        mp__cfg_markov_format_rows(c, (int)k->lo, out, len);
        break;
    }
}
