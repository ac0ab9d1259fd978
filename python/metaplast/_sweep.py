# SPDX-License-Identifier: MIT
"""Sweeps on one machine: every combination of the varied keys times K
seeds, run N at a time in worker processes, resumable, stacked into one
Dataset."""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import multiprocessing
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ._core import (Config, ConfigLike, PathLike, _assignments, _ini, _start,
                    _text, open_run, resume)
from ._lib import BusyError, ConfigError, MetaplastError

__all__ = ["sweep"]

MANIFEST = "sweep.json"


def _key(k: str) -> str:
    return k.replace("__", ".") if "." not in k else k


def _source(config: ConfigLike) -> dict:
    if isinstance(config, Mapping):
        return {"text": _ini(config), "path": None}
    p = Path(os.fspath(config)).resolve()
    return {"text": None, "path": str(p)}


def _task_sets(base: list[str], keys: list[str], values: tuple, seed: int,
               threads: int | None) -> list[str]:
    sets = base + [f"{k}={_text(v)}" for k, v in zip(keys, values)]
    sets.append(f"run.seed={seed}")
    if threads is not None:
        sets.append(f"run.threads={threads}")
    return sets


def _config(source: dict, sets: list[str], out: str | None) -> Config:
    if source["path"] is None:
        import configparser  # the text we wrote ourselves: sections back
        cp = configparser.ConfigParser(interpolation=None)
        cp.optionxform = str  # type: ignore[assignment]
        cp.read_string(source["text"])
        config: ConfigLike = {s: dict(cp[s]) for s in cp.sections()}
    else:
        config = source["path"]
    return Config(config, {s.partition("=")[0]: s.partition("=")[2]
                           for s in sets}, out=out)


def _run_task(source: dict, sets: list[str], d: str) -> str:
    """One task in a worker process: run it, or resume what an earlier
    attempt left (a checkpoint or only config.ini); a finished task does
    nothing.  Returns "done", or "busy" when another process holds it."""
    p = Path(d)
    if p.is_dir() and not any(p.iterdir()):
        p.rmdir()  # created, then killed before its first file
    try:
        if p.exists():
            resume(d, progress=False)
        else:
            _start(_config(source, sets, d), False)
        return "done"
    except BusyError:
        return "busy"


# Per-task numbers kept from each record's attributes as variables (an
# ensemble's, an attractor network's).
SCALARS = ("lifetime", "theory_lifetime", "theory_lifetime_poisson",
           "theory_snr0", "theory_area_snr", "memories_done", "capacity",
           "capacity_interp", "capacity_theory", "lifetime_ideal_observer")


def _stack(dirs: list[str], keys: list[str], combos: list[tuple],
           seeds: list[int], k: int) -> xr.Dataset:
    names = [k_.replace(".", "_") for k_ in keys]
    dss = []
    for i, d in enumerate(dirs):
        ds = open_run(d)
        scalars = {a: ds.attrs[a] for a in SCALARS if a in ds.attrs}
        ds.attrs = {}
        # Index coordinates for plain dimensions (mode, state, ...), so
        # that tasks of different sizes stack, padded with NaN.
        ds = ds.assign_coords({dim: np.arange(n) for dim, n in
                               ds.sizes.items() if dim not in ds.coords})
        dss.append(ds.assign(scalars))
    out = xr.concat(dss, dim="task", join="outer", combine_attrs="drop")
    coords = {n: ("task", [c[j] for c in combos for _ in range(k)])
              for j, n in enumerate(names)}
    coords["seed"] = ("task", [s for _ in combos for s in seeds])
    out = out.assign_coords(coords).set_index(task=names + ["seed"])
    with warnings.catch_warnings():
        # xarray fills the unstacked arrays with NaN before copying every
        # task in (the product is complete), which warns for integers.
        warnings.filterwarnings("ignore", "invalid value encountered in "
                                "cast", RuntimeWarning)
        out = out.unstack("task")
    return out.transpose(*names, "seed", ...)


def sweep(config: ConfigLike, vary: Mapping[str, Sequence[Any]], *,
          seeds: int = 1, jobs: int = 1, out: PathLike | None = None,
          overrides: Mapping[str, Any] | None = None,
          progress: bool | None = None, **kwargs: Any) -> xr.Dataset:
    """Run every combination of the varied keys, each with `seeds` seeds
    (run.seed, run.seed + 1, ...), `jobs` at a time, and return the
    records stacked along one dimension per varied key (named after it,
    '.' -> '_') and `seed`.

    vary: {"synapse.n": [5, 10], "ensemble__synapses": [1e4, 1e5]}.
    out: the sweep directory (by default a new temporary one); rerunning
    the same sweep with the same out resumes it: finished tasks are kept,
    interrupted ones resume from their checkpoint (or restart), so a
    killed sweep loses at most each running task's work since its last
    checkpoint.  A different sweep in the same directory is refused.
    Every task's config is validated before any runs (ConfigError names
    the task).  Tasks use run.threads = cores / jobs unless set.  The
    result's attrs hold the base config and the varied keys.
    """
    if seeds < 1 or jobs < 1:
        raise ConfigError(f"sweep: seeds and jobs must be >= 1, got "
                          f"seeds={seeds}, jobs={jobs}")
    keys = [_key(k) for k in vary]
    if len(set(keys)) != len(keys) or not keys:
        raise ConfigError(f"sweep: vary: expected distinct section.key "
                          f"names, got {list(vary)}")
    values = [list(v) for v in vary.values()]
    base_sets = _assignments(overrides, kwargs)
    source = _source(config)
    base = Config(config if source["path"] is None else source["path"],
                  {s.partition("=")[0]: s.partition("=")[2]
                   for s in base_sets})
    seed0 = int(base["run.seed"])
    threads = None
    if not any(s.startswith("run.threads=") for s in base_sets):
        threads = max(1, (os.cpu_count() or 1) // jobs)
    combos = list(itertools.product(*values))
    seed_list = [seed0 + i for i in range(seeds)]
    tasks = [_task_sets(base_sets, keys, c, s, threads)
             for c in combos for s in seed_list]
    root = Path(out) if out is not None else Path(
        tempfile.mkdtemp(prefix="metaplast-sweep-"))
    manifest = {"source": source, "base": base_sets, "vary": keys,
                "values": [[_text(v) for v in vs] for vs in values],
                "seeds": seed_list}
    _manifest(root, manifest)
    dirs = [str(root / "tasks" / f"{i:04d}") for i in range(len(tasks))]
    for i, sets in enumerate(tasks):
        try:  # every task's config, before anything runs
            _config(source, sets, dirs[i])
        except ConfigError as e:
            what = ", ".join(sets[len(base_sets):])
            raise ConfigError(f"sweep task {i} ({what}): {e}",
                              e.code) from None
    status = _execute(source, tasks, dirs, jobs, progress)
    bad = {i: s for i, s in status.items() if s != "done"}
    if bad:
        raise MetaplastError("sweep: tasks not finished: " + "; ".join(
            f"{i:04d}: {s}" for i, s in sorted(bad.items())) +
            f" (rerun the same sweep with out={str(root)!r} to resume)")
    ds = _stack(dirs, keys, combos, seed_list, seeds)
    ds.attrs.update({"title": "metaplast sweep", "sweep_dir": str(root),
                     "varied_keys": ", ".join(keys),
                     "base_config": source["text"] or
                     Path(source["path"]).read_text(),
                     "base_overrides": "\n".join(base_sets)})
    return ds


def _manifest(root: Path, manifest: dict) -> None:
    f = root / MANIFEST
    if f.exists():
        if json.loads(f.read_text()) != json.loads(json.dumps(manifest)):
            raise ConfigError(f"sweep: {root} holds a different sweep "
                              f"({f}); choose another out")
        return
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise ConfigError(f"sweep: {root} is not empty and holds no "
                          f"{MANIFEST}: refusing to write into it")
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, f)


def _execute(source: dict, tasks: list[list[str]], dirs: list[str],
             jobs: int, progress: bool | None) -> dict[int, str]:
    status: dict[int, str] = {}
    bar = None
    if progress is not False:
        try:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(tasks), unit="task", leave=False,
                       disable=progress is None and not _interactive())
        except ImportError:
            pass
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
        futs = {ex.submit(_run_task, source, t, d): i
                for i, (t, d) in enumerate(zip(tasks, dirs))}
        for fut in cf.as_completed(futs):
            i = futs[fut]
            try:
                status[i] = fut.result()
            except MetaplastError as e:
                status[i] = f"failed: {e}"
            if status[i] == "busy":
                warnings.warn(f"sweep task {i:04d}: {dirs[i]} is in use by "
                              f"another process; skipped", stacklevel=3)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return status


def _interactive() -> bool:
    import sys
    return sys.stderr.isatty() or "ipykernel" in sys.modules

