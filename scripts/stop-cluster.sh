#!/usr/bin/env bash
# Stops the three-node test cluster that scripts/start-cluster.sh started (burrow-c1..c3@localhost)
# and removes its state (.tools/cluster/). Never touches rabbit4@localhost or the system broker.
# Idempotent: does nothing when no cluster node runs. A node that does not stop within 30 s is killed.
set -uo pipefail
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FS="$ROOT_DIR/.tools/rabbitmq4/root"
STATE="$ROOT_DIR/.tools/cluster"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
[ -d "$STATE" ] || exit 0

beam_pid() {
  local f="$STATE/c$1/pid"
  [[ -s "$f" ]] || return 1
  local p
  p=$(tr -dc '0-9' <"$f")
  [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}

# Stop all three at once (a clustered node waits for its peers when it stops alone, last one out).
for n in 3 2 1; do
  if p=$(beam_pid "$n"); then
    (timeout 30 $SUDO chroot "$FS" /bin/sh -c "HOME=/var/lib/rabbitmq rabbitmqctl -q -n burrow-c$n@localhost stop" >/dev/null 2>&1 ||
      kill -9 "$p" 2>/dev/null) &
  fi
done
wait
for n in 1 2 3; do
  if p=$(beam_pid "$n"); then kill -9 "$p" 2>/dev/null || true; fi
done
$SUDO rm -rf "$STATE"
echo "[cluster] stopped burrow-c1..c3@localhost"
exit 0
