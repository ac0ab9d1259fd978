/* SPDX-License-Identifier: MIT */
/* states.c: the `state` dimension of records (record.states): a discrete
 * model's states in its order, with their strength and depth as
 * coordinates (functions of the configuration: no checksums). */
#include <string.h>

#include "metaplast/model.h"
#include "nc.h"

void mp__nc_states_def(struct nc *f, struct mp__nc_states *st,
                       const uint8_t *bytes, uint32_t n)
{
    uint32_t j;
    memset(st, 0, sizeof *st);
    st->n = n < MP__NC_MAX_STATES ? n : MP__NC_MAX_STATES;
    for (j = 0; j < st->n; j++) {
        st->index[j] = (int32_t)j;
        st->strength[j] = (signed char)(bytes[j] & MP_SYN_STRONG ? 1 : -1);
        st->depth[j] = (unsigned char)(bytes[j] & MP_SYN_DEPTH_MASK);
    }
    mp__nc_check(f, nc_def_dim(f->id, "state", st->n, &st->dim),
                 "nc_def_dim");
    st->v_state = mp__nc_def(f, "state", NC_INT, 1, &st->dim,
                             "index of the synapse state in the model's "
                             "order (the exact theory's: deepest weak to "
                             "deepest strong; a markov table's rows)",
                             "1");
    st->v_strength = mp__nc_def(f, "state_strength", NC_BYTE, 1, &st->dim,
                                "strength of the state: +1 strong, -1 weak",
                                "1");
    st->v_depth = mp__nc_def(f, "state_depth", NC_UBYTE, 1, &st->dim,
                             "depth of the state among those of its "
                             "strength, 0 = most plastic",
                             "1");
}

void mp__nc_states_put(struct nc *f, const struct mp__nc_states *st)
{
    mp__nc_put(f, st->v_state, st->index, "state");
    mp__nc_put(f, st->v_strength, st->strength, "state_strength");
    mp__nc_put(f, st->v_depth, st->depth, "state_depth");
}
