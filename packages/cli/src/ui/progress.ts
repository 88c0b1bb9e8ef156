// A progress bar with rate and ETA for long work (training epochs, cross-validation folds). On a
// TTY it redraws one line in place; elsewhere (CI logs, pipes) it prints a plain line at most every
// `intervalMs` and at the end, so logs stay short. Writes to stderr only, so `--json` stdout stays clean.
import { palette } from './color';

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Units of work in all (epochs, steps, folds). */
  total: number;
  /** Shown before the bar: 'train', 'cv'. */
  label: string;
  /** Name of one unit for the non-TTY lines ('epoch', 'step'). */
  unit?: string;
  stream?: ProgressStream;
  /** Draw in place (default: stream.isTTY). */
  tty?: boolean;
  color?: boolean;
  /** Non-TTY: least time between two lines (default 2000 ms). */
  intervalMs?: number;
  /** Clock in ms, for tests (default performance.now). */
  now?: () => number;
}

/** "1.2s", "3m05s", "1h02m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly unit: string;
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly color: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastLine = -Infinity;
  private lastPrinted = -1;
  private lastDraw = -Infinity;
  private done = 0;
  private info = '';
  private drawn = false;
  private finished = false;

  constructor(o: ProgressOptions) {
    this.total = Math.max(1, o.total);
    this.label = o.label;
    this.unit = o.unit ?? 'step';
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? this.stream.isTTY === true;
    this.color = o.color ?? false;
    this.intervalMs = o.intervalMs ?? 2000;
    this.now = o.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Milliseconds left, from the rate so far; NaN before the first unit is done. */
  eta(): number {
    if (this.done <= 0) return NaN;
    const elapsed = this.now() - this.start;
    return (elapsed / this.done) * (this.total - this.done);
  }

  /** Sets the units done (absolute) and an optional status ('loss 0.231'). */
  update(done: number, info = ''): void {
    if (this.finished) return;
    this.done = Math.min(Math.max(0, done), this.total);
    this.info = info;
    const t = this.now();
    if (this.tty) {
      // Redraw at most ~12 times a second (a fast fit reports far more often), always the last.
      if (t - this.lastDraw >= 80 || this.done === this.total) {
        this.lastDraw = t;
        this.draw();
      }
    }
    else if (this.done !== this.lastPrinted && (t - this.lastLine >= this.intervalMs || this.done === this.total)) {
      this.lastLine = t;
      this.lastPrinted = this.done;
      this.stream.write(`${this.plainLine()}\n`);
    }
  }

  /** Ends the bar; `message` replaces it on a TTY and follows it elsewhere. */
  finish(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty && this.drawn) this.stream.write('\r\u001b[2K');
    if (message) this.stream.write(`${message}\n`);
  }

  /** Clears the bar so another line can be written, then redraws it on the next update. */
  clear(): void {
    if (this.tty && this.drawn) {
      this.stream.write('\r\u001b[2K');
      this.drawn = false;
    }
  }

  private stats(): string {
    const elapsed = this.now() - this.start;
    const eta = this.done >= this.total ? 'done' : `ETA ${formatDuration(this.eta())}`;
    return `${formatDuration(elapsed)} elapsed, ${eta}`;
  }

  private plainLine(): string {
    const pct = Math.floor((100 * this.done) / this.total);
    return `${this.label}: ${this.unit} ${this.done}/${this.total} (${pct}%)${this.info ? `, ${this.info}` : ''}, ${this.stats()}`;
  }

  private draw(): void {
    const p = palette(this.color);
    const pct = `${Math.floor((100 * this.done) / this.total)}%`.padStart(4);
    const elapsed = this.now() - this.start;
    const time = this.done >= this.total ? formatDuration(elapsed) : `${formatDuration(elapsed)} ETA ${formatDuration(this.eta())}`;
    // Time before the status text, so a narrow terminal cuts the status, not the ETA.
    const tail = `${pct} ${this.done}/${this.total}  ${time}${this.info ? `  ${this.info}` : ''}`;
    const cols = this.stream.columns || 80;
    // A fixed-width bar (so it does not jump as the status text changes), none on narrow terminals;
    // the status is cut to the terminal width so the line never wraps.
    const width = cols >= 100 ? 30 : cols >= 70 ? 20 : 0;
    const room = Math.max(10, cols - 1 - this.label.length - 1 - (width ? width + 1 : 0));
    const text = tail.length > room ? `${tail.slice(0, room - 1)}…` : tail;
    const filled = Math.round((width * this.done) / this.total);
    const line = width
      ? `${this.label} ${p.green('█'.repeat(filled))}${p.dim('░'.repeat(width - filled))} ${text}`
      : `${this.label} ${text}`;
    this.stream.write(`\r\u001b[2K${line}`);
    this.drawn = true;
  }
}
