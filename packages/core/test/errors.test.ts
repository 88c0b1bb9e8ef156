// Bad input never crashes the process: each case gets a coded error whose message says what
// was expected and what was received. Covers the core API and the raw binding underneath.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  AmaasError, ArgumentError, BusyError, DisposedError, matmul, matmulSync, packLinear, setIsa, setThreads,
  ShapeError, Tensor, TypeMismatchError, linearSync, engineInfo, softmaxSync,
} from '../src';

const nativeBinding = require('@amaas/native');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

test('mismatched shapes', () => {
  const a = Tensor.zeros([2, 3]);
  expect(() => matmulSync(a, Tensor.zeros([4, 2]))).toThrow(ShapeError);
  expect(() => matmulSync(a, Tensor.zeros([4, 2]))).toThrow(/expected b.shape\[0\] = 3 but received 4/);
  expect(() => matmulSync(a, Tensor.zeros([3, 2]), { out: Tensor.zeros([2, 3]) })).toThrow(/Expected out of shape \[2,2\]/);
  expect(() => linearSync(a, Tensor.zeros([5, 4]))).toThrow(ShapeError);
  expect(() => linearSync(a, Tensor.zeros([5, 3]), Tensor.zeros([4]))).toThrow(/Expected bias of shape \[5\]/);
  expect(() => packLinear(Tensor.zeros([5, 3])).forwardSync(Tensor.zeros([1, 4]))).toThrow(/Expected x with 3 features/);
  expect(() => matmulSync(Tensor.zeros([6]), a)).toThrow(/Expected a 2-D tensor for a/);
  expect(() => Tensor.zeros([2, 3]).reshape([4, 2])).toThrow(ShapeError);
  expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(/needs 6 elements but data has 5/);
});

test('non-Float32Array data', () => {
  expect(() => new Tensor(new Float64Array(6) as unknown as Float32Array, [2, 3])).toThrow(TypeMismatchError);
  expect(() => new Tensor(new Float64Array(6) as unknown as Float32Array, [2, 3])).toThrow(
    'Expected Float32Array for data but received Float64Array',
  );
  expect(() => matmulSync([[1]] as unknown as Tensor, Tensor.zeros([1, 1]))).toThrow(/Expected Tensor for a but received Array/);
  expect(() => Tensor.from([[1, 2], [3, 'x' as unknown as number]])).toThrow(/Expected number at \[1\]\[1\]/);
  expect(() => Tensor.from([[1, 2], [3]])).toThrow(/row 1 has 1/);
});

test('NaN sizes and zero-size dimensions', () => {
  expect(() => Tensor.zeros([NaN, 2])).toThrow(ArgumentError);
  expect(() => Tensor.zeros([NaN, 2])).toThrow(/Expected positive integer dimensions for shape but received \[NaN, 2\]/);
  expect(() => Tensor.zeros([0, 3])).toThrow(/received \[0, 3\]/);
  expect(() => Tensor.zeros([2.5])).toThrow(ArgumentError);
  expect(() => setThreads(0)).toThrow('Expected positive integer for threads but received 0');
  expect(() => setIsa('sse9' as never)).toThrow(/Expected one of 'scalar', 'avx2', 'avx512' for isa/);
  expect(() => linearSync(Tensor.zeros([1, 1]), Tensor.zeros([1, 1]), undefined, { activation: 'swish' as never })).toThrow(
    /for activation but received 'swish'/,
  );
});

test('the raw binding checks everything again and never crashes', () => {
  const f = new Float32Array(16);
  const ok = (): unknown[] => [f, 0, 4, new Float32Array(16), 0, 4, new Float32Array(16), 0, 4, 4, 4, 4, false, false, 1, 0, null, 0, 0];
  const call = (patch: (a: unknown[]) => void) => codeOf(() => {
    const args = ok();
    patch(args);
    nativeBinding.sgemm(...args);
  });
  expect(call(() => {})).toBeUndefined();
  expect(call((a) => (a[3] = new Float64Array(16)))).toBe('INVALID_TYPE');
  expect(call((a) => (a[9] = NaN))).toBe('INVALID_ARGUMENT');
  expect(call((a) => (a[9] = 0))).toBe('INVALID_ARGUMENT');
  expect(call((a) => (a[10] = -1))).toBe('INVALID_ARGUMENT');
  expect(call((a) => (a[11] = 2 ** 60))).toBe('INVALID_ARGUMENT');
  expect(call((a) => (a[9] = 5))).toBe('SHAPE_MISMATCH');           // C too small
  expect(call((a) => (a[5] = 3))).toBe('SHAPE_MISMATCH');           // lda < K
  expect(call((a) => (a[4] = 1))).toBe('SHAPE_MISMATCH');           // offset pushes A past its end
  expect(call((a) => (a[3] = f))).toBe('INVALID_ARGUMENT');         // C aliases A
  expect(call((a) => (a[18] = 9))).toBe('INVALID_ARGUMENT');        // unknown activation
  expect(call((a) => (a[16] = new Float32Array(2)))).toBe('SHAPE_MISMATCH'); // bias too short
  expect(call((a) => a.pop())).toBe('INVALID_ARGUMENT');            // arity
  expect(codeOf(() => nativeBinding.packB(new Float32Array(4), 0, 2, 2, 3, false))).toBe('SHAPE_MISMATCH');
  expect(codeOf(() => nativeBinding.softmax(f, 0, 4, f, 1, 4, 3, 4))).toBe('INVALID_ARGUMENT'); // partial overlap
  expect(codeOf(() => nativeBinding.setIsa('mmx'))).toBe('INVALID_ARGUMENT');
  expect(codeOf(() => nativeBinding.sgemmPacked(f, 0, 4, f, 0, 4, {}, 4, false, 1, 0, null, 0, 0))).toBe('INVALID_TYPE');
});

test('a child process survives a barrage of hostile calls and exits cleanly', () => {
  const script = `
    const n = require(${JSON.stringify(require.resolve('@amaas/native'))});
    const vals = [undefined, null, NaN, -1, 0, 1.5, 2 ** 53, '4', {}, [], new Float64Array(4), new Float32Array(0), new Float32Array(4)];
    let errors = 0;
    for (let i = 0; i < 19; ++i) for (const v of vals) {
      const args = [new Float32Array(16), 0, 4, new Float32Array(16), 0, 4, new Float32Array(16), 0, 4, 4, 4, 4, false, false, 1, 0, null, 0, 0];
      args[i] = v;
      try { n.sgemm(...args); } catch (e) { if (typeof e.code !== 'string') throw e; errors++; }
    }
    console.log(JSON.stringify({ errors })); // JSON: never coloured, even under FORCE_COLOR
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: path.join(__dirname, '..') });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).errors).toBeGreaterThan(150);
});

test('busy and disposed guards', async () => {
  const n = 512;
  const a = Tensor.zeros([n, n]), b = Tensor.zeros([n, n]), out = Tensor.zeros([n, n]);
  const p = matmul(a, b, { out });
  expect(() => out.set(1, 0, 0)).toThrow(BusyError);
  expect(() => matmulSync(a, b, { out })).toThrow(/being used by a running async operation/);
  await p;
  out.set(1, 0, 0);

  const layer = packLinear(Tensor.zeros([600, 700]));
  const x = Tensor.zeros([64, 700]);
  const pending = layer.forward(x);
  expect(codeOf(() => layer.dispose())).toBe('RESOURCE_BUSY');
  await pending;
  layer.dispose();
  expect(() => layer.forwardSync(x)).toThrow(DisposedError);
  layer.dispose(); // idempotent
});

test('async errors reject with coded errors', async () => {
  await expect(matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3]))).rejects.toBeInstanceOf(ShapeError);
  await expect(matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3]))).rejects.toHaveProperty('code', 'SHAPE_MISMATCH');
  expect(softmaxSync(Tensor.zeros([1, 1])).get(0, 0)).toBe(1);
  expect(new ShapeError('x')).toBeInstanceOf(AmaasError);
});

test('engineInfo reports version, ISA, threads and CUDA status', () => {
  const info = engineInfo();
  expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(info.isas).toContain('scalar');
  expect(info.isas).toContain(info.isa);
  expect(info.threads).toBeGreaterThanOrEqual(1);
  expect(typeof info.cuda.available).toBe('boolean');
  if (!info.cuda.available) expect(info.cuda.reason.length).toBeGreaterThan(0);
});

test('AMAAS_ISA and AMAAS_THREADS are honoured at load', () => {
  const script = `const i = require('@amaas/native').engineInfo(); console.log(JSON.stringify({ isa: i.isa, reason: i.isaReason, threads: i.threads }));`;
  const run = (env: Record<string, string>) =>
    JSON.parse(spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: path.join(__dirname, '..') }).stdout);
  const forced = run({ AMAAS_ISA: 'scalar', AMAAS_THREADS: '1' });
  expect(forced).toEqual({ isa: 'scalar', reason: 'forced by AMAAS_ISA=scalar', threads: 1 });
  const bogus = run({ AMAAS_ISA: 'sse9' });
  expect(bogus.reason).toMatch(/AMAAS_ISA=sse9 is not one of scalar\|avx2\|avx512/);
});

test('native errors map to the hierarchy even across realms', async () => {
  const layer = packLinear(Tensor.zeros([300, 300]));
  const pending = layer.forward(Tensor.zeros([64, 300]));
  expect(() => layer.dispose()).toThrow(BusyError);
  await pending;
  // A SHAPE_MISMATCH raised by the addon itself (past the TS checks) keeps its class.
  const { fromNative } = require('../src/errors');
  const err = fromNative(Object.assign(new Error('x'), { code: 'SHAPE_MISMATCH' }));
  expect(err).toBeInstanceOf(ShapeError);
});
