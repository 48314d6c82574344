/**
 * The NOS + NAS study over several seeds (examples/cifar10-nos-nas-seeds.yaml): the fixed variants
 * and the search's front networks, each trained with every seed, as mean ± sd — does the seed-1
 * comparison of the study (nos-nas-table.ts) hold when the seed noise is measured?
 *
 *   npx fuselab campaign export <study id> --no-checkpoints --out study.json
 *   npx fuselab campaign export <seeds id> --no-checkpoints --out seeds.json
 *   node --import tsx libs/nas/experiments/nos-nas-seeds-table.ts study.json seeds.json [--seeds 1,2,3]
 *   node --import tsx libs/nas/experiments/nos-nas-seeds-table.ts confirmed.json   # one campaign with `confirm`
 *
 * The study's export gives the array latency is measured on and the names of the searched networks
 * (#index of the candidate with the same operators); the seeds export gives the accuracies. Means
 * are over the seeds (sd: sample standard deviation); hypervolumes and dominance use the means, on
 * the points of nos-nas-table.ts ((−accuracy, latency relative to the baseline), reference
 * (0, 1.1 × the largest relative latency)). "Δ vs" columns: the searched network's mean minus the
 * fixed variant's, ± the standard error of that difference (√(sd₁²/n₁ + sd₂²/n₂)). Prints Markdown;
 * a network missing a seed is named and the table refuses to average it.
 *
 * One export instead of two: a campaign whose search confirms its front (`confirm: { seeds }`,
 * examples/cifar10-nos-nas-depthwise.yaml) holds both. Its searched networks off the one-seed front
 * were trained at one seed only and are left out (counted under the table), and the baseline may be
 * a teacher of one seed: it is shown over the seeds it has.
 */
import { operatorCode, readExport, studyLatency } from './nos-nas-export.js';
import { seedsOf, studyArgs } from './study-args.js';
import { dominates, hypervolume2d, meanAndSd } from '../src/index.js';

const { files, seeds: chosen } = studyArgs('nos-nas-seeds-table.ts (STUDY.json SEEDS.json | CONFIRMED.json) [--seeds 1,2,3]', 1);
const [studyFile, seedsFile = studyFile] = files as [string, string?];
/** One campaign with a confirmed front: searched networks off that front have one seed only. */
const confirmed = files.length === 1;
const study = readExport(studyFile);
const runs = confirmed ? study : readExport(seedsFile);
const { array, inputSize, latencyOf, baselineLatency, operatorsOf } = studyLatency(studyFile, study);
const seeds = seedsOf(runs.jobs as Array<{ kind: string; params: { seed?: number } }>, chosen);

interface Network {
  label: string;
  searched: boolean;
  operators: string[];
  bySeed: Map<number, number>;
  latency: number;
}
const networks = new Map<string, Network>();
for (const result of runs.trainingResults) {
  if (result.testAccuracy === null || !seeds.includes(result.seed)) continue;
  const operators = operatorsOf(result);
  const id = `${result.method} ${operatorCode(operators)}`;
  if (!networks.has(id)) {
    const candidate =
      result.variant === 'custom' ? study.searchCandidates?.find((c) => operatorCode(c.operators) === operatorCode(operators)) : undefined;
    const name = result.variant === 'custom' ? (candidate ? `#${candidate.candidateIndex}` : 'custom') : result.variant;
    networks.set(id, {
      label: `${name} (${result.method})`,
      searched: result.variant === 'custom',
      operators,
      bySeed: new Map(),
      latency: latencyOf(operators),
    });
  }
  networks.get(id)!.bySeed.set(result.seed, result.testAccuracy);
}
// A job without a result (failed, cancelled, still running) would leave its network out unseen.
const unfinished = runs.jobs.filter((j) => j.kind === 'train' && j.status !== 'completed' && j.status !== 'reused');
if (unfinished.length)
  process.stderr.write(`${seedsFile}: training jobs without a result: ${unfinished.map((j) => `${j.group} (${j.status})`).join(', ')}\n`);
const lacksSeeds = (n: Network) => seeds.some((s) => !n.bySeed.has(s));
const isBaseline = (n: Network) =>
  !n.searched && operatorCode(n.operators) === 'd'.repeat(n.operators.length) && n.label.includes('scratch');
let unconfirmed = 0;
if (confirmed)
  for (const [id, n] of networks)
    if (n.searched && lacksSeeds(n)) {
      networks.delete(id);
      unconfirmed++;
    }
const incomplete = [...networks.values()].filter((n) => lacksSeeds(n) && !(confirmed && isBaseline(n)));
if (incomplete.length) {
  const missing = incomplete.map((n) => `${n.label}: seeds ${seeds.filter((s) => !n.bySeed.has(s)).join(', ')}`);
  process.stderr.write(`${seedsFile}: results missing (${missing.join('; ')}); wait for them or choose --seeds\n`);
  process.exit(1);
}

const mean = (xs: number[]) => meanAndSd(xs).mean;
const sd = (xs: number[]) => meanAndSd(xs).sd ?? NaN;
const seedsHad = (n: Network) => seeds.filter((s) => n.bySeed.has(s));
const accuracies = (n: Network) => seedsHad(n).map((s) => n.bySeed.get(s)!);
const all = [...networks.values()];
// May be absent: a campaign whose teacher is a checkpoint file trains no baseline.
const baseline = all.find(isBaseline);
const fixed = all.filter((n) => !n.searched).sort((a, b) => b.latency - a.latency);
const searched = all.filter((n) => n.searched).sort((a, b) => b.latency - a.latency);

const point = (n: Network) => [-mean(accuracies(n)), n.latency / baselineLatency] as const;
// At least the baseline (1.0), trained here or not, so the reference is the same (0, 1.1) in every study.
const ref = [0, 1.1 * Math.max(1, ...all.map((n) => n.latency / baselineLatency))] as const;
const hv = (points: Network[]) => hypervolume2d(points.map(point), ref);
const pct = (x: number) => (Number.isNaN(x) ? '—' : (100 * x).toFixed(2));
const row = (n: Network) =>
  `| ${n.label} | \`${operatorCode(n.operators)}\` | ${seeds.map((s) => (n.bySeed.has(s) ? pct(n.bySeed.get(s)!) : '—')).join(' / ')} | ${pct(mean(accuracies(n)))} ± ${pct(sd(accuracies(n)))} | ` +
  `${(baselineLatency / n.latency).toFixed(2)}× |`;

const nos = fixed.filter((n) => n !== baseline);
const delta = (a: Network, b: Network) => {
  const [x, y] = [accuracies(a), accuracies(b)];
  const se = Math.sqrt(sd(x) ** 2 / x.length + sd(y) ** 2 / y.length);
  return `${mean(x) >= mean(y) ? '+' : '−'}${pct(Math.abs(mean(x) - mean(y)))} ± ${pct(se)}`;
};
const lines = [
  `Campaign \`${runs.campaign.id}\`, seeds ${seeds.join(', ')}; latency on the ${array.rows}×${array.cols} ${array.hardware} array ` +
    `(cycles, reference model, ${inputSize}×${inputSize}); searched networks named as in \`${study.campaign.id}\`.`,
  '',
  `| network | operators (d/h/f per block) | test accuracy % (seed ${seeds.join(' / ')}) | mean ± sd | speed-up vs baseline |`,
  '|---|---|---|---|---|',
  ...fixed.map(row),
  ...searched.map(row),
  ...(unconfirmed ? ['', `${unconfirmed} searched networks off the one-seed front were trained at one seed only and are left out.`] : []),
  '',
  `Searched networks against the fixed NOS variants (difference of mean test accuracy, points ± its standard error):`,
  '',
  `| searched | ${nos.map((n) => `Δ vs ${n.label}`).join(' | ')} |`,
  `|---|${nos.map(() => '---|').join('')}`,
  ...searched.map((s) => `| ${s.label} | ${nos.map((n) => delta(s, n)).join(' | ')} |`),
  '',
  `Hypervolume of the means (−accuracy, relative latency; reference (0, ${ref[1].toFixed(3)})): fixed variants ${hv(fixed).toFixed(4)}, ` +
    `searched ${hv(searched).toFixed(4)}, both ${hv(all).toFixed(4)}.`,
  ...fixed.map((n) => {
    const better = searched.filter((s) => dominates(point(s), point(n)));
    return `- ${n.label}: ${better.length ? `dominated (means) by ${better.map((s) => s.label).join(', ')}` : 'no searched network dominates it (means)'}.`;
  }),
];
console.log(lines.join('\n'));
