# SPDX-License-Identifier: MIT
"""The C library, loaded with ctypes: its functions' signatures and the
translation of its error codes into exceptions.

The library is libmetaplast.so: the copy installed inside this package
(``pip install ./python`` builds it with the project's CMake), or the one
named by the environment variable ``METAPLAST_LIBRARY`` (a build tree's
``build/libmetaplast.so``), which takes precedence.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import (POINTER, c_char_p, c_double, c_int, c_size_t, c_uint64,
                    c_void_p)
from pathlib import Path

__all__ = ["MetaplastError", "ConfigError", "RunExistsError",
           "TooBigError", "BusyError", "lib", "check"]


class MetaplastError(RuntimeError):
    """An error reported by the metaplast library.

    ``str(err)`` is the library's message, the same text the ``metaplast``
    command prints (file, line, key and what was expected, for a config);
    ``err.code`` is the library's negative MP_E* code.
    """

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class ConfigError(MetaplastError, ValueError):
    """A configuration (file, dict or override) was refused (MP_EINVAL)."""


class RunExistsError(MetaplastError, FileExistsError):
    """The output directory already holds a run (MP_EEXIST)."""


class TooBigError(MetaplastError, MemoryError):
    """The run does not fit this machine or device (MP_ETOOBIG)."""


class BusyError(MetaplastError):
    """Another process holds the run directory's lock (MP_EBUSY)."""


_BY_CODE = {-1: ConfigError, -8: RunExistsError, -10: TooBigError,
            -12: BusyError}
_HERE = Path(__file__).resolve().parent


def _find() -> str:
    env = os.environ.get("METAPLAST_LIBRARY")
    if env:
        if not Path(env).is_file():
            raise MetaplastError(f"METAPLAST_LIBRARY: no such file: {env}")
        return env
    own = _HERE / "_lib" / "libmetaplast.so"
    if own.is_file():
        return str(own)
    raise MetaplastError(
        "libmetaplast.so not found: install the package with "
        "`pip install ./python` from the metaplast source tree, or set "
        "METAPLAST_LIBRARY to a build's libmetaplast.so")


def _declare(so: ctypes.CDLL) -> None:
    sig = {
        "mp_config_size": (c_size_t, []),
        "mp_config_init": (None, [c_void_p]),
        "mp_config_load": (c_int, [c_void_p, c_char_p]),
        "mp_config_load_text": (c_int, [c_void_p, c_char_p, c_char_p]),
        "mp_config_set": (c_int, [c_void_p, c_char_p, c_int]),
        "mp_config_validate": (c_int, [c_void_p]),
        "mp_config_value": (c_int, [c_void_p, c_char_p, c_char_p, c_size_t]),
        "mp_config_warnings": (c_int, [c_void_p, c_char_p, c_size_t]),
        "mp_check_memory": (c_int, [c_void_p]),
        "mp_run_start": (c_int, [POINTER(c_void_p), c_void_p, c_char_p]),
        "mp_run_resume": (c_int, [POINTER(c_void_p), c_char_p, c_void_p]),
        "mp_run_destroy": (None, [c_void_p]),
        "mp_run_slice": (c_int, [c_void_p, c_int, POINTER(c_int)]),
        "mp_run_done": (c_uint64, [c_void_p]),
        "mp_run_total": (c_uint64, [c_void_p]),
        "mp_run_started_at": (c_uint64, [c_void_p]),
        "mp_run_unit": (c_char_p, [c_void_p]),
        "mp_run_synapses": (c_double, [c_void_p]),
        "mp_run_complete": (c_int, [c_void_p]),
        "mp_run_dir": (c_char_p, [c_void_p]),
        "mp_io_theory_file": (c_int, [c_char_p, c_void_p, c_int, c_void_p]),
        "mp_errmsg": (c_char_p, []),
        "mp_strerror": (c_char_p, [c_int]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(so, name)
        fn.restype = res
        fn.argtypes = args


class _Lib:
    """The library, loaded on first use (importing the package is cheap
    and works without it)."""

    def __init__(self) -> None:
        self._so: ctypes.CDLL | None = None

    def __getattr__(self, name: str):
        if self._so is None:
            self._so = ctypes.CDLL(_find())
            _declare(self._so)
        return getattr(self._so, name)


lib = _Lib()


def check(rc: int) -> int:
    """Raise the exception for a library return code (0 passes)."""
    if rc >= 0:
        return rc
    msg = (lib.mp_errmsg() or b"").decode(errors="replace")
    if not msg:
        msg = (lib.mp_strerror(rc) or b"").decode(errors="replace")
    raise _BY_CODE.get(rc, MetaplastError)(msg, rc)
