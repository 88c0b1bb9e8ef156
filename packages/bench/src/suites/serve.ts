// The serve suite: HTTP throughput of @amaas/server on the Mlp 784-512-256-10 at batch 1, against
// the floors and the peer an Express user would build, all measured in the same run with wrk (or
// autocannon, see loadgen.ts) on loopback (the load generator shares the machine's cores with the
// server): bare node:http GET, Express 5 GET, Express 5 POST of 784 floats as JSON, Express 5 +
// onnxruntime-node running the same network (the baseline of the ratios), then ours as `amaas
// serve` runs it (dynamic batching on): V2 JSON, V2 binary tensors, TF Serving :predict; the same
// two V2 requests with batching off; and V2 binary at 256 connections with batching off and on.
// Every server runs in its own child process. Validated first: each inference endpoint must
// return the model's probabilities before anything is timed. Reports medians of the runs.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportOnnx, Mlp, Registry, serializeModel, Tensor } from '@amaas/core';
import { uniformMatrix } from '../prng';
import { formatMarkdownTable, formatTextTable, type Table } from '../report/table';
import { CHILD_SOURCE, type ServeChildConfig, type ServeChildMode } from './serve-child';
import { INFER_LAYERS } from './infer';
import { createLoadGen, type LoadGen, type LoadGenName, type LoadResult } from './loadgen';

export type ServeRun = LoadResult;

export interface ServeCaseResult {
  key: string;
  name: string;
  connections: number;
  runs: ServeRun[];
  median_rps: number;
  median_p50_ms: number;
  median_p99_ms: number;
  non2xx: number;
  errors: number;
  /** median_rps over the Express + onnxruntime-node baseline's */
  ratio_to_ort?: number;
}

export interface ServeTarget {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

export interface ServeSuiteResult {
  model: string;
  payload: string;
  duration_s: number;
  runs: number;
  threads: number;
  /** the load generator, e.g. 'wrk (/usr/bin/wrk, 1 thread)' */
  loadgen: string;
  peer: string;
  validation: { max_abs_diff_ort: number; max_abs_diff_ours: number };
  cases: ServeCaseResult[];
  targets: ServeTarget[];
  failures: { message: string }[];
}

interface Child {
  url: string;
  proc: ChildProcess;
}

function startChild(mode: ServeChildMode, config: ServeChildConfig): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', CHILD_SOURCE], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, ...(config.threads ? { AMAAS_THREADS: String(config.threads) } : {}), AMAAS_BENCH_MODE: mode, AMAAS_BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`${mode} server did not start in 60 s: ${err}`)), 60000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve({ url: (JSON.parse(out.slice(0, nl)) as { url: string }).url, proc });
        } catch (e) {
          reject(e);
        }
      }
    });
    proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${mode} server exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

function stopChild(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null) return resolve();
    const kill = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
    c.proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    c.proc.kill('SIGTERM');
  });
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Target {
  key: string;
  name: string;
  child: string;
  path: string;
  connections: number;
  method: 'GET' | 'POST';
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** parses a response body into probabilities (validation) */
  probs?: (body: Buffer) => Float32Array;
}

export async function runServeSuite(config: { quick: boolean; threads?: number; loadgen?: LoadGenName; log: (line: string) => void }): Promise<ServeSuiteResult> {
  const [d] = INFER_LAYERS;
  const weights: number[][] = [];
  for (let l = 0; l + 1 < INFER_LAYERS.length; ++l) {
    const scale = Math.sqrt(2 / INFER_LAYERS[l]);
    weights.push(Array.from(uniformMatrix(INFER_LAYERS[l] * INFER_LAYERS[l + 1], 11 + l), (v) => v * scale));
    weights.push(Array.from(uniformMatrix(INFER_LAYERS[l + 1], 101 + l), (v) => v * 0.01));
  }
  const model = Mlp.fromJSON({ kind: 'mlp', layers: INFER_LAYERS, activation: 'relu', output: 'softmax', dropout: 0, weights });
  // An image-like input: pixel intensities k/255 as a JSON client (e.g. Python's json) sends them.
  const x = Float32Array.from(uniformMatrix(d, 7), (v) => Math.round(((v + 1) / 2) * 255) / 255);
  const xRow = Array.from(x, (v) => Math.round(v * 255) / 255);
  const want = model.predictProbaSync(new Tensor(x, [1, d])).values();

  // One engine thread (unless --threads) for both ours and onnxruntime: at batch 1 a second pool
  // thread only waits for the core the load generator is using (measured here: 35 µs per forward
  // pass on 1 thread, 190 µs on 2 while another process is busy); both servers get the same.
  const threads = config.threads ?? 1;
  const duration = config.quick ? 1 : 5;
  const runs = config.quick ? 1 : 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-serve-'));
  let loadgen: LoadGen;
  try {
    loadgen = createLoadGen(config.loadgen, dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const result: ServeSuiteResult = {
    model: INFER_LAYERS.join('-'),
    payload: `1 row of ${d} floats (k/255)`,
    duration_s: duration,
    runs,
    threads,
    loadgen: loadgen.describe,
    peer: 'onnxruntime-node: not installed',
    validation: { max_abs_diff_ort: NaN, max_abs_diff_ours: NaN },
    cases: [],
    targets: [],
    failures: [],
  };
  let ortAvailable = true;
  try {
    require.resolve('onnxruntime-node');
    result.peer = `Express ${require('express/package.json').version} + onnxruntime-node ${require('onnxruntime-node/package.json').version} (CPU, ${threads} threads)`;
  } catch {
    ortAvailable = false;
  }

  const children = new Map<string, Child>();
  try {
    const onnxPath = path.join(dir, 'mlp.onnx');
    fs.writeFileSync(onnxPath, exportOnnx(model));
    const reg = new Registry({ dir: path.join(dir, 'registry') });
    await reg.createModel('mlp');
    await reg.pushVersion('mlp', serializeModel(model));
    await reg.close();

    config.log('serve: starting servers (one child process each)');
    const starts: [string, ServeChildMode, ServeChildConfig][] = [
      ['node-get', 'node-get', {}],
      ['express-get', 'express-get', {}],
      ['express-post', 'express-post', {}],
      ['amaas-off', 'amaas', { dataDir: dir, threads, batching: { enabled: false } }],
      ['amaas-on', 'amaas', { dataDir: dir, threads, batching: { enabled: true } }],
    ];
    if (ortAvailable) starts.push(['express-ort', 'express-ort', { onnxPath, threads }]);
    for (const [key, mode, cfg] of starts) children.set(key, await startChild(mode, cfg));

    const jsonRow = JSON.stringify({ instances: [xRow] });
    const v2Json = JSON.stringify({ inputs: [{ name: 'x', shape: [1, d], datatype: 'FP32', data: xRow }] });
    const binHeader = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, d], datatype: 'FP32', parameters: { binary_data_size: d * 4 } }], parameters: { binary_data_output: true } }));
    const v2Bin = Buffer.concat([binHeader, Buffer.from(x.buffer, x.byteOffset, x.byteLength)]);
    const json = { 'content-type': 'application/json' };
    const bin = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(binHeader.length) };
    const tfProbs = (b: Buffer) => Float32Array.from((JSON.parse(b.toString()) as { predictions: number[][] }).predictions[0]);
    const v2Probs = (b: Buffer) => Float32Array.from((JSON.parse(b.toString()) as { outputs: { data: number[] }[] }).outputs[0].data);
    const binProbs = (b: Buffer) => {
      const copy = new Uint8Array(b.subarray(b.length - want.length * 4));
      return new Float32Array(copy.buffer);
    };
    const targets: Target[] = [
      { key: 'node_get', name: 'node:http GET (floor)', child: 'node-get', path: '/', connections: 50, method: 'GET' },
      { key: 'express_get', name: 'Express 5 GET', child: 'express-get', path: '/', connections: 50, method: 'GET' },
      { key: 'express_post', name: 'Express 5 POST 784 floats JSON', child: 'express-post', path: '/', connections: 50, method: 'POST', body: jsonRow, headers: json },
      ...(ortAvailable ? [{ key: 'express_ort', name: 'Express 5 + onnxruntime-node MLP (baseline)', child: 'express-ort', path: '/', connections: 50, method: 'POST' as const, body: jsonRow, headers: json, probs: tfProbs }] : []),
      { key: 'v2_json', name: 'ours: V2 infer, JSON', child: 'amaas-on', path: '/v2/models/mlp/infer', connections: 50, method: 'POST', body: v2Json, headers: json, probs: v2Probs },
      { key: 'v2_binary', name: 'ours: V2 infer, binary tensors', child: 'amaas-on', path: '/v2/models/mlp/infer', connections: 50, method: 'POST', body: v2Bin, headers: bin, probs: binProbs },
      { key: 'tf_predict', name: 'ours: TF Serving :predict', child: 'amaas-on', path: '/v1/models/mlp:predict', connections: 50, method: 'POST', body: jsonRow, headers: json, probs: tfProbs },
      { key: 'v2_json_unbatched', name: 'ours: V2 infer, JSON, batching off', child: 'amaas-off', path: '/v2/models/mlp/infer', connections: 50, method: 'POST', body: v2Json, headers: json, probs: v2Probs },
      { key: 'v2_binary_unbatched', name: 'ours: V2 infer, binary tensors, batching off', child: 'amaas-off', path: '/v2/models/mlp/infer', connections: 50, method: 'POST', body: v2Bin, headers: bin, probs: binProbs },
      { key: 'batching_off_256', name: 'ours: V2 binary, 256 connections, batching off', child: 'amaas-off', path: '/v2/models/mlp/infer', connections: 256, method: 'POST', body: v2Bin, headers: bin, probs: binProbs },
      { key: 'batching_on_256', name: 'ours: V2 binary, 256 connections, batching on', child: 'amaas-on', path: '/v2/models/mlp/infer', connections: 256, method: 'POST', body: v2Bin, headers: bin, probs: binProbs },
    ];

    // Validate: every inference endpoint returns the model's probabilities.
    let worstOrt = 0, worstOurs = 0;
    for (const t of targets) {
      const url = children.get(t.child)!.url + t.path;
      const res = await fetch(url, { method: t.method, headers: t.headers, body: t.body });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) {
        result.failures.push({ message: `${t.name}: validation request answered ${res.status}: ${body.toString().slice(0, 200)}` });
        continue;
      }
      if (!t.probs) continue;
      const got = t.probs(body);
      let worst = got.length === want.length ? 0 : Infinity;
      for (let i = 0; i < want.length && worst < Infinity; ++i) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      if (t.key === 'express_ort') worstOrt = worst;
      else worstOurs = Math.max(worstOurs, worst);
    }
    result.validation = { max_abs_diff_ort: ortAvailable ? worstOrt : NaN, max_abs_diff_ours: worstOurs };
    config.log(`serve: validation max |ours - model| = ${worstOurs.toExponential(2)}, |onnxruntime - model| = ${ortAvailable ? worstOrt.toExponential(2) : 'n/a'}`);
    if (!(worstOurs <= 1e-5)) result.failures.push({ message: `our responses differ from the model by ${worstOurs} (> 1e-5)` });
    if (ortAvailable && !(worstOrt <= 1e-4)) result.failures.push({ message: `onnxruntime differs from the model by ${worstOrt} (> 1e-4)` });
    if (result.failures.length > 0) return result;

    const shoot = (t: Target, seconds: number): Promise<ServeRun> =>
      loadgen.run({ url: children.get(t.child)!.url + t.path, method: t.method, headers: t.headers, body: t.body, connections: t.connections, seconds });
    const cases = new Map<string, ServeCaseResult>(targets.map((t) => [t.key, { key: t.key, name: t.name, connections: t.connections, runs: [], median_rps: 0, median_p50_ms: 0, median_p99_ms: 0, non2xx: 0, errors: 0 }]));
    for (const t of targets) await shoot(t, loadgen.name === 'wrk' || !config.quick ? 1 : 0.3); // warm-up (JIT, sockets), not recorded; wrk takes whole seconds
    // Runs interleave the cases, so drift on this shared machine hits all of them alike.
    for (let run = 0; run < runs; ++run)
      for (const t of targets) {
        const r = await shoot(t, duration);
        cases.get(t.key)!.runs.push(r);
        config.log(`serve run ${run + 1}/${runs} ${t.key}: ${Math.round(r.rps)} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms${r.non2xx || r.errors ? `, non-2xx ${r.non2xx}, errors ${r.errors}` : ''}`);
      }
    for (const c of cases.values()) {
      c.median_rps = median(c.runs.map((r) => r.rps));
      c.median_p50_ms = median(c.runs.map((r) => r.p50_ms));
      c.median_p99_ms = median(c.runs.map((r) => r.p99_ms));
      c.non2xx = c.runs.reduce((a, r) => a + r.non2xx, 0);
      c.errors = c.runs.reduce((a, r) => a + r.errors, 0);
    }
    const ort = cases.get('express_ort');
    for (const c of cases.values()) {
      if (ort) c.ratio_to_ort = c.median_rps / ort.median_rps;
      if (c.non2xx > 0 || c.errors > 0) result.failures.push({ message: `${c.name}: ${c.non2xx} non-2xx responses and ${c.errors} errors` });
      result.cases.push(c);
    }
    const on = cases.get('batching_on_256')!, off = cases.get('batching_off_256')!;
    if (ort) {
      result.targets.push({ name: 'V2 JSON / Express+ort', value: cases.get('v2_json')!.ratio_to_ort!, target: '>= 2x', met: cases.get('v2_json')!.ratio_to_ort! >= 2 });
      result.targets.push({ name: 'V2 binary / Express+ort', value: cases.get('v2_binary')!.ratio_to_ort!, target: '>= 5x', met: cases.get('v2_binary')!.ratio_to_ort! >= 5 });
    }
    result.targets.push({ name: 'batching on, 256 conns: p99 ms', value: on.median_p99_ms, target: '<= 20 ms', met: on.median_p99_ms <= 20 });
    result.targets.push({ name: 'batching on / off, 256 conns', value: on.median_rps / off.median_rps, target: '>= 2x', met: on.median_rps / off.median_rps >= 2 });
    return result;
  } finally {
    await Promise.all([...children.values()].map(stopChild));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function caseTable(r: ServeSuiteResult): Table {
  return {
    headers: ['case', 'conns', 'req/s (median)', 'p50 ms', 'p99 ms', 'vs Express+ort', 'non-2xx', 'errors'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: r.cases.map((c) => [c.name, String(c.connections), String(Math.round(c.median_rps)), String(c.median_p50_ms), String(c.median_p99_ms), c.ratio_to_ort ? `${c.ratio_to_ort.toFixed(2)}x` : '-', String(c.non2xx), String(c.errors)]),
  };
}

function targetTable(r: ServeSuiteResult): Table {
  return {
    headers: ['target', 'measured', 'wanted', 'met'],
    align: ['left', 'right', 'left', 'left'],
    rows: r.targets.map((t) => [t.name, t.name.includes('ms') ? t.value.toFixed(1) : `${t.value.toFixed(2)}x`, t.target, t.met ? 'yes' : 'NO']),
  };
}

export function renderServeText(r: ServeSuiteResult): string {
  return [
    `serve: Mlp ${r.model}, ${r.payload}, ${r.loadgen} on loopback, ${r.runs} run(s) of ${r.duration_s} s per case; peer: ${r.peer}`,
    `validation: max |ours - model| ${r.validation.max_abs_diff_ours.toExponential(1)}, |onnxruntime - model| ${Number.isFinite(r.validation.max_abs_diff_ort) ? r.validation.max_abs_diff_ort.toExponential(1) : 'n/a'}`,
    '',
    formatTextTable(caseTable(r)),
    '',
    formatTextTable(targetTable(r)),
  ].join('\n');
}

export function renderServeMarkdown(r: ServeSuiteResult, command: string): string {
  return [
    `## serve: Mlp ${r.model} over HTTP, batch-1 requests`,
    '',
    `Command: \`${command}\`. Load: ${r.loadgen}, each server in its own child process, on loopback (the load generator shares the cores). Ours runs as \`amaas serve\` does (dynamic batching on) unless a row says batching off; ours and onnxruntime run their engine on ${r.threads} thread(s). Payload: ${r.payload}. Medians of ${r.runs} run(s) of ${r.duration_s} s per case, cases interleaved. Every inference endpoint was validated against the model before timing.`,
    '',
    formatMarkdownTable(caseTable(r)),
    '',
    formatMarkdownTable(targetTable(r)),
    '',
  ].join('\n');
}
