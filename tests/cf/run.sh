#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh: every kind of file metaplast writes passes the CF checker
# (cfchecker 4.1.0, `cfchecks`, against CF-1.8, the version the files
# declare) with 0 errors and 0 warnings: record.nc, checkpoint.nc and
# theory.nc of synapse ensembles (a cascade in the Poisson clock, a
# Benna-Fusi chain), record.nc and checkpoint.nc of rate networks
# (continuous and discrete synapses; with the threshold's priming
# component and intrinsic plasticity; with silent-neuron reports),
# record.nc, checkpoint.nc and theory.nc of an attractor network (all-to-all,
# and with fan-in: its N x K states and connectivity), and sweep.nc of
# ensembles, networks (a network sweep with times given out of order and
# in two units) and attractor networks.
# Offline: the standard-name, area-type and region tables are the empty
# ones in tests/cf/tables (the files use none).  A file with one broken
# unit must fail the same check (the checker is not blind).
#   usage: run.sh PATH/TO/metaplast    (exit 77 = skipped: no cfchecks;
#                                       bash tests/setup.sh installs it)
set -uo pipefail
here=$(dirname "$(realpath "$0")")
metaplast=$(realpath "${1:?usage: run.sh PATH/TO/metaplast}")
source "$here/../lib/check.sh"
if ! command -v cfchecks >/dev/null || ! cfchecks -h >/dev/null 2>&1; then
  echo "SKIP: no working cfchecks (pip install cfchecker==4.1.0, with the"
  echo "      udunits2 library: bash tests/setup.sh installs both)"
  exit 77
fi
command -v ncgen >/dev/null && command -v ncdump >/dev/null ||
  { echo "SKIP: no ncdump/ncgen (netcdf-bin)"; exit 77; }
T=$(mktemp -d /tmp/mp-cf-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

# cf FILE: cfchecks' verdict; prints its summary and, on failure, every
# message it gave.
cf() {
  local out rc
  out=$(cfchecks -v auto -s "$here/tables/standard-names.xml" \
    -a "$here/tables/area-types.xml" -r "$here/tables/region-names.xml" \
    "$1" 2>&1)
  rc=$?
  echo "  $1: $(grep -E '^(ERRORS detected|WARNINGS given):' <<<"$out" |
    paste -sd ' ')"
  if ((rc)) || ! grep -qx 'ERRORS detected: 0' <<<"$out" ||
    ! grep -qx 'WARNINGS given: 0' <<<"$out"; then
    grep -E '^(FATAL|ERROR|WARN|Traceback)|Error' <<<"$out" | sed 's/^/    /'
    return 1
  fi
}
m() { "$metaplast" "$@" >/dev/null 2>>"$T/errors.txt"; }

printf '%s\n' "[run]" "memories = 600" "threads = 1" "backend = cpu" \
  "[ensemble]" "synapses = 4096" "[synapse]" "model = cascade" "n = 4" \
  "[measure]" "every = 5" "max_age = 300" "per_decade = 4" \
  "clock = poisson" >ens.ini
printf '%s\n' "[run]" "paradigm = network" "duration = 0.5s" "threads = 1" \
  "backend = cpu" "[network]" "dt = 1ms" "inputs = 8" "neurons = 3" \
  "[input]" "patterns = 2" "switch_every = 20ms" "[record]" \
  "interval = 0.1s" "histogram_bins = 8" >net.ini

m run ens.ini --out ens --quiet
m run ens.ini --set synapse.model=benna_fusi --out bf --quiet
m theory ens.ini --clock both --out theory --quiet
m theory ens.ini --set synapse.model=benna_fusi --out theory-bf --quiet
m run net.ini --out net --quiet
m run net.ini --set network.synapse=discrete --set synapse.model=binary \
  --out net-discrete --quiet
# Everything [record] can add: the occupancy of states (an ensemble and a
# discrete network), recorded weights and depths.
m run ens.ini --set record.states=on --out ens-states --quiet
m run net.ini --set network.synapse=discrete --set synapse.model=cascade \
  --set record.states=on --set record.weights=every:2 --out net-rec --quiet
# The threshold's priming component and intrinsic plasticity: their
# per-neuron variables in the record and the checkpoint.
m run net.ini --set bcm.priming_tau=10min --set intrinsic.tau=10min \
  --out net-priming --quiet
# Silent neurons: silent(time, neuron) in the record, silent_steps in the
# checkpoint (a phase without input silences every neuron; the log's
# report of them is expected, not kept).
"$metaplast" run net.ini --set record.silent_after=0.2s \
  --set "protocol.durations=0.2s, 0.3s" --set "protocol.scale=1, 0" \
  --out net-silent --quiet >/dev/null 2>"$T/silent-log.txt"
# An attractor network (docs/ATTRACTOR.md): its retrieval curve and
# capacities in record.nc, its N x N synapse states in checkpoint.nc.
printf '%s\n' "[run]" "paradigm = attractor" "memories = 40" "threads = 1" \
  "backend = cpu" "[attractor]" "neurons = 64" "coding = 0.5" \
  "[synapse]" "model = cascade" "n = 3" "[measure]" "every = 2" \
  "max_age = 20" "per_decade = 4" >attr.ini
m run attr.ini --out attr --quiet
m theory attr.ini --out attr-theory --quiet
m run attr.ini --set attractor.symmetry=independent \
  --set attractor.fan_in=20 --out attr-fan --quiet
check "net-silent: record.nc holds silent" \
  bash -c "ncdump -h net-silent/record.nc | grep -q 'double silent(time, neuron)'"
for f in ens/record.nc ens/checkpoint.nc bf/record.nc bf/checkpoint.nc \
  theory/theory.nc theory-bf/theory.nc net/record.nc net/checkpoint.nc \
  net-discrete/record.nc net-discrete/checkpoint.nc ens-states/record.nc \
  ens-states/checkpoint.nc net-rec/record.nc net-rec/checkpoint.nc \
  net-priming/record.nc net-priming/checkpoint.nc net-silent/record.nc \
  net-silent/checkpoint.nc attr/record.nc attr/checkpoint.nc \
  attr-theory/theory.nc attr-fan/record.nc attr-fan/checkpoint.nc; do
  check "$f: CF-1.8, 0 errors, 0 warnings" cf "$f"
done

# Sweeps: linked keys (numbers, given out of order: a coordinate must be
# monotonic), a text axis, seeds.
m sweep ens.ini \
  --vary 'ensemble.synapses+synapse.q=4096:0.3,2048:0.4,3072:0.35' \
  --vary synapse.model=binary,cascade --seeds 2 --out sw-ens
m sweep net.ini --vary bcm.y0=1,2 --vary input.kind=orthonormal,binary \
  --vary bcm.tau_theta=1s,500ms --out sw-net
m sweep attr.ini --vary attractor.neurons=64,48 --vary retrieve.noise=0.1,0.2 \
  --seeds 2 --out sw-attr
for s in sw-ens sw-net sw-attr; do
  for ini in "$s"/tasks/*.ini; do
    m run "$ini" --out "${ini%.ini}" --quiet
  done
done
# collected DIR: collect exits 0 and DIR/sweep.nc passes; its header
# in DIR.cdl.
collected() {
  "$metaplast" collect "$1" >/dev/null 2>>"$T/errors.txt"
  local rc=$?
  check "collect $1: exit 0 (got $rc)" test "$rc" -eq 0
  check "$1/sweep.nc: CF-1.8, 0 errors, 0 warnings" cf "$1/sweep.nc"
  ncdump -h "$1/sweep.nc" >"$1.cdl"
}
# axis DIR VAR VALUES: the coordinate's values, in this order.
axis() {
  ncdump -v "$2" "$1/sweep.nc" | grep -q "^ $2 = $3 ;"
}
collected sw-ens
check "... its numeric axis a coordinate variable of counts" \
  grep -q 'int64 ensemble_synapses(ensemble_synapses)' sw-ens.cdl
check "... its values sorted" axis sw-ens ensemble_synapses '2048, 3072, 4096'
collected sw-net
# Times given out of order and in two units: seconds, sorted.
check "... its time axis a coordinate variable in seconds" \
  grep -q 'bcm_tau_theta:units = "s"' sw-net.cdl
check "... its values sorted: 0.5, 1" axis sw-net bcm_tau_theta '0.5, 1'
check "... its text axis a label" grep -q 'char input_kind_label(' sw-net.cdl
for att in config_ini history sweep_command_line command_line \
  config_network_neurons; do
  check "... global attribute $att" grep -q ":$att = " sw-net.cdl
done

collected sw-attr
check "... its axes coordinate variables: neurons as counts, sorted" \
  axis sw-attr attractor_neurons '48, 64'
check "... the capacities over the axes" \
  grep -q 'double capacity_interp(attractor_neurons, retrieve_noise, seed)' \
  sw-attr.cdl
# The checker is not blind: one unit that is not UDUNITS' is an error.
ncdump ens/record.nc | sed 's/age:units = "1"/age:units = "memories"/' \
  >bad.cdl
ncgen -4 -o bad-record.nc bad.cdl
rejected() {
  ! cf "$1" >"$1.out" && grep -q 'Invalid units: memories' "$1.out"
}
check "a record with age:units = \"memories\" fails the check" \
  rejected bad-record.nc
if [[ -s errors.txt ]]; then
  echo "metaplast said:"
  sed 's/^/  /' errors.txt
fi
summary
