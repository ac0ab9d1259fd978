#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: BCM selectivity: simulate (seconds) and plot.  Results and
# the figure in OUT (default ./runs/bcm-selectivity); the metaplast it
# runs: $METAPLAST, else the one on PATH, else built from this source tree
# (experiments/lib.sh).  Needs Debian's python3-xarray, python3-netcdf4,
# python3-matplotlib (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/bcm-selectivity}
mp_run "$out" "$here/selectivity.ini"
mp_python
"$python" "$here/analyze.py" "$out/record.nc" "$out/selectivity.png"
