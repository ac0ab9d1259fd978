/* SPDX-License-Identifier: MIT */
/*
 * config.c: the configuration as a value: defaults (from the key table),
 * INI files (libinih) and --set overrides with provenance for messages,
 * and the resolved configuration written back as INI or key by key.
 */
#include "metaplast/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "keys.h"
#include "metaplast/error.h"
#include "metaplast/private/util.h"

void mp_config_init(struct mp_config *c)
{
    char msg[256];
    size_t i;
    /* Every default is valid (test_config checks each one). */
    memset(c, 0, sizeof *c);
    for (i = 0; i < mp__cfg_nkeys; i++)
        if (mp__cfg_keys[i].def)
            (void)mp__cfg_assign(c, &mp__cfg_keys[i], mp__cfg_keys[i].def,
                                 msg, sizeof msg);
}

/* ---- INI file ---------------------------------------------------------- */

struct reader {
    FILE *f;
    int line;      /* lines handed to inih so far */
    int long_line; /* first line longer than inih's buffer, or 0 */
    int indented;  /* the last line starts with white space */
};

struct load {
    struct mp_config *c;
    struct reader *r;
    char msg[512]; /* first error, without the file:line prefix */
    int msg_line;
    size_t last;   /* the key of the previous line */
    int table;     /* reading synapse.table: its keys only */
    int32_t origin; /* table: the line its keys count as */
};

/* fgets for inih that counts lines, so messages can name them. */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *r = stream;
    char *s = fgets(str, num, r->f);
    if (!s)
        return NULL;
    r->line++;
    r->indented = s[0] == ' ' || s[0] == '\t';
    if (!strchr(s, '\n') && !feof(r->f)) {
        int ch;
        if (!r->long_line)
            r->long_line = r->line;
        while ((ch = fgetc(r->f)) != EOF && ch != '\n')
            ;
    }
    return s;
}

/* A table file may set the markov keys of [synapse] only. */
static int table_key(const char *section, const char *name)
{
    static const char *const ok[] = {"model", "states", "strength",
                                     "potentiation", "depression"};
    size_t i;
    if (strcmp(section, "synapse"))
        return 0;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(name, ok[i]))
            return 1;
    return 0;
}

static int load_table(struct mp_config *c, const char *path, int32_t line,
                      char *msg, size_t len);

/* An indented line after a matrix's key: its next row(s). */
static int on_continuation(struct load *ld, size_t idx, const char *value)
{
    const struct mp__cfg_key *k = &mp__cfg_keys[idx];
    char why[400];
    if (mp__cfg_markov_rows(ld->c, (int)k->lo, value, 1, why, sizeof why)) {
        snprintf(ld->msg, sizeof ld->msg, "%s.%s: %s", k->section, k->name,
                 why);
        return 0;
    }
    return 1;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value)
{
    struct load *ld = user;
    size_t idx;

    if (ld->msg[0])
        return 1; /* report the first error only */
    ld->msg_line = ld->r->line;
    idx = mp__cfg_index(section, name);
    if (idx == mp__cfg_nkeys || (ld->table && !table_key(section, name))) {
        if (idx == mp__cfg_nkeys)
            mp__cfg_unknown(section, name, ld->msg, sizeof ld->msg);
        else
            snprintf(ld->msg, sizeof ld->msg,
                     "%s.%s: a synapse.table file holds [synapse] model, "
                     "states, strength, potentiation and depression only",
                     section, name);
        return 0;
    }
    if (ld->r->indented && idx == ld->last &&
        mp__cfg_keys[idx].type == T_MATRIX)
        return on_continuation(ld, idx, value);
    ld->last = idx;
    if (ld->c->line[idx] != 0 && (ld->table || ld->c->line[idx] > 0)) {
        snprintf(ld->msg, sizeof ld->msg,
                 "%s.%s: set twice (first at line %d%s)", section, name,
                 (int)ld->c->line[idx],
                 ld->table ? " of the configuration naming this table" : "");
        return 0;
    }
    if (mp__cfg_assign(ld->c, &mp__cfg_keys[idx], value, ld->msg,
                       sizeof ld->msg))
        return 0;
    ld->c->line[idx] = ld->table ? ld->origin : ld->r->line;
    if (!ld->table && !strcmp(name, "table") && !strcmp(section, "synapse"))
        return load_table(ld->c, value, ld->r->line, ld->msg,
                          sizeof ld->msg) == 0;
    return 1;
}

static int load_stream(struct mp_config *c, FILE *f, const char *name)
{
    struct reader r = {0};
    struct load ld;
    int rc;

    r.f = f;
    memset(&ld, 0, sizeof ld);
    ld.c = c;
    ld.r = &r;
    ld.last = mp__cfg_nkeys;
    snprintf(c->file, sizeof c->file, "%s", name);
    rc = ini_parse_stream(read_line, &r, on_value, &ld);
    if (ld.msg[0])
        return mp__fail(MP_EINVAL, "%s:%d: %s", name, ld.msg_line, ld.msg);
    if (r.long_line)
        return mp__fail(MP_EINVAL,
                        "%s:%d: line too long (at most %d characters)", name,
                        r.long_line, INI_MAX_LINE - 3);
    if (rc > 0)
        return mp__fail(MP_EINVAL,
                        "%s:%d: syntax error: expected '[section]', "
                        "'key = value' or a comment",
                        name, rc);
    if (rc < 0)
        return mp__fail(MP_EINVAL, "%s: cannot read", name);
    return 0;
}

/*
 * Reads the markov keys from the table file `path` (relative to the
 * directory of the configuration naming it, c->file; with --set, to the
 * current directory), as if written where synapse.table is (line).
 * Returns 0, or -1 with the reason (naming the table file) in msg.
 */
static int load_table(struct mp_config *c, const char *path, int32_t line,
                      char *msg, size_t len)
{
    char full[2 * MP_CFG_MAX_PATH];
    const char *slash = line > 0 ? strrchr(c->file, '/') : NULL;
    struct reader r = {0};
    struct load ld;
    FILE *f;
    int rc;
    if (path[0] != '/' && slash)
        snprintf(full, sizeof full, "%.*s/%s", (int)(slash - c->file),
                 c->file, path);
    else
        snprintf(full, sizeof full, "%s", path);
    f = fopen(full, "r");
    if (!f) {
        snprintf(msg, len, "synapse.table: cannot read %.300s: %s", full,
                 strerror(errno));
        return -1;
    }
    memset(&ld, 0, sizeof ld);
    ld.c = c;
    ld.r = &r;
    ld.last = mp__cfg_nkeys;
    ld.table = 1;
    ld.origin = line;
    r.f = f;
    rc = ini_parse_stream(read_line, &r, on_value, &ld);
    fclose(f);
    if (ld.msg[0] || rc || r.long_line)
        snprintf(msg, len, "synapse.table: %.200s:%d: %.250s", full,
                 ld.msg[0] ? ld.msg_line : rc ? rc : r.long_line,
                 ld.msg[0] ? ld.msg
                 : rc      ? "syntax error: expected '[section]', "
                             "'key = value' or a comment"
                           : "line too long");
    return ld.msg[0] || rc || r.long_line ? -1 : 0;
}

int mp_config_load(struct mp_config *c, const char *path)
{
    FILE *f = fopen(path, "r");
    int rc;
    if (!f)
        return mp__fail(MP_EINVAL, "%s: cannot read: %s", path,
                        strerror(errno));
    rc = load_stream(c, f, path);
    fclose(f);
    return rc;
}

int mp_config_load_text(struct mp_config *c, const char *text,
                        const char *name)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc;
    if (!f)
        return mp__fail(MP_ENOMEM, "%s: cannot read the configuration",
                        name);
    rc = load_stream(c, f, name);
    fclose(f);
    return rc;
}

int mp_config_set(struct mp_config *c, const char *assignment, int index)
{
    char section[64], name[64], msg[512];
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    size_t k;

    if (!dot || !eq || dot > eq ||
        (size_t)(dot - assignment) >= sizeof section ||
        (size_t)(eq - dot - 1) >= sizeof name)
        return mp__fail(MP_EINVAL,
                        "--set %s: expected section.key=value (e.g. "
                        "run.seed=7)",
                        assignment);
    memcpy(section, assignment, (size_t)(dot - assignment));
    section[dot - assignment] = '\0';
    memcpy(name, dot + 1, (size_t)(eq - dot - 1));
    name[eq - dot - 1] = '\0';
    k = mp__cfg_index(section, name);
    if (k == mp__cfg_nkeys) {
        mp__cfg_unknown(section, name, msg, sizeof msg);
        return mp__fail(MP_EINVAL, "--set %s: %s", assignment, msg);
    }
    if (mp__cfg_assign(c, &mp__cfg_keys[k], eq + 1, msg, sizeof msg))
        return mp__fail(MP_EINVAL, "--set %s: %s", assignment, msg);
    c->line[k] = -index;
    if (!strcmp(section, "synapse") && !strcmp(name, "table") &&
        load_table(c, eq + 1, -index, msg, sizeof msg))
        return mp__fail(MP_EINVAL, "--set %s: %s", assignment, msg);
    return 0;
}

/* ---- Output ------------------------------------------------------------ */

size_t mp_config_size(void)
{
    return sizeof(struct mp_config);
}

size_t mp_config_nkeys(void)
{
    return mp__cfg_nkeys;
}

int mp_config_key(const struct mp_config *c, size_t i, const char **name,
                  char *value, size_t valuelen)
{
    static char names[MP_CFG_MAX_KEYS][48];
    const struct mp__cfg_key *k;
    if (i >= mp__cfg_nkeys)
        return mp__fail(MP_EINVAL, "configuration key %zu of %zu: none", i,
                        mp__cfg_nkeys);
    k = &mp__cfg_keys[i];
    snprintf(names[i], sizeof names[i], "%s.%s", k->section, k->name);
    *name = names[i];
    mp__cfg_format(c, k, value, valuelen);
    return 0;
}

/* The table's index of "section.key"; the table's size if unknown. */
static size_t key_index(const char *key)
{
    char section[64];
    const char *dot = strchr(key, '.');
    if (!dot || (size_t)(dot - key) >= sizeof section)
        return mp__cfg_nkeys;
    memcpy(section, key, (size_t)(dot - key));
    section[dot - key] = '\0';
    return mp__cfg_index(section, dot + 1);
}

static int no_key(const char *key)
{
    return mp__fail(MP_EINVAL, "%s: no such configuration key (expected "
                               "section.key, as in docs/CONFIG.md)",
                    key);
}

int mp_config_value(const struct mp_config *c, const char *key,
                    char *value, size_t valuelen)
{
    const size_t i = key_index(key);
    if (i >= mp__cfg_nkeys)
        return no_key(key);
    mp__cfg_format(c, &mp__cfg_keys[i], value, valuelen);
    return 0;
}

int mp_config_key_number(const struct mp_config *c, const char *key,
                         struct mp_config_number *n)
{
    const size_t i = key_index(key);
    const struct mp__cfg_key *k;
    const char *field;
    memset(n, 0, sizeof *n);
    if (i >= mp__cfg_nkeys)
        return no_key(key);
    k = &mp__cfg_keys[i];
    field = (const char *)c + k->offset;
    switch (k->type) {
    case T_U64:
        n->kind = MP_CONFIG_KIND_UINT64;
        memcpy(&n->u, field, sizeof n->u);
        break;
    case T_U32: {
        uint32_t v;
        memcpy(&v, field, sizeof v);
        n->kind = MP_CONFIG_KIND_UINT32;
        n->u = v;
        break;
    }
    case T_INT: {
        int v;
        memcpy(&v, field, sizeof v);
        n->kind = MP_CONFIG_KIND_INT;
        n->i = v;
        break;
    }
    case T_F64:
    case T_TIME:
        n->kind = k->type == T_TIME ? MP_CONFIG_KIND_SECONDS
                                    : MP_CONFIG_KIND_REAL;
        memcpy(&n->d, field, sizeof n->d);
        break;
    default: /* choices, paths, lists, count-or-time intervals */
        n->kind = MP_CONFIG_KIND_TEXT;
    }
    return 0;
}

/* Keys config.ini leaves out: the markov and benna_fusi ones of another
 * model, the table file (its keys are written out), and the keys of
 * priming, intrinsic plasticity and silent-neuron reports when they are
 * off. */
static int unwritten(const struct mp_config *c, const struct mp__cfg_key *k)
{
    /* Priming, intrinsic plasticity and silent-neuron reports when off:
     * config.ini as before they existed. */
    if (!strcmp(k->section, "intrinsic"))
        return !(c->ip_tau_s > 0);
    if (!strcmp(k->section, "bcm") && !strncmp(k->name, "priming_", 8))
        return !(c->priming_tau_s > 0);
    if (!strcmp(k->section, "record") && !strncmp(k->name, "silent_", 7))
        return !(c->silent_after_s > 0);
    if (strcmp(k->section, "synapse"))
        return 0;
    if (!strcmp(k->name, "table"))
        return 1;
    if (!strncmp(k->name, "bf_", 3))
        return c->syn.model != MP_SYN_BENNA_FUSI;
    return c->syn.model != MP_SYN_MARKOV &&
           (k->type == T_STRENGTHS || k->type == T_MATRIX ||
            !strcmp(k->name, "states"));
}

/* The keys of one section that the run uses; *n counts sections
 * written, for the blank line between them. */
static void write_section(const struct mp_config *c, const char *section,
                          char *value, size_t *n, FILE *out)
{
    size_t i;
    int head = 0;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const struct mp__cfg_key *k = &mp__cfg_keys[i];
        if (strcmp(k->section, section) || !mp_config_key_used(c, i) ||
            unwritten(c, k))
            continue;
        mp__cfg_format(c, k, value, MP_CFG_MAX_VALUE);
        if (k->aux != MP_CFG_NO_AUX && k->type != T_INTERVAL && !value[0])
            continue; /* an empty list: the grid, or no protocol */
        if (!head) {
            fprintf(out, "%s[%s]\n", *n ? "\n" : "", section);
            head = 1;
            ++*n;
        }
        fprintf(out, "%s = %s\n", k->name, value);
    }
}

int mp_config_write(const struct mp_config *c, FILE *out)
{
    char *value = malloc(MP_CFG_MAX_VALUE);
    size_t i, j, n = 0;
    if (!value)
        return mp__fail(MP_ENOMEM, "out of memory");
    /* Each section once, in the order the table first names it. */
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const char *section = mp__cfg_keys[i].section;
        for (j = 0; j < i && strcmp(mp__cfg_keys[j].section, section); j++)
            ;
        if (j == i)
            write_section(c, section, value, &n, out);
    }
    free(value);
    return ferror(out) ? mp__fail(MP_EIO, "cannot write the configuration")
                       : 0;
}

int mp_config_key_resumable(size_t i)
{
    /* attractor.connectivity: where pre(i, k) comes from, the same
     * bits either way (docs/ATTRACTOR.md). */
    static const char *const ok[] = {"run.memories", "run.duration",
                                     "run.backend", "run.threads",
                                     "checkpoint.every",
                                     "checkpoint.deflate",
                                     "attractor.connectivity"};
    char name[64];
    size_t j;
    if (i >= mp__cfg_nkeys)
        return 0;
    snprintf(name, sizeof name, "%s.%s", mp__cfg_keys[i].section,
             mp__cfg_keys[i].name);
    for (j = 0; j < sizeof ok / sizeof ok[0]; j++)
        if (!strcmp(name, ok[j]))
            return 1;
    return 0;
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

size_t mp_config_recorded_neurons(const struct mp_config *c, uint32_t *out,
                                  size_t cap)
{
    const uint64_t step = c->rec_weights == MP_REC_EVERY ? c->rec_every : 1;
    size_t n = 0, j;
    if (c->rec_weights == MP_REC_LIST) {
        for (j = 0; j < c->n_rec_neurons; j++)
            if (c->rec_neurons[j] < c->n_out) {
                if (n < cap)
                    out[n] = c->rec_neurons[j];
                n++;
            }
        return n;
    }
    if (c->rec_weights != MP_REC_ALL && c->rec_weights != MP_REC_EVERY)
        return 0;
    n = (size_t)((c->n_out + step - 1) / step);
    for (j = 0; j < n && j < cap; j++)
        out[j] = (uint32_t)(j * step);
    return n;
}

/* Entry i of a NULL-terminated list of names, or "?". */
static const char *name_of(const char *const *names, int i)
{
    int k;
    for (k = 0; names[k]; k++)
        if (k == i)
            return names[k];
    return "?";
}

const char *mp_backend_name(int backend)
{
    return name_of(mp__cfg_backend_names, backend);
}

const char *mp_model_name(int model)
{
    return name_of(mp__cfg_model_names, model);
}
