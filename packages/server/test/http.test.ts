// HTTP tests against createApp() served by a plain node:http server on a free port: auth scopes,
// the 401/403/404/413/429/503 paths, malformed bodies, shapes, the binary tensor extension,
// text models, :explain, metrics, OpenAPI and the management API.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { LinearRegression, quantize, Registry, serializeModel, Tensor } from '@amaas/core';
import { createApp, KeyStore, type AmaasApp } from '../src';
import { call, halfPlusTwo, irisLogistic, irisMlp, memoryLog, push, spamText, sumModel, tempDir, wideMlp } from './helpers';

async function listen(app: AmaasApp): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(app.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const X4 = [5.1, 3.5, 1.4, 0.2];

describe('createApp over HTTP', () => {
  const data = tempDir();
  let reg: Registry, keys: KeyStore, app: AmaasApp, url: string, server: http.Server;
  const log = memoryLog();
  const k: Record<string, string> = {};
  const bearer = (name: string) => ({ authorization: `Bearer ${k[name]}` });

  beforeAll(async () => {
    reg = new Registry({ dir: path.join(data, 'registry') });
    keys = KeyStore.open(data);
    await push(reg, 'half', halfPlusTwo());
    await push(reg, 'sum', sumModel());
    const irisNet = await irisMlp();
    await push(reg, 'iris', irisNet);
    await push(reg, 'iris-q4', quantize(irisNet, { scheme: 'int4' }).model);
    await push(reg, 'iris-lr', irisLogistic());
    await push(reg, 'spam', spamText());
    await push(reg, 'wide', wideMlp());
    k.admin = keys.create({ name: 'admin', scopes: ['admin'] }).key;
    k.infer = keys.create({ name: 'infer', scopes: ['infer'] }).key;
    k.irisOnly = keys.create({ name: 'iris-only', scopes: ['infer', 'read'], models: ['iris*'] }).key;
    k.reader = keys.create({ name: 'reader', scopes: ['read'] }).key;
    k.manager = keys.create({ name: 'manager', scopes: ['manage'] }).key;
    k.limited = keys.create({ name: 'limited', scopes: ['infer'] }).key;
    app = await createApp({ registry: reg, keys, manage: true, log: log.sink, bodyLimitBytes: 64 * 1024, rateLimit: { requestsPerSecond: 1000, burst: 1000 }, pollMs: 0 });
    ({ url, server } = await listen(app));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await app.close();
    keys.close();
    await reg.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  describe('auth', () => {
    test('no key -> 401 with a Bearer challenge; bad key -> 401', async () => {
      const r = await call(url, 'POST', '/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X4 }] });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/Bearer/);
      expect(r.body).toEqual({ error: expect.stringMatching(/API key/) });
      expect((await call(url, 'GET', '/v1/models/iris', undefined, { authorization: 'Bearer amk_nope' })).status).toBe(401);
      expect((await call(url, 'GET', '/v1/models/iris', undefined, { authorization: 'Basic abc' })).status).toBe(401);
    });

    test('scopes: infer may infer, not read; read may read, not infer; patterns restrict models', async () => {
      const body = { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X4 }] };
      expect((await call(url, 'POST', '/v2/models/iris/infer', body, bearer('infer'))).status).toBe(200);
      expect((await call(url, 'GET', '/v2/models/iris', undefined, bearer('infer'))).status).toBe(403);
      expect((await call(url, 'GET', '/v2/models/iris', undefined, bearer('reader'))).status).toBe(200);
      expect((await call(url, 'POST', '/v2/models/iris/infer', body, bearer('reader'))).status).toBe(403);
      expect((await call(url, 'POST', '/v2/models/iris/infer', body, bearer('irisOnly'))).status).toBe(200);
      const other = await call(url, 'POST', '/v1/models/half:predict', { instances: [1] }, bearer('irisOnly'));
      expect(other.status).toBe(403);
      expect((other.body as { error: string }).error).toMatch(/half/);
      expect((await call(url, 'GET', '/metrics', undefined, bearer('infer'))).status).toBe(403);
      expect((await call(url, 'GET', '/metrics', undefined, bearer('manager'))).status).toBe(200); // manage implies read
      expect((await call(url, 'GET', '/manage/keys', undefined, bearer('manager'))).status).toBe(403);
      expect((await call(url, 'GET', '/manage/keys', undefined, bearer('admin'))).status).toBe(200);
    });

    test('health probes need no key; keys are stored hashed', async () => {
      expect((await call(url, 'GET', '/v2/health/live')).status).toBe(200);
      expect((await call(url, 'GET', '/v2/health/ready')).status).toBe(200);
      const db = fs.readFileSync(path.join(data, 'keys.db'));
      expect(db.includes(Buffer.from(k.admin))).toBe(false);
    });

    test('a key created over the API works at once; a revoked one stops', async () => {
      const c = await call(url, 'POST', '/manage/keys', { name: 'temp', scopes: ['read'] }, bearer('admin'));
      expect(c.status).toBe(201);
      const temp = (c.body as { key: string; id: string });
      expect(temp.key).toMatch(/^amk_/);
      expect((await call(url, 'GET', '/v2/models/iris', undefined, { authorization: `Bearer ${temp.key}` })).status).toBe(200);
      expect((await call(url, 'DELETE', `/manage/keys/${temp.id}`, undefined, bearer('admin'))).status).toBe(204);
      expect((await call(url, 'GET', '/v2/models/iris', undefined, { authorization: `Bearer ${temp.key}` })).status).toBe(401);
      const list = (await call(url, 'GET', '/manage/keys', undefined, bearer('admin'))).body as { keys: object[] };
      expect(JSON.stringify(list)).not.toMatch(/amk_/);
    });
  });

  describe('inference paths', () => {
    const H = () => bearer('admin');

    test('V2 JSON and TF predict agree on the MLP; versions and labels select', async () => {
      const v2 = await call(url, 'POST', '/v2/models/iris/versions/1/infer', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP64', data: [X4] }] }, H());
      const tf = await call(url, 'POST', '/v1/models/iris/versions/1:predict', { instances: [X4] }, H());
      expect(v2.status).toBe(200);
      expect(tf.status).toBe(200);
      const a = (v2.body as { outputs: { data: number[] }[] }).outputs[0].data;
      const b = (tf.body as { predictions: number[][] }).predictions[0];
      expect(a).toEqual(b);
      expect((await call(url, 'POST', '/v1/models/iris/versions/9:predict', { instances: [X4] }, H())).status).toBe(404);
      expect((await call(url, 'POST', '/v1/models/iris/labels/nope:predict', { instances: [X4] }, H())).status).toBe(404);
      expect((await call(url, 'POST', '/v2/models/nope/infer', { inputs: [] }, H())).status).toBe(404);
    });

    test('binary tensor extension: binary in, binary out, same numbers as JSON', async () => {
      const x = Float32Array.from([...X4, 6.7, 3.0, 5.2, 2.3]);
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }], parameters: { binary_data_output: true } }));
      const res = await fetch(`${url}/v2/models/iris/infer`, {
        method: 'POST',
        headers: { ...H(), 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
        body: Buffer.concat([header, Buffer.from(x.buffer)]),
      });
      expect(res.status).toBe(200);
      const hl = Number(res.headers.get('inference-header-content-length'));
      const buf = Buffer.from(await res.arrayBuffer());
      const head = JSON.parse(buf.subarray(0, hl).toString()) as { outputs: { shape: number[]; parameters: { binary_data_size: number } }[] };
      expect(head.outputs[0].shape).toEqual([2, 3]);
      expect(head.outputs[0].parameters.binary_data_size).toBe(24);
      const out = new Float32Array(buf.subarray(hl).buffer.slice(buf.byteOffset + hl, buf.byteOffset + buf.length));
      const json = await call(url, 'POST', '/v2/models/iris/infer', { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: Array.from(x) }] }, H());
      expect(Array.from(out)).toEqual((json.body as { outputs: { data: number[] }[] }).outputs[0].data);
      // wrong binary size
      const short = await fetch(`${url}/v2/models/iris/infer`, {
        method: 'POST',
        headers: { ...H(), 'inference-header-content-length': String(header.length) },
        body: Buffer.concat([header, Buffer.from(x.buffer).subarray(0, 20)]),
      });
      expect(short.status).toBe(400);
      expect((await short.json()) as object).toEqual({ error: expect.any(String) });
    });

    test('binary answers: the cached header (no id) and the built one (with id) say the same for every row count', async () => {
      const rows = [X4, [6.7, 3.0, 5.2, 2.3], [5.0, 3.4, 1.5, 0.2]];
      const ask = async (n: number, id?: string) => {
        const x = Float32Array.from(rows.slice(0, n).flat());
        const header = Buffer.from(JSON.stringify({ ...(id ? { id } : {}), inputs: [{ name: 'x', shape: [n, 4], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }], parameters: { binary_data_output: true } }));
        const res = await fetch(`${url}/v2/models/iris/infer`, {
          method: 'POST',
          headers: { ...H(), 'inference-header-content-length': String(header.length) },
          body: Buffer.concat([header, Buffer.from(x.buffer)]),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-request-id')).toBeTruthy();
        const hl = Number(res.headers.get('inference-header-content-length'));
        const buf = Buffer.from(await res.arrayBuffer());
        expect(Number(res.headers.get('content-length'))).toBe(buf.length);
        return { head: JSON.parse(buf.subarray(0, hl).toString()) as Record<string, unknown>, data: Array.from(new Float32Array(buf.subarray(hl).buffer.slice(buf.byteOffset + hl, buf.byteOffset + buf.length))) };
      };
      for (const n of [1, 3, 2, 1, 3]) {
        const cached = await ask(n);
        const built = await ask(n, `req-${n}`);
        expect(built.head).toEqual({ ...cached.head, id: `req-${n}` });
        expect(cached.head.outputs).toEqual([{ name: expect.any(String), datatype: 'FP32', shape: [n, 3], parameters: { binary_data_size: n * 12 } }]);
        expect(cached.data).toEqual(built.data);
        expect(cached.data).toHaveLength(n * 3);
      }
    });

    test('binary tensors of other datatypes: BYTES (length-prefixed), INT8, FP16, FP64', async () => {
      const post = (model: string, header: object, bin: Buffer) => {
        const h = Buffer.from(JSON.stringify(header));
        return fetch(`${url}/v2/models/${model}/infer`, { method: 'POST', headers: { ...H(), 'inference-header-content-length': String(h.length) }, body: Buffer.concat([h, bin]) });
      };
      const texts = ['free prize now', 'team meeting'];
      const bytes = Buffer.concat(texts.flatMap((t) => { const b = Buffer.from(t); const len = Buffer.alloc(4); len.writeUInt32LE(b.length); return [len, b]; }));
      const r = await post('spam', { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: bytes.length } }] }, bytes);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { outputs: { shape: number[] }[] }).outputs[0].shape).toEqual([2, 2]);
      const want = (await call(url, 'POST', '/v2/models/sum/infer', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, H())).body as { outputs: { data: number[] }[] };
      const encodings: [string, Buffer][] = [
        ['INT8', Buffer.from(Int8Array.of(1, 2, 3).buffer)],
        ['FP16', Buffer.from(Uint16Array.of(0x3c00, 0x4000, 0x4200).buffer)], // 1, 2, 3 as halves
        ['FP64', Buffer.from(Float64Array.of(1, 2, 3).buffer)],
        ['INT64', Buffer.from(BigInt64Array.of(1n, 2n, 3n).buffer)],
      ];
      for (const [datatype, bin] of encodings) {
        const res = await post('sum', { inputs: [{ name: 'x', shape: [1, 3], datatype, parameters: { binary_data_size: bin.length } }] }, bin);
        expect([datatype, res.status]).toEqual([datatype, 200]);
        expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0].data).toEqual(want.outputs[0].data);
      }
      const bad = await post('spam', { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: 6 } }] }, Buffer.from([9, 0, 0, 0, 65, 66]));
      expect(bad.status).toBe(400);
    });

    test('text models take V2 BYTES and TF strings; classify names classes', async () => {
      const v2 = await call(url, 'POST', '/v2/models/spam/infer', { inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['free prize now', 'team meeting tomorrow'] }] }, H());
      expect(v2.status).toBe(200);
      const p = (v2.body as { outputs: { shape: number[]; data: number[] }[] }).outputs[0];
      expect(p.shape).toEqual([2, 2]);
      const cls = await call(url, 'POST', '/v1/models/spam:classify', { examples: [{ text: 'free money' }] }, H());
      expect(cls.status).toBe(200);
      const results = (cls.body as { results: [string, number][][] }).results[0];
      expect(results.map((r) => r[0]).sort()).toEqual(['ham', 'spam']);
      expect((await call(url, 'POST', '/v1/models/spam:predict', { instances: ['free prize'] }, H())).status).toBe(200);
      expect((await call(url, 'POST', '/v2/models/spam/infer', { inputs: [{ name: 'text', shape: [1], datatype: 'FP32', data: [1] }] }, H())).status).toBe(400);
    });

    test('TF strings as {"b64": ...} (bare, named, or columnar) answer as the plain text does; bad base64 is a 400', async () => {
      const texts = ['free prize now', 'team meeting tomorrow ✓'];
      const b64 = (t: string) => ({ b64: Buffer.from(t, 'utf8').toString('base64') });
      const plain = (await call(url, 'POST', '/v1/models/spam:predict', { instances: texts }, H())).body as { predictions: number[][] };
      for (const body of [{ instances: texts.map(b64) }, { instances: texts.map((t) => ({ text: b64(t) })) }, { inputs: texts.map(b64) }]) {
        const r = await call(url, 'POST', '/v1/models/spam:predict', body, H());
        expect(r.status).toBe(200);
        const got = r.body as { predictions?: number[][]; outputs?: number[][] };
        expect(got.predictions ?? got.outputs).toEqual(plain.predictions);
      }
      for (const bad of [{ b64: 'not base64!' }, { b64: 12 }, { b64: 'abcde' }]) {
        const r = await call(url, 'POST', '/v1/models/spam:predict', { instances: [bad] }, H());
        expect(r.status).toBe(400);
        expect((r.body as { error: string }).error).toMatch(/instance 0: Expected \{"b64": "<base64 string>"\}/);
      }
    });

    test('malformed JSON and wrong shapes are 400s, never crashes', async () => {
      const cases: [string, string, unknown][] = [
        ['/v2/models/iris/infer', 'POST', '{"inputs": [ {'],
        ['/v1/models/iris:predict', 'POST', '{nope'],
        ['/v2/models/iris/infer', 'POST', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }],
        ['/v2/models/iris/infer', 'POST', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }],
        ['/v2/models/iris/infer', 'POST', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 'a'] }] }],
        ['/v2/models/iris/infer', 'POST', { inputs: [{ name: 'x', shape: [-1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }],
        ['/v2/models/iris/infer', 'POST', { inputs: 'x' }],
        ['/v2/models/iris/infer', 'POST', []],
        ['/v1/models/iris:predict', 'POST', { instances: [[1, 2, 3]] }],
        ['/v1/models/iris:predict', 'POST', { instances: [[1, 2, 3, 4]], inputs: [[1, 2, 3, 4]] }],
        ['/v1/models/iris:predict', 'POST', { instances: [] }],
        ['/v1/models/iris:predict', 'POST', { instances: [{ q: 1 }] }],
        ['/v1/models/iris:regress', 'POST', { examples: [{ x: X4 }] }],
        ['/v1/models/half:classify', 'POST', { examples: 'x' }],
        ['/v2/models/iris/versions/abc/infer', 'POST', { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X4 }] }],
      ];
      for (const [p, m, body] of cases) {
        const r = await call(url, m, p, body, H());
        expect([p, body, r.status]).toEqual([p, body, 400]);
        expect(Object.keys(r.body as object)).toEqual(['error']);
        expect(r.text).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
      }
    });

    test('random hostile bodies get 4xx answers and the server keeps serving', async () => {
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const values = [null, true, -1, 0, 1e308, -1e308, 'x', '', [], {}, [[]], { name: 'x' }, 1.5, 2 ** 53, 'INT8', 'BYTES', [1, 2, 3, 4]];
      const pick = () => values[Math.floor(rnd() * values.length)];
      const tensor = () => ({ name: pick(), shape: rnd() < 0.5 ? [1, 4] : pick(), datatype: rnd() < 0.5 ? 'FP32' : pick(), data: rnd() < 0.5 ? [1, 2, 3, 4] : pick(), parameters: rnd() < 0.3 ? { binary_data_size: pick() } : undefined });
      for (let i = 0; i < 150; ++i) {
        const body = rnd() < 0.5 ? { inputs: [tensor()], outputs: rnd() < 0.2 ? [{ name: pick() }] : undefined, id: rnd() < 0.2 ? pick() : undefined } : { instances: [pick(), pick()], inputs: rnd() < 0.3 ? pick() : undefined };
        const p = ['/v2/models/iris/infer', '/v1/models/iris:predict', '/v1/models/spam:predict', '/v2/models/spam/infer', '/v1/models/iris:classify', '/v1/models/sum:explain'][i % 6];
        const headers: Record<string, string> = { ...H() };
        if (rnd() < 0.1) headers['inference-header-content-length'] = String(Math.floor(rnd() * 50));
        const r = await call(url, 'POST', p, JSON.stringify(body), { ...headers, 'content-type': 'application/json' });
        expect([p, r.status >= 400 && r.status < 500 ? 'client error' : r.status === 200 ? 'ok' : r.text]).toEqual([p, expect.stringMatching(/^(client error|ok)$/)]);
      }
      expect((await call(url, 'POST', '/v1/models/iris:predict', { instances: [X4] }, H())).status).toBe(200);
    });

    test('a large batch runs on the worker path and matches the model', async () => {
      const n = 200, d = 64;
      const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i));
      // binary: 51 KB of floats, under this app's 64 KiB body limit
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [n, d], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }] }));
      const r = await fetch(`${url}/v2/models/wide/infer`, {
        method: 'POST',
        headers: { ...H(), 'inference-header-content-length': String(header.length) },
        body: Buffer.concat([header, Buffer.from(x.buffer)]),
      });
      expect(r.status).toBe(200);
      const want = wideMlp().predictProbaSync(new Tensor(x, [n, d])).values();
      const got = ((await r.json()) as { outputs: { data: number[] }[] }).outputs[0].data;
      expect(got.length).toBe(n * 10);
      for (let i = 0; i < got.length; i += 97) expect(got[i]).toBeCloseTo(want[i], 5);
    });

    test('413 on a body over the limit, on both paths', async () => {
      const big = JSON.stringify({ instances: Array.from({ length: 5000 }, () => X4) });
      expect((await call(url, 'POST', '/v1/models/iris:predict', big, { ...H(), 'content-type': 'application/json' })).status).toBe(413);
      const r = await call(url, 'POST', '/v1/models/iris:explain', big, { ...H(), 'content-type': 'application/json' });
      expect(r.status).toBe(413);
      expect(r.body).toEqual({ error: expect.any(String) });
    });
  });

  describe(':explain', () => {
    const H = () => bearer('admin');
    test('linear models: exact attributions that sum to f(x) - f(baseline)', async () => {
      const r = await call(url, 'POST', '/v1/models/sum:explain', { instances: [[1, 2, 3]] }, H());
      expect(r.status).toBe(200);
      const e = (r.body as { explanations: { attributions: number[]; output: number; baseline_output: number; method: string }[] }).explanations[0];
      expect(e.method).toBe('exact-linear');
      e.attributions.forEach((a, j) => expect(a).toBeCloseTo(j + 1, 4));
      expect(e.output - e.baseline_output).toBeCloseTo(e.attributions.reduce((a, b) => a + b), 6);
      const lr = await call(url, 'POST', '/v1/models/iris-lr:explain', { instances: [X4] }, H());
      expect((lr.body as { explanations: { method: string }[] }).explanations[0].method).toBe('exact-logit');
    });
    test('MLPs: integrated gradients satisfy completeness approximately', async () => {
      const r = await call(url, 'POST', '/v1/models/iris:explain', { instances: [X4], steps: 200 }, H());
      expect(r.status).toBe(200);
      const e = (r.body as { explanations: { attributions: number[]; output: number; baseline_output: number; method: string }[] }).explanations[0];
      expect(e.method).toBe('integrated-gradients');
      expect(e.attributions).toHaveLength(4);
      const sum = e.attributions.reduce((a, b) => a + b);
      expect(Math.abs(sum - (e.output - e.baseline_output))).toBeLessThan(0.02);
      expect((await call(url, 'POST', '/v1/models/spam:explain', { instances: ['x'] }, H())).status).toBe(400);
    });
    test('quantized MLPs: integrated gradients on the dequantized weights, near the quantized outputs', async () => {
      const r = await call(url, 'POST', '/v1/models/iris-q4:explain', { instances: [X4], steps: 200 }, H());
      expect(r.status).toBe(200);
      const e = (r.body as { explanations: { target: number; attributions: number[]; output: number; baseline_output: number; method: string }[] }).explanations[0];
      expect(e.method).toBe('integrated-gradients');
      expect(Math.abs(e.attributions.reduce((a, b) => a + b) - (e.output - e.baseline_output))).toBeLessThan(0.02);
      // the explained output is the dequantized twin's; it stays within int4's error of the served one
      const served = (await call(url, 'POST', '/v1/models/iris-q4:predict', { instances: [X4] }, H())).body as { predictions: number[][] };
      expect(Math.abs(e.output - served.predictions[0][e.target])).toBeLessThan(0.05);
    });
  });

  describe('observability', () => {
    test('/metrics has request counts by code and histograms by model and version', async () => {
      const text = (await call(url, 'GET', '/metrics', undefined, bearer('admin'))).text;
      expect(text).toMatch(/amaas_http_requests_total\{route="v2_infer",code="200"\} \d+/);
      expect(text).toMatch(/amaas_http_requests_total\{route="v2_infer",code="401"\} \d+/);
      expect(text).toMatch(/amaas_request_duration_seconds_bucket\{model="iris",version="1",protocol="v2",le="\+Inf"\} \d+/);
      expect(text).toMatch(/amaas_batch_size_count\{model="iris",version="1"\} \d+/);
      expect(text).toMatch(/amaas_queue_duration_seconds_sum\{model="iris",version="1"\}/);
      expect(text).toMatch(/amaas_loaded_models\{model="iris",version="1",state="ready"\} 1/);
      expect(text).toMatch(/amaas_process_memory_bytes\{type="rss"\} \d+/);
    });
    test('/v2/models/{m}/stats, /openapi.json from the zod schemas, JSON logs with request ids', async () => {
      const s = (await call(url, 'GET', '/v2/models/iris/stats', undefined, bearer('admin'))).body as { model_stats: { inference_count: number; batch_stats: unknown[] }[] };
      expect(s.model_stats[0].inference_count).toBeGreaterThan(0);
      const doc = (await call(url, 'GET', '/openapi.json')).body as { openapi: string; paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }> };
      expect(doc.openapi).toMatch(/^3\./);
      const inferSchema = doc.paths['/v2/models/{MODEL_NAME}/infer'].post!.requestBody.content['application/json'].schema;
      expect(Object.keys(inferSchema.properties)).toEqual(expect.arrayContaining(['inputs', 'outputs', 'id', 'parameters']));
      // the generated schemas are valid JSON Schema that accept what the server accepts
      const ajv = new Ajv2020({ strict: false });
      const validate = ajv.compile(inferSchema);
      expect(validate({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [[1, 2, 3, 4]] }] })).toBe(true);
      expect(validate({ inputs: 'x' })).toBe(false);
      for (const item of Object.values(doc.paths))
        for (const op of Object.values(item) as { requestBody?: { content: Record<string, { schema: object }> } }[])
          for (const c of Object.values(op.requestBody?.content ?? {})) expect(() => ajv.compile(c.schema)).not.toThrow();
      const r = await call(url, 'GET', '/v2/models/iris', undefined, { ...bearer('admin'), 'x-request-id': 'abc-123' });
      expect(r.headers.get('x-request-id')).toBe('abc-123');
      expect(log.lines.some((l) => l.requestId === 'abc-123' && l.status === 200)).toBe(true);
    });
  });

  describe('management API', () => {
    const H = () => bearer('manager');
    test('upload a version, move an alias (immediate swap), roll back; every change audited', async () => {
      const m2 = new LinearRegression().fit(new Tensor(Float32Array.from([0, 1, 2]), [3, 1]), [1, 2, 3]); // y = x + 1
      const up = await fetch(`${url}/manage/models/half/versions`, { method: 'POST', headers: { ...H(), 'content-type': 'application/octet-stream' }, body: serializeModel(m2) });
      expect(up.status).toBe(201);
      expect(((await up.json()) as { version: number }).version).toBe(2);
      // latest version serves by default
      const latest = await call(url, 'POST', '/v1/models/half:predict', { instances: [2] }, bearer('admin'));
      expect((latest.body as { predictions: number[] }).predictions[0]).toBeCloseTo(3, 4);
      expect((await call(url, 'PUT', '/manage/models/half/aliases/production', { version: 1 }, H())).status).toBe(200);
      const prod = await call(url, 'POST', '/v1/models/half:predict', { instances: [2] }, bearer('admin'));
      expect((prod.body as { predictions: number[] }).predictions[0]).toBeCloseTo(3, 4); // 0.5*2+2
      expect((await call(url, 'PUT', '/manage/models/half/aliases/production', { version: 2 }, H())).status).toBe(200);
      const moved = await call(url, 'POST', '/v1/models/half:predict', { instances: [4] }, bearer('admin'));
      expect((moved.body as { predictions: number[] }).predictions[0]).toBeCloseTo(5, 4);
      // nothing points at version 1 any more: it was drained and unloaded
      expect([...app.models.route('half')!.versions.keys()]).toEqual([2]);
      expect((await call(url, 'POST', '/manage/models/half/aliases/production/rollback', undefined, H())).status).toBe(200);
      const back = await call(url, 'POST', '/v1/models/half:predict', { instances: [4] }, bearer('admin'));
      expect((back.body as { predictions: number[] }).predictions[0]).toBeCloseTo(4, 4);
      const audit = (await call(url, 'GET', '/manage/audit?model=half', undefined, H())).body as { entries: { action: string; actor: string }[] };
      expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['push_version', 'set_alias', 'rollback']));
      expect(audit.entries.find((e) => e.action === 'rollback')!.actor).toBe('key:manager');
    });

    test('weighted aliases split traffic and stick per x-amaas-session', async () => {
      expect((await call(url, 'PUT', '/manage/models/half/aliases/canary', { targets: [{ version: 1, weight: 1 }, { version: 2, weight: 1 }] }, H())).status).toBe(200);
      const seen = new Set<number>();
      for (let i = 0; i < 40; ++i) {
        const r = await call(url, 'POST', '/v1/models/half/labels/canary:predict', { instances: [4] }, { ...bearer('admin'), 'x-amaas-session': `user-${i}` });
        seen.add(Math.round((r.body as { predictions: number[] }).predictions[0]));
      }
      expect([...seen].sort()).toEqual([4, 5]);
      const first = await call(url, 'POST', '/v1/models/half/labels/canary:predict', { instances: [4] }, { ...bearer('admin'), 'x-amaas-session': 'sticky' });
      for (let i = 0; i < 10; ++i) {
        const r = await call(url, 'POST', '/v1/models/half/labels/canary:predict', { instances: [4] }, { ...bearer('admin'), 'x-amaas-session': 'sticky' });
        expect(r.body).toEqual(first.body);
      }
    });

    test('unload frees the packed weights; load brings the model back; index lists state', async () => {
      const before = app.models.route('iris')!.versions.get(1)!;
      // Mlp keeps its packed (native) weights in a private field: look, to see them freed.
      const handle = (before.adapter.model as { packed: { disposed: boolean; bytes: number } | null }).packed!;
      expect(handle.bytes).toBeGreaterThan(0);
      expect(handle.disposed).toBe(false);
      expect((await call(url, 'POST', '/v2/repository/models/iris/unload', undefined, H())).status).toBe(200);
      expect(before.state).toBe('unloaded');
      expect(handle.disposed).toBe(true);
      expect((await call(url, 'POST', '/v1/models/iris:predict', { instances: [X4] }, bearer('admin'))).status).toBe(404);
      const metrics = (await call(url, 'GET', '/metrics', undefined, bearer('admin'))).text;
      expect(metrics).not.toMatch(/amaas_model_memory_bytes\{model="iris"/);
      const idx = (await call(url, 'POST', '/v2/repository/index', undefined, H())).body as { name: string; state: string }[];
      expect(idx.find((e) => e.name === 'iris')!.state).toBe('UNAVAILABLE');
      expect((await call(url, 'POST', '/v2/repository/models/iris/load', {}, H())).status).toBe(200);
      expect((await call(url, 'POST', '/v1/models/iris:predict', { instances: [X4] }, bearer('admin'))).status).toBe(200);
      // load/unload are not registry state: they go to the server's audit log
      const audit = (await call(url, 'GET', '/manage/audit?model=iris', undefined, H())).body as { entries: { action: string; actor: string; source: string }[] };
      expect(audit.entries.slice(0, 2).map((e) => [e.action, e.actor, e.source])).toEqual([
        ['load_model', 'key:manager', 'server'],
        ['unload_model', 'key:manager', 'server'],
      ]);
      const all = (await call(url, 'GET', '/manage/audit?limit=500', undefined, H())).body as { entries: { action: string; actor: string }[] };
      expect(all.entries).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'create_key', actor: 'key:admin' }), expect.objectContaining({ action: 'revoke_key', actor: 'key:admin' })]));
    });
  });
});

describe('limits: 429 and 503', () => {
  const data = tempDir();
  let reg: Registry, keys: KeyStore, app: AmaasApp, url: string, server: http.Server, key: string;
  beforeAll(async () => {
    reg = new Registry({ dir: path.join(data, 'registry') });
    keys = KeyStore.open(data);
    await push(reg, 'wide', wideMlp());
    key = keys.create({ name: 'k', scopes: ['infer'] }).key;
    app = await createApp({
      registry: reg, keys, log: memoryLog().sink, pollMs: 0,
      rateLimit: { requestsPerSecond: 2, burst: 3 },
      batching: { enabled: true, maxQueueRows: 300, maxBatchSize: 64 },
    });
    ({ url, server } = await listen(app));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await app.close();
    keys.close();
    await reg.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  test('per-key rate limit -> 429 with Retry-After', async () => {
    const body = { inputs: [{ name: 'x', shape: [1, 64], datatype: 'FP32', data: new Array(64).fill(0.1) }] };
    const codes: number[] = [];
    for (let i = 0; i < 6; ++i) {
      const r = await call(url, 'POST', '/v2/models/wide/infer', body, { authorization: `Bearer ${key}` });
      codes.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
    expect(codes).toContain(429);
  });

  test('a full queue answers 503 + Retry-After instead of growing', async () => {
    await new Promise((r) => setTimeout(r, 2100)); // refill the bucket
    const rows = 200;
    const body = JSON.stringify({ inputs: [{ name: 'x', shape: [rows, 64], datatype: 'FP32', data: new Array(rows * 64).fill(0.1) }] });
    // queue limit 300 rows: of three concurrent 200-row requests at least one is refused
    const rs = await Promise.all([0, 1, 2].map(() => call(url, 'POST', '/v2/models/wide/infer', body, { authorization: `Bearer ${key}`, 'content-type': 'application/json' })));
    const codes = rs.map((r) => r.status).sort();
    expect(codes).toContain(200);
    expect(codes).toContain(503);
    const refused = rs.find((r) => r.status === 503)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({ error: expect.stringMatching(/queue is full/) });
  });
});

describe('CORS', () => {
  const data = tempDir();
  let reg: Registry, app: AmaasApp, url: string, server: http.Server, closedApp: AmaasApp, closedUrl: string, closedServer: http.Server;
  beforeAll(async () => {
    reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'half', halfPlusTwo());
    app = await createApp({ registry: reg, auth: 'off', log: memoryLog().sink, pollMs: 0, cors: ['https://app.example'] });
    ({ url, server } = await listen(app));
    closedApp = await createApp({ registry: reg, auth: 'off', log: memoryLog().sink, pollMs: 0 });
    ({ url: closedUrl, server: closedServer } = await listen(closedApp));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await new Promise((r) => closedServer.close(r));
    await app.close();
    await closedApp.close();
    await reg.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  test('allowed origins get CORS headers on both paths and a preflight; others and the default get none; management off by default', async () => {
    const origin = { origin: 'https://app.example' };
    const pre = await call(url, 'OPTIONS', '/v2/models/half/infer', undefined, { ...origin, 'access-control-request-method': 'POST' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const fast = await call(url, 'POST', '/v1/models/half:predict', { instances: [2] }, origin);
    expect(fast.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const slow = await call(url, 'GET', '/v1/models/half', undefined, origin);
    expect(slow.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await call(url, 'GET', '/v1/models/half', undefined, { origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const manage = await call(closedUrl, 'GET', '/manage/models');
    expect(manage.status).toBe(404);
    expect((manage.body as { error: string }).error).toMatch(/management API is disabled/);
    const off = await call(closedUrl, 'POST', '/v1/models/half:predict', { instances: [2] }, origin);
    expect(off.status).toBe(200);
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
  });
});
