#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Neuromodulator gating: how fast, and whether, a pattern is stored.

usage: analyze.py RUNS_DIR OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

LEVELS = ["0", "0.5", "1", "2"]
fig, ax = plt.subplots(figsize=(6.5, 4.2))
print(f"{'m':>4} {'t to 90% of K*y0*m':>20} {'pref at 100 s':>14}"
      f" {'pref at end':>12} {'weights changed':>16}")
for i, m in enumerate(LEVELS):
    r = xr.open_dataset(f"{sys.argv[1]}/m{m}/record.nc")
    t = r.time.values
    pref = r.response.values.max(axis=2).mean(axis=1)
    ax.plot(t, pref, color=f"C{i}", label=f"m = {m}")
    mv = float(m)
    if mv > 0:
        # With theta_eff = theta / m the selective fixed point moves to
        # y = theta_eff = y^2 / (K y0 m), i.e. y = K y0 m.
        goal = 4 * mv
        hit = np.nonzero(pref >= 0.9 * goal)[0]
        t90 = f"{t[hit[0]]:.0f} s" if len(hit) else "not reached"
    else:
        t90 = "never (frozen)"
    changed = float(np.abs(r.w_mean.values - r.w_mean.values[0]).max())
    at100 = pref[np.searchsorted(t, 100.0)]
    print(f"{m:>4} {t90:>20} {at100:>14.3f} {pref[-1]:>12.3f}"
          f" {changed:>16.3g}")
ax.set_xlabel("time (s)")
ax.set_ylabel("preferred response (mean over neurons)")
ax.set_title("The same input, four modulator levels", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
print(f"figure: {sys.argv[2]}")
