import { describe, expect, it } from 'vitest';
import { guardCell, toCsv } from './csv.ts';

describe('CSV export', () => {
  it('prefixes a quote to text cells a spreadsheet would run as a formula', () => {
    for (const cell of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '=HYPERLINK("http://x")'])
      expect(guardCell(cell)).toBe(`'${cell}`);
    expect(guardCell('mobilenet_v2')).toBe('mobilenet_v2');
    expect(guardCell('a=b')).toBe('a=b');
  });

  it('writes numbers as numbers (negative ones too) and empty cells for missing values', () => {
    expect(guardCell(-0.25)).toBe('-0.25');
    expect(guardCell(null)).toBe('');
    expect(guardCell(Number.NaN)).toBe('');
  });

  it('quotes commas, quotes and line breaks (RFC 4180) after guarding', () => {
    expect(
      toCsv(
        ['name', 'n'],
        [
          ['a,b', 1],
          ['say "hi"', 2],
          ['=x,y', 3],
          ['two\nlines', 4],
        ],
      ),
    ).toBe('name,n\r\n"a,b",1\r\n"say ""hi""",2\r\n"\'=x,y",3\r\n"two\nlines",4\r\n');
  });
});
