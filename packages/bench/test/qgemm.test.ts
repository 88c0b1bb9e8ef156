// The qgemm suite through main() in quick mode on odd shapes: validation passes (raw integer
// products exact, dequantized ones near fp32), every figure is filled in and the files are
// written. It never asserts a speed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/main';
import { capture } from './capture';
import { renderQgemmMarkdown } from '../src/suites/qgemm';

test('bench qgemm --quick validates, times and writes json/md', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-qgemm-'));
  const io = capture();
  try {
    const code = await main(['qgemm', '--shapes', '7x33x5,1x784x512', '--threads', '1', '--quick', '--json', '--out', dir], io);
    expect(code).toBe(0);
    const doc = JSON.parse(io.out);
    const q = doc.qgemm;
    expect(q.failures).toEqual([]);
    expect(q.levels).toContain('scalar');
    expect(q.levels).toContain(q.level);
    expect(q.peaks).toEqual([{ threads: 1, gops: expect.any(Number) }]);
    expect(q.cases.map((c: { shape: string }) => c.shape)).toEqual(['7x33x5', '1x784x512']);
    for (const c of q.cases)
      for (const key of ['gops', 'median_us', 'pct_of_peak', 'fp32_gflops', 'int8_over_fp32', 'f32io_gops', 'int4_gops']) expect(c[key]).toBeGreaterThan(0);
    expect(q.mlp.int8_max_prob_diff).toBeLessThan(0.05);
    expect(q.mlp.cases).toHaveLength(1);
    for (const key of ['fp32_b256_samples_per_sec', 'int8_b256_samples_per_sec', 'int4_b256_samples_per_sec', 'pruned_b256_samples_per_sec', 'fp32_b1_us', 'int8_b1_us', 'int4_b1_us', 'pruned_b1_us'])
      expect(q.mlp.cases[0][key]).toBeGreaterThan(0);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'qgemm.json'), 'utf8'));
    expect(saved.qgemm.cases).toEqual(q.cases);
    expect(fs.readFileSync(path.join(dir, 'qgemm.md'), 'utf8')).toBe(renderQgemmMarkdown(q, doc.run.command));
    expect(fs.readFileSync(path.join(dir, 'qgemm.svg'), 'utf8')).toMatch(/^<svg[\s\S]*amaas int8[\s\S]*<\/svg>\n?$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
