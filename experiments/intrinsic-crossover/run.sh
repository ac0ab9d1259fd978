#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: intrinsic plasticity and the LTP/LTD crossover.  For three
# activity histories (8 h at half, the same, twice the normal input) with
# and without intrinsic plasticity: one run of the history alone
# (recorded every 10 min), and one run per test level (the history, then
# 10 s of plasticity at that input level; recorded at the start and the
# end).  Results and the figure in OUT (default
# ./runs/intrinsic-crossover); a run already there is continued, not
# repeated.  The metaplast it runs: $METAPLAST, else the one on PATH, else
# built from this source tree (experiments/lib.sh).  Needs Debian's
# python3-xarray, python3-netcdf4, python3-matplotlib (/usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/intrinsic-crossover}
mkdir -p "$out"
histories="0.5 1 2"
levels="0.1 0.14 0.2 0.28 0.4 0.56 0.8 1.1 1.6 2.2 3.2 4.5 6.4"
m() { # DIR, then the run's --set options
  local dir=$1
  shift
  # The Hopf warnings (one per phase with plasticity) are about
  # plasticity running for many oscillations; here it runs only during
  # the 10 s test.
  mp_run "$dir" "$here/crossover.ini" "$@" \
    >/dev/null 2> >(grep -v 'Hopf bifurcation of the BCM threshold' >&2)
}
for h in $histories; do
  for ip in on off; do
    extra=()
    [[ $ip == off ]] && extra=(--set intrinsic.tau=0)
    m "$out/history-$h-$ip" --set record.interval=10min \
      --set protocol.durations=8h --set protocol.modulator=0 \
      --set protocol.scale=$h "${extra[@]}"
    for s in $levels; do
      m "$out/test-$h-$ip-$s" --set run.duration=28810s \
        --set record.interval=28810s --set "protocol.durations=8h, 10s" \
        --set "protocol.modulator=0, 1" --set "protocol.scale=$h, $s" \
        "${extra[@]}"
    done
  done
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/crossover.png" \
  "$histories" "$levels"
