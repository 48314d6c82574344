/**
 * CSV export (RFC 4180 quoting). Spreadsheet programs run a cell that starts with = + - @ tab or CR
 * as a formula, so such text cells get a leading ' (OWASP's guard against CSV injection); numbers
 * are written as numbers, negative ones included.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type Cell = string | number | null | undefined;

export function guardCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return (
    [header.map((h) => quote(guardCell(h))), ...rows.map((row) => row.map((cell) => quote(guardCell(cell))))]
      .map((line) => line.join(','))
      .join('\r\n') + '\r\n'
  );
}
