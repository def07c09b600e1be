#!/usr/bin/env bash
# Tools the integration tests run besides the brokers: Debian's python3-pika, for the generated
# pika snippets of "Copy as code" (test/integration/codegen.test.ts runs them with /usr/bin/python3,
# not a pyenv python on PATH). Idempotent and quick when everything is there.
set -euo pipefail

say() { echo "[test-tools] $*"; }
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if /usr/bin/python3 -c 'import pika' 2>/dev/null; then
  exit 0
fi
say "installing python3-pika (apt)"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q python3-pika >/dev/null; then
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q python3-pika >/dev/null
fi
/usr/bin/python3 -c 'import pika' || { say "python3-pika did not install"; exit 1; }
say "python3-pika $(/usr/bin/python3 -c 'import pika; print(pika.__version__)')"
