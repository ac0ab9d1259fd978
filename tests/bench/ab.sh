#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ab.sh: two builds of the command on the same workloads, in one run,
# alternating (A, B, A, B, ...) so that both see the same machine; prints
# the best wall time of each (whole process: set-up, simulation, files),
# synapse updates per second and the ratio A / B.  Not a test:
# docs/PERFORMANCE.md records its output.
#
#   usage: tests/bench/ab.sh OLD/metaplast NEW/metaplast [REPS] [WORKLOAD...]
#
# Workloads (tests/bench/configs/, experiments/): ensemble (cascade n = 10,
# N = 10^7, 400 memories), dense (5000 x 2000 BCM, 500 steps), small (the
# 16 x 8 bcm-selectivity experiment, 600 000 steps), sparse (recurrent,
# 1500 neurons, fan-in 200, 4000 steps).  Each run writes into a temporary
# directory, removed at exit.  MP_AB_THREADS sets run.threads (default:
# the command's own default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
a=$(realpath "${1:?usage: ab.sh OLD/metaplast NEW/metaplast [REPS] [WORKLOAD...]}")
b=$(realpath "${2:?usage: ab.sh OLD/metaplast NEW/metaplast [REPS] [WORKLOAD...]}")
reps=${3:-3}
shift $(($# < 3 ? $# : 3))
work=("$@")
[ ${#work[@]} -gt 0 ] || work=(ensemble dense small sparse)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

config_of() {
  case $1 in
    ensemble) echo "$here/configs/ensemble-1e7.ini" ;;
    dense) echo "$here/configs/dense-5000x2000.ini" ;;
    small) echo "$here/../../experiments/bcm-selectivity/selectivity.ini" ;;
    sparse) echo "$here/configs/sparse-1500.ini" ;;
    *) echo "ab.sh: unknown workload '$1' (ensemble, dense, small, sparse)" >&2
       exit 2 ;;
  esac
}
# Synapse updates of each workload (synapses x memories or steps).
updates_of() {
  case $1 in
    ensemble) echo 4e9 ;; dense) echo 5e9 ;; small) echo 7.68e7 ;;
    sparse) echo 1.2e9 ;;
  esac
}

# Seconds of one whole run of binary $1 on config $2.
one() {
  local out=$tmp/run t0 t1 set=()
  rm -rf "$out"
  [ -z "${MP_AB_THREADS:-}" ] || set=(--set "run.threads=$MP_AB_THREADS")
  t0=$(date +%s.%N)
  "$1" run "$2" --out "$out" --quiet "${set[@]}" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $(date -u +%F)"
echo "A = $a"
echo "B = $b"
echo "best of $reps, alternating; threads: ${MP_AB_THREADS:-default}"
printf '%-10s %10s %10s %12s %12s %8s\n' workload "A s" "B s" "A upd/s" "B upd/s" "A/B"
for w in "${work[@]}"; do
  cfg=$(config_of "$w")
  ta="" tb=""
  for ((r = 0; r < reps; r++)); do
    ta=$(min "$ta" "$(one "$a" "$cfg")")
    tb=$(min "$tb" "$(one "$b" "$cfg")")
  done
  u=$(updates_of "$w")
  awk -v w="$w" -v a="$ta" -v b="$tb" -v u="$u" 'BEGIN {
    printf "%-10s %10.3f %10.3f %12.3g %12.3g %8.2f\n", w, a, b, u / a, u / b, a / b }'
done
