import { describe, expect, it } from 'vitest';
import { escapeLatex, toLatex } from './latex.ts';

describe('LaTeX export', () => {
  it('escapes every special character', () => {
    expect(escapeLatex('fuse_half 50% & $x^2$ #1 {a} ~ \\cmd')).toBe(
      'fuse\\_half 50\\% \\& \\$x\\textasciicircum{}2\\$ \\#1 \\{a\\} \\textasciitilde{} \\textbackslash{}cmd',
    );
  });

  it('writes a booktabs tabular with one line per row', () => {
    const text = toLatex({
      caption: 'c_1',
      label: 'tab:x',
      align: 'lr',
      header: ['variant', 'cycles'],
      rows: [
        ['baseline', '1,000'],
        ['fuse_half', '500'],
      ],
    });
    expect(text).toBe(
      [
        '\\begin{table}[t]',
        '  \\centering',
        '  \\caption{c\\_1}',
        '  \\label{tab:x}',
        '  \\begin{tabular}{lr}',
        '    \\toprule',
        '    variant & cycles \\\\',
        '    \\midrule',
        '    baseline & 1,000 \\\\',
        '    fuse\\_half & 500 \\\\',
        '    \\bottomrule',
        '  \\end{tabular}',
        '\\end{table}',
        '',
      ].join('\n'),
    );
  });

  it('refuses an alignment that does not match the header', () => {
    expect(() => toLatex({ align: 'l', header: ['a', 'b'], rows: [] })).toThrow(/align has 1 columns, header 2/);
  });
});
