#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Memory capacity: lifetime against N, simulation and exact theory.

usage: analyze.py RUNS_DIR OUT.png
Reads RUNS_DIR/{binary-fixed,binary-scaled,cascade}/sweep.nc (metaplast
collect).  Prints lifetimes per N and the log-log slope of the exact
lifetime against N from 1e5 to 1e7 (1/2 for sqrt N; a log N law has a
slope that falls toward 0).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

FAMILIES = [("binary-fixed", "binary, q = 0.1"),
            ("binary-scaled", "binary, q = 3/sqrt(N)"),
            ("cascade", "cascade, n = log2 sqrt(N) + 2")]

fig, ax = plt.subplots(figsize=(6.8, 4.8))
print(f"{'family':<32} {'N':>8} {'lifetime sim':>13} {'theory':>8}")
slopes = {}
for i, (name, label) in enumerate(FAMILIES):
    s = xr.open_dataset(f"{sys.argv[1]}/{name}/sweep.nc")
    n = s.ensemble_synapses.values
    sim = s.lifetime.values.reshape(-1)
    th = s.lifetime_theory.values.reshape(-1)
    ax.plot(n, th, "-", color=f"C{i}", label=f"{label} (theory)")
    ax.plot(n, sim, "o", color=f"C{i}", mfc="none",
            label=f"{label} (simulation)")
    for k in range(len(n)):
        print(f"{label:<32} {n[k]:>8.0e} {sim[k]:>13.0f} {th[k]:>8.0f}")
    sel = n >= 1e5
    slopes[label] = np.polyfit(np.log(n[sel]), np.log(th[sel]), 1)[0]
nn = np.array([1e4, 1e7])
ax.plot(nn, 30 * np.sqrt(nn / 1e4), ":", color="gray", lw=1)
ax.text(2e6, 30 * np.sqrt(2e6 / 1e4) * 1.15, "~ sqrt(N)", color="gray",
        fontsize=8)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("synapses N")
ax.set_ylabel("memory lifetime (largest age with SNR >= 1)")
ax.set_title("Memory capacity: sqrt(N) for cascade and scaled binary, "
             "log N for fixed q", fontsize=9)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
for label, sl in slopes.items():
    print(f"slope d log(lifetime) / d log(N), N = 1e5..1e7, {label}: "
          f"{sl:.3f}")
print(f"figure: {sys.argv[2]}")
