#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# callgrind-per-update.sh: instructions per synapse update of the ensemble
# engine, by `valgrind --tool=callgrind` (a count, the same whatever else
# the machine runs): the whole command storing 201 memories minus the same
# command storing 1, over 200 x 65 536 updates (cascade n = 10, f = 1/2,
# one thread, one measurement at the end of each run).  Valgrind runs the
# path a processor without AVX-512 would (it does not emulate AVX-512).
# Not a test: docs/PERFORMANCE.md records its output.
#
#   usage: tests/bench/callgrind-per-update.sh PATH/TO/metaplast...
set -euo pipefail
command -v valgrind >/dev/null ||
  { echo "callgrind-per-update.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: callgrind-per-update.sh PATH/TO/metaplast..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # binary memories -> instructions
  cat >"$tmp/c.ini" <<EOI
[run]
memories = $2
threads = 1
backend = cpu
[ensemble]
synapses = 65536
[synapse]
model = cascade
n = 10
[measure]
ages = 0
every = $2
EOI
  rm -rf "$tmp/o"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" \
    "$1" run "$tmp/c.ini" --out "$tmp/o" --quiet 2>&1 >/dev/null |
    sed -n 's/.*refs: *//p' | tr -d ,
}
for b in "$@"; do
  hi=$(count "$b" 201)
  lo=$(count "$b" 1)
  awk -v b="$b" -v hi="$hi" -v lo="$lo" 'BEGIN {
    printf "%s: %.2f instructions per update (%d - %d over 200 x 65536)\n",
      b, (hi - lo) / (200 * 65536), hi, lo }'
done
