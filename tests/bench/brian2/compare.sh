#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# compare.sh: metaplast's dense feed-forward BCM rate network against the
# same model in Brian2 (cpp_standalone device, OpenMP), run side by side,
# with the speed ratios.  Not a test: a benchmark to run by hand.
#
# usage: bash tests/bench/brian2/compare.sh [METAPLAST] [options]
#   METAPLAST        the metaplast binary (default: build/metaplast of this
#                    repository); metaplast-bench-net beside it, if there,
#                    measures the copy bandwidth
#   --threads N      threads of both sides (default 2: run.threads = N,
#                    prefs.devices.cpp_standalone.openmp_threads = N)
#   --repeat R       best of R timed runs of each side (default 3)
#   --cases LIST     comma-separated case numbers (default 1,2,3,4)
#   --brian-float32  Brian2 in float32 (default: Brian2's float64)
#   --no-check       skip the exact model check
#   --quick          a tenth of the steps, R = 1: a quick look, not figures
#
# Brian2 is Debian's python3-brian, which serves /usr/bin/python3 (not a
# python3 that may come first in PATH, e.g. pyenv's): this script always
# runs /usr/bin/python3.  Without it, exit status 2 and how to install it:
#   apt-get update && apt-get install -y python3-brian
# ncdump (Debian's netcdf-bin, a build dependency of metaplast) reads
# metaplast's mean weight.  Everything is written into one mktemp -d
# directory, removed at exit; nothing into the repository.
#
# The model (the same on both sides; tests/bench/brian2/bcm_brian2.py
# spells out Brian2's schedule): n_in inputs -> n_out rectified-linear
# rate neurons, dense, y = max(0, W x); BCM
#   w <- clip(w + dt/tau_w x y (y - theta), 0, w_max),
#   theta <- theta + dt/tau_theta (y^2/y0 - theta),
# Euler, dt = 1 ms, tau_w = 20 s, tau_theta = 1 s, y0 = 1, w_max = 10;
# K = 4 orthonormal patterns (disjoint groups of inputs at 1/sqrt(size)),
# each shown for 20 ms, in a random permutation per cycle of 4; no noise;
# initial weights uniform in [0, 0.1], theta 0.
#
# Cases: (1) 5000 x 2000, 500 steps (the headline); (2) 20 x 5, 600 000
# steps; (3) 200 x 50, 200 000 steps; (4) 16 x 8, 600 000 steps.
#
# What is timed:
#   metaplast s  the whole process `metaplast run CONFIG --out DIR --quiet`
#                (start, weights drawn, the run, record and checkpoint
#                written), run.backend = cpu; best of R
#   Brian2 loop  the standalone program's own timing of its simulation
#                loop (Network::_last_run_time); best of R runs of the
#                built program
#   Brian2 whole from launching /usr/bin/python3 to the end of the first
#                run of the built program: import, code generation,
#                compilation, set-up, loop, writing results (once)
#   ratio        Brian2 loop / metaplast s
#   updates/s    synapses x steps / time (metaplast s; Brian2 loop)
# On a small machine shared with other work the times move with the load
# (OpenMP's barriers most on the small networks, both sides): the script
# prints the load average; compare runs made at similar load.
#
# Bandwidth (case 1): B = bytes read + written per second by a parallel
# memcpy between two 256 MiB arrays (metaplast-bench-net's "measured copy
# bandwidth", N threads, the best of R; numpy's copy, one thread, when
# that program is absent), measured in the same run.  One pass over the float32 weights
# moves 8 bytes per synapse (4 read + 4 written), so
#   t_pass   = 8 x synapses / B                 (a step's floor)
#   fraction = metaplast updates/s x 8 / B      (of the copy bandwidth)
# computed twice: from the whole process (a lower bound: set-up and files
# included), and from the loop alone, estimated as the whole process of
# the 500-step run minus that of a 1-step run (same set-up and files),
# over 499 steps.
#
# Mean weight: after the run each side's mean weight is printed.  The two
# draw their own initial weights, input groups and pattern order (each
# its own random streams), so these agree statistically, not exactly.
# The exact check first runs a deterministic network on both sides (16 x
# 8, initial weights 0, bias -1 so that y starts at 1, tau_w = 500 ms,
# tau_theta = 50 ms, a fixed order of 24 patterns set by metaplast's
# [protocol], the last held for 1000 steps): the mean weight and mean
# threshold must agree to 1e-4 relative (float32 against Brian2's
# float64), else the script ends with status 1 after the table.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
PY=/usr/bin/python3

mp=$repo/build/metaplast
threads=2
repeat=3
cases=1,2,3,4
bfloat=()
bprec=float64
check=1
div=1
die2() { echo "compare.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --threads|--repeat|--cases) (($# >= 2)) || die2 "$1 takes a value" ;;&
    --threads) threads=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --brian-float32) bfloat=(--float32); bprec=float32; shift ;;
    --quick) div=10; repeat=1; shift ;;
    --no-check) check=0; shift ;;
    -h|--help) sed -n '4,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) mp=$1; shift ;;
  esac
done

[[ $threads =~ ^[1-9][0-9]*$ ]] || die2 "--threads takes a positive integer"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die2 "--repeat takes a positive integer"
[[ $cases =~ ^[1-4](,[1-4])*$ ]] || die2 "--cases takes numbers 1-4, e.g. 1,3"
[[ -x $mp && ! -d $mp ]] || die2 "no metaplast binary at $mp (build it: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2; or pass its path)"
mp=$(cd "$(dirname "$mp")" && pwd)/$(basename "$mp")
if ! bver=$("$PY" -W ignore -c 'import brian2; print(brian2.__version__)' 2>/dev/null); then
  die2 "Brian2 is not installed for $PY (Debian's python3-brian serves /usr/bin/python3, not other python3s); install it with: apt-get update && apt-get install -y python3-brian"
fi
command -v ncdump >/dev/null || die2 "ncdump not found (install Debian's netcdf-bin)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/metaplast-brian2.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# Brian2's log and redirected output files go to TMPDIR; cwd too.
export TMPDIR=$tmp PYTHONDONTWRITEBYTECODE=1 OMP_NUM_THREADS=$threads
cd "$tmp"

now() { echo "$EPOCHREALTIME"; }
calc() { awk "BEGIN { printf \"%.6g\", ($1) }"; }
field() { # field KEY LINE: the value of KEY=value in a key=value line
  tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

# mp_ini FILE INPUTS NEURONS STEPS: the benchmark network as a config.
mp_ini() {
  cat >"$1" <<EOF
[run]
paradigm = network
seed = 1
duration = $4ms
threads = $threads
backend = cpu

[network]
dt = 1ms
inputs = $2
neurons = $3
w_init = 0.1
w_min = 0
w_max = 10

[input]
patterns = 4
kind = orthonormal
switch_every = 20ms

[bcm]
rule = bcm
tau_w = 20s
tau_theta = 1s
y0 = 1

[record]
interval = $4ms
EOF
}

# mp_time INI OUT [--set ...]: best whole-process time of R runs; the last
# value of a record variable: mp_last OUT VAR.
mp_time() {
  local ini=$1 out=$2 best= t0 t1 r
  shift 2
  for ((r = 0; r < repeat; r++)); do
    rm -rf "$out"
    t0=$(now)
    "$mp" run "$ini" --out "$out" --quiet "$@" >/dev/null
    t1=$(now)
    best=$(calc "${best:-1e300} < $t1 - $t0 ? ${best:-1e300} : $t1 - $t0")
  done
  echo "$best"
}
mp_mean() { # mp_mean OUT VAR N: mean of the last N values of VAR
  ncdump -p 9,17 -v "$2" "$1/record.nc" | awk -v var="$2" -v n="$3" '
    $0 ~ "^ " var " =" { on = 1; sub(/^[^=]*=/, "") }
    on { last = index($0, ";"); gsub(/[ ;]/, "")
         k = split($0, a, ","); for (i = 1; i <= k; i++) if (a[i] != "") v[++m] = a[i]
         if (last) on = 0 }
    END { s = 0; for (i = m - n + 1; i <= m; i++) s += v[i]; printf "%.9g", s / n }'
}

# brian CASE INPUTS NEURONS STEPS [args...]: one line of bcm_brian2.py's
# output, plus whole_s (launch to the end of the first run).
brian() {
  local name=$1 ni=$2 no=$3 steps=$4 t0 line
  shift 4
  t0=$(now)
  line=$("$PY" -W ignore "$here/bcm_brian2.py" --dir "$tmp/b2-$name" \
    --inputs "$ni" --neurons "$no" --steps "$steps" --threads "$threads" \
    "${bfloat[@]}" "$@" 2>"$tmp/b2-$name.err" | grep '^brian2 ') || {
    cat "$tmp/b2-$name.err" >&2
    echo "compare.sh: Brian2 failed on case $name" >&2
    exit 1
  }
  rm -rf "$tmp/b2-$name"
  echo "$line whole_s=$(calc "$(field first_end_epoch "$line") - $t0")"
}

echo "metaplast: $mp ($("$mp" --version 2>/dev/null | head -1 || true))"
echo "Brian2 $bver ($PY, cpp_standalone, $bprec); $threads threads each side; best of $repeat"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"

status=0
if ((check)); then
  order=0,1,2,3,2,0,1,3,3,1,0,2,1,2,3,0,0,3,1,2,2,1,0,3
  durs=$(printf '20ms,%.0s' $(seq 24))
  mp_ini "$tmp/check.ini" 16 8 1000
  cat >>"$tmp/check.ini" <<EOF

[protocol]
durations = ${durs%,}
patterns = $order
EOF
  "$mp" run "$tmp/check.ini" --out "$tmp/mp-check" --quiet \
    --set network.w_init=0 --set network.bias=-1 --set bcm.tau_w=500ms \
    --set bcm.tau_theta=50ms >/dev/null
  mw=$(mp_mean "$tmp/mp-check" w_mean 1)
  mt=$(mp_mean "$tmp/mp-check" theta 8)
  b=$(brian check 16 8 1000 --w-init 0 --bias -1 --tau-w-ms 500 \
    --tau-theta-ms 50 --order "$order")
  bw_=$(field mean_w "$b")
  bt=$(field theta_mean "$b")
  dw=$(calc "($bw_ - $mw) / $mw")
  dt=$(calc "($bt - $mt) / $mt")
  ok=$(calc "($dw < 1e-4 && $dw > -1e-4 && $dt < 1e-4 && $dt > -1e-4) ? 1 : 0")
  echo "exact check (16 x 8, deterministic, 1000 steps): mean w metaplast $mw, Brian2 $bw_ (rel. diff $dw); mean theta $mt, $bt (rel. diff $dt): $([[ $ok == 1 ]] && echo agree || echo DIFFER)"
  [[ $ok == 1 ]] || status=1
  rm -rf "$tmp/mp-check"
fi

declare -A NI=([1]=5000 [2]=20 [3]=200 [4]=16)
declare -A NO=([1]=2000 [2]=5 [3]=50 [4]=8)
declare -A ST=([1]=500 [2]=600000 [3]=200000 [4]=600000)
rows=()
IFS=, read -r -a list <<<"$cases"
for c in "${list[@]}"; do
  ni=${NI[$c]} no=${NO[$c]} steps=$((ST[$c] / div))
  syn=$((ni * no))
  echo "case $c: $ni x $no, $steps steps ..." >&2
  mp_ini "$tmp/case$c.ini" "$ni" "$no" "$steps"
  tm=$(mp_time "$tmp/case$c.ini" "$tmp/mp-$c")
  mpw=$(mp_mean "$tmp/mp-$c" w_mean 1)
  rm -rf "$tmp/mp-$c"
  b=$(brian "$c" "$ni" "$no" "$steps" --repeat "$repeat")
  bl=$(field loop_s "$b")
  bwh=$(field whole_s "$b")
  frac=-
  if [[ $c == 1 ]]; then
    if [[ -x $(dirname "$mp")/metaplast-bench-net ]]; then
      bw=0
      for ((r = 0; r < repeat; r++)); do
        v=$("$(dirname "$mp")/metaplast-bench-net" --inputs 32 --neurons 1 \
          --steps 1 | sed -n 's/.*measured copy bandwidth[^:]*: \([0-9.e+]*\) GB\/s.*/\1/p')
        bw=$(calc "${v:-0} > $bw ? ${v:-0} : $bw")
      done
      bwsrc="metaplast-bench-net, $threads threads, best of $repeat"
    else
      bw=$("$PY" -c 'import numpy as np, time
a = np.ones(1 << 26, np.float32); b = np.zeros_like(a); t = 1e9
for _ in range(5):
    t0 = time.perf_counter(); np.copyto(b, a); t = min(t, time.perf_counter() - t0)
print("%.3f" % (2 * a.nbytes / t / 1e9))')
      bwsrc="numpy copy, 1 thread"
    fi
    t1=$(mp_time "$tmp/case$c.ini" "$tmp/mp-1step" --set run.duration=1ms \
      --set record.interval=1ms)
    rm -rf "$tmp/mp-1step"
    loop=$(calc "$tm - $t1")
    if [[ $(calc "$loop > 0 ? 1 : 0") == 1 ]]; then
      loopline="$(calc "$loop / ($steps - 1) * 1e3") ms per step, fraction of B $(calc "$syn * ($steps - 1) / $loop * 8 / ($bw * 1e9)")"
    else
      loopline="n/a: the 1-step run took as long (timing noise; try --repeat 5)"
    fi
    frac=$(calc "$syn * $steps / $tm * 8 / ($bw * 1e9)")
    bwline=$(printf '%s\n' \
      "bandwidth (case 1): copy bandwidth B = $bw GB/s read + written ($bwsrc, 256 MiB arrays)" \
      "  one pass over the float32 weights, 8 B x $syn / B: $(calc "8 * $syn / ($bw * 1e9) * 1e3") ms per step" \
      "  metaplast, whole process: $(calc "$tm / $steps * 1e3") ms per step, fraction of B $frac" \
      "  metaplast, loop alone (whole $tm s - 1-step run $t1 s, over $((steps - 1)) steps): $loopline")
  fi
  rows+=("$(printf '%-4s %-12s %10s %8s %11.4g %11.4g %12.4g %9.2f %11.3g %11.3g %8s %10.7g %10.7g' \
    "$c" "${ni}x$no" "$syn" "$steps" "$tm" "$bl" "$bwh" "$(calc "$bl / $tm")" \
    "$(calc "$syn * $steps / $tm")" "$(calc "$syn * $steps / $bl")" "$frac" \
    "$mpw" "$(field mean_w "$b")")")
  echo "  metaplast ${tm}s; Brian2 ($(field float "$b")) loops $(field loops "$b") s, build $(field build_s "$b") s, whole ${bwh}s" >&2
done

echo
printf '%-4s %-12s %10s %8s %11s %11s %12s %9s %11s %11s %8s %10s %10s\n' \
  case network synapses steps "metaplast s" "Brian2 loop" "Brian2 whole" \
  "B2loop/mp" "mp upd/s" "B2 upd/s" "mp/B" "mp mean w" "B2 mean w"
printf '%s\n' "${rows[@]}"
[[ -z ${bwline:-} ]] || { echo; echo "$bwline"; }
echo
echo "metaplast s: whole process, best of $repeat; Brian2 loop: the standalone's loop timer, best of $repeat; Brian2 whole: python launch to the end of the first run (compilation included); mp/B: metaplast updates/s x 8 B / copy bandwidth; mean w: each side's own random initial weights and pattern order (agree statistically)."
exit $status
