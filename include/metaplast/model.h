/* SPDX-License-Identifier: MIT */
/*
 * model.h: the discrete synapse models a configuration names, and the
 * layout of a synapse's state byte (as checkpoints store it).
 * docs/MODELS.md has the equations and their sources.
 */
#ifndef METAPLAST_MODEL_H
#define METAPLAST_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mp_syn_model {
    MP_SYN_BINARY = 0,  /* weight +-1, flips with q+ / q- */
    MP_SYN_CASCADE = 1, /* Fusi, Drew & Abbott (2005) */
    MP_SYN_SERIAL = 2   /* Leibold & Kempter (2008) */
};

/* Depth levels per strength that a state byte can hold. */
#define MP_SYN_MAX_DEPTH 64
/* Largest model sizes accepted (the thresholds of deeper cascades with
 * x = 1/2 fall below 2^-32 and would round to zero). */
#define MP_SYN_CASCADE_MAX_N 32
#define MP_SYN_SERIAL_MAX_M (2 * MP_SYN_MAX_DEPTH)

/* State byte: bit 6 the strength (1 = strong, weight +1), bits 0..5 the
 * depth, 0-based (0 = most plastic; serial: the distance from the middle
 * of the chain), bit 7 zero. */
#define MP_SYN_STRONG 0x40u
#define MP_SYN_DEPTH_MASK 0x3Fu

/* Parameters of a discrete synapse model: a plain value. */
struct mp_syn_params {
    int model;      /* enum mp_syn_model */
    uint32_t n;     /* cascade: depth n; serial: number of states M (even) */
    double x;       /* cascade: ratio of successive probabilities, (0,1/2] */
    double q;       /* serial: step probability, [0,1] */
    double q_plus;  /* binary: probability of potentiation, [0,1] */
    double q_minus; /* binary: probability of depression, [0,1] */
};

/* "binary", "cascade", "serial", or "?". */
const char *mp_model_name(int model);

#ifdef __cplusplus
}
#endif

#endif
