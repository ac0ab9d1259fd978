#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-default-study.sh [ARGS...]: the default study, a cascade forgetting
# run, into ./runs/default-study-<time>/ (under the current directory);
# ARGS go to metaplast run (e.g. --set ensemble.synapses=1e5).  The
# metaplast it runs: $METAPLAST, else the one on PATH, else built from this
# source tree, installing what is missing (tests/setup.sh; experiments/
# lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
mp_find
out=runs/default-study-$(date +%Y%m%d-%H%M%S)
"$metaplast" run "$here/forgetting/default.ini" --out "$out" "$@"
