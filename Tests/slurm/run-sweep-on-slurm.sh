#!/usr/bin/env bash
# Runs the bundled 2 media x 3 doses x 5 seeds sweep through a real Slurm on this machine and
# checks that its runs.csv and summary.csv equal those of the same sweep run locally.
#
# Slurm is started by hand (no systemd): munged as the munge user, then slurmctld and slurmd
# with a private slurm.conf (SLURM_CONF) whose state lives in a scratch folder; the daemons are
# stopped by their pids at the end, whatever happens. Needs root (CI runs as root) and Debian's
# slurm-wlm and munge, which it installs when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="$PWD/.build/release/woundsim"
SWEEP="$PWD/Scenarios/sweeps/cm-dose-scratch.yaml"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm test: installing slurm-wlm and munge"
    $SUDO apt-get install -y -q slurm-wlm munge >/dev/null
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/woundsim-slurm.XXXXXX")
HOST=$(hostname -s)
export SLURM_CONF="$WORK/slurm.conf"
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/log"
cat > "$SLURM_CONF" <<CONF
ClusterName=woundsim-test
SlurmctldHost=$HOST
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$HOST CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

started_munge=""
stop_daemons() {
    for f in "$WORK/slurmd.pid" "$WORK/slurmctld.pid"; do
        if [ -s "$f" ]; then
            pid=$(cat "$f")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    done
    if [ -n "$started_munge" ] && [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
}
on_exit() {
    status=$?
    if [ $status -ne 0 ]; then
        echo "slurm test: FAILED; daemon logs follow"
        tail -n 20 "$WORK"/log/*.log 2>/dev/null || true
        tail -n 20 "$WORK"/slurm/slurm/*.log 2>/dev/null || true
    fi
    stop_daemons
    [ $status -eq 0 ] && rm -rf "$WORK"
    exit $status
}
trap on_exit EXIT

# munge: a key (the package makes one; make it if missing), the daemon as the munge user.
if ! pgrep -x munged >/dev/null; then
    $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
    $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge
    if [ ! -s /etc/munge/munge.key ]; then
        $SUDO sh -c 'dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null'
        $SUDO chown munge:munge /etc/munge/munge.key && $SUDO chmod 400 /etc/munge/munge.key
    fi
    $SUDO su -s /bin/sh munge -c /usr/sbin/munged
    started_munge=1
fi
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmctld -f "$SLURM_CONF"
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
    sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && break
    sleep 0.5
done
sinfo

echo "slurm test: the sweep locally"
"$BIN" sweep "$SWEEP" --out "$WORK/local" --jobs 2 --quiet

echo "slurm test: the sweep as a Slurm job array and a dependent merge job"
start=$(date +%s)
submitted=$("$BIN" sweep slurm "$SWEEP" --out "$WORK/slurm" --array-size 6 --submit)
echo "$submitted"
jobs=$(echo "$submitted" | awk '{print $(NF-1) "," $NF}')
for _ in $(seq 1 600); do
    [ -z "$(squeue -h -j "$jobs" 2>/dev/null)" ] && break
    sleep 1
done
[ -z "$(squeue -h -j "$jobs" 2>/dev/null)" ] || { echo "slurm test: jobs still queued after 600 s"; squeue; exit 1; }
echo "slurm test: array and merge finished $(( $(date +%s) - start )) s after submission"
ls "$WORK/slurm/slurm"
cat "$WORK/slurm/slurm/merge.log"

cmp "$WORK/local/runs.csv" "$WORK/slurm/runs.csv"
cmp "$WORK/local/summary.csv" "$WORK/slurm/summary.csv"
rows=$(($(wc -l < "$WORK/slurm/runs.csv") - 1))
ok=$(grep -c ',ok,' "$WORK/slurm/runs.csv")
echo "slurm test: passed: $rows runs ($ok ok) through 6 array tasks; runs.csv and summary.csv equal the local sweep's"
