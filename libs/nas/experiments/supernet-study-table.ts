/**
 * The table of the supernet study (libs/nas/README.md, "Supernet study"): how well accuracy
 * inherited from one supernet ranks the proxy study's networks against their standalone training.
 * Kendall τ-b and Spearman ρ with percentile-bootstrap 95 % intervals (2,000 resamples, seed 1) of
 * inherited accuracy against standalone test accuracy (mean over the seeds), beside the seeds'
 * agreement with each other (the ceiling against so noisy a target), and the cost: the supernet's
 * training and scoring time against the standalone jobs' training time (images / throughput).
 *
 *   npx fuselab campaign export <proxy-study-id> --no-checkpoints --out study.json
 *   node --import tsx libs/nas/experiments/proxy-study-spec.ts --paths > paths.json
 *   npx fuselab supernet --network mobilenet_v2 --dataset folder --data .fuselab/data/cifar10-jpeg.tar.gz \
 *     --limit 4000 --epochs 12 --seed 1 --paths paths.json --json > supernet.json
 *   node --import tsx libs/nas/experiments/supernet-study-table.ts study.json supernet.json [more-supernet.json …]
 *
 * Several supernet files (other seeds or recipes) give one row each. Prints Markdown; networks
 * without every seed's result are counted and left out, by name of the count.
 */
import { readText } from './read-text.js';
import { seedsOf, studyArgs } from './study-args.js';
import { bootstrapInterval, kendallTau, spearmanRho } from '../src/rank-correlation.js';

interface ExportFile {
  campaign: { id: string };
  jobs: Array<{ kind: string; params: { seed?: number } }>;
  trainingResults: Array<{
    operators?: string[] | null;
    seed: number;
    epochs: number;
    testAccuracy: number | null;
    trainImagesPerSec: number;
  }>;
}
interface SupernetFile {
  epochs: number;
  trainImages: number;
  choices: string[];
  training: { seconds: number; steps: number };
  subnets: Array<{ operators: string[]; accuracy: number }>;
  scoreSeconds: number;
}

const args = studyArgs('supernet-study-table.ts EXPORT.json[.gz] SUPERNET.json [SUPERNET.json …] [--seeds 1,2]', 2);
const [exportFile, ...supernetFiles] = args.files as [string, ...string[]];
const study = JSON.parse(readText(exportFile)) as ExportFile;
const id = (ops: readonly string[]) => ops.join(',');
const seeds = seedsOf(study.jobs, args.seeds);
const bySeed = new Map<string, Map<number, number>>();
let standaloneSeconds = 0;
let standaloneJobs = 0;
for (const row of study.trainingResults) {
  if (!row.operators || row.testAccuracy === null) continue;
  const m = bySeed.get(id(row.operators)) ?? new Map<number, number>();
  m.set(row.seed, row.testAccuracy);
  bySeed.set(id(row.operators), m);
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const interval = (x: number[], y: number[], stat: (a: readonly number[], b: readonly number[]) => number) => {
  const r = bootstrapInterval(x, y, stat, { reps: 2000, seed: 1 });
  return `${f(r.value)} [${f(r.low)}, ${f(r.high)}]`;
};

const lines = [
  `| supernet | networks | Kendall τ (95 % CI) | Spearman ρ (95 % CI) | inherited accuracy | supernet train + score | standalone training of these networks |`,
  `|---|---|---|---|---|---|---|`,
];
let ceiling = '';
for (const file of supernetFiles) {
  const sn = JSON.parse(readText(file)) as SupernetFile;
  const rows = sn.subnets
    .map((s) => ({ s, seeds: bySeed.get(id(s.operators)) }))
    .filter((r): r is { s: SupernetFile['subnets'][number]; seeds: Map<number, number> } => seeds.every((k) => r.seeds?.has(k)));
  const inherited = rows.map((r) => r.s.accuracy);
  const standalone = rows.map((r) => seeds.reduce((a, k) => a + r.seeds.get(k)!, 0) / seeds.length);
  // Standalone cost of the same networks: training images over measured throughput, each of the table's seeds.
  standaloneSeconds = 0;
  standaloneJobs = 0;
  const wanted = new Set(rows.map((r) => id(r.s.operators)));
  for (const row of study.trainingResults) {
    if (!row.operators || !wanted.has(id(row.operators)) || !seeds.includes(row.seed) || !(row.trainImagesPerSec > 0)) continue;
    standaloneSeconds += (row.epochs * sn.trainImages) / row.trainImagesPerSec;
    standaloneJobs++;
  }
  const pct = (xs: number[]) => `${(100 * Math.min(...xs)).toFixed(1)}–${(100 * Math.max(...xs)).toFixed(1)} %`;
  lines.push(
    `| ${file} (${sn.epochs} epochs, ${sn.choices.join('/')}) | ${rows.length} of ${sn.subnets.length} | ${interval(inherited, standalone, kendallTau)} | ` +
      `${interval(inherited, standalone, spearmanRho)} | ${pct(inherited)} | ${(sn.training.seconds / 60).toFixed(0)} + ${(sn.scoreSeconds / 60).toFixed(0)} min | ` +
      `${(standaloneSeconds / 60).toFixed(0)} min (${standaloneJobs} jobs) |`,
  );
  if (seeds.length >= 2 && !ceiling) {
    const [a, b] = seeds;
    const xa = rows.map((r) => r.seeds.get(a!)!);
    const xb = rows.map((r) => r.seeds.get(b!)!);
    ceiling = `Ceiling on the same networks — standalone seed ${a} against seed ${b}: Kendall τ ${interval(xa, xb, kendallTau)}, Spearman ρ ${interval(xa, xb, spearmanRho)}; standalone accuracy ${pct(standalone)} (mean over seeds).`;
  }
}
console.log(`Campaign \`${study.campaign.id}\` (seeds ${seeds.join(', ')}).\n`);
console.log(lines.join('\n'));
if (ceiling) console.log(`\n${ceiling}`);
