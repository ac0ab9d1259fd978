#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tmpfs_full.sh: a really full disk, at every stage of a run.  For tmpfs
# sizes from 4 KiB to 4 MiB and both paradigms (a synapse ensemble with a
# 600 KB state, a rate network with a 650 KB state and a growing record,
# each with 4 checkpoints), runs `metaplast run` into a fresh tmpfs of
# that size, so that it fails while creating its files, at its first
# checkpoint, at a later checkpoint (the new file and the old one do not
# fit together), or fits.  Checks for each case:
#   - the exit status is 0, 2 or 3: never a death by a signal (a crash
#     of HDF5 on the full disk, say);
#   - a failure says so on stderr's last line, "metaplast: ...", and a
#     runtime failure (3) names the full disk ("No space left on
#     device");
#   - no temporary file is left behind, and a checkpoint.nc, if there is
#     one, is sound: `metaplast info` exits 0 (its checksums verified);
#   - after the tmpfs is grown in place (mount -o remount,size=64m),
#     `metaplast resume` exits 0 and checkpoint.nc and record.nc hold
#     exactly the values of an uninterrupted run (ncdump's data sections,
#     -p 9,17); where the run failed before writing config.ini, resume
#     refuses (exit 2) and `run` into the same directory does instead.
# And that the sizes spanned, for each paradigm, a failure before any
# checkpoint, a failure after one, and a run that fits.  Prints one line
# per check ("ok: ..." / "FAIL: ..."), a table (size, paradigm, status,
# what existed after the failure, how it was continued) and exits 0 if
# every check passed, 1 if not, 77 (skipped) where it cannot mount a
# tmpfs (needs root) or has no ncdump.
#   usage: tmpfs_full.sh PATH/TO/metaplast
set -uo pipefail
source "$(dirname "$(realpath "$0")")/../lib/reliability.sh"
metaplast=$(realpath "${1:?usage: tmpfs_full.sh PATH/TO/metaplast}")
skip() {
  echo "SKIP: $*"
  exit 77
}
[[ -x $metaplast ]] || skip "$metaplast is not an executable"
command -v ncdump >/dev/null || skip "no ncdump (netcdf-bin)"
[[ $(id -u) -eq 0 ]] || skip "needs root to mount a tmpfs"

T=$(mktemp -d /tmp/mp-tmpfs-XXXXXX)
M=$T/mnt
mkdir "$M"
cleanup() {
  local _
  for _ in 1 2 3; do
    mountpoint -q "$M" || break
    umount "$M" 2>/dev/null || sleep 0.2
  done
  mountpoint -q "$M" && umount -l "$M" 2>/dev/null
  # Never remove through a mount that is still there.
  mountpoint -q "$M" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cd "$T" || exit 1
mount -t tmpfs -o size=8k,mode=0755 mp-tmpfs-test "$M" 2>mount.err ||
  skip "cannot mount a tmpfs: $(tail -n 1 mount.err)"
umount "$M" || { echo "FAIL: cannot unmount $M"; exit 1; }


# State: one byte per synapse (600 KB); 4 checkpoints.
cat >ensemble.ini <<'INI'
[run]
memories = 200
threads = 1
backend = cpu
[ensemble]
synapses = 600000
[measure]
max_age = 100
[checkpoint]
every = 50
INI
# State: 400 x 400 float weights (650 KB); a record of 17 samples
# (350 KB), appended as the run goes; 4 checkpoints.
cat >network.ini <<'INI'
[run]
paradigm = network
threads = 1
backend = cpu
seed = 5
duration = 4s
[network]
dt = 1ms
inputs = 400
neurons = 400
w_init = 0.1
[input]
patterns = 8
switch_every = 20ms
noise = 0.05
[bcm]
tau_w = 20s
tau_theta = 1s
[record]
interval = 250ms
[checkpoint]
every = 1000
INI

paradigms=(ensemble network)
for p in "${paradigms[@]}"; do
  if ! "$metaplast" run $p.ini --out ref-$p --quiet >/dev/null 2>ref-$p.err; then
    fail "uninterrupted $p run: $(last ref-$p.err)"
    echo "$passed passed, $failed failed"
    exit 1
  fi
  data ref-$p/checkpoint.nc >ref-$p.checkpoint
  data ref-$p/record.nc >ref-$p.record
done

# Powers of two, and the sizes where these runs fail at other points
# (here: the first ensemble record after its checkpoint at 620k, the
# first checkpoint's header at 640k, a network's second checkpoint's
# header at 900k or its close at 1600k).
sizes=(4k 8k 16k 32k 64k 128k 256k 512k 620k 640k 900k 1m 1600k 2m 4m)
table=()
declare -A stages
for p in "${paradigms[@]}"; do
  for s in "${sizes[@]}"; do
    c="$p on $s"
    if ! mount -t tmpfs -o size=$s,mode=0755 mp-tmpfs-test "$M" 2>mount.err; then
      fail "$c: cannot mount: $(last mount.err)"
      continue
    fi
    r=$M/r
    "$metaplast" run $p.ini --out $r --quiet >run.out 2>run.err
    st=$?
    msg=$(last run.err)
    files=
    for f in config.ini record.nc checkpoint.nc; do
      [[ -f $r/$f ]] && files+="${files:+,}${f%%.*}"
    done
    if ((st == 0)); then
      stage=-
    elif [[ -f $r/checkpoint.nc ]]; then
      stage="after a checkpoint"
    elif [[ -f $r/config.ini ]]; then
      stage="before any checkpoint"
    else
      stage="before config.ini"
    fi
    stages[$p.$stage]=1
    # Where it failed: the file, and the NetCDF call if one failed.
    where=-
    re='/(config\.ini|record\.nc|checkpoint\.nc): (NetCDF error in ([A-Za-z_]+))?'
    if [[ $msg =~ $re ]]; then
      where=${BASH_REMATCH[1]}
      [[ -n ${BASH_REMATCH[3]} ]] && where+=":${BASH_REMATCH[3]}"
    fi
    case $st in
    0) ok "$c: exit 0 (it fits)" ;;
    2 | 3) ok "$c: exit $st (failed $stage)" ;;
    *) fail "$c: exit $st$(died $st), failed $stage: $msg" ;;
    esac
    if ((st != 0)); then
      if [[ $msg != "metaplast: "* ]]; then
        fail "$c: stderr's last line is not a message: '$msg'"
      elif ((st == 3)) && ! grep -qiE "no space left on device|disk quota exceeded|ENOSPC" <<<"$msg"; then
        fail "$c: exit 3 without naming the full disk: $msg"
      else
        ok "$c: says why: $msg"
      fi
    fi
    tmp=$(find "$M" -name "*.tmp*" -printf '%f ' 2>/dev/null)
    [[ -z $tmp ]] && ok "$c: no temporary file left" ||
      fail "$c: temporary files left: $tmp"
    info=-
    if [[ -f $r/checkpoint.nc ]]; then
      "$metaplast" info $r/checkpoint.nc >info.out 2>&1
      is=$?
      info=$is
      ((is == 0)) && ok "$c: checkpoint.nc is sound (info exit 0)" ||
        fail "$c: info on the checkpoint left: exit $is$(died $is): $(last info.out)"
    fi

    # Grow the disk in place and continue.
    how=-
    if ! mount -o remount,size=64m "$M" 2>mount.err; then
      fail "$c: cannot grow the tmpfs: $(last mount.err)"
    else
      how=resumed
      timeout 120 "$metaplast" resume $r --quiet >resume.out 2>resume.err
      rs=$?
      if [[ ! -f $r/config.ini && ! -f $r/checkpoint.nc ]]; then
        how="run again"
        if ((rs == 2)); then
          ok "$c: resume refuses (exit 2): $(last resume.err)"
        else
          fail "$c: resume without config.ini: exit $rs$(died $rs): $(last resume.err)"
        fi
        timeout 120 "$metaplast" run $p.ini --out $r --quiet >resume.out 2>resume.err
        rs=$?
      fi
      if ((rs != 0)); then
        fail "$c: $how: exit $rs$(died $rs): $(last resume.err)"
        how+=": exit $rs"
      elif diff=$(same $p $r); then
        ok "$c: $how: exit 0, checkpoint.nc and record.nc as uninterrupted"
        how+=", same"
      else
        fail "$c: $how: exit 0, but$diff (against the uninterrupted run)"
        how+=", DIFFERS"
      fi
    fi
    table+=("$(printf '%-5s %-8s %4s  %-21s %-25s %-25s %4s  %s' "$s" "$p" \
      "$st" "$stage" "$where" "${files:--}" "$info" "$how")")
    umount "$M" 2>/dev/null || { sleep 0.5; umount "$M"; } ||
      { fail "cannot unmount $M"; break 2; }
  done
done

# covered P STAGE...: one of these stages happened to paradigm P.
covered() {
  local st
  for st in "${@:2}"; do
    ((${stages[$1.$st]:-0})) && return 0
  done
  return 1
}
for p in "${paradigms[@]}"; do
  covered $p "before config.ini" "before any checkpoint" &&
    ok "coverage: $p: sizes where the run fails before any checkpoint" ||
    fail "coverage: $p: no size where the run fails before any checkpoint"
  covered $p "after a checkpoint" &&
    ok "coverage: $p: sizes where the run fails after a checkpoint" ||
    fail "coverage: $p: no size where the run fails after a checkpoint"
  covered $p - && ok "coverage: $p: sizes where the run fits" ||
    fail "coverage: $p: no size where the run fits"
done

echo
printf '%-5s %-8s %4s  %-21s %-25s %-25s %4s  %s\n' size paradigm exit \
  "failed" "where" "files after the run" info "continued"
printf '%s\n' "${table[@]}"
echo "$passed passed, $failed failed"
((failed == 0))
