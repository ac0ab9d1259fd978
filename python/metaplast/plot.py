# SPDX-License-Identifier: MIT
"""The standard figure of a record, a theory or a sweep, with matplotlib.

plot(source, out=None) -> matplotlib Figure; source is a run directory,
a .nc file (record.nc, theory.nc, sweep.nc) or a Dataset from this
package.  The figure chosen by what the data holds:

- an ensemble record: SNR against age, log-log, the simulation with
  +-1 standard error beside the exact theory (memories, and Poisson time
  dashed when stored);
- a theory: its SNR curves in both clocks (an attractor network's: the
  mean-field overlap and the field's SNR against age, the mean-field
  capacity marked);
- a network record: each neuron's threshold theta, rate and selectivity
  over time, and the weight histogram over time;
- a sweep: lifetime against the first swept key (mean +-1 s.e. over
  seeds), one line per value of the others, theory dashed; for a sweep
  of attractor networks, the capacity (capacity_interp) with the
  mean-field capacity_theory dashed;
- an attractor record: the retrieved fraction and the mean final
  overlap against age (+-1 standard error), the mean-field overlap
  dashed, the capacity marked; beside it, where the record has the
  theory, the signal to noise of the ideal observer reading all the
  network's synapses (and of one neuron's field), with the
  ideal-observer lifetime marked.

From the command line: ``metaplast plot DIR|FILE [--out fig.png]`` or
``python -m metaplast plot ...``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Union

import numpy as np
import xarray as xr

__all__ = ["plot", "kind"]

Source = Union[str, "os.PathLike[str]", xr.Dataset]


def _load(source: Source) -> xr.Dataset:
    if isinstance(source, xr.Dataset):
        return source
    p = Path(source)
    if p.is_dir():
        for name in ("record.nc", "sweep.nc", "theory.nc"):
            if (p / name).is_file():
                p = p / name
                break
    if not p.is_file():
        raise FileNotFoundError(f"{source}: no record.nc, sweep.nc or "
                                f"theory.nc to plot")
    with xr.open_dataset(p) as ds:
        return ds.load()


def kind(ds: xr.Dataset) -> str:
    """What a Dataset holds: "sweep", "network", "ensemble", "theory" or
    "attractor"."""
    if "seed" in ds.dims:
        return "sweep"
    if "retrieved" in ds and "overlap" in ds and "age" in ds.dims:
        return "attractor"
    if "time" in ds.dims and "theta" in ds:
        return "network"
    if "snr" in ds and "snr_sem" in ds:
        return "ensemble"
    if "snr" in ds or "overlap_theory" in ds:  # an attractor's theory.nc
        return "theory"
    raise ValueError("not a metaplast record, theory or sweep: no snr, "
                     "theta, retrieved or seed")


def plot(source: Source, out: str | os.PathLike[str] | None = None) -> Any:
    """Draw the standard figure of source (see the module's help); save
    it to out (png, svg, pdf: by its suffix) when given.  Returns the
    matplotlib Figure."""
    import matplotlib
    if out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ds = _load(source)
    k = kind(ds)
    if k == "network":
        fig, axes = plt.subplots(2, 2, figsize=(11, 7))
        _network(ds, axes)
    elif k == "attractor":
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
        _attractor(ds, axes)
    else:
        fig, ax = plt.subplots(figsize=(7, 5))
        {"sweep": _sweep, "ensemble": _ensemble, "theory": _theory}[k](ds, ax)
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=110)
    return fig


def _age(ds: xr.Dataset) -> np.ndarray:
    return np.maximum(ds.age.values.astype(float), 0.5)


def _ensemble(ds: xr.Dataset, ax: Any) -> None:
    t, s, se = _age(ds), ds.snr.values, ds.snr_sem.values
    ok = s > 0
    ax.errorbar(t[ok], s[ok], yerr=se[ok], fmt="o", ms=3, mfc="none",
                label="simulation (+-1 s.e.)")
    if "snr_theory" in ds:
        ax.plot(t, ds.snr_theory.values, "-", label="exact theory (memories)")
    if "snr_theory_poisson" in ds:
        ax.plot(t, ds.snr_theory_poisson.values, "--",
                label="exact theory (Poisson time)")
    _snr_axes(ds, ax)


def _theory(ds: xr.Dataset, ax: Any) -> None:
    t = _age(ds)
    if "snr" not in ds:
        _attractor_theory(ds, ax, t)
        return
    ax.plot(t, ds.snr.values, "-", label="memories")
    if "snr_poisson" in ds:
        ax.plot(t, ds.snr_poisson.values, "--", label="Poisson time")
    _snr_axes(ds, ax)


def _attractor_theory(ds: xr.Dataset, ax: Any, t: np.ndarray) -> None:
    """An attractor network's theory.nc: the field's SNR from a perfect
    cue and the mean-field overlap (approximations), the mean-field
    capacity marked."""
    cap = float(ds.attrs.get("capacity_theory", np.nan))
    snr = ds.snr_theory.values
    if np.isfinite(snr).any():
        ax.plot(t, snr, "-", color="C0",
                label="field SNR from a perfect cue (approximation)")
        ax.set_yscale("log")
        ax.axhline(1, color="gray", ls=":", lw=1)
    ax.set_ylabel("SNR")
    ov = ax.twinx()
    ov.plot(t, ds.overlap_theory.values, "--", color="C1",
            label="mean-field overlap (approximation)")
    ov.set_ylim(-0.1, 1.08)
    ov.set_ylabel("overlap")
    if np.isfinite(cap) and cap >= 0:
        ax.axvline(max(cap, 0.5), color="k", lw=1,
                   label=f"mean-field capacity {cap:.3g} memories")
    ax.set_xscale("log")
    ax.set_xlabel("age (memories; 0 drawn at 0.5)")
    n = ds.attrs.get("neurons", _attr(ds, "attractor.neurons"))
    ax.set_title(f"{_attr(ds, 'synapse.model')} N = {n} (theory)",
                 fontsize=9)
    lines = ax.get_legend_handles_labels()
    more = ov.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8)


def _snr_axes(ds: xr.Dataset, ax: Any) -> None:
    ax.axhline(1, color="gray", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("age (memories; 0 drawn at 0.5)")
    ax.set_ylabel("SNR")
    model = ds.attrs.get("config.synapse.model",
                         ds.attrs.get("config_synapse_model", ""))
    ax.set_title(f"{model} N = {_attr(ds, 'ensemble.synapses')}".strip(),
                 fontsize=9)
    ax.legend(fontsize=8)


def _attr(ds: xr.Dataset, key: str) -> str:
    for name in ("config." + key, "config_" + key.replace(".", "_")):
        if name in ds.attrs:
            return str(ds.attrs[name])
    return ""


def _network(ds: xr.Dataset, axes: Any) -> None:
    t = ds.time.values
    axes[0, 0].plot(t, ds.theta.values, lw=0.8)
    axes[0, 0].set_ylabel("threshold theta")
    axes[0, 1].plot(t, ds.rate.values, lw=0.8)
    axes[0, 1].set_ylabel("rate y")
    if "response" in ds:
        r = ds.response.values  # time, neuron, pattern
        sel = r.max(axis=2) - r.mean(axis=2)
        axes[1, 0].plot(t, sel, lw=0.8)
        axes[1, 0].set_ylabel("selectivity (max - mean response)")
    if "w_hist" in ds:
        h = ds.w_hist.values.astype(float).T
        edges = ds.w_bin.values if "w_bin" in ds else np.arange(h.shape[0])
        used = np.flatnonzero(h.sum(axis=1))  # the bins ever occupied
        lo, hi = (used[0], used[-1] + 1) if used.size else (0, h.shape[0])
        axes[1, 1].imshow(np.log1p(h[lo:hi]), aspect="auto", origin="lower",
                          extent=(t[0], t[-1], edges[lo], edges[hi - 1]))
        axes[1, 1].set_ylabel("weight (histogram, log scale)")
    for ax in axes.flat:
        ax.set_xlabel("time (s)")


def _sweep_measure(ds: xr.Dataset) -> tuple:
    """What a sweep's figure shows per task: an ensemble's lifetime (and
    its theory), an attractor network's interpolated capacity (and its
    mean-field estimate), a network's final selectivity (mean over
    neurons of the preferred response minus the mean response, at the
    last time)."""
    if "capacity_interp" in ds:
        theory = ds["capacity_theory"] if "capacity_theory" in ds else None
        return (ds["capacity_interp"], theory,
                "capacity (memories, interpolated; mean-field dashed)")
    if "lifetime" in ds:
        theory = next((ds[v] for v in ("theory_lifetime", "lifetime_theory")
                       if v in ds), None)
        return ds["lifetime"], theory, "lifetime (memories; theory dashed)"
    if "response" in ds and "time" in ds.dims:
        r = ds["response"].isel(time=-1)
        sel = (r.max("pattern") - r.mean("pattern")).mean("neuron")
        return sel, None, "final selectivity (max - mean response)"
    raise ValueError("sweep without a lifetime or responses to plot")


def _sweep(ds: xr.Dataset, ax: Any) -> None:
    y, theory, ylabel = _sweep_measure(ds)
    swept = [d for d in y.dims if d != "seed"]
    if not swept:
        raise ValueError("sweep without a swept dimension")
    x = swept[0]
    rest = y.stack(other=swept[1:]) if len(swept) > 1 else None
    xs = ds[x].values
    series = ([(None, y)] if rest is None else
              [(lbl, rest.isel(other=i))
               for i, lbl in enumerate(rest.other.values)])
    for lbl, da in series:
        m = da.mean("seed").values
        n = da.sizes["seed"]
        se = da.std("seed", ddof=1).values / np.sqrt(n) if n > 1 else None
        vals = lbl if isinstance(lbl, tuple) else (lbl,)
        label = "simulation" if lbl is None else ", ".join(
            f"{d} = {v}" for d, v in zip(swept[1:], vals))
        line = ax.errorbar(xs, m, yerr=se, fmt="o-", ms=3, label=label)
        if theory is not None:
            th = theory if rest is None else theory.stack(
                other=swept[1:]).sel(other=lbl)
            ax.plot(xs, th.mean("seed").values, "--",
                    color=line[0].get_color())
    if f"{x}_label" in ds:  # a text axis of sweep.nc: its labels
        labels = [v.decode() if isinstance(v, bytes) else str(v)
                  for v in ds[f"{x}_label"].values]
        ax.set_xticks(xs, labels)
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    if np.issubdtype(xs.dtype, np.number) and np.all(xs > 0) and \
            xs.max() / xs.min() >= 100:
        ax.set_xscale("log")
    ax.legend(fontsize=8)


def _attractor(ds: xr.Dataset, axes: Any) -> None:
    t = _age(ds)
    cap = float(ds.attrs.get("capacity_interp", np.nan))
    life = float(ds.attrs.get("lifetime_ideal_observer", np.nan))
    ax = axes[0]
    ax.errorbar(t, ds.retrieved.values, yerr=ds.retrieved_sem.values,
                fmt="o-", ms=3, label="retrieved fraction (+-1 s.e.)")
    ax.errorbar(t, ds.overlap.values, yerr=ds.overlap_sem.values, fmt="s-",
                ms=3, mfc="none", label="mean final overlap (+-1 s.e.)")
    if "overlap_theory" in ds and np.isfinite(ds.overlap_theory.values).any():
        ax.plot(t, ds.overlap_theory.values, "--",
                label="mean-field overlap")
    ax.axhline(0.5, color="gray", ls=":", lw=1)
    if np.isfinite(cap) and cap >= 0:
        ax.axvline(max(cap, 0.5), color="k", lw=1,
                   label=f"capacity {cap:.3g} memories")
    ax.set_xscale("log")
    ax.set_ylim(-0.1, 1.08)
    ax.set_xlabel("age (memories; 0 drawn at 0.5)")
    ax.set_ylabel("retrieved fraction, overlap")
    n = ds.attrs.get("neurons", _attr(ds, "attractor.neurons"))
    ax.set_title(f"{_attr(ds, 'synapse.model')} N = {n}, cue noise "
                 f"{_attr(ds, 'retrieve.noise')}", fontsize=9)
    ax.legend(fontsize=8)
    _attractor_snr(ds, axes[1], t, cap, life)


def _attractor_snr(ds: xr.Dataset, ax: Any, t: np.ndarray, cap: float,
                   life: float) -> None:
    """The ideal observer of all N V synapses (V = N-1, or K with fan-in;
    N(N-1)/2 tied): its SNR is the field's (sqrt(V) E[m] / sd(w)) times
    sqrt(synapses / V) -- the exact theory of an ensemble of the
    network's synapses, whose lifetime is lifetime_ideal_observer."""
    snr = ds.snr_theory.values if "snr_theory" in ds else np.array([np.nan])
    # The scaling is the ideal observer's only where the field's SNR is
    # sqrt(V) E[m] / sd(w): the covariance rule at f = 1/2.
    classic = (float(_attr(ds, "attractor.coding") or 0.5) == 0.5 and
               _attr(ds, "store.rule") in ("", "covariance"))
    if np.isfinite(snr).any() and classic:
        ax.plot(t, snr, "--", label="one neuron's field (theory)")
        n = float(ds.attrs.get("neurons", _attr(ds, "attractor.neurons")))
        tied = _attr(ds, "attractor.symmetry") != "independent"
        k = float(_attr(ds, "attractor.fan_in") or 0)
        v = k if k > 0 else n - 1
        m = n * v / (2 if tied else 1)
        ax.plot(t, snr * np.sqrt(m / v), "-",
                label="ideal observer, all synapses (theory)")
        ax.set_yscale("log")
    elif np.isfinite(snr).any():
        ax.plot(t, snr, "--", label="one neuron's field (theory)")
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no theory for this configuration",
                transform=ax.transAxes, ha="center", color="gray")
    ax.axhline(1, color="gray", ls=":", lw=1)
    if np.isfinite(life) and life >= 0:
        ax.axvline(max(life, 0.5), color="C3", ls="-.", lw=1,
                   label=f"ideal-observer lifetime {life:.3g}")
    if np.isfinite(cap) and cap >= 0:
        ax.axvline(max(cap, 0.5), color="k", lw=1,
                   label=f"network capacity {cap:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel("age (memories; 0 drawn at 0.5)")
    ax.set_ylabel("SNR")
    ax.legend(fontsize=8)
