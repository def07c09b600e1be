#!/usr/bin/env bash
# Makes sure a RabbitMQ 4.x node (Debian trixie's rabbitmq-server, run from a root file system made
# with mmdebstrap and cached in .tools/rabbitmq4/) answers on 127.0.0.1, next to the system's 3.10.8:
#
#   AMQP 5673, AMQPS 5674, management HTTP 15673, management HTTPS 15674; guest/guest from loopback.
#
# TLS uses a private CA made at the first setup and kept in .tools/rabbitmq4/tls/ (ca.pem is what
# clients trust). Idempotent: a warm run (root made, node up) takes a second or two; a cold one about
# a minute (mmdebstrap ~45 s, first boot ~15 s). Needs root (chroot, mount), as CI and sessions are.
#
# Also undoes what a fault test may have left behind on a running node: a lowered memory watermark
# (alarm) or a stopped app.
#
# Writes .tools/brokers.json (ports, CA path and the version each broker reports), read by the
# integration, e2e and bench suites.
#
# Env: RABBITMQ4_FORCE=1 remakes the root file system.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="$ROOT_DIR/.tools/rabbitmq4"
FS="$BASE/root"
TLS="$BASE/tls"
LOG="$BASE/node.log"
NODE=rabbit4@localhost
START=$(date +%s)
say() { printf '[rabbitmq4 %3ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }
ctl() { $SUDO chroot "$FS" /bin/sh -c "HOME=/var/lib/rabbitmq rabbitmqctl -n $NODE $*"; }

mkdir -p "$BASE"

# --- 1. the trixie root file system ----------------------------------------------------------------
if [[ "${RABBITMQ4_FORCE:-}" == "1" && -d "$FS" ]]; then
  say "RABBITMQ4_FORCE=1: removing the old root"
  ctl stop >/dev/null 2>&1 || true
  $SUDO umount "$FS/proc" 2>/dev/null || true
  $SUDO rm -rf "$FS"
fi
if [[ ! -f "$FS/.burrow-ready" ]]; then
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    say "apt-get install mmdebstrap"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mmdebstrap >/dev/null
  fi
  say "mmdebstrap trixie + rabbitmq-server into .tools/rabbitmq4/root (about 45 s)"
  $SUDO umount "$FS.tmp/proc" 2>/dev/null || true
  $SUDO rm -rf "$FS.tmp"
  $SUDO mmdebstrap --quiet --variant=apt --include=rabbitmq-server trixie "$FS.tmp"
  $SUDO umount "$FS/proc" 2>/dev/null || true
  $SUDO rm -rf "$FS"
  $SUDO mv "$FS.tmp" "$FS"
  $SUDO touch "$FS/.burrow-ready"
fi
if ! mountpoint -q "$FS/proc"; then
  $SUDO mount -t proc proc "$FS/proc" # Erlang wants /proc
fi

# --- 2. TLS: a private CA and a server certificate for localhost / 127.0.0.1 -----------------------
if [[ ! -f "$TLS/server.pem" ]] || ! openssl x509 -checkend 86400 -noout -in "$TLS/server.pem" >/dev/null 2>&1; then
  say "making a private CA and a server certificate (.tools/rabbitmq4/tls)"
  rm -rf "$TLS"
  mkdir -p "$TLS"
  (
    cd "$TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=Burrow Test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
    printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile ext.cnf 2>/dev/null
    rm -f server.csr ext.cnf
  )
fi
$SUDO mkdir -p "$FS/etc/rabbitmq/tls"
$SUDO cp "$TLS/ca.pem" "$TLS/server.pem" "$TLS/server.key" "$FS/etc/rabbitmq/tls/"
$SUDO chmod 644 "$FS/etc/rabbitmq/tls/"*

# --- 3. configuration -------------------------------------------------------------------------------
$SUDO tee "$FS/etc/rabbitmq/rabbitmq.conf" >/dev/null <<'EOF'
# Written by scripts/ensure-rabbitmq4.sh: Burrow's RabbitMQ 4.x test node.
listeners.tcp.default = 127.0.0.1:5673
listeners.ssl.default = 127.0.0.1:5674
ssl_options.cacertfile = /etc/rabbitmq/tls/ca.pem
ssl_options.certfile = /etc/rabbitmq/tls/server.pem
ssl_options.keyfile = /etc/rabbitmq/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
management.tcp.port = 15673
management.tcp.ip = 127.0.0.1
management.ssl.port = 15674
management.ssl.ip = 127.0.0.1
management.ssl.cacertfile = /etc/rabbitmq/tls/ca.pem
management.ssl.certfile = /etc/rabbitmq/tls/server.pem
management.ssl.keyfile = /etc/rabbitmq/tls/server.key
loopback_users = none
EOF
echo '[rabbitmq_management].' | $SUDO tee "$FS/etc/rabbitmq/enabled_plugins" >/dev/null

# --- 4. start the node (or bring its app back) -----------------------------------------------------
mgmt_ok() {
  node -e "fetch('http://127.0.0.1:15673/api/overview',{headers:{authorization:'Basic '+btoa('guest:guest')}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null
}
if ! port_open 5673; then
  if ctl -q ping >/dev/null 2>&1; then
    say "node $NODE runs but its app is stopped: start_app"
    ctl start_app >/dev/null
  else
    say "starting $NODE (log: .tools/rabbitmq4/node.log)"
    # setsid: the node must outlive this script and the test run's process group.
    setsid $SUDO chroot "$FS" /bin/sh -c "HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$NODE RABBITMQ_DIST_PORT=25673 exec rabbitmq-server" \
      >"$LOG" 2>&1 </dev/null &
  fi
fi
for _ in $(seq 1 120); do
  if port_open 5673 && port_open 5674 && port_open 15674 && mgmt_ok; then break; fi
  sleep 1
done
if ! mgmt_ok; then
  say "the 4.x node did not come up; last log lines:"
  tail -n 40 "$LOG" 2>/dev/null || true
  exit 1
fi
# A fault test may have left a memory alarm behind (set_vm_memory_high_watermark): undo it.
ctl -q set_vm_memory_high_watermark 0.4 >/dev/null 2>&1 || true

# --- 5. .tools/brokers.json -------------------------------------------------------------------------
# Physical paths: a git worktree may reach .tools through a symlink, and brokers.json outlives it.
node - "$ROOT_DIR/.tools/brokers.json" "$(cd "$TLS" && pwd -P)/ca.pem" "$(cd "$FS" && pwd -P)" <<'EOF'
const [out, ca, fs4] = process.argv.slice(2);
const auth = { authorization: 'Basic ' + btoa('guest:guest') };
const version = (port) => fetch(`http://127.0.0.1:${port}/api/overview`, { headers: auth }).then((r) => r.json()).then((o) => o.rabbitmq_version);
(async () => {
  const brokers = [
    { id: 'rmq3', amqpPort: 5672, mgmtPort: 15672, version: await version(15672).catch(() => '3.x') },
    { id: 'rmq4', amqpPort: 5673, amqpsPort: 5674, mgmtPort: 15673, mgmtsPort: 15674, caFile: ca, chroot: fs4, node: 'rabbit4@localhost', version: await version(15673) },
  ];
  require('node:fs').writeFileSync(out, JSON.stringify({ brokers }, null, 2) + '\n');
  console.log(`[rabbitmq4] brokers: ${brokers.map((b) => `RabbitMQ ${b.version} (AMQP ${b.amqpPort})`).join(', ')}`);
})().catch((e) => { console.error(e); process.exit(1); });
EOF
say "ready: AMQP 5673, AMQPS 5674, management 15673, management HTTPS 15674 (CA .tools/rabbitmq4/tls/ca.pem)"
