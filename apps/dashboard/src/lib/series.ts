/**
 * Shapes API rows into what the charts draw: one category axis of array sizes per network panel,
 * one series per variant; mean and min–max bands over training seeds. Pure, so it is unit-tested.
 */
import { operatorString } from '@fuselab/fuseconv';
import { arrayLabel } from './format.ts';

export interface CompareRow {
  network: string;
  variant: string;
  rows: number;
  cols: number;
  hardware: string;
  totalCycles: number;
  baselineCycles: number | null;
  speedup: number | null;
}

export type CompareMetric = 'speedup' | 'totalCycles';

export interface Panel {
  network: string;
  arrays: string[];
  series: Array<{ variant: string; values: Array<number | null> }>;
}

/** Arrays by area, then by rows (8x8 < 16x16 < 8x64 < 32x32 …). */
export function sortArrays(arrays: Iterable<{ rows: number; cols: number }>): string[] {
  const unique = new Map<string, { rows: number; cols: number }>();
  for (const a of arrays) unique.set(arrayLabel(a.rows, a.cols), a);
  return [...unique.entries()].sort(([, a], [, b]) => a.rows * a.cols - b.rows * b.cols || a.rows - b.rows).map(([label]) => label);
}

/** One panel per network (in the order asked), one series per variant (in the order asked) that has rows. */
export function comparePanels(
  rows: readonly CompareRow[],
  networks: readonly string[],
  variants: readonly string[],
  metric: CompareMetric,
): Panel[] {
  return networks.map((network) => {
    const mine = rows.filter((row) => row.network === network);
    const arrays = sortArrays(mine);
    const series = variants
      .map((variant) => {
        const byArray = new Map(mine.filter((row) => row.variant === variant).map((row) => [arrayLabel(row.rows, row.cols), row[metric]]));
        return { variant, values: arrays.map((a) => byArray.get(a) ?? null) };
      })
      .filter((s) => s.values.some((v) => v !== null));
    return { network, arrays, series };
  });
}

export interface CurvePoint {
  step: number;
  epoch?: number | null;
  loss?: number | null;
  accuracy?: number | null;
}

export interface Curve {
  network: string;
  variant: string;
  /** Variant `custom`: the network's per-block operators. */
  operators?: string[];
  method: string;
  seed: number;
  /** What sets the run apart besides its seed (the API's `setting`): seeds average only within one. */
  setting?: Record<string, string>;
  points: CurvePoint[];
}

/** A setting as a grouping key (its fields in the API's order). */
export const settingKey = (setting: Record<string, string> | undefined) => JSON.stringify(Object.entries(setting ?? {}));

/**
 * The fields on which some of these settings differ, in the order they first appear: what a legend
 * or a table must show to tell the groups apart (none when every group shares one setting).
 */
export function differingFields(settings: ReadonlyArray<Record<string, string> | undefined>): string[] {
  const fields = [...new Set(settings.flatMap((s) => Object.keys(s ?? {})))];
  return fields.filter((field) => new Set(settings.map((s) => s?.[field] ?? '–')).size > 1);
}

/**
 * A setting's values of `fields`, as "epochs 20 · distill NOS α 0.5 …" ('' for none): fields the
 * setting does not have (a scratch run's distill) are left out rather than shown as a dash.
 */
export function settingLabel(setting: Record<string, string> | undefined, fields: readonly string[]): string {
  return fields
    .filter((field) => setting?.[field] !== undefined)
    .map((field) => `${field} ${setting![field]}`)
    .join(' · ');
}

/**
 * What a training row is called in legends and tables: its variant, or for a network given by
 * per-block operators `custom` and one letter per block (d = dw, f = fuse_full, h = fuse_half), so
 * two custom networks are two series, not one. A search's supernet (variant `supernet`) lists the
 * operators every block chooses from — it is no single network.
 */
export function variantLabel(row: { variant: string; operators?: readonly string[] | null | undefined }): string {
  if (row.variant === 'supernet') return `supernet of ${(row.operators ?? []).join(', ')}`;
  return row.operators ? `custom ${operatorString(row.operators)}` : row.variant;
}

export interface Band {
  network: string;
  variant: string;
  method: string;
  /** The setting's values on the fields where the bands differ ('' when they all share one). */
  setting: string;
  seeds: number;
  steps: number[];
  mean: number[];
  min: number[];
  max: number[];
}

/**
 * Mean and min–max over seeds per (network, variant, method, setting), at the steps where at least
 * one seed has a value (a seed that stopped early does not pull the mean of later steps). Runs that
 * differ in anything but the seed are separate bands, labelled by the fields that differ.
 */
export function seedBands(curves: readonly Curve[], metric: 'loss' | 'accuracy'): Band[] {
  const groups = new Map<string, Curve[]>();
  for (const curve of curves) {
    const key = `${curve.network}\u0000${curve.variant}\u0000${curve.method}\u0000${settingKey(curve.setting)}`;
    groups.set(key, [...(groups.get(key) ?? []), curve]);
  }
  const fields = differingFields([...groups.values()].map((group) => group[0]!.setting));
  return [...groups.values()].map((group) => {
    const byStep = new Map<number, number[]>();
    for (const curve of group)
      for (const point of curve.points) {
        const value = point[metric];
        if (value === null || value === undefined || !Number.isFinite(value)) continue;
        byStep.set(point.step, [...(byStep.get(point.step) ?? []), value]);
      }
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    const values = steps.map((step) => byStep.get(step)!);
    const first = group[0]!;
    return {
      network: first.network,
      variant: first.variant,
      method: first.method,
      setting: settingLabel(first.setting, fields),
      seeds: group.length,
      steps,
      mean: values.map((v) => v.reduce((s, x) => s + x, 0) / v.length),
      min: values.map((v) => Math.min(...v)),
      max: values.map((v) => Math.max(...v)),
    };
  });
}
