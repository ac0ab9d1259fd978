#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: neuromodulator gating: the same input stream learned with a
# modulator level m = 0, 0.5, 1, 2 (eta_eff = eta m, theta_eff = theta / m).
# Results and the figure in OUT (default ./runs/neuromodulation-gating);
# the metaplast it runs: $METAPLAST, else the one on PATH, else built from
# this source tree (experiments/lib.sh).  Needs Debian's python3-xarray,
# python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/neuromodulation-gating}
for m in 0 0.5 1 2; do
  mp_run "$out/m$m" "$here/../bcm-selectivity/selectivity.ini" \
    --set neuromod.level=$m --set run.duration=300s >/dev/null
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/gating.png"
