#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# contention.sh: does a run survive sharing the machine?  Each workload
# runs on the machine as it is ("quiet"), then beside one busy process
# (`yes` writing to /dev/null, stopped afterwards), alternately, in the
# same invocation; the table gives both wall times and their ratio.  The
# target is at most 2 (on 2 cores, two threads beside a busy third get
# 2/3 of a core each, so fully parallel work takes 1.5 times as long at
# best; a thread that waits by spinning on a core another process wants
# can make it 100).  Builds nothing; every run writes into one temporary
# directory (mktemp -d), removed at the end.  Exits 1 if a run fails or
# a ratio exceeds the target.
#
#   usage: contention.sh [PATH/TO/metaplast] [RUN OPTIONS, e.g. --threads N]
#   REPEAT=k (environment): the best of k runs of each (default 1)
#
# Workloads (threads: the program's default, all cores, unless --threads):
#   ensemble  cascade n = 10, N = 10^7, 400 memories, a measurement every 50
#   dense     BCM, 5000 inputs x 2000 neurons, 500 steps of 1 ms, no noise
#   small     experiments/bcm-selectivity: 16 x 8, 600 000 steps
#   sparse    recurrent BCM, 1500 neurons, fan-in 200, 4000 steps
set -uo pipefail
here=$(dirname "$(realpath "$0")")
metaplast=$(realpath "${1:-build/metaplast}") || exit 2
[[ -x $metaplast ]] || { echo "contention.sh: no program at $metaplast" >&2; exit 2; }
shift || true
extra=("$@")
T=$(mktemp -d /tmp/mp-contention-XXXXXX)
busy=
cleanup() {
  [[ -n $busy ]] && kill "$busy" 2>/dev/null && wait "$busy" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$T/ensemble.ini" <<'EOF'
[run]
seed = 1
memories = 400
[ensemble]
synapses = 1e7
[synapse]
model = cascade
n = 10
[measure]
every = 50
max_age = 300
EOF
cat >"$T/dense.ini" <<'EOF'
[run]
paradigm = network
seed = 2
duration = 500ms
[network]
dt = 1ms
inputs = 5000
neurons = 2000
w_init = 0.01
[input]
patterns = 4
switch_every = 20ms
noise = 0
[bcm]
tau_w = 20s
tau_theta = 1s
[record]
interval = 100ms
EOF
cp "$here/../../experiments/bcm-selectivity/selectivity.ini" "$T/small.ini"
cat >"$T/sparse.ini" <<'EOF'
[run]
paradigm = network
seed = 9
duration = 4s
[network]
dt = 1ms
topology = recurrent
inputs = 500
neurons = 1500
fan_in = 200
w_init = 0.1
w_init_recurrent = 0.02
w_min = -0.3
w_max = 0.3
[input]
patterns = 8
switch_every = 20ms
noise = 0.1
[bcm]
tau_w = 20s
tau_theta = 1s
[record]
interval = 1s
EOF

# Wall seconds of one run (its output into a new directory), or FAILED.
run_one() {
  local ini=$1 out=$2 t0 t1
  rm -rf "$out"
  t0=$(date +%s.%N)
  "$metaplast" run "$ini" --out "$out" --quiet "${extra[@]}" \
    >"$out.log" 2>&1 || { echo FAILED; return 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# The smaller of two times (FAILED wins).
best() {
  [[ -z $1 ]] && { echo "$2"; return; }
  [[ $1 == FAILED || $2 == FAILED ]] && { echo FAILED; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'
}

# Quiet and contended runs alternate, workload by workload, so that
# other load on the machine, which comes and goes, falls on both alike.
names=(ensemble dense small sparse)
declare -A quiet loaded
status=0
for ((k = 0; k < ${REPEAT:-1}; k++)); do
  for n in "${names[@]}"; do
    t=$(run_one "$T/$n.ini" "$T/$n-quiet") || status=1
    quiet[$n]=$(best "${quiet[$n]:-}" "$t")
    yes >/dev/null &
    busy=$!
    sleep 0.2
    t=$(run_one "$T/$n.ini" "$T/$n-busy") || status=1
    loaded[$n]=$(best "${loaded[$n]:-}" "$t")
    kill "$busy" 2>/dev/null
    wait "$busy" 2>/dev/null
    busy=
  done
done

printf '%-10s %9s %12s %7s %8s\n' workload "quiet s" "contended s" ratio "target"
for n in "${names[@]}"; do
  q=${quiet[$n]} l=${loaded[$n]}
  if [[ $q == FAILED || $l == FAILED ]]; then
    printf '%-10s %9s %12s %7s %8s\n' "$n" "$q" "$l" - "<= 2"
    continue
  fi
  r=$(awk -v q="$q" -v l="$l" 'BEGIN { printf "%.2f", (q > 0 ? l / q : 0) }')
  ok=$(awk -v r="$r" 'BEGIN { print ((r <= 2) ? "<= 2" : "<= 2 MISSED") }')
  [[ $ok == "<= 2" ]] || status=1
  printf '%-10s %9s %12s %7s %8s\n' "$n" "$q" "$l" "$r" "$ok"
done
for n in "${names[@]}"; do
  [[ ${quiet[$n]} == FAILED ]] && { echo "--- $n (quiet):"; cat "$T/$n-quiet.log"; }
  [[ ${loaded[$n]} == FAILED ]] && { echo "--- $n (contended):"; cat "$T/$n-busy.log"; }
done
exit $status
