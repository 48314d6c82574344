import { describe, expect, it } from 'vitest';
import {
  comparePanels,
  differingFields,
  seedBands,
  settingLabel,
  sortArrays,
  variantLabel,
  type CompareRow,
  type Curve,
} from './series.ts';

const row = (variant: string, rows: number, cols: number, totalCycles: number, speedup: number): CompareRow => ({
  network: 'mobilenet_v2',
  variant,
  rows,
  cols,
  hardware: 'plain',
  totalCycles,
  baselineCycles: null,
  speedup,
});

describe('series shaping', () => {
  it('orders arrays by area, then rows', () => {
    expect(
      sortArrays([
        { rows: 64, cols: 64 },
        { rows: 8, cols: 64 },
        { rows: 8, cols: 8 },
        { rows: 16, cols: 16 },
        { rows: 64, cols: 8 },
      ]),
    ).toEqual(['8x8', '16x16', '8x64', '64x8', '64x64']);
  });

  it('makes one panel per network and one series per variant, in the order asked, null where a size is missing', () => {
    const rows = [
      row('fuse_half', 64, 64, 50, 2),
      row('baseline', 32, 32, 300, 1),
      row('baseline', 64, 64, 100, 1),
      row('fuse_half', 32, 32, 100, 3),
    ];
    expect(comparePanels(rows, ['mobilenet_v2', 'mnasnet_b1'], ['fuse_half', 'baseline', 'fuse_full'], 'speedup')).toEqual([
      {
        network: 'mobilenet_v2',
        arrays: ['32x32', '64x64'],
        series: [
          { variant: 'fuse_half', values: [3, 2] },
          { variant: 'baseline', values: [1, 1] },
        ],
      },
      { network: 'mnasnet_b1', arrays: [], series: [] },
    ]);
    expect(comparePanels(rows.slice(0, 2), ['mobilenet_v2'], ['fuse_half', 'baseline'], 'totalCycles')[0]!.series).toEqual([
      { variant: 'fuse_half', values: [null, 50] },
      { variant: 'baseline', values: [300, null] },
    ]);
  });

  it('averages seeds per step with the min–max band, grouped by variant and method', () => {
    const curve = (variant: string, method: string, seed: number, losses: number[]) => ({
      network: 'n',
      variant,
      method,
      seed,
      points: losses.map((loss, i) => ({ step: i * 10, loss })),
    });
    const bands = seedBands(
      [curve('baseline', 'scratch', 0, [4, 2]), curve('baseline', 'scratch', 1, [2, 1, 0.5]), curve('fuse_half', 'nos', 0, [3])],
      'loss',
    );
    expect(bands).toEqual([
      {
        network: 'n',
        variant: 'baseline',
        method: 'scratch',
        setting: '',
        seeds: 2,
        steps: [0, 10, 20],
        mean: [3, 1.5, 0.5],
        min: [2, 1, 0.5],
        max: [4, 2, 0.5],
      },
      { network: 'n', variant: 'fuse_half', method: 'nos', setting: '', seeds: 1, steps: [0], mean: [3], min: [3], max: [3] },
    ]);
  });

  it('keeps runs of different settings apart, labelled by the fields that differ', () => {
    // An ablation: two NOS arms of one variant (λ_op 1 and 0.1), two seeds each, beside scratch.
    const common = { width: '0.25', epochs: '6' };
    const nos = (lambda: string) => ({ ...common, distill: `NOS α 0.5, T 4, λ_op ${lambda}`, teacher: 'baseline' });
    const curve = (method: string, seed: number, setting: Record<string, string>, loss: number): Curve => ({
      network: 'n',
      variant: 'fuse_half',
      method,
      seed,
      setting,
      points: [{ step: 0, loss }],
    });
    const bands = seedBands(
      [
        curve('nos', 1, nos('1'), 2),
        curve('nos', 2, nos('1'), 4),
        curve('nos', 1, nos('0.1'), 1),
        curve('nos', 2, nos('0.1'), 3),
        curve('scratch', 1, common, 5),
      ],
      'loss',
    );
    expect(bands.map((b) => [b.method, b.setting, b.seeds, b.mean])).toEqual([
      ['nos', 'distill NOS α 0.5, T 4, λ_op 1 · teacher baseline', 2, [3]],
      ['nos', 'distill NOS α 0.5, T 4, λ_op 0.1 · teacher baseline', 2, [2]],
      ['scratch', '', 1, [5]],
    ]);
  });
});

describe('differingFields and settingLabel', () => {
  it('name only what differs, in the order the fields come', () => {
    const a = { width: '0.25', epochs: '6', recipe: 'SGD lr 0.05' };
    const b = { width: '0.25', epochs: '20', recipe: 'SGD lr 0.1' };
    expect(differingFields([a, a])).toEqual([]);
    expect(differingFields([a, b])).toEqual(['epochs', 'recipe']);
    // A field one setting lacks differs too (shown as –).
    expect(differingFields([a, { ...a, distill: 'KD α 0.5, T 4' }])).toEqual(['distill']);
    expect(differingFields([undefined, undefined])).toEqual([]);
    expect(settingLabel(b, ['epochs', 'recipe'])).toBe('epochs 20 · recipe SGD lr 0.1');
    expect(settingLabel(a, [])).toBe('');
    expect(settingLabel(undefined, ['epochs'])).toBe('');
    expect(settingLabel(a, ['epochs', 'distill'])).toBe('epochs 6');
  });
});

describe('variantLabel', () => {
  it('names a custom network by its operators, so two of them are two bands', () => {
    expect(variantLabel({ variant: 'fuse_half' })).toBe('fuse_half');
    expect(variantLabel({ variant: 'custom', operators: ['dw', 'fuse_half', 'fuse_full'] })).toBe('custom dhf');
    // A one-shot search's supernet holds every network of its operators: named by its choices, not as one network.
    expect(variantLabel({ variant: 'supernet', operators: ['dw', 'fuse_half'] })).toBe('supernet of dw, fuse_half');
    const curve = (operators: string[], seed: number): Curve => ({
      network: 'mobilenet_v2',
      variant: 'custom',
      operators,
      method: 'scratch',
      seed,
      points: [{ step: 0, loss: seed }],
    });
    const curves = [curve(['dw', 'dw'], 1), curve(['dw', 'dw'], 2), curve(['fuse_half', 'dw'], 1)].map((c) => ({
      ...c,
      variant: variantLabel(c),
    }));
    expect(seedBands(curves, 'loss').map((b) => [b.variant, b.seeds, b.mean])).toEqual([
      ['custom dd', 2, [1.5]],
      ['custom hd', 1, [1]],
    ]);
  });
});
