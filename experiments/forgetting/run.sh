#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: the forgetting study: simulates binary, cascade (n = 5, 10, 15)
# and serial synapses, computes the exact theory of each on a dense age
# grid, then plots and fits them (analyze.py).  About 6 minutes on two
# CPU cores.  Results in runs/forgetting/ (or $1).
# analyze.py needs Debian's python3-xarray, python3-netcdf4 and
# python3-matplotlib, which serve /usr/bin/python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/forgetting}
mkdir -p "$out"
for m in binary cascade5 cascade10 cascade15 serial; do
  if [[ ! -f $out/$m/record.nc ]]; then
    ./build/metaplast run "$here/$m.ini" --out "$out/$m" --quiet
  fi
  ./build/metaplast theory "$here/$m.ini" --out "$out/$m" \
    --set measure.per_decade=40 --quiet >/dev/null
done
/usr/bin/python3 "$here/analyze.py" "$out" "$here/forgetting.png"
