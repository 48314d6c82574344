/**
 * The table of a NOS study campaign (e.g. examples/cifar10-nos.yaml): mean ± sd of the test accuracy
 * per variant × method over the seeds, the gap teacher − FuSe from scratch, and the fraction of
 * that gap KD and NOS recover ((method − scratch) / (teacher − scratch)), from the file
 * `fuselab campaign export` writes. The teacher is the baseline (depthwise) the students learned
 * from; where it was trained in the students' setting it is that setting's baseline, and where it
 * was trained longer (examples/cifar10-nos-depthwise.yaml) the gap includes what its longer
 * schedule is worth.
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

// Runs are compared only within one setting: what a job's parameters say besides its seed, variant,
// method, teacher and distillation knobs (width, epochs, images, recipe …). The study table pools
// seeds per variant × method over the runs with libs/nos' default knobs, one table per setting, and
// one row per teacher where students of one variant learn from teachers trained differently (e.g.
// examples/cifar10-nos-teacher.yaml). A campaign with knobs (entries with `distill`) also gets a
// table per entry below.
type Params = ExportFile['jobs'][number]['params'] & { teacher?: { job?: Record<string, unknown>; checkpoint?: string } };
const jobOf = new Map(data.jobs.map((job) => [job.key, job]));
const paramsOf = (row: ResultRow) => (jobOf.get(row.jobKey)?.params ?? {}) as Params;
const without = (params: Record<string, unknown>, fields: string[]) =>
  JSON.stringify(
    Object.entries(params)
      .filter(([field]) => !fields.includes(field))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
/** The setting runs are compared within. */
const settingOf = (row: ResultRow) => without(paramsOf(row), ['seed', 'variant', 'method', 'teacher', 'distill', 'operators']);
/** Who taught a run, without the teacher's seed (each seed's student has that seed's teacher): '' for scratch. */
const teacherOf = (row: ResultRow) => {
  const teacher = paramsOf(row).teacher;
  return teacher?.job ? without(teacher.job, ['seed']) : (teacher?.checkpoint ?? '');
};
/** The teacher as the fields where its parameters differ from its student's setting ("epochs 20"), or "same setting". */
const teacherLabel = (row: ResultRow) => {
  const teacher = paramsOf(row).teacher;
  if (!teacher?.job) return teacher?.checkpoint ? `checkpoint ${teacher.checkpoint}` : '';
  const own = paramsOf(row) as Record<string, unknown>;
  const differs = Object.entries(teacher.job)
    .filter(([field, value]) => !['seed', 'variant', 'method'].includes(field) && JSON.stringify(own[field]) !== JSON.stringify(value))
    .map(([field, value]) => `${field} ${JSON.stringify(value)}`);
  return differs.length ? differs.join(', ') : 'same setting';
};
const ablated = (row: ResultRow) => paramsOf(row).distill !== undefined;
const accuracy = (rows: ResultRow[]) => rows.map((r) => r.testAccuracy).filter((a): a is number => a !== null);
const show = (xs: number[]) => (xs.length ? `${pct(mean(xs))} ± ${pct(sd(xs))} (${xs.length})` : '—');

const lines: string[] = [];
lines.push(`Campaign \`${data.campaign.id}\` (${data.campaign.name}); test accuracy in %, mean ± sd over seeds (n).`);
const settings = [...new Set(data.trainingResults.map(settingOf))];
for (const setting of settings) {
  const inSetting = data.trainingResults.filter((r) => settingOf(r) === setting && !ablated(r));
  const runs = (variant: string, method: string, teacher?: string) =>
    inSetting.filter((r) => r.variant === variant && r.method === method && (teacher === undefined || teacherOf(r) === teacher));
  const base = accuracy(runs('baseline', 'scratch'));
  lines.push('');
  if (settings.length > 1) {
    const { epochs, limit, width } = Object.fromEntries(JSON.parse(setting) as [string, unknown][]);
    lines.push(`Setting: width ${String(width)}, ${String(epochs)} epochs, ${limit === undefined ? 'all' : String(limit)} images.`);
    lines.push('');
  }
  lines.push('| variant | teacher (baseline) | scratch | KD | NOS | gap: teacher − scratch | KD recovers | NOS recovers |');
  lines.push('|---|---|---|---|---|---|---|---|');
  if (base.length) lines.push(`| baseline (depthwise) | | ${show(base)} | | | | | |`);
  for (const variant of ['fuse_half', 'fuse_full', 'fuse_half_50', 'fuse_full_50']) {
    const scratch = accuracy(runs(variant, 'scratch'));
    const teachers = [...new Set(inSetting.filter((r) => r.variant === variant && r.method !== 'scratch').map(teacherOf))];
    if (scratch.length === 0 && teachers.length === 0) continue;
    for (const teacher of teachers.length ? teachers : ['']) {
      const kd = accuracy(runs(variant, 'kd', teacher));
      const nos = accuracy(runs(variant, 'nos', teacher));
      // The teacher's own runs (every seed), or without one the baseline of this setting.
      const taught = accuracy(teacher ? data.trainingResults.filter((r) => without(paramsOf(r), ['seed']) === teacher) : []);
      const top = taught.length ? taught : base;
      const gap = mean(top) - mean(scratch);
      // A fraction of the gap only means something when there is one (FuSe from scratch below the teacher).
      const recovered = (xs: number[]) =>
        !xs.length || !scratch.length || !top.length ? '—' : gap > 0 ? ((mean(xs) - mean(scratch)) / gap).toFixed(2) : 'no gap';
      const label = inSetting.find((r) => r.variant === variant && teacherOf(r) === teacher && r.method !== 'scratch');
      const teacherCell = label ? `${teacherLabel(label)}: ${show(taught)}` : '';
      const gapCell = top.length && scratch.length ? `${pct(gap)} points` : '—';
      lines.push(
        `| ${variant} | ${teacherCell} | ${show(scratch)} | ${show(kd)} | ${show(nos)} | ${gapCell} | ${recovered(kd)} | ${recovered(nos)} |`,
      );
    }
  }
}
const entries = [
  ...new Set(
    data.jobs
      .filter((job) => job.kind === 'train')
      .sort((a, b) => a.position - b.position)
      .map((job) => job.group),
  ),
];
const entryOf = (row: ResultRow) => jobOf.get(row.jobKey)?.group ?? '';
/** The results by entry and, within one, by variant (an entry may train several), in spec order. */
const entryRows = entries.flatMap((group) => {
  const inEntry = data.trainingResults.filter((r) => entryOf(r) === group);
  return [...new Set(inEntry.map((r) => r.variant))].map((variant) => [group, inEntry.filter((r) => r.variant === variant)] as const);
});
if (data.trainingResults.some(ablated)) {
  lines.push('');
  lines.push(
    'Per training entry (the rows above pool only the default knobs), test accuracy in %; Δ: minus the run of the same variant, setting and seed from scratch, or with the default knobs of its method and the same teacher — mean ± sd over the seeds both have:',
  );
  lines.push('');
  lines.push('| entry | variant | method | teacher | knobs | test accuracy | Δ scratch, points | Δ default knobs, points |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const [group, rows] of entryRows) {
    const { variant, method } = rows[0]!;
    const knobs = Object.entries(paramsOf(rows[0]!).distill ?? {})
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
    // Paired by seed (a pair shares its data order and augmentation draws, and a student its teacher).
    const pairedDelta = (partner: (r: ResultRow, candidate: ResultRow) => boolean) => {
      const diffs = rows
        .map((r) => {
          const other = data.trainingResults.find((c) => c.seed === r.seed && c.variant === variant && partner(r, c));
          return r.testAccuracy === null || other?.testAccuracy == null ? null : r.testAccuracy - other.testAccuracy;
        })
        .filter((d): d is number => d !== null);
      return diffs.length ? `${(100 * mean(diffs)).toFixed(2)} ± ${pct(sd(diffs))} (${diffs.length})` : '—';
    };
    const vsScratch = method === 'scratch' ? '' : pairedDelta((r, c) => c.method === 'scratch' && settingOf(c) === settingOf(r));
    const vsDefault = knobs
      ? pairedDelta((r, c) => c.method === method && !ablated(c) && settingOf(c) === settingOf(r) && teacherOf(c) === teacherOf(r))
      : '';
    lines.push(
      `| ${group} | ${variant} | ${method} | ${teacherLabel(rows[0]!)} | ${knobs || 'defaults'} | ${show(accuracy(rows))} | ${vsScratch} | ${vsDefault} |`,
    );
  }
}
lines.push('');
lines.push('Test accuracy % after each epoch, mean over seeds (is the schedule long enough?):');
lines.push('');
for (const [group, rows] of entryRows) {
  const key = `${group}: ${rows[0]!.variant} ${rows[0]!.method}`;
  const curves = rows.map((row) =>
    data.trainingMetrics
      .filter((m) => m.jobKey === row.jobKey && m.split === 'test' && m.metric === 'accuracy' && m.step === -1)
      .sort((a, b) => a.epoch - b.epoch)
      .map((m) => m.value),
  );
  const epochs = Math.min(...curves.map((c) => c.length));
  const byEpoch = Array.from({ length: epochs }, (_, e) => pct(mean(curves.map((c) => c[e]!))));
  lines.push(`- ${key}: ${byEpoch.join(', ')}`);
}
lines.push('');
lines.push('Per seed (test / train accuracy %, final train loss), by entry:');
lines.push('');
for (const row of [...data.trainingResults].sort(
  (a, b) => entries.indexOf(entryOf(a)) - entries.indexOf(entryOf(b)) || a.variant.localeCompare(b.variant) || a.seed - b.seed,
)) {
  lines.push(
    `- ${entryOf(row)}: ${row.variant} ${row.method} seed ${row.seed}: ${pct(row.testAccuracy ?? Number.NaN)} / ${pct(row.trainAccuracy)}, ${row.trainLoss.toFixed(3)}`,
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
