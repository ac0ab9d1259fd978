#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# golden.sh: no change to any result.  Runs a fixed set of small runs —
# every synapse model at f = 1/2 and f = 0.3, a burn-in, both initial
# states, explicit ages, an occupancy series; dense, sparse recurrent,
# discrete-synapse, heterosynaptic, scaling, protocol and Hebbian
# networks, one recording weights and occupancy; a resumed ensemble and
# a resumed network; four runs on 3 MPI ranks — and
# compares a digest of every value they write (the data section of
# checkpoint.nc and record.nc, at round-trip precision: ncdump -p 9,17)
# with tests/golden/expected.txt.
#
#   usage: golden.sh PATH/TO/metaplast [ON|OFF]        compare (the test)
#          golden.sh PATH/TO/metaplast [ON|OFF] --regenerate
#
# When a change is meant to change results, regenerate the file, say in
# the commit why every changed digest changed, and commit it with the
# change (docs/TESTING.md).  ON/OFF: whether the build has MPI (as CMake
# passes it); without MPI the 3-rank runs are reported as skipped and the
# test fails only on the others.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
metaplast=$(realpath "${1:?usage: golden.sh PATH/TO/metaplast [ON|OFF] [--regenerate]}")
mpi=${2:-ON}
regen=${3:-}
expected=$here/expected.txt
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
T=$(mktemp -d /tmp/mp-golden-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# digest FILE: a short hash of every value of every variable.
digest() { ncdump -p 9,17 "$1" | sed -n '/^data:/,$p' | sha256sum | cut -c1-16; }
out=$T/digests.txt
: >"$out"
# record NAME DIR: the run's two digests, one line each.
record() {
  local f
  for f in checkpoint record; do
    if [[ -f $2/$f.nc ]]; then
      echo "$1 $f $(digest "$2/$f.nc")" >>"$out"
    else
      echo "$1 $f missing" >>"$out"
    fi
  done
}
m() { "$metaplast" "$@" --quiet >/dev/null 2>>"$T/errors.txt"; }

ens() { # name, then lines of config
  local name=$1
  shift
  printf '%s\n' "[run]" "threads = 1" "backend = cpu" "memories = 400" \
    "[ensemble]" "synapses = 10037" "[measure]" "every = 3" \
    "max_age = 300" "per_decade = 8" >"$name.ini"
  printf '%s\n' "$@" >>"$name.ini"
}
ens e-binary-half "[synapse]" "model = binary" "q_plus = 0.3" "q_minus = 0.2" \
  "[ensemble]" "burn_in = 17"
ens e-binary-03 "[synapse]" "model = binary" "q_plus = 0.4" "q_minus = 0.25" \
  "[ensemble]" "f = 0.3"
ens e-cascade-half "[synapse]" "model = cascade" "n = 6" \
  "[ensemble]" "burn_in = 50"
ens e-cascade-03 "[synapse]" "model = cascade" "n = 5" "x = 0.4" \
  "[ensemble]" "f = 0.3" "init = plastic"
ens e-serial-half "[synapse]" "model = serial" "n = 8" "q = 0.3" \
  "[ensemble]" "init = plastic"
ens e-serial-03 "[synapse]" "model = serial" "n = 6" "q = 0.5" \
  "[ensemble]" "f = 0.3" "burn_in = 9" "[measure]" "ages = 0, 1, 5, 17, 200"
ens e-states "[synapse]" "model = cascade" "n = 5" "x = 0.4" \
  "[ensemble]" "init = plastic" "burn_in = 5" "[record]" "states = on"
for e in e-binary-half e-binary-03 e-cascade-half e-cascade-03 \
  e-serial-half e-serial-03 e-states; do
  m run $e.ini --out $e
  record $e $e
done
m run e-cascade-half.ini --set run.memories=320 --out e-resumed
m resume e-resumed --until 400
record e-resumed e-resumed

net() { # name, then lines of config
  local name=$1
  shift
  printf '%s\n' "[run]" "paradigm = network" "threads = 1" "backend = cpu" \
    >"$name.ini"
  printf '%s\n' "$@" >>"$name.ini"
}
net n-dense "[run]" "seed = 3" "duration = 10s" \
  "[network]" "dt = 1ms" "inputs = 37" "neurons = 7" "w_init = 0.5" \
  "[input]" "patterns = 4" "switch_every = 20ms" "noise = 0.05" \
  "[bcm]" "tau_w = 20s" "tau_theta = 1s" "[record]" "interval = 1s"
net n-sparse-rec "[run]" "seed = 9" "duration = 1h" \
  "[network]" "dt = 1s" "inputs = 64" "neurons = 13" "topology = recurrent" \
  "fan_in = 20" "w_init = 0.05" "w_init_recurrent = 0.01" "w_min = -100" \
  "w_max = 100" "[input]" "patterns = 8" "kind = binary" \
  "switch_every = 1s" "noise = 0.1" "[bcm]" "tau_w = 1h" \
  "tau_theta = 10min" "hetero_segment = 5" "[scaling]" "interval = 10min" \
  "target = 2" "alpha = 0.5" "max_factor = 2" "[record]" "interval = 10min"
net n-discrete-rec "[run]" "seed = 5" "duration = 10s" \
  "[network]" "dt = 1ms" "inputs = 32" "neurons = 11" \
  "topology = recurrent" "synapse = discrete" "w_weak = 0" \
  "w_strong = 0.2" "x_on = 0.1" "[synapse]" "model = cascade" "n = 4" \
  "[input]" "patterns = 4" "switch_every = 20ms" "[bcm]" "tau_w = 5s" \
  "tau_theta = 1s" "[record]" "interval = 1s"
net n-discrete-sparse "[run]" "seed = 6" "duration = 5s" \
  "[network]" "dt = 1ms" "inputs = 40" "neurons = 9" "fan_in = 12" \
  "synapse = discrete" "w_weak = -0.1" "w_strong = 0.3" "x_on = 0.05" \
  "[synapse]" "model = binary" "q_plus = 0.5" "q_minus = 0.3" \
  "[input]" "patterns = 5" "kind = binary" "switch_every = 10ms" \
  "noise = 0.02" "[bcm]" "tau_w = 2s" "tau_theta = 0.5s" \
  "[record]" "interval = 1s"
net n-hetero "[run]" "seed = 4" "duration = 5s" \
  "[network]" "dt = 1ms" "inputs = 50" "neurons = 6" "w_init = 0.3" \
  "[input]" "patterns = 5" "switch_every = 20ms" "[bcm]" "tau_w = 10s" \
  "tau_theta = 1s" "hetero_segment = 7" "[record]" "interval = 1s"
net n-scaling "[run]" "seed = 9" "duration = 6h" \
  "[network]" "dt = 1s" "inputs = 64" "neurons = 16" "w_init = 0.05" \
  "w_min = -100" "w_max = 100" "[input]" "patterns = 8" "kind = binary" \
  "switch_every = 1s" "noise = 0.1" "[bcm]" "rule = none" "tau_w = 1h" \
  "tau_theta = 10min" "[scaling]" "interval = 1h" "target = 2" \
  "alpha = 0.5" "max_factor = 2" "[record]" "interval = 10min"
net n-protocol "[run]" "seed = 8" "duration = 12s" \
  "[network]" "dt = 1ms" "inputs = 24" "neurons = 5" "w_init = 0.4" \
  "[input]" "patterns = 3" "switch_every = 25ms" "[bcm]" "tau_w = 10s" \
  "tau_theta = 1s" "[protocol]" "durations = 3s, 4s, 5s" \
  "patterns = all, 0+2, 1" "scale = 1, 1.5, 0.5" "modulator = 1, 0, 2" \
  "[record]" "interval = 1s"
net n-hebbian "[run]" "seed = 2" "duration = 3s" \
  "[network]" "dt = 1ms" "inputs = 20" "neurons = 4" "w_init = 0.1" \
  "w_min = 0" "w_max = 1" "[input]" "patterns = 4" "switch_every = 50ms" \
  "[bcm]" "rule = hebbian" "tau_w = 100s" "[record]" "interval = 500ms"
net n-recorded "[run]" "seed = 7" "duration = 6s" \
  "[network]" "dt = 1ms" "inputs = 32" "neurons = 11" "fan_in = 12" \
  "synapse = discrete" "w_weak = 0" "w_strong = 0.5" "x_on = 0.1" \
  "[synapse]" "model = cascade" "n = 4" "[input]" "patterns = 4" \
  "switch_every = 20ms" "[bcm]" "rule = hebbian" "tau_w = 50ms" \
  "[protocol]" "durations = 2s, 4s" "patterns = 0+1, all" \
  "[record]" "interval = 1s" "weights = every:3" "states = on"
for n in n-dense n-sparse-rec n-discrete-rec n-discrete-sparse n-hetero \
  n-scaling n-protocol n-hebbian n-recorded; do
  threads=1
  [[ $n == n-dense ]] && threads=2 # one run on two threads
  m run $n.ini --out $n --threads $threads
  record $n $n
done
m run n-sparse-rec.ini --set run.duration=25min --out n-resumed
m resume n-resumed --set run.duration=1h
record n-resumed n-resumed

if [[ $mpi == ON ]] && command -v mpirun >/dev/null; then
  for r in e-cascade-half n-sparse-rec n-discrete-rec n-recorded; do
    mpirun -np 3 "$metaplast" run $r.ini --out $r-np3 --quiet >/dev/null \
      2>>"$T/errors.txt"
    record $r-np3 $r-np3
  done
else
  for r in e-cascade-half n-sparse-rec n-discrete-rec n-recorded; do
    echo "$r-np3 checkpoint skipped" >>"$out"
    echo "$r-np3 record skipped" >>"$out"
  done
fi

if [[ $regen == --regenerate ]]; then
  if grep -q " missing$\| skipped$" "$out"; then
    echo "golden: some runs failed or were skipped; not regenerating:"
    grep " missing$\| skipped$" "$out"
    cat "$T/errors.txt"
    exit 1
  fi
  cp "$out" "$expected"
  echo "golden: wrote $(wc -l <"$expected") digests to $expected"
  exit 0
fi
failed=0 passed=0 skipped=0
while read -r name file want; do
  got=$(awk -v n="$name" -v f="$file" '$1 == n && $2 == f {print $3}' "$out")
  if [[ $got == skipped ]]; then
    skipped=$((skipped + 1))
  elif [[ $got == "$want" ]]; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name/$file.nc: digest ${got:-absent}, expected $want"
    failed=$((failed + 1))
  fi
done <"$expected"
if ((failed)) && [[ -s $T/errors.txt ]]; then
  echo "stderr of the runs:"
  cat "$T/errors.txt"
fi
echo "golden: $passed identical, $failed differ, $skipped skipped$( ((skipped)) && echo " (no MPI)")"
((failed == 0))
