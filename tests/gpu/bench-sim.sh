#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench-sim.sh: the GPU benchmarks' printing on the CPU execution harness
# (tests/cudasim): both benchmarks with --backend cuda at tiny sizes, and
# the table run-device-checks.sh prints last.  The numbers are the
# harness's, meaningless; the test is that every line is there.
#   usage: bench-sim.sh BENCH_SIM BENCH_NET_SIM
set -uo pipefail
here=$(dirname "$0")
T=$(mktemp -d /tmp/mp-bench-sim-XXXXXX)
trap 'rm -rf "$T"' EXIT
OMP_NUM_THREADS=1 "$1" --backend cuda --synapses 1000 --steps 8 \
  >"$T/ens.txt" 2>&1 || { cat "$T/ens.txt"; exit 1; }
OMP_NUM_THREADS=1 "$2" --backend cuda --inputs 300 --neurons 3 --steps 2 \
  >"$T/net.txt" 2>&1 || { cat "$T/net.txt"; exit 1; }
bash "$here/roofline-table.sh" "$T/ens.txt" "$T/net.txt" | tee "$T/table.txt"
rows=$(grep -cE '^(ens_advance|net_pass) ' "$T/table.txt")
[[ $rows -eq 8 ]] || { echo "bench-sim: $rows rows, expected 8"; exit 1; }
echo "bench-sim: 8 rows"
