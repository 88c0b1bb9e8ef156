// `bench --quick` as CI runs it: the real command (bin/bench.js) in a child process. It must
// validate every result and exit 0; speed is never asserted. The train suite needs Debian's
// dataset-fashion-mnist and runs only where it is installed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const bench = path.resolve(__dirname, '..', 'packages', 'bench', 'bin', 'bench.js');
const run = (args: string[]) => spawnSync(process.execPath, [bench, ...args], { encoding: 'utf8' });

test('bench gemm --quick --json validates and prints one JSON document', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  try {
    const r = run(['gemm', '--quick', '--json', '--out', out]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.gemm.failures).toEqual([]);
    expect(doc.gemm.cases.length).toBeGreaterThan(0);
    for (const c of doc.gemm.cases) expect(c.median_gflops).toBeGreaterThan(0);
    for (const f of ['gemm.json', 'gemm.md', 'gemm.svg']) expect(fs.existsSync(path.join(out, f))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('bench infer --quick agrees with onnxruntime before timing', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  try {
    const r = run(['infer', '--quick', '--threads', '1', '--json', '--out', out]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.infer.failures).toEqual([]);
    expect(doc.infer.max_abs_diff).toBeLessThanOrEqual(1e-4);
    expect(doc.infer.cases.map((c: { batch: number }) => c.batch)).toEqual([1, 64]);
    for (const c of doc.infer.cases) for (const k of ['ort_median_us', 'int8_median_us', 'int4_median_us', 'ort_int8_median_us']) expect(c[k]).toBeGreaterThan(0);
    expect(doc.infer.int8_max_prob_diff).toBeLessThan(0.05);
    expect(doc.infer.ort_int8_max_prob_diff).toBeLessThan(0.05);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

const fashion = fs.existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
(fashion ? test : test.skip)(`bench train --quick validates against the scalar kernels${fashion ? '' : ' (skipped: dataset-fashion-mnist not installed)'}`, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  try {
    const r = run(['train', '--quick', '--threads', '1', '--json', '--out', out]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.train.validation.passed).toBe(true);
    expect(fs.existsSync(path.join(out, 'train.svg'))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with a message that says what was expected', () => {
  const r = run(['gemm', '--threads', 'two']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/Expected .*threads.* but received 'two'/);
});
