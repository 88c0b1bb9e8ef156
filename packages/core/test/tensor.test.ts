// Tensor views share memory; reshape/contiguous/clone copy only when they must.
import { Tensor } from '../src';

test('from, get, toArray', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  expect(t.shape).toEqual([2, 3]);
  expect(t.get(1, 2)).toBe(6);
  expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  const d = new Float32Array([1, 2, 3, 4]);
  expect(Tensor.from(d, [2, 2]).data).toBe(d); // no copy
});

test('views share memory', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  const tt = t.transpose();
  expect(tt.shape).toEqual([3, 2]);
  expect(tt.get(2, 1)).toBe(6);
  expect(tt.isContiguous).toBe(false);
  t.slice(1).set(40, 0, 0);
  expect(t.get(1, 0)).toBe(40);
  expect(t.cols(1, 3).toArray()).toEqual([[2, 3], [5, 6]]);
});

test('reshape is a view when contiguous, a copy otherwise', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  const r = t.reshape([3, -1]);
  expect(r.shape).toEqual([3, 2]);
  expect(r.data).toBe(t.data);
  const rt = t.transpose().reshape([6]);
  expect(rt.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
  expect(rt.data).not.toBe(t.data);
  expect(t.transpose().clone().isContiguous).toBe(true);
});
