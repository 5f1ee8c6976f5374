#!/usr/bin/env bash
# Runs the README's Slurm job-array recipe end to end on a single-node Slurm started here (Debian packages
# slurm-wlm and munge; run as root): starts munged, slurmctld and slurmd with a private configuration in a
# temporary folder, evaluates a generated dataset as a job array of N shards, merges the states in a job that
# depends on the array, compares the result with a single run, and stops the daemons it started.
# Usage: scripts/slurm-local.sh [N]   (default 4 shards)
set -euo pipefail
N=${1:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/segkit-slurm.XXXXXX)
conf=$work/etc
mkdir -p "$conf" "$work/spool/ctld" "$work/spool/d" "$work/run" "$work/bin" "$work/data"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# segkit on the PATH of the jobs: the built binary of this checkout.
printf '#!/bin/sh\nexec "%s" "%s/packages/cli/dist/main.js" "$@"\n' "$(command -v node)" "$here" >"$work/bin/segkit"
chmod +x "$work/bin/segkit"
export PATH=$work/bin:$PATH

# munge: a key of our own, its own socket.
chmod 755 "$work"
mkdir -p "$work/munge"
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" 2>/dev/null
chown -R munge:munge "$work/munge"
chmod 711 "$work/munge"
chmod 400 "$work/munge/munge.key"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munge.seed"
munge_pid=$(cat "$work/munge/munged.pid")
pids+=("$munge_pid")
host=$(hostname -s)
cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2))
cat >"$conf/slurm.conf" <<CONF
ClusterName=segkit
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/spool/ctld
SlurmdSpoolDir=$work/spool/d
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldPort=16817
SlurmdPort=16818
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$conf/slurm.conf
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed'; then break; fi
  sleep 1
done
echo "== sinfo"
sinfo

# A dataset of 12 pairs of 16×16 PNGs, 3 classes.
cd "$work/data"
node --input-type=module -e "
import { mkdirSync, writeFileSync } from 'node:fs';
import { encode } from '$here/node_modules/fast-png/lib/index.js';
for (const side of ['gt', 'pred']) mkdirSync(side, { recursive: true });
for (let i = 0; i < 12; i++) {
  const png = (s) => encode({ width: 16, height: 16, channels: 1, depth: 8,
    data: Uint8Array.from({ length: 256 }, (_, k) => ((k >> 4) + (k & 15) + s) % 3) });
  writeFileSync('gt/case_' + i + '.png', png(i));
  writeFileSync('pred/case_' + i + '.png', png(i + (i % 4 === 0 ? 1 : 0)));
}"
# The README's recipe, with --array=1-N.
sed -n '/^#!\/bin\/bash$/,/^  --shard .*$/p' "$here/README.md" | sed "s/--array=1-16/--array=1-$N/" >eval.sbatch
echo "== eval.sbatch"
cat eval.sbatch
mkdir -p logs states
job=$(sbatch --parsable eval.sbatch)
merge=$(sbatch --parsable --dependency=afterok:$job --output=logs/merge.out \
  --wrap 'segkit merge states/*.json --json result.json')
echo "== submitted array job $job (1-$N) and merge job $merge"
for _ in $(seq 1 600); do
  if [ -z "$(squeue -h -j "$job,$merge" 2>/dev/null)" ]; then break; fi
  sleep 1
done
echo "== logs"
tail -n +1 logs/*.out
segkit eval --gt gt --pred pred --num-classes 3 --json single.json 2>/dev/null
if cmp -s result.json single.json; then
  echo "== result.json of the $N-task array is byte-identical to a single run"
else
  echo "== result.json differs from a single run (or is missing)" >&2
  exit 1
fi
