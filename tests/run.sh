#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: the whole test suite on a fresh machine: installs what is missing,
# builds (CUDA kernels included where nvcc exists), runs every test.  GPU
# tests skip themselves without a device.  Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
cd "${MP_BUILD:-build}"
ctest --output-on-failure
