#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_mpi.sh: one synapse ensemble split across MPI ranks gives the
# single-process result bit for bit: runs with 1 (no mpirun), 1, 2 and 3
# ranks (N not a multiple of the 128-synapse tile, so blocks are uneven);
# a checkpoint written by 3 ranks resumes on 2 ranks and on one process;
# a run stopped by SIGUSR1 to mpirun (as SLURM signals a batch job)
# checkpoints, exits 75 and resumes on another rank count to the same
# result; bad input under mpirun is refused once, exit 2.  Compares the
# checkpoint's state and accumulators and the record's curves with ncdump.
# Exits 77 (skipped) without mpirun or in a build without MPI.
#   usage: test_mpi.sh PATH/TO/metaplast
set -uo pipefail
metaplast=$(realpath "${1:?usage: test_mpi.sh PATH/TO/metaplast}")
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }
"$metaplast" --version | grep -q "MPI: built" ||
  { echo "SKIP: this build has no MPI"; exit 77; }
# As root, and more ranks than the 2 cores (OpenMPI's own switches).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
T=$(mktemp -d /tmp/mp-mpi-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
passed=0
failed=0
check() { # check NAME COMMAND...
  if "${@:2}"; then
    echo "PASS: $1"
    passed=$((passed + 1))
  else
    echo "FAIL: $1"
    failed=$((failed + 1))
  fi
}
# data() FILE VAR: the values of one variable.
data() { ncdump -v "$2" "$1" | sed -n '/^data:/,$p'; }
# same A B: the two runs agree on every array.
same() {
  local v
  for v in state probes signal_mean signal_m2; do
    cmp -s <(data "$1/checkpoint.nc" $v) <(data "$2/checkpoint.nc" $v) ||
      { echo "  $1 and $2 differ in checkpoint $v"; return 1; }
  done
  for v in signal signal_sem snr probes; do
    cmp -s <(data "$1/record.nc" $v) <(data "$2/record.nc" $v) ||
      { echo "  $1 and $2 differ in record $v"; return 1; }
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

# Bad input under mpirun: one message, exit 2, nothing written.
run 3 run e.ini --set synapse.n=1 --out bad >out.txt 2>err.txt
rc=$?
check "bad config under mpirun: exit 2 (got $rc)" test $rc -eq 2
check "bad config: one message" test "$(grep -c 'synapse.n' err.txt)" -eq 1
check "bad config: nothing written" test ! -e bad
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
