// End to end through main(): the real gemm suite in quick mode on tiny shapes, results in a temp
// dir; plus the exit-status-2 paths. Checks that validation passed and the figures are positive;
// it never asserts a speed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT_USAGE, main } from '../src/main';
import { capture } from './capture';

describe('bench gemm --quick on tiny shapes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-bench-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('validates, times and writes json/md/svg', async () => {
    const io = capture();
    const code = await main(['gemm', '--shapes', '7x33x5,1x784x512', '--threads', '1', '--quick', '--json', '--out', dir], io);
    expect(io.err).not.toMatch(/FAILED|error:/);
    expect(code).toBe(0);

    const doc = JSON.parse(io.out); // stdout holds exactly one JSON document
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'gemm.json'), 'utf8'));
    expect(saved.gemm.cases).toEqual(doc.gemm.cases);

    expect(doc.machine.maxThreads).toBeGreaterThanOrEqual(1);
    expect(doc.machine.peaks).toHaveLength(1);
    expect(doc.machine.peaks[0].threads).toBe(1);
    expect(doc.machine.peaks[0].gflops).toBeGreaterThan(0);

    const cases = doc.gemm.cases;
    expect(doc.gemm.failures).toEqual([]);
    expect(cases.map((c: { m: number; k: number; n: number; path: string }) => `${c.m}x${c.k}x${c.n} ${c.path}`)).toEqual([
      '7x33x5 sgemm',
      '7x33x5 packed',
      '1x784x512 sgemm',
      '1x784x512 packed',
    ]);
    for (const c of cases) {
      expect(c.threads).toBe(1);
      for (const key of ['median_gflops', 'min_gflops', 'max_gflops', 'median_us', 'peak_gflops', 'ratio_to_peak'])
        expect(c[key]).toBeGreaterThan(0);
      expect(c.min_gflops).toBeLessThanOrEqual(c.median_gflops);
      expect(c.max_gflops).toBeGreaterThanOrEqual(c.median_gflops);
      expect(typeof c.noisy).toBe('boolean');
      expect(c.samples).toBeGreaterThanOrEqual(5);
      expect(c.validation.mode).toBe('full');
      expect(c.validation.checked).toBe(c.m * c.n);
      expect(c.validation.worst_error_to_tolerance).toBeLessThanOrEqual(1);
      expect(c.onednn_gflops).toBeUndefined(); // peers are skipped with --quick
    }
    expect(doc.gemm.peers).toEqual({ onednn: 'skipped (--quick)', openblas: 'skipped (--quick)' });
    for (const call of ['sgemm_sync', 'core_matmul_sync', 'sgemm_async_await'])
      expect(doc.gemm.overhead[call].median_ns).toBeGreaterThan(0);

    const md = fs.readFileSync(path.join(dir, 'gemm.md'), 'utf8');
    expect(md).toContain('bench gemm --shapes 7x33x5,1x784x512 --threads 1 --quick --json');
    expect(md).toContain('| 7x33x5 | packed | 1 |');
    const svg = fs.readFileSync(path.join(dir, 'gemm.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('1x784x512');
  });

  test('the table form prints the table on stdout', async () => {
    const io = capture();
    const code = await main(['gemm', '--shapes', '3x5x4', '--threads', '1', '--quick', '--out', dir], io);
    expect(code).toBe(0);
    expect(io.out).toMatch(/shape MxKxN\s+path\s+threads\s+GFLOP\/s median/);
    expect(io.out).toMatch(/^3x5x4\s+sgemm\s+1\s/m);
    expect(io.out).toMatch(/^3x5x4\s+packed\s+1\s/m);
    expect(io.out).toContain(path.join(dir, 'gemm.svg'));
  });
});

describe('exit status 2', () => {
  test('bad usage prints what was expected and the usage', async () => {
    const io = capture();
    expect(await main(['gemm', '--shapes', '12x3'], io)).toBe(EXIT_USAGE);
    expect(io.err).toContain("but received '12x3'");
    expect(io.err).toContain('usage: bench');
  });

  test('more threads than the engine has', async () => {
    const io = capture();
    expect(await main(['gemm', '--threads', '100000'], io)).toBe(EXIT_USAGE);
    expect(io.err).toMatch(/Expected --threads between 1 and \d+ .* but received 100000/);
  });

  test('--help is not an error', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('usage: bench');
  });
});
