#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Synaptic scaling: rates converge to the target, weight ratios kept.

usage: analyze.py RUNS_DIR OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

fig, ax = plt.subplots(figsize=(6.5, 4.2))
print(f"{'start':>14} {'rate at 0':>10} {'rate at 12 h':>12}"
      f" {'rate at 24 h':>12} {'spread of w ratios':>18}")
for i, w in enumerate(["0.05", "2"]):
    r = xr.open_dataset(f"{sys.argv[1]}/w{w}/record.nc")
    t = r.time.values / 3600
    rate = r.rate.values.mean(axis=1)
    ax.plot(t[1:], rate[1:], color=f"C{i}", label=f"w_init = {w}")
    # Weight ratios: the response to each pattern scales with one factor
    # per neuron, so response(t)/response(0) is the same for all patterns.
    resp = r.response.values
    ratio = resp[-1] / np.where(resp[1] > 0, resp[1], np.nan)
    spread = np.nanmax(np.nanstd(ratio, axis=1) / np.nanmean(ratio, axis=1))
    print(f"{'w_init = ' + w:>14} {rate[1]:>10.3f}"
          f" {rate[np.searchsorted(t, 12)]:>12.3f} {rate[-1]:>12.3f}"
          f" {spread:>18.2e}")
target = float(r.attrs["config_scaling_target"])
ax.axhline(target, color="gray", ls=":", lw=1)
ax.set_yscale("log")
ax.set_xlabel("time (h)")
ax.set_ylabel("mean rate over 10 min (mean over neurons)")
ax.set_title(f"scaling every hour toward r* = {target:g}", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"figure: {sys.argv[2]}")
