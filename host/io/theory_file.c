/* SPDX-License-Identifier: MIT */
/* theory_file.c: an ensemble's exact theory, or an attractor network's
 * approximate one, computed and written as theory.nc in one call, for
 * script bindings (python/). */
#include <stdlib.h>

#include "metaplast/attractor.h"
#include "metaplast/error.h"
#include "metaplast/io.h"
#include "metaplast/private/util.h"

/* An attractor network's theory counts time in memories only. */
static int attr_theory_file(const char *path, const struct mp_config *cfg,
                            int poisson, const struct mp_provenance *prov)
{
    struct mp_attr_curve c;
    int rc;
    if (poisson)
        return mp__fail(MP_EINVAL, "run.paradigm = attractor: the theory "
                                   "of an attractor network is in memories "
                                   "only (no Poisson time)");
    rc = mp_attr_theory(cfg, &c);
    if (!rc)
        rc = mp_io_attr_theory_write(path, cfg, &c, prov);
    mp_attr_curve_fini(&c);
    return rc;
}

int mp_io_theory_file(const char *path, const struct mp_config *cfg,
                      int poisson, const struct mp_provenance *prov)
{
    struct mp_theory th;
    const size_t n = mp_config_ages(cfg, NULL, 0);
    uint64_t *ages = calloc(n ? n : 1, sizeof *ages);
    double *v = calloc(4 * (n ? n : 1), sizeof *v);
    int rc;
    if (cfg->paradigm == MP_PARADIGM_ATTRACTOR)
        rc = attr_theory_file(path, cfg, poisson, prov);
    else if (cfg->paradigm != MP_PARADIGM_ENSEMBLE)
        rc = mp__fail(MP_EINVAL, "run.paradigm = network: the theory is "
                                 "for synapse ensembles and attractor "
                                 "networks");
    else if (!ages || !v)
        rc = mp__fail(MP_ENOMEM, "theory of %zu ages: out of memory", n);
    else {
        mp_config_ages(cfg, ages, n);
        rc = mp_theory_compute(cfg, &th);
        if (!rc)
            rc = mp_theory_curve(cfg, ages, n, v, v + n);
        if (!rc && poisson)
            rc = mp_theory_curve_clock(cfg, MP_CLOCK_POISSON, ages, n,
                                       v + 2 * n, v + 3 * n);
        if (!rc)
            rc = mp_io_theory_write(path, cfg, ages, n, v, v + n,
                                    poisson ? v + 2 * n : NULL,
                                    poisson ? v + 3 * n : NULL, &th, prov);
    }
    free(ages);
    free(v);
    return rc;
}
