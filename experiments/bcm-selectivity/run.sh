#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: BCM selectivity: simulate (seconds) and plot.  Needs Debian's
# python3-xarray, python3-netcdf4, python3-matplotlib (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/bcm-selectivity}
rm -rf "$out"
./build/metaplast run "$here/selectivity.ini" --out "$out" --quiet
/usr/bin/python3 "$here/analyze.py" "$out/record.nc" "$here/selectivity.png"
