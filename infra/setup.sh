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

if $for_tests; then
  : # the test suite needs nothing beyond the npm packages yet
fi

say "building packages"
npx nx run-many -t build --outputStyle=static >&2
say "ready: try 'npx fuselab table --network mobilenet_v2 --array 64x64'"
