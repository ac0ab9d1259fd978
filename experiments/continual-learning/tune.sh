#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tune.sh [OUT]: the matching of learning rates run.sh uses.  Runs the
# discrete synapse kinds at several tau_w (tau_theta = tau_w / 5), three
# seeds each, beside the continuous synapses (tau_w = 5 s), and prints
# each one's learning time of the newest task (analyze.py: the time for a
# task's selectivity to rise by 0.5 after its phase begins, mean over the
# five tasks and the seeds) and the tau_w at which it equals the
# continuous synapses', interpolated in log tau_w.  About 3 minutes on
# 2 cores.  Results in OUT (default ./runs/continual-learning-tune); a run
# already there is continued, not repeated.  The metaplast it runs:
# $METAPLAST, else the one on PATH, else built from this source tree
# (experiments/lib.sh).  Needs Debian's python3-xarray, python3-netcdf4
# (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/continual-learning-tune}
mkdir -p "$out"
run() { # name seed tau_w [--set ...]
  mp_run "$out/$1-$3-s$2" "$here/base.ini" --set run.seed="$2" \
    --set bcm.tau_w="$3s" \
    --set bcm.tau_theta="$(awk -v t="$3" 'BEGIN { print t / 5 }')s" \
    "${@:4}" >/dev/null
}
tb=(0.75 0.95 1.2) tc=(0.4 0.5 0.6) t8=(0.1 0.15 0.2)
for seed in 1 2 3; do
  run continuous "$seed" 5
  for i in 0 1 2; do
    run binary "$seed" "${tb[$i]}" --set network.synapse=discrete \
      --set synapse.model=binary --set synapse.q=0.5 &
    pid=$!
    run cascade "$seed" "${tc[$i]}" --set network.synapse=discrete \
      --set synapse.model=cascade --set synapse.n=5
    wait "$pid"
    run cascade8 "$seed" "${t8[$i]}" --set network.synapse=discrete \
      --set synapse.model=cascade --set synapse.n=8
  done
done
mp_python
"$python" - "$out" "$here" <<'PY'
import glob, os, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from analyze import analyse
def learning(kind):
    out = {}
    for p in glob.glob(os.path.join(sys.argv[1], f"{kind}-*-s*", "record.nc")):
        tau = float(p.split(os.sep)[-2].split("-")[1])
        out.setdefault(tau, []).append(np.nanmean(analyse(p)["learn"]))
    return {t: np.mean(v) for t, v in sorted(out.items())}
target = list(learning("continuous").values())[0]
print(f"continuous, tau_w = 5s: learning time {target:.1f} s")
for kind in ("binary", "cascade", "cascade8"):
    lt = learning(kind)
    for tau, v in lt.items():
        print(f"{kind:<10} tau_w = {tau:g}s: learning time {v:.1f} s")
    taus, v = np.log(list(lt)), np.array(list(lt.values()))
    print(f"{kind:<10} matched at tau_w = "
          f"{np.exp(np.interp(target, v, taus)):.3g}s")
PY
