/* SPDX-License-Identifier: MIT */
/* atomic.c: files that appear whole or not at all; mkdir -p. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/private/util.h"
#include "nc.h"

/* fsync a file or directory by path. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

void mp__io_tmp_name(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.tmp.%ld", path, (long)getpid());
}

int mp__io_commit(const char *tmp, const char *path)
{
    char dir[4096];
    if (sync_path(tmp) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return mp__fail(MP_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    snprintf(dir, sizeof dir, "%s", path);
    sync_path(dirname(dir));
    return 0;
}

int mp_io_text_write(const char *path, const char *text)
{
    char tmp[4200];
    FILE *f = NULL;
    int fd;
    mp__io_tmp_name(tmp, sizeof tmp, path);
    /* Created anew (never through a link planted at the name). */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0644);
    if (fd >= 0 && !(f = fdopen(fd, "w")))
        close(fd);
    if (!f)
        return mp__fail(MP_EIO, "%s: cannot write: %s", path,
                        strerror(errno));
    if (fputs(text, f) < 0 || fclose(f)) {
        int e = errno;
        unlink(tmp);
        return mp__fail(MP_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return mp__io_commit(tmp, path);
}

int mp_io_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    char *p;
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return mp__fail(MP_EIO, "%s: %s", path, strerror(errno));
    }
    for (p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) && errno != EEXIST)
            return mp__fail(MP_EIO, "%s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0777) && errno != EEXIST)
        return mp__fail(MP_EIO, "%s: %s", path, strerror(errno));
    return 0;
}
