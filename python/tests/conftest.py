# SPDX-License-Identifier: MIT
"""Shared fixtures: a small ensemble config, a small attractor config, a
small network config, and
the metaplast command of the same build (to compare the package with the
CLI).  The package under test is the installed one (pip install
./python); METAPLAST_LIBRARY may point it at a build's library."""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ens_cfg():
    """Cascade n = 5, 2*10^4 synapses, 300 memories: well under 1 s."""
    return {"run": {"seed": 7, "memories": 300},
            "ensemble": {"synapses": 20000},
            "synapse": {"model": "cascade", "n": 5},
            "measure": {"max_age": 50}}


@pytest.fixture
def attr_cfg():
    """An attractor network of 200 neurons, binary synapses, 40 memories:
    a fraction of a second."""
    return {"run": {"paradigm": "attractor", "seed": 3, "memories": 40},
            "attractor": {"neurons": 200},
            "synapse": {"model": "binary", "q": 0.2},
            "measure": {"every": 2, "max_age": 20, "per_decade": 20}}


@pytest.fixture
def net_cfg():
    return str(ROOT / "experiments" / "bcm-selectivity" / "selectivity.ini")


@pytest.fixture
def cli():
    """The metaplast command: $METAPLAST, the tree's build, or PATH."""
    exe = os.environ.get("METAPLAST") or str(ROOT / "build" / "metaplast")
    if not Path(exe).is_file():
        exe = shutil.which("metaplast")
    if not exe:
        pytest.skip("no metaplast command to compare with")
    return exe


def ini_text(cfg):
    return "".join(f"[{s}]\n" + "".join(f"{k} = {v}\n" for k, v in
                                        keys.items())
                   for s, keys in cfg.items())
