// A hand-written SVG bar chart: bars in groups (one group per thread count for gemm), a dashed
// line per group at the measured peak, labelled axes and a legend. Plain strings, no chart
// library, no scripts or external fonts: the file renders the same in a browser and on GitHub.
import type { BenchDocument } from '../document';
import { formatGflops } from './gemm-report';

export interface Bar {
  label: string;
  value: number;
  /** Selects the colour: the `key` of one of the chart's kinds. */
  kind: string;
}

export interface BarGroup {
  label: string;
  /** A horizontal reference line over the group, e.g. the FMA peak. */
  reference?: { value: number; label: string };
  bars: Bar[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  xLabel: string;
  groups: BarGroup[];
  kinds: { key: string; name: string; color: string }[];
  /** Legend text of the dashed reference lines (default: the measured FMA peak; '' = none). */
  referenceLegend?: string;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A round axis maximum >= max with a step of 1, 2, 2.5 or 5 × 10^k giving about 5 ticks. */
export function niceAxis(max: number): { top: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, step: 0.2 };
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  return { top: Math.ceil(max / step) * step, step };
}

const n = (x: number): string => (Math.round(x * 10) / 10).toString();

const PEAK_LEGEND = 'measured FMA peak (dashed)';
/** Swatch, gap and text at ~6.5 px per character of 11 px Helvetica, plus spacing. */
const legendEntryWidth = (name: string): number => 16 + name.length * 6.5 + 16;

export function renderBarChart(chart: BarChart): string {
  const barWidth = 26;
  const barGap = 8;
  const groupGap = 56;
  const left = 84;
  const right = 40;
  const top = 70;
  const plotHeight = 300;
  const labelSpace = 110;
  const groups = chart.groups.filter((g) => g.bars.length > 0);
  const groupWidths = groups.map((g) => g.bars.length * (barWidth + barGap) - barGap);
  const contentWidth = groupWidths.reduce((a, b) => a + b, 0) + groupGap * Math.max(0, groups.length - 1);
  const legendEntries = [...chart.kinds.map((k) => k.name), ...(chart.referenceLegend === '' ? [] : [chart.referenceLegend ?? PEAK_LEGEND])];
  const legendWidth = legendEntries.reduce((w, name) => w + legendEntryWidth(name), 0);
  const titleWidth = chart.title.length * 8.5;
  const plotWidth = Math.max(240, contentWidth + 2 * 24, legendWidth, titleWidth - left);
  const width = left + plotWidth + right;
  const height = top + plotHeight + labelSpace + 40;
  const bottom = top + plotHeight;

  const values = groups.flatMap((g) => [...g.bars.map((b) => b.value), g.reference?.value ?? 0]).filter(Number.isFinite);
  const axis = niceAxis(Math.max(0, ...values) * 1.05);
  const y = (v: number) => bottom - (plotHeight * Math.max(0, Math.min(v, axis.top))) / axis.top;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
  );
  parts.push(`<title>${escapeXml(chart.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${n(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);

  // Legend, left to right under the title.
  let lx = left;
  for (const k of chart.kinds) {
    parts.push(`<rect x="${n(lx)}" y="36" width="12" height="12" fill="${k.color}"/>`);
    parts.push(`<text x="${n(lx + 16)}" y="46">${escapeXml(k.name)}</text>`);
    lx += legendEntryWidth(k.name);
  }
  if (chart.referenceLegend !== '') {
    parts.push(`<line x1="${n(lx)}" y1="42" x2="${n(lx + 12)}" y2="42" stroke="#c0392b" stroke-width="2" stroke-dasharray="4 2"/>`);
    parts.push(`<text x="${n(lx + 16)}" y="46">${escapeXml((chart.referenceLegend ?? PEAK_LEGEND))}</text>`);
  }

  // Y axis: grid, ticks, numbers and label.
  for (let v = 0; v <= axis.top + axis.step / 1000; v += axis.step) {
    const yy = n(y(v));
    parts.push(`<line x1="${left}" y1="${yy}" x2="${left + plotWidth}" y2="${yy}" stroke="#e6e6e6"/>`);
    parts.push(`<line x1="${left - 5}" y1="${yy}" x2="${left}" y2="${yy}" stroke="#333333"/>`);
    parts.push(`<text x="${left - 8}" y="${n(y(v) + 4)}" text-anchor="end">${escapeXml(formatTick(v))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333333"/>`);
  parts.push(`<line x1="${left}" y1="${bottom}" x2="${left + plotWidth}" y2="${bottom}" stroke="#333333"/>`);
  parts.push(
    `<text transform="translate(22,${n(top + plotHeight / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(chart.yLabel)}</text>`,
  );
  parts.push(`<text x="${n(left + plotWidth / 2)}" y="${height - 10}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`);

  if (groups.length === 0)
    parts.push(`<text x="${n(left + plotWidth / 2)}" y="${n(top + plotHeight / 2)}" text-anchor="middle">no data</text>`);

  const colorOf = new Map(chart.kinds.map((k) => [k.key, k.color]));
  let x = left + (plotWidth - contentWidth) / 2;
  groups.forEach((g, gi) => {
    const x0 = x;
    for (const b of g.bars) {
      const v = Number.isFinite(b.value) ? b.value : 0;
      const yy = y(v);
      const cx = x + barWidth / 2;
      parts.push(
        `<rect x="${n(x)}" y="${n(yy)}" width="${barWidth}" height="${n(bottom - yy)}" fill="${colorOf.get(b.kind) ?? '#7f8c8d'}">` +
          `<title>${escapeXml(`${b.label}: ${formatGflops(b.value)}`)}</title></rect>`,
      );
      parts.push(`<text x="${n(cx)}" y="${n(yy - 4)}" text-anchor="middle" font-size="9" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(formatGflops(b.value))}</text>`);
      parts.push(`<text transform="translate(${n(cx + 4)},${bottom + 12}) rotate(-45)" text-anchor="end" font-size="10">${escapeXml(b.label)}</text>`);
      x += barWidth + barGap;
    }
    const x1 = x0 + groupWidths[gi];
    if (g.reference && Number.isFinite(g.reference.value)) {
      const ry = n(y(g.reference.value));
      parts.push(`<line x1="${n(x0 - 10)}" y1="${ry}" x2="${n(x1 + 10)}" y2="${ry}" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 3"/>`);
      parts.push(`<text x="${n(x0 - 8)}" y="${n(y(g.reference.value) - 5)}" fill="#c0392b" font-size="10">${escapeXml(g.reference.label)}</text>`);
    }
    parts.push(`<text x="${n((x0 + x1) / 2)}" y="${bottom + labelSpace - 4}" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(g.label)}</text>`);
    x = x1 + groupGap;
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** gemm.svg: median GFLOP/s per case, one group per thread count, with that count's peak. */
export function renderGemmSvg(doc: BenchDocument): string {
  const r = doc.gemm;
  const threads = r ? r.threads : [];
  const groups: BarGroup[] = threads.map((t) => {
    const peak = doc.machine.peaks.find((p) => p.threads === t)?.gflops;
    return {
      label: `${t} thread${t === 1 ? '' : 's'}`,
      reference: peak === undefined ? undefined : { value: peak, label: `peak ${formatGflops(peak)}` },
      bars: (r?.cases ?? [])
        .filter((c) => c.threads === t)
        .map((c) => ({ label: `${c.m}x${c.k}x${c.n}`, value: c.median_gflops, kind: c.path })),
    };
  });
  return renderBarChart({
    title: `fp32 GEMM, median GFLOP/s (${doc.machine.cpu.brand || doc.machine.cpu.vendor}, ${doc.machine.isa})`,
    yLabel: 'GFLOP/s (median, 2·M·N·K / time)',
    xLabel: 'case (MxKxN), grouped by thread count',
    groups,
    kinds: [
      { key: 'sgemm', name: 'sgemm (C = A·B)', color: '#2e86c1' },
      { key: 'packed', name: 'packed (x·Wᵀ, packLinear)', color: '#28b463' },
    ],
  });
}

export function renderTrainSvg(doc: BenchDocument): string {
  const r = doc.train;
  const groups: BarGroup[] = (r?.cases ?? []).map((c) => ({
    label: `${c.threads} thread${c.threads === 1 ? '' : 's'}`,
    reference: { value: c.bound_samples_per_sec, label: `bound ${Math.round(c.bound_samples_per_sec)}` },
    bars: [{ label: 'amaas', value: c.median_samples_per_sec, kind: 'amaas' }],
  }));
  if (r && r.peer_figures.length > 0)
    groups.push({
      label: 'TensorFlow.js',
      bars: r.peer_figures.map((p) => ({ label: p.name.replace(/^TensorFlow\.js [^ ]+ /, ''), value: p.samples_per_sec, kind: 'peer' })),
    });
  return renderBarChart({
    title: `Mlp ${r?.model ?? ''} training, batch ${r?.batch ?? ''}, samples/s (${doc.machine.cpu.brand || doc.machine.cpu.vendor})`,
    yLabel: 'samples/s (median epoch)',
    xLabel: 'threads',
    referenceLegend: 'bound: FMA peak / flops per sample (dashed)',
    groups,
    kinds: [
      { key: 'amaas', name: '@amaas/core Mlp.fit', color: '#2e86c1' },
      { key: 'peer', name: 'TensorFlow.js', color: '#e67e22' },
    ],
  });
}

/** infer.svg: samples/s per batch size and thread count, ours fp32/int8/int4 and onnxruntime. */
export function renderInferSvg(doc: BenchDocument): string {
  const r = doc.infer;
  const groups: BarGroup[] = (r?.cases ?? []).map((c) => ({
    label: `batch ${c.batch}, ${c.threads}T`,
    bars: [
      { label: 'fp32', value: c.samples_per_sec, kind: 'fp32' },
      { label: 'int8', value: c.int8_samples_per_sec, kind: 'int8' },
      { label: 'int4', value: c.int4_samples_per_sec, kind: 'int4' },
      ...(c.ort_samples_per_sec ? [{ label: 'ort fp32', value: c.ort_samples_per_sec, kind: 'ort' }] : []),
      ...(c.ort_int8_samples_per_sec ? [{ label: 'ort int8', value: c.ort_int8_samples_per_sec, kind: 'ort8' }] : []),
    ],
  }));
  return renderBarChart({
    title: `Mlp ${r?.model ?? ''} inference, samples/s (${doc.machine.cpu.brand || doc.machine.cpu.vendor})`,
    yLabel: 'samples/s (median)',
    xLabel: 'batch size and threads',
    referenceLegend: '',
    groups,
    kinds: [
      { key: 'fp32', name: 'amaas fp32', color: '#2e86c1' },
      { key: 'int8', name: 'amaas int8', color: '#28b463' },
      { key: 'int4', name: 'amaas int4', color: '#7d3c98' },
      { key: 'ort', name: 'onnxruntime fp32', color: '#e67e22' },
      { key: 'ort8', name: 'onnxruntime int8', color: '#c0392b' },
    ],
  });
}

/** qgemm.svg: int8 GOP/s per shape, one group per thread count, with that count's dot-product peak. */
export function renderQgemmSvg(doc: BenchDocument): string {
  const r = doc.qgemm;
  const threads = [...new Set((r?.cases ?? []).map((c) => c.threads))];
  const groups: BarGroup[] = threads.map((t) => {
    const peak = r?.peaks.find((p) => p.threads === t)?.gops;
    return {
      label: `${t} thread${t === 1 ? '' : 's'}`,
      reference: peak === undefined ? undefined : { value: peak, label: `peak ${Math.round(peak)}` },
      bars: (r?.cases ?? [])
        .filter((c) => c.threads === t)
        .flatMap((c) => [
          { label: c.shape, value: c.gops, kind: 'int8' },
          ...(c.onednn_gops ? [{ label: `${c.shape} oneDNN`, value: c.onednn_gops, kind: 'onednn' }] : []),
          { label: `${c.shape} fp32`, value: c.fp32_gflops, kind: 'fp32' },
        ]),
    };
  });
  return renderBarChart({
    title: `int8 GEMM (u8 x s8 -> s32), median GOP/s (${doc.machine.cpu.brand || doc.machine.cpu.vendor}, ${r?.level ?? ''})`,
    yLabel: 'GOP/s (median, 2·M·N·K / time)',
    xLabel: 'shape (MxKxN), grouped by thread count',
    referenceLegend: 'measured dot-product peak (dashed)',
    groups,
    kinds: [
      { key: 'int8', name: 'amaas int8', color: '#28b463' },
      { key: 'onednn', name: 'oneDNN u8s8s32', color: '#e67e22' },
      { key: 'fp32', name: 'amaas fp32 (GFLOP/s)', color: '#2e86c1' },
    ],
  });
}

/** serve.svg: median req/s per case, floors and baseline beside ours, grouped by connection count. */
export function renderServeSvg(doc: BenchDocument): string {
  const r = doc.serve;
  const kindOf = (key: string) => (key.startsWith('node') || key.startsWith('express_get') || key.startsWith('express_post') ? 'floor' : key.includes('ort') ? 'baseline' : 'ours');
  const conns = [...new Set((r?.cases ?? []).map((c) => c.connections))];
  const baseline = r?.cases.find((c) => kindOf(c.key) === 'baseline');
  const groups: BarGroup[] = conns.map((n) => ({
    label: `${n} connections`,
    reference: baseline ? { value: baseline.median_rps, label: `baseline ${Math.round(baseline.median_rps)}` } : undefined,
    bars: (r?.cases ?? []).filter((c) => c.connections === n).map((c) => ({ label: c.key.replace(/_/g, ' '), value: c.median_rps, kind: kindOf(c.key) })),
  }));
  return renderBarChart({
    title: `Serving Mlp ${r?.model ?? ''} over HTTP, median req/s (${doc.machine.cpu.brand || doc.machine.cpu.vendor})`,
    yLabel: 'requests/s (median)',
    xLabel: 'case, grouped by connections',
    referenceLegend: 'Express + onnxruntime-node baseline (dashed)',
    groups,
    kinds: [
      { key: 'ours', name: '@amaas/server', color: '#28b463' },
      { key: 'baseline', name: 'Express + onnxruntime-node', color: '#e67e22' },
      { key: 'floor', name: 'node:http / Express floors', color: '#95a5a6' },
    ],
  });
}
