# SPDX-License-Identifier: MIT
"""metaplast.sweep: stacking, validation, and a killed sweep resumed to
the same bits as an uninterrupted one."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr
import pytest

import metaplast

VARY = {"synapse.n": [3, 5], "synapse__x": [0.5, 0.25]}


def test_sweep_stacks_typed_axes(tmp_path, ens_cfg):
    ds = metaplast.sweep(ens_cfg, vary=VARY, seeds=2, jobs=2,
                         out=tmp_path / "s", progress=False)
    assert ds.snr.dims == ("synapse_n", "synapse_x", "seed", "age")
    assert ds.synapse_n.dtype.kind == "i" and ds.synapse_x.dtype.kind == "f"
    assert list(ds.seed.values) == [7, 8]
    # each cell is the run of its own config
    one = metaplast.run(ens_cfg, synapse__n=5, synapse__x=0.25, run__seed=8,
                        out=tmp_path / "one", progress=False)
    np.testing.assert_array_equal(
        ds.snr.sel(synapse_n=5, synapse_x=0.25, seed=8).values,
        one.snr.values)
    assert ds.lifetime.dims == ("synapse_n", "synapse_x", "seed")


def test_sweep_validates_every_task_first(tmp_path, ens_cfg):
    with pytest.raises(metaplast.ConfigError, match=r"task 1 .*synapse.n"):
        metaplast.sweep(ens_cfg, vary={"synapse.n": [3, 1]},
                        out=tmp_path / "s", progress=False)
    assert not (tmp_path / "s" / "tasks").exists()  # nothing ran


def test_sweep_refuses_another_sweeps_directory(tmp_path, ens_cfg):
    metaplast.sweep(ens_cfg, vary={"synapse.n": [3]}, out=tmp_path / "s",
                    progress=False)
    with pytest.raises(metaplast.ConfigError, match="different sweep"):
        metaplast.sweep(ens_cfg, vary={"synapse.n": [4]},
                        out=tmp_path / "s", progress=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("data")
    with pytest.raises(metaplast.ConfigError, match="not empty"):
        metaplast.sweep(ens_cfg, vary={"synapse.n": [3]},
                        out=tmp_path / "other", progress=False)
    assert (tmp_path / "other" / "keep.txt").read_text() == "data"


SCRIPT = """
import json, sys, metaplast
cfg, out = json.loads(sys.argv[1]), sys.argv[2]
metaplast.sweep(cfg, vary={"synapse.n": [3, 4, 5, 6], "synapse.x": [0.5, 0.25]},
                jobs=2, out=out, progress=False)
"""


def test_killed_sweep_resumes_to_the_same_bits(tmp_path, ens_cfg):
    # 8 tasks, each long enough to be caught mid-run (10^9 updates,
    # half a second on a quiet machine; checkpoints every 2000 memories),
    # jobs = 2.
    cfg = dict(ens_cfg, run={"seed": 3, "memories": 20000},
               ensemble={"synapses": 50000}, checkpoint={"every": 2000})
    vary = {"synapse.n": [3, 4, 5, 6], "synapse.x": [0.5, 0.25]}
    out = tmp_path / "killed"
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, json.dumps(cfg),
                          str(out)], start_new_session=True)
    deadline = time.time() + 120
    tasks = out / "tasks"
    # Kill once three tasks have a checkpoint: with 2 at a time, one of
    # the first two has finished and a third is under way.  (A running
    # ensemble rewrites its record.nc at every checkpoint, so a record
    # alone does not mean finished.)
    while time.time() < deadline:
        ckpt = list(tasks.glob("*/checkpoint.nc")) if tasks.exists() else []
        if len(ckpt) >= 3 or p.poll() is not None:
            break
        time.sleep(0.01)
    assert p.poll() is None, "the sweep finished before it could be killed"
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    finished = 0
    for rec in tasks.glob("*/record.nc"):
        with xr.open_dataset(rec) as r:
            finished += int(r.attrs["memories_done"]) == 20000
    assert 0 < finished < 8
    ds = metaplast.sweep(cfg, vary=vary, jobs=2, out=out, progress=False)
    ref = metaplast.sweep(cfg, vary=vary, jobs=2, out=tmp_path / "ref",
                          progress=False)
    for v in ("signal", "snr", "snr_sem", "probes", "lifetime"):
        np.testing.assert_array_equal(ds[v].values, ref[v].values,
                                      err_msg=v)
    assert int(ds.memories_done.min()) == 20000
    assert json.loads((out / "sweep.json").read_text())["vary"] == list(vary)


def test_network_sweep_stacks_over_time(tmp_path, net_cfg):
    ds = metaplast.sweep(net_cfg, vary={"neuromod.level": [0.8, 1.0]},
                         run__duration="4s", out=tmp_path / "n",
                         progress=False)
    assert ds.theta.dims[:2] == ("neuromod_level", "seed")
    assert "time" in ds.theta.dims and ds.time.dtype.kind == "f"
    assert not np.array_equal(ds.theta.sel(neuromod_level=0.8).values,
                              ds.theta.sel(neuromod_level=1.0).values)


def test_attractor_sweep_stacks_capacities(tmp_path, attr_cfg):
    ds = metaplast.sweep(attr_cfg, vary={"attractor.neurons": [100, 200]},
                         seeds=2, jobs=2, out=tmp_path / "a",
                         progress=False)
    assert ds.retrieved.dims == ("attractor_neurons", "seed", "age")
    assert ds.attractor_neurons.dtype.kind == "i"
    assert list(ds.seed.values) == [3, 4]
    for v in ("capacity", "capacity_interp", "capacity_theory",
              "lifetime_ideal_observer"):
        assert ds[v].dims == ("attractor_neurons", "seed"), v
    one = metaplast.run(attr_cfg, attractor__neurons=100, run__seed=4,
                        out=tmp_path / "one", progress=False)
    cell = ds.sel(attractor_neurons=100, seed=4)
    for v in ("overlap", "retrieved", "converged", "sweeps"):
        np.testing.assert_array_equal(cell[v].values, one[v].values,
                                      err_msg=v)
    for v in ("capacity_interp", "capacity_theory",
              "lifetime_ideal_observer"):
        assert cell[v].item() == one.attrs[v], v
