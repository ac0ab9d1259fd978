#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# copy.sh: an experiment script runs from a copy of experiments/ outside
# the source tree, from another directory, with the metaplast that
# $METAPLAST names: its results go under the current directory, nothing
# is written into the copy, a second call continues (here: finds the run
# complete) instead of repeating or removing it, and without a binary it
# says what to set.  bcm-selectivity: about 2 s a run.
#   usage: copy.sh PATH/TO/metaplast SOURCE_DIR
set -uo pipefail
metaplast=$(realpath "${1:?usage: copy.sh PATH/TO/metaplast SOURCE_DIR}")
src=$(realpath "${2:?usage: copy.sh PATH/TO/metaplast SOURCE_DIR}")
source "$src/tests/lib/check.sh"
T=$(mktemp -d /tmp/mp-experiments-XXXXXX)
trap 'rm -rf "$T"' EXIT
cp -r "$src/experiments" "$T/copy"
mkdir "$T/work"
cd "$T/work" || exit 1
script=$T/copy/bcm-selectivity/run.sh
before=$(cd "$T/copy" && find . | sort)

METAPLAST=$metaplast bash "$script" >out.txt 2>err.txt
rc=$?
# The analysis needs Debian's python3 packages; without them the script
# says so after the run (exit 1).
if /usr/bin/python3 -c 'import xarray, netCDF4, matplotlib' 2>/dev/null; then
  check "run.sh from a copy with METAPLAST: exit 0 (got $rc)" test $rc -eq 0
  check "... the figure under the current directory" \
    test -s runs/bcm-selectivity/selectivity.png
else
  check "run.sh without the analysis packages: exit 1 (got $rc)" \
    test $rc -eq 1
  check "... saying what the analysis needs" \
    grep -q "the analysis needs /usr/bin/python3" err.txt
fi
check "... the run under the current directory" \
  test -s runs/bcm-selectivity/record.nc
check "... its summary line on stdout (results: DIR/record.nc; ...)" \
  grep -q "^results: runs/bcm-selectivity/record.nc; time = 600 s" out.txt
check "... nothing written into the copy" \
  test "$(cd "$T/copy" && find . | sort)" == "$before"

sum=$(md5sum <runs/bcm-selectivity/record.nc)
METAPLAST=$metaplast bash "$script" >out.txt 2>err.txt
check "a second call finds the run complete" \
  grep -q "the run is complete (600000 steps); nothing to do" out.txt
check "... and leaves its record as it was" \
  test "$(md5sum <runs/bcm-selectivity/record.nc)" == "$sum"

METAPLAST=$T/none bash "$script" out2 >out.txt 2>err.txt
rc=$?
check "METAPLAST naming no file: exit 2 (got $rc)" test $rc -eq 2
check "... saying so" grep -q "METAPLAST=$T/none is not an executable" err.txt
if ! PATH=/usr/bin:/bin command -v metaplast >/dev/null; then
  env -u METAPLAST PATH=/usr/bin:/bin bash "$script" out2 >out.txt 2>err.txt
  rc=$?
  check "no METAPLAST, none on PATH, outside the source tree: exit 2" \
    test $rc -eq 2
  check "... saying what to set" \
    grep -q "set METAPLAST=/path/to/metaplast or put metaplast on PATH" \
    err.txt
fi
check "... and running nothing" test ! -e out2
summary
