#!/usr/bin/env bash
# CI entry point for the end-to-end tests: sets up VS Code under test (cached in .tools/), then runs
# test/e2e/*.test.ts (packages the extension with `npm run package` unless BURROW_VSIX is set).
# Extra arguments go to `node --test`, e.g.: scripts/e2e.sh --test-name-pattern=vhost
# Screenshots: .e2e/screenshots/; on failure: .e2e/failures/ and the kept .e2e/run-* session dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/e2e-setup.sh
echo "[e2e] running test/e2e/*.test.ts"
exec node --import tsx --test --test-concurrency=1 "$@" test/e2e/*.test.ts
