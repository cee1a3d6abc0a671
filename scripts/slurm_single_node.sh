#!/usr/bin/env bash
# A real one-machine SLURM cluster from Debian's packages, for trying and testing
# `genlab run ... --executor slurm` (tests/experiments/test_slurm.py runs this).
#
#   sudo scripts/slurm_single_node.sh      # idempotent: installs, configures, starts what is missing
#
# Installs slurm-wlm and munge with apt-get where missing, writes /etc/slurm/slurm.conf for
# this machine (one node, one partition `debug`, no accounting, no cgroups), creates a munge
# key where missing, starts munged, slurmctld and slurmd as plain daemons (no systemd needed),
# and waits until `sinfo` shows the node up. Exits 0 with the node's sinfo line; otherwise one
# line saying why: exit 3 where this machine cannot have the cluster (not root, no apt-get,
# the packages cannot be installed), exit 1 where the cluster does not come up.
#
# No accounting database: `sacct` answers "accounting storage is disabled"; squeue and
# scontrol show jobs until MinJobAge seconds after they end.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

NAME=slurm_single_node
die() { echo "$NAME: $*" >&2; exit 1; }
cannot() { echo "$NAME: $*" >&2; exit 3; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

[ "$(id -u)" = 0 ] || cannot "must run as root (installs packages, writes /etc/slurm, starts daemons)"

CONF=/etc/slurm/slurm.conf
TIMEOUT_S=${SLURM_SINGLE_NODE_TIMEOUT:-60}
HOST=$(hostname -s)
[ -n "$HOST" ] || die "hostname -s gave no name"

# --- packages ---------------------------------------------------------------------------
missing=()
for pkg in slurm-wlm slurmctld slurmd slurm-client munge; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "no apt-get: install ${missing[*]} (Debian packages) by hand"
  echo "$NAME: apt-get install ${missing[*]}" >&2
  apt-get update -qq >/dev/null 2>&1 || cannot "apt-get update failed (no network or no Debian mirror?)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || cannot "apt-get install ${missing[*]} failed"
fi
for cmd in slurmctld slurmd sbatch sinfo scontrol munged munge unmunge; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || die "$cmd missing after installing slurm-wlm and munge"
done

# --- slurm.conf (slurm.conf(5) of the installed version: 22.05 on bookworm) ---------------
hardware=$(slurmd -C 2>/dev/null | head -n 1) || die "slurmd -C failed: cannot read this machine's CPUs and memory"
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$hardware"; }
cpus=$(field CPUs); boards=$(field Boards); sockets=$(field SocketsPerBoard)
cores=$(field CoresPerSocket); threads=$(field ThreadsPerCore); memory=$(field RealMemory)
[ -n "$cpus" ] && [ -n "$memory" ] || die "slurmd -C printed no CPUs/RealMemory: $hardware"
node="NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus"
[ -n "$boards" ] && [ -n "$sockets" ] && [ -n "$cores" ] && [ -n "$threads" ] \
  && node+=" Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads"
node+=" RealMemory=$memory State=UNKNOWN"

wanted=$(cat <<EOF
# Written by genlab's scripts/slurm_single_node.sh: one node ($HOST), partition debug, no accounting.
ClusterName=genlab
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=30
SlurmctldTimeout=30
SlurmdTimeout=30
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
$node
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
)
changed=0
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$wanted" ]; then
  mkdir -p /etc/slurm
  printf '%s\n' "$wanted" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
  changed=1
fi
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm

# --- daemons ---------------------------------------------------------------------------
pid_of() {  # PIDFILE NAME: the daemon's pid if that pid is alive and is NAME
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}
stop() {  # PIDFILE NAME
  local pid
  pid=$(pid_of "$1" "$2") || return 0
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  die "$2 (pid $pid) did not stop"
}

# munge: Debian's package creates /etc/munge/munge.key; make one where it is missing.
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key >/dev/null 2>&1 \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  stop /run/munge/munged.pid munged
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 || die "munged did not start: see /var/log/munge/munged.log"
  for _ in $(seq 25); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || die "munge does not answer: see /var/log/munge/munged.log"
fi

if [ "$changed" = 1 ]; then  # new configuration: restart what runs with the old one
  stop /run/slurmd.pid slurmd
  stop /run/slurmctld.pid slurmctld
fi
if ! pid_of /run/slurmctld.pid slurmctld >/dev/null; then
  slurmctld >/dev/null 2>&1 || die "slurmctld did not start: see /var/log/slurm/slurmctld.log"
fi
if ! pid_of /run/slurmd.pid slurmd >/dev/null; then
  slurmd >/dev/null 2>&1 || die "slurmd did not start: see /var/log/slurm/slurmd.log"
fi

# --- wait until the node is up ------------------------------------------------------------
deadline=$((SECONDS + TIMEOUT_S))
state=""
while [ $SECONDS -lt $deadline ]; do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null | head -n 1) || state=""
  case "$state" in
    idle|mixed|allocated|completing) break ;;
    down*|drained*|draining*|drain*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
case "$state" in
  idle|mixed|allocated|completing) ;;
  *) die "node $HOST not up after ${TIMEOUT_S}s (sinfo state: ${state:-none}); see /var/log/slurm/slurmctld.log and slurmd.log" ;;
esac
sinfo -h -n "$HOST" -o "%P %a %D %T %N %c cpus %m MB"
