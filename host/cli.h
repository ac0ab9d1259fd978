/* SPDX-License-Identifier: MIT */
/* cli.h: pieces of the command-line program shared between its files. */
#ifndef METAPLAST_CLI_H
#define METAPLAST_CLI_H

#include <stdint.h>

/* Exit statuses (docs/CLI.md). */
enum {
    MP_EXIT_OK = 0,
    MP_EXIT_FAILURE = 1, /* unexpected internal failure */
    MP_EXIT_USAGE = 2,   /* bad input: arguments, config, files */
    MP_EXIT_RUNTIME = 3, /* runtime failure: device, I/O */
    MP_EXIT_STOPPED = 75 /* stopped by a signal after a clean checkpoint:
                            resumable (EX_TEMPFAIL of sysexits.h) */
};

struct progress {
    int mode;          /* 0 none, 1 terminal line, 2 log lines */
    double start;      /* seconds */
    double last;       /* last report, seconds */
    uint64_t total;    /* units of work in all */
    uint64_t synapses; /* synapses updated per unit */
    const char *unit;  /* "memories" or "steps" */
};

double mp_cli_now(void);
/* mkdir -p: 0, or -1 with errno set. */
int mp_cli_mkdirs(const char *path);

/* Sweeps (cli_sweep.c). */
int mp_cli_sweep(int argc, char **argv, const char *cmdline);
int mp_cli_sweep_status(const char *dir);
int mp_cli_collect(const char *dir);
void mp_progress_start(struct progress *p, int quiet, uint64_t total,
                       uint64_t synapses);
void mp_progress_update(struct progress *p, uint64_t done);
void mp_progress_end(struct progress *p, uint64_t done);

#endif
