#!/usr/bin/env bash
# The main job: the FuSeConv paper's simulation sweeps run as a campaign through the orchestrator's
# embedded stack (Temporal dev server + PGlite under .fuselab/, workers in-process), then the paper
# table for every network on a 64x64 array printed from the stored results, beside the published
# figures. Run it again and every job is reused from the database.
set -euo pipefail
cd "$(dirname "$0")/.."
npx fuselab campaign run examples/paper-table.yaml --paper-table 64x64
echo
echo "Results are stored under .fuselab/db. Inspect them with 'npx fuselab campaign list' and"
echo "'npx fuselab campaign results <id>', or start the stack with its REST API (http://127.0.0.1:8787/api/campaigns)"
echo "with 'npx fuselab up'."
