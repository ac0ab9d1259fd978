#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench-sim.sh: the GPU benchmarks' printing on the CPU execution harness
# (tests/cudasim): the benchmarks with --backend cuda at tiny sizes, and
# the table run-device-checks.sh prints last.  The numbers are the
# harness's, meaningless; the test is that every line is there.
#   usage: bench-sim.sh BENCH_SIM BENCH_NET_SIM BENCH_ATTR_SIM
set -uo pipefail
here=$(dirname "$0")
T=$(mktemp -d /tmp/mp-bench-sim-XXXXXX)
trap 'rm -rf "$T"' EXIT
OMP_NUM_THREADS=1 "$1" --backend cuda --synapses 1000 --steps 8 \
  >"$T/ens.txt" 2>&1 || { cat "$T/ens.txt"; exit 1; }
OMP_NUM_THREADS=1 "$2" --backend cuda --inputs 300 --neurons 3 --steps 2 \
  >"$T/net.txt" 2>&1 || { cat "$T/net.txt"; exit 1; }
OMP_NUM_THREADS=1 "$3" --backend cuda --neurons 64 --presentations 1 \
  >"$T/attr.txt" 2>&1 || { cat "$T/attr.txt"; exit 1; }
bash "$here/roofline-table.sh" "$T/ens.txt" "$T/net.txt" "$T/attr.txt" |
  tee "$T/table.txt"
rows=$(grep -cE '^(ens_advance|net_pass|attr_store|attr_pack|attr_counts) ' \
  "$T/table.txt")
[[ $rows -eq 12 ]] || { echo "bench-sim: $rows rows, expected 12"; exit 1; }
grep -q 'sweeps/s' "$T/attr.txt" ||
  { echo "bench-sim: no sweeps/s line"; exit 1; }
echo "bench-sim: 12 rows"
