/* SPDX-License-Identifier: MIT */
/* cli.h: pieces of the command-line program shared between its files.  The
 * program is a client of the public API only (metaplast/metaplast.h). */
#ifndef METAPLAST_CLI_H
#define METAPLAST_CLI_H

#include <stdint.h>

#include "metaplast/metaplast.h"

/* Exit statuses (docs/CLI.md). */
enum {
    MP_EXIT_OK = 0,
    MP_EXIT_FAILURE = 1, /* unexpected internal failure */
    MP_EXIT_USAGE = 2,   /* bad input: arguments, config, files */
    MP_EXIT_RUNTIME = 3, /* runtime failure: device, I/O */
    MP_EXIT_STOPPED = 75 /* stopped by a signal after a clean checkpoint:
                            resumable (EX_TEMPFAIL of sysexits.h) */
};

/* The exit status of a library error code: the one table. */
int mp_cli_status(int code);

/* Prints the library's error text ("metaplast: ...", on rank 0 only) and
 * returns the exit status of code. */
int mp_cli_fail(int code);

/* The parsed command line of run, resume, theory, validate, info. */
struct args {
    const char *command;
    const char *target; /* CONFIG, DIR or FILE */
    const char *sets[256];
    int n_sets;
    const char *out;
    const char *backend;
    const char *threads;
    const char *memories;
    const char *until;
    const char *clock; /* theory: memories, poisson or both */
    int quiet;
    const char *cmdline; /* the whole command line, quoted */
};

/* The overrides of a command line as "section.key=value" (--set, then
 * --out, --backend, --threads); returns how many (at most 259). */
int mp_cli_sets(const struct args *a, const char **sets, char bufs[3][1100]);

/* CONFIG + overrides, validated; prints and returns the exit status on
 * failure. */
int mp_cli_load_config(const struct args *a, struct mp_config *c);

/* Commands (run.c, inspect.c). */
/* The stops (TERM, INT, USR1, HUP, XCPU, ALRM) end a run at a
 * checkpoint: caught from the first instant of run and resume. */
void mp_cli_catch_signals(void);
int mp_cli_run(const struct args *a);
int mp_cli_resume(const struct args *a);
int mp_cli_theory(const struct args *a);
int mp_cli_validate(const struct args *a);
int mp_cli_info(const struct args *a);
void mp_cli_describe(const struct mp_config *c);
void mp_cli_describe_net(const struct mp_config *c);
/* The attractor paradigm (attr_cli.c). */
void mp_cli_describe_attr(const struct mp_config *c);
void mp_cli_attr_announce(const struct mp_run *run);
void mp_cli_attr_summary(const struct mp_run *run, double elapsed, int quiet,
                         char *line, size_t len);
/* theory of an attractor configuration c (loaded from a): prints it,
 * writes DIR/theory.nc; returns the exit status. */
int mp_cli_attr_theory(const struct args *a, const struct mp_config *c);
void mp_cli_warnings(const struct mp_config *c);
/* A lifetime in memories as text ("none ..." when below zero). */
void mp_cli_lifetime(double t, char *buf, size_t len);
/* The same for a lifetime in Poisson time. */
void mp_cli_lifetime_poisson(double t, char *buf, size_t len);

/* plot DIR|FILE [--out FILE]: the Python package's figure (plot.c). */
int mp_cli_plot(int argc, char **argv);

/* Sweeps (sweep.c, sweep_status.c, sweep_run.c, collect.c). */
/* cmdline: the whole command line, quoted (the sweep's base.ini and
 * sweep.nc record it). */
int mp_cli_sweep(int argc, char **argv, const char *cmdline);
int mp_cli_sweep_status(const char *dir);
/* sweep-run DIR [-j N] (sweep_run.c): argv as main's. */
int mp_cli_sweep_run(int argc, char **argv);
/* skip_damaged: a task whose record or checkpoint fails verification is
 * left out (and named) instead of failing the collection. */
int mp_cli_collect(const char *dir, int skip_damaged, const char *cmdline);

/* Opening files that may be damaged in a child process (probe.c), and
 * the test hooks of MP_FAULT (main.c). */
int mp_cli_probe(const char *path, void *ctx);

/* Progress (progress.c): a line on a terminal, log lines otherwise. */
struct progress {
    int mode;          /* 0 none, 1 terminal line, 2 log lines */
    double start;      /* seconds */
    double last;       /* last report, seconds */
    uint64_t total;    /* units of work in all */
    double synapses;   /* synapses updated per unit */
    const char *unit;  /* "memories" or "steps" */
};

double mp_cli_now(void);
void mp_progress_start(struct progress *p, int quiet, uint64_t total,
                       double synapses, const char *unit);
void mp_progress_update(struct progress *p, uint64_t done);
void mp_progress_end(struct progress *p, uint64_t done);

#endif
