#!/usr/bin/env bash
# CI entry point for the end-to-end tests: makes sure both test brokers are up (scripts/ensure-rabbitmq.sh:
# RabbitMQ 3.x on 5672/15672 and the 4.x node on 5673/5674/15673/15674, idempotent, seconds when warm),
# sets up VS Code under test (cached in .tools/), then runs test/e2e/*.test.ts (packages the extension
# with `npm run package` unless BURROW_VSIX is set).
# The publish/peek/tail and RPC/routing scenarios run once per broker (test names carry the version,
# e.g. "[RabbitMQ 4.0.5]"); tls.test.ts connects to the 4.x node over amqps + https with its CA file.
# BURROW_BROKERS=rmq3 (or rmq4) limits the run to one broker.
# Extra arguments go to `node --test`, e.g.: scripts/e2e.sh --test-name-pattern='4\.0'
# Screenshots: .e2e/screenshots/ (4.x runs end in -rmq4); on failure: .e2e/failures/ and the kept
# .e2e/run-* session dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-rabbitmq.sh
bash scripts/e2e-setup.sh
echo "[e2e] running test/e2e/*.test.ts"
exec node --import tsx --test --test-concurrency=1 "$@" test/e2e/*.test.ts
