// The CUDA backend through @amaas/core. Without a usable GPU (CI): engineInfo says why, and every
// GPU entry throws the coded UnavailableError with that reason instead of crashing or falling back.
// With one: GPU results against the CPU (matmul, int8 matmul, Mlp.fit on device 'cuda').
import { cudaInfo, cudaMatmul, cudaQmatmul, engineInfo, matmulSync, Mlp, predictProbaOn, quantizeWeightsInt8, resolveDevice, Tensor, UnavailableError } from '../src';
import { mulberry32, randomArray } from './helpers';

const gpu = engineInfo().cuda.available;
const gpuTest = gpu ? test : test.skip;
if (!gpu) console.log(`CUDA tests skipped: ${engineInfo().cuda.reason}`);

function tensor(rows: number, cols: number, seed: number): Tensor {
  return Tensor.from(randomArray(rows * cols, mulberry32(seed)), [rows, cols]);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; ++i) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('cuda: always', () => {
  test('engineInfo and cudaInfo agree and give a reason when unavailable', () => {
    const e = engineInfo().cuda;
    const c = cudaInfo();
    expect(c.available).toBe(e.available);
    expect(typeof e.reason).toBe('string');
    expect(e.reason.length).toBeGreaterThan(0);
    if (!c.available) {
      expect(e.reason).toContain(c.reason);
      expect(c.reason).toMatch(/built without CUDA|no NVIDIA driver|driver too old|no CUDA device|compute capability|CUDA initialisation failed/);
    }
  });

  test('device names are validated', () => {
    expect(() => resolveDevice('tpu', 'fit')).toThrow(/Expected/);
    expect(resolveDevice('cpu', 'fit')).toBe('cpu');
  });

  (gpu ? test.skip : test)('without a device, GPU entries throw UNAVAILABLE with the reason', async () => {
    const reason = engineInfo().cuda.reason;
    const a = tensor(3, 4, 1), b = tensor(4, 2, 2);
    await expect(cudaMatmul(a, b)).rejects.toBeInstanceOf(UnavailableError);
    await expect(cudaMatmul(a, b)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const w = quantizeWeightsInt8(tensor(2, 4, 3));  // the CPU twin works everywhere
    await expect(cudaQmatmul(a, w)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(() => resolveDevice('cuda', 'fit')).toThrow(UnavailableError);
    const mlp = new Mlp({ layers: [4, 5, 2], seed: 1 });
    const err = await mlp.fit(a, new Float32Array([0, 1, 0]), { epochs: 1, device: 'cuda' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toContain(cudaInfo().reason);
    expect(reason.length).toBeGreaterThan(0);
    await expect(predictProbaOn(mlp, a, 'cuda')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const cpu = await predictProbaOn(mlp, a, 'cpu').catch((e: unknown) => e);  // not fitted: the CPU path's coded error
    expect((cpu as { code?: string }).code).toBe('NOT_FITTED');
  });
});

describe('cuda: on a device', () => {
  gpuTest('cudaMatmul fp32 / tf32 / bf16 match the CPU within their tolerances', async () => {
    const a = tensor(129, 257, 4), b = tensor(257, 33, 5);
    const cpu = matmulSync(a, b).values();
    for (const [precision, tol] of [['fp32', 1e-4 * Math.sqrt(257)], ['tf32', 0.02 * 16], ['bf16', 0.04 * 16]] as const) {
      const out = await cudaMatmul(a, b, { precision });
      expect(out.shape).toEqual([129, 33]);
      expect(maxAbsDiff(out.values(), cpu)).toBeLessThan(tol);
    }
  });

  gpuTest('cudaQmatmul is close to the fp32 product', async () => {
    const x = tensor(33, 64, 6), w = tensor(7, 64, 7);
    const q = quantizeWeightsInt8(w);
    const out = await cudaQmatmul(x, q);
    const cpu = matmulSync(x, w.transpose()).values();
    expect(maxAbsDiff(out.values(), cpu)).toBeLessThan(0.1);
  });

  gpuTest('Mlp.fit with device cuda tracks the CPU run', async () => {
    const rand = mulberry32(8);
    const x = Tensor.from(randomArray(256 * 8, rand), [256, 8]);
    const y = new Float32Array(256).map((_, i) => (x.values()[i * 8] > 0 ? 1 : 0));
    const opts = { layers: [8, 16, 2], seed: 3 };
    const cpu = new Mlp(opts), dev = new Mlp(opts);
    const h1 = await cpu.fit(x, y, { epochs: 3, batchSize: 32, optimizer: 'sgd', seed: 1 });
    const h2 = await dev.fit(x, y, { epochs: 3, batchSize: 32, optimizer: 'sgd', seed: 1, device: 'cuda' });
    expect(h2.epochs.length).toBe(h1.epochs.length);
    expect(Math.abs(h2.epochs[2].loss - h1.epochs[2].loss)).toBeLessThan(1e-3);
    const p1 = (await cpu.predictProba(x)).values(), p2 = (await predictProbaOn(dev, x, 'cuda')).values();
    const p2cpu = (await dev.predictProba(x)).values();
    expect(maxAbsDiff(p2, p2cpu)).toBeLessThan(1e-4);
    expect(p1.length).toBe(p2.length);
  });
});
