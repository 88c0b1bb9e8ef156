// fromRecords on records written here and on real ones (vega-datasets' cars.json, read from disk):
// missing values, non-numeric fields, missing labels and empty input end in DataError naming the record.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createDataset, fromRecords } from '../../src/data';
import { ArgumentError, DataError } from '../../src/errors';
import { Tensor } from '../../src/tensor';

// vega-datasets' "exports" hides package.json; its main file sits in build/.
const carsFile = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'cars.json');
const cars = JSON.parse(readFileSync(carsFile, 'utf8')) as Record<string, unknown>[];
const carFeatures = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'];

function dataError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message;
  }
  throw new Error('expected a DataError');
}

test('records with string labels become a classification dataset', () => {
  const ds = fromRecords([{ a: 1, b: 2, kind: 'cat' }, { a: 3, b: 4, kind: 'ant' }, { a: 5, b: 6, kind: 'cat' }], { label: 'kind' });
  expect(ds.featureNames).toEqual(['a', 'b']);
  expect(ds.classes).toEqual(['ant', 'cat']);
  expect(Array.from(ds.y)).toEqual([1, 0, 1]);
  expect(ds.x.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
});

test('real records: cars.json has 406 cars, 14 with a missing value', () => {
  expect(cars.length).toBe(406);
  const ds = fromRecords(cars, { label: 'Miles_per_Gallon', features: carFeatures, missing: 'dropna', name: 'cars' });
  expect(ds.task).toBe('regression');
  expect(ds.x.shape).toEqual([392, 5]);
  expect(ds.y[0]).toBe(18);
  expect(ds.x.get(0, 2)).toBe(130);
  expect(dataError(() => fromRecords(cars, { label: 'Miles_per_Gallon', features: carFeatures })))
    .toMatch(/^record 10, column 'Miles_per_Gallon': missing value/);
  const imputed = fromRecords(cars, { label: 'Miles_per_Gallon', features: carFeatures, missing: { impute: 'mean' } });
  expect(imputed.x.shape).toEqual([406, 5]);
  const present = cars.filter((c) => c.Horsepower !== null).map((c) => c.Horsepower as number);
  expect(imputed.x.get(38, 2)).toBeCloseTo(present.reduce((a, b) => a + b, 0) / present.length, 3);
});

test('bad records name the record and field', () => {
  expect(dataError(() => fromRecords(cars, { label: 'Miles_per_Gallon' }))).toBe("record 0, field 'Name': expected a number but received 'chevrolet chevelle malibu'");
  expect(dataError(() => fromRecords([{ a: 1, y: 0 }, { a: 2 }], { label: 'y' }))).toMatch(/^record 1 has no label field 'y'/);
  expect(dataError(() => fromRecords([{ a: 1, y: 0 }, { a: true, y: 1 }], { label: 'y' }))).toMatch(/^record 1, field 'a': expected a number but received boolean/);
  expect(dataError(() => fromRecords([{ a: 1, y: 'x' }, { a: 2, y: 3 }], { label: 'y' }))).toMatch(/^record 1, label field 'y'/);
  expect(dataError(() => fromRecords([{ a: 1, y: 0 }, null as unknown as object], { label: 'y' }))).toBe('record 1 is null, not an object');
  expect(dataError(() => fromRecords([], { label: 'y' }))).toMatch(/empty/);
  expect(dataError(() => fromRecords([{ a: 1, y: null }], { label: 'y', missing: 'dropna' }))).toMatch(/empty/);
  expect(() => fromRecords([{ a: 1, y: 0 }], { label: 'y', features: ['a', 'y'] })).toThrow(ArgumentError);
});

test('createDataset refuses mismatched label and feature counts', () => {
  const x = new Tensor(new Float32Array(6), [3, 2]);
  expect(dataError(() => createDataset({ name: 'm', x, y: new Float32Array(2), featureNames: ['a', 'b'], task: 'regression' })))
    .toBe("dataset 'm' has 3 feature rows but 2 labels");
  expect(dataError(() => createDataset({ name: 'm', x, y: new Float32Array(3), featureNames: ['a'], task: 'regression' })))
    .toMatch(/2 feature columns but 1 feature names/);
  expect(dataError(() => createDataset({ name: 'm', x, y: Float32Array.of(0, 1, 2), featureNames: ['a', 'b'], task: 'classification', classes: ['p', 'q'] })))
    .toMatch(/label of row 2 is 2 but class indices run 0..1/);
  const nan = new Tensor(Float32Array.of(0, 0, NaN, 0, 0, 0), [3, 2]);
  expect(dataError(() => createDataset({ name: 'm', x: nan, y: new Float32Array(3), featureNames: ['a', 'b'], task: 'regression' })))
    .toMatch(/feature 'a' of row 1 is NaN/);
});
