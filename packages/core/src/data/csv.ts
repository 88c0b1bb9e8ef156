// RFC 4180 CSV into a typed Table: quoted fields (delimiters, "" escapes and newlines inside
// quotes), CRLF or LF, header detection, per-column number/string typing, missing-value policy.
// Not a streaming parser: the whole text is held in memory, which suits datasets up to a few
// hundred MB. toDataset (table.ts) turns the Table into a Dataset.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ArgumentError, DataError } from '../errors';
import { describe } from '../validate';
import { buildTable, NUMBER_RE, type RawColumn, type Table } from './table';
import type { ColumnType, MissingPolicy } from './types';

export const DEFAULT_MISSING_VALUES: readonly string[] = Object.freeze(['', 'NA', 'NaN', 'null', '?']);

export interface CsvOptions {
  /** One character; default ','. */
  delimiter?: string;
  /**
   * 'auto' (default): the first row is a header when one of its cells is not a number while the
   * rest of that column is numeric. true/false force it. Without a header, columns are named '0', '1', ...
   */
  header?: 'auto' | boolean;
  /** Cell texts (compared after trimming) that mean "missing"; default '', 'NA', 'NaN', 'null', '?'. */
  missingValues?: readonly string[];
  /** Default 'error': a missing cell throws DataError naming its line and column. */
  missing?: MissingPolicy;
  /** Keep only these columns (names or indices), in this order; missing values elsewhere are ignored. */
  usecols?: (string | number)[];
  /** Force a column's type by name; default: 'number' when every present cell is a number. */
  types?: Record<string, ColumnType>;
}

interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

/** Parses CSV text into a Table. Throws DataError naming the line for malformed input. */
export function parseCsv(text: string, options: CsvOptions = {}): Table {
  if (typeof text !== 'string') throw new ArgumentError(`Expected string for text but received ${describe(text)}`);
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
    throw new ArgumentError(`Expected a single character other than a quote or newline for delimiter but received ${describe(delimiter)}`);
  const header = options.header ?? 'auto';
  if (header !== 'auto' && header !== true && header !== false)
    throw new ArgumentError(`Expected 'auto', true or false for header but received ${describe(header)}`);
  const missingSet = new Set((options.missingValues ?? DEFAULT_MISSING_VALUES).map((s) => s.trim()));
  const isMissing = (cell: string) => missingSet.has(cell.trim());
  const isNumber = (cell: string) => NUMBER_RE.test(cell.trim());

  const records = tokenize(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, delimiter);
  if (records.length === 0) throw new DataError('CSV input is empty: no rows');

  const numericBelow = (c: number) => {
    let seen = false;
    for (let r = 1; r < records.length; ++r) {
      const cell = records[r].fields[c];
      if (cell === undefined || isMissing(cell)) continue;
      if (!isNumber(cell)) return false;
      seen = true;
    }
    return seen;
  };
  const hasHeader = header === 'auto'
    ? records[0].fields.some((cell, c) => !isMissing(cell) && !isNumber(cell) && numericBelow(c))
    : header;

  const width = records[0].fields.length;
  const names = hasHeader ? records[0].fields.map((s, i) => s.trim() || String(i)) : records[0].fields.map((_, i) => String(i));
  const seen = new Map<string, number>();
  names.forEach((nm, i) => {
    if (seen.has(nm)) throw new DataError(`line ${records[0].line}: the header names column '${nm}' twice (columns ${seen.get(nm)! + 1} and ${i + 1})`);
    seen.set(nm, i);
  });
  const body = hasHeader ? records.slice(1) : records;
  for (const rec of body)
    if (rec.fields.length !== width)
      throw new DataError(`line ${rec.line} has ${rec.fields.length} field${rec.fields.length === 1 ? '' : 's'} but ${hasHeader ? 'the header has' : `line ${records[0].line} has`} ${width}`);

  let selected = names.map((_, i) => i);
  if (options.usecols) {
    selected = options.usecols.map((col) => {
      const i = typeof col === 'number' ? (Number.isSafeInteger(col) && col >= 0 && col < width ? col : -1) : names.indexOf(col);
      if (i < 0) throw new ArgumentError(`Expected usecols to name columns among ${names.map((s) => `'${s}'`).join(', ')} but received ${describe(col)}`);
      return i;
    });
  }
  for (const forced of Object.keys(options.types ?? {}))
    if (!names.includes(forced)) throw new ArgumentError(`Expected types to name columns among ${names.map((s) => `'${s}'`).join(', ')} but received '${forced}'`);

  const columns: RawColumn[] = selected.map((c) => {
    const forced = options.types?.[names[c]];
    const numeric = forced ? forced === 'number' : body.every((rec) => isMissing(rec.fields[c]) || isNumber(rec.fields[c]));
    if (numeric) {
      const values = new Float64Array(body.length);
      body.forEach((rec, r) => {
        const cell = rec.fields[c];
        if (isMissing(cell)) values[r] = NaN;
        else if (isNumber(cell)) values[r] = Number(cell.trim());
        else throw new DataError(`line ${rec.line}, column '${names[c]}': expected a number but found ${describe(cell)}`);
      });
      return { type: 'number', values };
    }
    return { type: 'string', values: body.map((rec) => (isMissing(rec.fields[c]) ? null : rec.fields[c])) };
  });
  return buildTable(selected.map((c) => names[c]), columns, 'line', body.map((rec) => rec.line), options.missing ?? 'error');
}

/** Reads a CSV file (gzip-compressed when it starts with the gzip magic bytes) into a Table. */
export function readCsv(path: string, options: CsvOptions = {}): Table {
  return parseCsv(readTextFile(path), options);
}

/** A UTF-8 text file, gunzipped when it is gzip. DataError when it cannot be read. */
export function readTextFile(path: string): string {
  if (typeof path !== 'string') throw new ArgumentError(`Expected string for path but received ${describe(path)}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  } catch (err) {
    throw new DataError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return bytes.toString('utf8');
}

/** Splits text into records of raw fields (quotes removed, "" unescaped). Blank lines are skipped. */
function tokenize(text: string, delimiter: string): CsvRecord[] {
  const n = text.length;
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const endOfLine = (ch: string) => ch === '\n' || ch === '\r';
  while (i < n) {
    if (endOfLine(text[i])) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    const record: CsvRecord = { fields: [], line };
    for (;;) {
      if (text[i] === '"') {
        const openLine = line;
        let value = '';
        let start = ++i;
        for (;;) {
          if (i >= n) throw new DataError(`line ${openLine}: a quoted field opened on this line is never closed`);
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += text.slice(start, i + 1);
              i += 2;
              start = i;
              continue;
            }
            value += text.slice(start, i++);
            break;
          }
          if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
          i++;
        }
        record.fields.push(value);
        if (i < n && text[i] !== delimiter && !endOfLine(text[i]))
          throw new DataError(`line ${line}: expected '${delimiter}' or the end of the line after the closing quote of field ${record.fields.length} but found ${describe(text[i])}`);
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && !endOfLine(text[i])) i++;
        record.fields.push(text.slice(start, i));
      }
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      if (i < n) {
        i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
      }
      break;
    }
    records.push(record);
  }
  return records;
}
