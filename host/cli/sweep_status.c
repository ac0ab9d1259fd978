/* SPDX-License-Identifier: MIT */
/*
 * sweep_status.c: reading a sweep directory (public API only): its
 * manifest, each task's state and whether its files are sound
 * (`metaplast sweep-status`, and the checks `collect` makes first).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

/* ---- The manifest ------------------------------------------------------ */


void mp_cli_manifest_free(struct manifest *m)
{
    long t;
    int k;
    for (t = 0; t < m->ntasks; t++) {
        for (k = 0; k <= m->nkeys; k++)
            free(m->cells[t][k]);
        free(m->cells[t]);
    }
    free(m->cells);
}

int mp_cli_manifest_read(const char *dir, struct manifest *m)
{
    char path[PATH_MAX], line[8192], *tok, *save;
    FILE *f;
    long cap = 64;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "metaplast: %s: not a sweep directory (%s: %s)\n",
                dir, path, strerror(errno));
        return MP_EXIT_USAGE;
    }
    if (!fgets(line, sizeof line, f) || strncmp(line, "task", 4)) {
        fclose(f);
        fprintf(stderr, "metaplast: %s: malformed manifest\n", path);
        return MP_EXIT_USAGE;
    }
    line[strcspn(line, "\n")] = '\0';
    save = NULL;
    strtok_r(line, "\t", &save);
    while ((tok = strtok_r(NULL, "\t", &save)))
        if (strcmp(tok, "seed") && m->nkeys < MAX_VARY)
            snprintf(m->keys[m->nkeys++], 64, "%s", tok);
    m->cells = malloc(cap * sizeof *m->cells);
    while (fgets(line, sizeof line, f)) {
        int k = 0;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        if (m->ntasks == cap)
            m->cells = realloc(m->cells, (cap *= 2) * sizeof *m->cells);
        m->cells[m->ntasks] = calloc(m->nkeys + 1, sizeof(char *));
        save = NULL;
        strtok_r(line, "\t", &save);
        while ((tok = strtok_r(NULL, "\t", &save)) && k <= m->nkeys)
            m->cells[m->ntasks][k++] = strdup(tok);
        if (k != m->nkeys + 1) {
            fclose(f);
            m->ntasks++;
            mp_cli_manifest_free(m);
            fprintf(stderr, "metaplast: %s: malformed row %ld\n", path,
                    m->ntasks);
            return MP_EXIT_USAGE;
        }
        m->ntasks++;
    }
    fclose(f);
    return 0;
}

static int exists(const char *fmt, const char *dir, long t)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, fmt, dir, t);
    return access(path, F_OK) == 0;
}

void mp_cli_last_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0])
            snprintf(out, len, "%s", line);
    }
    if (f)
        fclose(f);
}

/* A run directory's progress from its checkpoint: 1 finished, 0 not,
 * -1 no readable checkpoint. */
static int finished(const char *dir, long t)
{
    char path[PATH_MAX];
    uint64_t done = 0, total = 1;
    snprintf(path, sizeof path, "%s/tasks/%04ld/checkpoint.nc", dir, t);
    if (access(path, F_OK) || mp_io_ckpt_progress(path, &done, &total))
        return -1;
    return done == total;
}

int mp_cli_task_damage(const char *dir, long t, char *why, size_t len)
{
    static const char *const files[] = {"checkpoint.nc", "record.nc"};
    char path[PATH_MAX];
    size_t i;
    for (i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/tasks/%04ld/%s", dir, t, files[i]);
        if (access(path, F_OK) == 0 && mp_io_verify(path)) {
            snprintf(why, len, "%s", mp_errmsg());
            return 1;
        }
    }
    return 0;
}

int mp_cli_task_busy(const char *dir, long t)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/tasks/%04ld", dir, t);
    return exists("%s/tasks/%04ld.running", dir, t) ||
           mp_io_lock_check(path) == MP_EBUSY;
}

enum { T_DONE, T_RUNNING, T_FAILED, T_RESUMABLE, T_NOT_STARTED, T_DAMAGED };

/* Task t's state (T_...) and its description. */
static int task_state(const char *dir, long t, char *state, size_t len)
{
    char path[PATH_MAX], msg[1024];
    int code = -1, st = T_NOT_STARTED;
    FILE *f;
    snprintf(state, len, "not started");
    snprintf(path, sizeof path, "%s/tasks/%04ld.status", dir, t);
    if (mp_cli_task_busy(dir, t)) {
        snprintf(state, len, "running");
        return T_RUNNING;
    }
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%d", &code) != 1)
            code = -1;
        fclose(f);
        st = code == 0 ? T_DONE : code == 75 ? T_RESUMABLE : T_FAILED;
    } else if (finished(dir, t) >= 0) {
        st = finished(dir, t) == 1 ? T_DONE : T_RESUMABLE;
    }
    if (st != T_NOT_STARTED && mp_cli_task_damage(dir, t, msg, sizeof msg)) {
        snprintf(state, len, "damaged: %s", msg);
        return T_DAMAGED;
    }
    if (st == T_FAILED) {
        snprintf(path, sizeof path, "%s/tasks/%04ld.err", dir, t);
        mp_cli_last_line(path, msg, sizeof msg);
        snprintf(state, len, "failed (exit %d): %s", code,
                 msg[0] ? msg : "(no message)");
    } else if (st != T_NOT_STARTED) {
        snprintf(state, len, "%s",
                 st == T_DONE ? "done"
                 : code == 75 ? "stopped at a checkpoint (resumable)"
                              : "started, resumable");
    }
    return st;
}

int mp_cli_sweep_status(const char *dir)
{
    struct manifest m;
    long t, counts[6] = {0};
    static const char *const names[] = {"done",        "running",
                                        "failed",      "resumable",
                                        "not started", "damaged"};
    int k, lock = -1, rc;
    /* Shared: refused only while the sweep is created or collected. */
    if ((rc = mp_io_lock(dir, 0, NULL, &lock)))
        return mp_cli_fail(rc);
    if ((rc = mp_cli_manifest_read(dir, &m))) {
        mp_io_unlock(lock);
        return rc;
    }
    printf("%-6s", "task");
    for (k = 0; k < m.nkeys; k++)
        printf("  %-18s", m.keys[k]);
    printf("  %-8s  %s\n", "seed", "state");
    for (t = 0; t < m.ntasks; t++) {
        char state[1200];
        counts[task_state(dir, t, state, sizeof state)]++;
        printf("%04ld  ", t);
        for (k = 0; k < m.nkeys; k++)
            printf("  %-18s", m.cells[t][k]);
        printf("  %-8s  %s\n", m.cells[t][m.nkeys], state);
    }
    printf("%ld tasks:", m.ntasks);
    for (k = 0; k < 6; k++)
        if (counts[k])
            printf(" %ld %s", counts[k], names[k]);
    printf("\n");
    mp_io_unlock(lock);
    mp_cli_manifest_free(&m);
    return 0;
}
