/* SPDX-License-Identifier: MIT */
/* sweep.h: a sweep directory's manifest, read by sweep-status,
 * sweep-run and collect. */
#ifndef METAPLAST_CLI_SWEEP_H
#define METAPLAST_CLI_SWEEP_H

#define MAX_VARY 8
#define MAX_VALUES 256

struct manifest {
    int nkeys; /* varied keys (columns between task and seed) */
    char keys[MAX_VARY][64];
    long ntasks;
    char ***cells; /* ntasks x (nkeys + 1): values, then the seed */
};

/* DIR/manifest.tsv; prints why and returns the exit status on failure. */
int mp_cli_manifest_read(const char *dir, struct manifest *m);
void mp_cli_manifest_free(struct manifest *m);
/* Whether task t's checkpoint or record fails verification (mp_io_verify);
 * why: the reason. */
int mp_cli_task_damage(const char *dir, long t, char *why, size_t len);
/* Whether task t is running now (its marker, or its directory's lock held
 * by a run or resume started by hand). */
int mp_cli_task_busy(const char *dir, long t);
/* The last non-empty line of a file ("" if none), for failure messages. */
void mp_cli_last_line(const char *path, char *out, size_t len);

#endif
