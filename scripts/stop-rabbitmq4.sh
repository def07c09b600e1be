#!/usr/bin/env bash
# Stops the RabbitMQ 4.x test node that scripts/ensure-rabbitmq4.sh started from this checkout's
# .tools/rabbitmq4/ and unmounts its /proc, so that nothing of a test run is left running.
# .ci/run calls it when it ends; a developer's `npm test` leaves the node up (the next run is warm).
# Idempotent: does nothing when the node is not running or the root file system does not exist.
set -uo pipefail
ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FS="$ROOT_DIR/.tools/rabbitmq4/root"
NODE=rabbit4@localhost
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
[ -f "$FS/.burrow-ready" ] || exit 0
if mountpoint -q "$FS/proc"; then
  if timeout 60 $SUDO chroot "$FS" /bin/sh -c "HOME=/var/lib/rabbitmq rabbitmqctl -q -n $NODE stop" >/dev/null 2>&1; then
    echo "[rabbitmq4] stopped $NODE"
  fi
  $SUDO umount "$FS/proc" 2>/dev/null || $SUDO umount -l "$FS/proc" 2>/dev/null || true
fi
exit 0
