/**
 * The paper table's columns, defined once for the page, the CSV and the LaTeX export: our figure,
 * the published one and the difference. Accuracy differences are shown only against the same
 * dataset the paper used (ImageNet); a Fashion-MNIST accuracy beside an ImageNet one is context,
 * not a comparison.
 */
import { toCsv } from './csv.ts';
import { toLatex } from './latex.ts';

export interface PaperVariant {
  variant: string;
  params: number;
  macs: number;
  hardware: string;
  cycles: number;
  speedup: number;
  published: { accuracy: number; flopsM: number; paramsM: number; speedup: number } | null;
}
/** Final test accuracy over the seeds of one setting (the API pools seeds only within one). */
export interface AccuracyRow {
  network: string;
  variant: string;
  method: string;
  dataset: string;
  /** Everything but the seed that sets these runs apart (width, epochs, images, recipe, …). */
  setting: Record<string, string>;
  epochs: number;
  /** Training images (null: the whole training split). */
  images: number | null;
  seeds: number;
  mean: number;
  min: number;
  max: number;
}
export interface PaperTableData {
  network: string;
  rows: number;
  cols: number;
  model: string;
  publishedArray: boolean;
  variants: PaperVariant[];
  accuracy: AccuracyRow[];
}

export interface Column {
  key: string;
  label: string;
  align: 'l' | 'r';
  /** The raw value (sorting, CSV); null when there is none. */
  value: (row: PaperRow) => number | string | null;
  /** How the page and LaTeX show it. */
  text: (row: PaperRow) => string;
  /** More than the cell holds, for the page's tooltip (not exported). */
  title?: (row: PaperRow) => string | undefined;
}

export interface PaperRow extends PaperVariant {
  publishedArray: boolean;
  /** Our accuracy: one setting of this variant, chosen by `paperRows`' rule. */
  ours: AccuracyRow | null;
  /** How many other settings (methods, datasets, schedules …) of this variant /training shows. */
  others: number;
}

const METHOD_ORDER = ['scratch', 'kd', 'nos'];
const num = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
const signed = (v: number | null, digits: number) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);

/** Images seen in training (epochs × images; the whole split counts as more than any limit). */
const trained = (a: AccuracyRow) => a.epochs * (a.images ?? Number.POSITIVE_INFINITY);

/**
 * Each variant with one accuracy beside the published figure, never a mean across settings. The
 * rule: ImageNet first (the paper's dataset, the only one a difference is shown against), then the
 * method trained from scratch before KD before NOS (the published figures train from scratch), then
 * the longest-trained setting (closest to the converged networks the paper reports), then the most
 * seeds. The rest are counted in `others`; /training shows them all.
 */
export function paperRows(table: PaperTableData): PaperRow[] {
  return table.variants.map((v) => {
    const mine = table.accuracy
      .filter((a) => a.variant === v.variant)
      .sort(
        (a, b) =>
          Number(b.dataset === 'imagenet') - Number(a.dataset === 'imagenet') ||
          METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method) ||
          trained(b) - trained(a) ||
          b.seeds - a.seeds,
      );
    return { ...v, publishedArray: table.publishedArray, ours: mine[0] ?? null, others: Math.max(0, mine.length - 1) };
  });
}

const paperSpeedup = (r: PaperRow) => (r.published && r.publishedArray ? r.published.speedup : null);
const ourAccuracy = (r: PaperRow) => (r.ours ? 100 * r.ours.mean : null);
const sameDatasetDiff = (r: PaperRow) =>
  r.ours?.dataset === 'imagenet' && r.published ? diff(ourAccuracy(r), r.published.accuracy) : null;

export const PAPER_COLUMNS: readonly Column[] = [
  { key: 'variant', label: 'variant', align: 'l', value: (r) => r.variant, text: (r) => r.variant },
  { key: 'params', label: 'params (M)', align: 'r', value: (r) => r.params, text: (r) => num(r.params / 1e6, 3) },
  {
    key: 'paperParams',
    label: 'paper params (M)',
    align: 'r',
    value: (r) => r.published?.paramsM ?? null,
    text: (r) => num(r.published?.paramsM ?? null, 2),
  },
  {
    key: 'paramsDiff',
    label: 'Δ params (M)',
    align: 'r',
    value: (r) => diff(r.params / 1e6, r.published?.paramsM ?? null),
    text: (r) => signed(diff(r.params / 1e6, r.published?.paramsM ?? null), 3),
  },
  { key: 'macs', label: 'MACs (M)', align: 'r', value: (r) => r.macs, text: (r) => num(r.macs / 1e6, 2) },
  {
    key: 'paperFlops',
    label: 'paper FLOPs (M)',
    align: 'r',
    value: (r) => r.published?.flopsM ?? null,
    text: (r) => num(r.published?.flopsM ?? null, 0),
  },
  { key: 'hardware', label: 'hardware', align: 'l', value: (r) => r.hardware, text: (r) => r.hardware },
  { key: 'cycles', label: 'cycles', align: 'r', value: (r) => r.cycles, text: (r) => r.cycles.toLocaleString('en-US') },
  { key: 'speedup', label: 'speed-up', align: 'r', value: (r) => r.speedup, text: (r) => `${num(r.speedup, 2)}x` },
  {
    key: 'paperSpeedup',
    label: 'paper speed-up',
    align: 'r',
    value: paperSpeedup,
    text: (r) => (paperSpeedup(r) === null ? '–' : `${paperSpeedup(r)}x`),
  },
  {
    key: 'speedupDiff',
    label: 'Δ speed-up',
    align: 'r',
    value: (r) => diff(r.speedup, paperSpeedup(r)),
    text: (r) => signed(diff(r.speedup, paperSpeedup(r)), 2),
  },
  {
    key: 'accuracy',
    label: 'accuracy (%)',
    align: 'r',
    value: ourAccuracy,
    text: (r) =>
      r.ours
        ? `${num(ourAccuracy(r), 2)} (${r.ours.dataset}, ${r.ours.method}, ${r.ours.epochs} epoch${r.ours.epochs === 1 ? '' : 's'}, ${r.ours.seeds} seed${r.ours.seeds === 1 ? '' : 's'})`
        : '–',
    title: (r) =>
      r.ours
        ? [
            Object.entries(r.ours.setting)
              .map(([field, value]) => `${field} ${value}`)
              .join(' · '),
            ...(r.others > 0 ? [`${r.others} other setting${r.others === 1 ? '' : 's'} of this variant on /training`] : []),
          ].join('\n')
        : undefined,
  },
  {
    key: 'paperAccuracy',
    label: 'paper acc. (%)',
    align: 'r',
    value: (r) => r.published?.accuracy ?? null,
    text: (r) => num(r.published?.accuracy ?? null, 2),
  },
  { key: 'accuracyDiff', label: 'Δ acc. (ImageNet)', align: 'r', value: sameDatasetDiff, text: (r) => signed(sameDatasetDiff(r), 2) },
];

export function sortRows(rows: readonly PaperRow[], key: string, dir: 'asc' | 'desc'): PaperRow[] {
  const column = PAPER_COLUMNS.find((c) => c.key === key);
  if (!column) return [...rows];
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    // Missing values last whichever the direction.
    if (x === null) return y === null ? 0 : 1;
    if (y === null) return -1;
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
  });
}

export function paperCsv(tables: readonly PaperTableData[]): string {
  const header = ['network', 'array', 'model', ...PAPER_COLUMNS.map((c) => c.label)];
  return toCsv(
    header,
    tables.flatMap((t) => paperRows(t).map((r) => [t.network, `${t.rows}x${t.cols}`, t.model, ...PAPER_COLUMNS.map((c) => c.value(r))])),
  );
}

export function paperLatex(table: PaperTableData, rows: readonly PaperRow[] = paperRows(table)): string {
  return toLatex({
    caption: `${table.network} on a ${table.rows}x${table.cols} array (timing model ${table.model}); paper: DATE 2021 FuSeConv`,
    label: `tab:${table.network}-${table.rows}x${table.cols}`,
    align: PAPER_COLUMNS.map((c) => c.align).join(''),
    header: PAPER_COLUMNS.map((c) => c.label),
    rows: rows.map((r) => PAPER_COLUMNS.map((c) => c.text(r))),
  });
}
