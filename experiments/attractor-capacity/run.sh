#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: memory capacity of an attractor network of N binary
# neurons with N^2 bounded synapses (docs/ATTRACTOR.md):
#   binary, q = 3 / sqrt(N)   N = 1000 .. 8000   (capacity ~ sqrt N)
#   binary, q = 0.2 fixed     N = 1000 .. 8000   (capacity ~ log N)
#   cascade, n = 6            N = 1000 .. 4000
#   massed vs spaced: cascade n = 6, N = 2000, each memory 3 times in a
#   row, or in blocks of 10 memories presented 3 times in turn, or once
# then analyze.py: capacity against N beside the mean-field estimate and
# the ideal observer's lifetime of the same synapses, the retrieved
# fraction against age, massed vs spaced.  About 10 minutes on 2 cores.
# MP_ATTR_LARGE=1 adds N = 16000 and 30000 (hours on a CPU; minutes on
# a GPU once the CUDA backend exists: docs/ATTRACTOR.md).
# Results and figures in OUT (default ./runs/attractor-capacity); a run
# already there is continued, not repeated.  The metaplast it runs:
# $METAPLAST, else the one on PATH, else built from this source tree
# (experiments/lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
out=${1:-runs/attractor-capacity}
mkdir -p "$out"
Ns="1000 2000 4000 8000"
[[ ${MP_ATTR_LARGE:-0} == 1 ]] && Ns="$Ns 16000 30000"
for N in $Ns; do
  q=$(awk -v n="$N" 'BEGIN { printf "%.6f", 3 / sqrt(n) }')
  mp_run "$out/binary-scaled/N$N" "$here/base.ini" \
    --set attractor.neurons="$N" --set synapse.q="$q"
  mp_run "$out/binary-fixed/N$N" "$here/base.ini" \
    --set attractor.neurons="$N" --set synapse.q=0.2 \
    --set run.memories=80
done
for N in 1000 2000 4000; do
  mp_run "$out/cascade/N$N" "$here/cascade.ini" --set attractor.neurons="$N"
done
spaced=(--set attractor.neurons=2000 --set measure.every=10)
mp_run "$out/spacing/once" "$here/cascade.ini" "${spaced[@]}"
mp_run "$out/spacing/massed" "$here/cascade.ini" "${spaced[@]}" \
  --set store.repeats=3
mp_run "$out/spacing/spaced" "$here/cascade.ini" "${spaced[@]}" \
  --set store.repeats=3 --set store.block=10
mp_python
"$python" "$here/analyze.py" "$out"
