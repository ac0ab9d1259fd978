#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: LTD priming of LTP.  For each delay, three runs of
# priming.ini: naive (no LTD induction), primed (LTD induction on pathway
# A, then the LTP test on pathway B after the delay) with the two-component
# threshold, and the same primed protocol with the activity component
# alone (bcm.priming_tau = 0).  Results and the figure in OUT (default
# ./runs/biphasic-priming); a run already there is continued, not
# repeated.  The metaplast it runs: $METAPLAST, else the one on PATH, else
# built from this source tree (experiments/lib.sh).  Needs Debian's
# python3-xarray, python3-netcdf4, python3-matplotlib (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/biphasic-priming}
mkdir -p "$out"
# Phases: baseline 6 h (both pathways, no plasticity), induction 15 min
# (pathway A at half the baseline rate: LTD; or, naive, the baseline
# continued), the delay (baseline), the LTP test 1 min (pathway B at
# twice the baseline rate, plasticity on), then baseline.
delays="5min 15min 30min 1h 90min 2h 3h 4h 6h 8h"
for d in $delays; do
  for kind in naive primed activity; do
    if [[ $kind == naive ]]; then
      set_mod="0, 0, 0, 1, 0"
      set_scale="1, 1, 1, 2, 1"
      set_pat="all, all, all, 1, all"
    else
      set_mod="0, 1, 0, 1, 0"
      set_scale="1, 0.5, 1, 2, 1"
      set_pat="all, 0, all, 1, all"
    fi
    extra=()
    [[ $kind == activity ]] && extra=(--set bcm.priming_tau=0)
    # The Hopf warnings (one per phase with plasticity) are about
    # plasticity running for many oscillations; here it runs only during
    # the 15 min induction and the 1 min test.
    mp_run "$out/$kind-$d" "$here/priming.ini" \
      --set "protocol.durations=6h, 15min, $d, 1min, 5min" \
      --set "protocol.modulator=$set_mod" --set "protocol.scale=$set_scale" \
      --set "protocol.patterns=$set_pat" "${extra[@]}" \
      >/dev/null 2> >(grep -v 'Hopf bifurcation of the BCM threshold' >&2)
  done
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/priming.png" $delays
