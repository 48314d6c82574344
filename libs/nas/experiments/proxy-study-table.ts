/**
 * The table of the zero-cost proxy study (examples/cifar10-proxy-study.yaml): Kendall τ-b and
 * Spearman ρ, each with a percentile-bootstrap 95 % interval over the networks (2,000 resamples,
 * seed 1), of every proxy, params, MACs and the rank vote against the networks' test accuracy
 * (mean over the seeds); plus the agreement of the seeds with each other, which bounds what any
 * proxy can reach against so noisy a target.
 *
 *   npx fuselab campaign export <id> --no-checkpoints --out study.json
 *   for ops in $(…each network's operators, comma-separated…); do
 *     npx fuselab score --network mobilenet_v2 --operators "$ops" --proxies synflow,grad_norm,snip,grasp,fisher,jacob_cov,naswot,zen,params,macs \
 *       --dataset folder --data .fuselab/data/cifar10-jpeg.tar.gz --width 0.25 --batch 64 --seed 1 --json
 *   done > scores.jsonl
 *   node --import tsx libs/nas/experiments/proxy-study-table.ts study.json scores.jsonl [--seeds 1]
 *
 * (`proxy-study-scores.sh` in this folder runs that loop over the networks of an export.) Prints
 * Markdown. A network without a score, or a job without a result, is named, not silently left out.
 */
import { readText } from './read-text.js';
import { seedsOf, studyArgs } from './study-args.js';
import { bootstrapInterval, kendallTau, spearmanRho } from '../src/rank-correlation.js';
import { rankVote } from '../src/proxies/vote.js';

interface ExportFile {
  campaign: { id: string; name: string };
  jobs: Array<{ kind: string; status: string; params: { operators?: string[]; seed?: number } }>;
  trainingResults: Array<{ operators?: string[] | null; seed: number; testAccuracy: number | null; codeVersion?: string }>;
}
interface ScoreLine {
  operators: string[];
  scores: Record<string, number>;
}

const args = studyArgs('proxy-study-table.ts EXPORT.json[.gz] SCORES.jsonl [--seeds 1,2]', 2);
const [exportFile, scoresFile] = args.files as [string, string];
const data = JSON.parse(readText(exportFile)) as ExportFile;
const scoreLines = readText(scoresFile)
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as ScoreLine);

const id = (ops: readonly string[]) => ops.join(',');
const accuracyBySeed = new Map<string, Map<number, number>>();
for (const row of data.trainingResults) {
  if (!row.operators || row.testAccuracy === null) continue;
  const seeds = accuracyBySeed.get(id(row.operators)) ?? new Map<number, number>();
  seeds.set(row.seed, row.testAccuracy);
  accuracyBySeed.set(id(row.operators), seeds);
}
const scoresOf = new Map(scoreLines.map((line) => [id(line.operators), line.scores]));
const seedsWanted = seedsOf(data.jobs, args.seeds);
const networks = [...accuracyBySeed.entries()].filter(([key, seeds]) => scoresOf.has(key) && seedsWanted.every((s) => seeds.has(s)));
const missing = data.jobs.filter((j) => j.kind === 'train' && j.status !== 'completed' && j.status !== 'reused');

const meanAccuracy = networks.map(([, seeds]) => seedsWanted.reduce((a, s) => a + seeds.get(s)!, 0) / seedsWanted.length);
const proxies = Object.keys(scoreLines[0]?.scores ?? {});
const scores = networks.map(([key]) => scoresOf.get(key)!);
const columns: Array<[string, number[]]> = proxies.map((p) => [p, scores.map((s) => s[p]!)]);
columns.push(['vote (all of the above)', rankVote(scores, proxies)]);

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const withInterval = (x: number[], y: number[], stat: (a: readonly number[], b: readonly number[]) => number) => {
  const r = bootstrapInterval(x, y, stat, { reps: 2000, seed: 1 });
  return `${f(r.value)} [${f(r.low)}, ${f(r.high)}]`;
};

const lines: string[] = [];
const pct = (x: number) => (100 * x).toFixed(1);
lines.push(
  `Campaign \`${data.campaign.id}\`: ${networks.length} networks with a result for every seed (${seedsWanted.join(', ')}) and a score; ` +
    `test accuracy ${pct(Math.min(...meanAccuracy))}–${pct(Math.max(...meanAccuracy))} % (mean over seeds).`,
);
if (seedsWanted.length >= 2) {
  const [a, b] = seedsWanted;
  const accA = networks.map(([, s]) => s.get(a!)!);
  const accB = networks.map(([, s]) => s.get(b!)!);
  lines.push(
    `Seed ${a} against seed ${b} (the same networks trained twice): Kendall τ ${withInterval(accA, accB, kendallTau)}, ` +
      `Spearman ρ ${withInterval(accA, accB, spearmanRho)}.`,
  );
}
lines.push('');
lines.push('| proxy | Kendall τ [95 % CI] | Spearman ρ [95 % CI] |');
lines.push('|---|---|---|');
for (const [name, values] of columns)
  lines.push(`| ${name} | ${withInterval(values, meanAccuracy, kendallTau)} | ${withInterval(values, meanAccuracy, spearmanRho)} |`);
if (missing.length) lines.push('', `Jobs without a result: ${missing.length} (${[...new Set(missing.map((j) => j.status))].join(', ')}).`);
const unscored = [...accuracyBySeed.keys()].filter((key) => !scoresOf.has(key));
if (unscored.length) lines.push('', `Networks without a score: ${unscored.length}.`);
console.log(lines.join('\n'));
