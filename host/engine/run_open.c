/* SPDX-License-Identifier: MIT */
/*
 * run_open.c: a run started in a new directory or resumed from its
 * checkpoint (run.h).  Rank 0 does the file work; every check ends with
 * a verdict all ranks share.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/private/par.h"
#include "metaplast/private/util.h"
#include "run_internal.h"

int mp__run_alloc(struct mp_run **out, const struct mp_config *cfg,
                  const char *command_line)
{
    struct mp_run *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || !(r->command_line = strdup(command_line ? command_line : ""))) {
        free(r);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    r->cfg = *cfg;
    r->slice = 1;
    r->lock = -1;
    r->wall_start = mp__run_now();
    r->engine = cfg->paradigm == MP_PARADIGM_NETWORK     ? &mp__run_net
                : cfg->paradigm == MP_PARADIGM_ATTRACTOR ? &mp__run_attr
                                                          : &mp__run_ens;
    *out = r;
    return 0;
}

/* The exact theory at the measured ages (ensembles), once; in Poisson
 * time too if the configuration asks for that clock. */
static int theory(struct mp_run *r)
{
    const size_t n = mp_config_ages(&r->cfg, NULL, 0);
    const int poisson = r->cfg.clock == MP_CLOCK_POISSON;
    uint64_t *ages = calloc(n, sizeof *ages);
    int rc;
    r->sig_th = calloc(n, sizeof *r->sig_th);
    r->snr_th = calloc(n, sizeof *r->snr_th);
    if (poisson) {
        r->sig_thp = calloc(n, sizeof *r->sig_thp);
        r->snr_thp = calloc(n, sizeof *r->snr_thp);
    }
    if (!ages || !r->sig_th || !r->snr_th ||
        (poisson && (!r->sig_thp || !r->snr_thp))) {
        free(ages);
        return mp__fail(MP_ENOMEM, "out of memory");
    }
    mp_config_ages(&r->cfg, ages, n);
    rc = mp_theory_compute(&r->cfg, &r->th);
    if (!rc)
        rc = mp_theory_curve(&r->cfg, ages, n, r->sig_th, r->snr_th);
    if (!rc && poisson)
        rc = mp_theory_curve_clock(&r->cfg, MP_CLOCK_POISSON, ages, n,
                                   r->sig_thp, r->snr_thp);
    free(ages);
    return rc;
}

int mp__run_open_engine(struct mp_run *r)
{
    int rc = 0;
    if (r->cfg.paradigm == MP_PARADIGM_ENSEMBLE) {
        rc = mp__par_agree(theory(r));
        if (!rc)
            rc = mp_ens_create(&r->ens, &r->cfg);
    } else if (r->cfg.paradigm == MP_PARADIGM_ATTRACTOR) {
        rc = mp_attr_create(&r->attr, &r->cfg);
    } else {
        rc = mp_net_create(&r->net, &r->cfg);
    }
    r->last_ckpt = mp__run_now();
    return rc;
}

/* A run that cannot fit in memory is refused before any work.  Under MPI
 * each node checks its ranks' shares, and the node of rank 0 also the
 * whole state, which rank 0 gathers for a checkpoint. */
int mp_check_memory(const struct mp_config *c)
{
    const double total = mp_config_memory(c), R = mp__par_size();
    double need = total, have = mp_memory_available();
    int rc = 0;
    if (R > 1)
        need = total / R * (double)mp__par_local_size() +
               (mp__par_rank() == 0 ? total / 2 : 0.0);
    if (mp__par_local_rank() == 0 && have > 0 && need > have)
        rc = mp__fail(MP_ETOOBIG,
                      "the run needs %.3g GB of memory%s (its state, and a "
                      "copy for checkpoints), the machine has %.3g GB "
                      "available; reduce %s%s",
                      need / 1e9, R > 1 ? " on this node" : "", have / 1e9,
                      c->paradigm == MP_PARADIGM_NETWORK
                          ? "network.inputs, network.neurons or "
                            "network.fan_in"
                      : c->paradigm == MP_PARADIGM_ATTRACTOR
                          ? "attractor.neurons (or attractor.fan_in)"
                          : "ensemble.synapses",
                      R > 1 ? ", or spread the ranks over more nodes" : "");
    return mp__par_agree(rc);
}

static int exists_in(const char *dir, const char *name)
{
    char path[MP_CFG_MAX_PATH + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* The run directory must be new or hold no earlier run, and (unless this
 * process holds its lock) no process may be working in it. */
static int check_out_dir(const char *dir, int locked)
{
    struct stat st;
    int rc;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return mp__fail(MP_EINVAL,
                        "output.dir: '%s' exists and is not a directory",
                        dir);
    if (mp_io_is_root(dir))
        return mp__fail(MP_EINVAL,
                        "output.dir: '%s' is the root directory; a run "
                        "writes its files into a directory of its own",
                        dir);
    rc = locked ? 0 : mp_io_lock_check(dir);
    if (rc)
        return rc; /* busy: the message names the holder */
    if (exists_in(dir, "manifest.tsv"))
        return mp__fail(MP_EEXIST,
                        "output.dir: '%s' holds a sweep (manifest.tsv); a "
                        "run goes into a directory of its own; nothing was "
                        "changed",
                        dir);
    if (exists_in(dir, "checkpoint.nc"))
        return mp__fail(MP_EEXIST,
                        "output.dir: '%s' already holds a run (a "
                        "checkpoint); nothing was changed.  To continue "
                        "it: metaplast resume %s",
                        dir, dir);
    if (exists_in(dir, "config.ini") && !exists_in(dir, "record.nc"))
        return mp__fail(MP_EEXIST,
                        "output.dir: '%s' already holds a run that ended "
                        "before its first checkpoint (config.ini); nothing "
                        "was changed.  To continue it: metaplast resume %s",
                        dir, dir);
    if (exists_in(dir, "record.nc") || exists_in(dir, "config.ini"))
        return mp__fail(MP_EEXIST,
                        "output.dir: '%s' already holds a run (record.nc or "
                        "config.ini); nothing was changed.  Choose another "
                        "directory with --out, or remove the old run.",
                        dir);
    return 0;
}

/* The directory exists and takes files (the probe is created anew, never
 * through a link planted at its name). */
static int prepare_dir(const char *dir)
{
    char probe[MP_CFG_MAX_PATH + 64];
    int fd;
    if (mp_io_mkdirs(dir))
        return mp__fail(MP_EINVAL, "output.dir: cannot create '%s': %s",
                        dir, strerror(errno));
    snprintf(probe, sizeof probe, "%s/.metaplast-write-test.%ld", dir,
             (long)getpid());
    unlink(probe);
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0644);
    if (fd < 0)
        return mp__fail(MP_EINVAL, "output.dir: cannot write in '%s': %s",
                        dir, strerror(errno));
    close(fd);
    unlink(probe);
    return 0;
}

int mp__run_write_config(const struct mp_config *c)
{
    char path[MP_CFG_MAX_PATH + 64];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc;
    if (!f)
        return mp__fail(MP_ENOMEM, "out of memory");
    rc = mp_config_write(c, f);
    fflush(f);
    /* The mark resume trusts (mp__run_config_mark): this file is the one
     * the run wrote, unedited. */
    if (!rc)
        fprintf(f, "%s%016llx\n", MP_RUN_CONFIG_MARK,
                (unsigned long long)mp_io_hash64(text, len));
    fclose(f);
    snprintf(path, sizeof path, "%s/config.ini", c->dir);
    if (!rc)
        rc = mp_io_text_write(path, text);
    free(text);
    return rc;
}

int mp__run_first_files(struct mp_run *r, int fresh, int locked)
{
    char path[MP_CFG_MAX_PATH + 64];
    struct mp_provenance prov = {r->command_line, NULL, NULL, NULL};
    int rc = locked ? 0 : prepare_dir(r->cfg.dir);
    if (!rc && !locked)
        rc = mp_io_lock(r->cfg.dir, 1, r->command_line, &r->lock);
    if (!rc && !locked)
        mp_io_remove_stale(r->cfg.dir);
    /* Checked again under the lock: another run may have come first. */
    if (!rc && fresh)
        rc = check_out_dir(r->cfg.dir, 1);
    if (!rc)
        rc = mp__run_write_config(&r->cfg);
    if (!rc && r->net) {
        prov.backend = mp_net_backend(r->net);
        prov.device = mp_net_device(r->net);
        snprintf(path, sizeof path, "%s/record.nc", r->cfg.dir);
        rc = mp_io_net_record_create(&r->rec, path, &r->cfg, r->net, &prov);
    }
    return rc;
}

int mp_run_start(struct mp_run **out, const struct mp_config *cfg,
                 const char *command_line)
{
    struct mp_run *r;
    int rc = mp__par_agree(mp__run_alloc(&r, cfg, command_line));
    *out = NULL;
    if (rc)
        return rc;
    rc = mp__par_agree(mp_config_validate(&r->cfg));
    if (!rc)
        rc = mp__par_agree(mp__par_rank() == 0 ? check_out_dir(cfg->dir, 0)
                                                : 0);
    if (!rc)
        rc = mp_check_memory(&r->cfg);
    if (!rc)
        rc = mp__run_open_engine(r);
    if (!rc)
        rc = mp__par_agree(mp__par_rank() == 0 ? mp__run_first_files(r, 1, 0)
                                                : 0);
    if (!rc && r->net)
        rc = mp__run_net_record(r);
    if (!rc && r->cfg.ckpt_every_memories)
        r->next_ckpt = r->cfg.ckpt_every_memories;
    if (rc) {
        mp_run_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}
