# SPDX-License-Identifier: MIT
"""metaplast.plot and `python -m metaplast plot`: each kind of file."""
import subprocess
import sys

import pytest

import metaplast
from metaplast.plot import kind

pytest.importorskip("matplotlib")


def png(path):
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_each_kind(tmp_path, ens_cfg, net_cfg):
    ens = metaplast.run(ens_cfg, out=tmp_path / "e", progress=False)
    net = metaplast.run(net_cfg, run__duration="4s", out=tmp_path / "n",
                        progress=False)
    th = metaplast.theory(ens_cfg)
    sw = metaplast.sweep(ens_cfg, vary={"synapse.n": [3, 5]}, seeds=2,
                         out=tmp_path / "s", progress=False)
    for name, ds, want in [("e", ens, "ensemble"), ("n", net, "network"),
                           ("t", th, "theory"), ("s", sw, "sweep")]:
        assert kind(ds) == want
        metaplast.plot(ds, out=tmp_path / f"{name}.png")
        assert png(tmp_path / f"{name}.png"), name


ATTR_CFG = {"run": {"paradigm": "attractor", "seed": 3, "memories": 40},
            "attractor": {"neurons": 200},
            "synapse": {"model": "binary", "q": 0.2},
            "measure": {"every": 2, "max_age": 20, "per_decade": 20}}


def test_attractor(tmp_path, cli):
    """A tiny attractor network run through metaplast.run: the record the
    command writes for the same config, value for value, and its figure
    (from the Dataset and from the run directory)."""
    from conftest import ini_text
    ds = metaplast.run(ATTR_CFG, out=tmp_path / "a", progress=False)
    assert kind(ds) == "attractor"
    assert int(ds.attrs["memories_done"]) == 40
    assert ds.retrieved.sel(age=0).item() == 1.0  # the newest is retrieved
    assert 0 < ds.attrs["capacity_interp"] < ds.attrs[
        "lifetime_ideal_observer"]
    ini = tmp_path / "a.ini"
    ini.write_text(ini_text(ATTR_CFG))
    subprocess.run([cli, "run", str(ini), "--out", str(tmp_path / "c"),
                    "--quiet"], check=True, capture_output=True)
    ref = metaplast.open(tmp_path / "c")
    for v in ("probes", "overlap", "overlap_sem", "retrieved", "converged",
              "sweeps", "snr_theory"):
        assert ds[v].equals(ref[v]), v
    metaplast.plot(ds, out=tmp_path / "a.png")
    assert png(tmp_path / "a.png")
    fig = metaplast.plot(tmp_path / "a")
    left, right = fig.axes[:2]
    assert any("capacity" in t.get_text()
               for t in left.get_legend().get_texts())
    assert any("ideal observer" in t.get_text()
               for t in right.get_legend().get_texts())


def test_attractor_sweep_and_theory(tmp_path, attr_cfg, cli):
    """An attractor sweep's figure: capacity_interp against the first
    swept key, mean +-1 s.e. over seeds, the mean-field capacity dashed;
    from metaplast.sweep's Dataset, from a collected sweep.nc (through
    `metaplast plot DIR`), and the figure of an attractor theory."""
    import os
    from conftest import ini_text
    sw = metaplast.sweep(attr_cfg, vary={"synapse.q": [0.1, 0.2]}, seeds=2,
                         out=tmp_path / "s", progress=False)
    assert kind(sw) == "sweep"
    fig = metaplast.plot(sw, out=tmp_path / "s.png")
    assert png(tmp_path / "s.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "synapse_q" and "capacity" in ax.get_ylabel()
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert list(dashed[0].get_ydata()) == list(
        sw.capacity_theory.mean("seed").values)
    ini = tmp_path / "a.ini"
    ini.write_text(ini_text(attr_cfg))
    d = tmp_path / "c"
    subprocess.run([cli, "sweep", str(ini), "--vary", "synapse.q=0.1,0.2",
                    "--seeds", "2", "--out", str(d)], check=True,
                   capture_output=True)
    subprocess.run([cli, "sweep-run", str(d), "-j", "2"], check=True,
                   capture_output=True)
    subprocess.run([cli, "collect", str(d)], check=True, capture_output=True)
    ds = metaplast.open(d / "sweep.nc")
    assert kind(ds) == "sweep"
    for v in ("capacity_interp", "capacity_theory"):
        assert ds[v].equals(sw[v]), v
    env = dict(os.environ, METAPLAST_PYTHON=sys.executable)
    r = subprocess.run([cli, "plot", str(d), "--out", str(tmp_path / "c.png")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert png(tmp_path / "c.png")
    th = metaplast.theory(attr_cfg)
    assert kind(th) == "theory"
    metaplast.plot(th, out=tmp_path / "t.png")
    assert png(tmp_path / "t.png")


def test_command_line(tmp_path, ens_cfg):
    metaplast.run(ens_cfg, out=tmp_path / "e", progress=False)
    r = subprocess.run([sys.executable, "-m", "metaplast", "plot",
                        str(tmp_path / "e")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert png(tmp_path / "e" / "figure.png")
    r = subprocess.run([sys.executable, "-m", "metaplast", "plot",
                        str(tmp_path / "e")], capture_output=True, text=True)
    assert r.returncode == 2 and "exists" in r.stderr  # never overwrites
    r = subprocess.run([sys.executable, "-m", "metaplast", "plot",
                        str(tmp_path / "nothing")], capture_output=True,
                       text=True)
    assert r.returncode == 2 and "no such file" in r.stderr


def test_metaplast_plot_command(tmp_path, ens_cfg, cli):
    import os
    metaplast.run(ens_cfg, out=tmp_path / "e", progress=False)
    env = dict(os.environ, METAPLAST_PYTHON=sys.executable)
    r = subprocess.run([cli, "plot", str(tmp_path / "e"), "--out",
                        str(tmp_path / "c.svg")], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c.svg").read_text().lstrip().startswith("<?xml")
    env["METAPLAST_PYTHON"] = "/bin/false"
    r = subprocess.run([cli, "plot", str(tmp_path / "e")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 2 and "pip install ./python" in r.stderr


def test_a_collected_sweep(tmp_path, ens_cfg, cli):
    from conftest import ini_text
    ini = tmp_path / "c.ini"
    ini.write_text(ini_text(ens_cfg))
    sw = tmp_path / "sw"
    subprocess.run([cli, "sweep", str(ini), "--vary", "synapse.n=4,6",
                    "--vary", "synapse.model=cascade,serial", "--seeds", "2",
                    "--out", str(sw)], check=True, capture_output=True)
    for task in sorted((sw / "tasks").glob("*.ini")):
        subprocess.run([cli, "run", str(task), "--out",
                        str(task.with_suffix("")), "--quiet"], check=True,
                       capture_output=True)
    r = subprocess.run([cli, "collect", str(sw)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    ds = metaplast.open(sw / "sweep.nc")
    assert kind(ds) == "sweep"
    metaplast.plot(ds, out=tmp_path / "sw.png")
    assert png(tmp_path / "sw.png")


def test_a_collected_network_sweep(tmp_path, net_cfg, cli):
    sw = tmp_path / "nsw"
    subprocess.run([cli, "sweep", net_cfg, "--vary", "bcm.y0=0.5,1",
                    "--set", "run.duration=2s", "--out", str(sw)],
                   check=True, capture_output=True)
    for task in sorted((sw / "tasks").glob("*.ini")):
        subprocess.run([cli, "run", str(task), "--out",
                        str(task.with_suffix("")), "--quiet"], check=True,
                       capture_output=True)
    r = subprocess.run([cli, "collect", str(sw)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    ds = metaplast.open(sw / "sweep.nc")
    assert kind(ds) == "sweep"
    metaplast.plot(ds, out=tmp_path / "nsw.png")
    assert png(tmp_path / "nsw.png")
