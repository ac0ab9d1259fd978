#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: neuromodulator gating: the same input stream learned with a
# modulator level m = 0, 0.5, 1, 2 (eta_eff = eta m, theta_eff = theta / m).
# Needs Debian's python3-xarray, python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/neuromodulation-gating}
rm -rf "$out"
for m in 0 0.5 1 2; do
  ./build/metaplast run "$here/../bcm-selectivity/selectivity.ini" \
    --out "$out/m$m" --quiet --set neuromod.level=$m \
    --set run.duration=300s >/dev/null
done
/usr/bin/python3 "$here/analyze.py" "$out" "$here/gating.png"
