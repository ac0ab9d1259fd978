/* SPDX-License-Identifier: MIT */
/*
 * metaplast.h: the umbrella header of the metaplast library — the whole
 * public API: configurations, the two engines (synapse ensembles, rate
 * networks), runs with their checkpoints and records, the exact theory,
 * the files, MPI ranks, errors and the version.
 */
#ifndef METAPLAST_H
#define METAPLAST_H

#include "attractor.h"
#include "config.h"
#include "ens.h"
#include "error.h"
#include "io.h"
#include "model.h"
#include "net.h"
#include "ranks.h"
#include "run.h"
#include "theory.h"
#include "metaplast/version.h" /* generated */

#endif
