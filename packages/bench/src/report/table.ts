// Column tables as text: aligned plain text for the terminal and GitHub-flavoured Markdown.
// Cells are already-formatted strings; nothing here knows what a benchmark is.

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  align: Align[];
}

const width = (s: string): number => [...s].length;

function pad(s: string, w: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return align === 'right' ? fill + s : s + fill;
}

/** Columns padded to their widest cell and separated by two spaces, with a rule under the header. */
export function formatTextTable(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(width(h), ...t.rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i], t.align[i] ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(t.headers), rule, ...t.rows.map(line)].join('\n');
}

function escapeMarkdownCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; numeric columns right-aligned. */
export function formatMarkdownTable(t: Table): string {
  const line = (cells: string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  const rule = `|${t.align.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`;
  return [line(t.headers), rule, ...t.rows.map(line)].join('\n');
}
