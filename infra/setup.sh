#!/usr/bin/env bash
# Sets up fuselab on a fresh machine: Debian packages (infra/debian-packages.txt), npm packages
# exactly as package-lock.json pins them, the Temporal CLI, then builds every package.
#   bash infra/setup.sh              what the main job needs
#   bash infra/setup.sh --for-tests  also what the test suite needs (PostgreSQL, Chromium)
#   bash infra/setup.sh --for-bench  also the benchmarks' peers (PyTorch)
# Safe to run again: it skips what is already in place, and leaves the work tree as committed.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=main
case "${1:-}" in
  --for-tests) purpose=tests ;;
  --for-bench) purpose=bench ;;
  '') ;;
  *) printf '[setup] unknown option %s (expected --for-tests or --for-bench)\n' "$1" >&2; exit 2 ;;
esac

say() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))."
  exit 1
fi

say "checking Debian packages for '$purpose'"
bash infra/debian.sh "$purpose"

# npm ci installs exactly what the committed lockfile pins and never rewrites it. The lockfile is
# the one npm itself writes (it lists every platform's optional binaries), so ci accepts it.
# Reinstall only when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json (npm ci)"
  npm ci --no-audit --no-fund >&2
else
  say "npm packages are up to date"
fi

# The orchestrator's embedded stack runs the Temporal CLI's dev server (not on npm; see
# docs/ARCHITECTURE.md).
say "finding or installing the Temporal CLI"
if ! temporal_cli=$(bash infra/temporal-cli.sh); then
  say "the Temporal CLI is missing (see the messages above); campaigns cannot run without it"
  exit 1
fi
say "Temporal CLI: $temporal_cli"

if [ "$purpose" = tests ]; then
  # The store and distributed tests start their own throwaway PostgreSQL cluster.
  pg_bindir=$(bash infra/postgres.sh)
  say "PostgreSQL binaries: $pg_bindir"
fi

say "building packages"
npx nx run-many -t build --outputStyle=static >&2
say "ready: try 'npx fuselab table --network mobilenet_v2 --array 64x64'"
