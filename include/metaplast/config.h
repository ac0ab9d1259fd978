/* SPDX-License-Identifier: MIT */
/*
 * config.h: the run configuration: a plain, copyable value, loaded from an
 * INI file (libinih) plus --set overrides, validated before any work.
 * docs/CONFIG.md lists every key, its type, default and range.
 */
#ifndef METAPLAST_CONFIG_H
#define METAPLAST_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mp_backend_kind {
    MP_BACKEND_AUTO = 0, /* CUDA when a device is present, else CPU */
    MP_BACKEND_CPU = 1,
    MP_BACKEND_CUDA = 2
};

enum mp_init_kind {
    MP_INIT_STATIONARY = 0, /* draw each synapse from p_inf (exact theory) */
    MP_INIT_PLASTIC = 1     /* most plastic states, random strength */
};

#define MP_CFG_MAX_AGES 512
#define MP_CFG_MAX_PATH 1024
/* Keys known to the loader (an upper bound, for provenance arrays). */
#define MP_CFG_MAX_KEYS 32

struct mp_config {
    /* [run] */
    uint64_t seed;     /* key of every random stream */
    uint64_t memories; /* memories stored after the burn-in (measured) */
    int backend;       /* enum mp_backend_kind */
    int threads;       /* CPU threads; 0 = all available */
    /* [ensemble] */
    uint64_t synapses; /* N, independent synapses */
    double f;          /* probability of a candidate potentiation, (0,1) */
    uint64_t burn_in;  /* memories stored before measuring, never probed */
    int init;          /* enum mp_init_kind */
    /* [synapse] */
    struct mp_syn_params syn;
    /* [measure] */
    uint64_t every;      /* a measurement every `every` memories */
    uint64_t max_age;    /* largest age of the log-spaced grid, memories */
    uint32_t per_decade; /* grid points per decade of age */
    size_t n_ages;       /* explicit age list length; 0 = use the grid */
    uint64_t ages[MP_CFG_MAX_AGES]; /* explicit ages, memories */
    /* [output] */
    char dir[MP_CFG_MAX_PATH]; /* run directory */
    /* [checkpoint] */
    uint64_t ckpt_every_memories; /* a checkpoint every so many memories */
    double ckpt_every_s;          /* or every so many seconds (wall) */
    int ckpt_deflate;             /* deflate level of the state, 0 = none */
    /* Provenance, for messages: per key, 0 = default, > 0 = line in
     * `file`, < 0 = the (-line)-th --set override. */
    int32_t line[MP_CFG_MAX_KEYS];
    char file[MP_CFG_MAX_PATH];
};

/* Fills every key with its default. */
void mp_config_init(struct mp_config *c);

/*
 * Loads an INI file over the current values.  Returns 0, MP_EIO (cannot
 * read) or MP_EINVAL (syntax, unknown section or key, wrong type, value
 * out of range); err then holds "file:line: section.key: what was
 * expected, got 'value'".
 */
int mp_config_load(struct mp_config *c, const char *path, char *err,
                   size_t errlen);

/* The same from text in memory; `name` stands for the file in messages. */
int mp_config_load_text(struct mp_config *c, const char *text,
                        const char *name, char *err, size_t errlen);

/* Applies one "section.key=value" override (the index-th, 1-based, for
 * messages).  Returns 0 or MP_EINVAL with a message in err. */
int mp_config_set(struct mp_config *c, const char *assignment, int index,
                  char *err, size_t errlen);

/* Fills the defaults that depend on other keys (binary q_plus and q_minus
 * default to q) and checks the relations between keys (max_age <
 * memories, model sizes, ...).  Returns 0 or MP_EINVAL with a message
 * naming the key and where its value came from. */
int mp_config_validate(struct mp_config *c, char *err, size_t errlen);

/* Writes the resolved configuration as INI (every key, defaults filled in),
 * which mp_config_load reads back to an equal configuration. */
int mp_config_write(const struct mp_config *c, FILE *out);

/* Resolved keys one by one ("section.key" and its value as text), for
 * file attributes.  Returns the number of keys; i outside it gives -1. */
size_t mp_config_nkeys(void);
int mp_config_key(const struct mp_config *c, size_t i, const char **name,
                  char *value, size_t valuelen);

/* The measurement ages, sorted and unique: the explicit list, or 0,1,2,3
 * and then per_decade log-spaced points up to max_age (included).  Writes
 * at most cap ages and returns how many the grid has. */
size_t mp_config_ages(const struct mp_config *c, uint64_t *ages, size_t cap);

/* Whether key i ("section.key") may differ between a checkpoint and its
 * resumption: run.memories, run.backend, run.threads, checkpoint.*,
 * output.dir.  Every other key changes the physics or the measurement. */
int mp_config_key_resumable(size_t i);

const char *mp_backend_name(int backend);
const char *mp_model_name(int model);

#ifdef __cplusplus
}
#endif

#endif
