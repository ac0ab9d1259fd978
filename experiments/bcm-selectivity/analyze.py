#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""BCM selectivity: responses to each pattern and thresholds over time.

usage: analyze.py RECORD.nc OUT.png
Prints, per neuron, its preferred pattern, the final response to it and to
the others, and theta, against the fixed point K*y0.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

r = xr.open_dataset(sys.argv[1])
K = r.sizes["pattern"]
y0 = float(r.attrs["config_bcm_y0"])
target = K * y0
t = r.time.values
resp = r.response.values  # time, neuron, pattern
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for i in range(min(4, r.sizes["neuron"])):
    for k in range(K):
        axes[0].plot(t, resp[:, i, k], color=f"C{i}", lw=1,
                     alpha=1.0 if k == resp[-1, i].argmax() else 0.35)
    axes[1].plot(t, r.theta.values[:, i], color=f"C{i}", lw=1,
                 label=f"neuron {i}")
for ax in axes:
    ax.axhline(target, color="gray", ls=":", lw=1)
    ax.set_xlabel("time (s)")
axes[0].set_ylabel("response to each pattern alone")
axes[0].set_title(f"{K} orthonormal patterns: one wins, the rest go to 0",
                  fontsize=9)
axes[1].set_ylabel("sliding threshold theta")
axes[1].set_title(f"theta -> K y0 = {target:g}", fontsize=9)
axes[1].legend(fontsize=8)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
fin = resp[-1]
print(f"{'neuron':>6} {'preferred':>9} {'response':>9} {'others max':>10}"
      f" {'theta':>7}")
for i in range(fin.shape[0]):
    k = fin[i].argmax()
    others = np.delete(fin[i], k).max()
    print(f"{i:>6} {k:>9} {fin[i, k]:>9.4f} {others:>10.2e}"
          f" {r.theta.values[-1, i]:>7.4f}")
print(f"fixed point: response K*y0 = {target:g}, theta = {target:g}")
print(f"figure: {sys.argv[2]}")
