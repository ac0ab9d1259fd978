/* SPDX-License-Identifier: MIT */
/*
 * keys.h (config internal): the table of every config key — its section,
 * name, type, the fields it fills, its range, its default and what a
 * valid value looks like — and the parser and formatter of each type.
 */
#ifndef METAPLAST_CONFIG_KEYS_H
#define METAPLAST_CONFIG_KEYS_H

#include <stddef.h>

#include "metaplast/config.h"

enum mp__cfg_type {
    T_U64,      /* uint64_t: integer, plain or scientific ("1e6") */
    T_U32,      /* uint32_t */
    T_INT,      /* int */
    T_F64,      /* double */
    T_ENUM,     /* int: index of one of `choices` */
    T_TIME,     /* double seconds: a number with a unit, "10ms" .. "1d" */
    T_PATH,     /* char[MP_CFG_MAX_PATH] */
    T_AGES,     /* uint64_t list, sorted and unique; aux: size_t length */
    T_TIMES,    /* double list of times; aux: size_t length */
    T_F64S,     /* double list; aux: size_t length */
    T_PATSETS,  /* uint64_t list of pattern bit sets; aux: size_t length */
    T_INTERVAL, /* uint64_t count, or aux: double seconds */
    T_STRENGTHS,/* markov: +1 / -1 per state (syn.markov) */
    T_MATRIX,   /* markov: M+ (lo = 1) or M- (lo = 0), rows (syn.markov) */
    T_NEURONS   /* record.weights: none, all, every:K or a list (rec_*) */
};

/* Sentinel for a key with one field. */
#define MP_CFG_NO_AUX ((size_t)-1)

struct mp__cfg_key {
    const char *section;
    const char *name;
    enum mp__cfg_type type;
    size_t offset;              /* the field in struct mp_config */
    size_t aux;                 /* a second field the type fills */
    double lo, hi;              /* range, inclusive unless open_lo/hi */
    int open_lo, open_hi;
    const char *const *choices; /* T_ENUM: NULL-terminated names */
    const char *def;            /* the default, as it would be written */
    const char *expect;         /* what a valid value looks like */
};

extern const struct mp__cfg_key mp__cfg_keys[];
extern const size_t mp__cfg_nkeys;

/* The index of section.name in the table; the table's size if unknown. */
size_t mp__cfg_index(const char *section, const char *name);

/* Parses value into the key's fields.  Returns 0, or -1 with "section.key:
 * expected ..., got '...'" in msg. */
int mp__cfg_assign(struct mp_config *c, const struct mp__cfg_key *k,
                   const char *value, char *msg, size_t len);

/* The key's value as text (what config.ini holds). */
void mp__cfg_format(const struct mp_config *c, const struct mp__cfg_key *k,
                    char *out, size_t len);

/* Why section.name is unknown, listing what is known (every section, or
 * the section's keys), into msg. */
void mp__cfg_unknown(const char *section, const char *name, char *msg,
                     size_t len);

/* The markov keys (markov.c): parsers (0, or -1 with the reason in msg,
 * for matrices), formatters, and the check of the whole table once every
 * key is known (resolves '*'; *key names the key at fault). */
int mp__cfg_markov_strength(struct mp_config *c, const char *v);
int mp__cfg_markov_rows(struct mp_config *c, int which, const char *v,
                        int append, char *msg, size_t len);
void mp__cfg_markov_format_strength(const struct mp_config *c, char *out,
                                    size_t len);
void mp__cfg_markov_format_rows(const struct mp_config *c, int which,
                                char *out, size_t len);
int mp__cfg_markov_check(struct mp_config *c, const char **key, char *what,
                         size_t len);

/* The attractor paradigm (validate_attr.c): its relations between keys,
 * and the memory a run needs (bytes, checkpoint copy included); the
 * synapse model's checks and a refusal naming key k (validate.c). */
int mp__cfg_validate_attractor(struct mp_config *c);
double mp__cfg_attractor_memory(const struct mp_config *c);
int mp__cfg_validate_model(struct mp_config *c);
int mp__cfg_bad_key(const struct mp_config *c, size_t k, const char *what);
const char *mp__cfg_paradigm_name(int paradigm);

/* Config-file names of the enums. */
extern const char *const mp__cfg_backend_names[];
extern const char *const mp__cfg_model_names[];

#endif
