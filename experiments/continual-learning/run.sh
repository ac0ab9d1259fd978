#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: continual learning with continuous, binary and cascade
# (n = 5 and 8) synapses at equal learning speed for the newest task, and
# the n = 8 cascade at a slower rate, three seeds each, then the analysis
# and the figure.  About 1.5 minutes on 2 cores.  Results and the figure
# in OUT (default ./runs/continual-learning); a run already there is
# continued, not repeated.  The metaplast it runs: $METAPLAST, else the
# one on PATH, else built from this source tree (experiments/lib.sh).
# Needs Debian's python3-xarray, python3-netcdf4, python3-matplotlib
# (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/continual-learning}
mkdir -p "$out"
# kind: the --set lines of each synapse kind.  The learning rates
# (tau_w) match the newest task's learning speed to the continuous
# synapses' (tune.sh); tau_theta = tau_w / 5 throughout, below each
# kind's Hopf threshold (docs/NETWORKS.md, Stability).
declare -A kind=(
  [continuous]=""
  [binary]="--set network.synapse=discrete --set synapse.model=binary
            --set synapse.q=0.5 --set bcm.tau_w=0.96s --set bcm.tau_theta=0.192s"
  [cascade]="--set network.synapse=discrete --set synapse.model=cascade
             --set synapse.n=5 --set bcm.tau_w=0.55s --set bcm.tau_theta=0.11s"
  [cascade8]="--set network.synapse=discrete --set synapse.model=cascade
              --set synapse.n=8 --set bcm.tau_w=0.1s --set bcm.tau_theta=0.02s"
  [cascade8slow]="--set network.synapse=discrete --set synapse.model=cascade
                  --set synapse.n=8 --set bcm.tau_w=0.25s
                  --set bcm.tau_theta=0.05s"
)
run() { # name seed
  # shellcheck disable=SC2086
  mp_run "$out/$1-s$2" "$here/base.ini" --set run.seed="$2" ${kind[$1]} \
    >/dev/null
}
# Two runs at a time; a failed one stops the script (wait PID).
for seed in 1 2 3; do
  run continuous "$seed"
  run binary "$seed" &
  pid=$!
  run cascade "$seed"
  wait "$pid"
  run cascade8 "$seed" &
  pid=$!
  run cascade8slow "$seed"
  wait "$pid"
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/continual.png"
