#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: synaptic scaling alone (no Hebbian changes): networks started far
# below and far above the target rate converge to it, each neuron's weight
# ratios kept.  Needs Debian's python3-xarray, python3-netcdf4,
# python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/synaptic-scaling}
rm -rf "$out"
for w in 0.05 2; do
  ./build/metaplast run "$here/scaling.ini" --out "$out/w$w" --quiet \
    --set network.w_init=$w >/dev/null
done
/usr/bin/python3 "$here/analyze.py" "$out" "$here/scaling.png"
