#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_mpi.sh: a run split across MPI ranks gives the single-process
# result bit for bit, for a synapse ensemble (N not a multiple of the
# 128-synapse tile, so blocks are uneven) and for rate networks (dense
# feed-forward; recurrent sparse with heterosynaptic normalisation,
# noise and synaptic scaling; recurrent with discrete cascade synapses;
# silent-neuron counts), on 1, 2 and 3 ranks, with the threshold's
# priming component and intrinsic plasticity (both rules) on 2 and 3, and
# a Benna-Fusi chain (float variables, double sums) on 2 and 3;
# checkpoints written by 3 ranks resume on 2 ranks and on one process; a
# run stopped by SIGUSR1 to mpirun (as SLURM signals a batch job)
# checkpoints, exits 75 and resumes on another rank count to the same
# result; bad input under mpirun is refused once, exit 2.  The ensemble
# records its occupancy series, the sparse network the weights of neurons
# held by different ranks, the discrete one both (the rows move to rank
# 0, the counts are summed over ranks).  Compares every value of
# checkpoint.nc and record.nc (ncdump's data section; the headers differ
# in the command line).
# Exits 77 (skipped) in a build without MPI (second argument OFF, as
# CMake passes it); a build with MPI that cannot run it fails.
#   usage: test_mpi.sh PATH/TO/metaplast [ON|OFF]
set -uo pipefail
metaplast=$(realpath "${1:?usage: test_mpi.sh PATH/TO/metaplast [ON|OFF]}")
if [[ ${2:-ON} != ON ]]; then
  echo "SKIP: this build has no MPI"
  exit 77
fi
command -v mpirun >/dev/null || { echo "FAIL: no mpirun"; exit 1; }
"$metaplast" --version | grep -q "MPI: built" ||
  { echo "FAIL: built with MPI, but --version does not say so"; exit 1; }
# As root, and more ranks than the 2 cores (OpenMPI's own switches).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
source "$(dirname "$(realpath "$0")")/../lib/check.sh"
T=$(mktemp -d /tmp/mp-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
# data FILE: every variable's values.
data() { ncdump "$1" | sed -n '/^data:/,$p'; }
# same A B: the two runs agree on every value they wrote.
same() {
  local f
  for f in checkpoint record; do
    cmp -s <(data "$1/$f.nc") <(data "$2/$f.nc") ||
      { echo "  $1/$f.nc and $2/$f.nc differ"; return 1; }
  done
}
run() { mpirun -np "$1" "$metaplast" "${@:2}"; }

cat >e.ini <<INI
[run]
memories = 3000
threads = 1
backend = cpu
[ensemble]
synapses = 100001
[synapse]
model = cascade
n = 6
[measure]
max_age = 500
every = 5
[record]
states = on
INI
"$metaplast" run e.ini --out ref --quiet >/dev/null
for np in 1 2 3; do
  run $np run e.ini --out np$np --quiet >/dev/null
  check "$np rank(s) = one process, bit for bit" same ref np$np
done

# Checkpoint from 3 ranks, resumed on 2 ranks and on one process.
run 3 run e.ini --set run.memories=1500 --out half --quiet >/dev/null
cp -r half half2
run 2 resume half --until 3000 --quiet >/dev/null
check "3-rank checkpoint resumed on 2 ranks" same ref half
"$metaplast" resume half2 --until 3000 --quiet >/dev/null
check "3-rank checkpoint resumed in one process" same ref half2

# A Benna-Fusi chain: float variables and double sums, compared at
# round-trip precision (its sums follow one tree over the tiles,
# whatever the ranks).
exact() { ncdump -p 9,17 "$1" | sed -n '/^data:/,$p'; }
same_exact() {
  local f
  for f in checkpoint record; do
    cmp -s <(exact "$1/$f.nc") <(exact "$2/$f.nc") ||
      { echo "  $1/$f.nc and $2/$f.nc differ"; return 1; }
  done
}
cat >bf.ini <<INI
[run]
memories = 600
threads = 1
backend = cpu
[ensemble]
synapses = 100001
f = 0.3
[synapse]
model = benna_fusi
bf_m = 5
[measure]
max_age = 400
every = 5
INI
"$metaplast" run bf.ini --out bf-ref --quiet >/dev/null
for np in 2 3; do
  run $np run bf.ini --out bf-np$np --quiet >/dev/null
  check "benna_fusi: $np ranks = one process, bit for bit" \
    same_exact bf-ref bf-np$np
done
run 3 run bf.ini --set run.memories=450 --out bf-half --quiet >/dev/null
run 2 resume bf-half --until 600 --quiet >/dev/null
check "benna_fusi: 3-rank checkpoint resumed on 2 ranks" \
  same_exact bf-ref bf-half

# SIGUSR1 to mpirun: every rank stops at the same memory, rank 0 writes
# the checkpoint, exit 75; resumed on 3 ranks = uninterrupted.
cat >long.ini <<INI
[run]
memories = 20000
threads = 1
backend = cpu
[ensemble]
synapses = 200001
[synapse]
model = cascade
n = 6
[measure]
max_age = 2000
every = 50
[checkpoint]
every = 2000
INI
"$metaplast" run long.ini --out longref --quiet >/dev/null
mpirun -np 2 "$metaplast" run long.ini --out long --quiet >/dev/null \
  2>long.err &
pid=$!
for _ in $(seq 300); do
  [[ -f long/checkpoint.nc ]] && break
  sleep 0.1
done
kill -USR1 $pid
wait $pid
rc=$?
check "SIGUSR1 to mpirun: exit 75 (got $rc)" test $rc -eq 75
check "stopped cleanly, said once" \
  test "$(grep -c 'stopped cleanly' long.err)" -eq 1
done_at=$("$metaplast" info long/checkpoint.nc | grep -o "[0-9]* of [0-9]*")
check "stopped before the end ($done_at)" \
  test "$done_at" != "20000 of 20000"
run 3 resume long --quiet >/dev/null
check "resumed on 3 ranks = uninterrupted" same longref long

# A failure on one rank mid-run (rank 2, an injected device error): every
# rank ends (exit 3, no hang), the last checkpoint is intact, and a resume
# on 2 ranks ends as the uninterrupted run.
timeout 300 mpirun -np 2 "$metaplast" run long.ini --out onefail --quiet : \
  -np 1 env MP_FAULT=device-error@100 "$metaplast" run long.ini \
  --out onefail --quiet >/dev/null 2>onefail.err
rc=$?
check "one rank fails: all end, exit 3 (got $rc)" test $rc -eq 3
check "one rank fails: its message" \
  grep -q "device error in advance.*the last checkpoint is intact" onefail.err
check "one rank fails: checkpoint intact" \
  bash -c "'$metaplast' info onefail/checkpoint.nc | grep -q 'checksums:      OK'"
run 2 resume onefail --quiet >/dev/null
check "one rank fails: resumed on 2 ranks = uninterrupted" same longref onefail

# Rate networks: neurons split across ranks, rates exchanged every step.
cat >ff.ini <<INI
[run]
paradigm = network
seed = 3
duration = 20s
threads = 1
backend = cpu
[network]
dt = 1ms
inputs = 16
neurons = 7
w_init = 0.5
w_min = -10
w_max = 10
[input]
patterns = 4
kind = orthonormal
switch_every = 20ms
[bcm]
rule = bcm
tau_w = 20s
tau_theta = 1s
y0 = 1
[record]
interval = 2s
INI
cat >rec.ini <<INI
[run]
paradigm = network
seed = 9
duration = 2h
threads = 1
backend = cpu
[network]
dt = 1s
inputs = 64
neurons = 13
topology = recurrent
fan_in = 20
w_init = 0.05
w_init_recurrent = 0.01
w_min = -100
w_max = 100
[input]
patterns = 8
kind = binary
switch_every = 1s
noise = 0.1
[bcm]
rule = bcm
tau_w = 1h
tau_theta = 10min
hetero_segment = 5
[scaling]
interval = 10min
target = 2
alpha = 0.5
max_factor = 2
[record]
interval = 10min
weights = 0, 5, 12
INI
cat >disc.ini <<INI
[run]
paradigm = network
seed = 5
duration = 20s
threads = 1
backend = cpu
[network]
dt = 1ms
inputs = 32
neurons = 11
topology = recurrent
synapse = discrete
w_weak = 0
w_strong = 0.2
x_on = 0.1
w_min = -10
w_max = 10
[synapse]
model = cascade
n = 4
[input]
patterns = 4
kind = orthonormal
switch_every = 20ms
[bcm]
rule = bcm
tau_w = 5s
tau_theta = 1s
y0 = 1
[record]
interval = 2s
weights = every:2
states = on
INI
for net in ff rec disc; do
  "$metaplast" run $net.ini --out $net --quiet >/dev/null
  for np in 2 3; do
    run $np run $net.ini --out $net-np$np --quiet >/dev/null
    check "network $net on $np ranks = one process" same $net $net-np$np
  done
done
run 3 run rec.ini --set run.duration=1h --out nhalf --quiet >/dev/null
cp -r nhalf nhalf1
run 2 resume nhalf --set run.duration=2h --quiet >/dev/null
check "3-rank network checkpoint resumed on 2 ranks" same rec nhalf
"$metaplast" resume nhalf1 --set run.duration=2h --quiet >/dev/null
check "3-rank network checkpoint resumed in one process" same rec nhalf1
# The threshold's priming component and intrinsic plasticity (bias on
# the recurrent network, gain on the dense one): per-neuron variables
# split with the rows, gathered into checkpoints and records.  (More
# excitability on top of rec.ini's scaling makes its recurrent rates run
# away: its bias adapts slowly, toward rates it reaches anyway.)
ext=(--set bcm.priming_tau=20min --set bcm.priming_gain=3
  --set intrinsic.tau=2h --set intrinsic.rule=bias --set intrinsic.target=2)
extff=(--set bcm.priming_tau=2s --set bcm.priming_gain=2
  --set intrinsic.tau=5s --set intrinsic.target=1)
"$metaplast" run rec.ini "${ext[@]}" --out ext --quiet >/dev/null
check "priming and intrinsic bias: the reference run completes" \
  test -f ext/checkpoint.nc -a ! -e ext/checkpoint-diagnostic.nc
"$metaplast" run ff.ini "${extff[@]}" --out extff --quiet >/dev/null
check "priming and intrinsic gain: the reference run completes" \
  test -f extff/checkpoint.nc -a ! -e extff/checkpoint-diagnostic.nc
for np in 2 3; do
  run $np run rec.ini "${ext[@]}" --out ext-np$np --quiet >/dev/null
  check "priming and intrinsic bias on $np ranks = one process" \
    same ext ext-np$np
  run $np run ff.ini "${extff[@]}" --out extff-np$np --quiet >/dev/null
  check "priming and intrinsic gain on $np ranks = one process" \
    same extff extff-np$np
done
run 3 run rec.ini "${ext[@]}" --set run.duration=1h --out ehalf \
  --quiet >/dev/null
run 2 resume ehalf --set run.duration=2h --quiet >/dev/null
check "priming and intrinsic bias: 3-rank checkpoint resumed on 2 ranks" \
  same ext ehalf

# Silent neurons (record.silent_after): the counts of every rank's rows
# reach every rank, and a 3-rank checkpoint carries them to 2 ranks.
sil=(--set record.silent_after=4s --set "protocol.durations=8s, 12s"
  --set "protocol.scale=1, 0")
"$metaplast" run ff.ini "${sil[@]}" --out sil --quiet >/dev/null 2>&1
for np in 2 3; do
  run $np run ff.ini "${sil[@]}" --out sil-np$np --quiet >/dev/null 2>&1
  check "silent neurons on $np ranks = one process" same sil sil-np$np
done
run 3 run ff.ini "${sil[@]}" --set run.duration=10s --out silhalf \
  --quiet >/dev/null 2>&1
run 2 resume silhalf --set run.duration=20s --quiet >/dev/null 2>&1
check "silent neurons: 3-rank checkpoint resumed on 2 ranks" same sil silhalf

# Bad input under mpirun: one message, exit 2, nothing written.
run 3 run e.ini --set synapse.n=1 --out bad >out.txt 2>err.txt
rc=$?
check "bad config under mpirun: exit 2 (got $rc)" test $rc -eq 2
check "bad config: one message" test "$(grep -c 'synapse.n' err.txt)" -eq 1
check "bad config: nothing written" test ! -e bad
# A rate network split across ranks runs on the CPU: cuda is refused.
run 2 run ff.ini --set run.backend=cuda --out netcuda >out.txt 2>err.txt
rc=$?
check "network on ranks with backend cuda: exit 2 (got $rc)" test $rc -eq 2
check "network on ranks with backend cuda: one message" \
  test "$(grep -c 'split across MPI ranks runs on the CPU' err.txt)" -eq 1
check "network on ranks with backend cuda: nothing written" test ! -e netcuda

# Too big for this machine: refused up front by the node, once.
run 3 run e.ini --set ensemble.synapses=1e12 --out huge >out.txt 2>err.txt
rc=$?
check "too big under mpirun: exit 2 (got $rc)" test $rc -eq 2
check "too big: one message with the estimate" \
  test "$(grep -c 'GB of memory on this node' err.txt)" -eq 1
check "too big: nothing written" test ! -e huge
summary
