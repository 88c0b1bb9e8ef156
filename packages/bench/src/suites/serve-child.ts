// The servers of the serve suite, each run in its own child process (`node -e`) so the load
// generator in the parent never shares their event loop. Plain JavaScript in a string: the child
// needs no build step of its own and resolves express, onnxruntime-node and @amaas/server from the
// workspace's node_modules. Each prints one JSON line {"url": ...} when it listens, and exits on
// SIGTERM after a graceful close.

export type ServeChildMode = 'node-get' | 'express-get' | 'express-post' | 'express-ort' | 'amaas';

export interface ServeChildConfig {
  onnxPath?: string;
  threads?: number;
  dataDir?: string;
  batching?: { enabled: boolean; maxBatchSize?: number; maxQueueDelayMs?: number };
}

export const CHILD_SOURCE = String.raw`
const http = require('node:http');
const mode = process.env.AMAAS_BENCH_MODE;
const cfg = JSON.parse(process.env.AMAAS_BENCH_CONFIG || '{}');
const ready = (server) => {
  const a = server.address();
  process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + a.port }) + '\n');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
};
async function main() {
  if (mode === 'node-get') {
    const body = '{"ok":true}';
    const s = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    s.listen(0, '127.0.0.1', () => ready(s));
    return;
  }
  if (mode === 'amaas') {
    const { startServer } = require('@amaas/server');
    const s = await startServer({ dataDir: cfg.dataDir, port: 0, auth: 'off', batching: cfg.batching, log: () => {} });
    process.stdout.write(JSON.stringify({ url: s.url }) + '\n');
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
    return;
  }
  // express is a dependency of @amaas/server: resolve it from there, however npm laid things out
  const express = require(require.resolve('express', { paths: [require('node:path').dirname(require.resolve('@amaas/server/package.json'))] }));
  const app = express();
  app.disable('x-powered-by');
  if (mode === 'express-get') app.get('/', (req, res) => res.json({ ok: true }));
  if (mode === 'express-post') {
    app.use(express.json({ limit: '32mb' }));
    app.post('/', (req, res) => {
      let s = 0;
      for (const v of req.body.instances[0]) s += v;
      res.json({ sum: s });
    });
  }
  if (mode === 'express-ort') {
    const ort = require('onnxruntime-node');
    const session = await ort.InferenceSession.create(cfg.onnxPath, {
      intraOpNumThreads: cfg.threads, interOpNumThreads: 1, executionMode: 'sequential',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    app.use(express.json({ limit: '32mb' }));
    app.post('/', async (req, res, next) => {
      try {
        const rows = req.body.instances;
        const d = rows[0].length;
        const x = new Float32Array(rows.length * d);
        rows.forEach((r, i) => x.set(r, i * d));
        const out = await session.run({ input: new ort.Tensor('float32', x, [rows.length, d]) });
        const y = out.output.data, k = y.length / rows.length;
        const predictions = [];
        for (let i = 0; i < rows.length; ++i) predictions.push(Array.from(y.subarray(i * k, (i + 1) * k)));
        res.json({ predictions });
      } catch (err) { next(err); }
    });
  }
  const s = app.listen(0, '127.0.0.1', () => ready(s));
}
main().catch((err) => { process.stderr.write(String(err && err.stack || err) + '\n'); process.exit(1); });
`;
