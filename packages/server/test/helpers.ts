// Shared test set-up: a real registry in a temp dir with real (quickly trained) models, and
// small HTTP helpers over fetch. No mocks of our components.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LinearRegression, loadDataset, LogisticRegression, Mlp, Registry, serializeModel, Tensor, TextClassifier,
} from '@amaas/core';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** ../shared/conformance next to the repository; a missing directory fails loudly. */
export function conformanceDir(): string {
  const dir = path.resolve(repoRoot, '..', 'shared', 'conformance');
  if (!fs.existsSync(dir))
    throw new Error(`conformance data not found at ${dir}: clone the repository next to shared/ (shared/conformance/{tf-serving,open-inference-protocol,kserve-v2-fixtures})`);
  return dir;
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function tempDir(prefix = 'amaas-server-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** y = 0.5 x + 2, fitted by least squares on exact points. */
export function halfPlusTwo(): LinearRegression {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7];
  return new LinearRegression().fit(new Tensor(Float32Array.from(xs), [xs.length, 1]), xs.map((x) => 0.5 * x + 2));
}

/** y = x0 + x1 + x2 (for MLServer's 3-input example payloads). */
export function sumModel(): LinearRegression {
  const rows: number[] = [], y: number[] = [];
  for (let i = 0; i < 20; ++i) {
    const r = [i % 3, (i * 7) % 5, (i * 3) % 11];
    rows.push(...r);
    y.push(r[0] + r[1] + r[2]);
  }
  return new LinearRegression().fit(new Tensor(Float32Array.from(rows), [20, 3]), y);
}

export async function irisMlp(seed = 1, epochs = 30): Promise<Mlp> {
  const iris = loadDataset('iris');
  const m = new Mlp({ layers: [4, 8, 3], seed });
  await m.fit(iris.x, iris.y, { epochs, batchSize: 16, seed });
  return m;
}

export function irisLogistic(): LogisticRegression {
  const iris = loadDataset('iris');
  return new LogisticRegression({ maxIter: 50 }).fit(iris.x, iris.y);
}

export function spamText(): TextClassifier {
  const texts = ['win a free prize now', 'free money click here', 'cheap pills free offer', 'meeting at noon tomorrow', 'please review the report', 'lunch with the team today'];
  const labels = ['spam', 'spam', 'spam', 'ham', 'ham', 'ham'];
  return new TextClassifier().fit(texts, labels);
}

/** An Mlp big enough that a large batch runs on a worker thread (rows * flops >= 4 MFLOP). */
export function wideMlp(seed = 3, layers = [64, 256, 10]): Mlp {
  const weights: number[][] = [];
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.2;
  for (let l = 0; l + 1 < layers.length; ++l) weights.push(Array.from({ length: layers[l] * layers[l + 1] }, rand), Array.from({ length: layers[l + 1] }, rand));
  return Mlp.fromJSON({ kind: 'mlp', layers, activation: 'relu', output: 'softmax', dropout: 0, weights });
}

export async function push(reg: Registry, name: string, model: Parameters<typeof serializeModel>[0], version?: number): Promise<number> {
  if (!(await reg.listModels()).some((m) => m.name === name)) await reg.createModel(name);
  return (await reg.pushVersion(name, serializeModel(model), { version })).version;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function call(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    if (typeof body === 'string' || body instanceof Uint8Array) init.body = body as NonNullable<RequestInit['body']>;
    else {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
  }
  const res = await fetch(base + p, init);
  const buf = Buffer.from(await res.arrayBuffer());
  const text = buf.toString('utf8');
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A log sink that keeps lines for assertions. */
export function memoryLog(): { lines: Record<string, unknown>[]; sink: (l: Record<string, unknown>) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, sink: (l) => void lines.push(l) };
}
