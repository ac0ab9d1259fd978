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
# The fuzz corpora and every input that once found a bug, replayed under
# ASan + UBSan (clang; about a minute, most of it the build).
if command -v clang >/dev/null; then
  bash tests/fuzz/run.sh replay 2>&1 | tail -n 1
fi
