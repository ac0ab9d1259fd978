/* SPDX-License-Identifier: MIT */
/*
 * validate_attr.c: the relations between the keys of an attractor run
 * (run.paradigm = attractor, docs/ATTRACTOR.md), each refusal naming the
 * key and where its value came from; the memory such a run needs.
 */
#include <math.h>
#include <stdio.h>

#include "keys.h"
#include "metaplast/config.h"
#include "metaplast/error.h"
#include "metaplast/private/rng.h"
#include "metaplast/private/util.h"

#define KEY(section, name) mp__cfg_index(section, name)

const char *mp__cfg_paradigm_name(int paradigm)
{
    return paradigm == MP_PARADIGM_NETWORK     ? "network"
           : paradigm == MP_PARADIGM_ATTRACTOR ? "attractor"
                                                : "ensemble";
}

/* The age grid and the measurement cadence, as for an ensemble. */
static int check_measure(struct mp_config *c)
{
    const struct mp_attr_params *a = &c->attr;
    char what[256];
    if (c->n_ages == 0 && c->max_age >= c->memories) {
        snprintf(what, sizeof what,
                 "must be less than run.memories (%llu), got %llu",
                 (unsigned long long)c->memories,
                 (unsigned long long)c->max_age);
        return mp__cfg_bad_key(c, KEY("measure", "max_age"), what);
    }
    if (c->n_ages && c->ages[c->n_ages - 1] >= c->memories) {
        snprintf(what, sizeof what,
                 "every age must be less than run.memories (%llu)",
                 (unsigned long long)c->memories);
        return mp__cfg_bad_key(c, KEY("measure", "ages"), what);
    }
    if (c->every > c->memories)
        return mp__cfg_bad_key(c, KEY("measure", "every"),
                               "must not exceed run.memories: no "
                               "measurement would be taken");
    if (c->n_ages == 0 && mp_config_ages(c, NULL, 0) > MP_CFG_MAX_AGES)
        return mp__cfg_bad_key(c, KEY("measure", "max_age"),
                               "the age grid would have more than 512 "
                               "points; lower measure.per_decade or "
                               "measure.max_age");
    if (c->every % a->block || a->burn_in % a->block) {
        snprintf(what, sizeof what,
                 "measure.every (%llu) and attractor.burn_in (%llu) must be "
                 "multiples of store.block (%u): a measurement falls "
                 "between blocks",
                 (unsigned long long)c->every,
                 (unsigned long long)a->burn_in, a->block);
        return mp__cfg_bad_key(c, KEY("store", "block"), what);
    }
    return 0;
}

/* The store: presentations addressable by the streams, phases whole. */
static int check_store(struct mp_config *c)
{
    const struct mp_attr_params *a = &c->attr;
    char what[256];
    size_t i;
    if (((double)a->burn_in + (double)c->memories) * a->repeats >=
        (double)MP_RNG_MAX_STEP)
        return mp__cfg_bad_key(c, KEY("run", "memories"),
                               "(attractor.burn_in + run.memories) x "
                               "store.repeats must be below 2^56");
    if (a->n_levels != a->n_phases) {
        snprintf(what, sizeof what,
                 "needs one level per phase of store.phases (%zu), got "
                 "%zu",
                 a->n_phases, a->n_levels);
        return mp__cfg_bad_key(c, KEY("store", "modulator"), what);
    }
    for (i = 0; i < a->n_phases; i++)
        if (a->phase_memories[i] != floor(a->phase_memories[i]))
            return mp__cfg_bad_key(c, KEY("store", "phases"),
                                   "phase lengths are whole numbers of "
                                   "memories");
    if (a->tied && a->rule == MP_ATTR_PRESYNAPTIC)
        return mp__cfg_bad_key(c, KEY("attractor", "symmetry"),
                               "tied synapses need a symmetric rule "
                               "(store.rule = covariance); the "
                               "presynaptic rule treats w_ij and w_ji "
                               "differently: set attractor.symmetry = "
                               "independent");
    return 0;
}

/* The retrieval: the coding-level threshold is deterministic and
 * synchronous (it ranks every field of one state). */
static int check_retrieve(struct mp_config *c)
{
    const struct mp_attr_params *a = &c->attr;
    if (a->threshold != MP_ATTR_CODING)
        return 0;
    if (a->temperature > 0.0)
        return mp__cfg_bad_key(c, KEY("retrieve", "temperature"),
                               "must be 0 under retrieve.threshold = "
                               "coding (which ranks the fields); use "
                               "retrieve.threshold = fixed for T > 0");
    if (a->dynamics == MP_ATTR_SEQUENTIAL)
        return mp__cfg_bad_key(c, KEY("retrieve", "dynamics"),
                               "sequential dynamics need retrieve.threshold "
                               "= fixed (coding ranks the fields of one "
                               "state at once)");
    return 0;
}

/* Fan-in: at most N - 1 distinct presynaptic neurons, independent
 * synapses (a random fan-in graph is not symmetric). */
static int check_fan_in(struct mp_config *c)
{
    const struct mp_attr_params *a = &c->attr;
    char what[256];
    if (a->fan_in == 0)
        return 0;
    if (a->fan_in >= a->neurons) {
        snprintf(what, sizeof what,
                 "must be at most attractor.neurons - 1 = %u (distinct "
                 "presynaptic neurons other than the neuron itself), got "
                 "%u",
                 a->neurons - 1, a->fan_in);
        return mp__cfg_bad_key(c, KEY("attractor", "fan_in"), what);
    }
    if (a->tied)
        return mp__cfg_bad_key(c, KEY("attractor", "fan_in"),
                               "needs attractor.symmetry = independent, "
                               "not tied (a random fan-in graph is not "
                               "symmetric: w_ij and w_ji cannot be one "
                               "synapse; tied is the default): set "
                               "attractor.symmetry = independent, or "
                               "attractor.fan_in = 0");
    return 0;
}

int mp__cfg_validate_attractor(struct mp_config *c)
{
    int rc;
    if (c->syn.model == MP_SYN_BENNA_FUSI)
        return mp__cfg_bad_key(c, KEY("synapse", "model"),
                               "an attractor network's synapses are "
                               "discrete: binary, cascade, serial or "
                               "markov");
    rc = mp__cfg_validate_model(c);
    if (!rc)
        rc = check_measure(c);
    if (!rc)
        rc = check_store(c);
    if (!rc)
        rc = check_retrieve(c);
    if (!rc)
        rc = check_fan_in(c);
    return rc;
}

double mp__cfg_attractor_memory(const struct mp_config *c)
{
    const double N = c->attr.neurons, K = c->attr.fan_in;
    const double pitch = 64.0 * ceil((K > 0 ? K : N) / 64.0);
    /* A byte per synapse (rows of PK = K rounded up to 64 with fan-in),
     * the strength bits for retrieval, and a copy of the state for a
     * checkpoint; with fan-in, the presynaptic indices of a checkpoint
     * (4 bytes per synapse), and under connectivity = stored the index
     * table of the rows held (split over the ranks as the state). */
    const double table =
        K > 0 ? 4.0 * N * K *
                    (c->attr.connectivity == MP_ATTR_STORED ? 2.0 : 1.0)
              : 0.0;
    /* The retrieval (attr_retrieve.c): per probe of a measurement (at
     * most 64 at once) each neuron's count A (and C with fan-in), 4
     * bytes each, and the pattern, cue and next states (3 bits); per
     * neuron its strong count, field and rank entry (and with fan-in
     * the CPU's transposed probes); sequential dynamics hold every
     * rank's strength bits once more and the order. */
    const size_t ages = mp_config_ages(c, NULL, 0);
    const double nb = ages < 64 ? (ages ? (double)ages : 1.0) : 64.0;
    const double retrieval =
        nb * N * ((K > 0 ? 8.0 : 4.0) + 3.0 / 8.0) +
        N * (28.0 + (K > 0 ? 8.0 : 0.0)) +
        (c->attr.dynamics == MP_ATTR_SEQUENTIAL ? N * pitch / 8.0 + 4.0 * N
                                                : 0.0);
    return N * pitch * (2.0 + 1.0 / 8.0) + table + retrieval + 64e6;
}
