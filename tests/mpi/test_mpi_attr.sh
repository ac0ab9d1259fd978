#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_mpi_attr.sh: an attractor network (docs/ATTRACTOR.md) split across
# MPI ranks by rows gives the single-process result bit for bit: a tied
# cascade network at f = 1/2 with the fixed threshold (N = 203: the
# splits are uneven and cut quads of rows, whose random tiles two ranks
# then share), and an independent presynaptic network at f = 0.2 with
# the coding-level threshold, a burn-in, plastic initial synapses,
# repeated blocks of memories, modulator phases and 2 threads per rank,
# each on 2 and 3 ranks; sequential and finite-temperature dynamics from
# partial cues on 2 and 3 ranks; two fan-in networks
# (attractor.fan_in = 41 of 150: stored connectivity with the
# coding-level threshold; procedural with sequential dynamics at a
# temperature), each on 2 and 3 ranks (and the latter stored on 3 ranks
# = procedural in one process); 8 neurons on 3 ranks (and with fan-in
# 5).  A checkpoint written by
# 3 ranks resumes on 2 ranks and in one process to the uninterrupted
# result; SIGUSR1 to mpirun checkpoints, exits 75 and resumes on 3
# ranks; a failure on one rank ends every rank (exit 3) with its
# checkpoint intact; a network too big for the node is refused once.
# Compares every value of checkpoint.nc and record.nc at round-trip
# precision (ncdump -p 9,17, the data sections; the headers differ in
# the command line).  Exits 77 (skipped) in a build without MPI.
#   usage: test_mpi_attr.sh PATH/TO/metaplast [ON|OFF]
set -uo pipefail
metaplast=$(realpath "${1:?usage: test_mpi_attr.sh PATH/TO/metaplast [ON|OFF]}")
if [[ ${2:-ON} != ON ]]; then
  echo "SKIP: this build has no MPI"
  exit 77
fi
command -v mpirun >/dev/null || { echo "FAIL: no mpirun"; exit 1; }
command -v ncdump >/dev/null || { echo "FAIL: no ncdump"; exit 1; }
"$metaplast" --version | grep -q "MPI: built" ||
  { echo "FAIL: built with MPI, but --version does not say so"; exit 1; }
# As root, and more ranks than the 2 cores (OpenMPI's own switches).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
source "$(dirname "$(realpath "$0")")/../lib/check.sh"
T=$(mktemp -d /tmp/mp-mpi-attr-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# data FILE: every variable's values at round-trip precision.
data() { ncdump -p 9,17 "$1" | sed -n '/^data:/,$p'; }
# same A B: both runs wrote both files, with the same values.
same() {
  local f
  for f in checkpoint record; do
    [[ -s $1/$f.nc && -s $2/$f.nc ]] ||
      { echo "  $1/$f.nc or $2/$f.nc missing"; return 1; }
    cmp -s <(data "$1/$f.nc") <(data "$2/$f.nc") ||
      { echo "  $1/$f.nc and $2/$f.nc differ"; return 1; }
  done
}
run() { mpirun -np "$1" "$metaplast" "${@:2}"; }
# at DIR: the memories its checkpoint holds ("K of M").
at() { "$metaplast" info "$1/checkpoint.nc" | grep -o "[0-9]* of [0-9]*"; }

cat >tied.ini <<INI
[run]
paradigm = attractor
seed = 5
memories = 40
threads = 1
backend = cpu
[attractor]
neurons = 203
[synapse]
model = cascade
n = 4
[retrieve]
noise = 0.1
[measure]
every = 4
max_age = 16
per_decade = 10
INI
cat >sparse.ini <<INI
[run]
paradigm = attractor
seed = 8
memories = 60
threads = 2
backend = cpu
[attractor]
neurons = 150
coding = 0.2
symmetry = independent
init = plastic
burn_in = 6
[synapse]
model = binary
q = 0.3
[store]
rule = presynaptic
repeats = 2
block = 3
phases = 20, 20
modulator = 1, 0.5
[retrieve]
noise = 0.05
threshold = coding
steps = 10
[measure]
every = 6
ages = 0, 1, 2, 4, 8, 16
INI
# The retrieval options: sequential sweeps (every rank gathers all the
# strength bits) and synchronous ones at a finite temperature, from
# partial cues.
cat >seq.ini <<INI
[run]
paradigm = attractor
seed = 9
memories = 24
threads = 2
backend = cpu
[attractor]
neurons = 131
coding = 0.3
symmetry = independent
[synapse]
model = cascade
n = 3
[retrieve]
noise = 0.2
cue = partial
dynamics = sequential
temperature = 0.02
theta = 0.01
steps = 8
[measure]
every = 4
ages = 0, 1, 2, 4, 8
INI
sed -e 's/^dynamics = sequential/dynamics = synchronous/' seq.ini >hot.ini
# Fan-in: sparse.ini's network with 41 synapses per neuron.
sed 's/^symmetry = independent$/symmetry = independent\nfan_in = 41/' \
  sparse.ini >fan.ini
sed -e 's/^threshold = coding$/threshold = fixed\
dynamics = sequential\
temperature = 0.02/' \
  -e 's/^fan_in = 41$/fan_in = 41\nconnectivity = procedural/' fan.ini \
  >fanp.ini
for net in tied sparse seq hot fan fanp; do
  "$metaplast" run $net.ini --out $net --quiet >/dev/null
  for np in 2 3; do
    run $np run $net.ini --out $net-np$np --quiet >/dev/null
    check "$net: $np ranks = one process, bit for bit" same $net $net-np$np
  done
done
# The runs retrieved something: equal records of nothing prove little.
for net in seq hot; do
  check "$net: some probes moved and some were retrieved" bash -c \
    "ncdump -v sweeps,retrieved $net/record.nc | sed -n '/^data:/,\$p' |
     grep -q '[1-9]'"
done
check "tied: the youngest memories are retrieved" \
  bash -c "ncdump -v retrieved tied/record.nc | grep -q 'retrieved = 1,'"

"$metaplast" run tied.ini --set attractor.neurons=8 --out tiny --quiet \
  >/dev/null
run 3 run tied.ini --set attractor.neurons=8 --out tiny-np3 --quiet >/dev/null
check "8 neurons on 3 ranks = one process" same tiny tiny-np3
"$metaplast" run fan.ini --set attractor.neurons=8 --set attractor.fan_in=5 \
  --out tinyfan --quiet >/dev/null
run 3 run fan.ini --set attractor.neurons=8 --set attractor.fan_in=5 \
  --out tinyfan-np3 --quiet >/dev/null
check "8 neurons, fan-in 5, on 3 ranks = one process" same tinyfan tinyfan-np3
run 3 run fanp.ini --set attractor.connectivity=stored --out fans-np3 \
  --quiet >/dev/null
check "fanp stored on 3 ranks = procedural in one process" same fanp fans-np3
check "fan: the checkpoint holds the connectivity" \
  bash -c "ncdump -h fan/checkpoint.nc | grep -q 'int presynaptic(post, slot)'"

# Checkpoints from 3 ranks, resumed on 2 ranks and in one process.
run 3 run tied.ini --set run.memories=20 --out half --quiet >/dev/null
check "tied: the 3-rank half run stopped at 20 ($(at half))" \
  test "$(at half)" = "20 of 20"
cp -r half half1
run 2 resume half --until 40 --quiet >/dev/null
check "tied: 3-rank checkpoint resumed on 2 ranks" same tied half
"$metaplast" resume half1 --until 40 --quiet >/dev/null
check "tied: 3-rank checkpoint resumed in one process" same tied half1
run 3 run sparse.ini --set run.memories=30 --out shalf --quiet >/dev/null
run 2 resume shalf --until 60 --quiet >/dev/null
check "sparse: 3-rank checkpoint resumed on 2 ranks" same sparse shalf
for net in fan fanp; do
  run 3 run $net.ini --set run.memories=30 --out $net-half --quiet >/dev/null
  run 2 resume $net-half --until 60 --quiet >/dev/null
  check "$net: 3-rank checkpoint resumed on 2 ranks" same $net $net-half
done

# SIGUSR1 to mpirun: every rank stops at the same memory, rank 0 writes
# the checkpoint, exit 75; resumed on 3 ranks = uninterrupted.
cat >long.ini <<INI
[run]
paradigm = attractor
seed = 2
memories = 1500
threads = 1
backend = cpu
[attractor]
neurons = 512
[synapse]
model = binary
q = 0.15
[measure]
every = 10
max_age = 40
per_decade = 8
[checkpoint]
every = 100
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
check "stopped before the end ($(at long))" test "$(at long)" != "1500 of 1500"
run 3 resume long --quiet >/dev/null
check "resumed on 3 ranks = uninterrupted" same longref long

# A failure on one rank mid-run (rank 2, an injected device error): every
# rank ends (exit 3, no hang), the last checkpoint is intact, and a
# resume on 2 ranks ends as the uninterrupted run.
timeout 300 mpirun -np 2 "$metaplast" run long.ini --out onefail --quiet : \
  -np 1 env MP_FAULT=device-error@60 "$metaplast" run long.ini \
  --out onefail --quiet >/dev/null 2>onefail.err
rc=$?
check "one rank fails: all end, exit 3 (got $rc)" test $rc -eq 3
check "one rank fails: its message, once" \
  test "$(grep -c 'MPI rank 2: device error in advance' onefail.err)" -eq 1
check "one rank fails: checkpoint intact" \
  bash -c "'$metaplast' info onefail/checkpoint.nc | grep -q 'checksums:      OK'"
run 2 resume onefail --quiet >/dev/null
check "one rank fails: resumed on 2 ranks = uninterrupted" same longref onefail

# Too big for this machine: refused up front by the node, once.
run 3 run tied.ini --set attractor.neurons=1000000 --out huge \
  >out.txt 2>err.txt
rc=$?
check "too big under mpirun: exit 2 (got $rc)" test $rc -eq 2
check "too big: one message with the estimate" \
  test "$(grep -c 'GB of memory on this node' err.txt)" -eq 1
check "too big: nothing written" test ! -e huge
summary
