// Dynamic batching for one loaded model version. Requests queue; the queue is flushed at the
// end of the current event-loop turn (setImmediate), so every request parsed in one I/O phase
// joins one batch and an idle server adds no delay. While a batch runs on a worker, the queue
// keeps filling until that batch ends or the oldest request has waited maxQueueDelayMs, so a
// busy model runs few, large native calls. The queue is bounded by rows and bytes: when full
// the request is refused at once (503 + Retry-After) instead of growing memory.
// Not here: which version a request goes to (manager.ts), wire formats (protocols/).
import { performance } from 'node:perf_hooks';
import { HttpError } from './errors';
import type { BatchInput, ModelAdapter } from './models/adapter';

export interface BatchingOptions {
  enabled: boolean;
  /** rows per native call at most (a single larger request still runs, alone) */
  maxBatchSize: number;
  /** longest a request waits for a running batch before another starts beside it */
  maxQueueDelayMs: number;
  /** queued rows beyond which requests are refused (503) */
  maxQueueRows: number;
  /** queued + running input bytes beyond which requests are refused (503) */
  maxQueueBytes: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  enabled: true,
  maxBatchSize: 64,
  maxQueueDelayMs: 2,
  maxQueueRows: 4096,
  maxQueueBytes: 64 * 1024 * 1024,
};

export interface BatchObserver {
  batch(rows: number, computeSeconds: number): void;
  queued(seconds: number): void;
  queueRows(rows: number): void;
}

interface Pending {
  input: BatchInput;
  bytes: number;
  at: number;
  resolve: (out: Float32Array) => void;
  reject: (err: unknown) => void;
}

function inputBytes(input: BatchInput): number {
  if (input.type === 'float') return input.x.byteLength;
  let b = 0;
  for (const t of input.texts) b += t.length * 2;
  return b;
}

/** Concatenates the inputs of several requests into one batch. */
function concat(items: Pending[], features: number): BatchInput {
  if (items.length === 1) return items[0].input;
  let n = 0;
  for (const it of items) n += it.input.n;
  if (items[0].input.type === 'string') {
    const texts: string[] = [];
    for (const it of items) if (it.input.type === 'string') texts.push(...it.input.texts);
    return { type: 'string', texts, n };
  }
  const x = new Float32Array(n * features);
  let off = 0;
  for (const it of items)
    if (it.input.type === 'float') {
      x.set(it.input.x, off);
      off += it.input.x.length;
    }
  return { type: 'float', x, n };
}

export class Batcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private bytes = 0;
  private running = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly model: ModelAdapter,
    private readonly options: BatchingOptions,
    private readonly observer: BatchObserver,
  ) {}

  /** The output rows of `input` (n * output width values); synchronous when batching is off and
   *  the model runs synchronously, so the batch-1 path allocates no promise. */
  submit(input: BatchInput): Float32Array | Promise<Float32Array> {
    const bytes = inputBytes(input);
    if (this.bytes + bytes > this.options.maxQueueBytes && this.bytes > 0) throw this.full('bytes');
    if (!this.options.enabled) return this.runDirect(input, bytes);
    if (this.queuedRows + input.n > this.options.maxQueueRows && this.queuedRows > 0) throw this.full('rows');
    return new Promise<Float32Array>((resolve, reject) => {
      this.queue.push({ input, bytes, at: performance.now(), resolve, reject });
      this.queuedRows += input.n;
      this.bytes += bytes;
      this.observer.queueRows(this.queuedRows);
      this.schedule();
    });
  }

  private full(what: string): HttpError {
    return new HttpError(503, `the model's request queue is full (${what}); retry shortly`, { 'retry-after': '1' });
  }

  private runDirect(input: BatchInput, bytes: number): Float32Array | Promise<Float32Array> {
    const t0 = performance.now();
    const out = this.model.run(input);
    if (out instanceof Float32Array) {
      this.observer.batch(input.n, (performance.now() - t0) / 1e3);
      return out;
    }
    this.bytes += bytes;
    this.running++;
    const done = () => {
      this.bytes -= bytes;
      this.running--;
      this.observer.batch(input.n, (performance.now() - t0) / 1e3);
    };
    return out.then(
      (y) => {
        done();
        return y;
      },
      (err) => {
        done();
        throw err;
      },
    );
  }

  private schedule(): void {
    if (this.scheduled || this.timer) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    if (this.running > 0) {
      // A batch is on a worker: let the queue grow until it ends (see finish) or the oldest
      // request has waited maxQueueDelayMs.
      const waited = performance.now() - this.queue[0].at;
      if (waited < this.options.maxQueueDelayMs) {
        if (!this.timer)
          this.timer = setTimeout(() => {
            this.timer = null;
            this.flush();
          }, Math.max(1, Math.ceil(this.options.maxQueueDelayMs - waited)));
        return;
      }
    }
    const items: Pending[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (items.length === 0 || rows + this.queue[0].input.n <= this.options.maxBatchSize)) {
      const p = this.queue.shift()!;
      items.push(p);
      rows += p.input.n;
    }
    this.queuedRows -= rows;
    this.observer.queueRows(this.queuedRows);
    this.execute(items, rows);
    if (this.queue.length > 0) this.schedule();
  }

  private execute(items: Pending[], rows: number): void {
    const t0 = performance.now();
    for (const it of items) this.observer.queued((t0 - it.at) / 1e3);
    let bytes = 0;
    for (const it of items) bytes += it.bytes;
    const finish = (out: Float32Array | null, err: unknown) => {
      this.bytes -= bytes;
      this.observer.batch(rows, (performance.now() - t0) / 1e3);
      if (!out) {
        for (const it of items) it.reject(err);
        return;
      }
      const width = out.length / rows;
      let off = 0;
      for (const it of items) {
        const len = it.input.n * width;
        it.resolve(items.length === 1 ? out : out.subarray(off, off + len));
        off += len;
      }
    };
    let result: Float32Array | Promise<Float32Array>;
    try {
      result = this.model.run(concat(items, this.model.input.features));
    } catch (err) {
      finish(null, err);
      return;
    }
    if (result instanceof Float32Array) {
      finish(result, null);
      return;
    }
    this.running++;
    result.then(
      (out) => {
        this.running--;
        finish(out, null);
        if (this.queue.length > 0) this.schedule();
      },
      (err) => {
        this.running--;
        finish(null, err);
        if (this.queue.length > 0) this.schedule();
      },
    );
  }
}
