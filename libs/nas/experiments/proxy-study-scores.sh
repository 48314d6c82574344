#!/usr/bin/env bash
# Scores every network of a proxy-study export with all proxies, one `fuselab score --json` line each
# (for proxy-study-table.ts), at the network, width and stem its training jobs used. Usage, from the
# repository root:
#   bash libs/nas/experiments/proxy-study-scores.sh study.json .fuselab/data/cifar10-jpeg.tar.gz > scores.jsonl
set -euo pipefail
export_file=$1
data=$2
node -e '
  const bytes = require("fs").readFileSync(process.argv[1]);
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b; // an export written as FILE.json.gz
  const d = JSON.parse((gzipped ? require("zlib").gunzipSync(bytes) : bytes).toString("utf8"));
  const seen = new Set();
  for (const { kind, params: p } of d.jobs)
    if (kind === "train" && p.operators) seen.add([p.network, p.width, p.stem ?? "-", p.operators.join(",")].join(" "));
  for (const line of seen) console.log(line);
' "$export_file" | while read -r network width stem ops; do
  # "-": the job used the default stem for its images (cifar at 32 px), which is also score's.
  [ "$stem" = - ] && stem=
  npx fuselab score --network "$network" --operators "$ops" ${stem:+--stem "$stem"} \
    --proxies synflow,grad_norm,snip,grasp,fisher,jacob_cov,naswot,zen,params,macs \
    --dataset folder --data "$data" --width "$width" --batch 64 --seed 1 --json |
    # `--json` pretty-prints; the table reads one document per line.
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify(JSON.parse(s))))'
done
