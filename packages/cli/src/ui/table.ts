// Plain-text tables for terminals: a header row, a rule, aligned columns (numbers right-aligned
// by default), long cells clipped with an ellipsis. Not a layout engine: no wrapping, no borders.
import { visibleLength } from './color';

export interface Column {
  header: string;
  /** Default: 'right' when every cell of the column is a number, else 'left'. */
  align?: 'left' | 'right';
  /** Clip cells longer than this (default 60). */
  maxWidth?: number;
}

export type Cell = string | number | boolean | null | undefined;

function cellText(v: Cell, fixed = false): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !fixed) return String(v);
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toPrecision(4);
  }
  return String(v);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

/** The table as text, one line per row, ending with a newline; `(none)` for no rows. */
export function renderTable(columns: (Column | string)[], rows: Cell[][]): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  if (rows.length === 0) return `${cols.map((c) => c.header).join('  ')}\n(none)\n`;
  // A column with any fractional number shows all its numbers with the same decimals.
  const fixed = cols.map((_, j) => rows.some((r) => typeof r[j] === 'number' && !Number.isInteger(r[j])));
  const text = rows.map((r) => cols.map((c, j) => clip(cellText(r[j], fixed[j]), c.maxWidth ?? 60)));
  const align = cols.map((c, j) => c.align ?? (rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === undefined) ? 'right' : 'left'));
  const widths = cols.map((c, j) => Math.max(visibleLength(c.header), ...text.map((r) => visibleLength(r[j]))));
  const pad = (s: string, j: number) => {
    const fill = ' '.repeat(widths[j] - visibleLength(s));
    return align[j] === 'right' ? fill + s : s + fill;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').replace(/\s+$/, '');
  const out = [line(cols.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)];
  return `${out.join('\n')}\n`;
}

/** Two columns, key and value: for `show`-style output. */
export function renderPairs(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`).join('\n') + '\n';
}

/** An ISO timestamp as a table cell, to the second: '2026-11-23 18:44:02'. */
export function timeText(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}
