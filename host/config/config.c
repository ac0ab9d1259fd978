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
    size_t idx;

    if (ld->msg[0])
        return 1; /* report the first error only */
    ld->msg_line = ld->r->line;
    idx = mp__cfg_index(section, name);
    if (idx == mp__cfg_nkeys) {
        mp__cfg_unknown(section, name, ld->msg, sizeof ld->msg);
        return 0;
    }
    if (ld->c->line[idx] > 0) {
        snprintf(ld->msg, sizeof ld->msg,
                 "%s.%s: set twice (first at line %d)", section, name,
                 (int)ld->c->line[idx]);
        return 0;
    }
    if (mp__cfg_assign(ld->c, &mp__cfg_keys[idx], value, ld->msg,
                       sizeof ld->msg))
        return 0;
    ld->c->line[idx] = ld->r->line;
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
    return 0;
}

/* ---- Output ------------------------------------------------------------ */

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

int mp_config_value(const struct mp_config *c, const char *key,
                    char *value, size_t valuelen)
{
    char section[64];
    const char *dot = strchr(key, '.');
    size_t i;
    if (dot && (size_t)(dot - key) < sizeof section) {
        memcpy(section, key, (size_t)(dot - key));
        section[dot - key] = '\0';
        i = mp__cfg_index(section, dot + 1);
        if (i < mp__cfg_nkeys) {
            mp__cfg_format(c, &mp__cfg_keys[i], value, valuelen);
            return 0;
        }
    }
    return mp__fail(MP_EINVAL, "%s: no such configuration key (expected "
                               "section.key, as in docs/CONFIG.md)",
                    key);
}

int mp_config_write(const struct mp_config *c, FILE *out)
{
    const char *section = "";
    size_t i;
    for (i = 0; i < mp__cfg_nkeys; i++) {
        const struct mp__cfg_key *k = &mp__cfg_keys[i];
        char value[MP_CFG_MAX_AGES * 24];
        mp__cfg_format(c, k, value, sizeof value);
        if (k->aux != MP_CFG_NO_AUX && k->type != T_INTERVAL && !value[0])
            continue; /* an empty list: the grid, or no protocol */
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
        }
        fprintf(out, "%s = %s\n", k->name, value);
    }
    return ferror(out) ? mp__fail(MP_EIO, "cannot write the configuration")
                       : 0;
}

int mp_config_key_resumable(size_t i)
{
    static const char *const ok[] = {"run.memories", "run.duration",
                                     "run.backend", "run.threads",
                                     "checkpoint.every",
                                     "checkpoint.deflate"};
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
