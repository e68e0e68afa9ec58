#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying `--launcher slurm` and for scripts/suites/slurm.sh.
#   up      install Debian's slurm-wlm + munge if missing (apt-get, --no-install-recommends), start munged (if not
#           running), slurmctld and slurmd for localhost with 2 CPUs (proctrack/linuxproc, no cgroups), all state,
#           spool, logs and pid files under $VAE_SLURM_DIR (default /tmp/vae-slurm, wiped on up: job ids restart at 1)
#   down    cancel every job, stop the daemons this script started (by their pid files)
#   status  daemons and sinfo
# Clients need SLURM_CONF=$VAE_SLURM_DIR/slurm.conf (printed by up); /etc/slurm is never written.
# Run as root (the daemons run as root; PID 1 need not be systemd). Facts behind the settings: ../shared/notes.
set -euo pipefail
dir=${VAE_SLURM_DIR:-/tmp/vae-slurm}
conf="$dir/slurm.conf"
node=$(hostname -s)
port=${VAE_SLURM_PORT:-6817}
export SLURM_CONF="$conf"
say() { echo "local-cluster: $*"; }
die() { echo "local-cluster: ERROR: $*" >&2; exit 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # pidfile name
  local f=$1 pid
  alive "$f" || { rm -f "$f"; return 0; }
  pid=$(cat "$f"); kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then say "$2 ($pid) ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$f"
}

install() {
  local aptlog; aptlog=$(mktemp)
  local missing=()
  for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  say "installing ${missing[*]}"
  for _ in $(seq 1 60); do # apt's lock may be held by another installer: wait for it
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>"$aptlog"; then return 0; fi
    grep -q "lock" "$aptlog" || { apt-get update -qq >/dev/null 2>&1 || true; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && return 0; die "apt-get install ${missing[*]} failed: $(cat "$aptlog")"; }
    sleep 5
  done
  die "apt is locked by another process for 5 minutes"
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then say "munged already running"; return 0; fi
  [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; }
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge; chown munge:munge /run/munge /var/lib/munge /var/log/munge; chmod 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged || die "munged did not start (see /var/log/munge/munged.log)"
  cp /run/munge/munged.pid "$dir/munged.pid.ours" 2>/dev/null || true
  for _ in $(seq 1 25); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "munge -n | unmunge fails after starting munged"
}

write_conf() {
  local mem; mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  cat > "$conf" <<CONF
# Written by scripts/slurm/local-cluster.sh: one node (this machine), 2 CPUs, no cgroups, no accounting database.
ClusterName=vae-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
MinJobAge=900
SchedulerType=sched/backfill
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
  mkdir -p "$(dirname "$dir")"
  install
  for b in slurmctld slurmd sbatch squeue scontrol munged; do command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || die "$b missing after install"; done
  if alive "$dir/slurmctld.pid" || alive "$dir/slurmd.pid"; then say "already up ($dir)"; echo "export SLURM_CONF=$conf"; return 0; fi
  rm -rf "$dir/state" "$dir/spool" "$dir/log"; mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  start_munge
  write_conf
  slurmctld -f "$conf" -c || die "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log" 2>/dev/null)"
  slurmd -f "$conf" -N "$node" || die "slurmd did not start: $(tail -5 "$dir/log/slurmd.log" 2>/dev/null)"
  for _ in $(seq 1 150); do
    st=$(timeout 10 scontrol show node "$node" 2>/dev/null || true)
    if grep -qE 'State=IDLE' <<<"$st" && ! grep -q 'SlurmdStartTime=None' <<<"$st"; then
      say "up: node $node idle, 2 CPUs; state in $dir"; echo "export SLURM_CONF=$conf"; return 0
    fi
    alive "$dir/slurmctld.pid" || die "slurmctld exited: $(tail -5 "$dir/log/slurmctld.log")"
    alive "$dir/slurmd.pid" || die "slurmd exited: $(tail -5 "$dir/log/slurmd.log")"
    sleep 0.2
  done
  die "node $node not idle after 30 s: $(timeout 10 scontrol show node "$node" 2>&1 | grep -E 'State|Reason')"
}

down() {
  if alive "$dir/slurmctld.pid"; then
    timeout 15 scancel --user="$(id -un)" 2>/dev/null || true
    # Let the job steps exit (KillWait=5) before their slurmd goes.
    for _ in $(seq 1 50); do [ -z "$(timeout 5 squeue -h -t running,completing 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  stop_pid "$dir/slurmd.pid" slurmd
  stop_pid "$dir/slurmctld.pid" slurmctld
  if [ -f "$dir/munged.pid.ours" ]; then stop_pid "$dir/munged.pid.ours" munged; fi
  say "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    for d in slurmctld slurmd; do alive "$dir/$d.pid" && say "$d running (pid $(cat "$dir/$d.pid"))" || say "$d not running"; done
    alive "$dir/slurmctld.pid" && timeout 10 sinfo || true ;;
  *) echo "usage: $0 up|down|status   (state in \$VAE_SLURM_DIR, default /tmp/vae-slurm)"; exit 2 ;;
esac
