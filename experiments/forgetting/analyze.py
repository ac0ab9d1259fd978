#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Forgetting curves: simulation against the exact theory, log-log.

usage: analyze.py RUNS_DIR OUT.png

Reads RUNS_DIR/<model>/record.nc (simulation, with the theory at the same
ages) and RUNS_DIR/<model>/theory.nc (dense exact curve, drawn as lines).
Prints, per model, the exponent a of E[m(t)] ~ t^-a fitted over a stated
age range to the simulation and to the theory at the same ages with the
same weights (each point's signal over its standard error), the largest
deviation between simulation and theory in standard errors over all ages,
and the lifetimes.
Needs Debian's python3-xarray, python3-netcdf4, python3-matplotlib.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

# name, label, fit range of ages (inclusive).  Cascade: from 10 to a
# quarter of its cut-off 2^(n-1), where MODELS.md expects the power law.
MODELS = [
    ("binary", "binary, q = 0.1", None),
    ("cascade5", "cascade, n = 5", (4, 16)),
    ("cascade10", "cascade, n = 10", (10, 128)),
    ("cascade15", "cascade, n = 15", (10, 4096)),
    ("serial", "serial, M = 10, q = 0.5", None),
]


def fit(t, m, w=None):
    """Least-squares slope of log m against log t: returns a in t^-a."""
    x, y = np.log(t), np.log(m)
    if w is None:
        w = np.ones_like(x)
    A = np.vstack([x, np.ones_like(x)]).T * w[:, None]
    slope, _ = np.linalg.lstsq(A, y * w, rcond=None)[0]
    return -slope


def main(runs, png):
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    print(f"{'model':<24} {'fit range':>12} {'a (sim)':>14} {'a (theory)':>10}"
          f" {'max |z|':>8} {'lifetime sim/theory':>20}")
    for i, (name, label, rng) in enumerate(MODELS):
        rec = xr.open_dataset(f"{runs}/{name}/record.nc")
        th = xr.open_dataset(f"{runs}/{name}/theory.nc")
        t = rec.age.values.astype(float)
        m, sem, mt = (rec.signal.values, rec.signal_sem.values,
                      rec.signal_theory.values)
        z = np.abs(m - mt) / sem
        color = f"C{i}"
        tt = np.maximum(th.age.values.astype(float), 0.5)
        ax.plot(tt, th.signal.values, "-", color=color, lw=1.2, label=label)
        # Points the simulation resolves (above 3 standard errors).
        ok = m > 3 * sem
        tp = np.maximum(t, 0.5)
        ax.errorbar(tp[ok], m[ok], yerr=sem[ok], fmt="o", ms=3.5,
                    color=color, mfc="none")
        a_sim = a_th = float("nan")
        rtxt = "-"
        if rng:
            # The same ages and weights (1/relative error) for both fits.
            sel = ok & (t >= rng[0]) & (t <= rng[1])
            a_sim = fit(t[sel], m[sel], m[sel] / sem[sel])
            a_th = fit(t[sel], mt[sel], m[sel] / sem[sel])
            rtxt = f"{rng[0]}-{rng[1]}"
        life = (f"{rec.attrs['lifetime']:.0f} / "
                f"{rec.attrs['theory_lifetime']:.0f}")
        print(f"{label:<24} {rtxt:>12} {a_sim:>14.3f} {a_th:>10.3f}"
              f" {np.nanmax(z):>8.2f} {life:>20}")
    n = int(xr.open_dataset(f"{runs}/cascade10/record.nc")
            .attrs["config_ensemble_synapses"])
    ax.axhline(1 / np.sqrt(n), color="gray", ls=":", lw=1)
    ax.text(1.2, 1.15 / np.sqrt(n), "SNR = 1", color="gray", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(3e-6, 0.6)
    ax.set_xlim(0.5, 6e4)
    ax.set_xlabel("age t (memories stored since; t = 0 plotted at 0.5)")
    ax.set_ylabel("memory signal E[m(t)]")
    ax.set_title(f"Forgetting, N = {n:.0e} synapses: simulation (points, "
                 "+-1 s.e.) and exact theory (lines)", fontsize=9)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"figure: {png}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
