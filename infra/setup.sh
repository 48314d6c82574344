#!/usr/bin/env bash
# Sets up fuselab on a fresh machine: npm packages (from the lockfile), then builds every package.
#   bash infra/setup.sh             what the main job needs
#   bash infra/setup.sh --for-tests also what the test suite needs
# Safe to run again: it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

say() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))."
  exit 1
fi

# Install when node_modules is missing or older than the lockfile. `npm install` follows the
# lockfile; `npm ci` is not used because npm 11 rejects its own lockfiles when they leave out other
# platforms' optional packages (rollup, esbuild, swc binaries), as lockfiles written here do.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm install --no-audit --no-fund >&2
else
  say "npm packages are up to date"
fi

# The orchestrator's embedded stack runs the Temporal CLI's dev server (not on npm; see DESIGN.md).
say "finding or installing the Temporal CLI"
if ! temporal_cli=$(bash infra/temporal-cli.sh); then
  say "the Temporal CLI is missing (see the messages above); campaigns cannot run without it"
  exit 1
fi
say "Temporal CLI: $temporal_cli"

if $for_tests; then
  # The store and distributed tests start their own throwaway PostgreSQL cluster.
  say "finding or installing PostgreSQL"
  if ! pg_bindir=$(bash infra/postgres.sh); then
    say "PostgreSQL is missing (see the messages above); the orchestrator's tests need it"
    exit 1
  fi
  say "PostgreSQL binaries: $pg_bindir"
fi

say "building packages"
npx nx run-many -t build --outputStyle=static >&2
say "ready: try 'npx fuselab table --network mobilenet_v2 --array 64x64'"
