// The protobuf encoder against hand-computed bytes: varint edge cases, tags, packed fields.
import { encodeVarint, ProtoWriter } from '../../src/onnx/proto';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test.each([
  [0, '00'],
  [1, '01'],
  [127, '7f'],
  [128, '8001'],
  [300, 'ac02'],
  [2 ** 32, '8080808010'],
  [2 ** 53 - 1, 'ffffffffffffff0f'],
  [-1, 'ffffffffffffffffff01'],
])('varint %p', (value, bytes) => {
  expect(hex(encodeVarint(value))).toBe(bytes);
});

test('varint accepts bigint and rejects unsafe numbers', () => {
  expect(hex(encodeVarint(2n ** 63n))).toBe('80808080808080808001');
  expect(() => encodeVarint(2 ** 53)).toThrow(/safe integer/);
  expect(() => encodeVarint(1.5)).toThrow(/safe integer/);
});

test('fields: tags, strings, floats, packed repeated', () => {
  const w = new ProtoWriter().int(1, 8).string(2, 'amaas').float(2, 1).packedInts(1, [1, 128]);
  // 08 08 | 12 05 'amaas' | 15 0000803f | 0a 03 01 8001
  expect(hex(w.finish())).toBe('0808' + '1205' + Buffer.from('amaas').toString('hex') + '150000803f' + '0a03018001');
});
