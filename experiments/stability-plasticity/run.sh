#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: stability vs plasticity: a pure Hebbian rule, BCM below and above
# its Hopf condition, and BCM with synaptic scaling, 1500 s each.  Needs
# Debian's python3-xarray, python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/stability-plasticity}
rm -rf "$out"
m=./build/metaplast
$m run "$here/base.ini" --out "$out/hebbian" --quiet --set bcm.rule=hebbian
$m run "$here/base.ini" --out "$out/bcm" --quiet
$m run "$here/base.ini" --out "$out/bcm-hopf" --quiet --set bcm.tau_theta=40s \
  2>/dev/null
$m run "$here/base.ini" --out "$out/bcm-scaling" --quiet \
  --set scaling.interval=10s
/usr/bin/python3 "$here/analyze.py" "$out" "$here/stability.png"
