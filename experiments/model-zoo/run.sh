#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [OUT]: the model zoo: simulates binary, cascade (n = 10), serial
# (M = 10), two markov tables (a skipping serial chain and a random
# triangular synapse drawn by lgtri.py) and a Benna-Fusi chain
# (m = 6) at N = 10^6, computes the exact theory of each in both clocks
# (memories and Poisson time), the theory at N = 10^9, and the Benna-Fusi
# chain's theory alone over long ages and N = 10^6 ... 10^12; then plots
# and tabulates (analyze.py).  About 3 minutes on two CPU cores.
# Results and the figure in OUT (default ./runs/model-zoo); the metaplast
# it runs: $METAPLAST, else the one on PATH, else built from this source
# tree (experiments/lib.sh).
# analyze.py needs Debian's python3-xarray, python3-netcdf4 and
# python3-matplotlib, which serve /usr/bin/python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
mp_find
m=$metaplast
out=${1:-runs/model-zoo}
mkdir -p "$out"
for z in binary cascade10 serial skip10 lgtri12 bf6; do
  mp_run "$out/$z" "$here/$z.ini"
  # Dense exact curves in both clocks (theory.nc beside record.nc).
  "$m" theory "$here/$z.ini" --out "$out/$z" --clock both \
    --set measure.per_decade=40 --quiet >/dev/null
  # Summary numbers at N = 10^9.
  "$m" theory "$here/$z.ini" --out "$out/$z/N1e9" --clock both \
    --set ensemble.synapses=1e9 --quiet >/dev/null
done
# Benna-Fusi from the theory alone: long ages, N = 10^6 ... 10^12, for the
# paper's m = 6 and for a longer chain, m = 16.
for bm in 6 16; do
  for n in 6 8 10 12; do
    "$m" theory "$here/bf6.ini" --out "$out/bf_theory/m${bm}_N1e$n" \
      --clock both --set synapse.bf_m=$bm --set ensemble.synapses=1e$n \
      --set run.memories=2e11 --set measure.max_age=1e11 \
      --set measure.per_decade=20 --quiet >/dev/null
  done
done
mp_python
"$python" "$here/analyze.py" "$out" "$out/model-zoo.png"
