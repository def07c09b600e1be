#!/usr/bin/env bash
# Starts a three-node RabbitMQ 4.x cluster for the cluster suite (test/cluster/), from the same
# Debian trixie root as the 4.x test node (.tools/rabbitmq4/root, made by scripts/ensure-rabbitmq4.sh),
# next to the system's 3.10.8 broker and rabbit4@localhost, which it never touches:
#
#   node               AMQP   management  distribution
#   burrow-c1@localhost 5681  15681       25681
#   burrow-c2@localhost 5682  15682       25682
#   burrow-c3@localhost 5683  15683       25683
#
# guest/guest from loopback. The nodes keep their configuration, data, logs and pid files in
# .tools/cluster/cN/ (not in the root): each node runs in a private mount namespace (unshare -m) in
# which .tools/cluster is bind-mounted on the root's empty /mnt, then chroots into the root. The root
# itself is only read (the shared Erlang cookie in /var/lib/rabbitmq lets rabbitmqctl reach the nodes).
#
# Idempotent: nodes that run are left alone; a node that does not run (killed by a test) is started
# again and rejoins the cluster by itself. When no node runs at all, the old state is wiped and a new
# cluster is formed (classic_config peer discovery). Waits until all three run, are clustered and answer on AMQP
# and management, then prints the start-up time and the RSS of the three Erlang VMs.
#
# Usage: start-cluster.sh [N ...]   (only start/wait for nodes N, e.g. `start-cluster.sh 2` after a kill)
# Writes .tools/cluster/cluster.json (ports, node names, pid files), read by test/cluster/.
# Needs root (chroot, mount, unshare), as CI and sessions are.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FS="$ROOT_DIR/.tools/rabbitmq4/root"
STATE="$ROOT_DIR/.tools/cluster"
START_MS=$(date +%s%3N)
say() { printf '[cluster %5.1fs] %s\n' "$(awk "BEGIN{print ($(date +%s%3N) - $START_MS)/1000}")" "$*"; }
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }
name() { echo "burrow-c$1@localhost"; }
ctl() { # ctl N args...
  local n=$1
  shift
  timeout 60 $SUDO chroot "$FS" /bin/sh -c "HOME=/var/lib/rabbitmq rabbitmqctl -q -n $(name "$n") $*"
}
beam_pid() { # the pid the node wrote, when that process is alive
  local f="$STATE/c$1/pid"
  [[ -s "$f" ]] || return 1
  local p
  p=$(tr -dc '0-9' <"$f")
  [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}
mgmt_ok() {
  node -e "fetch('http://127.0.0.1:$1/api/overview',{headers:{authorization:'Basic '+btoa('guest:guest')}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null
}

if [[ ! -f "$FS/.burrow-ready" ]]; then
  say "no trixie root yet: running scripts/ensure-rabbitmq4.sh"
  bash "$ROOT_DIR/scripts/ensure-rabbitmq4.sh"
fi
if ! mountpoint -q "$FS/proc"; then
  $SUDO mount -t proc proc "$FS/proc" # Erlang wants /proc
fi
[[ -d "$FS/mnt" ]] || {
  echo "[cluster] $FS/mnt is missing" >&2
  exit 1
}
UIDGID="$(awk -F: '$1=="rabbitmq"{print $3":"$4}' "$FS/etc/passwd")"

NODES=("$@")
if [[ ${#NODES[@]} -eq 0 ]]; then NODES=(1 2 3); fi

# --- 1. a fresh cluster when nothing runs --------------------------------------------------------
any_running=0
for n in 1 2 3; do
  if beam_pid "$n" >/dev/null; then any_running=1; fi
done
FRESH=0
if [[ $any_running == 0 ]]; then
  $SUDO rm -rf "$STATE"
  FRESH=1
fi
mkdir -p "$STATE"

write_node_files() {
  local n=$1 d="$STATE/c$1"
  mkdir -p "$d/log" "$d/mnesia"
  cat >"$d/rabbitmq.conf" <<EOF
# Written by scripts/start-cluster.sh: node $(name "$n") of Burrow's test cluster.
listeners.tcp.default = 127.0.0.1:568$n
management.tcp.port = 1568$n
management.tcp.ip = 127.0.0.1
loopback_users = none
cluster_name = burrow-test-cluster
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = burrow-c1@localhost
cluster_formation.classic_config.nodes.2 = burrow-c2@localhost
cluster_formation.classic_config.nodes.3 = burrow-c3@localhost
# Small machines: do not let a long publish run trip the disk alarm on a nearly full /tmp.
disk_free_limit.absolute = 50MB
EOF
  echo '[rabbitmq_management].' >"$d/enabled_plugins"
  $SUDO chown -R "$UIDGID" "$d"
}

start_node() {
  local n=$1 m="/mnt/c$1"
  write_node_files "$n"
  rm -f "$STATE/c$n/pid"
  # setsid: the node outlives this script and the test run's process group.
  setsid $SUDO unshare -m --propagation private /bin/sh -c "
    mount --bind '$STATE' '$FS/mnt' && exec chroot '$FS' /bin/sh -c '
      HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$(name "$n") RABBITMQ_DIST_PORT=2568$n \
      RABBITMQ_CONFIG_FILE=$m/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$m/enabled_plugins \
      RABBITMQ_MNESIA_BASE=$m/mnesia RABBITMQ_LOG_BASE=$m/log RABBITMQ_PID_FILE=$m/pid \
      exec rabbitmq-server'" >>"$STATE/c$n/console.log" 2>&1 </dev/null &
}

for n in "${NODES[@]}"; do
  if beam_pid "$n" >/dev/null; then continue; fi
  say "starting $(name "$n") (AMQP 568$n, management 1568$n, log .tools/cluster/c$n/)"
  start_node "$n"
done

wait_booted() {
  local n=$1
  for _ in $(seq 1 180); do
    if ctl "$n" await_startup >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  say "$(name "$n") did not start; last log lines:"
  tail -n 30 "$STATE/c$n/console.log" >&2 || true
  return 1
}

# --- 2. join: the nodes find each other at their first boot (classic_config peer discovery); ---
# a node that booted alone anyway (peers too slow) is joined to c1 by hand.
for n in "${NODES[@]}"; do
  wait_booted "$n"
done
for n in "${NODES[@]}"; do
  [[ $n == 1 ]] && continue
  members=$(ctl "$n" eval "'length(rabbit_nodes:list_members()).'" 2>/dev/null || echo 0)
  if [[ "$members" == "1" ]]; then
    wait_booted 1
    say "$(name "$n") booted alone: joining it to $(name 1)"
    ctl "$n" stop_app >/dev/null
    ctl "$n" reset >/dev/null
    ctl "$n" join_cluster "$(name 1)" >/dev/null
    ctl "$n" start_app >/dev/null
  fi
done

# --- 3. wait until every node runs, is clustered and answers -----------------------------------
ok=0
for _ in $(seq 1 120); do
  ok=1
  for n in 1 2 3; do
    if ! port_open "568$n" || ! mgmt_ok "1568$n"; then ok=0; fi
  done
  if [[ $ok == 1 ]]; then
    running=$(ctl 1 eval "'length(rabbit_nodes:list_running()).'" 2>/dev/null || echo 0)
    [[ "$running" == "3" ]] || ok=0
  fi
  [[ $ok == 1 ]] && break
  sleep 1
done
if [[ $ok != 1 ]]; then
  say "the cluster did not come up"
  exit 1
fi

rss_total=0
rss_list=""
pids=""
for n in 1 2 3; do
  p=$(beam_pid "$n")
  pids="$pids$p "
  kb=$(awk '/^VmRSS/{print $2}' "/proc/$p/status")
  rss_total=$((rss_total + kb))
  rss_list="$rss_list c$n=$((kb / 1024))MB"
done
ELAPSED_MS=$(($(date +%s%3N) - START_MS))
node - "$STATE/cluster.json" "$(cd "$FS" && pwd -P)" "$(cd "$STATE" && pwd -P)" "$ELAPSED_MS" "$rss_total" "$FRESH" <<'EOF'
const [out, chroot, state, ms, rssKb, fresh] = process.argv.slice(2);
const fs = require('node:fs');
let freshStartMs = Number(ms);
if (fresh !== '1') {
  try {
    freshStartMs = JSON.parse(fs.readFileSync(out, 'utf8')).freshStartMs ?? freshStartMs;
  } catch {
    /* first run */
  }
}
const nodes = [1, 2, 3].map((n) => ({
  name: `burrow-c${n}@localhost`,
  amqpPort: 5680 + n,
  mgmtPort: 15680 + n,
  pidFile: `${state}/c${n}/pid`,
}));
const info = { chroot, nodes, startMs: Number(ms), freshStartMs, rssMb: Math.round(Number(rssKb) / 1024) };
fs.writeFileSync(out, JSON.stringify(info, null, 2) + '\n');
EOF
say "ready: 3 nodes running and clustered in $((ELAPSED_MS / 1000)).$(((ELAPSED_MS % 1000) / 100)) s; beam.smp RSS$rss_list, total $((rss_total / 1024)) MB (pids $pids)"
