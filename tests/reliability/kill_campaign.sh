#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill_campaign.sh: a run survives a signal at any moment.  30 trials,
# alternating a synapse ensemble and a rate network (each about 1.2 s
# here, 5 and 9 periodic checkpoints), each started in the background
# and sent, after a random delay (counted from its exec) between 0 and
# the measured length of an uninterrupted run (so during set-up, mid-run,
# around checkpoints and during the final write), a random signal out of
# TERM INT USR1 HUP XCPU and ALRM, or SIGKILL (one trial in each group of
# three, at a random place).  Whether DIR/config.ini and DIR/checkpoint.nc existed just
# before the signal is recorded.  Checks for each trial:
#   - the run's exit status is 0 (it finished first), 75 (it stopped
#     cleanly at a checkpoint) or death by SIGKILL (137), nothing else
#     (a death by a caught signal, a crash, an error) — except a death by
#     the signal itself while /proc/PID/status shows it not yet caught
#     (SigCgt) and before config.ini: the start-up before main(), the
#     dynamic loader's, where no program can have a handler ("early");
#   - `resume DIR` then exits 0 and the run's checkpoint.nc and record.nc
#     hold exactly the values of an uninterrupted run (ncdump's data
#     sections at round-trip precision, -p 9,17); where SIGKILL came
#     before config.ini existed, `resume` must refuse with exit 2 ("no
#     run to continue here") and `run` into the same directory (holding
#     at most the lock file) must give the uninterrupted result instead.
# Plus two runs (one per paradigm) whose standard output is a pipe closed
# after its first byte (`| head -c 1`): they must finish (exit 0, no
# SIGPIPE death) with the uninterrupted result.  The campaign must have
# covered kills both before the first checkpoint.nc existed and after.
# RANDOM is seeded (12345), so the delays and signals are the same on
# every rerun; where a kill lands in the run still depends on timing.
# Prints one line per check ("ok: ..." / "FAIL: ..."), a table of trials
# per signal and outcome, and exits 0 if every check passed, 1 if not,
# 77 (skipped) without ncdump.  About 45 s on a 2-core machine.
#   usage: kill_campaign.sh PATH/TO/metaplast
set -uo pipefail
source "$(dirname "$(realpath "$0")")/../lib/reliability.sh"
metaplast=$(realpath "${1:?usage: kill_campaign.sh PATH/TO/metaplast}")
RANDOM=12345
skip() {
  echo "SKIP: $*"
  exit 77
}
[[ -x $metaplast ]] || skip "$metaplast is not an executable"
command -v ncdump >/dev/null || skip "no ncdump (netcdf-bin)"

T=$(mktemp -d /tmp/mp-kill-XXXXXX)
live=() # runs started in the background and not yet waited for
cleanup() {
  local p
  for p in "${live[@]}"; do
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cd "$T" || exit 1

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }
# reap PID LIMIT_S: waits (up to LIMIT_S) for a background run; its exit
# status, or 124 after killing a run that hung.
reap() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 124
  fi
  wait "$1"
}

# The two paradigms, each with several periodic checkpoints.
cat >ensemble.ini <<'INI'
[run]
memories = 1500
threads = 1
backend = cpu
[ensemble]
synapses = 150000
[measure]
max_age = 300
[checkpoint]
every = 300
INI
cat >network.ini <<'INI'
[run]
paradigm = network
threads = 1
backend = cpu
seed = 3
duration = 135s
[network]
dt = 1ms
inputs = 200
neurons = 40
w_init = 0.5
[input]
patterns = 4
switch_every = 20ms
noise = 0.05
[bcm]
tau_w = 20s
tau_theta = 1s
[record]
interval = 1s
[checkpoint]
every = 15000
INI

# Uninterrupted references; their length sets the range of the delays.
declare -A full_ms
kill_at=0 deck=()
for p in ensemble network; do
  t0=$(now_ms)
  "$metaplast" run $p.ini --out ref-$p --quiet >/dev/null 2>ref-$p.err
  st=$?
  full_ms[$p]=$(($(now_ms) - t0))
  if ((st != 0)); then
    fail "uninterrupted $p run: exit $st: $(last ref-$p.err)"
    echo "$passed passed, $failed failed"
    exit 1
  fi
  data ref-$p/checkpoint.nc >ref-$p.checkpoint
  data ref-$p/record.nc >ref-$p.record
  echo "# uninterrupted $p run: ${full_ms[$p]} ms"
done

signals=(TERM INT USR1 HUP XCPU ALRM)
declare -A n_sig n_out
n_before=0 n_after=0
n_kill_noconfig=0 n_kill_fresh=0 n_kill_ckpt=0
trials=30
for ((i = 1; i <= trials; i++)); do
  p=network
  ((i % 2)) && p=ensemble
  # One trial in each group of three, at a random place, gets SIGKILL;
  # the others draw from a shuffled deck of the six stop signals.
  (((i - 1) % 3 == 0)) && kill_at=$((i + RANDOM % 3))
  if ((i == kill_at)); then
    sig=KILL
  else
    ((${#deck[@]})) || deck=("${signals[@]}")
    k=$((RANDOM % ${#deck[@]}))
    sig=${deck[k]}
    deck=("${deck[@]:0:k}" "${deck[@]:k+1}")
  fi
  delay=$((RANDOM * full_ms[$p] / 32767))
  d=t$i
  "$metaplast" run $p.ini --out $d --quiet >$d.out 2>$d.err &
  pid=$!
  live=("$pid")
  # The delay counts from the exec of metaplast, not from the shell's
  # fork (a signal to the fork would kill the shell, not test metaplast).
  for ((w = 0; w < 100000; w++)); do
    exe=
    read -r -d '' exe 2>/dev/null </proc/$pid/cmdline
    [[ $exe == "$metaplast" ]] || ! kill -0 $pid 2>/dev/null && break
  done
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  ckpt=no cfg=no
  [[ -f $d/checkpoint.nc ]] && ckpt=yes
  [[ -f $d/config.ini ]] && cfg=yes
  # Whether metaplast had installed its handler for the signal yet
  # (SigCgt, bit sig - 1): before main() (the dynamic loader) nothing can.
  caught=yes
  if [[ $sig != KILL ]]; then
    num=$(kill -l "$sig")
    cgt=$(awk '/^SigCgt:/ { print $2 }' /proc/$pid/status 2>/dev/null)
    [[ -n $cgt ]] && ((!((0x$cgt >> (num - 1)) & 1))) && caught=no
  fi
  kill -s "$sig" "$pid" 2>/dev/null
  reap "$pid" 60 2>/dev/null # (no job-status line from bash)
  st=$?
  live=()
  n_sig[$sig]=$((${n_sig[$sig]:-0} + 1))
  if [[ $ckpt == yes ]]; then
    n_after=$((n_after + 1))
    when="after a checkpoint"
  else
    n_before=$((n_before + 1))
    when="before any checkpoint$([[ $cfg == no ]] && echo ", before config.ini")"
  fi
  what="trial $i: $p, SIG$sig at $delay ms ($when)"
  case $st in
  0) out=finished ;;
  75) out=stopped ;;
  137) out=killed ;;
  124) out=hung ;;
  *) out=other ;;
  esac
  [[ $out == killed && $sig != KILL ]] && out=other
  # Death by the signal before its handler existed: the start-up before
  # main(), where only the default action is possible (then resumed or
  # run again below like any other).
  [[ $caught == no && $cfg == no ]] && ((st == 128 + $(kill -l "$sig"))) &&
    out=early
  [[ $out == stopped && $sig == KILL ]] && out=other
  n_out[$sig.$out]=$((${n_out[$sig.$out]:-0} + 1))
  case $out in
  finished) ok "$what: exit 0 (finished first)" ;;
  stopped) ok "$what: exit 75 (stopped at a checkpoint)" ;;
  killed) ok "$what: killed (137)" ;;
  early) ok "$what: died by it before main() had its handler (start-up, $delay ms after exec)" ;;
  hung) fail "$what: still running 60 s after the signal (killed)" ;;
  *)
    why=
    if ((st > 128)); then
      why=" (death by signal $((st - 128))"
      [[ $cfg == no ]] && ((delay < 50)) &&
        why+=", $delay ms after exec: in the start-up, before its handlers?"
      why+=")"
    fi
    fail "$what: exit $st$why: $(last $d.err)"
    ;;
  esac

  # Continue it: resume, or (killed before config.ini) run again.
  timeout 120 "$metaplast" resume $d --quiet >$d.rout 2>$d.rerr
  rs=$?
  how=resumed
  if ((rs == 2)) && [[ ! -f $d/config.ini && ! -f $d/checkpoint.nc ]]; then
    how="run again"
    if [[ $out == killed || $out == early ]]; then
      # Refused as it should be: nothing to continue.
      if [[ ! -d $d ]] || grep -q "no run to continue here" $d.rerr; then
        ok "trial $i: resume refuses, exit 2: $(last $d.rerr)"
      else
        fail "trial $i: resume exit 2 without the expected message: $(last $d.rerr)"
      fi
    elif [[ $out == finished || $out == stopped ]]; then
      fail "trial $i: exit $st left no config.ini; resume: $(last $d.rerr)"
    else
      echo "# trial $i: after that failure, resume: $(last $d.rerr)"
    fi
    timeout 120 "$metaplast" run $p.ini --out $d --quiet >$d.rout 2>$d.rerr
    rs=$?
  fi
  if [[ $out == killed ]]; then
    if [[ $how == "run again" ]]; then
      n_kill_noconfig=$((n_kill_noconfig + 1))
    elif [[ $ckpt == no ]]; then
      n_kill_fresh=$((n_kill_fresh + 1))
    else
      n_kill_ckpt=$((n_kill_ckpt + 1))
    fi
  fi
  if ((rs != 0)); then
    fail "trial $i: $how: exit $rs: $(last $d.rerr)"
  elif diff=$(same $p $d); then
    ok "trial $i: $how: exit 0, checkpoint.nc and record.nc as uninterrupted"
  else
    fail "trial $i: $how: exit 0, but$diff (against the uninterrupted run)"
  fi
done

# Standard output a pipe closed after one byte: no death by SIGPIPE.
for p in ensemble network; do
  d=pipe-$p
  "$metaplast" run $p.ini --out $d 2>$d.err | head -c 1 >/dev/null
  st=${PIPESTATUS[0]}
  n_sig[PIPE]=$((${n_sig[PIPE]:-0} + 1))
  case $st in
  0) n_out[PIPE.finished]=$((${n_out[PIPE.finished]:-0} + 1)) ;;
  *) n_out[PIPE.other]=$((${n_out[PIPE.other]:-0} + 1)) ;;
  esac
  if ((st != 0)); then
    fail "$p run into '| head -c 1': exit $st$( ((st > 128)) && echo " (death by signal $((st - 128)))"): $(last $d.err)"
  elif diff=$(same $p $d); then
    ok "$p run into '| head -c 1': exit 0, checkpoint.nc and record.nc as uninterrupted"
  else
    fail "$p run into '| head -c 1': exit 0, but$diff"
  fi
done

((n_before > 0)) && ok "coverage: $n_before signals before any checkpoint.nc existed" ||
  fail "coverage: no signal landed before the first checkpoint.nc"
((n_after > 0)) && ok "coverage: $n_after signals after a checkpoint.nc existed" ||
  fail "coverage: no signal landed after a checkpoint.nc existed"

echo
printf '%-6s %6s %6s %8s %7s %6s %6s %6s\n' signal trials "exit 0" "exit 75" killed \
  "early" hung other
for s in "${signals[@]}" KILL PIPE; do
  printf '%-6s %6d %6d %8d %7d %6d %6d %6d\n' "$s" "${n_sig[$s]:-0}" \
    "${n_out[$s.finished]:-0}" "${n_out[$s.stopped]:-0}" \
    "${n_out[$s.killed]:-0}" "${n_out[$s.early]:-0}" "${n_out[$s.hung]:-0}" \
    "${n_out[$s.other]:-0}"
done
echo "SIGKILL: $n_kill_noconfig before config.ini (resume refused, run again)," \
  "$n_kill_fresh after config.ini but before the first checkpoint (resumed" \
  "from the start), $n_kill_ckpt after a checkpoint (resumed from it);" \
  "signals before any checkpoint $n_before, after $n_after"
echo "(early: died by the signal before main() had installed its handler)"
echo "$passed passed, $failed failed"
((failed == 0))
