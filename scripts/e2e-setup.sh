#!/usr/bin/env bash
# Sets up "VS Code under test" for the Burrow end-to-end tests, from nothing, into .tools/ (git-ignored).
#
#   - Debian packages: libkrb5-dev (kerberos build), ripgrep (replaces @vscode/ripgrep's download), chromium
#   - code-server@4.100.3 (VS Code 1.100.3; the last release that runs on Node 20) from the npm registry,
#     installed with --ignore-scripts into .tools/code-server/ (its own package.json, the project's is untouched),
#     then fixed up by hand because its postinstall needs GitHub (see /work/shared/notes/e2e-code-server.md).
#
# Idempotent: a marker file is written at the end and later runs exit at once.
# Concurrent runs (two test sessions starting at once) take turns on a lock (flock on
# .tools/e2e-setup.lock): the second waits for the first, then finds the marker and exits.
# Env: E2E_SETUP_FORCE=1 redoes everything (the marker is ignored).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/code-server"
MARKER="$TOOLS/.ready-$CODE_SERVER_VERSION"
CS="$TOOLS/node_modules/code-server"
VSC="$CS/lib/vscode"

START=$(date +%s)
step() { printf '[e2e-setup %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

# One run at a time: two runs building the same native modules in .tools/ at once corrupt them
# (both @vscode/spdlog builds fail). The lock is released when this process exits, however it exits.
mkdir -p "$ROOT/.tools"
LOCK="$ROOT/.tools/e2e-setup.lock"
exec 9>>"$LOCK"
if ! flock -n 9; then
  step "another e2e-setup run holds $LOCK: waiting for it"
  flock 9
  step "lock acquired"
fi

# @vscode/spdlog writes VS Code's log files (user-data/logs/…, including the extension's output channel,
# which the e2e tests search for leaked passwords). Without its native binding VS Code runs but logs nothing.
ensure_spdlog() {
  if [[ ! -f "$VSC/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]]; then
    step "lib/vscode: npm rebuild @vscode/spdlog (native build; VS Code's log files)"
    (cd "$VSC" && npm_config_yes=true npm rebuild @vscode/spdlog --loglevel=error)
  fi
}

if [[ -f "$MARKER" && "${E2E_SETUP_FORCE:-}" != "1" ]]; then
  ensure_spdlog # installs set up before this step was added
  step "code-server $CODE_SERVER_VERSION already set up in .tools/code-server (marker found); nothing to do"
  exit 0
fi

# --- 1. Debian packages ---------------------------------------------------------------------------
need=()
for pkg in libkrb5-dev ripgrep chromium; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    need+=("$pkg")
  fi
done
if (( ${#need[@]} )); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  step "apt-get update (to install: ${need[*]})"
  $SUDO apt-get update -qq
  step "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  step "Debian packages present: libkrb5-dev ripgrep chromium"
fi
for bin in /usr/bin/rg /usr/bin/chromium; do
  [[ -x "$bin" ]] || { echo "e2e-setup: $bin missing after apt-get install" >&2; exit 1; }
done

# --- 2. code-server from npm (no install scripts) -------------------------------------------------
mkdir -p "$TOOLS"
if [[ ! -f "$TOOLS/package.json" ]]; then
  cat >"$TOOLS/package.json" <<EOF
{
  "name": "burrow-e2e-tools",
  "private": true,
  "description": "VS Code under test for Burrow's e2e tests (created by scripts/e2e-setup.sh)",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" }
}
EOF
fi
step "npm install --ignore-scripts code-server@$CODE_SERVER_VERSION (into .tools/code-server)"
(cd "$TOOLS" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")

# --- 3. fix-ups that replace the failing postinstall ----------------------------------------------
step "lib/vscode: npm install --omit=dev --ignore-scripts"
(cd "$VSC" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

step "lib/vscode: npm rebuild kerberos node-pty @parcel/watcher (native builds)"
(cd "$VSC" && npm_config_yes=true npm rebuild kerberos node-pty @parcel/watcher --loglevel=error)

ensure_spdlog

step "lib/vscode: use Debian's ripgrep for @vscode/ripgrep"
mkdir -p "$VSC/node_modules/@vscode/ripgrep/bin"
cp -f /usr/bin/rg "$VSC/node_modules/@vscode/ripgrep/bin/rg"
chmod +x "$VSC/node_modules/@vscode/ripgrep/bin/rg"

step "lib/vscode: node_modules.asar, remote-cli and helpers symlinks"
(cd "$VSC" && ln -sfn node_modules node_modules.asar)
(cd "$VSC/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$VSC/bin/helpers" && ln -sfn browser-linux.sh browser.sh)

step "lib/vscode/extensions: npm install --omit=dev --ignore-scripts"
(cd "$VSC/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

step "npm rebuild argon2 (native binding)"
(cd "$TOOLS" && npm rebuild argon2 --loglevel=error)

# --- 4. smoke check + marker ----------------------------------------------------------------------
step "smoke check: code-server --version"
# --config and XDG_DATA_HOME keep code-server from writing ~/.config/code-server and ~/.local/share/code-server
XDG_DATA_HOME="$TOOLS/xdg-data" "$TOOLS/node_modules/.bin/code-server" --config "$TOOLS/config.yaml" --version | grep -v 'Wrote default config' | head -1

touch "$MARKER"
step "done: VS Code under test ready in .tools/code-server (took $(( $(date +%s) - START ))s)"
