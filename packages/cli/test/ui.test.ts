// The terminal pieces: progress bar (TTY redraw vs periodic plain lines, ETA), tables, colour rules.
import { colorEnabled, palette, visibleLength } from '../src/ui/color';
import { formatDuration, ProgressBar } from '../src/ui/progress';
import { renderPairs, renderTable } from '../src/ui/table';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (s: string) => chunks.push(s) } };
}

describe('ProgressBar', () => {
  test('off a TTY it prints a plain line at most every interval, and the last one once', () => {
    let now = 0;
    const { chunks, stream } = sink(false);
    const bar = new ProgressBar({ total: 100, label: 'train', unit: 'step', stream, intervalMs: 1000, now: () => now });
    for (let i = 1; i <= 100; ++i) {
      now += 50; // 5 s in all: about one line per second
      bar.update(i, `loss ${(1 / i).toFixed(3)}`);
    }
    bar.update(100, 'again');
    bar.finish('done');
    const lines = chunks.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(lines[0]).toMatch(/^train: step 1\/100 \(1%\), loss 1\.000, .*ETA/);
    expect(lines.filter((l) => l.includes('step 100/100'))).toHaveLength(1);
    expect(lines[lines.length - 1]).toBe('done');
    expect(chunks.join('')).not.toContain('\r');
  });

  test('on a TTY it redraws one line in place and clears it when finished', () => {
    let now = 0;
    const { chunks, stream } = sink(true);
    const bar = new ProgressBar({ total: 4, label: 'train', stream, now: () => now });
    now = 1000;
    bar.update(1);
    expect(bar.eta()).toBeCloseTo(3000);
    now = 1010;
    bar.update(1, 'too soon: not drawn');
    now = 2000;
    bar.update(2, 'loss 0.5');
    bar.finish();
    expect(chunks[0].startsWith('\r\u001b[2K')).toBe(true);
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toContain('50%');
    expect(chunks[1]).toMatch(/█{15}░{15}/);
    expect(chunks[1]).toContain('ETA 2.0s');
    expect(chunks[chunks.length - 1]).toBe('\r\u001b[2K');
  });

  test('formatDuration', () => {
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('?');
  });
});

describe('renderTable', () => {
  test('aligns numbers right and text left, with one precision per column', () => {
    const text = renderTable(['model', 'version', 'accuracy'], [['iris', 1, 0.96667], ['digits', 12, 1]]);
    expect(text).toBe(
      ['model   version  accuracy', '------  -------  --------', 'iris          1    0.9667', 'digits       12    1.0000', ''].join('\n'),
    );
  });

  test('says (none) for no rows and clips long cells', () => {
    expect(renderTable(['a', 'b'], [])).toBe('a  b\n(none)\n');
    const text = renderTable([{ header: 'd', maxWidth: 5 }], [['abcdefghij']]);
    expect(text.split('\n')[2]).toBe('abcd…');
  });

  test('renderPairs', () => {
    expect(renderPairs([['isa', 'avx2'], ['threads', 2]])).toBe('isa      avx2\nthreads  2\n');
  });
});

describe('colour', () => {
  test('only on a TTY, never with NO_COLOR or TERM=dumb', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(palette(false).green('ok')).toBe('ok');
    expect(visibleLength(palette(true).green('ok'))).toBe(2);
  });
});
