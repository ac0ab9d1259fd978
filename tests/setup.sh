#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: installs the build dependencies (Debian packages) that are
# missing, then configures and builds metaplast into build/ (or $MP_BUILD).
# Usage: bash tests/setup.sh [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

# libudunits2-0 and python3-pip: the CF checker of tests/cf (below).
pkgs=(cmake make gcc g++ pkg-config libnetcdf-dev netcdf-bin libcriterion-dev
      libinih-dev openmpi-bin libopenmpi-dev
      python3-venv python3-pip python3-setuptools python3-wheel
      python3-numpy python3-xarray python3-netcdf4 python3-matplotlib
      python3-tqdm python3-pytest libudunits2-0)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
fi

# The CF checker (cfchecks) of tests/cf, from PyPI for the default python3
# (Debian's own python3 marks its packages externally managed: allowed
# here, as a test tool).  Pinned: its verdicts are part of the tests.
cf_pins=(cfchecker==4.1.0 cfunits==3.3.7)
if ! command -v cfchecks >/dev/null || ! cfchecks -h >/dev/null 2>&1; then
  echo "setup: installing ${cf_pins[*]} (pip)"
  PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore \
    python3 -m pip install -q --disable-pip-version-check "${cf_pins[@]}"
fi

# nvcc lives in /usr/local/cuda/bin on these machines; the CUDA kernels are
# compiled whenever it exists (MP_CUDA=AUTO), even without a GPU.
if [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
build=${MP_BUILD:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$(nproc)"
