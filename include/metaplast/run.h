/* SPDX-License-Identifier: MIT */
/*
 * run.h: a run of either paradigm as a program drives it — started in a
 * run directory or resumed from its checkpoint, advanced in slices, with
 * its checkpoints (on schedule, on request, at the end) and its records
 * written as it goes.  The metaplast command is one client of this API;
 * a script binding is another.
 *
 * A run directory holds config.ini (the resolved configuration),
 * checkpoint.nc (docs/CHECKPOINT.md) and record.nc.  Under MPI every rank
 * makes the same calls, rank 0 does the file work, and every decision
 * (stop, checkpoint, failure) is taken together: each call returns the
 * same code and state on every rank.  Errors: 0 or a negative MP_E*
 * code, the text in mp_errmsg(); after a failure the last checkpoint is
 * intact and the run resumable.
 */
#ifndef METAPLAST_RUN_H
#define METAPLAST_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ens.h"
#include "net.h"
#include "attractor.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mp_run;

/*
 * Starts a run of a validated configuration in cfg->dir: refuses a
 * directory that holds a run (MP_EEXIST) and a run that does not fit this
 * machine (MP_ETOOBIG), creates the engine, the directory, config.ini
 * and (networks) the record's first entry.  command_line is kept as
 * provenance in every file.
 */
int mp_run_start(struct mp_run **out, const struct mp_config *cfg,
                 const char *command_line);

/* Collective: whether a run of cfg fits this machine's memory (and,
 * under MPI, each node's share): 0, or MP_ETOOBIG saying what to reduce. */
int mp_check_memory(const struct mp_config *cfg);

/* How a resumption may differ from the run it continues. */
struct mp_resume_options {
    const char *const *sets; /* "section.key=value" of resumable keys */
    size_t n_sets;
    int extend;              /* ensembles: 0 none, 1 more, 2 until */
    uint64_t memories;       /* more memories (1), or the total (2) */
    const char *command_line;
};

/*
 * Reopens the run whose checkpoint is at path (a run directory, or a
 * checkpoint file), with its changes.  A change of a key that would alter
 * the physics or the measurement is refused (MP_EINVAL, naming it).  A
 * run already complete opens as such (mp_run_complete), touching nothing.
 */
int mp_run_resume(struct mp_run **out, const char *path,
                  const struct mp_resume_options *o);

void mp_run_destroy(struct mp_run *r);

enum mp_run_state {
    MP_RUN_RUNNING = 0,  /* more to do */
    MP_RUN_FINISHED = 1, /* done: the final checkpoint and record written */
    MP_RUN_STOPPED = 2   /* stopped on request after a clean checkpoint */
};

/*
 * Runs one slice (about 0.2 s of work), then what every rank decides
 * together: stop != 0 on any rank stops the run after a checkpoint
 * (STOPPED; mp_run_stop_code says which stop); a scheduled checkpoint is
 * written; records due are written; at the end the final checkpoint and
 * record are written (FINISHED).  Returns 0 with *state, or an error.
 */
int mp_run_slice(struct mp_run *r, int stop, int *state);

/* The run's configuration, its engine (one of the two is NULL), and
 * progress: units done (memories or steps), of the whole run, at the
 * start of this session. */
const struct mp_config *mp_run_config(const struct mp_run *r);
struct mp_ens *mp_run_ens(const struct mp_run *r);
struct mp_net *mp_run_net(const struct mp_run *r);
/* An attractor run's network (NULL for the other paradigms). */
struct mp_attr *mp_run_attr(const struct mp_run *r);
uint64_t mp_run_done(const struct mp_run *r);
uint64_t mp_run_total(const struct mp_run *r);
uint64_t mp_run_started_at(const struct mp_run *r);
/* "memories" or "steps"; synapse updates per unit. */
const char *mp_run_unit(const struct mp_run *r);
double mp_run_synapses(const struct mp_run *r);
/* A resumed run that was already complete (nothing to do). */
int mp_run_complete(const struct mp_run *r);
/* The stop value that stopped the run (the largest any rank passed). */
int mp_run_stop_code(const struct mp_run *r);
/* Networks: the last record entry (NULL before one). */
const struct mp_net_sample *mp_run_last_sample(const struct mp_run *r);
/* The run directory. */
const char *mp_run_dir(const struct mp_run *r);

#ifdef __cplusplus
}
#endif

#endif
