// The safetensors reader/writer: round trips, byte layout against a hand parse, the hostile-file
// catalogue (each defect -> AmaasError 'INVALID_MODEL_FILE' with a message naming it), and a
// seeded fuzz of 3,000 mutations of a valid file.
import { AmaasError } from '../../src/errors';
import { float32Entry, readSafetensors, toFloat32, typedView, writeSafetensors } from '../../src/io';
import { mulberry32 } from '../helpers';

/** A file from a raw header object and data bytes, no checks (for hostile cases). */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = Buffer.alloc(8 + json.length + bytes.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

function expectInvalid(buf: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try {
    readSafetensors(buf);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AmaasError);
  expect((caught as AmaasError).code).toBe('INVALID_MODEL_FILE');
  expect((caught as AmaasError).message).toMatch(pattern);
}

const sample = () =>
  writeSafetensors(
    {
      'b.weight': float32Entry(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
      'a.bias': { dtype: 'F64', shape: [2], data: Float64Array.from([0.5, -0.25]) },
      'c.bytes': { dtype: 'U8', shape: [3], data: Uint8Array.from([7, 8, 9]) },
      'd.empty': { dtype: 'I32', shape: [0, 4], data: new Int32Array(0) },
      'e.i64': { dtype: 'I64', shape: [1], data: BigInt64Array.of(-5n) },
    },
    { hello: 'world' },
  );

test('round trip: dtypes, shapes, metadata, aligned views', () => {
  const buf = sample();
  const { tensors, metadata } = readSafetensors(buf);
  expect({ ...metadata }).toEqual({ hello: 'world' });
  expect(Object.keys(tensors).sort()).toEqual(['a.bias', 'b.weight', 'c.bytes', 'd.empty', 'e.i64']);
  expect(toFloat32(tensors['b.weight'])).toEqual({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
  expect(Array.from(typedView(tensors['a.bias'] as never as { dtype: 'F64'; shape: number[]; data: Uint8Array }))).toEqual([0.5, -0.25]);
  expect(Array.from(tensors['c.bytes'].data)).toEqual([7, 8, 9]);
  expect(tensors['d.empty'].shape).toEqual([0, 4]);
  expect(typedView(tensors['e.i64'] as never as { dtype: 'I64'; shape: number[]; data: Uint8Array })[0]).toBe(-5n);
  for (const t of Object.values(tensors)) expect(t.data.byteOffset % ({ F64: 8, F32: 4, U8: 1, I32: 4, I64: 8 } as Record<string, number>)[t.dtype]).toBe(0);
});

test('layout: padded header, sorted names, contiguous data (hand parse)', () => {
  const buf = sample();
  const n = Number(buf.readBigUInt64LE(0));
  expect(n % 8).toBe(0);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(names).toEqual([...names].sort());
  let at = 0;
  for (const k of names) {
    expect(header[k].data_offsets[0]).toBe(at);
    at = header[k].data_offsets[1];
  }
  expect(8 + n + at).toBe(buf.length);
  expect(header['a.bias']).toEqual({ dtype: 'F64', shape: [2], data_offsets: [0, 16] });
});

test('unaligned input buffer: tensors are copied to aligned storage', () => {
  const buf = sample();
  const shifted = new Uint8Array(buf.length + 1).subarray(1);
  shifted.set(buf);
  const { tensors } = readSafetensors(shifted);
  expect(tensors['b.weight'].data.byteOffset % 4).toBe(0);
  expect(Array.from(toFloat32(tensors['b.weight']).data)).toEqual([1, 2, 3, 4, 5, 6]);
});

test('writer rejects data whose size does not match dtype and shape', () => {
  expect(() => writeSafetensors({ w: float32Entry(new Float32Array(5), [2, 3]) })).toThrow(/24 bytes.*20 bytes/);
  expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } })).toThrow(/non-negative/);
});

describe('hostile files -> INVALID_MODEL_FILE', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  test('shorter than 8 bytes', () => expectInvalid(new Uint8Array(5), /5 bytes, shorter than/));
  test('header length past the end', () => {
    const b = rawFile(ok, 8);
    b.writeBigUInt64LE(BigInt(b.length), 0);
    expectInvalid(b, /runs past the end/);
  });
  test('100 MB header claim', () => {
    const b = rawFile(ok, 8);
    b.writeBigUInt64LE(100_000_000n, 0);
    expectInvalid(b, /header length 100000000 bytes exceeds the limit/);
  });
  test('u64 max header claim', () => {
    const b = rawFile(ok, 8);
    b.writeBigUInt64LE(0xffffffffffffffffn, 0);
    expectInvalid(b, /exceeds the limit/);
  });
  test('invalid UTF-8', () => {
    const b = rawFile(null, 0, '{"a":"xx"}');
    b[8 + 6] = 0xff;
    expectInvalid(b, /not valid UTF-8/);
  });
  test('invalid JSON', () => expectInvalid(rawFile(null, 0, '{"w": {'), /not valid JSON/));
  test('header not an object', () => expectInvalid(rawFile(null, 0, '{'.slice(0, 0) + '[1,2]'), /must start with '\{'/));
  test('header null-ish', () => expectInvalid(rawFile(null, 0, '{}x'), /not valid JSON/));
  test('overlapping offsets', () =>
    expectInvalid(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /'b'.*overlap tensor 'a'/));
  test('wrong dtype size', () =>
    expectInvalid(rawFile({ 'layers.0.weight': { dtype: 'F32', shape: [5, 7], data_offsets: [0, 100] } }, 100), /'layers.0.weight' data_offsets \[0, 100\] do not match F32 shape \[5,7\] \(140 bytes\)/));
  test('gap between tensors', () =>
    expectInvalid(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, 12), /bytes \[4, 8\).*gap before tensor 'b'/));
  test('trailing bytes', () => expectInvalid(rawFile(ok, 12), /4 trailing bytes/));
  test('offsets past the end', () => expectInvalid(rawFile(ok, 4), /run past the end of the 4-byte data section/));
  test('unknown dtype', () => expectInvalid(rawFile({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, 16), /unknown dtype 'F128'/));
  test('negative shape', () => expectInvalid(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /shape must be an array of non-negative integers but is \[-1\]/));
  test('fractional and string dims', () => expectInvalid(rawFile({ w: { dtype: 'F32', shape: [1.5] , data_offsets: [0, 4] } }, 4), /non-negative integers/));
  test('shape product overflow', () =>
    expectInvalid(rawFile({ w: { dtype: 'U8', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, 4), /overflows/));
  test('bad data_offsets', () => {
    expectInvalid(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: [1, 0] } }, 1), /begin <= end/);
    expectInvalid(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: [0] } }, 1), /\[begin, end\]/);
    expectInvalid(rawFile({ w: { dtype: 'U8', shape: [1], data_offsets: ['0', '1'] } }, 1), /\[begin, end\]/);
  });
  test('tensor entry not an object', () => expectInvalid(rawFile({ w: 3 }), /tensor 'w' must be an object/));
  test('__metadata__ value not a string', () => expectInvalid(rawFile({ __metadata__: { a: 1 } }), /__metadata__ value 'a' must be a string/));
  test('__proto__ as a tensor name does not pollute', () => {
    const { tensors } = readSafetensors(rawFile(null, 4, '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });
  test('duplicate names: the earlier entry is unindexed and reported', () =>
    expectInvalid(rawFile(null, 8, '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'), /gap before tensor 'w'/));
});

test('fuzz: 3,000 seeded mutations either parse or throw INVALID_MODEL_FILE', () => {
  const base = sample();
  const rand = mulberry32(20261123);
  const int = (n: number) => Math.floor(rand() * n);
  const fragments = ['{', '}', '[', ']', '"', ',', ':', '-1', '1e309', '"F32"', '"data_offsets"', '[0,4]', 'null', '"__metadata__"', '\\u0000', '99999999999999999999', '"shape":[]', '\u00ff'];
  const started = Date.now();
  let parsed = 0;
  for (let iter = 0; iter < 3000; ++iter) {
    let b: Buffer = Buffer.from(base);
    const n = Number(base.readBigUInt64LE(0));
    const rounds = 1 + int(3);
    for (let r = 0; r < rounds; ++r) {
      const op = int(5);
      if (op === 0) for (let k = 1 + int(4); k > 0; --k) b[int(b.length)] ^= 1 << int(8);
      else if (op === 1) b = b.subarray(0, int(b.length + 1));
      else if (op === 2 && b.length >= 8) b[int(8)] = int(256);
      else if (op === 3 && b.length >= 8) b.writeBigUInt64LE(BigInt(int(b.length + 16)), 0);
      else {
        // splice a JSON fragment into the header text and fix up the length
        const text = b.subarray(8, Math.min(b.length, 8 + n)).toString('latin1');
        const at = int(text.length + 1), cut = int(4);
        const spliced = text.slice(0, at) + fragments[int(fragments.length)] + text.slice(at + cut);
        const header = Buffer.from(spliced, 'latin1');
        const rest = b.subarray(Math.min(b.length, 8 + n));
        b = Buffer.concat([Buffer.alloc(8), header, rest]);
        b.writeBigUInt64LE(BigInt(header.length), 0);
      }
    }
    try {
      readSafetensors(b);
      parsed++;
    } catch (err) {
      if (!(err instanceof AmaasError) || (err.code as string) !== 'INVALID_MODEL_FILE') {
        throw new Error(`mutation ${iter} threw ${String(err)} (${(err as { code?: string }).code}) instead of INVALID_MODEL_FILE`);
      }
    }
  }
  expect(Date.now() - started).toBeLessThan(10000);
  expect(parsed).toBeGreaterThan(0); // some mutations (e.g. inside tensor data) stay valid
});
