// End to end against real listening servers (startServer): a hot swap under load with zero
// failed requests, graceful shutdown with zero dropped requests, TLS, and auth 'auto' turning on
// with the first key. Timing-independent: the assertions count outcomes, never speeds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { LinearRegression, Registry, Tensor } from '@amaas/core';
import { KeyStore, startServer } from '../src';
import { call, halfPlusTwo, memoryLog, push, tempDir, wideMlp } from './helpers';

function line(slope: number, intercept: number): LinearRegression {
  const xs = [0, 1, 2, 3];
  return new LinearRegression().fit(new Tensor(Float32Array.from(xs), [4, 1]), xs.map((x) => slope * x + intercept));
}

describe('end to end', () => {
  test('hot swap under load: aliases move (via the registry and the API), no request fails', async () => {
    const data = tempDir();
    const reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'm', line(1, 0)); // v1: y = x
    await push(reg, 'm', line(2, 0)); // v2: y = 2x
    await reg.setAlias('m', 'production', 1);
    // a second registry handle plays another process (the CLI) moving the alias
    const other = new Registry({ dir: path.join(data, 'registry') });
    const server = await startServer({ dataDir: data, port: 0, manage: true, auth: 'off', log: memoryLog().sink });
    try {
      let stop = false;
      const seen = new Map<number, number>();
      const failures: string[] = [];
      const client = async () => {
        while (!stop) {
          try {
            const r = await call(server.url, 'POST', '/v1/models/m:predict', { instances: [10] });
            if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
            else {
              const y = Math.round((r.body as { predictions: number[] }).predictions[0]);
              seen.set(y, (seen.get(y) ?? 0) + 1);
            }
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      const clients = Array.from({ length: 8 }, client);
      const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
      for (let i = 0; i < 3; ++i) {
        await pause(150);
        await other.setAlias('m', 'production', 2); // picked up by the poll
        await pause(400);
        const r = await call(server.url, 'PUT', '/manage/models/m/aliases/production', { version: 1 }); // immediate
        expect(r.status).toBe(200);
        await pause(150);
      }
      await other.setAlias('m', 'production', [{ version: 1, weight: 1 }, { version: 2, weight: 1 }]);
      await pause(400);
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(seen.get(10)).toBeGreaterThan(0);
      expect(seen.get(20)).toBeGreaterThan(0);
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual([10, 20]);
    } finally {
      await server.close();
      await other.close();
      await reg.close();
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  test('models named at start must exist; only those are served', async () => {
    const data = tempDir();
    const reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'a', halfPlusTwo());
    await push(reg, 'b', halfPlusTwo());
    try {
      await expect(startServer({ registry: reg, dataDir: data, port: 0, models: ['a', 'nope'], log: memoryLog().sink })).rejects.toThrow(/nope/);
      const server = await startServer({ registry: reg, dataDir: data, port: 0, models: ['a'], log: memoryLog().sink });
      expect(server.app.models.names()).toEqual(['a']);
      expect((await call(server.url, 'GET', '/v1/models/b')).status).toBe(404);
      await server.close();
    } finally {
      await reg.close();
      fs.rmSync(data, { recursive: true, force: true });
    }
  });

  test('graceful shutdown: requests in flight finish, then models unload and the port closes', async () => {
    const data = tempDir();
    const reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'wide', wideMlp());
    const server = await startServer({ registry: reg, dataDir: data, port: 0, auth: 'off', log: memoryLog().sink });
    const n = 100, d = 64, N = 8;
    const x = new Float32Array(n * d).fill(0.25);
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [n, d], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } }] }));
    const body = Buffer.concat([header, Buffer.from(x.buffer)]);
    // Each request sends its headers and half its body, so the server holds it mid-flight.
    const reqs = Array.from({ length: N }, () => {
      const req = http.request(`${server.url}/v2/models/wide/infer`, {
        method: 'POST',
        agent: false,
        headers: { 'content-length': body.length, 'inference-header-content-length': header.length },
      });
      const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
      });
      req.write(body.subarray(0, body.length >> 1));
      return { req, done };
    });
    const t0 = Date.now();
    while (server.app.metrics.inflight.get() < N && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 5));
    expect(server.app.metrics.inflight.get()).toBe(N);
    const lv = server.app.models.route('wide')!.versions.get(1)!;
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow(); // no new connections
    for (const r of reqs) r.req.end(body.subarray(body.length >> 1)); // the rest of each body
    const results = await Promise.all(reqs.map((r) => r.done));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { outputs: { shape: number[] }[] }).outputs[0].shape).toEqual([n, 10]);
    }
    await closing;
    expect(server.app.metrics.inflight.get()).toBe(0);
    expect(lv.state).toBe('unloaded');
    await reg.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version']);
      return true;
    } catch {
      return false;
    }
  })();
  (hasOpenssl ? test : test.skip)('TLS when given key + cert; auth "auto" turns on with the first key', async () => {
    const data = tempDir();
    const key = path.join(data, 'key.pem'), cert = path.join(data, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'default', halfPlusTwo());
    const server = await startServer({ registry: reg, dataDir: data, port: 0, tls: { keyFile: key, certFile: cert }, log: memoryLog().sink });
    const get = (p: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get(`${server.url}${p}`, { ca: fs.readFileSync(cert), headers }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        }).on('error', reject);
      });
    try {
      expect(server.url).toMatch(/^https:/);
      expect((await get('/v1/models/default')).status).toBe(200); // no keys yet: open
      const store = KeyStore.open(data);
      const k = store.create({ name: 'reader', scopes: ['read'] });
      store.close();
      await new Promise((r) => setTimeout(r, 1100)); // the auth cache re-checks within a second
      expect((await get('/v1/models/default')).status).toBe(401);
      expect((await get('/v1/models/default', { authorization: `Bearer ${k.key}` })).status).toBe(200);
    } finally {
      await server.close();
      await reg.close();
      fs.rmSync(data, { recursive: true, force: true });
    }
  });
});
