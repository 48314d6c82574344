#!/usr/bin/env bash
# The main job: the FuSeConv paper's simulation sweeps run as a campaign through the orchestrator's
# embedded stack (Temporal dev server + PGlite under .fuselab/, workers in-process), then the paper
# table for every network on a 64x64 array printed from the stored results, beside the published
# figures. Run it again and every job is reused from the database.
#
# Afterwards it leaves the dashboard up (`fuselab up`, URL printed) until Ctrl-C — unless
# FUSELAB_NO_SERVE=1, the --no-serve flag (`npm start -- --no-serve`), or stdin is not a terminal
# (CI), where it ends after the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
serve=1
for arg in "$@"; do
  case "$arg" in
    --no-serve) serve=0 ;;
    *) echo "main-job.sh: unknown argument $arg (expected --no-serve)" >&2; exit 2 ;;
  esac
done
[[ "${FUSELAB_NO_SERVE:-}" == 1 || ! -t 0 ]] && serve=0

npx fuselab campaign run examples/paper-table.yaml --paper-table 64x64
echo
if [[ $serve == 1 ]]; then
  echo "Starting the dashboard and the REST API on the stored results (Ctrl-C stops them)."
  npx fuselab up
else
  echo "Results are stored under .fuselab/db. Inspect them with 'npx fuselab campaign list' and"
  echo "'npx fuselab campaign results <id>', or open the dashboard and the REST API with 'npx fuselab up'"
  echo "(it prints the URL, http://127.0.0.1:8787/ by default)."
fi
