/* SPDX-License-Identifier: MIT */
/* config.c: INI loading (libinih), overrides, validation, resolved output. */
#include "metaplast/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "metaplast/detail/util.h"
#include "metaplast/error.h"

enum key_type { T_U64, T_U32, T_INT, T_F64, T_ENUM, T_PATH, T_AGES,
                T_INTERVAL, T_TIME, T_TIMES, T_PATSETS, T_F64S };

struct key {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset;
    double lo, hi;       /* numeric range, inclusive unless open_lo/hi */
    int open_lo, open_hi;
    const char *const *choices; /* T_ENUM: NULL-terminated names */
    const char *expect;         /* what a valid value looks like */
};

static const char *const backend_names[] = {"auto", "cpu", "cuda", NULL};
static const char *const init_names[] = {"stationary", "plastic", NULL};
static const char *const model_names[] = {"binary", "cascade", "serial",
                                          NULL};
static const char *const paradigm_names[] = {"ensemble", "network", NULL};
static const char *const rule_names[] = {"bcm", "hebbian", "none", NULL};
static const char *const pattern_names[] = {"orthonormal", "binary", NULL};
static const char *const topology_names[] = {"feedforward", "recurrent",
                                             NULL};
static const char *const synapse_kind_names[] = {"continuous", "discrete",
                                                 NULL};

#define OFF(field) offsetof(struct mp_config, field)
#define BIG 1.8446744073709552e19

#define TIME_EXPECT(what)                                                    \
    "a time with a unit (e.g. 10ms, 2s, 30min, 2h, 1d) " what

static const struct key keys[] = {
    {"run", "paradigm", T_ENUM, OFF(paradigm), 0, 0, 0, 0, paradigm_names,
     "one of ensemble, network"},
    {"run", "seed", T_U64, OFF(seed), 0, BIG, 0, 0, NULL,
     "an integer in [0, 2^64)"},
    {"run", "memories", T_U64, OFF(memories), 1, 7.2e16, 0, 0, NULL,
     "an integer >= 1 (memories stored after the burn-in)"},
    {"run", "backend", T_ENUM, OFF(backend), 0, 0, 0, 0, backend_names,
     "one of auto, cpu, cuda"},
    {"run", "threads", T_INT, OFF(threads), 0, 4096, 0, 0, NULL,
     "an integer >= 0 (0 = all cores)"},
    {"ensemble", "synapses", T_U64, OFF(synapses), 1, 1.0995e12, 0, 0, NULL,
     "an integer in [1, 2^40] (number of synapses N)"},
    {"ensemble", "f", T_F64, OFF(f), 0, 1, 1, 1, NULL,
     "a probability strictly between 0 and 1"},
    {"ensemble", "burn_in", T_U64, OFF(burn_in), 0, 7.2e16, 0, 0, NULL,
     "an integer >= 0 (memories)"},
    {"ensemble", "init", T_ENUM, OFF(init), 0, 0, 0, 0, init_names,
     "one of stationary, plastic"},
    {"synapse", "model", T_ENUM, OFF(syn.model), 0, 0, 0, 0, model_names,
     "one of binary, cascade, serial"},
    {"synapse", "n", T_U32, OFF(syn.n), 2, MP_SYN_SERIAL_MAX_M, 0, 0, NULL,
     "an integer >= 2 (cascade depth, or serial state count)"},
    {"synapse", "x", T_F64, OFF(syn.x), 0, 0.5, 1, 0, NULL,
     "a number in (0, 1/2]"},
    {"synapse", "q", T_F64, OFF(syn.q), 0, 1, 0, 0, NULL,
     "a probability in [0, 1]"},
    {"synapse", "q_plus", T_F64, OFF(syn.q_plus), 0, 1, 0, 0, NULL,
     "a probability in [0, 1]"},
    {"synapse", "q_minus", T_F64, OFF(syn.q_minus), 0, 1, 0, 0, NULL,
     "a probability in [0, 1]"},
    {"measure", "every", T_U64, OFF(every), 1, 7.2e16, 0, 0, NULL,
     "an integer >= 1 (memories between measurements)"},
    {"measure", "max_age", T_U64, OFF(max_age), 0, 7.2e16, 0, 0, NULL,
     "an integer >= 0 (memories)"},
    {"measure", "per_decade", T_U32, OFF(per_decade), 1, 1000, 0, 0, NULL,
     "an integer in [1, 1000]"},
    {"measure", "ages", T_AGES, OFF(ages), 0, 7.2e16, 0, 0, NULL,
     "a comma-separated list of ages >= 0 (at most 512)"},
    {"output", "dir", T_PATH, OFF(dir), 0, 0, 0, 0, NULL,
     "a directory path without ';' or '#'"},
    {"checkpoint", "every", T_INTERVAL, OFF(ckpt_every_memories), 0, 7.2e16,
     0, 0, NULL,
     "a number of memories (e.g. 1e5), a time with a unit (e.g. 90s, "
     "30min, 2h, 1d), or 0 for none but the last"},
    {"checkpoint", "deflate", T_INT, OFF(ckpt_deflate), 0, 9, 0, 0, NULL,
     "a deflate level in [0, 9] (0 = uncompressed)"},
    {"run", "duration", T_TIME, OFF(duration_s), 0, 3.2e9, 1, 0, NULL,
     TIME_EXPECT("> 0 (simulated time)")},
    {"network", "dt", T_TIME, OFF(dt_s), 0, 3600, 1, 0, NULL,
     TIME_EXPECT("> 0 (time step)")},
    {"network", "inputs", T_U32, OFF(n_in), 1, 1e9, 0, 0, NULL,
     "an integer >= 1"},
    {"network", "neurons", T_U32, OFF(n_out), 1, 1e9, 0, 0, NULL,
     "an integer >= 1"},
    {"network", "topology", T_ENUM, OFF(recurrent), 0, 0, 0, 0,
     topology_names, "one of feedforward, recurrent"},
    {"network", "fan_in", T_U32, OFF(fan_in), 0, 1e8, 0, 0, NULL,
     "an integer >= 0 (synapses per neuron; 0 = dense)"},
    {"network", "w_init_recurrent", T_F64, OFF(w_init_rec), 0, 1e6, 0, 0,
     NULL, "a number >= 0 (recurrent weights uniform in [0, it])"},
    {"network", "synapse", T_ENUM, OFF(discrete), 0, 0, 0, 0,
     synapse_kind_names,
     "one of continuous, discrete (the [synapse] model, gated by BCM)"},
    {"network", "w_weak", T_F64, OFF(w_weak), -1e6, 1e6, 0, 0, NULL,
     "a number (weight of a weak discrete synapse)"},
    {"network", "w_strong", T_F64, OFF(w_strong), -1e6, 1e6, 0, 0, NULL,
     "a number (weight of a strong discrete synapse)"},
    {"network", "x_on", T_F64, OFF(x_on), 0, 1e6, 0, 0, NULL,
     "a rate >= 0 (inputs above it are active)"},
    {"network", "bias", T_F64, OFF(bias), -1e6, 1e6, 0, 0, NULL,
     "a number"},
    {"network", "w_init", T_F64, OFF(w_init), 0, 1e6, 0, 0, NULL,
     "a number >= 0 (initial weights uniform in [0, w_init])"},
    {"network", "w_min", T_F64, OFF(w_min), -1e6, 1e6, 0, 0, NULL,
     "a number"},
    {"network", "w_max", T_F64, OFF(w_max), -1e6, 1e6, 0, 0, NULL,
     "a number"},
    {"input", "patterns", T_U32, OFF(patterns), 1, 65536, 0, 0, NULL,
     "an integer in [1, 65536]"},
    {"input", "kind", T_ENUM, OFF(pattern_kind), 0, 0, 0, 0, pattern_names,
     "one of orthonormal, binary"},
    {"input", "switch_every", T_TIME, OFF(switch_s), 0, 3.2e9, 1, 0, NULL,
     TIME_EXPECT("> 0")},
    {"input", "scale", T_F64, OFF(input_scale), 0, 1e6, 0, 0, NULL,
     "a number >= 0"},
    {"input", "noise", T_F64, OFF(noise), 0, 1e6, 0, 0, NULL,
     "a number >= 0 (standard deviation)"},
    {"bcm", "rule", T_ENUM, OFF(rule), 0, 0, 0, 0, rule_names,
     "one of bcm, hebbian, none"},
    {"bcm", "tau_w", T_TIME, OFF(tau_w_s), 0, 3.2e9, 1, 0, NULL,
     TIME_EXPECT("> 0 (1 / learning rate)")},
    {"bcm", "tau_theta", T_TIME, OFF(tau_theta_s), 0, 3.2e9, 1, 0, NULL,
     TIME_EXPECT("> 0")},
    {"bcm", "y0", T_F64, OFF(y0), 0, 1e6, 1, 0, NULL, "a number > 0"},
    {"bcm", "theta_init", T_F64, OFF(theta_init), 0, 1e6, 0, 0, NULL,
     "a number >= 0"},
    {"bcm", "hetero_segment", T_U32, OFF(hetero_segment), 0, 1e8, 0, 0,
     NULL,
     "an integer >= 0 (synapses per dendritic segment whose net change is "
     "removed evenly; 0 = off)"},
    {"neuromod", "level", T_F64, OFF(modulator), 0, 1e3, 0, 0, NULL,
     "a number >= 0 (0 = no plasticity)"},
    {"scaling", "interval", T_TIME, OFF(scaling_interval_s), 0, 3.2e9, 0, 0,
     NULL, TIME_EXPECT(", or 0 for no scaling")},
    {"scaling", "target", T_F64, OFF(target_rate), 0, 1e6, 1, 0, NULL,
     "a rate > 0"},
    {"scaling", "alpha", T_F64, OFF(scaling_alpha), 0, 10, 0, 0, NULL,
     "a number in [0, 10]"},
    {"scaling", "max_factor", T_F64, OFF(scaling_max), 1, 1e6, 0, 0, NULL,
     "a number >= 1"},
    {"protocol", "durations", T_TIMES, OFF(phase_s), 0, 3.2e9, 1, 0, NULL,
     "a comma-separated list of phase durations with units, e.g. "
     "100s, 30min (at most 32)"},
    {"protocol", "patterns", T_PATSETS, OFF(phase_patterns), 0, 63, 0, 0,
     NULL,
     "a comma-separated list, one per phase, of 'all' or pattern indices "
     "joined by '+' (e.g. all, 0+2, 1)"},
    {"protocol", "scale", T_F64S, OFF(phase_scale), 0, 1e6, 0, 0, NULL,
     "a comma-separated list of input scales >= 0, one per phase"},
    {"protocol", "modulator", T_F64S, OFF(phase_mod), 0, 1e3, 0, 0, NULL,
     "a comma-separated list of modulator levels >= 0, one per phase"},
    {"record", "interval", T_TIME, OFF(record_interval_s), 0, 3.2e9, 1, 0,
     NULL, TIME_EXPECT("> 0")},
    {"record", "max_bytes", T_U64, OFF(record_max_bytes), 1, 1e15, 0, 0,
     NULL, "an integer >= 1 (bytes)"},
    {"record", "histogram_bins", T_U32, OFF(histogram_bins), 1, 10000, 0, 0,
     NULL, "an integer in [1, 10000]"},
};

#define NKEYS (sizeof keys / sizeof keys[0])
MP_STATIC_ASSERT(sizeof keys / sizeof keys[0] <= MP_CFG_MAX_KEYS,
                 "raise MP_CFG_MAX_KEYS");

/* Index of a key in the table (the names are this file's own). */
static size_t key_index(const char *section, const char *name)
{
    size_t i;
    for (i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
            return i;
    return 0;
}

void mp_config_init(struct mp_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->memories = 10000;
    c->backend = MP_BACKEND_AUTO;
    c->threads = 0;
    c->synapses = 100000;
    c->f = 0.5;
    c->burn_in = 0;
    c->init = MP_INIT_STATIONARY;
    c->syn.model = MP_SYN_CASCADE;
    c->syn.n = 10;
    c->syn.x = 0.5;
    c->syn.q = 0.5;
    c->syn.q_plus = 0.5;
    c->syn.q_minus = 0.5;
    c->every = 1;
    c->max_age = 1000;
    c->per_decade = 10;
    c->n_ages = 0;
    snprintf(c->dir, sizeof c->dir, "metaplast-run");
    c->ckpt_every_memories = 0;
    c->ckpt_every_s = 1800.0;
    c->ckpt_deflate = 0;
    c->paradigm = MP_PARADIGM_ENSEMBLE;
    c->duration_s = 100.0;
    c->dt_s = 0.001;
    c->n_in = 16;
    c->n_out = 4;
    c->bias = 0.0;
    c->discrete = 0;
    c->w_weak = 0.0;
    c->w_strong = 1.0;
    c->x_on = 0.0;
    c->w_init = 0.1;
    c->w_min = -10.0;
    c->w_max = 10.0;
    c->patterns = 4;
    c->pattern_kind = MP_PATTERNS_ORTHONORMAL;
    c->switch_s = 0.01;
    c->input_scale = 1.0;
    c->noise = 0.0;
    c->rule = MP_RULE_BCM;
    c->tau_w_s = 10.0;
    c->tau_theta_s = 1.0;
    c->y0 = 1.0;
    c->theta_init = 0.0;
    c->modulator = 1.0;
    c->scaling_interval_s = 0.0;
    c->target_rate = 1.0;
    c->scaling_alpha = 1.0;
    c->scaling_max = 2.0;
    c->record_interval_s = 1.0;
    c->record_max_bytes = UINT64_C(1) << 30;
    c->histogram_bins = 50;
}

/* Where a key's value came from, as a message prefix. */
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
    s = skip_ws(s);
    if (!isdigit((unsigned char)*s) && *s != '.')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == 0 && *skip_ws(end) == '\0') {
        *out = v;
        return 0;
    }
    errno = 0;
    double d = strtod(s, &end);
    if (errno || *skip_ws(end) != '\0' || !isfinite(d) || d < 0 ||
        d != floor(d) || d > 9007199254740992.0)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int parse_f64(const char *s, double *out)
{
    char *end;
    s = skip_ws(s);
    if (!*s)
        return -1;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || *skip_ws(end) != '\0' || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* A time: a number and a unit (ms, s, min, h, d), e.g. "30min"; "0"
 * alone is accepted (off). */
static int parse_time(const char *s, double *out)
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
    if (len == 1 && s[0] == '0') {
        *out = 0.0;
        return 0;
    }
    for (i = 0; i < sizeof units / sizeof units[0]; i++) {
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

static int in_range(const struct key *k, double v)
{
    if (k->open_lo ? v <= k->lo : v < k->lo)
        return 0;
    if (k->open_hi ? v >= k->hi : v > k->hi)
        return 0;
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Parses value into the key's field; 0 or -1 (message in err, no prefix). */
static int assign(struct mp_config *c, const struct key *k, const char *v,
                  char *err, size_t errlen)
{
    char *field = (char *)c + k->offset;
    uint64_t u;
    double d;
    size_t i;

    switch (k->type) {
    case T_U64:
    case T_U32:
    case T_INT:
        if (parse_u64(v, &u) || !in_range(k, (double)u))
            goto bad;
        if (k->type == T_U64)
            *(uint64_t *)field = u;
        else if (k->type == T_U32)
            *(uint32_t *)field = (uint32_t)u;
        else
            *(int *)field = (int)u;
        return 0;
    case T_F64:
        if (parse_f64(v, &d) || !in_range(k, d))
            goto bad;
        *(double *)field = d;
        return 0;
    case T_ENUM:
        v = skip_ws(v);
        for (i = 0; k->choices[i]; i++) {
            if (strcmp(v, k->choices[i]) == 0) {
                *(int *)field = (int)i;
                return 0;
            }
        }
        goto bad;
    case T_TIME: {
        double t;
        if (parse_time(v, &t) || !in_range(k, t))
            goto bad;
        *(double *)field = t;
        return 0;
    }
    case T_INTERVAL: {
        /* Memories (an integer), or a time: number + s, min, h or d. */
        static const struct {
            const char *unit;
            double s;
        } units[] = {{"s", 1}, {"min", 60}, {"h", 3600}, {"d", 86400}};
        char num[64], *end;
        size_t len;
        v = skip_ws(v);
        if (parse_u64(v, &u) == 0) {
            c->ckpt_every_memories = u;
            c->ckpt_every_s = 0.0;
            return 0;
        }
        len = strlen(v);
        while (len && isspace((unsigned char)v[len - 1]))
            len--;
        for (i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t ul = strlen(units[i].unit), nl;
            if (len <= ul || strncmp(v + len - ul, units[i].unit, ul))
                continue;
            nl = len - ul;
            if (nl >= sizeof num)
                goto bad;
            memcpy(num, v, nl);
            num[nl] = '\0';
            errno = 0;
            d = strtod(num, &end);
            if (errno || *skip_ws(end) || !isfinite(d) || d <= 0 ||
                !isdigit((unsigned char)*skip_ws(num)))
                goto bad;
            c->ckpt_every_memories = 0;
            c->ckpt_every_s = d * units[i].s;
            return 0;
        }
        goto bad;
    }
    case T_TIMES:
    case T_PATSETS:
    case T_F64S: {
        /* Comma-separated, one item per phase. */
        size_t n = 0, *count;
        const char *p = v;
        count = k->type == T_TIMES     ? &c->n_phases
                : k->type == T_PATSETS ? &c->n_phase_patterns
                : k->offset == OFF(phase_scale) ? &c->n_phase_scale
                                                : &c->n_phase_mod;
        while (*skip_ws(p)) {
            char item[128];
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len >= sizeof item || n == MP_CFG_MAX_PHASES)
                goto bad;
            memcpy(item, p, len);
            item[len] = '\0';
            if (k->type == T_TIMES) {
                double t;
                if (parse_time(item, &t) || !in_range(k, t))
                    goto bad;
                ((double *)field)[n] = t;
            } else if (k->type == T_F64S) {
                double f;
                if (parse_f64(item, &f) || !in_range(k, f))
                    goto bad;
                ((double *)field)[n] = f;
            } else {
                /* "all", or indices joined by '+'. */
                const char *q = skip_ws(item);
                uint64_t set = 0;
                if (!strncmp(q, "all", 3) && !*skip_ws(q + 3)) {
                    set = 0;
                } else {
                    char *end;
                    for (;;) {
                        unsigned long idx;
                        q = skip_ws(q);
                        if (!isdigit((unsigned char)*q))
                            goto bad;
                        idx = strtoul(q, &end, 10);
                        if (idx > 63)
                            goto bad;
                        set |= UINT64_C(1) << idx;
                        q = skip_ws(end);
                        if (!*q)
                            break;
                        if (*q++ != '+')
                            goto bad;
                    }
                }
                ((uint64_t *)field)[n] = set;
            }
            n++;
            if (!comma)
                break;
            p = comma + 1;
            if (!*skip_ws(p))
                goto bad;
        }
        if (n == 0)
            goto bad;
        *count = n;
        return 0;
    }
    case T_PATH:
        v = skip_ws(v);
        /* ';' and '#' start comments in INI: a path holding them could
         * not be written to config.ini and read back. */
        if (!*v || strlen(v) >= MP_CFG_MAX_PATH || strpbrk(v, ";#"))
            goto bad;
        snprintf(field, MP_CFG_MAX_PATH, "%s", v);
        return 0;
    case T_AGES: {
        uint64_t tmp[MP_CFG_MAX_AGES];
        size_t n = 0;
        const char *p = v;
        while (*skip_ws(p)) {
            char item[64];
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len >= sizeof item || n == MP_CFG_MAX_AGES)
                goto bad;
            memcpy(item, p, len);
            item[len] = '\0';
            if (parse_u64(item, &tmp[n]) || !in_range(k, (double)tmp[n]))
                goto bad;
            n++;
            if (!comma)
                break;
            p = comma + 1;
            if (!*skip_ws(p))
                goto bad; /* a trailing comma */
        }
        if (n == 0)
            goto bad;
        qsort(tmp, n, sizeof tmp[0], cmp_u64);
        c->n_ages = 0;
        for (i = 0; i < n; i++)
            if (i == 0 || tmp[i] != tmp[i - 1])
                c->ages[c->n_ages++] = tmp[i];
        return 0;
    }
    }
bad:
    mp__errf(err, errlen, "%s.%s: expected %s, got '%s'", k->section, k->name,
        k->expect, v);
    return -1;
}

static const struct key *find_key(const char *section, const char *name,
                                  int *section_known)
{
    size_t i;
    *section_known = 0;
    for (i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, section) != 0)
            continue;
        *section_known = 1;
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

static void unknown_key(const char *section, const char *name,
                        int section_known, char *err, size_t errlen)
{
    if (!*section)
        mp__errf(err, errlen, "%s: key outside any [section]", name);
    else if (!section_known)
        mp__errf(err, errlen,
            "[%s]: unknown section (expected run, ensemble, synapse, "
            "measure, output or checkpoint)",
            section);
    else {
        char list[256] = "";
        size_t i;
        for (i = 0; i < NKEYS; i++) {
            if (strcmp(keys[i].section, section) != 0)
                continue;
            if (list[0])
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, keys[i].name, sizeof list - strlen(list) - 1);
        }
        mp__errf(err, errlen, "%s.%s: unknown key (known in [%s]: %s)", section,
            name, section, list);
    }
}

/* ---- INI file ---------------------------------------------------------- */

struct reader {
    FILE *f;
    int line;      /* lines handed to inih so far */
    int long_line; /* first line longer than inih's buffer, or 0 */
};

struct load {
    struct mp_config *c;
    struct reader *r;
    char msg[512]; /* first error, without the file:line prefix */
    int msg_line;
};

/* fgets for inih that counts lines, so messages can name them. */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    char *s = fgets(str, num, r->f);
    if (!s)
        return NULL;
    r->line++;
    if (!strchr(s, '\n') && !feof(r->f)) {
        int ch;
        if (!r->long_line)
            r->long_line = r->line;
        while ((ch = fgetc(r->f)) != EOF && ch != '\n')
            ;
    }
    return s;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value)
{
    struct load *ld = user;
    int known;
    const struct key *k;
    size_t idx;

    if (ld->msg[0])
        return 1; /* report the first error only */
    k = find_key(section, name, &known);
    if (!k) {
        unknown_key(section, name, known, ld->msg, sizeof ld->msg);
        ld->msg_line = ld->r->line;
        return 0;
    }
    idx = (size_t)(k - keys);
    if (ld->c->line[idx] > 0) {
        mp__errf(ld->msg, sizeof ld->msg,
            "%s.%s: set twice (first at line %d)", k->section, k->name,
            (int)ld->c->line[idx]);
        ld->msg_line = ld->r->line;
        return 0;
    }
    if (assign(ld->c, k, value, ld->msg, sizeof ld->msg)) {
        ld->msg_line = ld->r->line;
        return 0;
    }
    ld->c->line[idx] = ld->r->line;
    return 1;
}

static int load_stream(struct mp_config *c, FILE *f, const char *name,
                       char *err, size_t errlen)
{
    struct reader r = {0};
    struct load ld;
    int rc;

    r.f = f;
    memset(&ld, 0, sizeof ld);
    ld.c = c;
    ld.r = &r;
    snprintf(c->file, sizeof c->file, "%s", name);
    rc = ini_parse_stream(read_line, &r, on_value, &ld);
    if (ld.msg[0]) {
        mp__errf(err, errlen, "%s:%d: %s", name, ld.msg_line, ld.msg);
        return MP_EINVAL;
    }
    if (r.long_line) {
        mp__errf(err, errlen, "%s:%d: line too long (at most %d characters)",
            name, r.long_line, INI_MAX_LINE - 3);
        return MP_EINVAL;
    }
    if (rc > 0) {
        mp__errf(err, errlen,
            "%s:%d: syntax error: expected '[section]', 'key = value' or a "
            "comment",
            name, rc);
        return MP_EINVAL;
    }
    if (rc < 0) {
        mp__errf(err, errlen, "%s: cannot read", name);
        return MP_EIO;
    }
    return 0;
}

int mp_config_load(struct mp_config *c, const char *path, char *err,
                   size_t errlen)
{
    FILE *f = fopen(path, "r");
    int rc;
    if (!f) {
        mp__errf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return MP_EIO;
    }
    rc = load_stream(c, f, path, err, errlen);
    fclose(f);
    return rc;
}

int mp_config_load_text(struct mp_config *c, const char *text,
                        const char *name, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc;
    if (!f) {
        mp__errf(err, errlen, "%s: cannot read the configuration", name);
        return MP_EIO;
    }
    rc = load_stream(c, f, name, err, errlen);
    fclose(f);
    return rc;
}

int mp_config_set(struct mp_config *c, const char *assignment, int index,
                  char *err, size_t errlen)
{
    char section[64], name[64], msg[512];
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    const struct key *k;
    int known;

    if (!dot || !eq || dot > eq || (size_t)(dot - assignment) >= sizeof section ||
        (size_t)(eq - dot - 1) >= sizeof name) {
        mp__errf(err, errlen,
            "--set %s: expected section.key=value (e.g. run.seed=7)",
            assignment);
        return MP_EINVAL;
    }
    memcpy(section, assignment, (size_t)(dot - assignment));
    section[dot - assignment] = '\0';
    memcpy(name, dot + 1, (size_t)(eq - dot - 1));
    name[eq - dot - 1] = '\0';
    k = find_key(section, name, &known);
    if (!k) {
        unknown_key(section, name, known, msg, sizeof msg);
        mp__errf(err, errlen, "--set %s: %s", assignment, msg);
        return MP_EINVAL;
    }
    if (assign(c, k, eq + 1, msg, sizeof msg)) {
        mp__errf(err, errlen, "--set %s: %s", assignment, msg);
        return MP_EINVAL;
    }
    c->line[k - keys] = -index;
    return 0;
}

/* ---- Validation -------------------------------------------------------- */

static int bad_key(const struct mp_config *c, size_t k, char *err,
                   size_t errlen, const char *what)
{
    char where[MP_CFG_MAX_PATH + 32];
    origin(c, k, where, sizeof where);
    mp__errf(err, errlen, "%s: %s.%s: %s", where, keys[k].section, keys[k].name,
        what);
    return MP_EINVAL;
}

static int validate_model(struct mp_config *c, char *err, size_t errlen)
{
    char what[256];
    const struct mp_syn_params *s = &c->syn;

    /* binary: q_plus and q_minus default to q. */
    if (!c->line[key_index("synapse", "q_plus")])
        c->syn.q_plus = c->syn.q;
    if (!c->line[key_index("synapse", "q_minus")])
        c->syn.q_minus = c->syn.q;

    if (s->model == MP_SYN_CASCADE && s->n > MP_SYN_CASCADE_MAX_N) {
        snprintf(what, sizeof what,
                 "expected a cascade depth in [2, %d], got %u",
                 MP_SYN_CASCADE_MAX_N, s->n);
        return bad_key(c, key_index("synapse", "n"), err, errlen, what);
    }
    if (s->model == MP_SYN_SERIAL && s->n % 2) {
        snprintf(what, sizeof what,
                 "expected an even number of serial states, got %u", s->n);
        return bad_key(c, key_index("synapse", "n"), err, errlen, what);
    }
    if (s->model == MP_SYN_CASCADE &&
        mp_prob_threshold(mp_cascade_p(s->n - 1, s->n, s->x)) == 0) {
        /* p_(n-1) = x^(n-1)/(1-x) is the model's smallest probability. */
        snprintf(what, sizeof what,
                 "p_(n-1) = %.3g is below the 2^-32 resolution of the "
                 "transition thresholds; use a larger x or a smaller n",
                 mp_cascade_p(s->n - 1, s->n, s->x));
        return bad_key(c, key_index("synapse", "x"), err, errlen, what);
    }
    return 0;
}

static int validate_ensemble(struct mp_config *c, char *err, size_t errlen)
{
    char what[256];
    int rc = validate_model(c, err, errlen);
    if (rc)
        return rc;
    if (c->n_ages == 0 && c->max_age >= c->memories) {
        snprintf(what, sizeof what,
                 "must be less than run.memories (%llu): only memories "
                 "stored after the burn-in are probed, got %llu",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->max_age);
        return bad_key(c, key_index("measure", "max_age"), err, errlen, what);
    }
    if (c->n_ages && c->ages[c->n_ages - 1] >= c->memories) {
        snprintf(what, sizeof what,
                 "every age must be less than run.memories (%llu), got "
                 "%llu",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->ages[c->n_ages - 1]);
        return bad_key(c, key_index("measure", "ages"), err, errlen, what);
    }
    if (c->every > c->memories) {
        snprintf(what, sizeof what,
                 "must not exceed run.memories (%llu), got %llu: no "
                 "measurement would be taken",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->every);
        return bad_key(c, key_index("measure", "every"), err, errlen, what);
    }
    if (c->burn_in + c->memories > MP_RNG_MAX_STEP) {
        snprintf(what, sizeof what,
                 "ensemble.burn_in + run.memories must be below 2^56");
        return bad_key(c, key_index("run", "memories"), err, errlen, what);
    }
    if (c->n_ages == 0 && mp_config_ages(c, NULL, 0) > MP_CFG_MAX_AGES) {
        snprintf(what, sizeof what,
                 "the age grid would have more than %d points; lower "
                 "measure.per_decade or measure.max_age",
                 MP_CFG_MAX_AGES);
        return bad_key(c, key_index("measure", "max_age"), err, errlen, what);
    }
    return 0;
}

double mp_config_memory(const struct mp_config *c)
{
    double state;
    if (c->paradigm == MP_PARADIGM_NETWORK) {
        double L = c->fan_in ? c->fan_in
                             : (double)c->n_in + (c->recurrent ? c->n_out : 0);
        double nw = L * c->n_out;
        state = nw * (4.0 + (c->fan_in ? 4.0 : 0.0) + (c->discrete ? 1.0 : 0.0)) +
                (double)c->n_out * 48.0;
    } else {
        state = (double)c->synapses + 128.0;
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

/* Bytes one record of a network run takes. */
static double record_bytes(const struct mp_config *c)
{
    return 4.0 * c->n_out * (2.0 + c->patterns) + 8.0 * c->histogram_bins +
           8.0 * 5;
}

static int validate_network(struct mp_config *c, char *err, size_t errlen)
{
    static const struct {
        const char *section, *name;
    } spans[] = {{"bcm", "tau_w"},         {"bcm", "tau_theta"},
                 {"input", "switch_every"}, {"record", "interval"},
                 {"scaling", "interval"},   {"run", "duration"}};
    char what[512];
    size_t i;
    double n_rec;

    if (c->discrete) {
        int rc = validate_model(c, err, errlen);
        if (rc)
            return rc;
    }

    for (i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        size_t k = key_index(spans[i].section, spans[i].name);
        double t = *(const double *)((const char *)c + keys[k].offset);
        if (t == 0.0) /* scaling off */
            continue;
        if (t < c->dt_s) {
            snprintf(what, sizeof what,
                     "%gs is shorter than the time step network.dt = %gs: "
                     "a process faster than the step cannot be simulated",
                     t, c->dt_s);
            return bad_key(c, k, err, errlen, what);
        }
    }
    if (c->duration_s / c->dt_s > 7.2e16) {
        snprintf(what, sizeof what, "more than 2^56 steps of network.dt");
        return bad_key(c, key_index("run", "duration"), err, errlen, what);
    }
    if (!(c->w_min < c->w_max)) {
        snprintf(what, sizeof what,
                 "must be greater than network.w_min (%g), got %g", c->w_min,
                 c->w_max);
        return bad_key(c, key_index("network", "w_max"), err, errlen, what);
    }
    if (c->w_init > c->w_max || 0.0 < c->w_min) {
        snprintf(what, sizeof what,
                 "initial weights in [0, %g] must lie within [w_min, w_max] "
                 "= [%g, %g]",
                 c->w_init, c->w_min, c->w_max);
        return bad_key(c, key_index("network", "w_init"), err, errlen,
                       what);
    }
    if ((uint64_t)c->n_in + (c->recurrent ? c->n_out : 0) > 0xFFFFFFFFu) {
        snprintf(what, sizeof what,
                 "inputs + neurons must stay below 2^32 presynaptic cells");
        return bad_key(c, key_index("network", "neurons"), err, errlen,
                       what);
    }
    if (c->w_init_rec > c->w_max) {
        snprintf(what, sizeof what, "must not exceed network.w_max (%g)",
                 c->w_max);
        return bad_key(c, key_index("network", "w_init_recurrent"), err,
                       errlen, what);
    }
    if (c->discrete && c->scaling_interval_s > 0) {
        snprintf(what, sizeof what,
                 "synaptic scaling multiplies weights, which discrete "
                 "synapses (network.synapse = discrete) do not have; set it "
                 "to 0");
        return bad_key(c, key_index("scaling", "interval"), err, errlen,
                       what);
    }
    if (c->discrete && c->hetero_segment) {
        snprintf(what, sizeof what,
                 "heterosynaptic normalisation needs continuous weights");
        return bad_key(c, key_index("bcm", "hetero_segment"), err, errlen,
                       what);
    }
    if (c->discrete && (c->w_weak < c->w_min || c->w_strong > c->w_max)) {
        snprintf(what, sizeof what,
                 "w_weak and w_strong must lie within [w_min, w_max]");
        return bad_key(c, key_index("network", "w_strong"), err, errlen,
                       what);
    }
    if (c->pattern_kind == MP_PATTERNS_ORTHONORMAL && c->patterns > c->n_in) {
        snprintf(what, sizeof what,
                 "%u orthonormal patterns need at least as many inputs "
                 "(network.inputs = %u)",
                 c->patterns, c->n_in);
        return bad_key(c, key_index("input", "patterns"), err, errlen, what);
    }
    if (c->n_phase_patterns || c->n_phase_scale || c->n_phase_mod) {
        static const char *const lists[] = {"patterns", "scale",
                                            "modulator"};
        const size_t counts[] = {c->n_phase_patterns, c->n_phase_scale,
                                 c->n_phase_mod};
        if (!c->n_phases) {
            snprintf(what, sizeof what,
                     "a protocol needs protocol.durations");
            return bad_key(c, key_index("protocol", "durations"), err,
                           errlen, what);
        }
        for (i = 0; i < 3; i++)
            if (counts[i] && counts[i] != c->n_phases) {
                snprintf(what, sizeof what,
                         "has %zu entries, protocol.durations has %zu: one "
                         "per phase",
                         counts[i], c->n_phases);
                return bad_key(c, key_index("protocol", lists[i]), err,
                               errlen, what);
            }
    }
    for (i = 0; i < c->n_phases; i++) {
        if (c->phase_s[i] < c->dt_s) {
            snprintf(what, sizeof what,
                     "phase %zu lasts %gs, shorter than the time step "
                     "network.dt = %gs",
                     i + 1, c->phase_s[i], c->dt_s);
            return bad_key(c, key_index("protocol", "durations"), err,
                           errlen, what);
        }
        if (i < c->n_phase_patterns &&
            (c->phase_patterns[i] >> (c->patterns < 64 ? c->patterns : 63) >>
             (c->patterns < 64 ? 0 : 1))) {
            snprintf(what, sizeof what,
                     "phase %zu names a pattern beyond input.patterns = %u",
                     i + 1, c->patterns);
            return bad_key(c, key_index("protocol", "patterns"), err, errlen,
                           what);
        }
    }
    n_rec = floor(c->duration_s / c->record_interval_s) + 1.0;
    if (n_rec * record_bytes(c) > (double)c->record_max_bytes) {
        snprintf(what, sizeof what,
                 "the run would record %.3g bytes (%.0f records of %.0f "
                 "bytes), more than record.max_bytes = %llu; raise "
                 "record.interval or record.max_bytes",
                 n_rec * record_bytes(c), n_rec, record_bytes(c),
                 (unsigned long long)c->record_max_bytes);
        return bad_key(c, key_index("record", "interval"), err, errlen,
                       what);
    }
    return 0;
}

/* config.ini is read back by libinih, whose lines hold at most
 * INI_MAX_LINE - 3 characters: every value must fit on one. */
static int check_lines(const struct mp_config *c, char *err, size_t errlen)
{
    size_t i;
    for (i = 0; i < NKEYS; i++) {
        char value[MP_CFG_MAX_AGES * 24], what[256];
        const char *name;
        mp_config_key(c, i, &name, value, sizeof value);
        if (strlen(keys[i].name) + 3 + strlen(value) > INI_MAX_LINE - 3) {
            snprintf(what, sizeof what,
                     "the value takes %zu characters, more than a config "
                     "line holds (%d); use fewer or shorter entries",
                     strlen(value), INI_MAX_LINE - 6 -
                                        (int)strlen(keys[i].name));
            return bad_key(c, i, err, errlen, what);
        }
    }
    return 0;
}

int mp_config_validate(struct mp_config *c, char *err, size_t errlen)
{
    int rc = check_lines(c, err, errlen);
    if (rc)
        return rc;
    if (c->paradigm == MP_PARADIGM_NETWORK)
        return validate_network(c, err, errlen);
    return validate_ensemble(c, err, errlen);
}

int mp_config_warnings(const struct mp_config *c, char *buf, size_t len)
{
    int n = 0;
    if (len)
        buf[0] = '\0';
    if (c->paradigm == MP_PARADIGM_NETWORK && c->rule == MP_RULE_BCM &&
        c->tau_theta_s >= c->tau_w_s / c->y0) {
        snprintf(buf, len,
                 "bcm.tau_theta = %gs is not below bcm.tau_w / bcm.y0 = %gs: "
                 "past this Hopf bifurcation the threshold slides too slowly "
                 "and the weights oscillate or run away\n",
                 c->tau_theta_s, c->tau_w_s / c->y0);
        n++;
    }
    return n;
}

/* ---- Output ------------------------------------------------------------ */

int mp_config_key_resumable(size_t i)
{
    static const char *const ok[] = {"run.memories", "run.duration",
                                     "run.backend", "run.threads",
                                     "output.dir", "checkpoint.every",
                                     "checkpoint.deflate"};
    char name[64];
    size_t j;
    if (i >= NKEYS)
        return 0;
    snprintf(name, sizeof name, "%s.%s", keys[i].section, keys[i].name);
    for (j = 0; j < sizeof ok / sizeof ok[0]; j++)
        if (!strcmp(name, ok[j]))
            return 1;
    return 0;
}

size_t mp_config_nkeys(void)
{
    return NKEYS;
}

int mp_config_key(const struct mp_config *c, size_t i, const char **name,
                  char *value, size_t valuelen)
{
    static char names[NKEYS][48];
    const struct key *k;
    const char *field;
    size_t j, used;

    if (i >= NKEYS)
        return -1;
    k = &keys[i];
    field = (const char *)c + k->offset;
    snprintf(names[i], sizeof names[i], "%s.%s", k->section, k->name);
    *name = names[i];
    switch (k->type) {
    case T_U64:
        snprintf(value, valuelen, "%llu",
                 (unsigned long long)*(const uint64_t *)field);
        break;
    case T_U32:
        snprintf(value, valuelen, "%u", *(const uint32_t *)field);
        break;
    case T_INT:
        snprintf(value, valuelen, "%d", *(const int *)field);
        break;
    case T_F64:
        fmt_exact(value, valuelen, *(const double *)field, "");
        break;
    case T_ENUM:
        snprintf(value, valuelen, "%s", k->choices[*(const int *)field]);
        break;
    case T_PATH:
        snprintf(value, valuelen, "%s", field);
        break;
    case T_TIME:
        fmt_exact(value, valuelen, *(const double *)field, "s");
        break;
    case T_TIMES:
    case T_PATSETS:
    case T_F64S: {
        size_t n = k->type == T_TIMES     ? c->n_phases
                   : k->type == T_PATSETS ? c->n_phase_patterns
                   : k->offset == OFF(phase_scale) ? c->n_phase_scale
                                                   : c->n_phase_mod;
        value[0] = '\0';
        for (j = 0, used = 0; j < n && used < valuelen; j++) {
            const char *sep = j ? ", " : "";
            if (k->type == T_PATSETS) {
                uint64_t set = ((const uint64_t *)field)[j];
                int b, first = 1;
                if (!set)
                    used += (size_t)snprintf(value + used, valuelen - used,
                                             "%sall", sep);
                else
                    used += (size_t)snprintf(value + used, valuelen - used,
                                             "%s", sep);
                for (b = 0; b < 64 && set && used < valuelen; b++)
                    if (set >> b & 1) {
                        used += (size_t)snprintf(value + used,
                                                 valuelen - used, "%s%d",
                                                 first ? "" : "+", b);
                        first = 0;
                    }
            } else {
                char num[40];
                fmt_exact(num, sizeof num, ((const double *)field)[j],
                          k->type == T_TIMES ? "s" : "");
                used += (size_t)snprintf(value + used, valuelen - used,
                                         "%s%s", sep, num);
            }
        }
        break;
    }
    case T_INTERVAL:
        if (c->ckpt_every_s > 0)
            fmt_exact(value, valuelen, c->ckpt_every_s, "s");
        else
            snprintf(value, valuelen, "%llu",
                     (unsigned long long)c->ckpt_every_memories);
        break;
    case T_AGES:
        value[0] = '\0';
        for (j = 0, used = 0; j < c->n_ages && used < valuelen; j++)
            used += (size_t)snprintf(value + used, valuelen - used, "%s%llu",
                                     j ? ", " : "",
                                     (unsigned long long)c->ages[j]);
        break;
    }
    return 0;
}

int mp_config_write(const struct mp_config *c, FILE *out)
{
    const char *section = "";
    size_t i;
    for (i = 0; i < NKEYS; i++) {
        char value[MP_CFG_MAX_AGES * 24];
        const char *name;
        mp_config_key(c, i, &name, value, sizeof value);
        if (keys[i].type == T_AGES && c->n_ages == 0)
            continue; /* the grid is in use */
        if (!value[0] && (keys[i].type == T_TIMES ||
                          keys[i].type == T_PATSETS || keys[i].type == T_F64S))
            continue; /* no protocol */
        if (strcmp(section, keys[i].section) != 0) {
            section = keys[i].section;
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
        }
        fprintf(out, "%s = %s\n", keys[i].name, value);
    }
    return ferror(out) ? MP_EIO : 0;
}

size_t mp_config_ages(const struct mp_config *c, uint64_t *ages, size_t cap)
{
    size_t n = 0, j;
    uint64_t last = 0;

    if (c->n_ages) {
        for (j = 0; j < c->n_ages; j++)
            if (j < cap)
                ages[j] = c->ages[j];
        return c->n_ages;
    }
#define PUSH(v)                                                              \
    do {                                                                     \
        if (n < cap)                                                         \
            ages[n] = (v);                                                   \
        n++;                                                                 \
        last = (v);                                                          \
    } while (0)
    for (j = 0; j <= 3 && j <= c->max_age; j++)
        PUSH((uint64_t)j);
    for (j = 1;; j++) {
        double t = floor(pow(10.0, (double)j / c->per_decade) + 0.5);
        if (t > (double)c->max_age)
            break;
        if ((uint64_t)t > last)
            PUSH((uint64_t)t);
    }
    if (last < c->max_age)
        PUSH(c->max_age);
#undef PUSH
    return n;
}

const char *mp_backend_name(int backend)
{
    return backend >= 0 && backend <= 2 ? backend_names[backend] : "?";
}

const char *mp_model_name(int model)
{
    return model >= 0 && model <= 2 ? model_names[model] : "?";
}
