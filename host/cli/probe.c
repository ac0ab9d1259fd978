/* SPDX-License-Identifier: MIT */
/*
 * probe.c: the command's policy for files that may be damaged.  HDF5
 * (1.10.8 here) can crash inside nc_open on some damaged files (found by
 * fuzz_file, reproduced with a program that only calls nc_open), crash
 * reading an attribute, or loop forever.  So a file is first opened, and
 * every attribute read, in a child process: if the library dies or hangs
 * there, the file is reported damaged instead of taking the run down
 * (mp_io_set_probe).  Array data is read in-process, where checksums
 * catch damage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netcdf.h>

#include "cli.h"

/* In the child: open, and read every attribute. */
static void read_everything(const char *path)
{
    int nc, nvars = 0, v, a;
    if (!freopen("/dev/null", "w", stderr))
        _exit(0);
    if (nc_open(path, NC_NOWRITE, &nc) != NC_NOERR)
        _exit(0);
    nc_inq_nvars(nc, &nvars);
    for (v = -1; v < nvars; v++) {
        int natts = 0;
        nc_inq_varnatts(nc, v, &natts);
        for (a = 0; a < natts; a++) {
            char name[NC_MAX_NAME + 1];
            nc_type type;
            size_t len = 0, size = 0;
            void *buf;
            if (nc_inq_attname(nc, v, a, name) != NC_NOERR ||
                nc_inq_att(nc, v, name, &type, &len) != NC_NOERR ||
                nc_inq_type(nc, type, NULL, &size) != NC_NOERR ||
                len > ((size_t)1 << 24) || size > 64)
                continue;
            buf = calloc(len + 1, size ? size : 1);
            if (!buf)
                continue;
            if (type == NC_STRING) {
                if (nc_get_att_string(nc, v, name, buf) == NC_NOERR)
                    nc_free_string(len, buf);
            } else if (type < NC_FIRSTUSERTYPEID) {
                nc_get_att(nc, v, name, buf);
            }
            free(buf);
        }
    }
    nc_close(nc);
    _exit(0);
}

int mp_cli_probe(const char *path, void *ctx)
{
    /* A good file takes milliseconds: MP_PROBE_TIMEOUT seconds (default
     * 30) before a hang is declared. */
    const char *e = getenv("MP_PROBE_TIMEOUT");
    const double limit = e ? atof(e) : 30.0;
    const struct timespec ts = {0, 10000000};
    double waited = 0.0;
    int status = 0;
    pid_t pid;
    (void)ctx;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return 0; /* cannot probe: open it in-process */
    if (pid == 0)
        read_everything(path);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0)
            return 0;
        if (waited >= limit) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -2;
        }
        nanosleep(&ts, NULL);
        waited += 0.01;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
