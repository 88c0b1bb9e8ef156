// matmul / linear / softmax / PackedLinear against plain-JS references, on every ISA level
// this CPU has, with transposed and strided views, outputs into views, and every activation.
import {
  engineInfo, linear, linearSync, matmul, matmulSync, packLinear, setIsa, setThreads, softmax, softmaxSync, Tensor,
  ACTIVATIONS, IsaName,
} from '../src';
import { activations, mulberry32, randomArray, referenceMatmul, tolerance } from './helpers';

const rand = mulberry32(1234);
const isas = engineInfo().isas as IsaName[];
const initialIsa = engineInfo().isa;
afterAll(() => {
  setIsa(initialIsa);
  setThreads(engineInfo().maxThreads);
});

function expectClose(got: Tensor, want: Float64Array, magnitude: Float64Array, K: number): void {
  const [M, N] = got.shape;
  let bad = 0;
  for (let i = 0; i < M; ++i)
    for (let j = 0; j < N; ++j) {
      const d = Math.abs(got.get(i, j) - want[i * N + j]);
      if (!(d <= tolerance(K, magnitude[i * N + j]))) bad++;
    }
  expect(bad).toBe(0);
}

describe.each(isas)('on %s', (isa) => {
  beforeAll(() => setIsa(isa));

  test.each([
    [1, 1, 1], [1, 7, 33], [7, 33, 1], [33, 1, 7], [17, 19, 23], [64, 64, 64], [100, 37, 300], [1, 512, 784],
  ])('matmul M=%i N=%i K=%i, plain and transposed operands', (M, N, K) => {
    const a = new Tensor(randomArray(M * K, rand), [M, K]);
    const b = new Tensor(randomArray(K * N, rand), [K, N]);
    const ref = referenceMatmul(M, N, K, (i, k) => a.get(i, k), (k, j) => b.get(k, j));
    expectClose(matmulSync(a, b), ref.value, ref.magnitude, K);
    // Same product from transposed storage: at = (K,M) viewed as (M,K), bt likewise.
    const at = new Tensor(randomArray(K * M, rand), [K, M]);
    const bt = new Tensor(randomArray(N * K, rand), [N, K]);
    const ref2 = referenceMatmul(M, N, K, (i, k) => at.get(k, i), (k, j) => bt.get(j, k));
    expectClose(matmulSync(at.transpose(), bt.transpose()), ref2.value, ref2.magnitude, K);
  });

  test('strided views in, strided view out', () => {
    const big = new Tensor(randomArray(40 * 50, rand), [40, 50]);
    const a = big.cols(3, 20).slice(5, 30); // (25,17), row stride 50
    const b = new Tensor(randomArray(17 * 12, rand), [17, 12]);
    const outBase = Tensor.zeros([25, 30]);
    const out = outBase.cols(10, 22); // (25,12), row stride 30
    matmulSync(a, b, { out });
    const ref = referenceMatmul(25, 12, 17, (i, k) => a.get(i, k), (k, j) => b.get(k, j));
    expectClose(out, ref.value, ref.magnitude, 17);
    expect(outBase.get(0, 0)).toBe(0); // untouched outside the view
    expect(outBase.get(24, 29)).toBe(0);
  });

  test.each(ACTIVATIONS.map((a) => [a]))('linear with fused bias + %s', (act) => {
    const M = 9, K = 31, N = 45;
    const x = new Tensor(randomArray(M * K, rand), [M, K]);
    const w = new Tensor(randomArray(N * K, rand), [N, K]);
    const bias = new Tensor(randomArray(N, rand), [N]);
    const ref = referenceMatmul(M, N, K, (i, k) => x.get(i, k), (k, j) => w.get(j, k));
    const f = activations[act];
    const y = linearSync(x, w, bias, { activation: act });
    const packed = packLinear(w, bias, { activation: act }).forwardSync(x);
    for (const got of [y, packed])
      for (let i = 0; i < M; ++i)
        for (let j = 0; j < N; ++j) {
          const want = f(ref.value[i * N + j] + bias.get(j));
          expect(Math.abs(got.get(i, j) - want)).toBeLessThanOrEqual(tolerance(K, ref.magnitude[i * N + j] + 1) + 1e-6);
        }
  });

  test('softmax rows sum to 1 and match the reference', () => {
    const x = new Tensor(randomArray(7 * 19, rand).map((v) => v * 30), [7, 19]);
    const y = softmaxSync(x);
    for (let i = 0; i < 7; ++i) {
      let mx = -Infinity;
      for (let j = 0; j < 19; ++j) mx = Math.max(mx, x.get(i, j));
      let s = 0;
      for (let j = 0; j < 19; ++j) s += Math.exp(x.get(i, j) - mx);
      for (let j = 0; j < 19; ++j) expect(Math.abs(y.get(i, j) - Math.exp(x.get(i, j) - mx) / s)).toBeLessThan(1e-6);
    }
    const v = softmaxSync(Tensor.from([1, 2, 3, 4]));
    expect(v.shape).toEqual([4]);
    expect(v.get(3)).toBeCloseTo(0.6439142, 6);
  });
});

test('results are bit-identical with 1 and all threads', () => {
  const M = 300, N = 260, K = 290;
  const a = new Tensor(randomArray(M * K, rand), [M, K]);
  const b = new Tensor(randomArray(K * N, rand), [K, N]);
  setThreads(1);
  const c1 = matmulSync(a, b);
  setThreads(engineInfo().maxThreads);
  const c2 = matmulSync(a, b);
  expect(Buffer.from(c1.data.buffer).equals(Buffer.from(c2.data.buffer))).toBe(true);
});

test('Promise forms agree with the sync forms, for small (inline) and large (worker) work', async () => {
  for (const [M, N, K] of [[3, 4, 5], [256, 256, 256]]) {
    const a = new Tensor(randomArray(M * K, rand), [M, K]);
    const b = new Tensor(randomArray(K * N, rand), [K, N]);
    const w = new Tensor(randomArray(N * K, rand), [N, K]);
    expect((await matmul(a, b)).data).toEqual(matmulSync(a, b).data);
    expect((await linear(a, w, undefined, { activation: 'tanh' })).data).toEqual(linearSync(a, w, undefined, { activation: 'tanh' }).data);
    const layer = packLinear(w);
    expect((await layer.forward(a)).data).toEqual(layer.forwardSync(a).data);
    layer.dispose();
  }
  const x = new Tensor(randomArray(300 * 300, rand), [300, 300]);
  expect((await softmax(x)).data).toEqual(softmaxSync(x).data);
});

test('a large async matmul does not block the event loop', async () => {
  const n = 1024;
  const a = new Tensor(randomArray(n * n, rand), [n, n]);
  const b = new Tensor(randomArray(n * n, rand), [n, n]);
  const order: string[] = [];
  const p = matmul(a, b).then(() => order.push('matmul'));
  await new Promise((r) => setImmediate(r)).then(() => order.push('immediate'));
  await p;
  expect(order).toEqual(['immediate', 'matmul']);
});
