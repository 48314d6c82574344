#!/usr/bin/env bash
# Scores every network of a proxy-study export with all proxies, one `fuselab score --json` line each
# (for proxy-study-table.ts). Usage, from the repository root:
#   bash libs/nas/experiments/proxy-study-scores.sh study.json .fuselab/data/cifar10-jpeg.tar.gz > scores.jsonl
set -euo pipefail
export_file=$1
data=$2
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const seen = new Set();
  for (const j of d.jobs) if (j.kind === "train" && j.params.operators) seen.add(j.params.operators.join(","));
  for (const ops of seen) console.log(ops);
' "$export_file" | while read -r ops; do
  npx fuselab score --network mobilenet_v2 --operators "$ops" \
    --proxies synflow,grad_norm,snip,grasp,fisher,jacob_cov,naswot,zen,params,macs \
    --dataset folder --data "$data" --width 0.25 --batch 64 --seed 1 --json
done
