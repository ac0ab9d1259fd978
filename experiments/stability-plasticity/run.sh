#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: stability vs plasticity: a pure Hebbian rule, BCM below and
# above its Hopf condition, and BCM with synaptic scaling, 1500 s each.
# Results and the figure in OUT (default ./runs/stability-plasticity); the
# metaplast it runs: $METAPLAST, else the one on PATH, else built from
# this source tree (experiments/lib.sh).  Needs Debian's python3-xarray,
# python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/stability-plasticity}
mp_run "$out/hebbian" "$here/base.ini" --set bcm.rule=hebbian
mp_run "$out/bcm" "$here/base.ini"
# Past the Hopf condition: the warning saying so is expected.
mp_run "$out/bcm-hopf" "$here/base.ini" --set bcm.tau_theta=40s 2>/dev/null
mp_run "$out/bcm-scaling" "$here/base.ini" --set scaling.interval=10s
mp_python
"$python" "$here/analyze.py" "$out" "$out/stability.png"
