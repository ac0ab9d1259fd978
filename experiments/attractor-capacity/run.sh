#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: memory capacity of an attractor network of N binary
# neurons with N^2 bounded synapses (docs/ATTRACTOR.md):
#   binary, q = 3 / sqrt(N)   N = 1000, 2000, 4000   (capacity ~ sqrt N)
#   binary, q = 0.2 fixed     N = 1000, 2000, 4000   (capacity ~ log N)
#   cascade, n = 6            N = 1000, 2000, 4000
#   massed vs spaced: cascade n = 6, N = 2000, each memory once, 3 times
#   in a row (store.repeats = 3), or in blocks of 10 memories presented
#   3 times in turn (store.block = 10)
# then analyze.py: capacity against N beside the mean-field estimate and
# the ideal observer's lifetime of the same synapses, the retrieved
# fraction against age, massed vs spaced.  About 3-4 minutes on 2 cores.
# Larger networks (run.backend = auto picks a GPU where there is one;
# on 2 CPU cores N = 8000 adds about 4 minutes, 16 000 and 30 000 about
# 1.5 hours): MP_ATTR_LARGE=1 adds N = 8000, 16000 and 30000 to the
# three families; MP_ATTR_LARGE="8000 16000" adds those sizes only.
# Results and figures in OUT (default ./runs/attractor-capacity); a run
# already there is continued where it stopped (metaplast resume), a
# finished one left as it is, so the script can be stopped and called
# again.  The metaplast it runs: $METAPLAST, else the one on PATH, else
# built from this source tree (experiments/lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
case ${MP_ATTR_LARGE:-0} in
  0 | "") large="" ;;
  1) large="8000 16000 30000" ;;
  *[!0-9\ ]*)
    echo "$0: MP_ATTR_LARGE=$MP_ATTR_LARGE: expected 1 or sizes" \
      "(\"8000 16000\")" >&2
    exit 2 ;;
  *) large=$MP_ATTR_LARGE ;;
esac
out=${1:-runs/attractor-capacity}
mkdir -p "$out"
# sizes N: the three families at each size.
sizes() {
  local N q
  for N in "$@"; do
    q=$(awk -v n="$N" 'BEGIN { printf "%.6f", 3 / sqrt(n) }')
    # Past N = 8000 the scaled network's capacity nears base.ini's last
    # age (32): probe up to 48, over 120 memories.
    long=()
    if ((N > 8000)); then
      ages="$(seq -s ', ' 0 20), 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 48"
      long=(--set run.memories=120 --set "measure.ages=$ages")
    fi
    mp_run "$out/binary-scaled/N$N" "$here/base.ini" \
      --set attractor.neurons="$N" --set synapse.q="$q" "${long[@]}"
    mp_run "$out/binary-fixed/N$N" "$here/base.ini" \
      --set attractor.neurons="$N" --set synapse.q=0.2 \
      --set run.memories=80
    mp_run "$out/cascade/N$N" "$here/cascade.ini" \
      --set attractor.neurons="$N"
  done
}
sizes 1000 2000 4000
spaced=(--set attractor.neurons=2000 --set measure.every=10)
mp_run "$out/spacing/once" "$here/cascade.ini" "${spaced[@]}"
mp_run "$out/spacing/massed" "$here/cascade.ini" "${spaced[@]}" \
  --set store.repeats=3
mp_run "$out/spacing/spaced" "$here/cascade.ini" "${spaced[@]}" \
  --set store.repeats=3 --set store.block=10
# shellcheck disable=SC2086 # a list of sizes
sizes $large
mp_python
"$python" "$here/analyze.py" "$out"
