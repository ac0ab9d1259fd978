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

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mp_backend_kind {
    MP_BACKEND_AUTO = 0, /* CUDA when a device is present, else CPU */
    MP_BACKEND_CPU = 1,
    MP_BACKEND_CUDA = 2
};

enum mp_paradigm {
    MP_PARADIGM_ENSEMBLE = 0, /* independent synapses, a memory per step */
    MP_PARADIGM_NETWORK = 1,  /* rate neurons with BCM plasticity */
    MP_PARADIGM_ATTRACTOR = 2 /* recurrent binary neurons storing a stream
                                 of patterns (docs/ATTRACTOR.md) */
};

enum mp_net_rule {
    MP_RULE_BCM = 0,     /* sliding threshold */
    MP_RULE_HEBBIAN = 1, /* theta fixed at 0: dw = k x y^2 */
    MP_RULE_NONE = 2     /* no weight changes (scaling only) */
};

/* Intrinsic plasticity (docs/NETWORKS.md): what adapts toward the target
 * rate, when intrinsic.tau > 0. */
enum mp_ip_rule {
    MP_IP_GAIN = 0, /* y = max(0, a h - b): the gain a (a leak that
                       follows activity) */
    MP_IP_BIAS = 1  /* the bias b (a firing threshold that follows it) */
};

enum mp_pattern_kind {
    MP_PATTERNS_ORTHONORMAL = 0, /* K orthonormal random directions */
    MP_PATTERNS_BINARY = 1       /* K random 0/1 patterns, half active */
};

/* The clock of the exact theory (docs/MODELS.md): one memory per step,
 * or memories arriving as a Poisson process of rate 1. */
enum mp_clock {
    MP_CLOCK_MEMORIES = 0, /* t counts memories: a MF^t w */
    MP_CLOCK_POISSON = 1   /* tau in mean memories: a exp(tau (MF - I)) w */
};

/* Which neurons' incoming weights a network record holds (record.weights). */
enum mp_rec_weights {
    MP_REC_NONE = 0,  /* none */
    MP_REC_ALL = 1,   /* every neuron */
    MP_REC_EVERY = 2, /* neurons 0, k, 2k, ... (rec_every = k) */
    MP_REC_LIST = 3   /* the neurons listed (rec_neurons) */
};

enum mp_init_kind {
    MP_INIT_STATIONARY = 0, /* draw each synapse from p_inf (exact theory) */
    MP_INIT_PLASTIC = 1     /* most plastic states, random strength */
};

#define MP_CFG_MAX_AGES 512
#define MP_CFG_MAX_PHASES 32
#define MP_CFG_MAX_PATH 1024
/* Neurons record.weights may list (a config line holds fewer). */
#define MP_CFG_MAX_REC_NEURONS 64
/* Keys known to the loader (an upper bound, for provenance arrays). */
#define MP_CFG_MAX_KEYS 128
/* Longest text of one key's value (a markov matrix of 128 states). */
#define MP_CFG_MAX_VALUE (1u << 19)

/* The attractor network (run.paradigm = attractor, docs/ATTRACTOR.md):
 * keys of [attractor], [store] and [retrieve]. */
enum mp_attr_rule {
    MP_ATTR_COVARIANCE = 0, /* potentiate when xi_i = xi_j, else depress */
    MP_ATTR_PRESYNAPTIC = 1 /* pre active: potentiate if post active, else
                               depress; pre silent: no event */
};

enum mp_attr_threshold {
    MP_ATTR_FIXED = 0, /* active iff h_i > theta N (unchanged if equal) */
    MP_ATTR_CODING = 1 /* the round(f N) largest fields (lower index first) */
};

enum mp_attr_dynamics {
    MP_ATTR_SYNCHRONOUS = 0, /* every neuron at once from the last state */
    MP_ATTR_SEQUENTIAL = 1   /* one at a time, in a keyed random order */
};

enum mp_attr_cue {
    MP_ATTR_CUE_NOISE = 0,  /* the pattern, each neuron flipped w.p. noise */
    MP_ATTR_CUE_PARTIAL = 1 /* the first fraction noise silent, the rest
                               the pattern's */
};

enum mp_attr_connectivity {
    MP_ATTR_STORED = 0,    /* fan-in graph: an index table made at create */
    MP_ATTR_PROCEDURAL = 1 /* fan-in graph: regenerated whenever needed */
};

struct mp_attr_params {
    uint32_t neurons;   /* N */
    double coding;      /* f: probability that a pattern's neuron is active */
    int tied;           /* 1: w_ij and w_ji one synapse; 0: independent */
    int init;           /* enum mp_init_kind */
    uint64_t burn_in;   /* memories stored first and never probed */
    int rule;           /* enum mp_attr_rule */
    uint32_t repeats;   /* presentations of each memory */
    uint32_t block;     /* memories presented in turn, `repeats` times
                           (1 = massed) */
    size_t n_phases;    /* modulator phases (0 = level 1 throughout) */
    double phase_memories[MP_CFG_MAX_PHASES]; /* their lengths, memories */
    size_t n_levels;    /* = n_phases */
    double level[MP_CFG_MAX_PHASES]; /* modulator: probability that a
                                        candidate event is applied */
    double noise;       /* fraction of the cue's neurons flipped */
    uint32_t steps;     /* synchronous sweeps at most */
    double success;     /* overlap counted as retrieved */
    int threshold;      /* enum mp_attr_threshold */
    double theta;       /* fixed threshold, in units of N */
    int dynamics;       /* enum mp_attr_dynamics */
    double temperature; /* T of the Glauber rule on h_i / N (0: none) */
    int cue;            /* enum mp_attr_cue */
    uint32_t fan_in;    /* K synapses per neuron from distinct random
                           presynaptic neurons; 0 = all-to-all */
    int connectivity;   /* enum mp_attr_connectivity (fan_in > 0) */
};

struct mp_config {
    /* [run] */
    int paradigm;      /* enum mp_paradigm */
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
    char syn_table[MP_CFG_MAX_PATH]; /* synapse.table: the file the
                                        markov keys were read from */
    /* [measure] */
    uint64_t every;      /* a measurement every `every` memories */
    uint64_t max_age;    /* largest age of the log-spaced grid, memories */
    uint32_t per_decade; /* grid points per decade of age */
    size_t n_ages;       /* explicit age list length; 0 = use the grid */
    uint64_t ages[MP_CFG_MAX_AGES]; /* explicit ages, memories */
    int clock; /* enum mp_clock: the theory's clock (simulation: memories) */
    /* [output] */
    char dir[MP_CFG_MAX_PATH]; /* run directory */
    /* [checkpoint] */
    uint64_t ckpt_every_memories; /* a checkpoint every so many memories */
    double ckpt_every_s;          /* or every so many seconds (wall) */
    int ckpt_deflate;             /* deflate level of the state, 0 = none */
    /* [network] (paradigm = network) */
    double duration_s;   /* simulated time, s */
    double dt_s;         /* time step, s */
    int recurrent;       /* 0 feed-forward, 1 recurrent */
    uint32_t n_in;       /* inputs */
    uint32_t n_out;      /* neurons */
    uint32_t fan_in;     /* synapses per neuron, 0 = dense */
    double w_init_rec;   /* initial recurrent weights in [0, w_init_rec] */
    int discrete;        /* synapses: 0 continuous, 1 discrete ([synapse]) */
    double w_weak;       /* discrete: weight of a weak synapse */
    double w_strong;     /* discrete: weight of a strong synapse */
    double x_on;         /* discrete: inputs above this are active */
    double bias;         /* b_i, rate units */
    double w_init;       /* initial weights uniform in [0, w_init] */
    double w_min;        /* weight bounds */
    double w_max;
    /* [input] */
    uint32_t patterns;   /* K */
    int pattern_kind;    /* enum mp_pattern_kind */
    double switch_s;     /* a new pattern every switch_s, s */
    double input_scale;  /* rates = scale * pattern */
    double noise;        /* std of uniform noise added to each input */
    /* [bcm] */
    int rule;            /* enum mp_net_rule */
    double tau_w_s;      /* weight time constant 1/eta, s */
    double tau_theta_s;  /* threshold time constant, s */
    double y0;           /* rate scale of the threshold */
    double theta_init;   /* initial threshold */
    uint32_t hetero_segment; /* G: heterosynaptic segments, 0 = off */
    double priming_tau_s; /* priming component of theta: its time
                             constant, s; 0 = off */
    double priming_gain;  /* its fixed point per unit LTD drive, 1/rate */
    /* [intrinsic] (paradigm = network) */
    int ip_rule;          /* enum mp_ip_rule */
    double ip_tau_s;      /* time constant, s; 0 = off */
    double ip_target;     /* target mean rate r_ip */
    /* [neuromod] */
    double modulator;    /* level m >= 0 */
    /* [scaling] */
    double scaling_interval_s; /* 0 = off */
    double target_rate;  /* r* */
    double scaling_alpha;
    double scaling_max;  /* s_max >= 1 */
    /* [protocol]: phases in order; the last one holds to the end */
    size_t n_phases;                       /* 0 = no protocol */
    double phase_s[MP_CFG_MAX_PHASES];     /* durations, s */
    size_t n_phase_patterns;               /* 0 or n_phases */
    uint64_t phase_patterns[MP_CFG_MAX_PHASES]; /* pattern bit sets;
                                                   0 = all patterns */
    size_t n_phase_scale;                  /* 0 or n_phases */
    double phase_scale[MP_CFG_MAX_PHASES]; /* input scale */
    size_t n_phase_mod;                    /* 0 or n_phases */
    double phase_mod[MP_CFG_MAX_PHASES];   /* modulator level */
    /* [record] */
    double record_interval_s;
    uint64_t record_max_bytes;
    uint32_t histogram_bins;
    int rec_weights;       /* enum mp_rec_weights */
    uint32_t rec_every;    /* MP_REC_EVERY: every rec_every-th neuron */
    size_t n_rec_neurons;  /* MP_REC_LIST: how many, */
    uint32_t rec_neurons[MP_CFG_MAX_REC_NEURONS]; /* which (sorted) */
    int rec_states;        /* 1: occupancy of each discrete state */
    int rec_pattern;       /* 1: pattern shown and protocol phase */
    double silent_after_s; /* report a neuron silent this long, s;
                              0 = off */
    double silent_rate;    /* a record interval is silent when the mean
                              rate over it is at most this (0: rate 0 at
                              every step) */
    /* [attractor], [store], [retrieve] (paradigm = attractor) */
    struct mp_attr_params attr;
    /* Provenance, for messages: per key, 0 = default, > 0 = line in
     * `file`, < 0 = the (-line)-th --set override. */
    int32_t line[MP_CFG_MAX_KEYS];
    char file[MP_CFG_MAX_PATH];
};

/* sizeof(struct mp_config), for bindings that hold a configuration
 * without its layout (python/). */
size_t mp_config_size(void);

/* Fills every key with its default. */
void mp_config_init(struct mp_config *c);

/*
 * Loads an INI file over the current values.  Returns 0 or MP_EINVAL (the
 * file cannot be read; syntax, unknown section or key, wrong type, value
 * out of range); mp_errmsg() then reads "file:line: section.key: what
 * was expected, got 'value'".
 */
int mp_config_load(struct mp_config *c, const char *path);

/* The same from text in memory; `name` stands for the file in messages. */
int mp_config_load_text(struct mp_config *c, const char *text,
                        const char *name);

/* Applies one "section.key=value" override (the index-th, 1-based, for
 * messages).  Returns 0 or MP_EINVAL. */
int mp_config_set(struct mp_config *c, const char *assignment, int index);

/* Fills the defaults that depend on other keys (binary q_plus and q_minus
 * default to q) and checks the relations between keys (max_age <
 * memories, model sizes, ...) and that no key set belongs to the other
 * paradigm (mp_config_key_used).  Returns 0 or MP_EINVAL, the message
 * naming the key and where its value came from. */
int mp_config_validate(struct mp_config *c);

/* Writes the resolved configuration as INI: one section each, every key
 * the run uses (mp_config_key_used) with its value, defaults filled in;
 * mp_config_load reads it back to an equal configuration (keys the run
 * does not use at their defaults).  Returns 0 or MP_EIO. */
int mp_config_write(const struct mp_config *c, FILE *out);

/* Whether key i (numbered as by mp_config_key) is one c's run uses.
 * Both paradigms use run.paradigm, run.seed, run.backend, run.threads,
 * [output] and [checkpoint]; synapse ensembles (run.paradigm = ensemble)
 * also run.memories, [ensemble], [synapse] and [measure]; rate networks
 * (network) also run.duration, [network], [input], [bcm], [neuromod],
 * [scaling], [protocol] and [record], and [synapse] when
 * network.synapse = discrete.  mp_config_validate refuses a key set
 * (in the file or by mp_config_set) that the run does not use. */
int mp_config_key_used(const struct mp_config *c, size_t i);

/* Puts every key c's run does not use back to its default, as never set.
 * For configurations stored whole (checkpoints and config.ini of earlier
 * versions held every key of both paradigms) before mp_config_validate. */
void mp_config_drop_unused(struct mp_config *c);

/* Resolved keys one by one ("section.key" and its value as text), for
 * file attributes.  mp_config_key returns 0, or MP_EINVAL for an i
 * outside [0, mp_config_nkeys()). */
size_t mp_config_nkeys(void);
int mp_config_key(const struct mp_config *c, size_t i, const char **name,
                  char *value, size_t valuelen);

/* What a key's value is, for typed file attributes (config_<section>_<key>)
 * and for programs that label values (collect's coordinates). */
enum mp_config_kind {
    MP_CONFIG_KIND_TEXT = 0,    /* only as text: choices, lists, paths,
                                   tables, a count or a time as
                                   checkpoint.every */
    MP_CONFIG_KIND_UINT64 = 1,  /* an unsigned 64-bit integer, in u */
    MP_CONFIG_KIND_UINT32 = 2,  /* an unsigned 32-bit integer, in u */
    MP_CONFIG_KIND_INT = 3,     /* a signed integer (int), in i */
    MP_CONFIG_KIND_REAL = 4,    /* a number, in d */
    MP_CONFIG_KIND_SECONDS = 5  /* a time, in d, in seconds (config.ini
                                   writes it with the unit "s") */
};

/* One key's value as a number, when it is one. */
struct mp_config_number {
    int kind;   /* enum mp_config_kind */
    uint64_t u; /* UINT64, UINT32 */
    int64_t i;  /* INT */
    double d;   /* REAL; SECONDS (s) */
};

/* The kind of "section.key" and, when it is a number, its value in c
 * (its text: mp_config_value); the kind does not depend on c.  Returns
 * 0, or MP_EINVAL for an unknown key (kind MP_CONFIG_KIND_TEXT). */
int mp_config_key_number(const struct mp_config *c, const char *key,
                         struct mp_config_number *n);

/* One key's value as config.ini writes it ("bcm.rule" -> "hebbian").
 * Returns 0, or MP_EINVAL for an unknown key. */
int mp_config_value(const struct mp_config *c, const char *key,
                    char *value, size_t valuelen);

/* The measurement ages, sorted and unique: the explicit list, or 0,1,2,3
 * and then per_decade log-spaced points up to max_age (included).  Writes
 * at most cap ages and returns how many the grid has. */
size_t mp_config_ages(const struct mp_config *c, uint64_t *ages, size_t cap);

/* The neurons whose incoming weights a network record holds
 * (record.weights), ascending: writes at most cap and returns how many
 * there are (0 for none). */
size_t mp_config_recorded_neurons(const struct mp_config *c, uint32_t *out,
                                  size_t cap);

/* States of the discrete synapse model (the `state` dimension of
 * records and checkpoints): 2 binary, 2n cascade, n serial, the table's
 * for markov; 0 for a Benna-Fusi chain. */
uint32_t mp_config_states(const struct mp_config *c);

/* Bytes the record of a run takes in all (every variable it holds; a
 * network's over every entry of its run), what record.max_bytes bounds. */
double mp_config_record_bytes(const struct mp_config *c);

/* Warnings about a valid network config (the Hopf condition of every
 * protocol phase: mp_net_hopf, net.h); writes one message per line into
 * buf (as many as fit) and returns how many there are. */
int mp_config_warnings(const struct mp_config *c, char *buf, size_t len);

/* Host memory a run of this config needs, in bytes: the state, and the
 * copy of it a checkpoint takes. */
double mp_config_memory(const struct mp_config *c);

/* Memory this machine can give a new process now (MemAvailable), bytes;
 * 0 if unknown. */
double mp_memory_available(void);

/* Steps of dt in a time span, rounded to nearest (network paradigm). */
uint64_t mp_config_steps(const struct mp_config *c, double seconds);

/* Whether key i ("section.key") may differ between a checkpoint and its
 * resumption: run.memories, run.duration, run.backend, run.threads,
 * checkpoint.*.  Every other key changes the physics or the measurement,
 * or (output.dir) the run's identity: a run continues in its own
 * directory. */
int mp_config_key_resumable(size_t i);

const char *mp_backend_name(int backend);

#ifdef __cplusplus
}
#endif

#endif
