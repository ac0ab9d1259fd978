#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: the whole test suite on a fresh machine: installs what is missing,
# builds (CUDA kernels included where nvcc exists), runs every test.  GPU
# tests skip themselves without a device.  Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
# Everything, the real-SLURM sweep (installs slurm-wlm and munge) and the
# MPI runs (mpirun -np 1..3) included.
(cd "${MP_BUILD:-build}" && ctest --output-on-failure)
# The CPU test programs again, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (-fno-sanitize-recover=all: any report fails
# its test; a leak in a spawned metaplast fails it too).  Scaled down:
# MP_TEST_SCALE=4 divides the synapse counts of test_sim (its tolerances
# follow the standard errors) and of test_cli's ensemble runs; the MPI and
# SLURM scripts, the CF checker, sweep-run, the benchmarks' printing and
# the experiment-script tests (scripts around the same code) are not
# rerun.
cmake -S . -B build-asan -DMP_CUDA=OFF -DMP_MPI=OFF \
  -DMP_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
(cd build-asan && MP_TEST_SCALE=4 ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -L cpu -LE "mpi|cf|sweep|experiments|bench")
# The fuzz corpora and every input that once found a bug, replayed under
# ASan + UBSan (clang; about a minute, most of it the build).
if command -v clang >/dev/null; then
  bash tests/fuzz/run.sh replay 2>&1 | tail -n 1
fi
