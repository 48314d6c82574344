/**
 * A LaTeX tabular (booktabs) for pasting into a paper. Text is escaped so a variant or network
 * name cannot break the document or run a command.
 */
const SPECIAL: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

export function escapeLatex(text: string): string {
  return text.replace(/[\\&%$#_{}~^]/g, (ch) => SPECIAL[ch]!);
}

export interface LatexTable {
  caption?: string;
  label?: string;
  /** One letter per column: l, r or c. */
  align: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

export function toLatex(table: LatexTable): string {
  if (table.align.length !== table.header.length) throw new Error(`align has ${table.align.length} columns, header ${table.header.length}`);
  const line = (cells: readonly string[]) => `    ${cells.map(escapeLatex).join(' & ')} \\\\`;
  return [
    '\\begin{table}[t]',
    '  \\centering',
    ...(table.caption ? [`  \\caption{${escapeLatex(table.caption)}}`] : []),
    ...(table.label ? [`  \\label{${escapeLatex(table.label)}}`] : []),
    `  \\begin{tabular}{${table.align}}`,
    '    \\toprule',
    line(table.header),
    '    \\midrule',
    ...table.rows.map(line),
    '    \\bottomrule',
    '  \\end{tabular}',
    '\\end{table}',
    '',
  ].join('\n');
}
