#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Model zoo: forgetting curves of six synapse models, simulation against
the exact theory in both clocks, and the summary numbers of each.

usage: analyze.py RUNS_DIR OUT.png

Reads, per model, RUNS_DIR/<model>/record.nc (simulation, N = 10^6, with
the theory at the same ages), RUNS_DIR/<model>/theory.nc (dense exact
curves, memories and Poisson time) and RUNS_DIR/<model>/N1e9/theory.nc
(the summary numbers at N = 10^9); and RUNS_DIR/bf_theory/m<M>_N1e<k>/
theory.nc (Benna-Fusi chains, theory only).  Prints:
- per model: SNR(0), area, lifetimes at N = 10^6 and 10^9 in both clocks,
  with the Lahiri-Ganguli bounds (discrete models only), and the largest
  deviation of the simulation from the theory in standard errors;
- Benna-Fusi: the slope of log SNR against log t over the middle decades
  (m = 6 and m = 16, both clocks), and the lifetime against N.
Needs Debian's python3-xarray, python3-netcdf4, python3-matplotlib.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

# name, label, internal states (None: continuous, no bounds)
MODELS = [
    ("binary", "binary, q = 0.1", 2),
    ("cascade10", "cascade, n = 10", 20),
    ("serial", "serial, M = 10, q = 0.5", 10),
    ("skip10", "skip serial (markov), M = 10", 10),
    ("lgtri12", "random triangular (markov), 12", 12),
    ("bf6", "Benna-Fusi, m = 6", None),
]
# Benna-Fusi chains (theory only): m, fit range of ages (inclusive), the
# middle decades between the fastest time constant C_1/g_12 = 8 and the
# slowest mode (18654 memories for m = 6, 2.0e10 for m = 16).
BF = [(6, (1e2, 1e3)), (16, (1e2, 1e8))]
BF_N = [6, 8, 10, 12]


def slope(t, y):
    """Least-squares slope of log y against log t."""
    return np.polyfit(np.log(t), np.log(y), 1)[0]


def fmt_life(x):
    return f"{x:.0f}" if x < 1e6 else f"{x:.3g}"


def main(runs, png):
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.5))
    rows = []
    print(f"{'model':<30} {'S':>3} {'SNR(0) [bound]':>17} {'area [bound]':>19}"
          f" {'lifetime N=1e6: mem / Poisson [bound]':>40}"
          f" {'lifetime N=1e9: mem / Poisson [bound]':>42} {'max|z|':>7}")
    for i, (name, label, states) in enumerate(MODELS):
        rec = xr.open_dataset(f"{runs}/{name}/record.nc")
        th = xr.open_dataset(f"{runs}/{name}/theory.nc")
        t9 = xr.open_dataset(f"{runs}/{name}/N1e9/theory.nc")
        t = rec.age.values.astype(float)
        s, se, st = rec.snr.values, rec.snr_sem.values, rec.snr_theory.values
        z = np.abs(s - st) / se
        color = f"C{i}"
        tt = np.maximum(th.age.values.astype(float), 0.5)
        ax.plot(tt, th.snr.values, "-", color=color, lw=1.2, label=label)
        ax.plot(tt, th.snr_poisson.values, "--", color=color, lw=1.0)
        ok = s > 3 * se  # points the simulation resolves
        tp = np.maximum(t, 0.5)
        ax.errorbar(tp[ok], s[ok], yerr=se[ok], fmt="o", ms=3.2, color=color,
                    mfc="none", lw=0.8)
        a6, a9 = rec.attrs, t9.attrs
        if states:
            b = (f" [{a6['theory_bound_snr0']:.0f}]",
                 f" [{a6['theory_bound_area']:.0f}]",
                 f" [{a6['theory_bound_lifetime_poisson']:.0f}]",
                 f" [{a9['theory_bound_lifetime_poisson']:.0f}]")
        else:
            b = (" [-]",) * 4
        row = (label, states or "-",
               f"{a6['theory_snr0']:.1f}{b[0]}",
               f"{a6['theory_area_snr']:.0f}{b[1]}",
               f"{fmt_life(a6['theory_lifetime'])} / "
               f"{a6['theory_lifetime_poisson']:.1f}{b[2]}",
               f"{fmt_life(a9['theory_lifetime'])} / "
               f"{fmt_life(a9['theory_lifetime_poisson'])}{b[3]}",
               f"{np.nanmax(z):.2f}")
        rows.append(row)
        print(f"{row[0]:<30} {row[1]:>3} {row[2]:>17} {row[3]:>19}"
              f" {row[4]:>40} {row[5]:>42} {row[6]:>7}")
    print("(SNR(0) and area at N = 10^6; both scale as sqrt(N).  Bounds: "
          "Lahiri & Ganguli 2013, SNR(0) <= sqrt(N), area <= sqrt(N)(S-1),"
          " lifetime <= sqrt(N)(S-1)/e in Poisson time.)")
    print("\nmarkdown:")
    print("| model | S | SNR(0) [bound] | area [bound] | lifetime, N = 10^6:"
          " memories / Poisson [bound] | lifetime, N = 10^9: memories /"
          " Poisson [bound] | max \\|z\\| |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")

    n = int(float(xr.open_dataset(f"{runs}/bf6/record.nc")
                  .attrs["config_ensemble_synapses"]))
    ax.axhline(1, color="gray", ls=":", lw=1)
    ax.text(0.6, 1.1, "SNR = 1", color="gray", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.3, 400)
    ax.set_xlim(0.5, 5e3)
    ax.set_xlabel("age t (memories; t = 0 plotted at 0.5)")
    ax.set_ylabel("SNR")
    ax.set_title(f"N = {n:.0e}: simulation (points, +-1 s.e.), exact theory"
                 " in memories (solid) and Poisson time (dashed)", fontsize=8)
    ax.legend(fontsize=8, loc="lower left")

    # Benna-Fusi from the theory alone.
    print("\nBenna-Fusi (theory): slope of log SNR against log t")
    for k, (m, rng) in enumerate(BF):
        th = xr.open_dataset(f"{runs}/bf_theory/m{m}_N1e6/theory.nc")
        t = th.age.values.astype(float)
        sel = (t >= rng[0]) & (t <= rng[1])
        sm = slope(t[sel], th.snr.values[sel])
        sp = slope(t[sel], th.snr_poisson.values[sel])
        print(f"  m = {m:2d}, ages {rng[0]:.0e}-{rng[1]:.0e}: slope {sm:.4f}"
              f" (memories), {sp:.4f} (Poisson time)")
        tt = np.maximum(t, 0.5)
        bx.plot(tt, th.snr.values, "-", color=f"C{5 + k}",
                label=f"m = {m}, N = 1e6 (slope {sm:.3f} over "
                f"{rng[0]:.0e}-{rng[1]:.0e})")
        bx.plot(tt, th.snr_poisson.values, "--", color=f"C{5 + k}", lw=1)
    tr = np.array([1e2, 1e8])
    bx.plot(tr, 1.5 * 231.7 * (tr / 10) ** -0.5, ":", color="k", lw=1,
            label="t^(-1/2)")
    bx.axhline(1, color="gray", ls=":", lw=1)
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_ylim(1e-3, 400)
    bx.set_xlim(0.5, 1e11)
    bx.set_xlabel("age t (memories)")
    bx.set_ylabel("SNR (theory)")
    bx.set_title("Benna-Fusi chains, exact theory: memories (solid), "
                 "Poisson time (dashed)", fontsize=8)
    bx.legend(fontsize=8, loc="lower left")

    print("\nBenna-Fusi (theory): lifetime against N (memories)")
    print(f"  {'N':>6} " + " ".join(
        f"{'m=' + str(m) + ' lifetime':>16} {'/N':>10} {'exp.':>6}"
        for m, _ in BF))
    life = {m: [] for m, _ in BF}
    for e in BF_N:
        line = f"  {'1e' + str(e):>6} "
        for m, _ in BF:
            a = xr.open_dataset(f"{runs}/bf_theory/m{m}_N1e{e}/theory.nc").attrs
            life[m].append(a["theory_lifetime"])
            L = life[m]
            ex = (np.log(L[-1] / L[-2]) / np.log(100) if len(L) > 1
                  else float("nan"))
            line += f"{L[-1]:>16.4g} {L[-1] / 10**e:>10.3g} {ex:>6.3f} "
        print(line)
    for m, _ in BF:
        ex = slope(10.0 ** np.array(BF_N), np.array(life[m]))
        print(f"  m = {m:2d}: fitted exponent of lifetime ~ N^b over "
              f"1e6-1e12: b = {ex:.3f}")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"figure: {png}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
