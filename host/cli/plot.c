/* SPDX-License-Identifier: MIT */
/* plot.c: `metaplast plot DIR|FILE [--out FILE]`: the standard figure of
 * a record, a theory or a sweep, drawn by the Python package (python/,
 * module metaplast.plot) with matplotlib.  Runs $METAPLAST_PYTHON, else
 * python3 from PATH. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

/* Whether python can import the package's plotting module (quietly). */
static int has_package(const char *python)
{
    char *const argv[] = {(char *)python, "-c", "import metaplast.plot",
                          NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st = 0, rc;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawnp(&pid, python, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        return 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int mp_cli_plot(int argc, char **argv)
{
    const char *env = getenv("METAPLAST_PYTHON");
    const char *python = env && *env ? env : "python3";
    char **args;
    int i;
    if (argc < 3 || argc > 5 || (argc == 4) ||
        (argc == 5 && strcmp(argv[3], "--out"))) {
        fprintf(stderr, "metaplast plot: expected DIR|FILE [--out FILE]\n"
                        "usage: metaplast plot DIR|FILE [--out FILE]\n");
        return MP_EXIT_USAGE;
    }
    if (!has_package(python)) {
        fprintf(stderr,
                "metaplast plot: %s cannot import the Python package "
                "metaplast (with matplotlib): install it with `pip install "
                "./python` from the source tree (docs/PYTHON.md), or set "
                "METAPLAST_PYTHON to a python that has it\n",
                python);
        return MP_EXIT_USAGE;
    }
    args = calloc((size_t)argc + 3, sizeof *args);
    if (!args)
        return MP_EXIT_RUNTIME;
    args[0] = (char *)python;
    args[1] = "-m";
    args[2] = "metaplast";
    for (i = 1; i < argc; i++)
        args[i + 2] = argv[i];
    fflush(NULL);
    execvp(python, args);
    fprintf(stderr, "metaplast plot: cannot run %s: %s\n", python,
            strerror(errno));
    free(args);
    return MP_EXIT_RUNTIME;
}
