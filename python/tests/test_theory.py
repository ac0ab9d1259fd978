# SPDX-License-Identifier: MIT
"""metaplast.theory: the exact curves and summary numbers."""
import numpy as np
import pytest

import metaplast


def test_theory_equals_the_records_theory(tmp_path, ens_cfg):
    th = metaplast.theory(ens_cfg, clock="memories")
    ds = metaplast.run(ens_cfg, out=tmp_path / "r", progress=False)
    np.testing.assert_array_equal(th.age.values, ds.age.values)
    np.testing.assert_array_equal(th.snr.values, ds.snr_theory.values)
    assert "snr_poisson" not in th


def test_binary_theory_in_closed_form():
    # Binary synapses, f = 1/2: SNR(t) = sqrt(N) q (1 - q)^t (MODELS.md).
    q, n = 0.1, 10**6
    th = metaplast.theory({"synapse": {"model": "binary", "q": q}},
                          ensemble__synapses=n, measure__max_age=100)
    t = th.age.values.astype(float)
    np.testing.assert_allclose(th.snr.values, np.sqrt(n) * q * (1 - q) ** t,
                               rtol=1e-12)
    # Poisson time: exp(tau (MF - I)) -> sqrt(N) q exp(-q tau).
    np.testing.assert_allclose(th.snr_poisson.values,
                               np.sqrt(n) * q * np.exp(-q * t), rtol=1e-12)
    assert th.attrs["theory_snr0"] == pytest.approx(np.sqrt(n) * q)


def test_theory_refuses_bad_input(ens_cfg, net_cfg):
    with pytest.raises(metaplast.ConfigError, match="clock"):
        metaplast.theory(ens_cfg, clock="hours")
    with pytest.raises(metaplast.ConfigError, match="network"):
        metaplast.theory(net_cfg)


def test_attractor_theory_equals_the_records_theory(tmp_path, attr_cfg):
    th = metaplast.theory(attr_cfg)
    ds = metaplast.run(attr_cfg, out=tmp_path / "a", progress=False)
    np.testing.assert_array_equal(th.age.values, ds.age.values)
    for v in ("signal_theory", "snr_theory", "overlap_theory"):
        np.testing.assert_array_equal(th[v].values, ds[v].values, err_msg=v)
    assert np.isfinite(th.overlap_theory.values).all()
    for a in ("capacity_theory", "lifetime_ideal_observer"):
        assert th.attrs[a] == ds.attrs[a], a
    assert th.attrs["capacity_theory"] < th.attrs["lifetime_ideal_observer"]
    assert "retrieved" not in th and "snr_poisson" not in th
    assert metaplast.theory(attr_cfg, clock="memories").identical(th)
    with pytest.raises(metaplast.ConfigError, match="memories only"):
        metaplast.theory(attr_cfg, clock="both")
    # The presynaptic rule has its estimate too.
    pre = metaplast.theory(attr_cfg, store__rule="presynaptic",
                           attractor__symmetry="independent")
    assert np.isfinite(pre.overlap_theory.values).all()
    assert pre.attrs["lifetime_ideal_observer"] > 0
    # Where the mean-field capacity does not apply (a last modulator
    # level of 0: learning stops, no stationary regime): NaN.
    off = metaplast.theory(attr_cfg, store__phases="20, 20",
                           store__modulator="1, 0")
    assert np.isnan(off.attrs["capacity_theory"])
