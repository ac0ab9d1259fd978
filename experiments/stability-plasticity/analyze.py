#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Stability vs plasticity: weights, responses and rates under four rules.

usage: analyze.py RUNS_DIR OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

RUNS = [("hebbian", "Hebbian (theta = 0)"),
        ("bcm", "BCM, tau_theta = 1 s"),
        ("bcm-hopf", "BCM, tau_theta = 40 s (past Hopf)"),
        ("bcm-scaling", "BCM + scaling every 10 s")]

fig, axes = plt.subplots(1, 3, figsize=(13, 4))
print(f"{'rule':<34} {'w_mean end':>10} {'peak resp':>10} {'final pref':>10}"
      f" {'final 2nd':>9} {'mean rate':>9}")
for i, (name, label) in enumerate(RUNS):
    r = xr.open_dataset(f"{sys.argv[1]}/{name}/record.nc")
    t = r.time.values
    resp = r.response.values
    pref = resp.max(axis=2).mean(axis=1)
    axes[0].plot(t, r.w_mean.values, color=f"C{i}", label=label)
    axes[1].plot(t, pref, color=f"C{i}")
    axes[2].plot(t, r.rate.values.mean(axis=1), color=f"C{i}")
    fin = np.sort(resp[-1], axis=1)
    print(f"{label:<34} {r.w_mean.values[-1]:>10.3f} {resp.max():>10.3f}"
          f" {fin[:, -1].mean():>10.3f} {fin[:, -2].mean():>9.3f}"
          f" {r.rate.values[-1].mean():>9.3f}")
axes[0].set_ylabel("mean weight")
axes[1].set_ylabel("preferred response (mean over neurons)")
axes[2].set_ylabel("mean rate (last interval)")
for ax in axes:
    ax.set_xlabel("time (s)")
axes[0].legend(fontsize=8)
axes[1].axhline(4, color="gray", ls=":", lw=1)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"figure: {sys.argv[2]}")
