// The real serve suite in quick mode through main(): servers in child processes, autocannon in
// this one. Checks the report's structure and that every request succeeded (non-2xx = 0, no
// errors); never a speed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/main';
import { capture } from './capture';

describe('bench serve --quick', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-serve-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('validates, loads every endpoint without a failed request, writes json/md', async () => {
    const io = capture();
    const code = await main(['serve', '--quick', '--json', '--out', dir], io);
    expect(io.err).not.toMatch(/FAILED|error:/);
    expect(code).toBe(0);
    const doc = JSON.parse(io.out);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'serve.json'), 'utf8'));
    expect(saved.serve.cases).toEqual(doc.serve.cases);
    expect(fs.readFileSync(path.join(dir, 'serve.md'), 'utf8')).toMatch(/\| case \|/);
    expect(fs.readFileSync(path.join(dir, 'serve.svg'), 'utf8')).toMatch(/^<svg[\s\S]*@amaas\/server[\s\S]*<\/svg>\n?$/);
    const r = doc.serve;
    expect(r.failures).toEqual([]);
    expect(r.model).toBe('784-512-256-10');
    expect(r.validation.max_abs_diff_ours).toBeLessThanOrEqual(1e-5);
    const keys = r.cases.map((c: { key: string }) => c.key);
    expect(keys).toEqual(expect.arrayContaining(['node_get', 'express_get', 'express_post', 'v2_json', 'v2_binary', 'tf_predict', 'batching_off_256', 'batching_on_256']));
    for (const c of r.cases) {
      expect(c.non2xx).toBe(0);
      expect(c.errors).toBe(0);
      expect(c.runs.length).toBe(r.runs);
      expect(c.median_rps).toBeGreaterThan(0);
      expect(c.median_p99_ms).toBeGreaterThanOrEqual(c.median_p50_ms);
    }
    expect(r.cases.find((c: { key: string }) => c.key === 'batching_on_256').connections).toBe(256);
    for (const t of r.targets) expect(typeof t.met).toBe('boolean');
  });
});
