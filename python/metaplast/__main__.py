# SPDX-License-Identifier: MIT
"""python -m metaplast plot DIR|FILE [--out fig.png|svg]"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="metaplast plot",
        description="Draw the standard figure of a run directory, a "
                    "record.nc, theory.nc or sweep.nc.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plot", help="draw a record's standard figure")
    p.add_argument("source", help="run directory or .nc file")
    p.add_argument("--out", help="write the figure here (png, svg, pdf); "
                   "default: SOURCE's directory/figure.png")
    a = ap.parse_args(argv)
    from pathlib import Path

    from .plot import plot
    src = Path(a.source)
    if not src.exists():
        print(f"metaplast plot: {src}: no such file or directory",
              file=sys.stderr)
        return 2
    out = a.out or str((src if src.is_dir() else src.parent) / "figure.png")
    if Path(out).exists() and not a.out:
        print(f"metaplast plot: {out} exists; give --out", file=sys.stderr)
        return 2
    try:
        plot(src, out=out)
    except (ValueError, FileNotFoundError, OSError) as e:
        print(f"metaplast plot: {a.source}: {e}", file=sys.stderr)
        return 2
    print(f"figure: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
