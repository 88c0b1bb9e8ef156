// Command line of `bench`: parses argv into options or a usage error that says what was expected
// and what was received. Pure: it knows nothing of the machine (the thread ceiling is checked by
// the CLI once the engine is loaded) and never exits the process itself.

export const IMPLEMENTED_SUITES = ['gemm', 'qgemm', 'infer', 'train', 'serve'] as const;
/** Suites the command line accepts but that are not written yet, with where they are tracked (none now). */
export const PLANNED_SUITES = {
} as const;
export const SUITE_NAMES = [...IMPLEMENTED_SUITES, ...(Object.keys(PLANNED_SUITES) as PlannedSuite[]), 'all'] as const;

export type ImplementedSuite = (typeof IMPLEMENTED_SUITES)[number];
export type PlannedSuite = keyof typeof PLANNED_SUITES;
export type SuiteName = ImplementedSuite | PlannedSuite | 'all';

/** One GEMM problem: C (M,N) = A (M,K) · B (K,N). Written MxKxN on the command line. */
export interface Shape {
  m: number;
  k: number;
  n: number;
}

export interface BenchOptions {
  suite: SuiteName;
  quick: boolean;
  json: boolean;
  /** Directory results are written to (relative paths resolve against the working directory). */
  outDir: string;
  /** Thread count to run with only; undefined: 1 and the engine's maxThreads. */
  threads?: number;
  /** Replaces the suite's default shapes when given. */
  shapes?: Shape[];
  help: boolean;
  /** Where the gemm suite runs: 'cpu' (default) or 'cuda' (GPU kernels, validated against the CPU). */
  device: 'cpu' | 'cuda';
  /** The serve suite's load generator; undefined: wrk when it is on PATH, autocannon otherwise. */
  loadgen?: 'wrk' | 'autocannon';
  /** The arguments as given, to record how a result was produced. */
  argv: string[];
}

export type ParseResult = { ok: true; options: BenchOptions } | { ok: false; error: string };

export const DEFAULT_OUT_DIR = 'bench-results';

export const USAGE = `usage: bench [gemm|qgemm|infer|train|serve|all] [options]

suites:
  gemm     fp32 GEMM: plain sgemm on square shapes and the packed inference path
           (x·Wᵀ, weights packed once), against the FMA peak and installed peers
  qgemm    int8 GEMM (u8 x s8 -> s32, VNNI/AVX2) against the measured dot-product peak,
           oneDNN's u8s8s32 and our fp32 GEMM; int4 weights; the Mlp with int8/int4 weights
  infer    Mlp 784-512-256-10 inference at batch 1, 64, 256 against onnxruntime-node on the
           same network (exported with exportOnnx) and, at batch 1, the same network in plain C
           over oneDNN's sgemm (tools/peers/mlp_peers.c), validated first
  train    Mlp 784-512-256-10 training throughput on Fashion-MNIST (batch 128, Adam),
           validated against the scalar kernels, against the FMA-peak bound, a plain C training
           loop over oneDNN's sgemm (tools/peers/mlp_peers.c) and TensorFlow.js
  serve    @amaas/server over HTTP (wrk or autocannon, loopback) on the Mlp 784-512-256-10 at
           batch 1: node:http and Express floors, Express + onnxruntime-node (the baseline), our
           V2 JSON, V2 binary, TF :predict, and batching off vs on at 256 connections
  all      every implemented suite (the default)

options:
  --quick            few shapes and repetitions, no peers (well under a minute); still validates
  --json             print one JSON document on stdout (progress goes to stderr)
  --out DIR          where result files go (default: ./${DEFAULT_OUT_DIR})
  --threads N        run with N threads only (default: 1 thread and all threads)
  --shapes LIST      comma-separated MxKxN shapes replacing the defaults, e.g. 1x784x512,512x512x512
  --device cpu|cuda  gemm only: 'cuda' validates the GPU kernels (fp32, tf32, bf16, int8) against the
                     CPU and times them at 4096^3 (1024^3 with --quick) next to torch.matmul if
                     importable; without a usable GPU it exits 1 with the reason
  --loadgen wrk|autocannon
                     serve only: the load generator (default: wrk when it is on PATH, Debian's
                     'wrk' package; else autocannon, which costs the shared cores more per request)
  --help             this text

exit status: 0 ok, 1 a result failed validation or a run failed, 2 bad usage or a planned suite`;

const SHAPE_PATTERN = /^([1-9][0-9]*)x([1-9][0-9]*)x([1-9][0-9]*)$/;

/** Parses "MxKxN" (e.g. "1x784x512": M=1, K=784, N=512); null when malformed. */
export function parseShape(text: string): Shape | null {
  const match = SHAPE_PATTERN.exec(text.trim());
  if (!match) return null;
  const [m, k, n] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (![m, k, n].every(Number.isSafeInteger)) return null;
  return { m, k, n };
}

export function formatShape(s: Shape): string {
  return `${s.m}x${s.k}x${s.n}`;
}

function describe(value: string | undefined): string {
  return value === undefined ? 'nothing' : `'${value}'`;
}

/** argv without the node binary and script path, e.g. process.argv.slice(2). */
export function parseArgs(argv: readonly string[]): ParseResult {
  const options: BenchOptions = {
    suite: 'all',
    quick: false,
    json: false,
    outDir: DEFAULT_OUT_DIR,
    help: false,
    device: 'cpu',
    argv: argv.slice(),
  };
  let suiteGiven: string | undefined;
  const fail = (error: string): ParseResult => ({ ok: false, error });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      if (suiteGiven !== undefined)
        return fail(`Expected at most one suite name but received '${suiteGiven}' and '${arg}'`);
      if (!(SUITE_NAMES as readonly string[]).includes(arg))
        return fail(`Expected a suite name (${SUITE_NAMES.join(', ')}) but received '${arg}'`);
      suiteGiven = arg;
      options.suite = arg as SuiteName;
      continue;
    }
    // --flag=value and --flag value are both accepted for flags that take a value.
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const inlineValue = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string | undefined => {
      if (inlineValue !== undefined) return inlineValue;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      i++;
      return next;
    };
    const noValue = (): ParseResult | null =>
      inlineValue === undefined ? null : fail(`Expected no value for ${flag} but received '${inlineValue}'`);

    switch (flag) {
      case '--help':
      case '-h': {
        const bad = noValue();
        if (bad) return bad;
        options.help = true;
        break;
      }
      case '--quick': {
        const bad = noValue();
        if (bad) return bad;
        options.quick = true;
        break;
      }
      case '--json': {
        const bad = noValue();
        if (bad) return bad;
        options.json = true;
        break;
      }
      case '--out': {
        const value = takeValue();
        if (value === undefined || value === '') return fail(`Expected a directory after --out but received ${describe(value)}`);
        options.outDir = value;
        break;
      }
      case '--threads': {
        const value = takeValue();
        const n = value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : NaN;
        if (!Number.isSafeInteger(n) || n < 1)
          return fail(`Expected a positive integer for --threads but received ${describe(value)}`);
        options.threads = n;
        break;
      }
      case '--shapes': {
        const value = takeValue();
        if (value === undefined || value.trim() === '')
          return fail(`Expected comma-separated MxKxN shapes after --shapes (e.g. 1x784x512,256x256x256) but received ${describe(value)}`);
        const shapes: Shape[] = [];
        for (const part of value.split(',')) {
          const shape = parseShape(part);
          if (!shape)
            return fail(`Expected each shape as MxKxN with positive integers (e.g. 1x784x512) but received '${part}'`);
          shapes.push(shape);
        }
        options.shapes = shapes;
        break;
      }
      case '--device': {
        const value = takeValue();
        if (value !== 'cpu' && value !== 'cuda') return fail(`Expected 'cpu' or 'cuda' after --device but received ${describe(value)}`);
        options.device = value;
        break;
      }
      case '--loadgen': {
        const value = takeValue();
        if (value !== 'wrk' && value !== 'autocannon') return fail(`Expected 'wrk' or 'autocannon' after --loadgen but received ${describe(value)}`);
        options.loadgen = value;
        break;
      }
      default:
        return fail(`Expected one of --quick, --json, --out DIR, --threads N, --shapes MxKxN,..., --device cpu|cuda, --loadgen wrk|autocannon, --help but received '${arg}'`);
    }
  }
  return { ok: true, options };
}
