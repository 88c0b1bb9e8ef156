// `amaas` end to end: the real built binary (packages/cli/bin/amaas.js) in child processes, on a
// temp AMAAS_HOME with real data and a real registry. Usage errors exit 2 with the usage, failures
// exit 1 with a hint, train -> eval -> quantize -> push -> alias -> rollback works on iris, and
// quickstart trains MNIST, registers it and (with @amaas/server built) serves and answers curl-style
// requests for both protocols before a clean SIGINT shutdown.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const bin = path.resolve(__dirname, '..', 'packages', 'cli', 'bin', 'amaas.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-cli-e2e-'));
const work = path.join(home, 'work');
fs.mkdirSync(work);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ ...process.env, AMAAS_HOME: path.join(home, 'data'), NO_COLOR: '1', ...extra });
function amaas(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env: env(extra), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** Runs with --json and parses stdout (which must be exactly one JSON document). */
function amaasJson(args: string[], extra: Record<string, string> = {}) {
  const r = amaas([...args, '--json'], extra);
  if (r.status !== 0) throw new Error(`amaas ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** What the serve/keys/quickstart tests need from @amaas/server (issue #6), or why it is missing. */
function serverMissing(): string | null {
  try {
    const mod = require(path.resolve(__dirname, '..', 'node_modules', '@amaas', 'server'));
    const missing = ['startServer', 'KeyStore'].filter((k) => typeof mod[k] !== 'function');
    return missing.length ? `@amaas/server does not export ${missing.join(', ')} yet` : null;
  } catch (err) {
    return `@amaas/server cannot be loaded (${(err as Error).message.split('\n')[0]})`;
  }
}
function requireServer(): void {
  const why = serverMissing();
  if (why) throw new Error(`this test needs the server package (issue #6): ${why}. Build it (npm run build) once it has landed.`);
}

beforeAll(() => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'packages', 'cli', 'dist', 'cli.js')))
    throw new Error('@amaas/cli is not built: run `npm run build` (or npx nx run @amaas/cli:build) first');
});

describe('usage and failure paths', () => {
  test('no command, an unknown command or option, a bad value: exit 2 with the usage', () => {
    const none = amaas([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('usage: amaas <command>');

    const typo = amaas(['trian']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("unknown command 'trian' (did you mean 'train'?)");

    const bad = amaas(['train', '--dataset', 'iris', '--epochs', 'ten']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Expected a positive integer for --epochs but received 'ten'");
    expect(bad.stderr).toContain('usage: amaas train');
    expect(bad.stderr).toContain("Run 'amaas train --help'");

    const unknown = amaas(['models', 'list', '--verbose']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--verbose'");
    expect(unknown.stderr).toContain('usage: amaas models list');

    const group = amaas(['models']);
    expect(group.status).toBe(2);
    expect(group.stderr).toContain('models rollback');

    expect(amaas(['eval', '--dataset', 'iris']).stderr).toContain('--model is required');
  });

  test('a missing file or model: exit 1 with one line and what to do next, no stack trace', () => {
    const r = amaas(['train', '--data', 'missing.csv']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('amaas: no such file or directory: missing.csv (given to --data)');
    expect(r.stderr).toContain("hint: check the path; for a packaged dataset use --dataset NAME (see 'amaas datasets list')");
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const m = amaas(['predict', '--model', 'nosuchmodel', '--instances', '[[1,2,3,4]]', '--json']);
    expect(m.status).toBe(1);
    expect(JSON.parse(m.stdout).error.message).toContain("no model 'nosuchmodel' in the registry");
  });

  test('--help on every command exits 0 with examples', () => {
    const top = amaas(['--help']);
    expect(top.status).toBe(0);
    const commands = ['quickstart', 'train', 'eval', 'predict', 'quantize', 'prune', 'distill', 'export', 'serve', 'info',
      'models list', 'models show', 'models push', 'models alias', 'models rollback', 'models rm',
      'keys create', 'keys list', 'keys revoke', 'datasets list', 'datasets prepare'];
    for (const c of commands) expect(top.stdout).toContain(c.split(' ')[0]);
    for (const c of commands) {
      const r = amaas([...c.split(' '), '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`usage: amaas ${c}`);
      expect(r.stdout).toMatch(/examples:\n {2}amaas /);
    }
  });
});

describe('train -> eval -> quantize -> push -> alias -> rollback', () => {
  const v1 = path.join(home, 'iris-v1.safetensors');

  test('train an MLP on iris and keep it in a file', () => {
    const doc = amaasJson(['train', '--dataset', 'iris', '--hidden', '16', '--out', v1]);
    expect(doc.model.kind).toBe('mlp');
    expect(doc.data).toMatchObject({ name: 'iris', rows: 150, trainRows: 120, testRows: 30 });
    expect(doc.evaluation.accuracy).toBeGreaterThan(0.85);
    expect(doc.saved).toBe(v1);
    expect(fs.statSync(v1).size).toBeGreaterThan(0);
  });

  test('progress goes to stderr and the evaluation table to stdout', () => {
    const r = amaas(['train', '--dataset', 'iris', '--epochs', '50', '--test-size', '0.3']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/train: step \d+\/\d+ \(\d+%\).*(ETA|done)/);
    expect(r.stdout).toMatch(/evaluation on 45 held-out rows/);
    expect(r.stdout).toMatch(/setosa\s+\d/);
    expect(r.stderr).toContain('the model was not kept');
  });

  test('Ctrl-C during training stops after the current batch and keeps the last step in --out', async () => {
    const out = path.join(home, 'interrupted.safetensors');
    const child = spawn(process.execPath, [bin, 'train', '--dataset', 'mnist', '--epochs', '500', '--out', out], { cwd: work, env: env() });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (b) => {
        stderr += b;
        if (/train: step [1-9]\d*\//.test(stderr)) resolve();
      });
      exited.then((code) => reject(new Error(`train exited ${code} before its first progress line:\n${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('interrupted: stopping after the current batch');
    expect(stderr).toMatch(/training interrupted after \d+ steps \(\d+ full epochs?\): the weights of the last completed step were saved to /);
    const doc = amaasJson(['eval', '--model', out, '--dataset', 'mnist']);
    expect(doc.model.kind).toBe('mlp');
  });

  test('eval prints metrics and the confusion matrix', () => {
    const doc = amaasJson(['eval', '--model', v1, '--dataset', 'iris']);
    expect(doc.accuracy).toBeGreaterThan(0.85);
    expect(doc.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(doc.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(150);
    const text = amaas(['eval', '--model', v1, '--dataset', 'iris', '--confusion']);
    expect(text.stdout).toContain('confusion matrix (rows: true class, columns: predicted)');
  });

  test('cross-validation of a config file\'s settings', () => {
    const config = path.join(home, 'logistic.yaml');
    fs.writeFileSync(config, 'kind: logistic\nc: 1\nmaxIter: 200\n');
    const doc = amaasJson(['eval', '--cv', '3', '--dataset', 'iris', '--config', config]);
    expect(doc.crossValidation.kind).toBe('logistic');
    expect(doc.crossValidation.perFold).toHaveLength(3);
    expect(doc.crossValidation.scores.accuracy.mean).toBeGreaterThan(0.85);
  });

  test('quantize to int8 and int4: smaller files, accuracy kept, the quantized model evaluates and predicts', () => {
    const q8 = path.join(home, 'iris-int8.safetensors'), q4 = path.join(home, 'iris-int4.safetensors');
    const d8 = amaasJson(['quantize', '--model', v1, '--dataset', 'iris', '--out', q8]);
    expect(d8.scheme).toBe('int8');
    expect(d8.bytes.after).toBeGreaterThan(0); // (a 4-16-3 model is mostly header: size ratios are tested in core on MNIST)
    expect(d8.after.accuracy).toBeGreaterThan(d8.before.accuracy - 0.05);
    const d4 = amaasJson(['quantize', '--model', v1, '--scheme', 'int4', '--dataset', 'iris', '--out', q4]);
    expect(d4.scheme).toBe('int4'); // (on a 4-feature model int4's 32-wide groups are mostly padding)
    expect(d4.after.accuracy).toBeGreaterThan(d8.before.accuracy - 0.1);
    expect(amaasJson(['eval', '--model', q8, '--dataset', 'iris']).accuracy).toBeCloseTo(d8.after.accuracy, 10);
    expect(amaasJson(['models', 'push', q8, '--name', 'iris-int8']).version).toBe(1);
    const wrong = amaas(['quantize', '--model', q8, '--out', path.join(home, 'again.safetensors')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/fp32 MLP/);
  });

  test('prune (magnitude and structured) and distill produce working models', () => {
    const mag = amaasJson(['prune', '--model', v1, '--sparsity', '0.5', '--dataset', 'iris', '--fine-tune-epochs', '5', '--out', path.join(home, 'iris-pruned.safetensors')]);
    expect(mag.parameters.after).toBe(mag.parameters.before);
    expect(mag.after.accuracy).toBeGreaterThan(0.6); // a 4-16-3 network keeps little at 50% sparsity
    const st = amaasJson(['prune', '--model', v1, '--structured', '--sparsity', '0.5', '--dataset', 'iris', '--fine-tune-epochs', '5', '--out', path.join(home, 'iris-small.safetensors')]);
    expect(st.layers).toEqual([4, 8, 3]);
    expect(st.parameters.after).toBeLessThan(st.parameters.before);
    const dist = amaasJson(['distill', '--teacher', v1, '--hidden', '8', '--dataset', 'iris', '--epochs', '400', '--out', path.join(home, 'iris-student.safetensors')]);
    expect(dist.layers).toEqual([4, 8, 3]);
    expect(dist.parameters.ratio).toBeLessThan(0.55);
    expect(dist.student.accuracy).toBeGreaterThan(0.6);
    expect(amaas(['distill', '--teacher', v1, '--dataset', 'iris', '--out', 'x.safetensors']).status).toBe(2); // no --hidden
  });

  test('push, alias, rollback in the registry', () => {
    expect(amaasJson(['models', 'push', v1, '--name', 'iris', '--metric', 'accuracy=0.9']).version).toBe(1);
    const second = amaasJson(['train', '--dataset', 'iris', '--seed', '2', '--push', 'iris', '--alias', 'production']);
    expect(second.pushed).toEqual({ name: 'iris', version: 2, alias: 'production' });

    const moved = amaasJson(['models', 'alias', 'iris', 'production', '1']);
    expect(moved.targets).toEqual([{ version: 1, weight: 1 }]);
    expect(moved.previous).toEqual([{ version: 2, weight: 1 }]);
    const back = amaasJson(['models', 'rollback', 'iris', 'production']);
    expect(back.targets).toEqual([{ version: 2, weight: 1 }]);

    const shown = amaasJson(['models', 'show', 'iris']);
    expect(shown.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(shown.versions[0].metrics).toEqual({ accuracy: 0.9 });
    expect(shown.aliases).toEqual([expect.objectContaining({ alias: 'production', targets: [{ version: 2, weight: 1 }] })]);
    const listed = amaas(['models', 'list']);
    expect(listed.stdout).toMatch(/iris\s+2\s+2\s+production->v2/);

    // A version an alias points at stays: exit 1 with what to do.
    const rm = amaas(['models', 'rm', 'iris', '2']);
    expect(rm.status).toBe(1);
    expect(rm.stderr).toMatch(/amaas: .*alias/);
    expect(amaas(['models', 'rm', 'iris', '1']).status).toBe(0);
  });

  test('predict locally from the registry alias, and export to ONNX', () => {
    const doc = amaasJson(['predict', '--model', 'iris:production', '--instances', '[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]']);
    expect(doc.model).toEqual({ source: 'registry', name: 'iris', version: 2 });
    expect(doc.predictions.map((p: { prediction: number }) => p.prediction)).toEqual([0, 2]);
    expect(doc.predictions.map((p: { label?: string }) => p.label)).toEqual(['setosa', 'virginica']); // class names kept in the file
    const onnx = path.join(home, 'iris.onnx');
    expect(amaasJson(['export', '--model', 'iris', '--onnx', onnx]).bytes).toBe(fs.statSync(onnx).size);
  });
});

describe('quickstart', () => {
  test('--no-serve: MNIST trained, evaluated and registered as production', () => {
    const dataDir = path.join(home, 'qs-offline');
    const doc = amaasJson(['quickstart', '--no-serve', '--data-dir', dataDir]);
    expect(doc.dataset).toMatchObject({ name: 'mnist', rows: 10000, features: 784 });
    expect(doc.evaluation.accuracy).toBeGreaterThan(0.9);
    expect(doc.registered[0]).toMatchObject({ name: 'mnist', version: 1, kind: 'mlp' });
    expect(doc.registered[1]).toMatchObject({ name: 'mnist', version: 2, kind: 'quantized-mlp' }); // the int8 version
    expect(doc.registered[1].metrics.accuracy).toBeGreaterThan(doc.evaluation.accuracy - 0.01);
    expect(doc.production).toBe(1);
    for (const f of doc.curl.files) expect(JSON.parse(fs.readFileSync(f, 'utf8'))).toBeDefined();
    expect(doc.curl.tfServing).toContain('/v1/models/mnist:predict');
    expect(doc.curl.v2).toContain('/v2/models/mnist/infer');
    const shown = amaasJson(['models', 'show', 'mnist', '--data-dir', dataDir]);
    expect(shown.aliases[0]).toMatchObject({ alias: 'production', targets: [{ version: 1, weight: 1 }] });
  });

  test('serves in the foreground, answers both protocols, stops cleanly on SIGINT', async () => {
    requireServer();
    const dataDir = path.join(home, 'qs-serve');
    const child = spawn(process.execPath, [bin, 'quickstart', '--port', '0', '--json', '--data-dir', dataDir], { cwd: work, env: env() });
    let stdout = '', stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const doc = await new Promise<{ url: string; curl: { files: string[] }; exampleLabel: string }>((resolve, reject) => {
        child.stdout.on('data', (b) => {
          stdout += b;
          try {
            resolve(JSON.parse(stdout));
          } catch {
            /* not complete yet */
          }
        });
        exited.then((code) => reject(new Error(`quickstart exited ${code} before it was ready:\n${stderr}`)));
      });
      expect((await fetch(`${doc.url}/v2/health/ready`)).status).toBe(200);
      const [v1Body, v2Body] = doc.curl.files.map((f) => fs.readFileSync(f, 'utf8'));
      const v1 = await fetch(`${doc.url}/v1/models/mnist:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: v1Body });
      expect(v1.status).toBe(200);
      expect((await v1.json()).predictions).toHaveLength(1);
      const v2 = await fetch(`${doc.url}/v2/models/mnist/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: v2Body });
      expect(v2.status).toBe(200);
      expect((await v2.json()).outputs.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('server closed');
  });
});

describe('serve and keys (need @amaas/server)', () => {
  test('keys create, list, revoke', () => {
    requireServer();
    const created = amaasJson(['keys', 'create', '--name', 'app', '--scopes', 'infer,read']);
    expect(created.key).toEqual(expect.any(String));
    expect(created.scopes).toEqual(['infer', 'read']);
    expect(amaasJson(['keys', 'list']).keys.map((k: { name: string }) => k.name)).toContain('app');
    expect(amaas(['keys', 'revoke', 'app']).status).toBe(0);
    expect(amaasJson(['keys', 'list']).keys.find((k: { name: string }) => k.name === 'app').revokedAt).toBeTruthy();
    expect(amaas(['keys', 'create', '--name', 'x', '--scopes', 'root']).status).toBe(2);
  });

  test('serve --port 0 answers predict for a registered model, then stops on SIGTERM', async () => {
    requireServer();
    amaasJson(['train', '--dataset', 'iris', '--hidden', '16', '--push', 'served', '--alias', 'production']);
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--json', '--auth', 'off'], { cwd: work, env: env() });
    let stdout = '', stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const doc = await new Promise<{ url: string; models: string[] }>((resolve, reject) => {
        child.stdout.on('data', (b) => {
          stdout += b;
          try {
            resolve(JSON.parse(stdout));
          } catch {
            /* not complete yet */
          }
        });
        exited.then((code) => reject(new Error(`serve exited ${code}:\n${stderr}`)));
      });
      expect(doc.models).toContain('served');
      const r = amaasJson(['predict', '--url', doc.url, '--model', 'served', '--instances', '[[5.1, 3.5, 1.4, 0.2]]']);
      expect(r.endpoint).toBe(`${doc.url}/v1/models/served:predict`);
      expect(r.response.predictions).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

test('info reports the engine', () => {
  const doc = amaasJson(['info']);
  expect(doc.engine.isa).toMatch(/scalar|avx2|avx512|neon/);
  expect(doc.engine.threads).toBeGreaterThan(0);
  expect(doc.dataDir).toBe(path.join(home, 'data'));
});
