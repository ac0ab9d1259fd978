/* SPDX-License-Identifier: MIT */
/*
 * run_resume.c: a run reopened from its checkpoint (mp_run_resume).  Rank
 * 0 reads the checkpoint and shares its configuration; the changes a
 * resumption may make are applied and checked on every rank; the engine
 * takes the snapshot back and continues bit-exactly.
 */
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

/* What the checkpoint holds beyond its configuration. */
struct saved {
    int paradigm;
    int fresh;            /* no checkpoint yet: the run starts again */
    struct mp_config cfg; /* as the checkpoint (or config.ini) has it */
    struct mp_ens_snapshot ens;
    struct mp_net_snapshot net;
    struct mp_attr_snapshot attr;
    uint64_t done;        /* memories or steps */
};

static void saved_fini(struct saved *s)
{
    mp_ens_snapshot_fini(&s->ens);
    mp_net_snapshot_fini(&s->net);
    mp_attr_snapshot_fini(&s->attr);
}

/* Rank 0's configuration to every rank (as INI text, which loads back to
 * an equal configuration). */
static int share_config(struct mp_config *c)
{
    char *text = NULL;
    size_t len = 0;
    uint64_t n = 0;
    int rc = 0;
    if (mp__par_size() == 1)
        return 0;
    if (mp__par_rank() == 0) {
        FILE *f = open_memstream(&text, &len);
        rc = !f ? mp__fail(MP_ENOMEM, "out of memory") : mp_config_write(c, f);
        if (f)
            fclose(f);
        n = len + 1;
    }
    rc = mp__par_agree(rc);
    if (!rc)
        mp__par_bcast(&n, sizeof n);
    if (!rc && mp__par_rank() && !(text = malloc(n)))
        rc = mp__fail(MP_ENOMEM, "out of memory");
    rc = mp__par_agree(rc);
    if (!rc)
        mp__par_bcast(text, n);
    if (!rc && mp__par_rank()) {
        mp_config_init(c);
        rc = mp_config_load_text(c, text, "(rank 0's configuration)");
        if (!rc)
            rc = mp_config_validate(c);
    }
    free(text);
    return mp__par_agree(rc);
}

/* The text of DIR/config.ini if it is the one a run wrote, unedited
 * (its last line: MP_RUN_CONFIG_MARK and the checksum of the rest). */
static int marked_config(const char *ini, const char *dir, char **text)
{
    char buf[1 << 16], hex[32];
    const char *mark;
    FILE *f = fopen(ini, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    mark = strstr(buf, "\n" MP_RUN_CONFIG_MARK);
    if (mark)
        snprintf(hex, sizeof hex, "%016llx\n",
                 (unsigned long long)mp_io_hash64(buf, (size_t)(mark + 1 -
                                                                buf)));
    if (!mark || n == sizeof buf - 1 || strlen(buf) != n ||
        strcmp(mark + 1 + strlen(MP_RUN_CONFIG_MARK), hex))
        return mp__fail(MP_EINVAL,
                        "resume %s: %s is not the configuration a run wrote "
                        "there (edited, damaged or written by hand), and "
                        "there is no checkpoint: nothing to continue; start "
                        "a run with metaplast run",
                        dir, ini);
    *text = strdup(buf);
    return *text ? 0 : mp__fail(MP_ENOMEM, "out of memory");
}

/* Results without a checkpoint (it was removed): a rerun would replace
 * them.  An ensemble writes record.nc only after a checkpoint; a
 * network's record is finished when it reaches the last step. */
static int orphan_results(const char *dir, const struct mp_config *c)
{
    char rec[MP_CFG_MAX_PATH + 64];
    uint64_t last = 0;
    snprintf(rec, sizeof rec, "%s/record.nc", dir);
    if (access(rec, F_OK))
        return 0;
    if (c->paradigm == MP_PARADIGM_NETWORK &&
        (mp_io_net_record_last_step(rec, &last) ||
         last < mp_config_steps(c, c->duration_s)))
        return 0;
    return mp__fail(MP_EEXIST,
                    "resume %s: it holds results (record.nc) but no "
                    "checkpoint (removed?): resuming would replace them; "
                    "nothing was changed.  To compute the run again, "
                    "remove %s first",
                    dir, rec);
}

/* A run killed before its first checkpoint left config.ini (written
 * first, atomically, marked): it starts again from its first memory or
 * step, which gives the uninterrupted result. */
static int read_first(const char *dir, struct saved *s)
{
    char ini[MP_CFG_MAX_PATH + 64], *text = NULL;
    int rc;
    snprintf(ini, sizeof ini, "%s/config.ini", dir);
    if (access(ini, F_OK))
        return mp__fail(MP_EINVAL,
                        "resume %s: no run to continue here (no "
                        "checkpoint.nc, no config.ini); start one with "
                        "metaplast run",
                        dir);
    rc = marked_config(ini, dir, &text);
    mp_config_init(&s->cfg);
    if (!rc)
        rc = mp_config_load_text(&s->cfg, text, ini);
    free(text);
    if (!rc) {
        /* Earlier versions wrote the other paradigm's keys too. */
        mp_config_drop_unused(&s->cfg);
        rc = mp_config_validate(&s->cfg);
    }
    if (!rc)
        rc = orphan_results(dir, &s->cfg);
    s->fresh = 1;
    s->paradigm = s->cfg.paradigm;
    return rc;
}

static int read_checkpoint(const char *path, struct saved *s)
{
    int rc = mp_io_ckpt_paradigm(path, &s->paradigm);
    if (!rc && s->paradigm == MP_PARADIGM_NETWORK)
        rc = mp_io_net_ckpt_read(path, &s->cfg, &s->net);
    else if (!rc && s->paradigm == MP_PARADIGM_ATTRACTOR)
        rc = mp_io_attr_ckpt_read(path, &s->cfg, &s->attr);
    else if (!rc)
        rc = mp_io_ens_ckpt_read(path, &s->cfg, &s->ens);
    s->done = s->paradigm == MP_PARADIGM_NETWORK     ? s->net.step
              : s->paradigm == MP_PARADIGM_ATTRACTOR ? s->attr.done
                                                      : s->ens.done;
    return rc;
}

/* Rank 0 reads the checkpoint (or the marked config.ini); the paradigm,
 * progress and configuration go to every rank. */
static int read_saved(const char *path, const char *dir, int in_dir,
                      struct saved *s)
{
    int64_t head[3] = {0, 0, 0};
    int rc = 0;
    memset(s, 0, sizeof *s);
    if (mp__par_rank() == 0) {
        rc = in_dir && access(path, F_OK) ? read_first(dir, s)
                                          : read_checkpoint(path, s);
        head[0] = s->paradigm;
        head[1] = (int64_t)s->done;
        head[2] = s->fresh;
    }
    rc = mp__par_agree(rc);
    if (rc)
        return rc;
    mp__par_bcast(head, sizeof head);
    s->paradigm = (int)head[0];
    s->done = (uint64_t)head[1];
    s->fresh = (int)head[2];
    return share_config(&s->cfg);
}

/* Keys a resumption changed that it must not change. */
static int check_resumable(const struct mp_config *was,
                           const struct mp_config *now, const char *path)
{
    size_t i;
    for (i = 0; i < mp_config_nkeys(); i++) {
        char va[MP_CFG_MAX_AGES * 24], vb[MP_CFG_MAX_AGES * 24];
        const char *name;
        if (!mp_config_key_used(now, i))
            continue; /* refused by name by mp_config_validate, if set */
        mp_config_key(was, i, &name, va, sizeof va);
        mp_config_key(now, i, &name, vb, sizeof vb);
        if (strcmp(va, vb) && !mp_config_key_resumable(i))
            return mp__fail(MP_EINVAL,
                            "resume %s: %s cannot change (the checkpoint has "
                            "%s, now %s): it would change the physics or the "
                            "measurement of the run.  A resumption may "
                            "change run.memories (--memories, --until), "
                            "run.duration, run.backend, run.threads, "
                            "checkpoint.every, checkpoint.deflate and "
                            "attractor.connectivity.",
                            path, name, va, vb);
    }
    return 0;
}

/* The ensemble's extension: more memories, or until a total. */
static int extend(const struct mp_resume_options *o, const struct saved *s,
                  const char *path, struct mp_config *c)
{
    const uint64_t burn = s->paradigm == MP_PARADIGM_ATTRACTOR
                              ? s->cfg.attr.burn_in
                              : s->cfg.burn_in;
    const uint64_t measured = s->done > burn ? s->done - burn : 0;
    if (o->extend && s->paradigm == MP_PARADIGM_NETWORK)
        return mp__fail(MP_EINVAL,
                        "resume %s: --memories and --until are for synapse "
                        "ensembles; extend a network run with --set "
                        "run.duration=TIME",
                        path);
    if (o->extend == 1)
        c->memories += o->memories;
    if (o->extend == 2 && o->memories < measured)
        return mp__fail(MP_EINVAL,
                        "--until %llu: the run has already measured %llu "
                        "memories",
                        (unsigned long long)o->memories,
                        (unsigned long long)measured);
    if (o->extend == 2)
        c->memories = o->memories;
    return 0;
}

/* A network's run.duration may grow, not shrink below what is done. */
static int check_duration(const struct saved *s, const char *path,
                          const struct mp_config *c)
{
    if (s->paradigm != MP_PARADIGM_NETWORK ||
        mp_config_steps(c, c->duration_s) >= s->done ||
        mp_config_steps(c, c->duration_s) ==
            mp_config_steps(&s->cfg, s->cfg.duration_s))
        return 0;
    return mp__fail(MP_EINVAL,
                    "resume %s: run.duration = %gs is already passed: the "
                    "run is at %gs (step %llu); a resumption can only "
                    "extend it",
                    path, c->duration_s, (double)s->done * c->dt_s,
                    (unsigned long long)s->done);
}

/* Two spellings of one existing directory ("r" and "r/"). */
static int same_dir(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

/* The configuration the resumption runs: the checkpoint's, in the
 * checkpoint's directory, with the allowed changes. */
static int changed_config(const struct saved *s, const char *path,
                          const char *dir, const struct mp_resume_options *o,
                          struct mp_config *c)
{
    struct mp_config was = s->cfg;
    size_t i;
    int rc = 0;
    *c = s->cfg;
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(was.dir, sizeof was.dir, "%s", dir);
    for (i = 0; i < o->n_sets && !rc; i++)
        rc = mp_config_set(c, o->sets[i], (int)i + 1);
    if (!rc && strcmp(c->dir, dir) && !same_dir(c->dir, dir))
        rc = mp__fail(MP_EINVAL,
                      "resume %s: output.dir cannot change: a run continues "
                      "in its own directory (%s), whose files it replaces; "
                      "to continue it elsewhere, copy the directory and "
                      "resume the copy",
                      path, dir);
    if (!rc)
        rc = extend(o, s, path, c);
    if (!rc)
        rc = check_duration(s, path, c);
    if (!rc)
        rc = check_resumable(&was, c, path);
    if (!rc && mp_config_validate(c))
        rc = mp__fail_prefix(MP_EINVAL, "resume %s: ", path);
    return rc;
}

/* The engine, the snapshot back in it, config.ini and the record. */
static int reopen(struct mp_run *r, struct saved *s, const char *path)
{
    char rpath[MP_CFG_MAX_PATH + 64];
    struct mp_provenance prov = {r->command_line, NULL, NULL, NULL};
    int rc = mp__run_open_engine(r);
    if (!rc && s->fresh) {
        /* From the start, in the same (locked) directory. */
        rc = mp__par_agree(mp__par_rank() == 0 ? mp__run_first_files(r, 0, 1)
                                                : 0);
        return !rc && r->net ? mp__run_net_record(r) : rc;
    }
    if (!rc && r->ens)
        rc = mp_ens_restore(r->ens, &s->ens);
    else if (!rc && r->attr)
        rc = mp_attr_restore(r->attr, &s->attr);
    else if (!rc)
        rc = mp_net_restore(r->net, &s->net);
    if (rc == MP_EINVAL)
        return mp__fail_prefix(rc, "resume %s: ", path);
    if (rc || mp__par_rank())
        return mp__par_agree(rc);
    rc = mp__run_write_config(&r->cfg);
    if (!rc && r->net) {
        prov.backend = mp_net_backend(r->net);
        prov.device = mp_net_device(r->net);
        snprintf(rpath, sizeof rpath, "%s/record.nc", r->cfg.dir);
        rc = mp_io_net_record_resume(&r->rec, rpath, &r->cfg, r->net,
                                     s->done, &prov);
    }
    return mp__par_agree(rc);
}

/* A run directory, or a checkpoint file (its directory).  Returns
 * whether the target is the directory. */
static int locate(const char *target, char *path, size_t plen, char *dir,
                  size_t dlen)
{
    struct stat st;
    if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, dlen, "%s", target);
        snprintf(path, plen, "%s/checkpoint.nc", target);
        return 1;
    } else {
        char tmp[MP_CFG_MAX_PATH];
        snprintf(path, plen, "%s", target);
        snprintf(tmp, sizeof tmp, "%s", target);
        snprintf(dir, dlen, "%s", dirname(tmp));
        return 0;
    }
}

/* A finished ensemble whose record is missing or older than its
 * checkpoint (the process ended between writing the two): the resumption
 * writes it again. */
static int record_behind(const struct mp_config *c, uint64_t done)
{
    char path[MP_CFG_MAX_PATH + 64];
    struct mp_io_ens_record rec;
    int64_t behind = 0;
    if (c->paradigm == MP_PARADIGM_ATTRACTOR) {
        uint64_t d = 0;
        snprintf(path, sizeof path, "%s/record.nc", c->dir);
        behind = mp__par_rank() == 0 &&
                 (mp_io_attr_record_done(path, &d) || d != done);
        mp__par_max_i64(&behind, 1);
        return (int)behind;
    }
    if (c->paradigm != MP_PARADIGM_ENSEMBLE)
        return 0;
    if (mp__par_rank() == 0) {
        snprintf(path, sizeof path, "%s/record.nc", c->dir);
        const int rc = mp_io_ens_record_read(path, &rec);
        behind = rc || rec.done != done;
        if (!rc)
            mp_io_ens_record_fini(&rec);
    }
    mp__par_max_i64(&behind, 1);
    return (int)behind;
}

/* The run directory, locked for the whole resumption (rank 0). */
static int lock_dir(const char *target, const char *dir, const char *what,
                    int *lock)
{
    struct stat st;
    int rc;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return mp__fail(MP_EINVAL, "resume %s: no such run directory",
                        target);
    if (mp_io_is_root(dir))
        return mp__fail(MP_EINVAL, "resume %s: the root directory holds no "
                                   "run of metaplast's",
                        target);
    rc = mp_io_lock(dir, 1, what, lock);
    if (!rc) /* what killed processes left: removed under the lock */
        mp_io_remove_stale(dir);
    return rc;
}

int mp_run_resume(struct mp_run **out, const char *target,
                  const struct mp_resume_options *o)
{
    char path[MP_CFG_MAX_PATH + 64], dir[MP_CFG_MAX_PATH];
    struct saved s;
    struct mp_config c;
    struct mp_run *r = NULL;
    int rc, lock = -1, in_dir;

    *out = NULL;
    memset(&s, 0, sizeof s);
    in_dir = locate(target, path, sizeof path, dir, sizeof dir);
    rc = mp__par_agree(mp__par_rank() == 0
                           ? lock_dir(target, dir, o->command_line, &lock)
                           : 0);
    if (!rc)
        rc = read_saved(path, dir, in_dir, &s);
    if (!rc)
        rc = mp__par_agree(changed_config(&s, path, dir, o, &c));
    if (!rc)
        rc = mp__par_agree(mp__run_alloc(&r, &c, o->command_line));
    if (!rc) {
        r->lock = lock; /* the run holds it from now on */
        lock = -1;
        r->started_at = s.done;
        r->has_ckpt = !s.fresh;
        r->wall_before = s.fresh ? 0.0
                         : s.paradigm == MP_PARADIGM_NETWORK   ? s.net.wall_s
                         : s.paradigm == MP_PARADIGM_ATTRACTOR ? s.attr.wall_s
                                                               : s.ens.wall_s;
        r->complete = s.done >= (c.paradigm == MP_PARADIGM_NETWORK
                                     ? mp_config_steps(&c, c.duration_s)
                                 : c.paradigm == MP_PARADIGM_ATTRACTOR
                                     ? c.attr.burn_in + c.memories
                                     : c.burn_in + c.memories) &&
                      !record_behind(&c, s.done);
    }
    if (!rc && !r->complete) {
        rc = mp_check_memory(&c);
        if (!rc)
            rc = reopen(r, &s, path);
        if (!rc && c.ckpt_every_memories)
            r->next_ckpt = s.done + c.ckpt_every_memories;
    }
    saved_fini(&s);
    mp_io_unlock(lock);
    if (rc) {
        mp_run_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}
