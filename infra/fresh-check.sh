#!/usr/bin/env bash
# The fresh-machine check: the README's two commands run the way a new user's machine sees them,
# and fail if any step reaches for something that only a hand install put here.
#   bash infra/fresh-check.sh         in a new clone of HEAD under a temp dir (the release check)
#   bash infra/fresh-check.sh --here  in this checkout, which must be a fresh clone (what .ci/run does)
# Steps:
#   1. infra/check-prerequisites.sh: every /usr path the code reads comes from a package that
#      set-up installs (a Debian package installed by hand cannot hide a missing install step);
#   2. `npm start` (main job, FUSELAB_NO_SERVE=1) then `npm run test:all`, in a clean environment:
#      a new HOME (no ~/.npmrc, npm/pip caches or per-user tools) and PATH limited to the system's
#      own directories (nothing from /usr/local or ~), so only what set-up installs is found;
#   3. the work tree is exactly as committed afterwards (no rewritten lockfile, no stray files).
# Exits with the first failing step's status.
set -uo pipefail
cd "$(dirname "$0")/.."
say() { printf '[fresh-check] %s\n' "$*" >&2; }

if [ "${1:-}" = "--here" ]; then
  work=$(pwd)
  for leftover in node_modules .fuselab; do
    [ -e "$leftover" ] && { say "--here needs a fresh clone, but $leftover/ exists"; exit 2; }
  done
else
  [ -n "$(git status --porcelain)" ] && say "note: uncommitted changes are not part of the check (it clones HEAD)"
  work=$(mktemp -d /tmp/fuselab-fresh-XXXXXX)/fuselab
  git clone --quiet "$(pwd)" "$work" || exit 1
  say "fresh clone of $(git rev-parse --short HEAD) in $work"
fi

bash "$work/infra/check-prerequisites.sh" || exit 1

home=$(mktemp -d /tmp/fuselab-home-XXXXXX)
clean_env=(env -i HOME="$home" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb
  CI="${CI:-}" FUSELAB_NO_SERVE=1)
# Certificates and package indexes configured for this machine (not installs) pass through.
for name in $(compgen -e | grep -E '^(SSL_CERT_|NODE_EXTRA_CA_CERTS$|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$|PIP_|npm_config_registry$|FUSELAB_CIFAR10_ARCHIVE$)'); do
  clean_env+=("$name=${!name}")
done

run() {
  say "$*"
  local started=$SECONDS
  (cd "$work" && "${clean_env[@]}" "$@" </dev/null)
  local status=$?
  say "$* → exit $status after $((SECONDS - started)) s"
  return $status
}

run npm start || exit $?
run npm run test:all
tests_status=$?

dirty=$(cd "$work" && git status --porcelain --untracked-files=all)
if [ -n "$dirty" ]; then
  say "the work tree is not as committed after the README's commands:"
  printf '%s\n' "$dirty" | head -20 >&2
  (cd "$work" && node infra/test-summary.mjs)
  exit 1
fi
say "work tree clean after both commands"
rm -rf "$home"
# Last, so that CI's closing line is the test count.
(cd "$work" && node infra/test-summary.mjs)
exit $tests_status
