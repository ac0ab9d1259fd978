#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Continual learning: how fast each synapse kind learns the newest task,
and how much of every earlier task's selectivity it keeps.

usage: analyze.py RUNS_DIR OUT.png
RUNS_DIR holds <kind>-s<seed>/record.nc (run.sh).  The protocol and tau_w
come from the records' typed attributes config_<section>_<key> (a time in
seconds; a list as its text).

Task g is the pair of patterns protocol phase g shows.  Each neuron's
preferred pattern of task g is the one it answers most at the end of
phase g; the task's selectivity at any time is the mean over neurons of
(response to the preferred pattern - response to the other), in units of
rate (the fixed point's is 2 y0 = 2).  Learning time: from the start of a
task's phase until its selectivity has risen by RISE.  Retention of task g
after task u: its selectivity at the end of phase u over its selectivity
at the end of phase g.  Means over the tasks and seeds; +- one standard
error over the seeds.
"""
import glob
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

RISE = 0.5  # a quarter of the fixed point's selectivity
KINDS = [("continuous", "continuous BCM"),
         ("binary", "binary gated (q = 1/2)"),
         ("cascade", "cascade gated (n = 5)"),
         ("cascade8", "cascade gated (n = 8)"),
         ("cascade8slow", "cascade gated (n = 8), slower: not matched")]


UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text):
    """A time as the config writes it ("200s", "2e+02s", "30min")."""
    m = re.fullmatch(r"\s*([-+0-9.eE]+?)\s*(ms|s|min|h|d)\s*", text)
    if not m:
        raise ValueError(f"not a time with a unit: {text!r}")
    return float(m[1]) * UNITS[m[2]]


def phases(r):
    """The tasks (patterns of each protocol phase) and the phases' start
    and end times, from the typed config attributes (lists are text)."""
    durs = [seconds(x)
            for x in str(r.attrs["config_protocol_durations"]).split(",")]
    tasks = [[int(v) for v in x.strip().split("+")]
             for x in str(r.attrs["config_protocol_patterns"]).split(",")]
    ends = np.cumsum(durs)
    return tasks, ends - np.array(durs), ends


def analyse(path):
    """Selectivity curves, learning times and retention of one run."""
    r = xr.open_dataset(path)
    R = r.response.values  # time, neuron, pattern
    t = r.time.values
    tasks, starts, ends = phases(r)
    G, n = len(tasks), np.arange(R.shape[1])
    at = [int(np.argmin(abs(t - e))) for e in ends]
    sel = np.zeros((G, len(t)))
    learn, ret = np.full(G, np.nan), np.full((G, G), np.nan)
    for g, pair in enumerate(tasks):
        pref = np.array(pair)[R[at[g]][:, pair].argmax(axis=1)]
        other = np.where(pref == pair[0], pair[1], pair[0])
        sel[g] = np.mean(R[:, n, pref] - R[:, n, other], axis=1)
        inside = (t > starts[g]) & (t <= ends[g] + 1e-9)
        s0 = sel[g][np.argmin(abs(t - starts[g]))]
        hit = np.nonzero(sel[g][inside] >= s0 + RISE)[0]
        if len(hit):
            learn[g] = t[inside][hit[0]] - starts[g]
        ret[g, g:] = sel[g][at[g:]] / sel[g][at[g]]
    return dict(t=t, sel=sel, learn=learn, ret=ret, starts=starts,
                ends=ends, tau_w=float(r.attrs["config_bcm_tau_w"]))


def by_kind(root):
    out = {}
    for kind, _ in KINDS:
        runs = [analyse(p) for p in
                sorted(glob.glob(os.path.join(root, f"{kind}-s*",
                                              "record.nc")))]
        if runs:
            out[kind] = runs
    return out


def mean_sem(a, axis=0):
    a = np.asarray(a, float)
    k = np.sum(np.isfinite(a), axis=axis)
    return (np.nanmean(a, axis=axis),
            np.nanstd(a, axis=axis, ddof=1) / np.sqrt(np.maximum(k, 1)))


def by_age(run):
    """Retention at each age (later tasks learned), mean over tasks."""
    G = run["ret"].shape[0]
    return np.array([np.nanmean([run["ret"][g, g + a]
                                 for g in range(G - a)])
                     for a in range(G)])


def newest_curve(run, grid):
    """The newest task's selectivity against time since its phase began,
    averaged over the tasks, from its value at the start."""
    t, out = run["t"], []
    for g, (s, e) in enumerate(zip(run["starts"], run["ends"])):
        inside = (t >= s - 1e-9) & (t <= e + 1e-9)
        v = run["sel"][g][inside]
        out.append(np.interp(grid, t[inside] - s, v - v[0]))
    return np.mean(out, axis=0)


def report(data):
    print(f"{'synapses':<44} {'tau_w':>6} {'learning time (s)':>18}"
          f" {'selectivity at phase end':>25}")
    for kind, label in KINDS:
        if kind not in data:
            continue
        runs = data[kind]
        lt = mean_sem([np.nanmean(r["learn"]) for r in runs])
        end = mean_sem([np.mean([r["sel"][g][np.argmin(abs(r["t"] - e))]
                                 for g, e in enumerate(r["ends"])])
                        for r in runs])
        print(f"{label:<44} {runs[0]['tau_w']:>5g}s {lt[0]:>11.1f} +- "
              f"{lt[1]:<4.1f} {end[0]:>18.2f} +- {end[1]:.2f}")
    print("\nretention after 1, 2, 3, 4 later tasks (mean over tasks and "
          "seeds +- sem over seeds):")
    for kind, label in KINDS:
        if kind in data:
            m, s = mean_sem([by_age(r) for r in data[kind]])
            print(f"{label:<44} " + "  ".join(
                f"{m[a]:.2f} +- {s[a]:.2f}" for a in range(1, len(m))))
    print("\nretention matrix, task (row) after task (column), seed 1:")
    for kind, label in KINDS:
        if kind in data:
            print(f"  {label}")
            for row in data[kind][0]["ret"]:
                print("    " + " ".join("  .  " if np.isnan(v)
                                        else f"{v:5.2f}" for v in row))


def figure(data, path):
    fig, ax = plt.subplots(1, 3, figsize=(14, 4.2))
    grid = np.linspace(0, 200, 81)
    for i, (kind, label) in enumerate(KINDS):
        if kind not in data:
            continue
        runs, c = data[kind], f"C{i}"
        ls = ":" if kind == "cascade8slow" else "-"
        m, s = mean_sem([newest_curve(r, grid) for r in runs])
        ax[0].plot(grid, m, color=c, ls=ls, label=label)
        ax[0].fill_between(grid, m - s, m + s, color=c, alpha=0.2)
        m, s = mean_sem([r["sel"][0] for r in runs])
        ax[1].plot(runs[0]["t"], m, color=c, ls=ls, label=label)
        ax[1].fill_between(runs[0]["t"], m - s, m + s, color=c, alpha=0.2)
        m, s = mean_sem([by_age(r) for r in runs])
        ax[2].errorbar(np.arange(len(m)), m, s, color=c, ls=ls, marker="o",
                       capsize=3, label=label)
    ax[0].axhline(RISE, color="grey", lw=0.6)
    ax[0].set(xlabel="time since the task's phase began (s)",
              ylabel="gain in selectivity of the newest task",
              title="learning the newest task (mean of 5 tasks)")
    for e in data["continuous"][0]["ends"][:-1]:
        ax[1].axvline(e, color="grey", lw=0.6)
    ax[1].set(xlabel="time (s)", ylabel="selectivity of task 1",
              title="task 1, learned first, while tasks 2-5 follow")
    ax[2].set(xlabel="later tasks learned", ylabel="retention",
              title="retention of a task's selectivity", ylim=(0, 1.05),
              xticks=range(len(data["continuous"][0]["ends"])))
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"figure: {path}")


if __name__ == "__main__":
    d = by_kind(sys.argv[1])
    report(d)
    figure(d, sys.argv[2])
