/* SPDX-License-Identifier: MIT */
/* run_internal.h (engine internal): the run object of run.h, shared by
 * run.c (the slice loop, checkpoints, records) and run_open.c (start,
 * resume). */
#ifndef METAPLAST_ENGINE_RUN_INTERNAL_H
#define METAPLAST_ENGINE_RUN_INTERNAL_H

#include "metaplast/attractor.h"
#include "metaplast/io.h"
#include "metaplast/run.h"
#include "metaplast/theory.h"

/* What the slice loop asks of an engine. */
struct mp_run_engine {
    const char *unit; /* "memories" or "steps" */
    uint64_t (*done)(const struct mp_run *r);
    uint64_t (*total)(const struct mp_run *r);
    /* Units from now to the next event the engine must stop at. */
    uint64_t (*until_event)(const struct mp_run *r);
    int (*advance)(struct mp_run *r, uint64_t n);
    /* After a slice: records due (networks). */
    int (*after_slice)(struct mp_run *r);
    /* The checkpoint (and, for ensembles, the record). */
    int (*save)(struct mp_run *r);
};

struct mp_run {
    struct mp_config cfg;
    const struct mp_run_engine *engine;
    struct mp_ens *ens;
    struct mp_net *net;
    struct mp_attr *attr;          /* attractor networks */
    struct mp_io_net_record *rec;  /* networks, rank 0 */
    struct mp_net_sample last;     /* networks: the last record entry */
    struct mp_theory th;           /* ensembles: the exact theory */
    double *sig_th, *snr_th;       /* ... at the measured ages */
    double *sig_thp, *snr_thp;     /* ... in Poisson time (measure.clock =
                                      poisson), else NULL */
    char *command_line;
    uint64_t slice;                /* units per slice (adapted) */
    uint64_t next_ckpt;            /* count of the next checkpoint, 0 none */
    uint64_t started_at;
    double last_ckpt;              /* wall time of the last checkpoint */
    double wall_start;             /* wall time this session started */
    double wall_before;            /* wall seconds of earlier sessions */
    int lock;                      /* the run directory's lock (rank 0) */
    int has_ckpt;                  /* the directory holds a checkpoint */
    int complete;                  /* resumed a complete run */
    int finished;
    int stop_code;
};

extern const struct mp_run_engine mp__run_ens, mp__run_net, mp__run_attr;

/* A new run object for cfg (engine not created). */
int mp__run_alloc(struct mp_run **out, const struct mp_config *cfg,
                  const char *command_line);
/* The engine's objects: the engine, the theory, the schedule. */
int mp__run_open_engine(struct mp_run *r);
double mp__run_now(void);
/* Wall-clock seconds of the run so far, every session. */
double mp__run_wall(const struct mp_run *r);
/* config.ini of the run directory, ending in a line that marks it as
 * the run's own: MP_RUN_CONFIG_MARK and the checksum (mp_io_hash64) of
 * everything before that line. */
#define MP_RUN_CONFIG_MARK "# metaplast run configuration; checksum "
int mp__run_write_config(const struct mp_config *c);
/* Rank 0's files of a run starting from its first memory or step: the
 * directory (created and locked unless `locked`), config.ini, a network's
 * record; a new run (`fresh`) first makes sure the directory holds no
 * other. */
int mp__run_first_files(struct mp_run *r, int fresh, int locked);
/* What a failure leaves: "the last checkpoint is intact ..." when there
 * is one, else that a resumption starts the run again. */
const char *mp__run_left(const struct mp_run *r);
/* A network's record entry now (rank 0 writes it). */
int mp__run_net_record(struct mp_run *r);

#endif
