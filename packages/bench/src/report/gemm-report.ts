// Renders a gemm result as a terminal report and as Markdown for a README: one row per case
// (shape, path, threads, GFLOP/s, µs per call, share of peak, peers, noisy), then call overhead,
// peer status and failures. Reads only the result document; measures and validates nothing.
import type { BenchDocument } from '../document';
import { loadLine, machineLine, peakLine } from '../machine';
import type { CallOverhead, GemmCaseResult, GemmSuiteResult } from '../suites/gemm';
import { PEER_LABELS, PEER_NAMES } from '../peers';
import { formatMarkdownTable, formatTextTable, type Table } from './table';

const dash = '-';

export function formatGflops(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return dash;
  return x < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function formatMicros(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return dash;
  return x < 10 ? x.toFixed(2) : x < 1000 ? x.toFixed(1) : x.toFixed(0);
}

function formatShapeOf(c: { m: number; k: number; n: number }): string {
  return `${c.m}x${c.k}x${c.n}`;
}

function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : dash;
}

/** One row per timed case, in the order run (thread count, then path, then shape). */
export function gemmCaseTable(cases: GemmCaseResult[]): Table {
  return {
    headers: [
      'shape MxKxN', 'path', 'threads', 'GFLOP/s median', 'min', 'max', 'µs/call', '% of peak',
      'oneDNN GFLOP/s', 'OpenBLAS GFLOP/s', 'ours/oneDNN', 'oneDNN µs', 'OpenBLAS µs', 'noisy',
    ],
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    rows: cases.map((c) => [
      formatShapeOf(c),
      c.path,
      String(c.threads),
      formatGflops(c.median_gflops),
      formatGflops(c.min_gflops),
      formatGflops(c.max_gflops),
      formatMicros(c.median_us),
      percent(c.ratio_to_peak),
      formatGflops(c.onednn_gflops),
      formatGflops(c.openblas_gflops),
      c.ratio_to_onednn === undefined ? dash : `${c.ratio_to_onednn.toFixed(2)}x`,
      formatMicros(c.onednn_us),
      formatMicros(c.openblas_us),
      c.noisy ? `noisy (${Math.round(c.spread * 100)}%)` : '',
    ]),
  };
}

export function overheadTable(r: GemmSuiteResult): Table | null {
  const o = r.overhead;
  if (!o) return null;
  const row = (call: string, f: CallOverhead): string[] => [
    call,
    f.median_ns.toFixed(0),
    f.min_ns.toFixed(0),
    f.max_ns.toFixed(0),
    String(f.calls_per_sample),
    f.noisy ? 'noisy' : '',
  ];
  return {
    headers: [`call (${o.m}x${o.k}x${o.n}, ${o.threads} thread${o.threads === 1 ? '' : 's'})`, 'ns/call median', 'min', 'max', 'calls/sample', 'noisy'],
    align: ['left', 'right', 'right', 'right', 'right', 'left'],
    rows: [
      row('native sgemm (sync)', o.sgemm_sync),
      row('core matmulSync', o.core_matmul_sync),
      row('await native sgemmAsync', o.sgemm_async_await),
    ],
  };
}

function peerLines(r: GemmSuiteResult): string[] {
  return PEER_NAMES.map((p) => `${PEER_LABELS[p]}: ${r.peers[p]}`);
}

function failureLines(r: GemmSuiteResult): string[] {
  return r.failures.map((f) => `${formatShapeOf(f)} ${f.path} ${f.threads} thread${f.threads === 1 ? '' : 's'}: ${f.error}`);
}

/** The report printed on the terminal. */
export function renderGemmText(doc: BenchDocument): string {
  const r = doc.gemm;
  if (!r) return '';
  const out: string[] = [];
  out.push(`gemm: fp32 GEMM (${doc.run.command})`);
  out.push(`machine: ${machineLine(doc.machine)}`);
  out.push(`FMA peak: ${peakLine(doc.machine)}; ${loadLine(doc.machine)}`);
  for (const w of doc.machine.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(r.cases.length ? formatTextTable(gemmCaseTable(r.cases)) : '(no case was timed)');
  const o = overheadTable(r);
  if (o) out.push('', 'JS call overhead:', formatTextTable(o));
  out.push('', `peers: ${peerLines(r).join('; ')}`);
  if (r.warnings.length) out.push('', 'peer warnings:', ...r.warnings.map((w) => `  ${w}`));
  if (r.failures.length) out.push('', `FAILED (${r.failures.length}), not timed:`, ...failureLines(r).map((l) => `  ${l}`));
  return out.join('\n');
}

/** gemm.md: the table with the command that produced it and the machine it ran on. */
export function renderGemmMarkdown(doc: BenchDocument): string {
  const r = doc.gemm;
  if (!r) return '';
  const out: string[] = [];
  out.push('## gemm: fp32 GEMM', '');
  out.push(`Command: \`${doc.run.command}\` (${doc.run.date})`, '');
  out.push(`Machine: ${machineLine(doc.machine)}. FMA peak: ${peakLine(doc.machine)}; ${loadLine(doc.machine)}.`, '');
  for (const w of doc.machine.warnings) out.push(`> Warning: ${w}.`, '');
  out.push(
    '`sgemm` rows are the plain GEMM C = A·B (row-major); `packed` rows are `packLinear(W).forwardSync(x, out)`, ' +
      'C = x·Wᵀ with W (N,K) packed once; peers run the same product (B transposed for `packed` rows). ' +
      'GFLOP/s = 2·M·N·K / time; medians over repeated samples, every result validated before timing.',
    '',
  );
  out.push(r.cases.length ? formatMarkdownTable(gemmCaseTable(r.cases)) : '_No case was timed._');
  const o = overheadTable(r);
  if (o) out.push('', 'JS call overhead:', '', formatMarkdownTable(o));
  out.push('', `Peers: ${peerLines(r).join('; ')}.`);
  if (r.warnings.length) out.push('', 'Peer warnings:', '', ...r.warnings.map((w) => `- ${w}`));
  if (r.failures.length) out.push('', `**Failed validation or errored (${r.failures.length}), not timed:**`, '', ...failureLines(r).map((l) => `- ${l}`));
  return out.join('\n') + '\n';
}
