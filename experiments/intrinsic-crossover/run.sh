#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: intrinsic plasticity and the LTP/LTD crossover.  For three
# activity histories (8 h at half, the same, twice the normal input) with
# and without intrinsic plasticity: one run of the history alone
# (recorded every 10 min), and one run per test level (the history, then
# 10 s of plasticity at that input level; recorded at the start and the
# end).  Needs Debian's python3-xarray, python3-netcdf4,
# python3-matplotlib.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
bash tests/setup.sh >/dev/null
out=${1:-runs/intrinsic-crossover}
rm -rf "$out"
mkdir -p "$out"
histories="0.5 1 2"
levels="0.1 0.14 0.2 0.28 0.4 0.56 0.8 1.1 1.6 2.2 3.2 4.5 6.4"
m() {
  # The Hopf warning is about plasticity running throughout; here it
  # runs only during the 10 s test.
  ./build/metaplast run "$here/crossover.ini" --quiet "$@" \
    >/dev/null 2> >(grep -v 'warning: bcm.tau_theta' >&2)
}
for h in $histories; do
  for ip in on off; do
    extra=()
    [[ $ip == off ]] && extra=(--set intrinsic.tau=0)
    m --out "$out/history-$h-$ip" --set record.interval=10min \
      --set protocol.durations=8h --set protocol.modulator=0 \
      --set protocol.scale=$h "${extra[@]}"
    for s in $levels; do
      m --out "$out/test-$h-$ip-$s" --set run.duration=28810s \
        --set record.interval=28810s --set "protocol.durations=8h, 10s" \
        --set "protocol.modulator=0, 1" --set "protocol.scale=$h, $s" \
        "${extra[@]}"
    done
  done
done
/usr/bin/python3 "$here/analyze.py" "$out" "$here/crossover.png" \
  "$histories" "$levels"
