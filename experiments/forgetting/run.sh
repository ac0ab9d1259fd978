#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: the forgetting study: simulates binary, cascade (n = 5, 10,
# 15) and serial synapses, computes the exact theory of each on a dense
# age grid, then plots and fits them (analyze.py).  About 6 minutes on two
# CPU cores.  Results and the figure in OUT (default ./runs/forgetting);
# the metaplast it runs: $METAPLAST, else the one on PATH, else built from
# this source tree (experiments/lib.sh).
# analyze.py needs Debian's python3-xarray, python3-netcdf4 and
# python3-matplotlib, which serve /usr/bin/python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/forgetting}
mkdir -p "$out"
for m in binary cascade5 cascade10 cascade15 serial; do
  mp_run "$out/$m" "$here/$m.ini"
  "$metaplast" theory "$here/$m.ini" --out "$out/$m" \
    --set measure.per_decade=40 --quiet >/dev/null
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/forgetting.png"
