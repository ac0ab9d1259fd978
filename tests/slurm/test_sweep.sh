#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_sweep.sh: a metaplast sweep on a real one-node SLURM cluster.
# Installs Debian's slurm-wlm and munge if missing, starts munged,
# slurmctld and slurmd on localhost from a generated slurm.conf in a
# temporary directory, submits a 4-task sweep as a job array, preempts one
# task with USR1 (as --signal does before a time limit), and checks: that
# task wrote a checkpoint, exited 75, was requeued, resumed and finished
# with the same state as an uninterrupted run; every task is done;
# collect stacks them.  A small attractor-network sweep runs as a second
# array and is collected too.  Then stops the daemons.  Needs root; exits 77
# (skipped) where it cannot set up SLURM.
#   usage: test_sweep.sh PATH/TO/metaplast [ON|OFF (MPI built)]
set -uo pipefail
mpi=${2:-ON}
metaplast=$(realpath "${1:?usage: test_sweep.sh PATH/TO/metaplast}")
sbatch_mpi=$(realpath "$(dirname "$0")/../../experiments/slurm/metaplast.sbatch")
source "$(dirname "$(realpath "$0")")/../lib/check.sh"
skip() {
  echo "SKIP: $*"
  exit 77
}

[[ $(id -u) -eq 0 ]] || skip "needs root to run slurmd"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends slurm-wlm munge) >/dev/null 2>&1 ||
    skip "cannot install slurm-wlm and munge"
fi

T=$(mktemp -d /tmp/mp-slurm-XXXXXX)
chmod 711 "$T" # munged needs o+x on every directory above its socket
export SLURM_CONF=$T/slurm.conf
stop() {
  scancel -u root >/dev/null 2>&1
  for p in slurmd slurmctld munge/munged; do
    [[ -f $T/$p.pid ]] && kill "$(cat "$T/$p.pid")" 2>/dev/null
  done
  for p in slurmd slurmctld munge/munged; do
    for _ in $(seq 50); do
      [[ -f $T/$p.pid ]] && kill -0 "$(cat "$T/$p.pid")" 2>/dev/null || break
      sleep 0.1
    done
  done
  rm -rf "$T"
}
trap stop EXIT

mkdir -p "$T"/{munge,state,spool,log,work}
chmod 711 "$T/munge"
mungekey -c -k "$T/munge/munge.key" >/dev/null 2>&1 || skip "mungekey failed"
munged --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
  --seed-file="$T/munge/munged.seed" || skip "munged failed"
cat >"$SLURM_CONF" <<CONF
ClusterName=mptest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket,cred_expire=5
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=1
ReturnToService=2
JobRequeue=1
MinJobAge=300
KillWait=5
InactiveLimit=0
MailProg=/bin/true
NodeName=localhost CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -i || skip "slurmctld failed"
slurmd -N localhost || skip "slurmd failed"
for _ in $(seq 100); do
  sinfo -h -o %T 2>/dev/null | grep -qx idle && break
  sleep 0.2
done
sinfo -h -o %T | grep -qx idle || skip "the node never became idle"

cd "$T/work"
cat >sweep.ini <<INI
[run]
memories = 6000
backend = cpu
threads = 1
[ensemble]
synapses = 300000
[synapse]
n = 8
[measure]
max_age = 1000
every = 7
[checkpoint]
every = 300
INI
"$metaplast" sweep sweep.ini --vary synapse.model=binary,cascade --seeds 2 \
  --parallel 2 --out sw >/dev/null
check "sweep wrote 4 tasks" test "$(tail -n +2 sw/manifest.tsv | wc -l)" -eq 4
# The reference: task 3 (cascade, seed 2) uninterrupted.
"$metaplast" run sw/tasks/0003.ini --out ref --quiet >/dev/null

jid=$(METAPLAST=$metaplast sbatch --parsable --export=ALL sw/sweep.sbatch)
check "sbatch accepted the array" test -n "$jid"
# Preempt task 3 once it has a checkpoint (the marker file proves the
# batch shell runs: a signal sent before that is lost).
for _ in $(seq 600); do
  [[ -f sw/tasks/0003.running && -f sw/tasks/0003/checkpoint.nc ]] && break
  sleep 0.1
done
scancel --signal=USR1 --batch "${jid}_3"
# Done when every task says so: the queue alone can be empty for a moment
# between the preempted task's exit and its requeue.
for _ in $(seq 600); do
  if [[ -z $(squeue -h -j "$jid" 2>/dev/null) &&
    $("$metaplast" sweep-status sw | tail -1) == "4 tasks: 4 done" ]]; then
    break
  fi
  # A requeued task waits for BeginTime: start it now.
  scontrol update JobId="${jid}_3" StartTime=now >/dev/null 2>&1
  sleep 0.5
done
check "the array finished" test -z "$(squeue -h -j "$jid" 2>/dev/null)"
restarts=$(scontrol -o show job "${jid}_3" | grep -o 'Restarts=[0-9]*')
check "task 3 was requeued once ($restarts)" test "$restarts" = "Restarts=1"
check "task 3 stopped cleanly first" grep -q "stopped cleanly" sw/tasks/0003.err
status=$("$metaplast" sweep-status sw | tail -1)
check "sweep-status: $status" test "$status" = "4 tasks: 4 done"
same=1
for v in state probes signal_mean signal_m2; do
  diff -q <(ncdump -v $v ref/checkpoint.nc | sed -n '/^data:/,$p') \
    <(ncdump -v $v sw/tasks/0003/checkpoint.nc | sed -n '/^data:/,$p') \
    >/dev/null || same=0
done
check "the preempted task ends as the uninterrupted run" test $same -eq 1
"$metaplast" collect sw >/dev/null
check "collect stacked the sweep" \
  bash -c "ncdump -h sw/sweep.nc | grep -q 'synapse_model = 2'"
# An attractor-network sweep as a job array (docs/ATTRACTOR.md, "Sweeps").
printf '%s\n' "[run]" "paradigm = attractor" "memories = 30" "threads = 1" \
  "backend = cpu" "[attractor]" "neurons = 160" "[synapse]" "model = binary" \
  "q = 0.2" "[measure]" "every = 10" "ages = 0, 2, 4, 8" >attr.ini
"$metaplast" sweep attr.ini --vary attractor.neurons=120,160 --seeds 2 \
  --out sw-attr >/dev/null
ajid=$(METAPLAST=$metaplast sbatch --parsable --export=ALL sw-attr/sweep.sbatch)
for _ in $(seq 600); do
  [[ -n $ajid && -z $(squeue -h -j "$ajid" 2>/dev/null) ]] && break
  sleep 0.5
done
status=$("$metaplast" sweep-status sw-attr | tail -1)
check "attractor sweep: $status" test "$status" = "4 tasks: 4 done"
"$metaplast" collect sw-attr >/dev/null
check "collect stacked the attractor sweep" \
  bash -c "ncdump -h sw-attr/sweep.nc | grep -q 'double capacity_interp(attractor_neurons, seed)'"
# One run across 2 MPI ranks as a batch job (experiments/slurm/
# metaplast.sbatch starts mpirun when --ntasks > 1), in a build with MPI.
if [[ $mpi == ON ]]; then
  "$metaplast" run sw/tasks/0001.ini --out mpiref --quiet >/dev/null
  mjid=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    METAPLAST=$metaplast sbatch --parsable --export=ALL --ntasks=2 \
    --cpus-per-task=1 -o mpi.out "$sbatch_mpi" sw/tasks/0001.ini mpirun-run \
    2>/dev/null)
  for _ in $(seq 600); do
    [[ -n $mjid && -z $(squeue -h -j "$mjid" 2>/dev/null) ]] && break
    sleep 0.5
  done
  check "2-rank batch job ran on 2 ranks" grep -q "MPI: 2 ranks" mpi.out
  check "2-rank batch job = one process" cmp -s \
    <(ncdump mpiref/checkpoint.nc | sed -n '/^data:/,$p') \
    <(ncdump mpirun-run/checkpoint.nc | sed -n '/^data:/,$p')
fi
if [[ $failed -ne 0 ]]; then
  echo "--- diagnostics"
  scontrol -o show job "$jid" | tr ' ' '\n' |
    grep -E '^(JobId|ArrayTaskId|JobState|Reason|Restarts|BeginTime|ExitCode|Requeue)='
  cat sw/tasks/0003.err sw/tasks/0003.status 2>/dev/null
  grep -E "JobId=${jid}_3|_3\\b|requeue" "$T/log/slurmctld.log" | tail -n 30
fi
summary
