#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# findings.sh: one check (or a few) per way a run directory could be
# mixed, lost or escaped, or a sweep script injected (docs/RELIABILITY.md,
# "Run directories").  Each check states what a user would see if it
# failed.  Run against an older build of metaplast, the checks that guard
# a behaviour it lacks fail: that is how each was shown to be needed.
#   usage: findings.sh PATH/TO/metaplast
# Needs: ncdump; root and tmpfs for finding 5 (skipped otherwise).
set -uo pipefail
M=$(realpath "${1:?usage: findings.sh PATH/TO/metaplast}")
source "$(dirname "$(realpath "$0")")/../lib/check.sh"
T=$(mktemp -d /tmp/mp-findings-XXXXXX)
mounts=()
cleanup() {
  local m
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  jobs -p | xargs -r kill -9 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

# A run of a few seconds (no checkpoint before its end), and a short one.
printf '%s\n' "[ensemble]" "synapses = 100000" "[run]" "memories = 8000" \
  "threads = 1" "seed = 7" "[measure]" "max_age = 500" "[checkpoint]" \
  "every = 0" >long.ini
printf '%s\n' "[ensemble]" "synapses = 20000" "[run]" "memories = 400" \
  "threads = 1" "[measure]" "max_age = 100" >short.ini
printf '%s\n' "[run]" "paradigm = network" "threads = 1" "duration = 20s" \
  "[network]" "dt = 1ms" "inputs = 64" "neurons = 16" "[input]" \
  "patterns = 4" "switch_every = 20ms" "[bcm]" "tau_w = 20s" \
  "tau_theta = 1s" "[record]" "interval = 1s" "[checkpoint]" \
  "every = 0" >net.ini

data() { ncdump -p 9,17 "$1" 2>/dev/null | sed -n '/^data:/,$p'; }
# Two run directories hold the same results (every value).
same_run() {
  local f
  for f in checkpoint.nc record.nc; do
    [[ -f $1/$f && -f $2/$f ]] || return 1
    cmp -s <(data "$1/$f") <(data "$2/$f") || return 1
  done
}
# Waits (at most 20 s) until a file exists.
wait_for() {
  local i
  for i in $(seq 400); do
    [[ -e $1 ]] && return 0
    sleep 0.05
  done
  return 1
}
seed_of() { ncdump -h "$1" | sed -n 's/.*:seed = \([0-9]*\).*/\1/p'; }
# Every file of a directory but its lock (whose holder text changes).
tree_sum() {
  find "$1" -type f ! -name .metaplast.lock -exec md5sum {} + 2>/dev/null |
    sort
}

echo "== 1: one process at a time in a run or sweep directory"
"$M" run short.ini --out ref-short --quiet >/dev/null
"$M" run long.ini --out ref-long --quiet >/dev/null
"$M" run long.ini --out one --quiet >/dev/null 2>one.err &
a=$!
wait_for one/config.ini
"$M" run long.ini --out one --set run.seed=99 --quiet >/dev/null 2>two.err
rc=$?
check "a second run into a busy directory exits 2 (got $rc)" test $rc -eq 2
check "... naming the holder" grep -q "in use by another process (pid $a on" two.err
"$M" resume one --memories 500 --quiet >/dev/null 2>three.err
rc=$?
check "resume of a running run exits 2 (got $rc)" test $rc -eq 2
wait $a
check "the first run finished (exit $?)" test -f one/record.nc
check "config.ini is the first run's (seed 7)" grep -qx "seed = 7" one/config.ini
check "its checkpoint is the first run's" test "$(seed_of one/checkpoint.nc)" = 7
check "... every value as run alone" same_run one ref-long
# A lock dies with its process: a killed run's directory resumes at once.
"$M" run long.ini --out killed --quiet >/dev/null 2>&1 &
k=$!
wait_for killed/config.ini
sleep 0.3
kill -KILL $k
wait $k 2>/dev/null
"$M" resume killed --quiet >/dev/null 2>killed.err
rc=$?
check "no stale lock: resume after SIGKILL exits 0 (got $rc)" test $rc -eq 0
check "... with the uninterrupted result" same_run killed ref-long
# A sweep directory in use (held here by flock(1), as another sweep or
# collect would hold it).
"$M" sweep short.ini --vary ensemble.f=0.5,0.3 --out swl >/dev/null
(flock swl/.metaplast.lock sleep 3) &
h=$!
sleep 0.3
"$M" collect swl >/dev/null 2>c.err
rc=$?
check "collect during another collect exits 2 (got $rc)" test $rc -eq 2
check "... saying the directory is in use" grep -q "in use by another process" c.err
mkdir swb
(flock -x swb/.metaplast.lock sleep 3) 2>/dev/null &
sleep 0.3
"$M" sweep short.ini --vary ensemble.f=0.5,0.3 --out swb >/dev/null 2>s.err
rc=$?
check "a sweep into a directory being swept exits 2 (got $rc)" test $rc -eq 2
check "... and writes nothing" test ! -e swb/manifest.tsv -a ! -e swb/tasks
wait

mkdir fifo
mkfifo fifo/.metaplast.lock
timeout 20 "$M" run short.ini --out fifo --quiet >/dev/null 2>fifo.err
rc=$?
check "a FIFO at the lock's name is refused at once: exit 2 (got $rc)" \
  test $rc -eq 2

echo "== 2: a resumption stays in its own directory"
"$M" run short.ini --out other --quiet >/dev/null
"$M" run short.ini --out mine --set run.seed=3 --set run.memories=300 \
  --quiet >/dev/null
before=$(tree_sum other)
"$M" resume mine --until 400 --set output.dir="$T/other" --quiet \
  >/dev/null 2>o.err
rc=$?
check "resume --set output.dir=OTHER exits 2 (got $rc)" test $rc -eq 2
check "... and OTHER is untouched" test "$(tree_sum other)" = "$before"
"$M" resume nowhere --quiet >/dev/null 2>n.err
rc=$?
check "resume of a directory that does not exist exits 2 (got $rc)" \
  test $rc -eq 2
"$M" resume /tmp/.. --quiet >/dev/null 2>root.err
rc=$?
check "resume of the root directory (as /tmp/..) exits 2 (got $rc)" \
  test $rc -eq 2
check "... saying it is the root directory" grep -q "root directory" root.err

echo "== 3: generated scripts run no injected command"
mkdir -p bin elsewhere
printf '#!/bin/sh\nexit 0\n' >bin/scontrol
chmod +x bin/scontrol
n=0
for out in 'sw$(touch PWNED1)' 'sw a' "sw'q" 'sw`touch PWNED2`' \
  '-lead' 'sw"dq%a' 'sw&&touch PWNED3'; do
  n=$((n + 1))
  "$M" sweep short.ini --vary ensemble.f=0.5,0.3 --out "$out" \
    >/dev/null 2>&1
  rc=$?
  check "sweep --out '$out' exits 0 (got $rc)" test $rc -eq 0
  (cd "$T/elsewhere" && SLURM_ARRAY_TASK_ID=1 SLURM_JOB_ID=1 PATH="$T/bin:$PATH" \
    bash "$T/$out/sweep.sbatch" >/dev/null 2>&1)
  check "... its task 1 ran inside it" \
    test "$(cat "$T/$out/tasks/0001.status" 2>/dev/null)" = 0
done
check "no injected command ran" \
  test -z "$(find "$T" -name 'PWNED*' 2>/dev/null)"
check "nothing written outside the sweeps" \
  test -z "$(ls -A elsewhere)" -a ! -e /tasks
"$M" sweep short.ini --vary ensemble.f=0.5 --out 'sw;x' >/dev/null 2>&1
rc=$?
check "a sweep path with ';' (not representable in INI) exits 2 (got $rc)" \
  test $rc -eq 2 -a ! -e 'sw;x'
"$M" sweep short.ini --vary ensemble.f=0.5 --out "$(printf 'sw\nx')" \
  >/dev/null 2>&1
rc=$?
check "a sweep path with a newline exits 2 (got $rc)" \
  test $rc -eq 2 -a ! -e "$(printf 'sw\nx')"

echo "== 4: resumable from the first instant; every stop signal caught"
"$M" run long.ini --out early --quiet >/dev/null 2>&1 &
k=$!
wait_for early/config.ini
kill -KILL $k
wait $k 2>/dev/null
"$M" resume early --quiet >/dev/null 2>early.err
rc=$?
check "resume after SIGKILL before any checkpoint exits 0 (got $rc)" \
  test $rc -eq 0
check "... with the uninterrupted result" same_run early ref-long
# Only the run's own config.ini is continued: edited, or written by hand,
# it is refused; a finished run whose checkpoint was removed is not rerun
# over its record.
"$M" run long.ini --out edited-ini --quiet >/dev/null 2>&1 &
k=$!
wait_for edited-ini/config.ini
kill -KILL $k
wait $k 2>/dev/null
sed -i 's/^seed = 7/seed = 8/' edited-ini/config.ini
"$M" resume edited-ini --quiet >/dev/null 2>ei.err
rc=$?
check "resume from an edited config.ini (no checkpoint): exit 2 (got $rc)" \
  test $rc -eq 2
mkdir handmade
cp short.ini handmade/config.ini
"$M" resume handmade --quiet >/dev/null 2>hm.err
rc=$?
check "resume of a hand-written config.ini: exit 2 (got $rc)" \
  bash -c "[[ $rc -eq 2 && ! -e handmade/record.nc ]]"
cp -r ref-short removed
rm removed/checkpoint.nc
before=$(tree_sum removed)
"$M" resume removed --quiet >/dev/null 2>rm.err
rc=$?
check "resume of a finished run whose checkpoint was removed: exit 2 (got $rc)" \
  test $rc -eq 2
check "... its record untouched" test "$(tree_sum removed)" = "$before"
# Temporary files of killed processes are removed by the next resume.
"$M" run long.ini --out stale --set checkpoint.every=1000 --quiet \
  >/dev/null 2>&1 &
k=$!
wait_for stale/checkpoint.nc
kill -KILL $k
wait $k 2>/dev/null
echo x >stale/checkpoint.nc.tmp.999999
echo x >stale/config.ini.tmp.999998
"$M" resume stale --quiet >/dev/null 2>&1
check "resume removes the temporary files killed processes left" \
  test -z "$(find stale -name '*.tmp.*')"
for sig in HUP XCPU ALRM TERM; do
  "$M" run long.ini --out "sig-$sig" --quiet >/dev/null 2>&1 &
  k=$!
  wait_for "sig-$sig/config.ini"
  sleep 0.5
  kill -s "$sig" $k
  wait $k
  rc=$?
  check "SIG$sig stops the run at a checkpoint: exit 75 (got $rc)" \
    test $rc -eq 75
  "$M" resume "sig-$sig" --quiet >/dev/null 2>&1
  check "... and it resumes to the uninterrupted result" \
    same_run "sig-$sig" ref-long
done
# SIGTERM in the set-up (the state of 3e7 synapses takes a while to
# build), before the directory even exists.
"$M" run long.ini --out setup --set ensemble.synapses=3e7 --quiet \
  >/dev/null 2>&1 &
k=$!
sleep 0.05
kill -TERM $k
wait $k
rc=$?
check "SIGTERM during set-up: exit 75 (got $rc)" test $rc -eq 75
check "... with a checkpoint to resume" test -f setup/checkpoint.nc
"$M" run short.ini --out piped | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
check "a run piped into head survives SIGPIPE: exit 0 (got $rc)" \
  test $rc -eq 0
check "... with the full result" same_run piped ref-short
MP_FAULT=record-enospc "$M" run net.ini --out netfull --quiet \
  >/dev/null 2>nf.err
rc=$?
check "a full disk before a network's first checkpoint: exit 3 (got $rc)" \
  test $rc -eq 3
check "... says no checkpoint was written" \
  grep -q "no checkpoint was written yet" nf.err
check "... and never claims one is intact" \
  bash -c "! grep -q 'checkpoint is intact' nf.err"

echo "== 5: a full disk ends with exit 3, never a signal"
if mkdir tiny && mount -t tmpfs -o size=64k tmpfs tiny 2>/dev/null; then
  mounts+=("$T/tiny")
  umount tiny
  mounts=()
  for size in 8k 16k 24k 32k 48k 64k 96k 128k 192k 256k; do
    mount -t tmpfs -o size=$size tmpfs tiny && mounts=("$T/tiny")
    "$M" run short.ini --out tiny/r --set ensemble.synapses=100000 \
      --quiet >/dev/null 2>&1
    rc=$?
    umount tiny
    mounts=()
    check "tmpfs of $size: exit 0, 2 or 3 (got $rc)" \
      bash -c "[[ $rc -eq 0 || $rc -eq 2 || $rc -eq 3 ]]"
  done
else
  echo "SKIP: cannot mount a tmpfs here (needs root)"
fi

echo "== 6: nothing outside the run directory is opened for writing"
echo "precious" >victim
mkdir planted
me=$(sh -c 'echo $$')
for p in $(seq $((me + 1)) $((me + 200))); do
  for f in .metaplast-write-test.$p config.ini.tmp.$p checkpoint.nc.tmp.$p \
    record.nc.tmp.$p; do
    ln -s "$T/victim" "planted/$f"
  done
done
ln -s "$T/victim" planted/.metaplast-write-test
"$M" run short.ini --out planted --quiet >/dev/null 2>&1
check "links planted at every name a run writes: the file they point to" \
  test "$(cat victim)" = precious
check "... and the run still completes" same_run planted ref-short
mkdir planted2
ln -s "$T/victim" planted2/.metaplast.lock
"$M" run short.ini --out planted2 --quiet >/dev/null 2>p2.err
rc=$?
check "a link planted at the lock file is refused: exit 2 (got $rc)" \
  test $rc -eq 2 -a "$(cat victim)" = precious

echo "== 7: output.dir is a path config.ini carries back"
"$M" run short.ini --out "$(printf 'nl\nx')" --quiet >/dev/null 2>&1
rc=$?
check "output.dir with a newline: exit 2 (got $rc)" test $rc -eq 2
check "... nothing written" test ! -e nl -a ! -e "$(printf 'nl\nx')"
"$M" run short.ini --set "output.dir= lead" --quiet >/dev/null 2>&1
rc=$?
check "output.dir with a leading space: exit 2 (got $rc)" \
  test $rc -eq 2 -a ! -e lead -a ! -e ' lead'
# (validate: a build without the check would write into /.)
"$M" validate short.ini --set output.dir=/ >/dev/null 2>&1
rc=$?
check "output.dir = /: exit 2 (got $rc)" test $rc -eq 2

echo "== 8: a sweep varies each key once"
"$M" sweep short.ini --vary ensemble.synapses=1e4,2e4 \
  --vary ensemble.synapses=3e4 --out dup >/dev/null 2>dup.err
rc=$?
check "a duplicate --vary key: exit 2 (got $rc)" test $rc -eq 2
check "... nothing written" test ! -e dup
"$M" sweep short.ini --vary ensemble.synapses+synapse.n=1e4:3 \
  --vary synapse.n=4 --out dup >/dev/null 2>&1
rc=$?
check "a key both linked and varied: exit 2 (got $rc)" test $rc -eq 2
"$M" sweep short.ini --vary run.seed=1,2 --seeds 2 --out dup >/dev/null \
  2>&1
rc=$?
check "--vary run.seed with --seeds: exit 2 (got $rc)" test $rc -eq 2
"$M" sweep short.ini --vary output.dir=a,b --out dup >/dev/null 2>&1
rc=$?
check "--vary output.dir: exit 2 (got $rc)" test $rc -eq 2 -a ! -e dup
"$M" sweep short.ini --vary ensemble.f=0.5 --out ref-short >/dev/null 2>&1
rc=$?
check "a sweep into a run's directory: exit 2 (got $rc)" test $rc -eq 2

echo "== 9: collect and sweep-status verify every task"
"$M" sweep short.ini --vary ensemble.f=0.5,0.3 --out swd >/dev/null
for t in 0000 0001; do
  "$M" run swd/tasks/$t.ini --out swd/tasks/$t --quiet >/dev/null
done
# One value of task 1's record changed, the file otherwise intact (every
# attribute kept): the first value of `signal`, rewritten through CDL.
ncdump -p 9,17 swd/tasks/0001/record.nc >rec.cdl
awk '/^ signal = /&&!done{sub(/= [^,]*/, "= 0.5"); done=1} {print}' \
  rec.cdl >bad.cdl
rm swd/tasks/0001/record.nc
ncgen -k nc4 -o swd/tasks/0001/record.nc bad.cdl
check "(the damage changed a value)" bash -c "! cmp -s rec.cdl bad.cdl"
"$M" collect swd >/dev/null 2>col.err
rc=$?
check "collect of a damaged record: exit 3 (got $rc)" test $rc -eq 3
check "... naming the task" grep -q "task 0001 (ensemble.f=0.3" col.err
check "... and writes no sweep.nc" test ! -e swd/sweep.nc
"$M" info swd/tasks/0001/record.nc >info.out 2>&1
rc=$?
check "info on the damaged record: exit 2 (got $rc), MISMATCH" \
  bash -c "[[ $rc -eq 2 ]] && grep -q MISMATCH info.out"
"$M" run short.ini --out swd --quiet >/dev/null 2>&1
rc=$?
check "a run into a sweep's directory: exit 2 (got $rc)" test $rc -eq 2
"$M" sweep-status swd >st.out 2>&1
check "sweep-status calls it damaged" grep -q "^0001 .*damaged" st.out
"$M" collect --skip-damaged swd >/dev/null 2>col2.err
rc=$?
check "collect --skip-damaged: exit 0 (got $rc), naming what it left out" \
  bash -c "[[ $rc -eq 0 ]] && grep -q 'task 0001 .*left out' col2.err"
rm swd/manifest.tsv
"$M" sweep short.ini --vary ensemble.f=0.3,0.5 --out swd >/dev/null \
  2>re.err
rc=$?
check "a re-sweep over task results without a manifest: exit 2 (got $rc)" \
  test $rc -eq 2

echo "== 10: smaller promises"
"$M" validate short.ini --set ensemble.synapses=1099511627776 >/dev/null \
  2>&1
rc=$?
check "ensemble.synapses = 2^40 is accepted (got $rc)" test $rc -eq 0
"$M" validate short.ini --set ensemble.synapses=1099511627777 >/dev/null \
  2>big.err
rc=$?
check "2^40 + 1 is refused: exit 2 (got $rc)" test $rc -eq 2
check "... the message gives the bound" grep -q "1099511627776" big.err
"$M" run short.ini --out edited --set run.memories=300 --set \
  checkpoint.every=100 --quiet >/dev/null
cp -r edited edited-ref
python3 - edited/checkpoint.nc <<'PY' 2>/dev/null
import sys
# memories_done = 300 stored as an 8-byte attribute: make it 200.
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
name = b.find(b"memories_done")
i = b.find((300).to_bytes(8, "little"), name)
b[i:i + 8] = (200).to_bytes(8, "little")
open(p, "wb").write(b)
PY
"$M" resume edited --until 400 --quiet >/dev/null 2>ed.err
rc=$?
check "an edited memories_done is refused (got $rc)" test $rc -ne 0
check "... as damage" grep -q "damaged" ed.err
"$M" run net.ini --out netshort --set run.duration=3s --quiet >/dev/null
"$M" resume netshort --set run.duration=2s --quiet >/dev/null 2>dur.err
rc=$?
check "resume --set run.duration shorter than done: exit 2 (got $rc)" \
  test $rc -eq 2
check "... saying the duration is already passed" \
  grep -q "already passed" dur.err
cp edited-ref/checkpoint.nc flipped.nc
perl -pi -e 's/metaplast_file/xetaplast_file/g' flipped.nc
"$M" info flipped.nc >/dev/null 2>fl.err
check "a checkpoint whose marker is damaged is called damaged" \
  grep -Eq "damaged|corrupt" fl.err
summary
