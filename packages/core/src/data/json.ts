// Records (an array of plain objects, as JSON APIs and vega-datasets give them) into a Dataset,
// with the same missing-value policy and checks as CSV. Values must already be numbers (features)
// or strings/numbers (label); null, undefined and NaN are missing. Not a JSON file reader beyond
// readJsonRecords' JSON.parse.
import { readFileSync } from 'node:fs';
import { ArgumentError, DataError } from '../errors';
import { describe } from '../validate';
import { buildTable, toDataset, type RawColumn } from './table';
import type { Dataset, MissingPolicy, Task } from './types';

export interface FromRecordsOptions {
  /** The field holding the label. */
  label: string;
  /** Feature fields; default every field of the first record but the label, in its key order. */
  features?: string[];
  /** Default: 'classification' for string labels, 'regression' for numeric ones. */
  task?: Task;
  /** Default 'error'. Applied to the label and feature fields only. */
  missing?: MissingPolicy;
  name?: string;
}

const isMissingValue = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** A Dataset from records. DataError names the record (0-based) and field of any bad value. */
export function fromRecords(records: readonly object[], options: FromRecordsOptions): Dataset {
  if (!Array.isArray(records)) throw new DataError(`Expected an array of records but received ${describe(records)}`);
  if (typeof options !== 'object' || options === null || typeof options.label !== 'string')
    throw new ArgumentError(`Expected options with a label field name for fromRecords but received ${describe(options?.label ?? options)}`);
  const name = options.name ?? 'records';
  if (records.length === 0) throw new DataError(`dataset '${name}' is empty: no records`);
  records.forEach((rec, r) => {
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
      throw new DataError(`record ${r} is ${describe(rec)}, not an object`);
  });
  const label = options.label;
  const features = options.features ?? Object.keys(records[0]).filter((k) => k !== label);
  if (!Array.isArray(features) || features.some((f) => typeof f !== 'string'))
    throw new ArgumentError(`Expected an array of field names for features but received ${describe(features)}`);
  if (features.includes(label)) throw new ArgumentError(`Expected features without the label field '${label}' but it is listed among them`);

  const get = (r: number, field: string) => (records[r] as Record<string, unknown>)[field];
  records.forEach((rec, r) => {
    if (!(label in rec)) throw new DataError(`record ${r} has no label field '${label}' (the label count would not match the feature rows)`);
  });
  const columns: RawColumn[] = features.map((field) => {
    const values = new Float64Array(records.length);
    for (let r = 0; r < records.length; ++r) {
      const v = get(r, field);
      if (isMissingValue(v)) values[r] = NaN;
      else if (typeof v === 'number') values[r] = v;
      else throw new DataError(`record ${r}, field '${field}': expected a number but received ${describe(v)}`);
    }
    return { type: 'number', values };
  });
  const labels = records.map((_, r) => get(r, label));
  const stringLabels = labels.some((v) => typeof v === 'string');
  labels.forEach((v, r) => {
    if (!isMissingValue(v) && typeof v !== (stringLabels ? 'string' : 'number'))
      throw new DataError(`record ${r}, label field '${label}': expected ${stringLabels ? 'a string like the other labels' : 'a number or string'} but received ${describe(v)}`);
  });
  columns.push(stringLabels
    ? { type: 'string', values: labels.map((v) => (isMissingValue(v) ? null : (v as string))) }
    : { type: 'number', values: Float64Array.from(labels, (v) => (isMissingValue(v) ? NaN : (v as number))) });
  const table = buildTable([...features, label], columns, 'record', records.map((_, r) => r), options.missing ?? 'error');
  return toDataset(table, { label, features, task: options.task, name });
}

/** Reads a JSON file holding an array of records. */
export function readJsonRecords(path: string): object[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`cannot read JSON records from ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new DataError(`${path} holds ${describe(parsed)}, not an array of records`);
  return parsed as object[];
}
