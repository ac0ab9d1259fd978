#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""LTD priming of LTP: LTP of pathway B after LTD of pathway A, by delay.

usage: analyze.py RUNS_DIR OUT.png DELAY...   (delays as run.sh names them)

LTP of a run = response of pathway B alone (its summed synaptic drive
through the neuron) one minute after the 1-min test over the response
just before it, minus 1, in percent; mean and standard deviation over the
8 neurons.  The thresholds are read at the start of the test.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

runs, png, delays = sys.argv[1], sys.argv[2], sys.argv[3:]
UNITS = {"min": 60.0, "h": 3600.0, "s": 1.0}
BASELINE, INDUCTION = 6 * 3600.0, 15 * 60.0


def seconds(d):
    for u, f in UNITS.items():
        if d.endswith(u):
            return float(d[: -len(u)]) * f
    raise ValueError(d)


def test_of(kind, d):
    r = xr.open_dataset(f"{runs}/{kind}-{d}/record.nc")
    t = r.time.values
    t0 = BASELINE + INDUCTION + seconds(d)
    i0, i1 = np.searchsorted(t, t0), np.searchsorted(t, t0 + 120)
    resp = r.response.values[:, :, 1]
    ltp = 100 * (resp[i1] / resp[i0] - 1)
    theta = r.theta.values[i0]
    prime = (r.theta_priming.values[i0] if "theta_priming" in r
             else np.zeros_like(theta))
    return ltp, theta, prime, r


KINDS = [("naive", "naive (no LTD induction)", "0.45"),
         ("primed", "after LTD, theta = activity + priming", "C3"),
         ("activity", "after LTD, activity component alone", "C0")]
res = {k: [test_of(k, d) for d in delays] for k, _, _ in KINDS}
hours = np.array([seconds(d) / 3600 for d in delays])

# Pathway B is the same in the three runs of a delay (untouched until
# the test): each neuron's LTP over its naive LTP isolates the threshold.
print(f"{'delay':>7}" + "".join(f" {k + ' LTP %':>17}" for k, _, _ in KINDS)
      + f" {'primed/naive':>13} {'activity/naive':>15}"
      + f" {'theta naive':>12} {'theta_a':>8} {'P':>7}")
for j, d in enumerate(delays):
    line = f"{d:>7}"
    for k, _, _ in KINDS:
        ltp = res[k][j][0]
        line += f" {ltp.mean():>9.1f} ± {ltp.std():>5.1f}"
    for k, w in (("primed", 13), ("activity", 15)):
        ratio = 100 * res[k][j][0] / res["naive"][j][0]
        line += f" {f'{ratio.mean():.0f} ± {ratio.std():.0f} %':>{w}}"
    line += (f" {res['naive'][j][1].mean():>12.3f}"
             f" {res['primed'][j][1].mean():>8.3f}"
             f" {res['primed'][j][2].mean():>7.3f}")
    print(line)

fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
for k, label, col in KINDS:
    m = np.array([x[0].mean() for x in res[k]])
    s = np.array([x[0].std() for x in res[k]])
    ax.errorbar(hours, m, yerr=s, color=col, marker="o", ms=4, capsize=2,
                label=label)
ax.set_xscale("log")
ax.set_xticks([1 / 12, 0.25, 0.5, 1, 2, 4, 8])
ax.set_xticklabels(["5 min", "15 min", "30 min", "1 h", "2 h", "4 h", "8 h"])
ax.set_xlabel("delay between LTD induction (pathway A) and LTP test (B)")
ax.set_ylabel("LTP of pathway B (%, mean ± sd of 8 neurons)")
ax.set_title("LTP after LTD: harder at first, easier hours later",
             fontsize=9)
ax.legend(fontsize=8)

# The thresholds through the longest primed run, and the naive one.
r = res["primed"][-1][3]
n = res["naive"][-1][3]
t = (r.time.values - BASELINE) / 3600
keep = (t > -1) & (t < hours[-1] + INDUCTION / 3600)  # up to the test
tot = r.theta.values + r.theta_priming.values
bx.plot(t[keep], n.theta.values.mean(axis=1)[keep], color="0.45",
        label="naive theta")
bx.plot(t[keep], r.theta.values.mean(axis=1)[keep], color="C0",
        label="primed: activity component theta_a")
bx.plot(t[keep], r.theta_priming.values.mean(axis=1)[keep], color="C2",
        label="primed: priming component P")
bx.plot(t[keep], tot.mean(axis=1)[keep], color="C3",
        label="primed: theta_a + P")
bx.axvspan(0, INDUCTION / 3600, color="C0", alpha=0.15, lw=0)
bx.set_xlabel("time from the LTD induction (h)")
bx.set_ylabel("threshold (mean of 8 neurons)")
bx.set_title(f"thresholds up to the test of the {delays[-1]} run "
             "(shaded: induction)", fontsize=9)
bx.legend(fontsize=8)
fig.tight_layout()
fig.savefig(png, dpi=100)
print(f"figure: {png}")
