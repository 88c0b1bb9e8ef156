// CSV parsing (RFC 4180 quoting, CRLF, header detection, typing, missing values) and toDataset,
// on small texts written here. Real files are covered by sklearn.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCsv, readCsv, toDataset } from '../../src/data';
import { ArgumentError, DataError } from '../../src/errors';

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('INVALID_DATA');
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

test('quoted fields hold delimiters, escaped quotes and newlines', () => {
  const t = parseCsv('name,note,value\n"Smith, J","said ""hi""",1\n"multi\nline",plain,2\n');
  expect(t.columns).toEqual(['name', 'note', 'value']);
  expect(t.types).toEqual(['string', 'string', 'number']);
  expect(t.rows).toBe(2);
  expect(t.strings('name')).toEqual(['Smith, J', 'multi\nline']);
  expect(t.get('note')).toEqual(['said "hi"', 'plain']);
  expect(Array.from(t.numbers('value'))).toEqual([1, 2]);
  // line numbers count the newline inside the quoted field
  expect(t.origin(1)).toBe('line 3');
  expect(dataError(() => parseCsv('a,b\n"x\ny",1\n1,2,3\n')).message).toBe('line 4 has 3 fields but the header has 2');
});

test('CRLF line endings, a BOM and a final line without newline', () => {
  const t = parseCsv('\ufeffa,b\r\n1,"x\r\ny"\r\n2,z');
  expect(t.columns).toEqual(['a', 'b']);
  expect(t.strings('b')).toEqual(['x\r\ny', 'z']);
  expect(Array.from(t.numbers('a'))).toEqual([1, 2]);
});

test('header auto-detection both ways, and forced', () => {
  const withHeader = parseCsv('x,y\n1,2\n3,4\n');
  expect(withHeader.columns).toEqual(['x', 'y']);
  expect(withHeader.rows).toBe(2);
  const without = parseCsv('1,2\n3,4\n');
  expect(without.columns).toEqual(['0', '1']);
  expect(without.rows).toBe(2);
  // a string column under a string header gives no evidence: the numeric column decides
  expect(parseCsv('species,len\nsetosa,1.5\n').columns).toEqual(['species', 'len']);
  // all-string data cannot tell a header from a row: auto says no header; header: true forces it
  expect(parseCsv('a,b\nc,d\n').rows).toBe(2);
  expect(parseCsv('a,b\nc,d\n', { header: true }).columns).toEqual(['a', 'b']);
  expect(parseCsv('x,y\n1,2\n', { header: false }).types).toEqual(['string', 'string']);
  expect(dataError(() => parseCsv('a,a\n1,2\n')).message).toMatch(/names column 'a' twice/);
});

test('delimiter option, scientific notation, usecols and forced types', () => {
  const t = parseCsv('a;b;c\n1e3;-.5;007\n+2;3.;008\n', { delimiter: ';', usecols: ['c', 0], types: { c: 'string' } });
  expect(t.columns).toEqual(['c', 'a']);
  expect(t.strings('c')).toEqual(['007', '008']);
  expect(Array.from(t.numbers('a'))).toEqual([1000, 2]);
  expect(Array.from(parseCsv('a\tb\n1\t2\n', { delimiter: '\t' }).numbers('b'))).toEqual([2]);
  expect(() => parseCsv('a,b\n', { delimiter: ',,' })).toThrow(ArgumentError);
  expect(() => parseCsv('a,b\n1,2\n', { usecols: ['nope'] })).toThrow(ArgumentError);
});

describe('missing values', () => {
  const text = 'a,b,c\n1,10,x\n,20,y\n3,NA,?\n5,40,x\n';

  test("'error' (the default) names line and column", () => {
    expect(dataError(() => parseCsv(text)).message).toMatch(/^line 3, column 'a': missing value/);
  });

  test('dropna drops rows with any missing cell', () => {
    const t = parseCsv(text, { missing: 'dropna' });
    expect(t.rows).toBe(2);
    expect(Array.from(t.numbers('a'))).toEqual([1, 5]);
    expect(t.origin(1)).toBe('line 5');
  });

  test('impute mean, median, most_frequent and a constant', () => {
    const num = 'a,b\n1,2\nNaN,2\n4,null\n10,5\n';
    expect(Array.from(parseCsv(num, { missing: { impute: 'mean' } }).numbers('a'))).toEqual([1, 5, 4, 10]);
    expect(Array.from(parseCsv(num, { missing: { impute: 'median' } }).numbers('a'))).toEqual([1, 4, 4, 10]);
    expect(Array.from(parseCsv(num, { missing: { impute: 'median' } }).numbers('b'))).toEqual([2, 2, 2, 5]);
    expect(Array.from(parseCsv(num, { missing: { impute: 'most_frequent' } }).numbers('b'))).toEqual([2, 2, 2, 5]);
    // ties go to the smallest value, as in scikit-learn
    expect(Array.from(parseCsv(num, { missing: { impute: 'most_frequent' } }).numbers('a'))).toEqual([1, 1, 4, 10]);
    expect(Array.from(parseCsv(num, { missing: { impute: -1 } }).numbers('a'))).toEqual([1, -1, 4, 10]);
    expect(parseCsv(text, { missing: { impute: 'most_frequent' } }).strings('c')).toEqual(['x', 'y', 'x', 'x']);
  });

  test('string columns only take most_frequent; an all-missing column has nothing to impute from', () => {
    expect(dataError(() => parseCsv(text, { missing: { impute: 'mean' } })).message).toMatch(/line 4, column 'c'.*cannot be imputed with 'mean'/);
    expect(dataError(() => parseCsv('a,b\n1,\n2,\n', { missing: { impute: 'mean' } })).message).toMatch(/column 'b' has no values/);
    expect(() => parseCsv(text, { missing: { impute: 'mode' as 'mean' } })).toThrow(ArgumentError);
  });

  test('custom missing tokens', () => {
    const t = parseCsv('a,b\n-,1\n2,3\n', { missingValues: ['-'], missing: 'dropna' });
    expect(Array.from(t.numbers('a'))).toEqual([2]);
  });
});

test('malformed input: ragged rows, stray quotes, empty input', () => {
  expect(dataError(() => parseCsv('a,b,c,d\n1,2,3,4\n5,6,7,8\n1,2,3\n')).message).toBe('line 4 has 3 fields but the header has 4');
  expect(dataError(() => parseCsv('1,2\n3\n')).message).toBe('line 2 has 1 field but line 1 has 2');
  expect(dataError(() => parseCsv('a,b\n"open,1\n2,3\n')).message).toMatch(/^line 2: a quoted field opened on this line is never closed/);
  expect(dataError(() => parseCsv('a,b\n"x"y,1\n')).message).toMatch(/^line 2: expected ',' or the end of the line/);
  expect(dataError(() => parseCsv('')).message).toMatch(/empty/);
  expect(dataError(() => parseCsv('\n\r\n\n')).message).toMatch(/empty/);
  expect(() => parseCsv(42 as unknown as string)).toThrow(ArgumentError);
});

describe('toDataset', () => {
  test('string labels become sorted classes; features default to the other columns', () => {
    const t = parseCsv('len,species,width\n1.5,setosa,0.2\n4.5,virginica,1.5\n3.9,versicolor,1.1\n');
    const ds = toDataset(t, { label: 'species', name: 'mini' });
    expect(ds.task).toBe('classification');
    expect(ds.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(ds.y)).toEqual([0, 2, 1]);
    expect(ds.featureNames).toEqual(['len', 'width']);
    expect(ds.x.shape).toEqual([3, 2]);
    expect(ds.x.get(1, 1)).toBeCloseTo(1.5, 6);
  });

  test('numeric labels: regression by default, classification on request; label by index', () => {
    const t = parseCsv('a,b,y\n1,2,10\n3,4,20\n5,6,10\n');
    const reg = toDataset(t, { label: 2 });
    expect(reg.task).toBe('regression');
    expect(Array.from(reg.y)).toEqual([10, 20, 10]);
    const cls = toDataset(t, { label: 'y', task: 'classification', features: ['b'] });
    expect(cls.classes).toEqual(['10', '20']);
    expect(Array.from(cls.y)).toEqual([0, 1, 0]);
    expect(cls.featureNames).toEqual(['b']);
  });

  test('a non-numeric feature cell names its line and column', () => {
    const t = parseCsv('a,b,y\n1,2,0\n3,4,1\n5,x,0\n');
    expect(dataError(() => toDataset(t, { label: 'y' })).message).toBe("line 4, column 'b': expected a number but found 'x'");
    expect(dataError(() => toDataset(parseCsv('a,y\n1,cat\n'), { label: 'y', task: 'regression' })).message).toMatch(/line 2, label column 'y': regression needs numeric targets/);
    expect(dataError(() => toDataset(parseCsv('a,y\n1e39,1\n'), { label: 'y' })).message).toMatch(/line 2, column 'a': 1e\+39 does not fit a float32/);
  });

  test('empty tables and bad column choices', () => {
    expect(dataError(() => toDataset(parseCsv('a,b\n', { header: true }), { label: 'b' })).message).toMatch(/is empty/);
    expect(dataError(() => toDataset(parseCsv('a,b\n1,\n', { missing: 'dropna' }), { label: 'b' })).message).toMatch(/is empty/);
    expect(dataError(() => toDataset(parseCsv('y\n1\n2\n'), { label: 'y' })).message).toMatch(/no feature columns/);
    const t = parseCsv('a,b\n1,2\n');
    expect(() => toDataset(t, { label: 'zz' })).toThrow(ArgumentError);
    expect(() => toDataset(t, { label: 'a', features: ['a', 'b'] })).toThrow(ArgumentError);
  });
});

test('readCsv reads plain and gzip files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amaas-csv-'));
  const text = 'a,b\n1,x\n2,y\n';
  writeFileSync(join(dir, 't.csv'), text);
  writeFileSync(join(dir, 't.csv.gz'), gzipSync(text));
  expect(readCsv(join(dir, 't.csv')).strings('b')).toEqual(['x', 'y']);
  expect(Array.from(readCsv(join(dir, 't.csv.gz')).numbers('a'))).toEqual([1, 2]);
  expect(dataError(() => readCsv(join(dir, 'missing.csv'))).message).toMatch(/cannot read .*missing\.csv/);
});
