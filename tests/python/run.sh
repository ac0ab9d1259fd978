#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD_DIR: the Python package's test suite.  Installs the package
# (python/) as a user would, with pip, into a virtual environment over
# Debian's python3 packages (numpy, xarray, netCDF4, matplotlib, tqdm,
# pytest: tests/setup.sh installs them), building libmetaplast.so in
# BUILD_DIR; then runs python/tests with pytest.  Exits 77 (skipped)
# where /usr/bin/python3 lacks those packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
py=/usr/bin/python3
if ! "$py" -c 'import venv, xarray, netCDF4, pytest, matplotlib' 2>/dev/null
then
  echo "python tests: /usr/bin/python3 lacks venv, xarray, netCDF4, pytest or" \
       "matplotlib (tests/setup.sh installs them): skipped"
  exit 77
fi
env=$build/pyenv
[[ -x $env/bin/python ]] || "$py" -m venv --system-site-packages "$env"
cd "$root"
METAPLAST_BUILD_DIR=$build "$env/bin/pip" install -q --no-build-isolation \
  --no-deps ./python
cd "$build"  # nothing the tests write lands in the source tree
PATH="$env/bin:$PATH" METAPLAST=$build/metaplast \
  "$env/bin/python" -m pytest -q -p no:cacheprovider \
  -W "ignore:numpy.ndarray size changed" "$root/python/tests"
