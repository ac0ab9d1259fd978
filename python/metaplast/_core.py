# SPDX-License-Identifier: MIT
"""Runs, resumptions, the exact theory and reading run directories."""
from __future__ import annotations

import ctypes
import os
import shlex
import sys
import tempfile
import warnings
from ctypes import POINTER, Structure, c_char_p, c_int, c_size_t, c_uint64
from pathlib import Path
from typing import Any, Mapping, Union

import xarray as xr

from ._lib import ConfigError, MetaplastError, check, lib

__all__ = ["Config", "run", "resume", "theory", "open_run", "PathLike",
           "ConfigLike"]

PathLike = Union[str, "os.PathLike[str]"]
#: A config: the path of an INI file, or a mapping of sections to
#: mappings of keys to values ({"synapse": {"model": "cascade", "n": 10}}).
ConfigLike = Union[PathLike, Mapping[str, Mapping[str, Any]]]


class _ResumeOptions(Structure):
    _fields_ = [("sets", POINTER(c_char_p)), ("n_sets", c_size_t),
                ("extend", c_int), ("memories", c_uint64),
                ("command_line", c_char_p)]


def _text(value: Any) -> str:
    """A Python value as the config's text: numbers as they print, bools
    as 1 / 0, sequences joined with ', '."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _ini(sections: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for sec, keys in sections.items():
        if not isinstance(keys, Mapping):
            raise ConfigError(f"config: section [{sec}]: expected a mapping "
                              f"of keys to values, got {type(keys).__name__}")
        lines.append(f"[{sec}]")
        for key, value in keys.items():
            text = _text(value)
            if "\n" in text:
                text = text.replace("\n", "\n  ")
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def _assignments(overrides: Mapping[str, Any] | None,
                 kwargs: Mapping[str, Any]) -> list[str]:
    """Overrides as "section.key=value": keyword arguments spell the dot
    as a double underscore (synapse__n=12); a mapping may use either
    "synapse.n" keys or {"synapse": {"n": 12}}."""
    out = []
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            out += [f"{key}.{k}={_text(v)}" for k, v in value.items()]
        else:
            out.append(f"{key}={_text(value)}")
    for key, value in kwargs.items():
        if "__" not in key:
            raise ConfigError(f"override {key}={value!r}: expected "
                              f"section__key (e.g. synapse__n=12)")
        sec, _, k = key.partition("__")
        out.append(f"{sec}.{k}={_text(value)}")
    return out


class Config:
    """A resolved, validated configuration held by the C library.

    Config(source, overrides=None, **kwargs): source is an INI path or a
    mapping of sections; overrides and keyword arguments change keys
    (``synapse__n=12`` or ``{"synapse.n": 12}``).  Raises ConfigError
    with the library's message (file, line, key, what was expected).
    """

    def __init__(self, source: ConfigLike,
                 overrides: Mapping[str, Any] | None = None,
                 out: PathLike | None = None, **kwargs: Any):
        self._buf = ctypes.create_string_buffer(lib.mp_config_size())
        lib.mp_config_init(self._buf)
        if isinstance(source, Mapping):
            self.source = "<dict>"
            check(lib.mp_config_load_text(self._buf, _ini(source).encode(),
                                          b"<dict>"))
        else:
            self.source = os.fspath(source)
            check(lib.mp_config_load(self._buf, self.source.encode()))
        sets = _assignments(overrides, kwargs)
        if out is not None:
            sets.append(f"output.dir={os.fspath(out)}")
        for i, s in enumerate(sets, 1):
            check(lib.mp_config_set(self._buf, s.encode(), i))
        check(lib.mp_config_validate(self._buf))
        self.sets = sets

    def __getitem__(self, key: str) -> str:
        """A key's resolved value as config.ini writes it
        (cfg["synapse.n"] -> "10")."""
        buf = ctypes.create_string_buffer(1 << 20)
        if lib.mp_config_value(self._buf, key.encode(), buf, len(buf)):
            raise KeyError(key)
        return buf.value.decode()

    def warnings(self) -> list[str]:
        """The library's warnings about this config (e.g. the BCM
        stability condition), one string each."""
        buf = ctypes.create_string_buffer(1 << 16)
        n = lib.mp_config_warnings(self._buf, buf, len(buf))
        return [w for w in buf.value.decode().splitlines() if w][:max(n, 0)]

    @property
    def ptr(self) -> ctypes.Array:
        return self._buf


def _command_line(what: str, cfg: Config) -> bytes:
    args = ["metaplast.%s" % what, cfg.source] + [f"--set {s}"
                                                  for s in cfg.sets]
    return " ".join(shlex.quote(a) if " " not in a else a
                    for a in args).encode()


def _bar(total: int, done: int, unit: str, progress: bool | None):
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    if progress is None and not (sys.stderr.isatty() or "ipykernel"
                                 in sys.modules):
        return None
    return tqdm(total=total, initial=done, unit=unit, unit_scale=True,
                leave=False)


def _drive(run: ctypes.c_void_p, progress: bool | None) -> None:
    """Slices until the run finishes; Ctrl-C stops it after a clean
    checkpoint, then raises KeyboardInterrupt."""
    state = c_int(0)
    unit = (lib.mp_run_unit(run) or b"").decode()
    bar = _bar(lib.mp_run_total(run), lib.mp_run_done(run), unit, progress)
    stop = 0
    try:
        while True:
            try:
                check(lib.mp_run_slice(run, stop, ctypes.byref(state)))
            except KeyboardInterrupt:
                stop = 2  # SIGINT's number: the library checkpoints, stops
                continue
            if bar is not None:
                bar.update(lib.mp_run_done(run) - bar.n)
            if state.value == 1:
                return
            if state.value == 2:
                raise KeyboardInterrupt(
                    "stopped after a checkpoint; metaplast.resume("
                    f"{(lib.mp_run_dir(run) or b'').decode()!r}) continues")
    finally:
        if bar is not None:
            bar.close()


def _start(cfg: Config, progress: bool | None) -> str:
    for w in cfg.warnings():
        warnings.warn(w, stacklevel=3)
    check(lib.mp_check_memory(cfg.ptr))
    run = ctypes.c_void_p()
    check(lib.mp_run_start(ctypes.byref(run), cfg.ptr,
                           _command_line("run", cfg)))
    try:
        _drive(run, progress)
        return (lib.mp_run_dir(run) or b"").decode()
    finally:
        lib.mp_run_destroy(run)


def run(config: ConfigLike, overrides: Mapping[str, Any] | None = None, *,
        out: PathLike | None = None, progress: bool | None = None,
        **kwargs: Any) -> xr.Dataset:
    """Run a simulation and return its record as an xarray Dataset.

    config: an INI path or a mapping of sections to keys, e.g.
    ``{"synapse": {"model": "cascade", "n": 10}}``; overrides and keyword
    arguments change keys (``synapse__n=12``).  out: the run directory
    (refused if it holds a run); by default a new temporary directory,
    kept (its path is ``ds.attrs["run_dir"]``) so the run can be resumed.
    progress: a tqdm bar (None: in terminals and notebooks only).
    Raises ConfigError for a bad config, RunExistsError, TooBigError,
    MetaplastError; KeyboardInterrupt stops after a checkpoint.
    """
    if out is None:
        out = Path(tempfile.mkdtemp(prefix="metaplast-")) / "run"
    cfg = Config(config, overrides, out=out, **kwargs)
    return open_run(_start(cfg, progress))


def resume(path: PathLike, overrides: Mapping[str, Any] | None = None, *,
           memories: int | None = None, until: int | None = None,
           progress: bool | None = None, **kwargs: Any) -> xr.Dataset:
    """Continue the run in directory path from its checkpoint (bit for
    bit as if never stopped) and return its record.  memories / until:
    extend an ensemble run by that many memories / to that total;
    overrides: resumable keys only (run.duration, run.threads, ...)."""
    sets = [s.encode() for s in _assignments(overrides, kwargs)]
    arr = (c_char_p * max(len(sets), 1))(*sets)
    o = _ResumeOptions(arr, len(sets), 1 if memories else 2 if until else 0,
                       memories or until or 0,
                       f"metaplast.resume {os.fspath(path)}".encode())
    run = ctypes.c_void_p()
    check(lib.mp_run_resume(ctypes.byref(run), os.fspath(path).encode(),
                            ctypes.byref(o)))
    try:
        if not lib.mp_run_complete(run):
            _drive(run, progress)
        d = (lib.mp_run_dir(run) or b"").decode()
    finally:
        lib.mp_run_destroy(run)
    return open_run(d)


def theory(config: ConfigLike, overrides: Mapping[str, Any] | None = None,
           *, clock: str | None = None, **kwargs: Any) -> xr.Dataset:
    """The theory of a config on its age grid, as the Dataset of
    theory.nc.

    An ensemble: the exact curves, signal and snr in memories, and in
    Poisson time (signal_poisson, snr_poisson) unless clock="memories"
    (the default for ensembles is "both"); SNR(0), area, lifetimes,
    bounds and eigen-timescales in the attributes.

    An attractor network (run.paradigm = attractor): signal_theory (exact
    E[m(t)] of one synapse), snr_theory and overlap_theory (mean-field
    approximations, NaN where they do not apply) over age, and the
    attributes capacity_theory (mean-field, an approximation) and
    lifetime_ideal_observer; in memories only (clock "poisson" or "both"
    is a ConfigError)."""
    if clock not in (None, "memories", "poisson", "both"):
        raise ConfigError(f"clock: expected memories, poisson or both, "
                          f"got {clock!r}")
    cfg = Config(config, overrides, **kwargs)
    if cfg["run.paradigm"] == "attractor":
        if clock not in (None, "memories"):
            raise ConfigError(f"clock={clock!r}: an attractor network's "
                              f"theory is in memories only")
        poisson = False
    else:  # a network: refused by the library, naming it
        poisson = clock != "memories" and cfg["run.paradigm"] == "ensemble"
        if poisson:
            cfg = Config(config, overrides,
                         **{**kwargs, "measure__clock": "poisson"})
    with tempfile.TemporaryDirectory(prefix="metaplast-theory-") as tmp:
        path = os.path.join(tmp, "theory.nc")
        check(lib.mp_io_theory_file(path.encode(), cfg.ptr, int(poisson),
                                    None))
        with xr.open_dataset(path) as ds:
            return ds.load()


def open_run(path: PathLike) -> xr.Dataset:
    """The record of a run directory (or a record.nc / theory.nc /
    sweep.nc file) as an xarray Dataset loaded into memory (the file is
    not held open).  ``attrs["run_dir"]`` is the directory."""
    p = Path(path)
    f = p / "record.nc" if p.is_dir() else p
    if not f.is_file():
        raise MetaplastError(f"{p}: no record.nc (not a run directory, or "
                             f"the run has not written its record yet)")
    with xr.open_dataset(f) as ds:
        ds = ds.load()
    ds.attrs["run_dir"] = str(f.parent)
    return ds
