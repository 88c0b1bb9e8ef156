// Report writers on a small fake result: the Markdown table is well formed, the SVG is
// well-formed XML with one bar per case and one peak line per thread count, and the terminal
// table lines up.
import type { BenchDocument } from '../src/document';
import { peakScalingWarnings } from '../src/machine';
import { gemmCaseTable, renderGemmMarkdown, renderGemmText } from '../src/report/gemm-report';
import { escapeXml, niceAxis, renderGemmSvg } from '../src/report/svg';
import type { GemmCaseResult } from '../src/suites/gemm';

function fakeCase(m: number, k: number, n: number, threads: number, path: 'sgemm' | 'packed', gflops: number): GemmCaseResult {
  return {
    m, n, k, threads, path,
    median_gflops: gflops,
    min_gflops: gflops * 0.9,
    max_gflops: gflops * 1.05,
    median_us: (2 * m * n * k) / gflops / 1e3,
    peak_gflops: threads * 100,
    ratio_to_peak: gflops / (threads * 100),
    noisy: gflops < 20,
    spread: gflops < 20 ? 0.35 : 0.05,
    samples: 9,
    calls_per_sample: 4,
    validation: { mode: 'full', checked: m * n, worst_error_to_tolerance: 0.01 },
  };
}

function fakeDocument(): BenchDocument {
  const overhead = { median_ns: 800, min_ns: 750, max_ns: 900, noisy: false, calls_per_sample: 2048, samples: 9 };
  return {
    machine: {
      version: '0.1.0',
      isa: 'avx512',
      isaReason: 'test',
      isas: ['scalar', 'avx2', 'avx512'],
      threads: 2,
      maxThreads: 2,
      cpu: {
        vendor: 'Vendor',
        brand: 'Test <CPU> & "Co"',
        features: { avx2: true, fma: true, avx512f: true, avx512bw: true, avx512vnni: false, avx512bf16: false, avxvnni: false, osAvx512: true },
      },
      cuda: { available: false, reason: 'none', driverVersion: 0, devices: [] },
      node: 'v20.0.0',
      platform: 'linux',
      arch: 'x64',
      logicalCpus: 2,
      loadAverage: [0.1, 0.2, 0.3],
      warnings: ['the 2-thread FMA peak is only 1.20x the 1-thread peak'],
      peaks: [
        { threads: 1, gflops: 100, runs: [99, 100, 98] },
        { threads: 2, gflops: 200, runs: [200, 190, 195] },
      ],
    },
    run: { command: 'bench gemm --shapes 64x64x64,1x784x512', date: '2025-01-01T00:00:00.000Z', quick: false },
    gemm: {
      cases: [
        { ...fakeCase(64, 64, 64, 1, 'sgemm', 55.5), onednn_gflops: 60, openblas_gflops: 50, onednn_us: 8.7, openblas_us: 10.5, ratio_to_onednn: 0.925 },
        fakeCase(1, 784, 512, 1, 'packed', 12.25),
        fakeCase(64, 64, 64, 2, 'sgemm', 90),
        { ...fakeCase(1, 784, 512, 2, 'packed', 30), onednn_us: 20.1 },
      ],
      failures: [{ m: 7, n: 5, k: 33, threads: 2, path: 'sgemm', error: 'FAILED: 1 of all 35 entries | out of tolerance' }],
      overhead: { m: 4, k: 4, n: 4, threads: 1, sgemm_sync: overhead, core_matmul_sync: { ...overhead, median_ns: 3000 }, sgemm_async_await: { ...overhead, median_ns: 15000, noisy: true } },
      peers: { onednn: 'ok (/usr/lib/libdnnl.so)', openblas: 'not installed (no libopenblas.so)' },
      warnings: [],
      threads: [1, 2],
      quick: false,
    },
  };
}

/** Cells of a Markdown table row, honouring escaped pipes. */
function markdownCells(line: string): string[] {
  return line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Checks that tags nest and close; returns the element names in document order. */
function checkXml(text: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const body = text.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      names.push(name);
      if (!selfClosing) stack.push(name);
    }
  }
  expect(stack).toEqual([]);
  // Nothing that looks like a tag was left unmatched by the pattern above (e.g. a raw '<').
  const tags = body.match(/</g)?.length ?? 0;
  const matched = [...body.matchAll(/<\/?[A-Za-z][\w:-]*(?:\s+[\w:-]+="[^"<]*")*\s*\/?>/g)].length;
  expect(matched).toBe(tags);
  return names;
}

describe('gemm.md', () => {
  const md = renderGemmMarkdown(fakeDocument());

  test('names the command and the machine', () => {
    expect(md).toContain('`bench gemm --shapes 64x64x64,1x784x512`');
    expect(md).toContain('Test <CPU> & "Co"');
    expect(md).toContain('100.0 GFLOP/s (1 thread), 200.0 GFLOP/s (2 threads)');
    expect(md).toContain('> Warning: the 2-thread FMA peak is only 1.20x');
  });

  test('every table row has as many cells as its header, with an alignment row', () => {
    const lines = md.split('\n');
    const tables: string[][] = [];
    let current: string[] | null = null;
    for (const line of lines) {
      if (line.startsWith('|')) (current ??= []).push(line);
      else if (current) {
        tables.push(current);
        current = null;
      }
    }
    if (current) tables.push(current);
    expect(tables.length).toBe(2); // cases, overhead
    for (const t of tables) {
      const width = markdownCells(t[0]).length;
      expect(t[1]).toMatch(/^\|(:?---:?\|)+$/);
      expect(markdownCells(t[1]).length).toBe(width);
      for (const row of t.slice(2)) expect(markdownCells(row).length).toBe(width);
    }
    expect(tables[0].length).toBe(2 + 4);
  });

  test('lists failures (escaping pipes) and peer status', () => {
    expect(md).toContain('FAILED: 1 of all 35 entries | out of tolerance');
    expect(md).toContain('oneDNN: ok');
    expect(md).toContain('OpenBLAS: not installed');
    expect(md).not.toMatch(/NaN|undefined/);
  });
});

describe('gemm.svg', () => {
  const svg = renderGemmSvg(fakeDocument());

  test('is well-formed XML with an svg root', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  test('one bar per case, a peak line per thread count, labelled axes', () => {
    const bars = svg.match(/<rect [^>]*fill="#(2e86c1|28b463)">/g) ?? [];
    expect(bars.length).toBe(4);
    expect(svg.match(/stroke-dasharray="6 3"/g)?.length).toBe(2);
    expect(svg).toContain('peak 100.0');
    expect(svg).toContain('peak 200.0');
    expect(svg).toContain('GFLOP/s (median');
    expect(svg).toContain('grouped by thread count');
    expect(svg).toContain('1 thread<');
    expect(svg).toContain('2 threads<');
    expect(svg).toContain('Test &lt;CPU&gt; &amp; &quot;Co&quot;');
  });

  test('an empty result still renders a valid chart', () => {
    const doc = fakeDocument();
    doc.gemm!.cases = [];
    const empty = renderGemmSvg(doc);
    checkXml(empty);
    expect(empty).toContain('no data');
  });

  test('helpers', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(niceAxis(207)).toEqual({ top: 250, step: 50 });
    expect(niceAxis(0.9)).toEqual({ top: 1, step: 0.2 });
    expect(niceAxis(0)).toEqual({ top: 1, step: 0.2 });
  });
});

describe('terminal report', () => {
  test('columns line up and carry the figures', () => {
    const doc = fakeDocument();
    const text = renderGemmText(doc);
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('shape MxKxN'));
    expect(header).toBeGreaterThan(0);
    const rule = lines[header + 1];
    expect(rule).toMatch(/^-+( +-+)+$/);
    // Right-aligned numeric columns end exactly where their rule segment ends.
    const medianEnd = lines[header].indexOf('GFLOP/s median') + 'GFLOP/s median'.length;
    for (const row of lines.slice(header + 2, header + 6)) expect(row[medianEnd - 1]).toMatch(/[0-9]/);
    expect(text).toContain('0.93x');
    expect(text).toContain('noisy (35%)');
    expect(text).toContain('FAILED (1)');
    expect(gemmCaseTable(doc.gemm!.cases).rows.every((r) => r.length === 14)).toBe(true);
  });
});

describe('peak scaling warning', () => {
  test('warns only when a multi-thread peak falls short of threads × the 1-thread peak', () => {
    expect(peakScalingWarnings([{ threads: 1, gflops: 100, runs: [] }, { threads: 2, gflops: 190, runs: [] }])).toEqual([]);
    const w = peakScalingWarnings([{ threads: 1, gflops: 100, runs: [] }, { threads: 2, gflops: 110, runs: [] }]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/2-thread FMA peak is only 1.10x/);
  });
});
