#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pack.sh: builds the GPU checks here (sm_90, CUDA required) and bundles
# them with their shared libraries into .device/bundle.tar.xz, the folder a
# device call carries (the GPU machine has no NetCDF or Criterion).
# Then, on the device: bash tests/gpu/run-device-checks.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# Without MPI: the GPU machine has no OpenMPI to carry along.
MP_BUILD=build-device bash tests/setup.sh -DMP_CUDA=ON -DMP_MPI=OFF \
  -DCMAKE_CUDA_ARCHITECTURES="90-real;90-virtual" >/dev/null
rm -rf .device && mkdir -p .device
../shared/tools/pack-for-device .device/bundle build-device/metaplast \
  build-device/metaplast-bench build-device/metaplast-bench-net \
  build-device/metaplast-bench-attr build-device/tests/test_attr_gpu \
  build-device/tests/test_gpu \
  build-device/tests/test_rng build-device/tests/test_sim
rm -rf .device/bundle
ls -la .device
