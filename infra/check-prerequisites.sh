#!/usr/bin/env bash
# Fails when the code reads a file under /usr that no package in infra/debian-packages.txt
# provides: such a file was installed by hand here and a fresh machine would not have it.
# Each absolute /usr path written in the repository's code (not its docs) is traced with dpkg -S.
set -uo pipefail
cd "$(dirname "$0")/.."
say() { printf '[prerequisites] %s\n' "$*" >&2; }
declared=$(awk '!/^#/ && NF { print $1 }' infra/debian-packages.txt)
status=0
provided_by_declared() {  # $1 is a declared package's path, or lies inside or above one
  local provided
  for provided in $(awk '!/^#/ && NF { print $3 }' infra/debian-packages.txt); do
    case "$1/" in "$provided"/*) return 0 ;; esac
    case "$provided/" in "$1"/*) return 0 ;; esac
  done
  return 1
}
# Paths like /usr/share/datasets/fashion-mnist or /usr/bin/chromium; interpreters in shebangs and
# the usual tools every Debian has (bash, env, python3, node) are base system.
paths=$(git grep -hoE "/usr/(share|lib|bin)/[A-Za-z0-9_.+/-]+" -- ':!*.md' ':!package-lock.json' ':!infra/debian-packages.txt' \
  | sed -E 's#[/.]+$##' | sort -u | grep -vE '^/usr/bin/(env|bash|sh|node|python3|git)$')
for path in $paths; do
  owner=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
  if [ -z "$owner" ]; then
    # Not installed here: fine only when a declared package provides it (set-up installs it).
    if ! provided_by_declared "$path"; then
      say "the code reads $path, which no Debian package provides here and infra/debian-packages.txt does not declare"
      status=1
    fi
    continue
  fi
  base=$(printf '%s' "$owner" | tr ',' '\n' | sed 's/ //g' | head -n 1)
  if ! printf '%s\n' "$declared" | grep -qx "$base"; then
    case "$base" in
      coreutils|bash|python3.*|python3|python3-minimal|libpython3*|nodejs|git|dash|postgresql-*) ;;  # base system or a declared package's dependency
      *) say "the code reads $path from Debian's $base, which infra/debian-packages.txt does not declare (set-up would not install it)"; status=1 ;;
    esac
  fi
done
[ $status -eq 0 ] && say "every /usr path the code reads comes from a declared package"
exit $status
