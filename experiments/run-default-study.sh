#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-default-study.sh: sets up (packages, build) and runs the default
# study, a cascade forgetting run, into runs/default-study-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh >/dev/null
out=runs/default-study-$(date +%Y%m%d-%H%M%S)
./build/metaplast run experiments/forgetting/default.ini --out "$out" "$@"
