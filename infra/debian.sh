#!/usr/bin/env bash
# Installs the Debian packages that a purpose needs (infra/debian-packages.txt), with apt-get when
# some are missing (needs root). Prints nothing on stdout; says on stderr what it installs, or
# precisely what is missing and the command that installs it when it cannot.
#   bash infra/debian.sh main|tests|bench
set -uo pipefail
cd "$(dirname "$0")/.."
purpose=${1:?usage: infra/debian.sh main|tests|bench}
say() { printf '[debian] %s\n' "$*" >&2; }

wanted=()
while read -r package needed_for provides; do
  case "$package" in ''|'#'*) continue ;; esac
  if [ "$needed_for" = main ] || [ "$needed_for" = "$purpose" ]; then
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      wanted+=("$package")
    elif [ ! -e "$provides" ]; then
      say "$package is installed but $provides is missing: reinstall it (apt-get install --reinstall $package)"
      exit 1
    fi
  fi
done < infra/debian-packages.txt

[ ${#wanted[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "missing Debian packages for '$purpose': ${wanted[*]}"
  say "install them as root: apt-get install --no-install-recommends ${wanted[*]}"
  exit 1
fi
say "installing from Debian: ${wanted[*]}"
# One `apt-get update` per boot is enough; /tmp is cleared on a new machine.
if [ ! -f /tmp/.fuselab-apt-updated ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || { say "apt-get update failed"; exit 1; }
  touch /tmp/.fuselab-apt-updated
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >&2; then
  say "apt-get install ${wanted[*]} failed (see above)"
  exit 1
fi
