/* SPDX-License-Identifier: MIT */
/*
 * ranks.h: one run across the processes (MPI ranks) of an mpirun or srun
 * launch (docs/MPI.md).  Without mp_mpi_init the library is one process
 * and every collective is a copy.  A result never depends on the number
 * of ranks.
 */
#ifndef METAPLAST_RANKS_H
#define METAPLAST_RANKS_H

#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* For programs deciding whether to call mp_mpi_init: whether an MPI
 * launcher (mpirun, srun) started this process, from the variables the
 * launchers set.  Inline in the program: the library itself never reads
 * the environment. */
static inline int mp_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                                       "PMI_RANK", "PMI_SIZE"};
    size_t i;
    for (i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

/* Whether this build has MPI. */
int mp_mpi_built(void);

/* Joins the launch's ranks (MPI_Init).  Call it only when an MPI launcher
 * started the process.  Returns 0, or MP_ENOTSUP in a build without MPI
 * (one process per rank would each run the whole job). */
int mp_mpi_init(int *argc, char ***argv);

/* Leaves them (MPI_Finalize), if mp_mpi_init joined. */
void mp_mpi_finalize(void);

/* This process's rank and the number of ranks (0 and 1 without MPI). */
int mp_mpi_rank(void);
int mp_mpi_size(void);

/* Collective: one verdict from every rank's status rc.  Returns 0 if
 * every rank passed 0; otherwise the code of the lowest failing rank on
 * every rank, whose error text (mp_errmsg) every rank then holds. */
int mp_mpi_agree(int rc);

#ifdef __cplusplus
}
#endif

#endif
