#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: the memory-capacity study as three sweeps over
# N = 1e4 .. 1e7:
#   binary, q = 0.1 fixed          (lifetime ~ log N)
#   binary, q = 3 / sqrt(N)        (lifetime ~ sqrt N, SNR(0) = 3)
#   cascade, n = round(log2 sqrt(N)) + 2
# Each sweep's tasks run here one after another (on a cluster:
# sbatch DIR/sweep.sbatch instead), then collect and analyze.py plot
# lifetime against N with the exact theory.  About 10 minutes on 2 cores.
# Results and the figure in OUT (default ./runs/memory-capacity); a sweep
# already there is continued, not made again.  The metaplast it runs:
# $METAPLAST, else the one on PATH, else built from this source tree
# (experiments/lib.sh).  analyze.py needs Debian's python3-xarray,
# python3-netcdf4, python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/memory-capacity}
sweep() { # name, then sweep options
  local s=$1
  shift
  [[ -e $out/$s/manifest.tsv ]] ||
    "$metaplast" sweep "$here/base.ini" --out "$out/$s" "$@" >/dev/null
}
sweep binary-fixed --set synapse.model=binary --set synapse.q=0.1 \
  --vary ensemble.synapses=1e4,1e5,1e6,1e7
sweep binary-scaled --set synapse.model=binary \
  --vary 'ensemble.synapses+synapse.q=1e4:0.03,1e5:0.009487,1e6:0.003,1e7:0.000949'
sweep cascade --set synapse.model=cascade \
  --vary 'ensemble.synapses+synapse.n=1e4:9,1e5:10,1e6:12,1e7:14'
for s in binary-fixed binary-scaled cascade; do
  for ini in "$out/$s"/tasks/*.ini; do
    mp_run "${ini%.ini}" "$ini" >/dev/null
  done
  "$metaplast" collect "$out/$s"
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/capacity.png"
