#!/usr/bin/env bash
# Runs the bundled 2 media x 3 doses x 5 seeds sweep (and its control arm) through a real Slurm
# on this machine, with the static build staged in the sweep folder and a set-up script, and
# checks that its runs.csv and summary.csv equal those of the same sweep run locally with the
# ordinary build; then a sweep whose task 2 fails: the merge must still run, name shard 2 and
# exit 1, and nothing may hang. A node-local --out (/tmp) must be refused.
#
# Slurm is started by hand (no systemd): munged as the munge user, then slurmctld and slurmd
# with a private slurm.conf (SLURM_CONF) whose state lives in a scratch folder; the daemons are
# stopped by their pids at the end, whatever happens. Needs root (CI runs as root) and Debian's
# slurm-wlm and munge, which it installs when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="$PWD/.build/release/woundsim"
# The nodes run the static build (make build-static): no Swift runtime, GSL or libpng needed there.
STATIC="$PWD/.build-static/release/woundsim"
SWEEP="$PWD/Scenarios/sweeps/cm-dose-scratch.yaml"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm test: installing slurm-wlm and munge"
    $SUDO apt-get install -y -q slurm-wlm munge >/dev/null
fi

# The sweep folders live under the repository's .build. The repository itself may be cloned
# under /tmp, which `woundsim sweep slurm` refuses as node-local (checked below with a folder of
# its own): this one-node cluster runs every task here, so the submissions say --allow-node-local.
mkdir -p .build
WORK=$(mktemp -d "$PWD/.build/slurm-test.XXXXXX")
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

echo "slurm test: a node-local sweep folder is refused"
set +e
"$BIN" sweep slurm "$SWEEP" --out /tmp/woundsim-node-local-$$ 2> "$WORK/refused.txt"
refused=$?
set -e
[ "$refused" -eq 2 ] && grep -q "private to each node" "$WORK/refused.txt" || { echo "slurm test: /tmp accepted (exit $refused)"; cat "$WORK/refused.txt"; exit 1; }
[ ! -e /tmp/woundsim-node-local-$$ ] || { echo "slurm test: the refused folder was created"; exit 1; }

# Waits for a submission's jobs (array, merge) to leave the queue; prints the seconds taken.
wait_jobs() {
    local jobs=$1 start
    start=$(date +%s)
    for _ in $(seq 1 600); do
        [ -z "$(squeue -h -j "$jobs" 2>/dev/null)" ] && break
        sleep 1
    done
    [ -z "$(squeue -h -j "$jobs" 2>/dev/null)" ] || { echo "slurm test: jobs still queued after 600 s"; squeue; exit 1; }
    echo "slurm test: jobs $jobs left the queue $(( $(date +%s) - start )) s after submission"
}

# The set-up script every task sources first (as `module load ...` would be): it leaves a mark,
# so the test sees it ran on the node.
cat > "$WORK/setup.sh" <<'SETUP'
echo "setup ran for task ${SLURM_ARRAY_TASK_ID:-merge}" >> "$(pwd)/slurm/setup-ran.txt"
SETUP

echo "slurm test: the sweep as a Slurm job array and a merge job, with a staged binary and a set-up script"
if ldd "$STATIC" | grep -qE 'libgsl|libpng|libswift|libFoundation'; then echo "slurm test: the static build links shared GSL, libpng or Swift libraries"; ldd "$STATIC"; exit 1; fi
submitted=$("$BIN" sweep slurm "$SWEEP" --out "$WORK/slurm" --array-size 6 --binary "$STATIC" --setup "$WORK/setup.sh" --mem 500M --sbatch-arg=--comment=woundsim-test --allow-node-local --submit)
echo "$submitted"
wait_jobs "$(echo "$submitted" | awk '{print $(NF-1) "," $NF}')"
ls "$WORK/slurm/slurm"
cat "$WORK/slurm/slurm/merge.log"
grep -q "exec '$WORK/slurm/slurm/woundsim' sweep run" "$WORK/slurm/slurm/array.sbatch" || { echo "slurm test: the array does not run the staged binary"; exit 1; }
cmp "$STATIC" "$WORK/slurm/slurm/woundsim"
[ "$(grep -c 'setup ran for task [0-9]' "$WORK/slurm/slurm/setup-ran.txt")" -eq 6 ] || { echo "slurm test: the set-up script did not run in every task"; cat "$WORK/slurm/slurm/setup-ran.txt"; exit 1; }
grep -q '^#SBATCH --mem=500M' "$WORK/slurm/slurm/array.sbatch" && grep -q '^#SBATCH --comment=woundsim-test' "$WORK/slurm/slurm/array.sbatch"

cmp "$WORK/local/runs.csv" "$WORK/slurm/runs.csv"
cmp "$WORK/local/summary.csv" "$WORK/slurm/summary.csv"
rows=$(($(wc -l < "$WORK/slurm/runs.csv") - 1))
ok=$(grep -c ',ok,' "$WORK/slurm/runs.csv")
echo "slurm test: $rows runs ($ok ok) through 6 array tasks; runs.csv and summary.csv equal the local sweep's"

echo "slurm test: a shard that fails (its set-up exits 1 in task 2): the merge still runs, names it and fails"
cat > "$WORK/failing-setup.sh" <<'SETUP'
if [ "${SLURM_ARRAY_TASK_ID:-}" = 2 ]; then echo "set-up failed on purpose in task 2" >&2; exit 1; fi
SETUP
submitted=$("$BIN" sweep slurm "$SWEEP" --out "$WORK/failing" --array-size 6 --setup "$WORK/failing-setup.sh" --allow-node-local --submit)
echo "$submitted"
merge_job=$(echo "$submitted" | awk '{print $NF}')
wait_jobs "$(echo "$submitted" | awk '{print $(NF-1) "," $NF}')"
cat "$WORK/failing/slurm/merge.log"
grep -q "shard 2/6: [0-9]* runs* without a result" "$WORK/failing/slurm/merge.log" || { echo "slurm test: the merge did not name shard 2"; exit 1; }
if grep -qE "shard [13456]/6" "$WORK/failing/slurm/merge.log"; then echo "slurm test: the merge named a shard that completed"; exit 1; fi
merge_exit=$(scontrol show job "$merge_job" 2>/dev/null | grep -o 'ExitCode=[0-9]*:[0-9]*' | head -1)
echo "slurm test: merge job $merge_job: $merge_exit"
[ "$merge_exit" = "ExitCode=1:0" ] || { echo "slurm test: the merge job should exit 1"; exit 1; }
echo "slurm test: passed"
