import { describe, expect, it } from 'vitest';
import { PAPER_COLUMNS, paperCsv, paperRows, sortRows, type AccuracyRow, type PaperTableData } from './paper.ts';

const table: PaperTableData = {
  network: 'mobilenet_v2',
  rows: 64,
  cols: 64,
  model: 'reference',
  publishedArray: true,
  variants: [
    {
      variant: 'baseline',
      params: 3_504_872,
      macs: 300_774_272,
      hardware: 'plain',
      cycles: 1000,
      speedup: 1,
      published: { paramsM: 3.5, flopsM: 300, speedup: 1, accuracy: 72 },
    },
    {
      variant: 'fuse_half',
      params: 3_000_000,
      macs: 250_000_000,
      hardware: 'fuse',
      cycles: 400,
      speedup: 2.5,
      published: { paramsM: 2.98, flopsM: 250, speedup: 2.4, accuracy: 70.5 },
    },
    { variant: '=cmd', params: 1, macs: 1, hardware: 'fuse', cycles: 2000, speedup: 0.5, published: null },
  ],
  accuracy: [
    {
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      method: 'nos',
      dataset: 'fashion-mnist',
      setting: { epochs: '3' },
      epochs: 3,
      images: 3000,
      seeds: 2,
      mean: 0.9,
      min: 0.89,
      max: 0.91,
    },
    {
      network: 'mobilenet_v2',
      variant: 'fuse_half',
      method: 'scratch',
      dataset: 'fashion-mnist',
      setting: { epochs: '3', images: '3,000' },
      epochs: 3,
      images: 3000,
      seeds: 1,
      mean: 0.88,
      min: 0.88,
      max: 0.88,
    },
  ],
};
const cell = (key: string, variant: string) => {
  const row = paperRows(table).find((r) => r.variant === variant)!;
  const column = PAPER_COLUMNS.find((c) => c.key === key)!;
  return [column.value(row), column.text(row)];
};

describe('paper table', () => {
  it('puts the published figure and the difference beside ours', () => {
    expect(cell('speedup', 'fuse_half')).toEqual([2.5, '2.50x']);
    expect(cell('paperSpeedup', 'fuse_half')).toEqual([2.4, '2.4x']);
    expect(cell('speedupDiff', 'fuse_half')[1]).toBe('+0.10');
    expect(cell('paramsDiff', 'fuse_half')[1]).toBe('+0.020');
    expect(cell('paperSpeedup', '=cmd')).toEqual([null, '–']);
  });

  it('shows our accuracy of the first method (scratch before NOS) without a difference across datasets', () => {
    expect(cell('accuracy', 'fuse_half')).toEqual([88, '88.00 (fashion-mnist, scratch, 3 epochs, 1 seed)']);
    expect(cell('accuracyDiff', 'fuse_half')).toEqual([null, '–']);
    const row = paperRows(table).find((r) => r.variant === 'fuse_half')!;
    expect(PAPER_COLUMNS.find((c) => c.key === 'accuracy')!.title!(row)).toBe(
      'epochs 3 · images 3,000\n1 other setting of this variant on /training',
    );
  });

  it('picks one setting, never a mean across settings: ImageNet, then scratch, then the longest-trained, then the most seeds', () => {
    const base = { network: 'mobilenet_v2', variant: 'fuse_half', method: 'scratch', dataset: 'cifar10', min: 0, max: 1 };
    const pick = (accuracy: AccuracyRow[]) => paperRows({ ...table, accuracy }).find((r) => r.variant === 'fuse_half')!.ours!.mean;
    const short = { ...base, setting: { epochs: '6' }, epochs: 6, images: 4000, seeds: 3, mean: 0.39 };
    const long = { ...base, setting: { epochs: '20' }, epochs: 20, images: 4000, seeds: 2, mean: 0.51 };
    const all = { ...base, setting: { epochs: '6', images: 'all' }, epochs: 6, images: null, seeds: 1, mean: 0.6 };
    expect(pick([short, long])).toBe(0.51);
    expect(pick([long, short])).toBe(0.51);
    expect(pick([short, all, long])).toBe(0.6); // the whole split, 6 epochs, is more than 20 epochs of 4,000 images
    expect(pick([{ ...long, method: 'nos', epochs: 100 }, short])).toBe(0.39);
    expect(pick([long, { ...short, dataset: 'imagenet', epochs: 1 }])).toBe(0.39);
    expect(pick([{ ...long, seeds: 1, mean: 0.5 }, long])).toBe(0.51);
  });

  it('hides published speed-ups on arrays other than the paper’s', () => {
    const row = paperRows({ ...table, rows: 32, cols: 32, publishedArray: false })[1]!;
    expect(PAPER_COLUMNS.find((c) => c.key === 'paperSpeedup')!.value(row)).toBeNull();
  });

  it('sorts by any column either way, missing values last', () => {
    const rows = paperRows(table);
    expect(sortRows(rows, 'cycles', 'desc').map((r) => r.variant)).toEqual(['=cmd', 'baseline', 'fuse_half']);
    expect(sortRows(rows, 'paperSpeedup', 'asc').map((r) => r.variant)).toEqual(['baseline', 'fuse_half', '=cmd']);
    expect(sortRows(rows, 'paperSpeedup', 'desc').map((r) => r.variant)).toEqual(['fuse_half', 'baseline', '=cmd']);
  });

  it('exports raw numbers to CSV with formula-looking text guarded', () => {
    const lines = paperCsv([table]).trim().split('\r\n');
    expect(lines[0]).toBe(`network,array,model,${PAPER_COLUMNS.map((c) => c.label).join(',')}`);
    expect(lines[1]!.startsWith('mobilenet_v2,64x64,reference,baseline,3504872,3.5,')).toBe(true);
    expect(lines[3]!.startsWith("mobilenet_v2,64x64,reference,'=cmd,1,")).toBe(true);
  });
});
