#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: builds the libFuzzer targets (clang, ASan + UBSan) into
# build-fuzz/ and runs one, or replays every corpus.
#   bash tests/fuzz/run.sh config SECONDS   # the config loader
#   bash tests/fuzz/run.sh ckpt SECONDS     # the checkpoint loaders
#   bash tests/fuzz/run.sh info SECONDS     # the readers behind `info`
#   bash tests/fuzz/run.sh replay           # every corpus input once (CI)
# Findings go to tests/fuzz/findings/; new corpus inputs to the corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DMP_CUDA=OFF \
  -DMP_TESTS=OFF -DMP_FUZZ=ON -DMP_SANITIZE=address,undefined,fuzzer-no-link \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_config fuzz_file >/dev/null
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export MP_PROBE_TIMEOUT=5 # damaged files that hang HDF5 are refused in 5 s
opts=(-rss_limit_mb=8192 -malloc_limit_mb=8192 -timeout=30)
# Keep going past findings (each is saved to findings/ for triage):
# malformed HDF5 files can crash inside the HDF5 library itself.
long=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
c=tests/fuzz/corpus
mkdir -p tests/fuzz/findings
case ${1:-} in
replay)
  # Seeds and every input that once found a bug (tests/fuzz/regressions).
  r=tests/fuzz/regressions
  build-fuzz/fuzz_config "${opts[@]}" $c/config/* $r/*.ini
  build-fuzz/fuzz_file "${opts[@]}" $c/checkpoint/* $c/file/* \
    $(ls $r/* | grep -v '\.ini$')
  echo "replay: $(ls $c/*/* $r/* | wc -l) inputs read without a finding"
  ;;
config)
  # New inputs go to build-fuzz/corpus-*; the committed seeds stay as
  # they are.
  mkdir -p build-fuzz/corpus-config
  build-fuzz/fuzz_config "${opts[@]}" "${long[@]}" \
    -max_total_time="${2:?seconds}" \
    -artifact_prefix=tests/fuzz/findings/ build-fuzz/corpus-config $c/config
  ;;
ckpt | info)
  dir=$c/checkpoint
  [[ $1 == info ]] && dir=$c/file
  mkdir -p "build-fuzz/corpus-$1"
  FUZZ_ONLY=$1 build-fuzz/fuzz_file "${opts[@]}" "${long[@]}" \
    -max_len=262144 \
    -max_total_time="${2:?seconds}" -artifact_prefix=tests/fuzz/findings/ \
    "build-fuzz/corpus-$1" "$dir"
  ;;
*)
  sed -n '3,9p' "$0"
  exit 2
  ;;
esac
