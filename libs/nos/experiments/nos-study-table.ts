/**
 * The table of a NOS study campaign (e.g. examples/cifar10-nos.yaml): mean ± sd of the test accuracy
 * per variant × method over the seeds, the gap baseline − FuSe from scratch, and the fraction of
 * that gap KD and NOS recover ((method − scratch) / (baseline − scratch)), from the file
 * `fuselab campaign export` writes.
 *
 *   npx fuselab campaign export <id> --no-checkpoints --out study.json
 *   node --import tsx libs/nos/experiments/nos-study-table.ts study.json
 *
 * Prints Markdown. Jobs that have no result (failed, cancelled, still running) are counted and
 * named under the table, not silently left out.
 */
import { readFileSync } from 'node:fs';

interface ResultRow {
  jobKey: string;
  variant: string;
  method: string;
  seed: number;
  testAccuracy: number | null;
  trainAccuracy: number;
  trainLoss: number;
  epochs: number;
}

interface ExportFile {
  campaign: { id: string; name: string; codeVersion?: string };
  jobs: Array<{
    key: string;
    kind: string;
    group: string;
    position: number;
    status: string;
    params: {
      variant?: string;
      method?: string;
      seed?: number;
      distill?: Record<string, unknown>;
      hyperparameters?: Record<string, unknown>;
    };
  }>;
  trainingResults: ResultRow[];
  trainingMetrics: Array<{ jobKey: string; epoch: number; step: number; split: string; metric: string; value: number }>;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: nos-study-table.ts EXPORT.json (written by `fuselab campaign export <id> --out EXPORT.json`)\n');
  process.exit(2);
}
const data = JSON.parse(readFileSync(file, 'utf8')) as ExportFile;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length < 2 ? Number.NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '—');

// The study table pools seeds per variant × method over the runs with libs/nos' default distillation
// knobs; a campaign of ablations (entries with `distill`, e.g. examples/cifar10-nos-ablations.yaml)
// gets a table per entry below it.
const jobOf = new Map(data.jobs.map((job) => [job.key, job]));
const ablated = (row: ResultRow) => jobOf.get(row.jobKey)?.params.distill !== undefined;
const cell = new Map<string, ResultRow[]>();
for (const row of data.trainingResults.filter((r) => !ablated(r))) {
  const key = `${row.variant}/${row.method}`;
  cell.set(key, [...(cell.get(key) ?? []), row]);
}
const accuracies = (variant: string, method: string) =>
  (cell.get(`${variant}/${method}`) ?? []).map((r) => r.testAccuracy).filter((a): a is number => a !== null);

const lines: string[] = [];
lines.push(`Campaign \`${data.campaign.id}\` (${data.campaign.name}); test accuracy in %, mean ± sd over seeds (n).`);
lines.push('');
lines.push('| variant | scratch | KD | NOS | gap to baseline (scratch) | KD recovers | NOS recovers |');
lines.push('|---|---|---|---|---|---|---|');
const base = accuracies('baseline', 'scratch');
lines.push(`| baseline (depthwise) | ${pct(mean(base))} ± ${pct(sd(base))} (${base.length}) | | | | | |`);
for (const variant of ['fuse_half', 'fuse_full', 'fuse_half_50', 'fuse_full_50']) {
  const scratch = accuracies(variant, 'scratch');
  if (scratch.length === 0 && accuracies(variant, 'kd').length === 0 && accuracies(variant, 'nos').length === 0) continue;
  const gap = mean(base) - mean(scratch);
  const show = (xs: number[]) => (xs.length ? `${pct(mean(xs))} ± ${pct(sd(xs))} (${xs.length})` : '—');
  // A fraction of the gap only means something when there is one (FuSe from scratch below the baseline).
  const recovered = (xs: number[]) =>
    !xs.length || !scratch.length ? '—' : gap > 0 ? ((mean(xs) - mean(scratch)) / gap).toFixed(2) : 'no gap';
  const kd = accuracies(variant, 'kd');
  const nos = accuracies(variant, 'nos');
  lines.push(`| ${variant} | ${show(scratch)} | ${show(kd)} | ${show(nos)} | ${pct(gap)} points | ${recovered(kd)} | ${recovered(nos)} |`);
}
const entries = [
  ...new Set(
    data.jobs
      .filter((job) => job.kind === 'train')
      .sort((a, b) => a.position - b.position)
      .map((job) => job.group),
  ),
];
if (data.trainingResults.some(ablated)) {
  lines.push('');
  lines.push(
    'Per training entry (the rows above pool only the default knobs), test accuracy in %; Δ: minus the run of the same variant and seed from scratch, or with the default knobs of its method — mean ± sd over the seeds both have:',
  );
  lines.push('');
  lines.push('| entry | variant | method | knobs | test accuracy | Δ scratch, points | Δ default knobs, points |');
  lines.push('|---|---|---|---|---|---|---|');
  const byEntry = (group: string) => data.trainingResults.filter((r) => jobOf.get(r.jobKey)?.group === group);
  for (const group of entries) {
    const rows = byEntry(group);
    if (rows.length === 0) continue;
    const { variant, method } = rows[0]!;
    const xs = rows.map((r) => r.testAccuracy).filter((a): a is number => a !== null);
    const knobs = Object.entries(jobOf.get(rows[0]!.jobKey)?.params.distill ?? {})
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    // Paired by seed (a pair shares its data order and augmentation draws, and a student its teacher).
    const pairedDelta = (against: string) => {
      const other = (seed: number) => (cell.get(`${variant}/${against}`) ?? []).find((r) => r.seed === seed)?.testAccuracy ?? null;
      const diffs = rows
        .map((r) => (r.testAccuracy === null || other(r.seed) === null ? null : r.testAccuracy - other(r.seed)!))
        .filter((d): d is number => d !== null);
      return diffs.length ? `${(100 * mean(diffs)).toFixed(2)} ± ${pct(sd(diffs))} (${diffs.length})` : '—';
    };
    const vsScratch = method === 'scratch' ? '' : pairedDelta('scratch');
    const vsDefault = knobs ? pairedDelta(method) : '';
    lines.push(
      `| ${group} | ${variant} | ${method} | ${knobs || 'defaults'} | ${pct(mean(xs))} ± ${pct(sd(xs))} (${xs.length}) | ${vsScratch} | ${vsDefault} |`,
    );
  }
}
lines.push('');
lines.push('Test accuracy % after each epoch, mean over seeds (is the schedule long enough?):');
lines.push('');
for (const [key, rows] of [...cell.entries()].sort()) {
  const curves = rows.map((row) =>
    data.trainingMetrics
      .filter((m) => m.jobKey === row.jobKey && m.split === 'test' && m.metric === 'accuracy' && m.step === -1)
      .sort((a, b) => a.epoch - b.epoch)
      .map((m) => m.value),
  );
  const epochs = Math.min(...curves.map((c) => c.length));
  const byEpoch = Array.from({ length: epochs }, (_, e) => pct(mean(curves.map((c) => c[e]!))));
  lines.push(`- ${key.replace('/', ' ')}: ${byEpoch.join(', ')}`);
}
lines.push('');
lines.push('Per seed (test / train accuracy %, final train loss):');
lines.push('');
for (const row of [...data.trainingResults].sort((a, b) =>
  `${a.variant}${a.method}${a.seed}`.localeCompare(`${b.variant}${b.method}${b.seed}`),
)) {
  lines.push(
    `- ${ablated(row) ? `${jobOf.get(row.jobKey)!.group}: ` : ''}${row.variant} ${row.method} seed ${row.seed}: ${pct(row.testAccuracy ?? Number.NaN)} / ${pct(row.trainAccuracy)}, ${row.trainLoss.toFixed(3)}`,
  );
}
const missing = data.jobs.filter((job) => job.kind === 'train' && job.status !== 'completed' && job.status !== 'reused');
if (missing.length) {
  lines.push('');
  lines.push(
    `Without a result (${missing.length}): ${missing.map((job) => `${job.group}: ${job.params.variant} ${job.params.method} seed ${job.params.seed} (${job.status})`).join(', ')}.`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
