# SPDX-License-Identifier: MIT
# lib.sh: what the experiments' run.sh scripts share; sourced, not run.
# They run from any directory (results go under the current one, or
# where their first argument says), from the source tree or from a copy
# of experiments/.
#
#   mp_find            sets $metaplast: $METAPLAST if set; else metaplast
#                      on PATH; else, inside a metaplast source tree, the
#                      one tests/setup.sh builds (installing missing
#                      packages); else it fails, saying what to set.
#   mp_run DIR CONFIG [ARGS...]
#                      runs CONFIG into DIR (--quiet; the summary line on
#                      stdout).  A run already in DIR is continued
#                      (metaplast resume; a finished one is left as it
#                      is), never repeated or removed.
#   mp_python          sets $python: /usr/bin/python3 (Debian's, which
#                      has python3-xarray, python3-netcdf4 and
#                      python3-matplotlib), or fails naming what is
#                      missing.

mp_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mp_find() {
  local src build
  if [[ -n ${METAPLAST:-} ]]; then
    if [[ ! -x $METAPLAST || -d $METAPLAST ]]; then
      echo "$0: METAPLAST=$METAPLAST is not an executable file" >&2
      exit 2
    fi
    metaplast=$METAPLAST
    return
  fi
  if metaplast=$(command -v metaplast); then
    return
  fi
  src=$(cd "$mp_lib_dir/.." && pwd)
  if [[ ! -f $src/tests/setup.sh || ! -f $src/host/cli/main.c ]]; then
    echo "$0: no metaplast to run: set METAPLAST=/path/to/metaplast or" \
      "put metaplast on PATH (this script is outside a metaplast source" \
      "tree, so it cannot build one)" >&2
    exit 2
  fi
  echo "$0: no METAPLAST and no metaplast on PATH: building $src" >&2
  bash "$src/tests/setup.sh" >/dev/null
  build=${MP_BUILD:-build}
  [[ $build == /* ]] || build=$src/$build
  metaplast=$build/metaplast
}

mp_run() {
  local dir=$1 config=$2
  shift 2
  if [[ -e $dir/config.ini ]]; then
    "$metaplast" resume "$dir" --quiet
  else
    "$metaplast" run "$config" --out "$dir" --quiet "$@"
  fi
}

mp_python() {
  python=/usr/bin/python3
  if ! "$python" -c 'import xarray, netCDF4, matplotlib' 2>/dev/null; then
    echo "$0: the analysis needs $python with xarray, netCDF4 and" \
      "matplotlib (Debian: apt-get install python3-xarray" \
      "python3-netcdf4 python3-matplotlib); the runs are done" >&2
    exit 1
  fi
}
