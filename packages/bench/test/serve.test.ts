// The real serve suite in quick mode through main(): servers in child processes, autocannon in
// this one (and wrk, Debian's package, where it is installed). Checks the report's structure and
// that every request succeeded (non-2xx = 0, no errors); never a speed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/main';
import { findWrk, luaString, wrkScript } from '../src/suites/loadgen';
import { capture } from './capture';

describe('bench serve --quick', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-serve-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const check = async (loadgen: 'wrk' | 'autocannon') => {
    const io = capture();
    const code = await main(['serve', '--quick', '--json', '--out', dir, '--loadgen', loadgen], io);
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
    expect(r.loadgen).toMatch(new RegExp(`^${loadgen} `));
    expect(keys).toEqual(expect.arrayContaining(['node_get', 'express_get', 'express_post', 'v2_json', 'v2_binary', 'tf_predict', 'v2_json_unbatched', 'v2_binary_unbatched', 'batching_off_256', 'batching_on_256']));
    for (const c of r.cases) {
      expect(c.non2xx).toBe(0);
      expect(c.errors).toBe(0);
      expect(c.runs.length).toBe(r.runs);
      expect(c.median_rps).toBeGreaterThan(0);
      expect(c.median_p99_ms).toBeGreaterThanOrEqual(c.median_p50_ms);
    }
    expect(r.cases.find((c: { key: string }) => c.key === 'batching_on_256').connections).toBe(256);
    for (const t of r.targets) expect(typeof t.met).toBe('boolean');
  };

  test('autocannon: validates, loads every endpoint without a failed request, writes json/md', () => check('autocannon'));

  const wrk = findWrk();
  (wrk ? test : test.skip)(`wrk: the same with wrk${wrk ? '' : ' (skipped: no wrk on PATH; Debian package wrk)'}`, () => check('wrk'));

  test('wrk scripts carry binary bodies byte for byte', () => {
    const bytes = Buffer.from([0, 1, 9, 10, 13, 34, 39, 65, 92, 127, 128, 200, 255]);
    const lit = luaString(bytes);
    expect(lit).toBe('"\\000\\001\\009\\010\\013\\034\'A\\092\\127\\128\\200\\255"');
    // decoding the literal as Lua does (\ddd is a decimal byte) gives the bytes back
    const decoded = Buffer.from(lit.slice(1, -1).replace(/\\(\d{3})|(.)/gs, (_m, d: string | undefined, c: string | undefined) => String.fromCharCode(d !== undefined ? Number(d) : c!.charCodeAt(0))), 'latin1');
    expect(decoded.equals(bytes)).toBe(true);
    const script = wrkScript({ method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(script).toContain(`wrk.body = ${lit}`);
    expect(script).toContain('wrk.headers["content-type"] = "application/octet-stream"');
    expect(script).toMatch(/done = function\(summary, latency, requests\)/);
  });

  test('--loadgen is checked', async () => {
    const io = capture();
    expect(await main(['serve', '--loadgen', 'ab'], io)).toBe(2);
    expect(io.err).toMatch(/Expected 'wrk' or 'autocannon' after --loadgen but received 'ab'/);
  });
});
