/* SPDX-License-Identifier: MIT */
/*
 * model.h: the synapse models a configuration names (the discrete ones
 * and the Benna-Fusi chain), and the layout of a discrete synapse's state
 * byte (as checkpoints store it).
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
    MP_SYN_SERIAL = 2,  /* Leibold & Kempter (2008) */
    MP_SYN_MARKOV = 3,  /* any chain, from the [synapse] table */
    MP_SYN_BENNA_FUSI = 4 /* Benna & Fusi (2016): m coupled variables */
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

/* A Markov synapse (synapse.model = markov): up to 64 states of each
 * strength, and per row of M+ and M- at most MP_SYN_MAX_ENTRIES nonzero
 * entries (the diagonal and MP_SYN_MAX_ENTRIES - 1 others). */
#define MP_SYN_MARKOV_MAX_STATES (2 * MP_SYN_MAX_DEPTH)
#define MP_SYN_MAX_ENTRIES 17

/* One row of M+ or M- as written: its nonzero entries, in column order. */
struct mp_syn_row {
    uint16_t len;                     /* columns written */
    int16_t star;                     /* column of '*' (the rest), or -1 */
    uint8_t n;                        /* nonzero entries (and '*') */
    uint8_t col[MP_SYN_MAX_ENTRIES];  /* their columns */
    double p[MP_SYN_MAX_ENTRIES];     /* their probabilities */
};

struct mp_syn_markov {
    uint32_t states;                          /* S */
    uint32_t n_strength;                      /* values written */
    int8_t strength[MP_SYN_MARKOV_MAX_STATES]; /* +1 or -1 per state */
    uint32_t rows[2];                         /* rows written: [0] M-,
                                                 [1] M+ */
    int open[2];                              /* a row continues ('\') */
    struct mp_syn_row row[2][MP_SYN_MARKOV_MAX_STATES];
};

/* Most variables of a Benna-Fusi chain (synapse.bf_m). */
#define MP_BF_MAX_M 16

/*
 * A Benna-Fusi chain (Benna & Fusi, Nat. Neurosci. 19:1697, 2016):
 * C_k du_k/dt = g_(k-1,k) (u_(k-1) - u_k) + g_(k,k+1) (u_(k+1) - u_k),
 * k = 1..m, g_(0,1) = 0, u_(m+1) = 0; u_1 is the weight.  Time in
 * memories.
 */
struct mp_syn_bf {
    uint32_t m;     /* variables per synapse, 1..MP_BF_MAX_M */
    double c_ratio; /* C_k = c_ratio^(k-1) */
    double g0;      /* g_(1,2), per memory */
    double g_ratio; /* g_(k,k+1) = g0 / g_ratio^(k-1) */
    double eta;     /* a memory's kick on u_1: +-eta */
    double bound;   /* every u_k clipped to [-bound, bound]; 0 = none */
};

/* Parameters of a synapse model: a plain value. */
struct mp_syn_params {
    int model;      /* enum mp_syn_model */
    uint32_t n;     /* cascade: depth n; serial: number of states M (even) */
    double x;       /* cascade: ratio of successive probabilities, (0,1/2] */
    double q;       /* serial: step probability, [0,1] */
    double q_plus;  /* binary: probability of potentiation, [0,1] */
    double q_minus; /* binary: probability of depression, [0,1] */
    struct mp_syn_markov markov; /* markov: the table */
    struct mp_syn_bf bf;         /* benna_fusi: the chain */
};

/* "binary", "cascade", "serial", "markov", "benna_fusi", or "?". */
const char *mp_model_name(int model);

#ifdef __cplusplus
}
#endif

#endif
