#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tune.sh: the matching of learning rates run.sh uses.  Runs the discrete
# synapse kinds at several tau_w (tau_theta = tau_w / 5), three seeds
# each, beside the continuous synapses (tau_w = 5 s), and prints each
# one's learning time of the newest task (analyze.py: the time for a
# task's selectivity to rise by 0.5 after its phase begins, mean over the
# five tasks and the seeds) and the tau_w at which it equals the
# continuous synapses', interpolated in log tau_w.  About 3 minutes on
# 2 cores.
#   usage: tune.sh [OUT_DIR]          (default runs/continual-learning-tune)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/continual-learning-tune}
rm -rf "$out"
mkdir -p "$out"
run() { # name seed tau_w [--set ...]
  ./build/metaplast run "$here/base.ini" --out "$out/$1-$3-s$2" --quiet \
    --set run.seed="$2" --set bcm.tau_w="$3s" \
    --set bcm.tau_theta="$(/usr/bin/python3 -c "print($3 / 5)")s" \
    "${@:4}" >/dev/null
}
tb=(0.75 0.95 1.2) tc=(0.4 0.5 0.6) t8=(0.1 0.15 0.2)
for seed in 1 2 3; do
  run continuous $seed 5
  for i in 0 1 2; do
    run binary $seed "${tb[$i]}" --set network.synapse=discrete \
      --set synapse.model=binary --set synapse.q=0.5 &
    run cascade $seed "${tc[$i]}" --set network.synapse=discrete \
      --set synapse.model=cascade --set synapse.n=5
    wait
    run cascade8 $seed "${t8[$i]}" --set network.synapse=discrete \
      --set synapse.model=cascade --set synapse.n=8
  done
done
/usr/bin/python3 - "$out" "$here" <<'PY'
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
