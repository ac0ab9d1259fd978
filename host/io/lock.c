/* SPDX-License-Identifier: MIT */
/*
 * lock.c: one process at a time in a run or sweep directory.  flock(2)
 * on DIR/.metaplast.lock: released by the kernel when the process ends,
 * however it ends, so a lock is never stale.  The holder writes who it is
 * into the file, for the message of the process it refuses.  On NFS, flock
 * is mapped to a byte-range lock the server holds (Linux, NFSv4): it works
 * across nodes while the server honours locks (docs/RELIABILITY.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

int mp_io_lock(const char *dir, int exclusive, const char *what,
               int *handle)
{
    char path[4200], who[1024], host[256] = "?", when[64];
    const time_t now = time(NULL);
    struct tm tm;
    int fd, n;
    *handle = -1;
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    /* A reader creates nothing (a directory it may not write to). */
    fd = exclusive ? open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                          0644)
                   : open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && !exclusive && errno == ENOENT)
        return 0; /* never locked: nobody writes here */
    if (fd < 0 && (errno == EROFS || errno == EACCES))
        /* A read-only file still locks; what the holder then writes
         * fails with its own message. */
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return mp__fail(MP_EINVAL,
                        "%s: cannot lock: %s%s", path, strerror(errno),
                        errno == ELOOP ? " (a symbolic link: not followed)"
                                       : "");
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
        const int e = errno;
        holder(fd, who, sizeof who);
        close(fd);
        if (e == EWOULDBLOCK)
            return mp__fail(MP_EBUSY,
                            "%s is in use by another process (%s); nothing "
                            "was changed",
                            dir, who);
        return mp__fail(MP_EINVAL, "%s: cannot lock: %s", path,
                        strerror(e));
    }
    if (exclusive) {
        gethostname(host, sizeof host - 1);
        localtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        n = snprintf(who, sizeof who, "pid %ld on %s since %s: %s\n",
                     (long)getpid(), host, when, what ? what : "metaplast");
        if (ftruncate(fd, 0) || pwrite(fd, who, (size_t)n, 0) != n) {
            /* The lock holds; only its description is missing. */
        }
    }
    *handle = fd;
    return 0;
}

int mp_io_lock_check(const char *dir)
{
    char path[4200], who[1024];
    int fd, rc = 0;
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0; /* no lock file: nobody has worked here */
    if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
        holder(fd, who, sizeof who);
        rc = mp__fail(MP_EBUSY,
                      "%s is in use by another process (%s); nothing was "
                      "changed",
                      dir, who);
    }
    close(fd);
    return rc;
}

void mp_io_unlock(int handle)
{
    if (handle >= 0)
        close(handle);
}
