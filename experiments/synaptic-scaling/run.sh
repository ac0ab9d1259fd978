#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: synaptic scaling alone (no Hebbian changes): networks
# started far below and far above the target rate converge to it, each
# neuron's weight ratios kept.  Results and the figure in OUT (default
# ./runs/synaptic-scaling); the metaplast it runs: $METAPLAST, else the
# one on PATH, else built from this source tree (experiments/lib.sh).
# Needs Debian's python3-xarray, python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/synaptic-scaling}
for w in 0.05 2; do
  mp_run "$out/w$w" "$here/scaling.ini" --set network.w_init=$w >/dev/null
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/scaling.png"
