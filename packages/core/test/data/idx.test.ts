// IDX decoding on buffers built here: every dtype round-trips, and hostile buffers (truncated,
// wrong magic, absurd dimensions, gzip bombs, random corruption) end in DataError, never a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRng, encodeIdx, idxToDataset, parseIdx, readIdx, type IdxDtype } from '../../src/data';
import { DataError } from '../../src/errors';

function header(dtype: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = dtype;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

function dataError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message;
  }
  throw new Error('expected a DataError');
}

test('every dtype round-trips through encodeIdx/parseIdx, big-endian on disk', () => {
  const cases: [IdxDtype, number[]][] = [
    ['u8', [0, 1, 255, 128, 7, 9]],
    ['i8', [-128, 127, 0, -1, 5, 6]],
    ['i16', [-32768, 32767, 256, -2, 0, 1]],
    ['i32', [-2147483648, 2147483647, 65536, -7, 0, 3]],
    ['f32', [0.5, -1.25, 2 ** 100, -(2 ** -20), 1, 2]],
    ['f64', [Math.PI, -1e300, 5e-324, 0, 1, 2]],
  ];
  for (const [dtype, values] of cases) {
    const buf = encodeIdx(dtype, [2, 3], values);
    const out = parseIdx(buf);
    expect(out.dtype).toBe(dtype);
    expect(out.shape).toEqual([2, 3]);
    expect(Array.from(out.data)).toEqual(values);
  }
  // the bytes themselves: magic, dtype 0x0B, rank 1, dim 1, value 0x0102 big-endian
  expect([...encodeIdx('i16', [1], [0x0102])]).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 1, 1, 2]);
  // a Buffer at a non-zero offset inside a larger ArrayBuffer
  const inner = encodeIdx('i32', [2], [1, -1]);
  const outer = Buffer.concat([Buffer.from([9, 9, 9]), inner]).subarray(3);
  expect(Array.from(parseIdx(outer).data)).toEqual([1, -1]);
});

test('hostile headers are refused before any allocation', () => {
  expect(dataError(() => parseIdx(Buffer.from([0, 0])))).toMatch(/4-byte header/);
  expect(dataError(() => parseIdx(Buffer.from([1, 0, 8, 1, 0, 0, 0, 0])))).toMatch(/magic 0x0000 but received 0x0100/);
  expect(dataError(() => parseIdx(gzipSync(encodeIdx('u8', [1], [1]))))).toMatch(/gzip data/);
  expect(dataError(() => parseIdx(Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 0])))).toMatch(/dtype byte .* but received 0x0A/);
  expect(dataError(() => parseIdx(Buffer.from([0, 0, 8, 0])))).toMatch(/rank in \[1, 16\] but received 0/);
  expect(dataError(() => parseIdx(Buffer.from([0, 0, 8, 255, 0, 0])))).toMatch(/rank in \[1, 16\] but received 255/);
  expect(dataError(() => parseIdx(Buffer.from([0, 0, 8, 3, 0, 0, 0, 1])))).toMatch(/header of rank 3 needs 16 bytes/);
  // dimensions whose product overflows 2^53 (and any allocation): refused at the second dimension
  const huge = header(0x0e, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  expect(dataError(() => parseIdx(huge))).toMatch(/need more than the 0 data bytes/);
  // truncated: 10 items promised, 5 present
  expect(dataError(() => parseIdx(Buffer.concat([header(0x08, [10]), Buffer.alloc(5)])))).toMatch(/need more than the 5 data bytes/);
  // trailing bytes are a size mismatch too
  expect(dataError(() => parseIdx(Buffer.concat([header(0x08, [2]), Buffer.alloc(3)])))).toMatch(/need 2 data bytes but the buffer holds 3/);
  // a zero dimension is a valid, empty array
  expect(parseIdx(header(0x0d, [0, 28])).data.length).toBe(0);
});

test('random corruption of a valid file gives a result or a DataError, nothing else', () => {
  const rng = createRng(7);
  const valid = encodeIdx('i16', [3, 4], Array.from({ length: 12 }, (_, i) => i * 100 - 500));
  let refused = 0;
  for (let trial = 0; trial < 3000; ++trial) {
    const buf = Buffer.from(valid.subarray(0, trial % 5 === 0 ? rng.nextInt(valid.length + 1) : valid.length));
    for (let flips = 1 + rng.nextInt(3); flips > 0 && buf.length > 0; --flips) buf[rng.nextInt(buf.length)] = rng.nextInt(256);
    try {
      const out = parseIdx(buf);
      expect(out.data.length).toBe(out.shape.reduce((a, b) => a * b, 1));
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      refused++;
    }
  }
  expect(refused).toBeGreaterThan(0);
});

test('readIdx gunzips transparently and caps what gzip may inflate to', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amaas-idx-'));
  const buf = encodeIdx('u8', [2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]);
  writeFileSync(join(dir, 'a-idx3-ubyte'), buf);
  writeFileSync(join(dir, 'a-idx3-ubyte.gz'), gzipSync(buf));
  expect(Array.from(readIdx(join(dir, 'a-idx3-ubyte.gz')).data)).toEqual(Array.from(readIdx(join(dir, 'a-idx3-ubyte')).data));
  // a "bomb": 16 MiB of zeros behind a valid header inflates past a 1 MiB cap
  writeFileSync(join(dir, 'bomb.gz'), gzipSync(Buffer.concat([header(0x08, [1 << 24]), Buffer.alloc(1 << 24)])));
  expect(dataError(() => readIdx(join(dir, 'bomb.gz'), { maxBytes: 1 << 20 }))).toMatch(/cannot gunzip .*bomb\.gz/);
  writeFileSync(join(dir, 'junk.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
  expect(dataError(() => readIdx(join(dir, 'junk.gz')))).toMatch(/cannot gunzip/);
  expect(dataError(() => readIdx(join(dir, 'nope')))).toMatch(/cannot read IDX file/);
  writeFileSync(join(dir, 'short'), Buffer.from([0, 0, 8]));
  expect(dataError(() => readIdx(join(dir, 'short')))).toMatch(/short: IDX data needs a 4-byte header/);
});

test('idxToDataset scales u8 pixels to [0, 1] and checks labels against images', () => {
  const images = parseIdx(encodeIdx('u8', [2, 2, 3], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]));
  const labels = parseIdx(encodeIdx('u8', [2], [1, 0]));
  const ds = idxToDataset(images, labels, 'tiny', { classes: ['a', 'b'] });
  expect(ds.x.shape).toEqual([2, 6]);
  expect(ds.x.get(0, 1)).toBe(1);
  expect(ds.x.get(0, 2)).toBeCloseTo(0.2, 6);
  expect(Array.from(ds.y)).toEqual([1, 0]);
  expect(ds.imageShape).toEqual([2, 3]);
  expect(ds.featureNames.slice(0, 4)).toEqual(['pixel_0_0', 'pixel_0_1', 'pixel_0_2', 'pixel_1_0']);
  expect(idxToDataset(images, labels, 'tiny').classes).toEqual(['0', '1']);
  expect(dataError(() => idxToDataset(images, parseIdx(encodeIdx('u8', [3], [0, 0, 0])), 'x'))).toBe('IDX images hold 2 items but the labels hold 3');
  expect(dataError(() => idxToDataset(images, parseIdx(encodeIdx('u8', [2], [2, 0])), 'x', { classes: ['a', 'b'] }))).toMatch(/labels run up to 2 but 2 class names/);
  expect(dataError(() => idxToDataset(images, parseIdx(encodeIdx('i32', [2], [0, 1e9])), 'x'))).toMatch(/label 1 is 1000000000/);
  expect(dataError(() => idxToDataset(parseIdx(encodeIdx('i16', [2, 1], [0, 1])), labels, 'x'))).toMatch(/u8, f32 or f64 IDX images/);
});
