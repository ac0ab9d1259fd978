/* SPDX-License-Identifier: MIT */
/* hopf.h (private): the warnings of BCM's stability criterion
 * (mp_net_hopf, host/core/hopf.c) that mp_config_warnings gives. */
#ifndef METAPLAST_PRIVATE_HOPF_H
#define METAPLAST_PRIVATE_HOPF_H

#include <stddef.h>

#include "../config.h"

/* Appends to buf (a string) one line per protocol phase whose
 * bcm.tau_theta is past the Hopf threshold, with the numbers; returns how
 * many lines. */
int mp__net_hopf_warnings(const struct mp_config *c, char *buf, size_t len);

#endif
