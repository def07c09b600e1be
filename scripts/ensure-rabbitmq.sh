#!/usr/bin/env bash
# Makes sure a local RabbitMQ with the management plugin answers on 127.0.0.1:5672 and :15672,
# installing Debian's rabbitmq-server (3.10.8 on bookworm) if it is missing, then brings up the
# RabbitMQ 4.x node (scripts/ensure-rabbitmq4.sh). Idempotent; safe to run on every test run.
set -euo pipefail

say() { echo "[rabbitmq] $*"; }
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

wait_port() {
  local port=$1 seconds=$2
  for _ in $(seq 1 "$seconds"); do
    if port_open "$port"; then return 0; fi
    sleep 1
  done
  return 1
}

if ! command -v rabbitmq-server >/dev/null 2>&1 && ! [ -x /usr/sbin/rabbitmq-server ]; then
  say "installing Debian rabbitmq-server"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rabbitmq-server >/dev/null
fi
export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"

if ! port_open 5672; then
  say "starting rabbitmq-server"
  # Debian's postinst may have started it under systemd; otherwise start it detached.
  $SUDO rabbitmq-server -detached || true
  if ! wait_port 5672 90; then
    say "AMQP port 5672 did not open; last log lines:"
    tail -n 40 /var/log/rabbitmq/*.log 2>/dev/null || true
    exit 1
  fi
fi

if ! port_open 15672; then
  say "enabling rabbitmq_management"
  $SUDO rabbitmq-plugins enable rabbitmq_management >/dev/null
  if ! wait_port 15672 60; then
    say "management port 15672 did not open"
    exit 1
  fi
fi

# The management API answers once the node is fully booted.
for _ in $(seq 1 60); do
  if node -e "fetch('http://127.0.0.1:15672/api/overview',{headers:{authorization:'Basic '+btoa('guest:guest')}}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    say "broker ready (AMQP 5672, management 15672)"
    # The RabbitMQ 4.x node (5673/5674/15673/15674) every test suite also runs against.
    exec bash "$(dirname "${BASH_SOURCE[0]}")/ensure-rabbitmq4.sh"
  fi
  sleep 1
done
say "management API did not answer with guest/guest"
exit 1
