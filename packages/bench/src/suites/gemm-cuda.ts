// `bench gemm --device cuda`: the CUDA GEMM kernels (fp32 SIMT, TF32 and BF16 tensor cores, int8)
// validated against the CPU twins first, then timed two ways: end to end through cudaGemm (host
// arrays in and out, copies included) and kernel-only on device-resident operands, the latter next
// to torch.matmul (cuBLAS) when python3 can import torch with CUDA. Not run without a usable GPU:
// the caller checks cudaInfo() and exits 1 with the reason.
import native = require('@amaas/native');
import { spawnSync } from 'node:child_process';
import { formatShape, type Shape } from '../args';
import { seedFor, uniformMatrix } from '../prng';
import { FULL_TIMING, QUICK_TIMING, timeAsync } from '../timing';
import { FLOAT32_EPSILON, sampleIndices } from '../validate';

export type CudaKind = 'fp32' | 'tf32' | 'bf16' | 'int8';
export const CUDA_KINDS: readonly CudaKind[] = ['fp32', 'tf32', 'bf16', 'int8'];
export const CUDA_SHAPES: Shape[] = [{ m: 4096, k: 4096, n: 4096 }];
export const QUICK_CUDA_SHAPES: Shape[] = [{ m: 1024, k: 1024, n: 1024 }];
/** Issue #9's targets, kernel-only GFLOP/s over cuBLAS's (torch.matmul) at 4096^3. */
export const TARGET_RATIO: Record<CudaKind, number | null> = { fp32: null, tf32: 0.75, bf16: 0.8, int8: 0.7 };

export interface CudaCaseResult {
  m: number;
  k: number;
  n: number;
  kind: CudaKind;
  validation: { checked: number; worst_error_to_tolerance: number; ok: boolean };
  /** cudaGemm / cudaQgemm from host arrays: copies to and from the device included. */
  end_to_end_gflops: number;
  kernel_gflops: number;
  torch_gflops?: number;
  ratio_to_torch?: number;
  target_ratio: number | null;
}

export interface CudaGemmSuiteResult {
  device: string;
  cases: CudaCaseResult[];
  failures: string[];
  /** 'ok (torch x.y, cuBLAS)' or why there is no comparison. */
  torch: string;
}

/** Tolerance per entry: the fp32 bound plus the input rounding of the tensor-core type. */
function relTolerance(kind: CudaKind, k: number): number {
  const fp32 = 8 * FLOAT32_EPSILON * (k + 2);
  if (kind === 'tf32') return fp32 + 2 * 2 ** -11;
  if (kind === 'bf16') return fp32 + 2 * 2 ** -8;
  return fp32;
}

/** Sampled check of C = A · Bᵀ (A (M,K), B (N,K)) in double precision. */
function checkSampled(c: Float32Array, a: Float32Array, b: Float32Array, s: Shape, kind: CudaKind): CudaCaseResult['validation'] {
  const idx = sampleIndices(s.m * s.n, 256, seedFor('cuda-check', s.m, s.k, s.n));
  let worst = 0;
  for (const at of idx) {
    const i = Math.floor(at / s.n), j = at % s.n;
    let sum = 0, mag = 0;
    for (let p = 0; p < s.k; p++) {
      const prod = a[i * s.k + p] * b[j * s.k + p];
      sum += prod;
      mag += Math.abs(prod);
    }
    const err = Math.abs(c[at] - sum) / (relTolerance(kind, s.k) * mag + 1e-6);
    worst = Math.max(worst, Number.isFinite(c[at]) ? err : Infinity);
  }
  return { checked: idx.length, worst_error_to_tolerance: worst, ok: worst <= 1 };
}

interface TorchFigures {
  ok: boolean;
  why: string;
  ms?: Partial<Record<CudaKind, number>>;
}

// cuBLAS through torch: device-resident operands, CUDA events, median of 20 after warm-up.
const TORCH_SCRIPT = `
import json, sys
M, K, N = (int(x) for x in sys.argv[1:4])
try:
    import torch
except Exception as e:
    print(json.dumps({"ok": False, "why": "torch is not importable: %s" % e})); sys.exit(0)
if not torch.cuda.is_available():
    print(json.dumps({"ok": False, "why": "torch %s sees no CUDA device" % torch.__version__})); sys.exit(0)
def t(fn):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    ms = []
    for _ in range(20):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize(); ms.append(s.elapsed_time(e))
    ms.sort(); return ms[len(ms) // 2]
a = torch.rand(M, K, device="cuda") * 2 - 1; b = torch.rand(N, K, device="cuda") * 2 - 1
out = {}
torch.backends.cuda.matmul.allow_tf32 = False; out["fp32"] = t(lambda: a @ b.T)
torch.backends.cuda.matmul.allow_tf32 = True; out["tf32"] = t(lambda: a @ b.T)
ab, bb = a.bfloat16(), b.bfloat16(); out["bf16"] = t(lambda: ab @ bb.T)
try:
    ai = (a * 127).to(torch.int8); bi = (b * 127).to(torch.int8).T  # (K,N) column-major: a @ b.T
    out["int8"] = t(lambda: torch._int_mm(ai, bi))
except Exception as e:
    out["int8_error"] = str(e)
print(json.dumps({"ok": True, "why": "torch %s, cuBLAS on %s" % (torch.__version__, torch.cuda.get_device_name()), "ms": out}))
`;

function torchFigures(s: Shape): TorchFigures {
  const r = spawnSync('python3', ['-c', TORCH_SCRIPT, String(s.m), String(s.k), String(s.n)], { encoding: 'utf8', timeout: 300_000 });
  if (r.error) return { ok: false, why: `python3 could not be run: ${r.error.message}` };
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TorchFigures;
  } catch {
    return { ok: false, why: `python3 exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop() ?? 'no output'}` };
  }
}

export async function runCudaGemmSuite(config: { shapes?: Shape[]; quick: boolean; log: (line: string) => void }): Promise<CudaGemmSuiteResult> {
  const info = native.cudaInfo();
  const result: CudaGemmSuiteResult = { device: info.device?.name ?? 'unknown', cases: [], failures: [], torch: 'not run' };
  const timing = config.quick ? QUICK_TIMING : FULL_TIMING;
  for (const s of config.shapes ?? (config.quick ? QUICK_CUDA_SHAPES : CUDA_SHAPES)) {
    const flops = 2 * s.m * s.n * s.k;
    const a = uniformMatrix(s.m * s.k, seedFor('A', s.m, s.k, s.n));
    const b = uniformMatrix(s.n * s.k, seedFor('W', s.m, s.k, s.n));  // (N,K): C = A·Bᵀ, the layer layout
    const torch = config.quick ? { ok: false, why: 'skipped (--quick)' } : torchFigures(s);
    result.torch = torch.ok ? `ok (${torch.why})` : torch.why;
    config.log(`gemm cuda ${formatShape(s)}: torch ${result.torch}`);
    for (const kind of CUDA_KINDS) {
      try {
        const c = new Float32Array(s.m * s.n);
        let call: () => Promise<void>;
        let validation: CudaCaseResult['validation'];
        if (kind === 'int8') {
          const { q, scale } = native.quantizeWeightsReference(b, s.n, s.k);
          call = () => native.cudaQgemm(c, a, q, scale, s.m, s.n, s.k);
          await call();
          // The scalar twin on the first rows (quantization is per row, so a row slice is exact).
          const rows = Math.min(s.m, 32);
          const ref = new Float32Array(rows * s.n);
          native.qgemmReference(ref, a.subarray(0, rows * s.k), q, scale, rows, s.n, s.k);
          let worst = 0;
          for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]) / (1e-5 * (Math.abs(ref[i]) + 1)));
          validation = { checked: ref.length, worst_error_to_tolerance: worst, ok: worst <= 1 };
        } else {
          call = () => native.cudaGemm(c, a, b, s.m, s.n, s.k, { transB: true, precision: kind });
          await call();
          validation = checkSampled(c, a, b, s, kind);
        }
        if (!validation.ok) {
          result.failures.push(`${kind} ${formatShape(s)}: worst error ${validation.worst_error_to_tolerance.toFixed(2)} x tolerance`);
          continue;
        }
        const e2e = await timeAsync(call, timing);
        const kernelMs = await native.cudaKernelTime(kind, s.m, s.n, s.k, config.quick ? 5 : 20);
        const torchMs = torch.ms?.[kind];
        const kernelGflops = flops / (kernelMs * 1e6);
        const row: CudaCaseResult = {
          m: s.m, k: s.k, n: s.n, kind, validation,
          end_to_end_gflops: flops / e2e.medianNs,
          kernel_gflops: kernelGflops,
          target_ratio: TARGET_RATIO[kind],
        };
        if (torchMs) {
          row.torch_gflops = flops / (torchMs * 1e6);
          row.ratio_to_torch = kernelGflops / row.torch_gflops;
        }
        result.cases.push(row);
        config.log(`gemm cuda ${formatShape(s)} ${kind}: kernel ${kernelGflops.toFixed(0)} GFLOP/s` +
          (row.ratio_to_torch !== undefined ? ` (${(row.ratio_to_torch * 100).toFixed(0)}% of torch)` : '') +
          `, end to end ${row.end_to_end_gflops.toFixed(0)} GFLOP/s`);
      } catch (err) {
        result.failures.push(`${kind} ${formatShape(s)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return result;
}

export function renderCudaGemmText(r: CudaGemmSuiteResult): string {
  const lines = [`gemm --device cuda on ${r.device}; torch: ${r.torch}`,
    'shape            kind   kernel GFLOP/s   torch GFLOP/s   ratio   target   end-to-end GFLOP/s'];
  for (const c of r.cases)
    lines.push(`${formatShape(c).padEnd(16)} ${c.kind.padEnd(6)} ${c.kernel_gflops.toFixed(0).padStart(14)}   ` +
      `${(c.torch_gflops?.toFixed(0) ?? '-').padStart(13)}   ${(c.ratio_to_torch !== undefined ? (c.ratio_to_torch * 100).toFixed(0) + '%' : '-').padStart(5)}   ` +
      `${(c.target_ratio !== null ? (c.target_ratio * 100).toFixed(0) + '%' : '-').padStart(6)}   ${c.end_to_end_gflops.toFixed(0).padStart(18)}`);
  for (const f of r.failures) lines.push(`FAILED ${f}`);
  return lines.join('\n');
}
