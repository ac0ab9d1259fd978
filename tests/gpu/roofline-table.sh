#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# roofline-table.sh: the benchmarks' "roofline |" lines (bench_ensemble.c,
# bench_net.c with --backend cuda) as one short table: per kernel and
# case, achieved updates/s, the modelled limit on an H200
# (tests/bench/roofline.h, docs/PERFORMANCE.md), achieved/limit, and
# achieved bytes/s over the device copy bandwidth measured in the same
# run.  Fails when the files hold no such line.
#   usage: roofline-table.sh BENCH_OUTPUT...
set -uo pipefail
grep -h '^roofline | ' "$@" | grep -v '^roofline | kernel |' | awk -F' [|] ' '
  BEGIN { printf "%-11s %-34s %10s %10s %7s %10s\n", "kernel", "case",
          "updates/s", "limit", "ach/lim", "B/s / copy"
          printf "%-11s %-34s %10s %10s %7s %10s\n", "", "", "measured",
          "modelled", "", "measured" }
  { printf "%-11s %-34s %10s %10s %7s %10s\n", $2, $3, $4, $5, $6, $8; n++ }
  END { if (!n) { print "roofline-table: no roofline lines"; exit 1 } }'
