/**
 * The table of the NOS + NAS study (examples/cifar10-nos-nas.yaml): the accuracy–latency front an
 * accuracy search found against the fixed variants trained with the same recipe.
 *
 *   npx fuselab campaign export <id> --no-checkpoints --out nos-nas.json
 *   node --import tsx libs/nas/experiments/nos-nas-table.ts nos-nas.json
 *
 * Latency is what the search minimised: cycles of the network at 224×224 / 1000 classes on the
 * search's array with the `reference` model (libs/nas evaluateStatic), for the fixed variants from
 * their per-block operators (fuseconv variantOperators). Points are (−accuracy, latency relative to
 * the baseline's), both minimised; hypervolumes use the reference point (0, 1.1 × the largest
 * relative latency, at least the baseline's 1), so 0 accuracy and a network slower than any
 * measured bound them. Prints Markdown; a training without a result is named, not silently left
 * out.
 */
import { operatorCode as code, readExport, studyLatency } from './nos-nas-export.js';
import { dominates, hypervolume2d } from '../src/index.js';

const [exportFile] = process.argv.slice(2);
if (!exportFile) {
  process.stderr.write('usage: nos-nas-table.ts EXPORT.json\n');
  process.exit(2);
}
const data = readExport(exportFile);
const { search, array: arrayChoice, latencyOf, baselineLatency, operatorsOf } = studyLatency(exportFile, data);

interface Point {
  label: string;
  operators: string[];
  accuracy: number;
  latency: number;
}
const fixed: Point[] = data.trainingResults
  .filter((r) => r.variant !== 'custom' && r.testAccuracy !== null)
  .map((r) => {
    const operators = operatorsOf(r);
    return { label: `${r.variant} (${r.method}, seed ${r.seed})`, operators, accuracy: r.testAccuracy!, latency: latencyOf(operators) };
  });
const searched: Point[] = (data.searchCandidates ?? []).map((c) => ({
  label: `#${c.candidateIndex}`,
  operators: c.operators,
  accuracy: -c.objectives.accuracy!,
  latency: c.objectives.latency!,
}));
const point = (p: Point) => [-p.accuracy, p.latency / baselineLatency] as const;
const all = [...fixed, ...searched];
// At least the baseline (1.0), trained here or not, so the reference is the same (0, 1.1) in every study.
const ref = [0, 1.1 * Math.max(1, ...all.map((p) => p.latency / baselineLatency))] as const;
const hv = (points: Point[]) => hypervolume2d(points.map(point), ref);
const frontOf = (points: Point[]) => points.filter((p) => !points.some((q) => q !== p && dominates(point(q), point(p))));

const pct = (x: number) => (100 * x).toFixed(2);
const row = (p: Point) =>
  `| ${p.label} | \`${code(p.operators)}\` | ${pct(p.accuracy)} | ${p.latency.toLocaleString('en')} | ${(baselineLatency / p.latency).toFixed(2)}× |`;

const lines: string[] = [];
lines.push(
  `Campaign \`${data.campaign.id}\`: ${fixed.length} fixed variants, ${searched.length} searched networks; latency on the ` +
    `${arrayChoice.rows}×${arrayChoice.cols} ${arrayChoice.hardware} array (cycles, reference model, ${search.params.inputSize}×${search.params.inputSize}).`,
  '',
  '| network | operators (d/h/f per block) | test accuracy % | latency (cycles) | speed-up vs baseline |',
  '|---|---|---|---|---|',
  ...fixed.map(row),
  '',
  `Front of the search (${frontOf(searched).length} of ${searched.length}):`,
  '',
  '| candidate | operators (d/h/f per block) | test accuracy % | latency (cycles) | speed-up vs baseline |',
  '|---|---|---|---|---|',
  ...frontOf(searched)
    .sort((a, b) => a.latency - b.latency)
    .map(row),
  '',
  `Hypervolume (−accuracy, relative latency; reference (0, ${ref[1].toFixed(3)})): fixed variants ${hv(fixed).toFixed(4)}, ` +
    `search ${hv(searched).toFixed(4)}, both ${hv(all).toFixed(4)}.`,
);
for (const p of fixed) {
  const better = searched.filter((q) => dominates(point(q), point(p)));
  lines.push(
    `- ${p.label}: ${better.length ? `dominated by ${better.length} searched (${better.map((q) => q.label).join(', ')})` : 'no searched network dominates it'}.`,
  );
}
const missing = data.jobs.filter((j) => j.kind === 'train' && j.status !== 'completed' && j.status !== 'reused');
if (missing.length) lines.push('', `Training jobs without a result: ${missing.map((j) => `${j.group} (${j.status})`).join(', ')}.`);
if (search.status !== 'completed' && search.status !== 'reused')
  lines.push('', `The search is ${search.status}: the front is of the candidates so far.`);
console.log(lines.join('\n'));
