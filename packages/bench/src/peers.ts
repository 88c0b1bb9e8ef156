// Peer libraries for the gemm suite: finds oneDNN and OpenBLAS headers and libraries, compiles
// tools/peers/gemm_peers.c once per library (cached in the OS temp dir) and runs it per shape.
// A missing compiler, header or library means "not installed", never a failed benchmark; this
// file does not install anything and does not time anything itself (the C program does).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Shape } from './args';

export const PEER_NAMES = ['onednn', 'openblas'] as const;
export type PeerName = (typeof PEER_NAMES)[number];
export const PEER_LABELS: Record<PeerName, string> = { onednn: 'oneDNN', openblas: 'OpenBLAS' };

export interface PeerProgram {
  name: PeerName;
  /** Compiled program, or null with the reason in `status`. */
  binary: string | null;
  /** 'ok (…)', 'not installed (…)', 'skipped (…)' or 'failed to compile (…)'. */
  status: string;
}

export interface PeerMeasurement {
  gflops: number;
  medianUs: number;
}

export type PeerOutcome = { ok: true; value: PeerMeasurement } | { ok: false; error: string };

/** tools/peers/<file> (default gemm_peers.c), found by walking up from this file (src/ or dist/ alike). */
export function findPeerSource(from = __dirname, file = 'gemm_peers.c'): string | null {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'tools', 'peers', file);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function multiarchDirs(base: string): string[] {
  try {
    return fs
      .readdirSync(base)
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => path.join(base, d));
  } catch {
    return [];
  }
}

function firstExisting(paths: string[]): string | null {
  return paths.find((p) => fs.existsSync(p)) ?? null;
}

interface PeerRecipe {
  /** Extra cc arguments: defines, include dirs, libraries. */
  args: string[];
  found: string;
}

/** What cc needs to build `name` in, or why it cannot. */
function recipeFor(name: PeerName): PeerRecipe | string {
  const includeRoots = ['/usr/local/include', '/usr/include'];
  const libDirs = [...multiarchDirs('/usr/lib'), '/usr/lib64', '/usr/lib', '/usr/local/lib', '/usr/local/lib64'];
  if (name === 'onednn') {
    const header = firstExisting(includeRoots.map((r) => path.join(r, 'oneapi', 'dnnl', 'dnnl.h')));
    if (!header) return 'no oneapi/dnnl/dnnl.h (apt install libdnnl-dev)';
    const lib = firstExisting(libDirs.map((d) => path.join(d, 'libdnnl.so')));
    if (!lib) return 'no libdnnl.so (apt install libdnnl-dev)';
    return { args: ['-DHAVE_DNNL', '-L' + path.dirname(lib), '-ldnnl'], found: lib };
  }
  // OpenBLAS's own cblas.h (it declares openblas_set_num_threads); the pthread build first.
  const includeDirs = [
    ...multiarchDirs('/usr/include').flatMap((d) => [path.join(d, 'openblas-pthread'), path.join(d, 'openblas-openmp'), d]),
    '/usr/include/openblas',
    '/usr/local/include',
    '/usr/include',
  ];
  const includeDir = includeDirs.find((d) => {
    try {
      return fs.readFileSync(path.join(d, 'cblas.h'), 'utf8').includes('openblas_set_num_threads');
    } catch {
      return false;
    }
  });
  if (!includeDir) return "no OpenBLAS cblas.h (apt install libopenblas-dev)";
  const lib = firstExisting(libDirs.map((d) => path.join(d, 'libopenblas.so')));
  if (!lib) return 'no libopenblas.so (apt install libopenblas-dev)';
  return { args: ['-DHAVE_OPENBLAS', '-I' + includeDir, '-L' + path.dirname(lib), '-lopenblas'], found: lib };
}

function hasCompiler(): boolean {
  const r = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * One compiled program per installed peer (separate processes keep the two libraries' thread
 * pools from competing). Compiles at most once per source version into os.tmpdir().
 */
export function preparePeers(log: (line: string) => void): PeerProgram[] {
  const source = findPeerSource();
  if (!source) return PEER_NAMES.map((name) => ({ name, binary: null, status: 'not installed (tools/peers/gemm_peers.c not found)' }));
  const compilerOk = hasCompiler();
  const text = fs.readFileSync(source, 'utf8');
  return PEER_NAMES.map((name): PeerProgram => {
    const recipe = recipeFor(name);
    if (typeof recipe === 'string') return { name, binary: null, status: `not installed (${recipe})` };
    if (!compilerOk) return { name, binary: null, status: 'not installed (no C compiler `cc` on PATH)' };
    const args = ['-O2', '-std=c11', ...recipe.args.filter((a) => a.startsWith('-D') || a.startsWith('-I'))];
    const libs = [...recipe.args.filter((a) => a.startsWith('-L') || a.startsWith('-l')), '-lm'];
    const built = compileCached(source, text, `gemm_peers_${name}`, args, libs, `${path.basename(source)} for ${PEER_LABELS[name]}`, log);
    return typeof built === 'string' ? { name, binary: null, status: `failed to compile (${built})` } : { name, binary: built.binary, status: `ok (${recipe.found})` };
  });
}

/** Compiles `source` with cc into os.tmpdir() once per (text, flags): the binary, or why not. */
function compileCached(source: string, text: string, stem: string, args: string[], libs: string[], what: string, log: (line: string) => void): { binary: string } | string {
  const hash = createHash('sha256').update(text).update(args.join(' ')).update(libs.join(' ')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'amaas-bench-peers');
  const binary = path.join(dir, `${stem}_${hash}`);
  if (fs.existsSync(binary)) return { binary };
  fs.mkdirSync(dir, { recursive: true });
  log(`compiling ${what} -> ${binary}`);
  const tmp = `${binary}.${process.pid}.tmp`;
  const r = spawnSync('cc', [...args, '-o', tmp, source, ...libs], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    return (r.stderr || r.error?.message || 'unknown error').trim().split('\n').slice(0, 3).join(' ');
  }
  fs.renameSync(tmp, binary);
  return { binary };
}

/** tools/peers/mlp_peers.c built against oneDNN: the plain C MLP (training loop and batch-1
 *  forward pass) over dnnl_sgemm. Same rules as preparePeers: missing pieces are 'not installed'.
 *  Compiled with -O3 -march=native -fopenmp: the peer's own loops get every chance (our addon
 *  is built without -march=native so that it runs on any x86-64). */
export function prepareMlpPeer(log: (line: string) => void): { binary: string | null; status: string } {
  const source = findPeerSource(__dirname, 'mlp_peers.c');
  if (!source) return { binary: null, status: 'not installed (tools/peers/mlp_peers.c not found)' };
  const recipe = recipeFor('onednn');
  if (typeof recipe === 'string') return { binary: null, status: `not installed (${recipe})` };
  if (!hasCompiler()) return { binary: null, status: 'not installed (no C compiler `cc` on PATH)' };
  const args = ['-O3', '-march=native', '-fopenmp', '-std=c11', ...recipe.args.filter((a) => a.startsWith('-D') || a.startsWith('-I'))];
  const libs = [...recipe.args.filter((a) => a.startsWith('-L') || a.startsWith('-l')), '-lm'];
  const built = compileCached(source, fs.readFileSync(source, 'utf8'), 'mlp_peers_onednn', args, libs, 'mlp_peers.c for oneDNN', log);
  return typeof built === 'string' ? { binary: null, status: `failed to compile (${built})` } : { binary: built.binary, status: `ok (${recipe.found})` };
}

/** Runs the MLP peer (`train THREADS DATA EPOCHS` or `infer THREADS SECONDS`) and parses its JSON
 *  line; an error string when it fails or its result fails its own validation. */
export function runMlpPeer<T extends { valid: boolean }>(binary: string, args: string[], threads: number, timeoutMs: number): T | string {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(binary, [args[0], String(threads), ...args.slice(1)], { encoding: 'utf8', env, timeout: timeoutMs });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: T & { error?: string };
  try {
    parsed = JSON.parse(line) as T & { error?: string };
  } catch {
    return `oneDNN C peer printed no JSON line (${(r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n')[0]})`;
  }
  if (!parsed.valid) return `oneDNN C peer failed validation: ${parsed.error ?? line.slice(0, 200)}`;
  return parsed;
}

/** Runs one peer on one shape; B transposed (stored (N,K)) when transB, like x·Wᵀ. */
export function runPeer(program: PeerProgram, shape: Shape, threads: number, transB: boolean, seconds: number): PeerOutcome {
  return runPeerProgram(program, shape, threads, transB ? ['--transb'] : [], seconds);
}

/** oneDNN's u8 x s8 -> s32 GEMM (B stored (N,K)) on one shape; `gflops` holds GOP/s. */
export function runPeerInt8(program: PeerProgram, shape: Shape, threads: number, seconds: number): PeerOutcome {
  return runPeerProgram(program, shape, threads, ['--u8s8s32'], seconds);
}

function runPeerProgram(program: PeerProgram, shape: Shape, threads: number, flags: string[], seconds: number): PeerOutcome {
  if (!program.binary) return { ok: false, error: program.status };
  const args = [shape.m, shape.k, shape.n, threads].map(String);
  args.push(...flags, '--only', program.name, '--seconds', String(seconds));
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const r = spawnSync(program.binary, args, { encoding: 'utf8', env, timeout: 300_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().split('\n')[0];
    return { ok: false, error: `${PEER_LABELS[program.name]} run failed: ${why}` };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { ok: false, error: `${PEER_LABELS[program.name]} printed no JSON line (got '${line.slice(0, 80)}')` };
  }
  const entry = parsed[program.name] as { valid?: boolean; error?: string; gflops?: number; median_us?: number } | undefined;
  if (!entry) return { ok: false, error: `${PEER_LABELS[program.name]} was not built into ${program.binary}` };
  if (!entry.valid || typeof entry.gflops !== 'number' || typeof entry.median_us !== 'number')
    return { ok: false, error: `${PEER_LABELS[program.name]} result failed validation: ${entry.error ?? 'no figures'}` };
  return { ok: true, value: { gflops: entry.gflops, medianUs: entry.median_us } };
}
