#!/usr/bin/env bash
# `npm run test:cluster`: starts the three-node 4.x test cluster (scripts/start-cluster.sh), runs the
# cluster suite (test/cluster/*.test.ts, one file at a time) and always stops the cluster afterwards
# (scripts/stop-cluster.sh), whether the suite passed, failed or was interrupted.
# Extra arguments are test files to run instead of the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
trap 'bash scripts/stop-cluster.sh || true' EXIT
bash scripts/start-cluster.sh
if [[ $# -gt 0 ]]; then FILES=("$@"); else FILES=(test/cluster/*.test.ts); fi
node --import tsx --test --test-concurrency=1 "${FILES[@]}"
