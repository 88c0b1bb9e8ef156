// Unit tests of the pieces with rules of their own: the Prometheus text format, the batcher's
// bounds, key hashing and patterns, the adapter's duck-typed MLP path, TF path parsing.
import { Tensor } from '@amaas/core';
import { globMatch, hasScope } from '../src/auth';
import { Batcher, DEFAULT_BATCHING } from '../src/batching';
import { HttpError, toHttpError } from '../src/errors';
import { hashKey, KeyStore } from '../src/keys';
import { MetricsRegistry } from '../src/metrics';
import { adapt } from '../src/models/adapter';
import { parseTfPath } from '../src/protocols/tfserving';
import { checkPredictRequest, checkV2Request } from '../src/protocols/hot-check';
import { tfPredictRequest, v2InferenceRequest } from '../src/protocols/schemas';
import { ConflictError, NotFoundError, ShapeError, InternalError } from '@amaas/core';
import { irisMlp, tempDir } from './helpers';
import * as fs from 'node:fs';

test('metrics render the Prometheus text format with cumulative buckets and escaped labels', () => {
  const r = new MetricsRegistry();
  const c = r.counter('reqs_total', 'requests', ['code']);
  const h = r.histogram('lat_seconds', 'latency', ['model'], [0.1, 1]);
  c.inc({ code: 200 });
  c.inc({ code: 200 });
  h.observe({ model: 'a"b' }, 0.05);
  h.observe({ model: 'a"b' }, 0.5);
  h.observe({ model: 'a"b' }, 5);
  const text = r.render();
  expect(text).toContain('# TYPE reqs_total counter\nreqs_total{code="200"} 2');
  expect(text).toContain('lat_seconds_bucket{model="a\\"b",le="0.1"} 1');
  expect(text).toContain('lat_seconds_bucket{model="a\\"b",le="1"} 2');
  expect(text).toContain('lat_seconds_bucket{model="a\\"b",le="+Inf"} 3');
  expect(text).toContain('lat_seconds_count{model="a\\"b"} 3');
});

test('errors: core codes map to statuses, unknown errors become a generic 500', () => {
  expect(toHttpError(new ShapeError('bad')).error.status).toBe(400);
  expect(toHttpError(new NotFoundError('x')).error.status).toBe(404);
  expect(toHttpError(new ConflictError('x')).error.status).toBe(409);
  const internal = toHttpError(new InternalError('secret path /etc/x'));
  expect(internal.error.status).toBe(500);
  expect(internal.error.message).not.toMatch(/secret/);
  expect(toHttpError(new Error('boom at /src/x.ts:1')).error.message).toBe('internal error');
});

describe('batcher', () => {
  test('concurrent requests share one batch and get their own rows back', async () => {
    const mlp = await irisMlp(2, 5);
    const a = adapt(mlp);
    const sizes: number[] = [];
    const b = new Batcher(a, { ...DEFAULT_BATCHING, maxBatchSize: 8 }, { batch: (n) => void sizes.push(n), queued: () => undefined, queueRows: () => undefined });
    const rows = [Float32Array.of(5.1, 3.5, 1.4, 0.2), Float32Array.of(6.7, 3.0, 5.2, 2.3), Float32Array.of(5.9, 3.0, 4.2, 1.5)];
    const outs = await Promise.all(rows.map((x) => b.submit({ type: 'float', x, n: 1 })));
    expect(sizes).toEqual([3]);
    // same values up to float rounding (a 3-row GEMM may sum in another order than a 1-row one)
    rows.forEach((x, i) => {
      const want = mlp.predictProbaSync(new Tensor(x, [1, 4])).values();
      expect(outs[i]).toHaveLength(3);
      outs[i].forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThan(1e-6));
    });
  });
  test('a full queue refuses with 503 + Retry-After instead of queueing', async () => {
    const a = adapt(await irisMlp(2, 5));
    const b = new Batcher(a, { ...DEFAULT_BATCHING, maxQueueRows: 2 }, { batch: () => undefined, queued: () => undefined, queueRows: () => undefined });
    const x = new Float32Array(8);
    const first = b.submit({ type: 'float', x, n: 2 });
    let refused: unknown;
    try {
      void b.submit({ type: 'float', x: new Float32Array(4), n: 1 });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(503);
    expect((refused as HttpError).headers['retry-after']).toBe('1');
    await first;
  });
});

test('keys: only the sha256 is stored; verify, revoke, patterns and scopes', () => {
  const dir = tempDir();
  const ks = KeyStore.open(dir);
  try {
    const k = ks.create({ name: 'ci', scopes: ['infer'], models: ['fraud-*'] });
    expect(k.key).toMatch(/^amk_[A-Za-z0-9_-]{43}$/);
    expect(hashKey(k.key)).toHaveLength(64);
    expect(ks.verify(k.key)!.name).toBe('ci');
    expect(ks.verify(k.key + 'x')).toBeNull();
    expect(() => ks.create({ name: 'ci', scopes: ['read'] })).toThrow(/already exists/);
    expect(() => ks.create({ name: 'bad', scopes: ['root' as 'read'] })).toThrow(/scopes/);
    ks.revoke('ci');
    expect(ks.verify(k.key)).toBeNull();
    expect(ks.activeCount()).toBe(0);
  } finally {
    ks.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(globMatch('fraud-*', 'fraud-v2')).toBe(true);
  expect(globMatch('fraud-*', 'fraudv2')).toBe(false);
  expect(globMatch('a.b', 'axb')).toBe(false);
  const rec = { id: 'k', name: 'n', scopes: ['manage' as const], models: ['*'], createdAt: '', revokedAt: null };
  expect(hasScope(rec, 'read')).toBe(true);
  expect(hasScope(rec, 'infer')).toBe(false);
});

test('an unknown kind with the MLP inference surface is served like an Mlp (quantized-mlp)', async () => {
  const mlp = await irisMlp(4, 5);
  // what the quantized MLP of core exposes: inputs, outputs, predictProbaSync, predictProba, toJSON().kind
  const quantizedLike = {
    inputs: mlp.inputs,
    outputs: mlp.outputs,
    predictProbaSync: (x: Tensor) => mlp.predictProbaSync(x),
    predictProba: (x: Tensor) => mlp.predictProba(x),
    toJSON: () => ({ kind: 'quantized-mlp' }),
  };
  const a = adapt(quantizedLike);
  expect(a.kind).toBe('quantized-mlp');
  expect(a.input).toEqual({ name: 'x', type: 'float', features: 4 });
  expect(a.output).toEqual({ name: 'y', width: 3, rank: 2 });
  const out = await a.run({ type: 'float', x: Float32Array.of(5.1, 3.5, 1.4, 0.2), n: 1 });
  expect(out).toHaveLength(3);
  expect(() => a.explain(new Float32Array(4), 1, {})).toThrow(/not supported/);
});

test('TF Serving paths', () => {
  expect(parseTfPath('/v1/models/default:predict')).toEqual({ model: 'default', selector: {}, verb: 'predict' });
  expect(parseTfPath('/v1/models/m/versions/3:classify')).toEqual({ model: 'm', selector: { version: '3' }, verb: 'classify' });
  expect(parseTfPath('/v1/models/m/labels/canary/metadata')).toEqual({ model: 'm', selector: { label: 'canary' }, verb: 'metadata' });
  expect(parseTfPath('/v1/models/m')).toEqual({ model: 'm', selector: {}, verb: 'status' });
  expect(parseTfPath('/v1/models/m:delete')).toBeNull();
  expect(parseTfPath('/v1/models/%E0%A4%A:predict')).toBeNull();
});

describe('hot-path request checks agree with the zod schemas they stand in for', () => {
  // deterministic random JSON values, biased towards the shapes of real requests
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const atoms: unknown[] = [null, true, false, 0, -1, 1.5, 3, 2 ** 53, 'x', '', 'FP32', [], {}, [1, 2], { a: 1 }, [[1], [2]]];
  const pick = (): unknown => atoms[Math.floor(rnd() * atoms.length)];
  const maybe = <T>(v: () => T, p = 0.5): T | undefined => (rnd() < p ? v() : undefined);
  const strip = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o)) as unknown;
  const tensor = () => strip({ name: maybe(() => (rnd() < 0.8 ? 'x' : pick()), 0.9), shape: maybe(() => (rnd() < 0.7 ? [1, 4] : [pick(), 2]), 0.9), datatype: maybe(() => (rnd() < 0.8 ? 'FP32' : pick()), 0.9), data: maybe(() => (rnd() < 0.7 ? [1, 2, 3, 4] : pick())), parameters: maybe(() => (rnd() < 0.7 ? { binary_data_size: 16 } : pick()), 0.3), extra: maybe(pick, 0.2) });
  const v2Body = (): unknown => (rnd() < 0.05 ? pick() : strip({ id: maybe(() => (rnd() < 0.7 ? 'r1' : pick()), 0.3), parameters: maybe(() => (rnd() < 0.7 ? { binary_data_output: true } : pick()), 0.3), inputs: maybe(() => (rnd() < 0.85 ? Array.from({ length: Math.floor(rnd() * 3) }, tensor) : pick()), 0.95), outputs: maybe(() => (rnd() < 0.7 ? [strip({ name: rnd() < 0.8 ? 'y' : pick(), parameters: maybe(() => ({ binary_data: true }), 0.3) })] : pick()), 0.3) }));
  const predictBody = (): unknown => (rnd() < 0.05 ? pick() : strip({ signature_name: maybe(() => (rnd() < 0.8 ? 'serving_default' : pick()), 0.2), instances: maybe(() => (rnd() < 0.8 ? [[1, 2, 3, 4]] : pick())), inputs: maybe(pick, 0.4), other: maybe(pick, 0.2) }));
  const verdict = <T>(fn: () => T): { ok: boolean; value?: T } => {
    try {
      return { ok: true, value: fn() };
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 400) throw err;
      return { ok: false };
    }
  };

  test('V2 inference request: checkV2Request vs v2InferenceRequest on 3000 bodies', () => {
    let accepted = 0;
    for (let i = 0; i < 3000; ++i) {
      const body = v2Body();
      const z = v2InferenceRequest.safeParse(body);
      const h = verdict(() => checkV2Request(body));
      expect([JSON.stringify(body), h.ok]).toEqual([JSON.stringify(body), z.success]);
      if (z.success) {
        accepted++;
        expect(h.value).toEqual(z.data);
      }
    }
    expect(accepted).toBeGreaterThan(100); // the corpus exercises both verdicts
  });

  test('TF predict request: checkPredictRequest vs tfPredictRequest on 3000 bodies', () => {
    let accepted = 0;
    for (let i = 0; i < 3000; ++i) {
      const body = predictBody();
      const z = tfPredictRequest.safeParse(body);
      const h = verdict(() => checkPredictRequest(body));
      expect([JSON.stringify(body), h.ok]).toEqual([JSON.stringify(body), z.success]);
      if (z.success) {
        accepted++;
        expect(h.value).toEqual(z.data);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
