# SPDX-License-Identifier: MIT
"""metaplast: synaptic plasticity and metaplasticity at scale, from Python.

The functions run the C library in this process (through ctypes) and
return xarray Datasets:

>>> import metaplast
>>> ds = metaplast.run({"synapse": {"model": "cascade", "n": 5}},
...                    ensemble__synapses=10**5, run__memories=500)
>>> ds.snr.sel(age=0).item() > 0
True

run(config, **overrides)        simulate; the record as a Dataset
resume(dir)                      continue a stopped run
theory(config, **overrides)     the exact theory, no simulation
open_run(dir)                    a run directory's record
sweep(config, vary=..., seeds=K, jobs=N)   many runs, stacked
plot(dir_or_dataset)             the standard figure of a record

Errors are exceptions carrying the library's message (the same text the
``metaplast`` command prints): ConfigError (a ValueError), RunExistsError,
TooBigError, BusyError, all MetaplastError.  docs/PYTHON.md has a guided
example.
"""
from ._core import Config, open_run, resume, run, theory
from ._lib import (BusyError, ConfigError, MetaplastError, RunExistsError,
                   TooBigError)
from ._sweep import sweep
from .plot import plot

#: open(dir) is open_run(dir): the record of a run directory.
open = open_run  # noqa: A001  (the name the documentation promises)

__version__ = "0.1.0"
__all__ = ["run", "resume", "theory", "open", "open_run", "sweep", "plot",
           "Config", "MetaplastError", "ConfigError", "RunExistsError",
           "TooBigError", "BusyError"]
