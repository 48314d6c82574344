#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed (Debian's
# `postgresql`, through infra/debian.sh, unless PG_BINDIR points at an install) and prints their
# directory on stdout. The tests start their own throwaway cluster from these binaries on a
# loopback port under a temp dir; nothing here starts a server.
set -uo pipefail
cd "$(dirname "$0")/.."
say() { printf '[postgres] %s\n' "$*" >&2; }

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return 0; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if bindir=$(find_bindir); then echo "$bindir"; exit 0; fi
bash infra/debian.sh tests || exit 1
if bindir=$(find_bindir); then echo "$bindir"; exit 0; fi
say "postgresql is installed but initdb/pg_ctl were not found under /usr/lib/postgresql/*/bin (set PG_BINDIR)"
exit 1
