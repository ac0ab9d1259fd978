#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-device-checks.sh: every GPU check in one call on a machine with an
# NVIDIA GPU, from the bundle tests/gpu/pack.sh made (.device/).  Runs the
# CUDA-vs-CPU bit-identity tests (ensembles and networks), the RNG test,
# the ensemble benchmark on the device and on the host, the network
# benchmark on the device, the attractor network's bit-identity tests and
# benchmark on the device, and prints two short tables last: the checks,
# and per kernel the measured updates/s against the limit modelled for an
# H200 (tests/bench/roofline.h, docs/PERFORMANCE.md "GPU"), with bytes/s
# over the device copy bandwidth measured in the same run.  Logs go to
# $OUT (or /tmp/mp-device) when set.
set -uo pipefail
cd "$(dirname "$0")/../.."
log=${OUT:-/tmp/mp-device}
mkdir -p "$log"
tar -xJf .device/bundle.tar.xz -C .device && . .device/bundle/env.sh
export PATH=/usr/local/cuda/bin:$PATH
export LD_LIBRARY_PATH="/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
nvidia-smi -L | tee "$log/gpu.txt"
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem \
  --format=csv | tee -a "$log/gpu.txt"

status() { [[ $1 -eq 0 ]] && echo PASS || echo "FAIL ($1)"; }
test_gpu --jobs 1 --verbose >"$log/test_gpu.log" 2>&1; r_gpu=$?
test_rng --jobs 1 >"$log/test_rng.log" 2>&1; r_rng=$?
timeout 300 metaplast-bench --backend cuda --synapses 1000000000 \
  --steps 256 >"$log/bench_cuda.txt" 2>&1; r_bc=$?
timeout 120 metaplast-bench --backend cpu --synapses 10000000 \
  >"$log/bench_cpu.txt" 2>&1; r_bh=$?
timeout 180 metaplast-bench-net --backend cuda --inputs 100000 \
  --neurons 10000 --steps 100 >"$log/bench_net_cuda.txt" 2>&1; r_nc=$?
test_attr_gpu --jobs 1 --verbose >"$log/test_attr_gpu.log" 2>&1; r_ag=$?
timeout 180 metaplast-bench-attr --backend cuda --neurons 30000 \
  --presentations 16 >"$log/bench_attr_cuda.txt" 2>&1; r_ac=$?
tail -n 20 "$log/test_gpu.log"
tail -n 5 "$log/test_attr_gpu.log"
cat "$log/bench_cuda.txt" "$log/bench_cpu.txt" "$log/bench_net_cuda.txt" \
  "$log/bench_attr_cuda.txt"

echo
echo "== metaplast device checks ($(date -u +%F))"
printf '%-34s %s\n' "gpu_ensemble (CUDA == CPU, bits)" "$(status $r_gpu)" \
  "rng (Philox == cuRAND)" "$(status $r_rng)" \
  "bench cuda N=1e9" "$(status $r_bc)" "bench cpu N=1e7" "$(status $r_bh)" \
  "bench network cuda 1e9 synapses" "$(status $r_nc)" \
  "gpu_attractor (CUDA == CPU, bits)" "$(status $r_ag)" \
  "bench attractor cuda N=30000" "$(status $r_ac)"
echo
echo "== kernels against their model (limit: modelled for an H200, not measured)"
bash tests/gpu/roofline-table.sh "$log/bench_cuda.txt" \
  "$log/bench_net_cuda.txt" "$log/bench_attr_cuda.txt"
