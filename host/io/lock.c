/* SPDX-License-Identifier: MIT */
/*
 * lock.c: one process at a time in a run or sweep directory.  flock(2)
 * on DIR/.metaplast.lock: released by the kernel when the process ends,
 * however it ends, so a lock is never stale.  The holder writes who it is
 * into the file, for the message of the process it refuses.  On NFS, flock
 * is mapped to a byte-range lock the server holds (Linux, NFSv4): it works
 * across nodes while the server honours locks (docs/RELIABILITY.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/private/util.h"

#define LOCK_NAME ".metaplast.lock"

/* The holder's description, as it wrote it. */
static void holder(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (!buf[0])
        snprintf(buf, len, "a process that has not described itself yet");
}

/* The lock file, opened without following a link or blocking on a FIFO,
 * and only if it is a regular file.  Returns the descriptor, or -1 with
 * errno set (ENOENT: none; EINVAL: not a regular file). */
static int open_lock(const char *path, int flags)
{
    struct stat st;
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* flock, retried for about 0.1 s: another process's brief check of the
 * lock (mp_io_lock_check, sweep-status) must not refuse a holder. */
static int take(int fd, int op)
{
    int i;
    for (i = 0; i < 20; i++) {
        const struct timespec wait = {0, 5000000};
        if (!flock(fd, op | LOCK_NB))
            return 0;
        if (errno != EWOULDBLOCK)
            return -1;
        nanosleep(&wait, NULL);
    }
    errno = EWOULDBLOCK;
    return -1;
}

static int cannot_lock(const char *path, int e)
{
    return mp__fail(MP_EINVAL, "%s: cannot lock: %s%s", path, strerror(e),
                    e == ELOOP    ? " (a symbolic link: not followed)"
                    : e == EINVAL ? " (not a regular file)"
                                  : "");
}

/* Who holds it: written by each exclusive holder. */
static void describe(int fd, const char *what)
{
    char who[1024], host[256] = "?", when[64];
    const time_t now = time(NULL);
    struct tm tm;
    int n;
    gethostname(host, sizeof host - 1);
    localtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    n = snprintf(who, sizeof who, "pid %ld on %s since %s: %s\n",
                 (long)getpid(), host, when, what ? what : "metaplast");
    if (ftruncate(fd, 0) || pwrite(fd, who, (size_t)n, 0) != n) {
        /* The lock holds; only its description is missing. */
    }
}

int mp_io_lock(const char *dir, int exclusive, const char *what,
               int *handle)
{
    char path[4200], who[1024];
    int fd;
    *handle = -1;
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    /* A reader creates nothing (a directory it may not write to). */
    fd = open_lock(path, exclusive ? O_RDWR | O_CREAT : O_RDONLY);
    if (fd < 0 && !exclusive && errno == ENOENT)
        return 0; /* never locked: nobody writes here */
    if (fd < 0 && (errno == EROFS || errno == EACCES))
        /* A read-only file still locks; what the holder then writes
         * fails with its own message. */
        fd = open_lock(path, O_RDONLY);
    if (fd < 0)
        return cannot_lock(path, errno);
    if (take(fd, exclusive ? LOCK_EX : LOCK_SH)) {
        const int e = errno;
        holder(fd, who, sizeof who);
        close(fd);
        if (e == EWOULDBLOCK)
            return mp__fail(MP_EBUSY,
                            "%s is in use by another process (%s); nothing "
                            "was changed",
                            dir, who);
        return cannot_lock(path, e);
    }
    if (exclusive)
        describe(fd, what);
    *handle = fd;
    return 0;
}

int mp_io_lock_check(const char *dir)
{
    char path[4200], who[1024];
    int fd, rc = 0;
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    fd = open_lock(path, O_RDONLY);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0; /* no lock file: nobody has worked here */
    if (fd < 0)
        return cannot_lock(path, errno);
    if (take(fd, LOCK_SH) && errno == EWOULDBLOCK) {
        holder(fd, who, sizeof who);
        rc = mp__fail(MP_EBUSY,
                      "%s is in use by another process (%s); nothing was "
                      "changed",
                      dir, who);
    }
    close(fd);
    return rc;
}

/* Whether name is one of a run's temporary files ("config.ini.tmp.123",
 * ".metaplast-write-test.123"): a prefix, then digits only. */
static int stale_name(const char *name)
{
    static const char *const prefixes[] = {
        "config.ini.tmp.", "checkpoint.nc.tmp.", "record.nc.tmp.",
        "checkpoint-diagnostic.nc.tmp.", ".metaplast-write-test."};
    size_t i, n;
    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        n = strlen(prefixes[i]);
        if (!strncmp(name, prefixes[i], n) && name[n] &&
            strspn(name + n, "0123456789") == strlen(name + n))
            return 1;
    }
    return 0;
}

int mp_io_remove_stale(const char *dir)
{
    char path[4200];
    struct dirent *e;
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (stale_name(e->d_name)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            n += unlink(path) == 0;
        }
    closedir(d);
    return n;
}

int mp_io_is_root(const char *dir)
{
    struct stat a, b;
    return stat(dir, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

void mp_io_unlock(int handle)
{
    if (handle >= 0)
        close(handle);
}
