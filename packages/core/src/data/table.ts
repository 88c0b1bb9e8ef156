// Table: typed columns (number or string) with no missing cells left, produced by parseCsv and
// fromRecords, and toDataset() that turns one into a Dataset. Every row remembers where it came
// from ("line 7", "record 3") so errors can point at the source. Not a data frame: no joins,
// grouping or column arithmetic.
import { ArgumentError, DataError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';
import { createDataset, isFiniteValue } from './dataset';
import type { ColumnType, Dataset, MissingPolicy, Task } from './types';

/** A decimal or scientific number, as written in CSV cells (no hex, no Infinity, no NaN). */
export const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

/** One column before the missing-value policy: NaN (numbers) or null (strings) marks a missing cell. */
export type RawColumn = { type: 'number'; values: Float64Array } | { type: 'string'; values: (string | null)[] };

export class Table {
  readonly columns: readonly string[];
  readonly types: readonly ColumnType[];
  readonly rows: number;
  private readonly data: readonly (Float64Array | string[])[];
  private readonly originKind: 'line' | 'record';
  private readonly originNumbers: readonly number[];

  /** @internal use parseCsv, fromRecords or buildTable. */
  constructor(
    columns: string[], types: ColumnType[], data: (Float64Array | string[])[],
    originKind: 'line' | 'record', originNumbers: number[],
  ) {
    this.columns = Object.freeze(columns.slice());
    this.types = Object.freeze(types.slice());
    this.data = data;
    this.rows = originNumbers.length;
    this.originKind = originKind;
    this.originNumbers = originNumbers;
  }

  /** Column position of a name or index; ArgumentError listing the columns when unknown. */
  columnIndex(column: string | number): number {
    if (typeof column === 'number') {
      if (Number.isSafeInteger(column) && column >= 0 && column < this.columns.length) return column;
      throw new ArgumentError(`Expected column index in [0, ${this.columns.length}) but received ${describe(column)}`);
    }
    const i = this.columns.indexOf(column);
    if (i < 0)
      throw new ArgumentError(`Expected one of the columns ${this.columns.map((c) => `'${c}'`).join(', ')} but received ${describe(column)}`);
    return i;
  }

  /** The values of a column: Float64Array for number columns, string[] for string columns. */
  get(column: string | number): Float64Array | string[] {
    return this.data[this.columnIndex(column)];
  }

  numbers(column: string | number): Float64Array {
    const i = this.columnIndex(column);
    const v = this.data[i];
    if (!(v instanceof Float64Array))
      throw new DataError(`column '${this.columns[i]}' holds strings, not numbers`);
    return v;
  }

  strings(column: string | number): string[] {
    const i = this.columnIndex(column);
    const v = this.data[i];
    return v instanceof Float64Array ? Array.from(v, String) : v;
  }

  /** Where row `row` came from, for messages: "line 7" (CSV, 1-based) or "record 3" (0-based). */
  origin(row: number): string {
    return `${this.originKind} ${this.originNumbers[row]}`;
  }
}

/** Applies the missing-value policy to raw columns and returns the Table. */
export function buildTable(
  columns: string[], raw: RawColumn[], originKind: 'line' | 'record', origins: number[], policy: MissingPolicy = 'error',
): Table {
  const n = origins.length;
  const where = (r: number, c: number) => `${originKind} ${origins[r]}, column '${columns[c]}'`;
  const isMissing = (c: number, r: number) => {
    const col = raw[c];
    return col.type === 'number' ? col.values[r] !== col.values[r] /* NaN */ : col.values[r] === null;
  };
  if (policy === 'error') {
    for (let r = 0; r < n; ++r)
      for (let c = 0; c < raw.length; ++c)
        if (isMissing(c, r))
          throw new DataError(`${where(r, c)}: missing value (pass missing: 'dropna' or { impute: 'mean' | 'median' | 'most_frequent' | <number> } to accept missing values)`);
    return finish(columns, raw, originKind, origins);
  }
  if (policy === 'dropna') {
    const keep: number[] = [];
    for (let r = 0; r < n; ++r) {
      let ok = true;
      for (let c = 0; c < raw.length && ok; ++c) ok = !isMissing(c, r);
      if (ok) keep.push(r);
    }
    const kept = raw.map((col): RawColumn =>
      col.type === 'number'
        ? { type: 'number', values: Float64Array.from(keep, (r) => col.values[r]) }
        : { type: 'string', values: keep.map((r) => col.values[r]) });
    return finish(columns, kept, originKind, keep.map((r) => origins[r]));
  }
  if (typeof policy !== 'object' || policy === null || !('impute' in policy))
    throw new ArgumentError(`Expected 'error', 'dropna' or { impute: 'mean' | 'median' | 'most_frequent' | <number> } for missing but received ${describe(policy)}`);
  const strategy = policy.impute;
  if (!(typeof strategy === 'number' && Number.isFinite(strategy)) && !['mean', 'median', 'most_frequent'].includes(strategy as string))
    throw new ArgumentError(`Expected 'mean', 'median', 'most_frequent' or a finite number for missing.impute but received ${describe(strategy)}`);
  const filled = raw.map((col, c): RawColumn => {
    let firstMissing = -1;
    for (let r = 0; r < n && firstMissing < 0; ++r) if (isMissing(c, r)) firstMissing = r;
    if (firstMissing < 0) return col;
    if (col.type === 'number') {
      const present = col.values.filter((v) => !Number.isNaN(v));
      let fill: number;
      if (typeof strategy === 'number') fill = strategy;
      else if (present.length === 0)
        throw new DataError(`column '${columns[c]}' has no values to impute '${strategy}' from: every cell is missing`);
      else if (strategy === 'mean') fill = present.reduce((a, b) => a + b, 0) / present.length;
      else if (strategy === 'median') fill = median(present);
      else fill = mostFrequent(Array.from(present), (a, b) => a - b);
      return { type: 'number', values: col.values.map((v) => (Number.isNaN(v) ? fill : v)) };
    }
    if (strategy !== 'most_frequent')
      throw new DataError(`${where(firstMissing, c)}: missing value in a string column cannot be imputed with ${typeof strategy === 'number' ? strategy : `'${strategy}'`}; use 'most_frequent' or 'dropna'`);
    const present = col.values.filter((v): v is string => v !== null);
    if (present.length === 0)
      throw new DataError(`column '${columns[c]}' has no values to impute 'most_frequent' from: every cell is missing`);
    const fill = mostFrequent(present, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { type: 'string', values: col.values.map((v) => v ?? fill) };
  });
  return finish(columns, filled, originKind, origins);
}

function finish(columns: string[], raw: RawColumn[], originKind: 'line' | 'record', origins: number[]): Table {
  return new Table(columns, raw.map((c) => c.type), raw.map((c) => c.values as Float64Array | string[]), originKind, origins);
}

/** numpy's median: the mean of the two middle values for an even count. */
function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The most frequent value; ties go to the smallest (as scikit-learn's SimpleImputer does). */
function mostFrequent<T>(values: T[], compare: (a: T, b: T) => number): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T = values[0];
  let bestCount = 0;
  for (const [v, count] of counts)
    if (count > bestCount || (count === bestCount && compare(v, best) < 0)) {
      best = v;
      bestCount = count;
    }
  return best;
}

export interface ToDatasetOptions {
  /** The label column: name or index. */
  label: string | number;
  /** Feature columns (names or indices); default every column but the label, in table order. */
  features?: (string | number)[];
  /** Default: 'classification' for a string label column, 'regression' for a numeric one. */
  task?: Task;
  name?: string;
}

/**
 * A Dataset from table columns. String labels become class indices over their sorted distinct
 * values (`classes`); numeric labels of a classification task do the same with their values as
 * names. Throws DataError for a non-numeric feature cell (naming line and column) or no rows.
 */
export function toDataset(table: Table, options: ToDatasetOptions): Dataset {
  if (!(table instanceof Table)) throw new ArgumentError(`Expected Table for table but received ${describe(table)}`);
  if (typeof options !== 'object' || options === null || options.label === undefined)
    throw new ArgumentError(`Expected options with a label column for toDataset but received ${describe(options)}`);
  const name = options.name ?? 'table';
  const labelIdx = table.columnIndex(options.label);
  const featureIdx = options.features ? options.features.map((f) => table.columnIndex(f)) : table.columns.map((_, i) => i).filter((i) => i !== labelIdx);
  if (featureIdx.includes(labelIdx))
    throw new ArgumentError(`Expected features without the label column '${table.columns[labelIdx]}' but it is listed among them`);
  if (new Set(featureIdx).size !== featureIdx.length) throw new ArgumentError(`Expected distinct feature columns but some are listed twice`);
  if (featureIdx.length === 0) throw new DataError(`dataset '${name}' has no feature columns: the table has only the label column`);
  const n = table.rows, d = featureIdx.length;
  if (n === 0) throw new DataError(`dataset '${name}' is empty: the table has no rows (dropna may have dropped them all)`);

  const x = new Float32Array(n * d);
  featureIdx.forEach((c, j) => {
    const col = table.get(c);
    if (!(col instanceof Float64Array)) {
      const bad = Math.max(0, col.findIndex((s) => !NUMBER_RE.test(s.trim())));
      throw new DataError(`${table.origin(bad)}, column '${table.columns[c]}': expected a number but found ${describe(col[bad])}`);
    }
    for (let i = 0; i < n; ++i) {
      const v = col[i];
      if (!isFiniteValue(v) || Math.abs(v) > FLOAT32_MAX)
        throw new DataError(`${table.origin(i)}, column '${table.columns[c]}': ${v} does not fit a float32`);
      x[i * d + j] = v;
    }
  });

  const labels = table.get(labelIdx);
  const labelName = table.columns[labelIdx];
  const task: Task = options.task ?? (labels instanceof Float64Array ? 'regression' : 'classification');
  if (task !== 'classification' && task !== 'regression')
    throw new ArgumentError(`Expected 'classification' or 'regression' for task but received ${describe(task)}`);
  const y = new Float32Array(n);
  let classes: string[] | undefined;
  if (task === 'regression') {
    if (!(labels instanceof Float64Array)) {
      const bad = Math.max(0, labels.findIndex((s) => !NUMBER_RE.test(s.trim())));
      throw new DataError(`${table.origin(bad)}, label column '${labelName}': regression needs numeric targets but found ${describe(labels[bad])}`);
    }
    labels.forEach((v, i) => (y[i] = v));
  } else if (labels instanceof Float64Array) {
    const values = Array.from(new Set(labels)).sort((a, b) => a - b);
    const index = new Map(values.map((v, k) => [v, k]));
    labels.forEach((v, i) => (y[i] = index.get(v)!));
    classes = values.map(String);
  } else {
    classes = Array.from(new Set(labels)).sort();
    const index = new Map(classes.map((v, k) => [v, k]));
    labels.forEach((v, i) => (y[i] = index.get(v)!));
  }
  return createDataset({ name, x: new Tensor(x, [n, d]), y, featureNames: featureIdx.map((c) => table.columns[c]), task, classes });
}
