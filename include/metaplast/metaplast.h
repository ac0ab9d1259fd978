/* SPDX-License-Identifier: MIT */
/* metaplast.h: the umbrella header of the metaplast library. */
#ifndef METAPLAST_H
#define METAPLAST_H

#include "config.h"
#include "error.h"
#include "io.h"
#include "net.h"
#include "rng.h"
#include "rules.h"
#include "sim.h"
#include "theory.h"
#include "metaplast/version.h" /* generated */

#endif
