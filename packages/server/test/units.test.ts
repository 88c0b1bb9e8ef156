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
