#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""analyze.py OUT: the attractor-capacity figures from run.sh's records.

capacity.png   capacity (largest age retrieved with probability >= 1/2,
               interpolated) against N for each synapse family, beside the
               mean-field estimate and the ideal observer's lifetime of the
               same synapses (exact theory, SNR >= 1)
retrieved.png  retrieved fraction and mean overlap against age, largest N
spacing.png    one presentation, three massed, three spaced (blocks of 10)
summary.txt    the numbers of the figures
"""
import glob
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import xarray as xr  # noqa: E402

FAMILIES = [("binary-scaled", "binary, q = 3/sqrt(N)", "C0"),
            ("binary-fixed", "binary, q = 0.2", "C1"),
            ("cascade", "cascade, n = 6", "C2")]


UNFINISHED = []


def finished(ds):
    return int(ds.attrs["memories_done"]) >= int(ds.attrs["memories_total"])


def records(out, family):
    """The finished runs of a family, by N; unfinished ones are noted."""
    rs = []
    for path in glob.glob(os.path.join(out, family, "N*", "record.nc")):
        with xr.open_dataset(path) as ds:
            if finished(ds):
                rs.append(ds.load())
            elif path not in UNFINISHED:
                UNFINISHED.append(path)
    return sorted(rs, key=lambda d: int(d.attrs["neurons"]))


def slope(N, y):
    """Least-squares slope of log y against log N."""
    x = [math.log(n) for n in N]
    v = [math.log(c) for c in y]
    mx, mv = sum(x) / len(x), sum(v) / len(v)
    return (sum((a - mx) * (b - mv) for a, b in zip(x, v)) /
            sum((a - mx) ** 2 for a in x))


def capacity_figure(out, lines):
    fig, ax = plt.subplots(figsize=(8.6, 4.6))
    lines.append("family  N  capacity(interp)  grid  mean-field  "
                 "ideal-observer-lifetime  probes(age 0)")
    for fam, label, col in FAMILIES:
        rs = records(out, fam)
        if not rs:
            continue
        N = [int(r.attrs["neurons"]) for r in rs]
        cap = [float(r.attrs["capacity_interp"]) for r in rs]
        th = [float(r.attrs["capacity_theory"]) for r in rs]
        io = [float(r.attrs["lifetime_ideal_observer"]) for r in rs]
        ax.plot(N, cap, "o-", color=col, label=f"{label}: network")
        ax.plot(N, th, "x--", color=col, alpha=0.7,
                label="  mean-field estimate")
        ax.plot(N, io, "s:", color=col, alpha=0.5,
                label="  ideal observer, same synapses")
        for r, n, c, t, i in zip(rs, N, cap, th, io):
            lines.append(f"{fam}  {n}  {c:.3f}  {float(r.attrs['capacity']):g}"
                         f"  {t:g}  {i:g}  {int(r.probes[0])}")
        if len(N) > 1 and min(cap) > 0:
            lines.append(f"  capacity ~ N^{slope(N, cap):.3f} "
                         f"(log-log fit over N = {N[0]}..{N[-1]}); ideal "
                         f"observer ~ N^{slope(N, io):.3f}")
        if fam == "binary-scaled" and len(N) > 1:
            ratio = cap[-1] / cap[0]
            lines.append(f"  capacity ratio N={N[-1]}/N={N[0]}: {ratio:.3f}"
                         f" (sqrt: {math.sqrt(N[-1] / N[0]):.3f})")
        if fam == "binary-fixed" and len(N) > 1:
            per_ln = (cap[-1] - cap[0]) / math.log(N[-1] / N[0])
            lines.append(f"  d capacity / d ln N: {per_ln:.3f} (theory "
                         f"1/(2|ln(1-q)|) = {1 / (2 * abs(math.log(0.8))):.3f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("neurons N (N(N-1)/2 tied synapses)")
    ax.set_ylabel("memories")
    ax.set_title("Attractor capacity (retrieved with p >= 1/2 from 10% noise)")
    ax.legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "capacity.png"), dpi=120)


def retrieved_figure(out):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for fam, label, col in FAMILIES:
        rs = records(out, fam)
        if not rs:
            continue
        r = rs[-1]
        n = int(r.attrs["neurons"])
        age = r.age.values + 1  # log axis: age + 1
        a1.errorbar(age, r.retrieved, r.retrieved_sem, fmt="o-", ms=3,
                    color=col, label=f"{label}, N = {n}")
        a2.errorbar(age, r.overlap, r.overlap_sem, fmt="o-", ms=3, color=col)
        a2.plot(age, r.overlap_theory, "--", color=col, alpha=0.6)
    for a in (a1, a2):
        a.set_xscale("log")
        a.set_xlabel("age + 1 (memories)")
    a1.set_ylabel("fraction retrieved (overlap >= 0.9)")
    a2.set_ylabel("final overlap (dashed: mean-field, f = 1/2)")
    a1.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "retrieved.png"), dpi=120)


def spacing_figure(out, lines):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lines.append("spacing (cascade n = 6): capacity(interp)  grid  "
                 "retrieved at ages 0, 5, 10, 20")
    n = None
    for name, label in [("once", "once"), ("massed", "3x massed"),
                        ("spaced", "3x spaced (blocks of 10)")]:
        path = os.path.join(out, "spacing", name, "record.nc")
        if not os.path.exists(path):
            continue
        with xr.open_dataset(path) as r:
            if not finished(r):
                UNFINISHED.append(path)
                continue
            n = int(r.attrs["neurons"])
            ax.errorbar(r.age.values + 1, r.retrieved, r.retrieved_sem,
                        fmt="o-", ms=3, label=label)
            at = [f"{float(r.retrieved.sel(age=a, method='nearest')):.2f}"
                  for a in (0, 5, 10, 20)]
            lines.append(f"  {name} (N = {n}): "
                         f"{float(r.attrs['capacity_interp']):.3f}  "
                         f"{float(r.attrs['capacity']):g}  {' '.join(at)}")
    ax.set_xscale("log")
    ax.set_xlabel("age + 1 (memories)")
    ax.set_ylabel("fraction retrieved")
    ax.set_title(f"Massed vs spaced presentations, cascade n = 6, N = {n}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "spacing.png"), dpi=120)


def main():
    out = sys.argv[1]
    lines = []
    capacity_figure(out, lines)
    retrieved_figure(out)
    spacing_figure(out, lines)
    for path in UNFINISHED:
        lines.append(f"not finished (left out): {path}")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
