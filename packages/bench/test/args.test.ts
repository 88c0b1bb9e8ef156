// parseArgs: accepted command lines, and the usage errors (exit status 2 in main) for bad ones.
import { parseArgs, parseShape, type BenchOptions } from '../src/args';

function ok(argv: string[]): BenchOptions {
  const r = parseArgs(argv);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(argv)} to parse but got: ${r.error}`);
  return r.options;
}

function error(argv: string[]): string {
  const r = parseArgs(argv);
  if (r.ok) throw new Error(`expected ${JSON.stringify(argv)} to be refused`);
  return r.error;
}

describe('parseArgs', () => {
  test('no arguments: all suites, defaults', () => {
    const o = ok([]);
    expect(o).toMatchObject({ suite: 'all', quick: false, json: false, outDir: 'bench-results', help: false });
    expect(o.threads).toBeUndefined();
    expect(o.shapes).toBeUndefined();
  });

  test('suite and every flag', () => {
    const o = ok(['gemm', '--quick', '--json', '--out', 'x/y', '--threads', '2', '--shapes', '1x784x512,64x64x64']);
    expect(o).toMatchObject({ suite: 'gemm', quick: true, json: true, outDir: 'x/y', threads: 2 });
    expect(o.shapes).toEqual([
      { m: 1, k: 784, n: 512 },
      { m: 64, k: 64, n: 64 },
    ]);
    expect(o.argv).toEqual(['gemm', '--quick', '--json', '--out', 'x/y', '--threads', '2', '--shapes', '1x784x512,64x64x64']);
  });

  test('--flag=value form and flags before the suite', () => {
    const o = ok(['--threads=1', '--shapes=7x33x5', '--out=res', 'gemm']);
    expect(o).toMatchObject({ suite: 'gemm', threads: 1, outDir: 'res', shapes: [{ m: 7, k: 33, n: 5 }] });
  });

  test('suite names parse', () => {
    for (const s of ['qgemm', 'infer', 'train', 'serve', 'all']) expect(ok([s]).suite).toBe(s);
  });

  test('--help and -h', () => {
    expect(ok(['--help']).help).toBe(true);
    expect(ok(['gemm', '-h']).help).toBe(true);
  });

  test('unknown flag names what is accepted and what came', () => {
    const e = error(['gemm', '--fast']);
    expect(e).toMatch(/Expected one of --quick/);
    expect(e).toMatch(/received '--fast'/);
  });

  test('unknown suite', () => {
    expect(error(['gemmm'])).toMatch(/Expected a suite name \(gemm, qgemm, infer, train, serve, all\) but received 'gemmm'/);
  });

  test('two suites', () => {
    expect(error(['gemm', 'qgemm'])).toMatch(/at most one suite/);
  });

  test.each([['12x3'], ['12x3x'], ['0x4x4'], ['4x4x-1'], ['axbxc'], ['4x4x4x4'], ['1.5x2x3'], ['']])(
    'malformed shape %p',
    (shape) => {
      const e = error(['gemm', '--shapes', `64x64x64,${shape}`]);
      expect(e).toMatch(/Expected each shape as MxKxN with positive integers/);
      expect(e).toContain(`received '${shape}'`);
    },
  );

  test('--shapes without a value', () => {
    expect(error(['--shapes'])).toMatch(/after --shapes .* but received nothing/);
    expect(error(['--shapes', '--quick'])).toMatch(/received nothing/);
  });

  test.each([['0'], ['-1'], ['1.5'], ['two'], ['2x']])('--threads %p is refused', (value) => {
    expect(error(['--threads', value])).toBe(`Expected a positive integer for --threads but received '${value}'`);
  });

  test('--threads without a value', () => {
    expect(error(['--threads'])).toBe('Expected a positive integer for --threads but received nothing');
  });

  test('--out without a value, and a value given to a switch', () => {
    expect(error(['--out'])).toMatch(/Expected a directory after --out but received nothing/);
    expect(error(['--quick=yes'])).toBe("Expected no value for --quick but received 'yes'");
  });
});

describe('parseShape', () => {
  test('MxKxN order', () => {
    expect(parseShape('1x784x512')).toEqual({ m: 1, k: 784, n: 512 });
    expect(parseShape(' 2x3x4 ')).toEqual({ m: 2, k: 3, n: 4 });
    expect(parseShape('2X3X4')).toBeNull();
    expect(parseShape('99999999999999999999x1x1')).toBeNull();
  });
});
