#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, pg_ctl, postgres) are installed, installing
# Debian's `postgresql` with apt-get when they are missing (needs root), and prints their
# directory on stdout. The tests start their own throwaway cluster from these binaries on a
# loopback port under a temp dir; nothing here starts a server.
set -uo pipefail
say() { printf '[postgres] %s\n' "$*" >&2; }

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then echo "$PG_BINDIR"; return 0; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

if bindir=$(find_bindir); then echo "$bindir"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  say "PostgreSQL server binaries not found and not root: install Debian's postgresql (apt-get install postgresql) or set PG_BINDIR"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "PostgreSQL server binaries not found and apt-get is not available: install PostgreSQL or set PG_BINDIR"
  exit 1
fi
say "installing PostgreSQL from Debian (apt-get)"
if [ ! -f /tmp/.fuselab-apt-updated ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || { say "apt-get update failed"; exit 1; }
  touch /tmp/.fuselab-apt-updated
fi
# The package's own cluster is not needed: tests create theirs.
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2; then
  say "apt-get install postgresql failed"
  exit 1
fi
if bindir=$(find_bindir); then echo "$bindir"; exit 0; fi
say "postgresql was installed but initdb/pg_ctl were not found under /usr/lib/postgresql/*/bin"
exit 1
