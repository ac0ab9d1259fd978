#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sweep_run.sh: sweeps on one machine, and collect's typed coordinates.
#  1. `sweep-run -j 2` of a 4-task ensemble sweep finishes every task; a
#     second sweep-run leaves them alone.
#  2. The same sweep, sweep-run killed with SIGKILL mid-way together with
#     its children, then run again: every task done, record.nc and
#     checkpoint.nc equal to the uninterrupted sweep's (every value).
#  3. SIGTERM to sweep-run reaches the tasks: they stop at a checkpoint
#     (status 75), sweep-run exits 75; run again, the results are equal.
#  4. SIGKILL to sweep-run alone: its tasks get SIGTERM and stop cleanly.
#  5. A task directory another process holds is skipped (exit 75), and
#     run by the next sweep-run once released.
#  6. Bad input exits 2 with a message: not a sweep directory, -j 0.
#  7. collect of the ensemble sweep and of a network sweep: swept values
#     as typed coordinates (counts int64, numbers float64, times float64
#     in seconds with units "s", choices strings), the network records
#     stacked over a numeric time in seconds; a sweep of 300 seeds;
#     networks of different shapes refused (exit 2).
#  8. An attractor sweep (N = 160 and 200, two cue noises, two seeds):
#     sweep, sweep-run -j 2, sweep-status, collect; every stacked value
#     (curves per age, capacities) equals its task's record.nc, the axes
#     typed (neurons int64, noise float64, seed int64); the SLURM script
#     of the sweep runs one task as a job array's task would.
# About 30 s on 2 cores.  Exits 77 (skipped) without ncdump.
#   usage: sweep_run.sh PATH/TO/metaplast
set -uo pipefail
M=$(realpath "${1:?usage: sweep_run.sh PATH/TO/metaplast}")
source "$(dirname "$(realpath "$0")")/../lib/check.sh"
command -v ncdump >/dev/null || { echo "SKIP: no ncdump"; exit 77; }
T=$(mktemp -d /tmp/mp-sweeprun-XXXXXX)
holders=()
cleanup() {
  local p
  for p in "${holders[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

data() { ncdump -p 9,17 "$1" 2>/dev/null | sed -n '/^data:/,$p'; }
# Every task of sweep $2 holds exactly the values of sweep $1's.
same_sweep() {
  local t f
  for t in 0000 0001 0002 0003; do
    for f in record checkpoint; do
      [[ -f $2/tasks/$t/$f.nc ]] || { echo "  $2/tasks/$t/$f.nc missing"; return 1; }
      cmp -s <(data "$1/tasks/$t/$f.nc") <(data "$2/tasks/$t/$f.nc") ||
        { echo "  $2/tasks/$t/$f.nc differs"; return 1; }
    done
  done
}
# Whether process $1 has ended (gone, or a zombie nobody reaps).
ended() { [[ ! -e /proc/$1 ]] || [[ $(awk '{print $3}' /proc/$1/stat 2>/dev/null) == Z ]]; }
wait_ended() {
  local p i
  for p in "$@"; do
    for ((i = 0; i < 200; i++)); do ended "$p" && break; sleep 0.05; done
  done
}
wait_for() { # wait_for FILE: up to 30 s
  local i
  for ((i = 0; i < 600; i++)); do [[ -e $1 ]] && return 0; sleep 0.05; done
  return 1
}
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }

# Four tasks of about a second each, a checkpoint every 300 memories.
cat >ens.ini <<'INI'
[run]
memories = 2400
backend = cpu
threads = 1
[ensemble]
synapses = 60000
[synapse]
n = 6
[measure]
max_age = 400
[checkpoint]
every = 300
INI
for s in a b c d e; do
  "$M" sweep ens.ini --vary synapse.model=binary,cascade \
    --vary ensemble.synapses=6e4,8e4 --out $s >/dev/null ||
    { echo "FAIL: sweep $s"; exit 1; }
done

echo "== 1: an uninterrupted sweep-run (at ${SECONDS} s)"
"$M" sweep-run a -j 2 2>a.err
rc=$?
check "sweep-run -j 2 exits 0 (got $rc)" test $rc -eq 0
check "it says 4 done" grep -q "4 tasks: 4 done" a.err
check "every task has its status 0 and a log" bash -c \
  'for t in 0000 0001 0002 0003; do [[ $(cat a/tasks/$t.status) == 0 && -s a/logs/task-$t.out ]] || exit 1; done'
check "sweep-status: 4 done" test "$("$M" sweep-status a | tail -1)" = "4 tasks: 4 done"
most=$(grep -o '\[[0-9]* of 4 done, [0-9]* running\]' a.err | awk '{print $5}' | sort -n | tail -1)
check "at most 2 tasks ran at once (most: $most)" test "${most:-9}" -le 1
"$M" sweep-run a -j 2 2>a2.err
rc=$?
check "a second sweep-run exits 0 and starts nothing (got $rc)" \
  bash -c "test $rc -eq 0 && grep -q '4 done earlier' a2.err && ! grep -q '): started' a2.err"

echo "== 2: SIGKILL to sweep-run and its tasks mid-way, then again (at ${SECONDS} s)"
"$M" sweep-run b -j 2 2>b.err &
pid=$!
wait_for b/tasks/0001/checkpoint.nc
kill -STOP $pid # no new task while its children are killed
kids=$(children $pid)
kill -KILL $kids $pid 2>/dev/null
wait $pid 2>/dev/null
wait_ended $kids
n=$(ls b/tasks/*.status 2>/dev/null | wc -l)
check "killed mid-way (tasks had run: $(echo $kids | wc -w); finished: $n of 4)" \
  bash -c "test $n -lt 4 && test -n '$kids'"
"$M" sweep-run b -j 2 2>b2.err
rc=$?
check "sweep-run again exits 0 (got $rc)" test $rc -eq 0
check "it resumed the killed tasks" grep -q resumed b2.err
check "every task equals the uninterrupted sweep's" same_sweep a b

echo "== 3: SIGTERM to sweep-run stops its tasks at a checkpoint (at ${SECONDS} s)"
"$M" sweep-run c -j 2 2>c.err &
pid=$!
wait_for c/tasks/0001/checkpoint.nc
kill -TERM $pid
wait $pid
rc=$?
check "sweep-run exits 75 (got $rc)" test $rc -eq 75
check "its running tasks stopped cleanly (status 75)" \
  bash -c "grep -lx 75 c/tasks/*.status | grep -q . && grep -q 'stopped cleanly' c/tasks/0001.err"
check "it says it was stopped" grep -q "stopped by" c.err
"$M" sweep-run c 2>c2.err
rc=$?
check "sweep-run again (default -j) exits 0 (got $rc)" test $rc -eq 0
check "every task equals the uninterrupted sweep's" same_sweep a c

echo "== 4: SIGKILL to sweep-run alone: its tasks stop cleanly (at ${SECONDS} s)"
"$M" sweep-run d -j 2 2>d.err &
pid=$!
wait_for d/tasks/0000/checkpoint.nc
kids=$(children $pid)
kill -KILL $pid
wait $pid 2>/dev/null
wait_ended $kids
check "its tasks got SIGTERM and stopped at a checkpoint" \
  bash -c "test -n '$kids' && grep -q 'stopped cleanly' d/tasks/0000.err"
"$M" sweep-run d -j 2 2>d2.err
check "sweep-run again: every task equals the uninterrupted sweep's" \
  same_sweep a d

echo "== 5: a task directory in use by another process is skipped (at ${SECONDS} s)"
mkdir -p e/tasks/0002
# The holder: a shell that takes the lock and becomes a sleep (killing
# it releases the lock; flock(1) would leave it to its child).
(exec 9>e/tasks/0002/.metaplast.lock && flock -x 9 && exec sleep 120) &
holders+=($!)
sleep 0.3
"$M" sweep-run e -j 2 2>e.err
rc=$?
check "sweep-run exits 75 (got $rc)" test $rc -eq 75
check "task 0002 skipped, named with its holder" \
  grep -q "task 0002 .*skipped: .*in use by another process" e.err
check "the summary: 3 done, 1 skipped" grep -q "3 done, 1 skipped" e.err
check "task 0002 untouched" test ! -e e/tasks/0002/config.ini
kill -KILL "${holders[@]}"
wait "${holders[@]}" 2>/dev/null
holders=()
"$M" sweep-run e -j 2 2>e2.err
rc=$?
check "released: sweep-run runs it (exit $rc)" \
  bash -c "test $rc -eq 0 && grep -q '1 done, 3 done earlier' e2.err"
check "every task equals the uninterrupted sweep's" same_sweep a e

echo "== 6: bad input (at ${SECONDS} s)"
"$M" sweep-run nowhere 2>bad.err
rc=$?
check "not a sweep directory: exit 2 (got $rc)" test $rc -eq 2
check "... saying so: $(head -1 bad.err)" grep -q "not a sweep directory" bad.err
"$M" sweep-run a -j 0 2>bad.err
rc=$?
check "-j 0: exit 2 (got $rc)" test $rc -eq 2
check "... saying what -j takes: $(head -1 bad.err)" \
  grep -q -- "-j: expected an integer from 1 to 1024, got: 0" bad.err
"$M" sweep-run a -j 2 extra 2>bad.err
check "an extra argument: exit 2 (got $?)" grep -q "unexpected argument" bad.err

echo "== 7: collect, typed coordinates, networks (at ${SECONDS} s)"
cat >net.ini <<'INI'
[run]
paradigm = network
threads = 1
backend = cpu
seed = 3
duration = 1s
[network]
dt = 1ms
inputs = 40
neurons = 6
[input]
patterns = 3
switch_every = 20ms
[bcm]
tau_w = 20s
tau_theta = 1s
[record]
interval = 0.25s
INI
"$M" sweep net.ini --vary run.duration=500ms,1s --vary bcm.y0=1,2.5 \
  --seeds 2 --out n >/dev/null
"$M" sweep-run n -j 2 2>n.err
check "sweep-run of a network sweep exits 0 (got $?)" grep -q "8 tasks: 8 done" n.err
"$M" collect a >collect-a.out
check "collect of the ensemble sweep exits 0 (got $?)" test -s a/sweep.nc
"$M" collect n >collect-n.out
rc=$?
check "collect of the network sweep exits 0 (got $rc): $(cat collect-n.out)" \
  test $rc -eq 0
if /usr/bin/python3 -c 'import xarray' 2>/dev/null; then
  /usr/bin/python3 - >py.out 2>&1 <<'PY'
import numpy as np
import xarray as xr
bad = []
def want(what, ok):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        bad.append(what)
a = xr.open_dataset("a/sweep.nc")
want("ensemble: ensemble_synapses int64 [60000, 80000]",
     a.ensemble_synapses.dtype == np.int64 and
     list(a.ensemble_synapses.values) == [60000, 80000])
want("ensemble: synapse_model labels",
     [str(v) for v in a.synapse_model_label.values] == ["binary", "cascade"])
want("ensemble: seed int64", a.seed.dtype == np.int64)
want("ensemble: every task complete", int(a.complete.sum()) == 4)
n = xr.open_dataset("n/sweep.nc")
d = n.run_duration
want("network: run_duration float64 [0.5, 1] in s (%s %s %s)" %
     (d.dtype, list(d.values), d.attrs.get("units")),
     d.dtype == np.float64 and list(d.values) == [0.5, 1.0] and d.attrs.get("units") == "s")
want("network: bcm_y0 float64 [1, 2.5], units 1",
     n.bcm_y0.dtype == np.float64 and list(n.bcm_y0.values) == [1.0, 2.5]
     and n.bcm_y0.attrs.get("units") == "1")
want("network: seed int64 [3, 4]", n.seed.dtype == np.int64 and list(n.seed.values) == [3, 4])
want("network: time float64 in s, 0 to 1 by 0.25 (%s)" % list(n.time.values),
     n.time.dtype == np.float64 and n.time.attrs.get("units") == "s" and
     np.allclose(n.time.values, [0, 0.25, 0.5, 0.75, 1.0]))
w = n.w_mean.sel(run_duration=0.5, bcm_y0=2.5, seed=4)
want("network: a 0.5 s task has 3 entries, then NaN (%s)" % list(w.values),
     bool(np.isfinite(w.values[:3]).all() and np.isnan(w.values[3:]).all()))
want("network: theta over the axes, time and neuron",
     n.theta.dims == ("run_duration", "bcm_y0", "seed", "time", "neuron"))
want("network: every task complete", int(n.complete.sum()) == 8)
r = xr.open_dataset("n/tasks/0007/record.nc")
want("network: task 0007's record in its cell",
     np.array_equal(n.rate.sel(run_duration=1.0, bcm_y0=2.5, seed=4).values, r.rate.values))
raise SystemExit(1 if bad else 0)
PY
  rc=$?
  sed 's/^/  /' py.out
  check "xarray reads the typed coordinates and stacked records" test $rc -eq 0
else
  echo "SKIP: the xarray checks (no xarray for /usr/bin/python3)"
fi
# More seeds than a --vary takes values (256): one task run by hand.
printf '%s\n' "[ensemble]" "synapses = 2000" "[run]" "memories = 200" \
  "threads = 1" "[measure]" "max_age = 50" >tiny.ini
"$M" sweep tiny.ini --vary synapse.model=binary --seeds 300 --out many >/dev/null
"$M" run many/tasks/0299.ini --out many/tasks/0299 --quiet >/dev/null
"$M" collect many >collect-many.out 2>&1
rc=$?
check "collect of 300 seeds, one run (exit $rc): $(tail -1 collect-many.out)" \
  grep -q "1 of 300 tasks finished.*seed = 300" collect-many.out
"$M" sweep net.ini --vary network.neurons=4,6 --out shapes >/dev/null
"$M" sweep-run shapes -j 2 2>/dev/null
"$M" collect shapes 2>shapes.err
rc=$?
check "networks of two shapes: collect exits 2 (got $rc): $(head -1 shapes.err)" \
  bash -c "test $rc -eq 2 && grep -q 'collect stacks networks of one shape' shapes.err"
check "... and writes nothing" test ! -e shapes/sweep.nc

echo "== 8: an attractor sweep (at ${SECONDS} s)"
cat >attr.ini <<'INI'
[run]
paradigm = attractor
seed = 5
memories = 30
backend = cpu
threads = 1
[attractor]
neurons = 200
[synapse]
model = binary
q = 0.2
[retrieve]
steps = 10
[measure]
every = 10
ages = 0, 2, 4, 8, 12
INI
"$M" sweep attr.ini --vary attractor.neurons=200,160 \
  --vary retrieve.noise=0.1,0.05 --seeds 2 --out at >/dev/null
"$M" sweep-run at -j 2 2>at.err
rc=$?
check "sweep-run of an attractor sweep exits 0 (got $rc)" \
  bash -c "test $rc -eq 0 && grep -q '8 tasks: 8 done' at.err"
check "sweep-status: 8 done" test "$("$M" sweep-status at | tail -1)" = "8 tasks: 8 done"
"$M" collect at >collect-at.out 2>&1
rc=$?
check "collect of the attractor sweep exits 0 (got $rc): $(cat collect-at.out)" \
  grep -qx "collect: 8 of 8 tasks finished, 8 with a record; at/sweep.nc (attractor_neurons = 2, retrieve_noise = 2, seed = 2, age)" collect-at.out
# values FILE VAR [PRECISION]: a variable's values, comma-separated
# (ncdump -v, its data section; at round-trip precision unless given).
values() {
  ncdump -p "${3:-9,17}" -v "$2" "$1" | sed -n '/^data:/,$p' |
    sed -n "/^ $2 =/,/;/p" | tr -d ' \n' | sed "s/^$2=//; s/;.*$//"
}
# global NAME FILE: an attribute's value.
global() { ncdump -p 9,17 -h "$2" | sed -n "s/^\t\t:$1 = \(.*\) ;$/\1/p"; }
check "axes typed: int64 attractor_neurons (160, 200), double retrieve_noise (0.05, 0.1), int64 seed" \
  bash -c "ncdump -h at/sweep.nc | grep -q 'int64 attractor_neurons(attractor_neurons)' &&
    ncdump -h at/sweep.nc | grep -q 'double retrieve_noise(retrieve_noise)' &&
    ncdump -h at/sweep.nc | grep -q 'int64 seed(seed)' &&
    test '$(values at/sweep.nc attractor_neurons)' = '160,200' &&
    test '$(values at/sweep.nc retrieve_noise 7)' = '0.05,0.1' &&
    test '$(values at/sweep.nc seed)' = '5,6'"
# Cell (n, noise, seed) of a (2 x 2 x 2) stack is row n*4 + noise*2 + seed;
# manifest order: neurons 200, 160; noise 0.1, 0.05; seeds 5, 6.
stacked_ok=1 compared=0
while read -r task neurons noise seed; do
  [[ $task == task ]] && continue
  i=$(( (neurons == 200) * 4 + (seed == 6) ))
  [[ $noise == 0.1 ]] && i=$((i + 2))
  rec=at/tasks/$task/record.nc
  for v in overlap overlap_sem retrieved retrieved_sem converged sweeps probes; do
    want=$(values "$rec" $v)
    got=$(values at/sweep.nc $v | tr ',' '\n' | sed -n "$((i * 5 + 1)),$((i * 5 + 5))p" | paste -sd,)
    [[ $got == "$want" ]] || { echo "  task $task $v: sweep.nc $got, record $want"; stacked_ok=0; }
  done
  for a in capacity capacity_interp capacity_theory lifetime_ideal_observer; do
    want=$(global $a "$rec")
    got=$(values at/sweep.nc $a | tr ',' '\n' | sed -n "$((i + 1))p")
    # the same double (ncdump writes "0." for an attribute, "0" in data)
    [[ -n $got && $(printf %.17g "$got") == $(printf %.17g "$want") ]] || { echo "  task $task $a: sweep.nc $got, record $want"; stacked_ok=0; }
  done
  compared=$((compared + 1))
done <at/manifest.tsv
check "every stacked value equals its task's record.nc ($compared tasks)" \
  test $stacked_ok -eq 1 -a $compared -eq 8
# The job array's script runs a task as SLURM would (task 0003 again, in
# a copy of the sweep without its results).
"$M" sweep attr.ini --vary attractor.neurons=200,160 \
  --vary retrieve.noise=0.1,0.05 --seeds 2 --out at2 >/dev/null
check "the attractor sweep's SLURM script is valid bash" bash -n at2/sweep.sbatch
SLURM_ARRAY_TASK_ID=3 SLURM_JOB_ID=1 bash at2/sweep.sbatch
check "... and runs task 0003 (status $(cat at2/tasks/0003.status 2>/dev/null))" \
  bash -c "test \"\$(cat at2/tasks/0003.status)\" = 0"
check "... to the same record as sweep-run's" cmp -s \
  <(data at/tasks/0003/record.nc) <(data at2/tasks/0003/record.nc)
summary
