# SPDX-License-Identifier: MIT
"""metaplast.run / resume / open / Config: the same bits as the command,
errors as exceptions with the command's messages."""
import subprocess

import numpy as np
import pytest
import xarray as xr

import metaplast
from conftest import ini_text

VARS = ["signal", "signal_sem", "snr", "snr_sem", "probes", "signal_theory",
        "snr_theory"]


def same_record(a, b):
    for v in VARS:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)


def test_run_matches_the_command(tmp_path, ens_cfg, cli):
    ini = tmp_path / "c.ini"
    ini.write_text(ini_text(ens_cfg))
    subprocess.run([cli, "run", str(ini), "--out", str(tmp_path / "cli"),
                    "--quiet"], check=True, capture_output=True)
    ds = metaplast.run(str(ini), out=tmp_path / "py", progress=False)
    with xr.open_dataset(tmp_path / "cli" / "record.nc") as ref:
        same_record(ds, ref)
    assert ds.attrs["run_dir"] == str(tmp_path / "py")
    assert (tmp_path / "py" / "checkpoint.nc").is_file()


def test_dict_path_and_override_forms_agree(tmp_path, ens_cfg):
    ini = tmp_path / "c.ini"
    ini.write_text(ini_text(ens_cfg))
    a = metaplast.run(ens_cfg, synapse__n=6, out=tmp_path / "a",
                      progress=False)
    b = metaplast.run(str(ini), {"synapse.n": 6}, out=tmp_path / "b",
                      progress=False)
    c = metaplast.run(ini, {"synapse": {"n": 6}}, out=tmp_path / "c",
                      progress=False)
    same_record(a, b)
    same_record(a, c)
    d = metaplast.run(ens_cfg, out=tmp_path / "d", progress=False)
    assert not np.array_equal(a.snr.values, d.snr.values)  # n did change


def test_default_output_is_a_new_temporary_directory(ens_cfg):
    a = metaplast.run(ens_cfg, progress=False)
    b = metaplast.run(ens_cfg, progress=False)
    assert a.attrs["run_dir"] != b.attrs["run_dir"]
    same_record(a, b)


def test_config_errors_carry_the_command_message(tmp_path, ens_cfg, cli):
    bad = dict(ens_cfg, synapse={"model": "cascade", "n": 1})
    ini = tmp_path / "bad.ini"
    ini.write_text(ini_text(bad))
    r = subprocess.run([cli, "validate", str(ini)], capture_output=True,
                       text=True)
    assert r.returncode == 2
    with pytest.raises(metaplast.ConfigError) as e:
        metaplast.run(str(ini), progress=False)
    assert str(e.value) in r.stderr
    assert "synapse.n" in str(e.value) and "bad.ini:" in str(e.value)
    assert isinstance(e.value, ValueError) and e.value.code == -1


def test_override_errors_name_the_key(ens_cfg):
    with pytest.raises(metaplast.ConfigError, match="synapse.x"):
        metaplast.run(ens_cfg, synapse__x=2.0, progress=False)
    with pytest.raises(metaplast.ConfigError, match="section__key"):
        metaplast.run(ens_cfg, synapsen=2, progress=False)
    with pytest.raises(metaplast.ConfigError, match="no_such"):
        metaplast.run(ens_cfg, synapse__no_such=1, progress=False)


def test_existing_run_is_refused_and_kept(tmp_path, ens_cfg):
    ds = metaplast.run(ens_cfg, out=tmp_path / "r", progress=False)
    before = (tmp_path / "r" / "record.nc").read_bytes()
    with pytest.raises(metaplast.RunExistsError, match="already holds"):
        metaplast.run(ens_cfg, out=tmp_path / "r", progress=False)
    assert (tmp_path / "r" / "record.nc").read_bytes() == before
    assert isinstance(ds, xr.Dataset)


def test_resume_extends_to_the_uninterrupted_result(tmp_path, ens_cfg):
    long = dict(ens_cfg, run={"seed": 7, "memories": 500})
    ref = metaplast.run(long, out=tmp_path / "long", progress=False)
    metaplast.run(ens_cfg, out=tmp_path / "part", progress=False)
    ds = metaplast.resume(tmp_path / "part", memories=200, progress=False)
    same_record(ds, ref)
    again = metaplast.resume(tmp_path / "part", progress=False)  # complete
    same_record(again, ref)


def test_open_reads_a_run_and_refuses_others(tmp_path, ens_cfg):
    metaplast.run(ens_cfg, out=tmp_path / "r", progress=False)
    ds = metaplast.open(tmp_path / "r")
    assert ds.snr.sizes["age"] == ds.age.size > 5
    with pytest.raises(metaplast.MetaplastError, match="no record.nc"):
        metaplast.open(tmp_path)


def test_network_run(tmp_path, net_cfg):
    ds = metaplast.run(net_cfg, run__duration="10s", out=tmp_path / "n",
                       progress=False)
    assert {"theta", "rate", "response"} <= set(ds.data_vars)
    assert float(ds.time[-1]) == pytest.approx(10.0)


def test_progress_bar_writes_to_stderr(tmp_path, ens_cfg, capsys):
    pytest.importorskip("tqdm")
    metaplast.run(ens_cfg, out=tmp_path / "p", progress=True)
    assert "memories" in capsys.readouterr().err


def test_config_object_reads_resolved_values(ens_cfg):
    cfg = metaplast.Config(ens_cfg, synapse__n=9)
    assert cfg["synapse.n"] == "9"
    assert cfg["ensemble.synapses"] in ("20000", "2e+04", "2e4")
    with pytest.raises(KeyError):
        cfg["synapse.nope"]
