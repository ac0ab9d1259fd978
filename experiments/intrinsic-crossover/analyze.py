#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Intrinsic plasticity and the LTP/LTD crossover.

usage: analyze.py RUNS_DIR OUT.png "HISTORIES" "LEVELS"

For each neuron, the change of its synaptic drive h = sum_j w_j x_j (at
the normal input) over a 10 s test at input level s: the response to
the pattern alone divided by the gain (the bias stays 0 with the gain
rule).  Its sign changes at the measured crossover s_x (interpolated
between test levels), compared with the prediction
s_x = (theta + b) / (a h1) from the neuron's threshold theta and gain a
at the end of its history and its drive h1 at the normal input.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

runs, png = sys.argv[1], sys.argv[2]
histories, levels = sys.argv[3].split(), sys.argv[4].split()
s = np.array([float(x) for x in levels])


def gain_of(r, i):
    return r.ip_gain.values[i] if "ip_gain" in r else np.ones(r.neuron.size)


def test(h, ip):
    """Change of each neuron's drive (%) at each level: (levels, neurons);
    its drive at the normal input, h1."""
    dw = []
    for lv in levels:
        r = xr.open_dataset(f"{runs}/test-{h}-{ip}-{lv}/record.nc")
        h1 = r.response.values[0, :, 0]  # gain 1 at the start
        end = r.response.values[-1, :, 0] / gain_of(r, -1)
        dw.append(100 * (end / h1 - 1))
    return np.array(dw), h1


def crossing(dw):
    """Per neuron, the level where the change turns from - to +.  The
    change is dt eta x y (y - theta) with x and y proportional to s:
    divided by s^2 it is linear in s, and interpolated linearly."""
    g = dw / s[:, None] ** 2
    out = np.full(dw.shape[1], np.nan)
    for i in range(dw.shape[1]):
        k = np.nonzero((g[:-1, i] < 0) & (g[1:, i] >= 0))[0]
        if len(k):
            k = k[0]
            f = -g[k, i] / (g[k + 1, i] - g[k, i])
            out[i] = s[k] + f * (s[k + 1] - s[k])
    return out


fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
print(f"{'history':>8} {'IP':>4} {'gain a':>7} {'theta':>7}"
      f" {'predicted s_x':>14} {'measured s_x':>13} {'max |error|':>12}")
for c, h in enumerate(histories):
    for ip, ls in (("on", "-"), ("off", "--")):
        dw, h1 = test(h, ip)
        hist = xr.open_dataset(f"{runs}/history-{h}-{ip}/record.nc")
        a, theta = gain_of(hist, -1), hist.theta.values[-1]
        pred = theta / (a * h1)
        meas = crossing(dw)
        err = np.nanmax(np.abs(meas / pred - 1))
        print(f"{h:>8} {ip:>4} {a.mean():>7.3f} {theta.mean():>7.3f}"
              f" {pred.mean():>14.3f} {meas.mean():>13.3f} {err:>12.1e}")
        ax.plot(s, dw.mean(axis=1), ls, color=f"C{c}", marker="o", ms=3,
                label=f"history x{h}, intrinsic plasticity {ip}")
        ax.plot(meas.mean(), 0, "x", color=f"C{c}", ms=9, mew=2)
        ax.axvline(pred.mean(), color=f"C{c}", ls=ls, lw=0.8, alpha=0.6)
        t = hist.time.values / 3600
        if ip == "on":
            bx.plot(t, hist.ip_gain.values.mean(axis=1), color=f"C{c}",
                    label=f"gain a, history x{h}")
        bx.plot(t, hist.theta.values.mean(axis=1), ls=":" if ip == "off"
                else "-.", color=f"C{c}", label=f"theta, x{h}, IP {ip}")
ax.axhline(0, color="0.5", lw=0.8)
ax.set_xscale("log")
ax.set_yscale("symlog", linthresh=0.01)
ax.set_ylim(-30, 3e3)
ax.set_xlabel("test input level s (x normal input)")
ax.set_ylabel("change of the synaptic drive in 10 s (%, mean of 8)")
ax.set_title("LTP/LTD crossover: x measured, lines (theta + b) / (a h1)",
             fontsize=9)
ax.legend(fontsize=7, loc="upper left")
bx.set_yscale("log")
bx.set_xlabel("time in the history (h)")
bx.set_ylabel("gain a, threshold theta (mean of 8 neurons)")
bx.set_title("during the 8 h history (no weight changes)", fontsize=9)
bx.legend(fontsize=6, ncol=2, loc="lower left")
fig.tight_layout()
fig.savefig(png, dpi=100)
print(f"figure: {png}")
