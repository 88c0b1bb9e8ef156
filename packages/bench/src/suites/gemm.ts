// The gemm suite: fp32 GEMM through the plain sgemm (square shapes) and through the inference path
// (@amaas/core packLinear: x·Wᵀ with W packed once), each validated against the reference and then
// timed, set against the FMA peak and against oneDNN / OpenBLAS when installed, plus the JS call
// overhead of a tiny GEMM. Not a report writer (see report/) and not the command line (main.ts).
import native = require('@amaas/native');
import { matmulSync, packLinear, Tensor } from '@amaas/core';
import { formatShape, type Shape } from '../args';
import type { PeakFigure } from '../machine';
import { PEER_LABELS, PEER_NAMES, preparePeers, runPeer, type PeerName, type PeerProgram } from '../peers';
import { seedFor, uniformMatrix } from '../prng';
import { FULL_TIMING, QUICK_TIMING, timeAsync, timeSync, type Timing, type TimingOptions } from '../timing';
import { buildReference, validateGemm, type GemmProblem, type GemmReference, type ValidationMode } from '../validate';

/** 'sgemm': native.sgemm, A (M,K) · B (K,N). 'packed': packLinear(W (N,K)).forwardSync(x (M,K), out). */
export type GemmPath = 'sgemm' | 'packed';

export interface GemmCaseSpec extends Shape {
  path: GemmPath;
}

export const SQUARE_SIZES = [64, 128, 256, 512, 1024, 2048];
export const QUICK_SQUARE_SIZES = [64, 256];
/** A 784-input, 512-output dense layer (an MNIST-sized MLP) at batch 1, 32 and 256. */
export const INFERENCE_SHAPES: Shape[] = [1, 32, 256].map((m) => ({ m, k: 784, n: 512 }));
export const QUICK_INFERENCE_SHAPES: Shape[] = [{ m: 1, k: 784, n: 512 }];
export const PEER_SECONDS = 0.3;

/** The cases to run: the defaults, or every given shape through both paths. */
export function gemmCases(shapes: Shape[] | undefined, quick: boolean): GemmCaseSpec[] {
  if (shapes) return shapes.flatMap((s): GemmCaseSpec[] => [{ ...s, path: 'sgemm' }, { ...s, path: 'packed' }]);
  const squares = (quick ? QUICK_SQUARE_SIZES : SQUARE_SIZES).map((s): GemmCaseSpec => ({ m: s, k: s, n: s, path: 'sgemm' }));
  const inference = (quick ? QUICK_INFERENCE_SHAPES : INFERENCE_SHAPES).map((s): GemmCaseSpec => ({ ...s, path: 'packed' }));
  return [...squares, ...inference];
}

export interface GemmCaseResult {
  m: number;
  n: number;
  k: number;
  threads: number;
  path: GemmPath;
  median_gflops: number;
  min_gflops: number;
  max_gflops: number;
  /** Median time per call, µs. */
  median_us: number;
  peak_gflops: number;
  ratio_to_peak: number;
  onednn_gflops?: number;
  onednn_us?: number;
  openblas_gflops?: number;
  openblas_us?: number;
  /** Our median GFLOP/s over oneDNN's: > 1 means faster than oneDNN. */
  ratio_to_onednn?: number;
  /** (max - min) / median of the sample times > 0.2. */
  noisy: boolean;
  spread: number;
  samples: number;
  calls_per_sample: number;
  validation: { mode: ValidationMode; checked: number; worst_error_to_tolerance: number };
}

export interface GemmFailure {
  m: number;
  n: number;
  k: number;
  threads: number;
  path: GemmPath;
  error: string;
}

export interface CallOverhead {
  median_ns: number;
  min_ns: number;
  max_ns: number;
  noisy: boolean;
  calls_per_sample: number;
  samples: number;
}

/** Per-call cost of a 4x4x4 GEMM from JS: the price of crossing into the engine. */
export interface GemmOverhead {
  m: number;
  k: number;
  n: number;
  threads: number;
  /** native.sgemm, synchronous, 19 positional arguments. */
  sgemm_sync: CallOverhead;
  /** @amaas/core matmulSync(a, b): argument checks and a new output tensor per call. */
  core_matmul_sync: CallOverhead;
  /** await native.sgemmAsync(...): a libuv worker round trip. */
  sgemm_async_await: CallOverhead;
}

export interface GemmSuiteResult {
  cases: GemmCaseResult[];
  failures: GemmFailure[];
  overhead: GemmOverhead | null;
  /** Per peer: 'ok (…)', 'not installed (…)', 'skipped (--quick)', … */
  peers: Record<PeerName, string>;
  /** Peer runs that did not produce a figure (the benchmark itself still counts as passed). */
  warnings: string[];
  threads: number[];
  quick: boolean;
}

export interface GemmSuiteConfig {
  threads: number[];
  peaks: PeakFigure[];
  shapes?: Shape[];
  quick: boolean;
  log: (line: string) => void;
}

/** Inputs and reference of one case; shared by every thread count. */
interface PreparedCase {
  spec: GemmCaseSpec;
  problem: GemmProblem;
  reference: GemmReference;
}

/** One way of computing C for a case: call() computes, output() is where C lands. */
interface GemmRunner {
  call(): void;
  output(): Float32Array;
  dispose(): void;
}

function prepareCase(spec: GemmCaseSpec): PreparedCase {
  const { m, k, n } = spec;
  const transB = spec.path === 'packed';
  // sgemm: A (M,K), B (K,N). packed: x (M,K), W (N,K) and C = x·Wᵀ.
  const a = uniformMatrix(m * k, seedFor('A', m, k, n));
  const b = uniformMatrix(k * n, seedFor(transB ? 'W' : 'B', m, k, n));
  const problem: GemmProblem = { m, n, k, a, b, transB };
  return { spec, problem, reference: buildReference(problem) };
}

function sgemmRunner(p: GemmProblem): GemmRunner {
  const { m, n, k, a, b } = p;
  const c = new Float32Array(m * n);
  return {
    call: () => native.sgemm(c, 0, n, a, 0, k, b, 0, n, m, n, k, false, false, 1, 0, null, 0, 0),
    output: () => c,
    dispose: () => {},
  };
}

function packedRunner(p: GemmProblem): GemmRunner {
  const { m, n, k } = p;
  const layer = packLinear(Tensor.from(p.b, [n, k]));
  const x = Tensor.from(p.a, [m, k]);
  const out = Tensor.from(new Float32Array(m * n), [m, n]);
  return {
    call: () => {
      layer.forwardSync(x, out);
    },
    output: () => out.data,
    dispose: () => layer.dispose(),
  };
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

function overheadFigures(t: Timing): CallOverhead {
  return {
    median_ns: round(t.medianNs, 1),
    min_ns: round(t.minNs, 1),
    max_ns: round(t.maxNs, 1),
    noisy: t.noisy,
    calls_per_sample: t.callsPerSample,
    samples: t.perCallNs.length,
  };
}

/** Validates each of the three calls on a 4x4x4 problem, then times them. Throws on a wrong result. */
export async function measureOverhead(threads: number, timing: TimingOptions): Promise<GemmOverhead> {
  const m = 4;
  const k = 4;
  const n = 4;
  native.setThreads(threads);
  const a = uniformMatrix(m * k, seedFor('A', m, k, n));
  const b = uniformMatrix(k * n, seedFor('B', m, k, n));
  const c = new Float32Array(m * n);
  const problem: GemmProblem = { m, n, k, a, b, transB: false };
  const ta = Tensor.from(a, [m, k]);
  const tb = Tensor.from(b, [k, n]);
  const rawSync = () => native.sgemm(c, 0, n, a, 0, k, b, 0, n, m, n, k, false, false, 1, 0, null, 0, 0);
  const coreSync = () => matmulSync(ta, tb);
  const rawAsync = () => native.sgemmAsync(c, 0, n, a, 0, k, b, 0, n, m, n, k, false, false, 1, 0, null, 0, 0);

  const expectValid = (name: string, result: Float32Array) => {
    const v = validateGemm(result, problem);
    if (!v.ok) throw new Error(`overhead: ${name} 4x4x4 ${v.message}`);
  };
  c.fill(NaN);
  rawSync();
  expectValid('native sgemm', c);
  expectValid('core matmulSync', coreSync().data);
  c.fill(NaN);
  await rawAsync();
  expectValid('await native sgemmAsync', c);
  return {
    m,
    k,
    n,
    threads,
    sgemm_sync: overheadFigures(timeSync(rawSync, timing)),
    core_matmul_sync: overheadFigures(timeSync(coreSync, timing)),
    sgemm_async_await: overheadFigures(await timeAsync(rawAsync, timing)),
  };
}

function describeCase(spec: GemmCaseSpec, threads: number): string {
  return `${formatShape(spec)} ${spec.path} ${threads}T`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runGemmSuite(config: GemmSuiteConfig): Promise<GemmSuiteResult> {
  const { log, quick } = config;
  const timing = quick ? QUICK_TIMING : FULL_TIMING;
  const specs = gemmCases(config.shapes, quick);
  const threadsBefore = native.engineInfo().threads;

  const programs: PeerProgram[] = quick
    ? PEER_NAMES.map((name) => ({ name, binary: null, status: 'skipped (--quick)' }))
    : preparePeers(log);
  const peers = Object.fromEntries(programs.map((p) => [p.name, p.status])) as Record<PeerName, string>;
  for (const p of programs) log(`peer ${PEER_LABELS[p.name]}: ${p.status}`);

  const result: GemmSuiteResult = { cases: [], failures: [], overhead: null, peers, warnings: [], threads: config.threads, quick };
  const prepared = new Map<string, PreparedCase>();
  try {
    for (const threads of config.threads) {
      const active = native.setThreads(threads);
      if (active !== threads) throw new Error(`Expected the engine to run ${threads} threads but it set ${active}`);
      const peak = config.peaks.find((p) => p.threads === threads)?.gflops ?? NaN;
      for (const spec of specs) {
        const key = `${spec.path} ${formatShape(spec)}`;
        const label = describeCase(spec, threads);
        const failure = (error: string): GemmFailure => ({ m: spec.m, n: spec.n, k: spec.k, threads, path: spec.path, error });
        let prep = prepared.get(key);
        let runner: GemmRunner | undefined;
        try {
          if (!prep) {
            prep = prepareCase(spec);
            prepared.set(key, prep);
          }
          // Validate first: every entry of C is poisoned, computed once, then compared.
          runner = spec.path === 'sgemm' ? sgemmRunner(prep.problem) : packedRunner(prep.problem);
          runner.output().fill(NaN);
          runner.call();
          const v = prep.reference.check(runner.output());
          if (!v.ok) {
            log(`${label}: ${v.message}; not timed`);
            result.failures.push(failure(v.message));
            continue;
          }
          const t = timeSync(runner.call, timing);
          const flops = 2 * spec.m * spec.n * spec.k;
          const c: GemmCaseResult = {
            m: spec.m,
            n: spec.n,
            k: spec.k,
            threads,
            path: spec.path,
            median_gflops: round(flops / t.medianNs),
            min_gflops: round(flops / t.maxNs),
            max_gflops: round(flops / t.minNs),
            median_us: round(t.medianNs / 1e3),
            peak_gflops: round(peak),
            ratio_to_peak: round(flops / t.medianNs / peak, 4),
            noisy: t.noisy,
            spread: round(t.spread, 4),
            samples: t.perCallNs.length,
            calls_per_sample: t.callsPerSample,
            validation: { mode: v.mode, checked: v.checked, worst_error_to_tolerance: round(v.worstErrorToTolerance, 6) },
          };
          for (const program of programs) {
            if (!program.binary) continue;
            const outcome = runPeer(program, spec, threads, spec.path === 'packed', PEER_SECONDS);
            if (!outcome.ok) {
              result.warnings.push(`${label}: ${outcome.error}`);
              log(`${label}: ${outcome.error}`);
              continue;
            }
            c[`${program.name}_gflops` as const] = round(outcome.value.gflops);
            c[`${program.name}_us` as const] = round(outcome.value.medianUs);
          }
          if (c.onednn_gflops) c.ratio_to_onednn = round(c.median_gflops / c.onednn_gflops, 4);
          result.cases.push(c);
          log(
            `${label}: ${c.median_gflops.toFixed(1)} GFLOP/s median, ${c.median_us.toFixed(2)} µs/call` +
              (c.noisy ? ' (noisy)' : '') +
              (c.onednn_gflops ? `; oneDNN ${c.onednn_gflops.toFixed(1)}` : '') +
              (c.openblas_gflops ? `; OpenBLAS ${c.openblas_gflops.toFixed(1)}` : ''),
          );
        } catch (err) {
          log(`${label}: error: ${errorText(err)}`);
          result.failures.push(failure(errorText(err)));
        } finally {
          runner?.dispose();
        }
      }
    }
    prepared.clear();
    const overheadThreads = Math.min(...config.threads);
    try {
      result.overhead = await measureOverhead(overheadThreads, timing);
      const o = result.overhead;
      log(
        `overhead 4x4x4 (${overheadThreads}T): sgemm ${o.sgemm_sync.median_ns.toFixed(0)} ns, ` +
          `matmulSync ${o.core_matmul_sync.median_ns.toFixed(0)} ns, await sgemmAsync ${o.sgemm_async_await.median_ns.toFixed(0)} ns`,
      );
    } catch (err) {
      log(`overhead: error: ${errorText(err)}`);
      result.failures.push({ m: 4, n: 4, k: 4, threads: overheadThreads, path: 'sgemm', error: errorText(err) });
    }
  } finally {
    native.setThreads(threadsBefore);
  }
  return result;
}
