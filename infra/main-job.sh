#!/usr/bin/env bash
# The main job: the FuSeConv paper's tables rebuilt from first principles for every network on a
# 64x64 array, beside the published figures. (Campaigns through the orchestrator take over once
# they exist.)
set -euo pipefail
cd "$(dirname "$0")/.."
for network in mobilenet_v1 mobilenet_v2 mobilenet_v3_small mobilenet_v3_large mnasnet_b1; do
  npx fuselab table --network "$network" --array 64x64
  echo
done
