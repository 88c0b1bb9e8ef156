// A small Prometheus text-format (0.0.4) registry: counters, gauges and histograms with labels.
// Written here rather than depending on prom-client because the hot path needs only a Map lookup
// and an add per observation. Not here: push gateways, summaries, exemplars.

type Labels = Record<string, string | number>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly (string | number)[]): string {
  if (names.length === 0) return '';
  return `{${names.map((n, i) => `${n}="${escapeLabel(String(values[i]))}"`).join(',')}}`;
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  protected key(labels: Labels | undefined): string {
    if (this.labelNames.length === 0) return '';
    // label values joined by an unprintable separator: one string per series for the Map.
    let k = '';
    for (const n of this.labelNames) k += `${labels?.[n] ?? ''}\u0001`;
    return k;
  }
  protected values(key: string): string[] {
    return key === '' ? [] : key.split('\u0001').slice(0, -1);
  }
  abstract render(): string;
}

export class Counter extends Metric {
  private readonly series = new Map<string, number>();
  inc(labels?: Labels, by = 1): void {
    const k = this.key(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }
  /** A handle on one series: the hot path builds the label key once, not per request. */
  bind(labels: Labels): { inc(by?: number): void } {
    const k = this.key(labels);
    const series = this.series;
    return { inc: (by = 1) => void series.set(k, (series.get(k) ?? 0) + by) };
  }
  get(labels?: Labels): number {
    return this.series.get(this.key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.series) lines.push(`${this.name}${labelText(this.labelNames, this.values(k))} ${v}`);
    return lines.join('\n');
  }
}

export class Gauge extends Metric {
  private readonly series = new Map<string, number>();
  /** Called at scrape time to refresh values that are cheaper to read than to track. */
  collect: (() => void) | null = null;
  set(labels: Labels | undefined, value: number): void {
    this.series.set(this.key(labels), value);
  }
  inc(labels?: Labels, by = 1): void {
    const k = this.key(labels);
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }
  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }
  get(labels?: Labels): number {
    return this.series.get(this.key(labels)) ?? 0;
  }
  remove(labels: Labels): void {
    this.series.delete(this.key(labels));
  }
  reset(): void {
    this.series.clear();
  }
  render(): string {
    this.collect?.();
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.series) lines.push(`${this.name}${labelText(this.labelNames, this.values(k))} ${v}`);
    return lines.join('\n');
  }
}

interface HistogramSeries {
  counts: Float64Array; // one per bucket (non-cumulative), +Inf last
  sum: number;
  count: number;
}

export class Histogram extends Metric {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(name, help, labelNames);
  }
  observe(labels: Labels | undefined, value: number): void {
    this.record(this.seriesOf(this.key(labels)), value);
  }
  /** A handle on one series (see Counter.bind). */
  bind(labels: Labels): { observe(value: number): void } {
    const k = this.key(labels);
    return { observe: (value) => this.record(this.seriesOf(k), value) };
  }
  private seriesOf(k: string): HistogramSeries {
    let s = this.series.get(k);
    if (!s) {
      s = { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    return s;
  }
  private record(s: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  /** Count and sum of one series (tests and /stats). */
  snapshot(labels?: Labels): { count: number; sum: number; buckets: { le: number; count: number }[] } {
    const s = this.series.get(this.key(labels));
    let acc = 0;
    const buckets = this.buckets.map((le, i) => {
      acc += s ? s.counts[i] : 0;
      return { le, count: acc };
    });
    return { count: s?.count ?? 0, sum: s?.sum ?? 0, buckets };
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const values = this.values(k);
      let acc = 0;
      const le = (b: string) => labelText([...this.labelNames, 'le'], [...values, b]);
      this.buckets.forEach((b, i) => {
        acc += s.counts[i];
        lines.push(`${this.name}_bucket${le(String(b))} ${acc}`);
      });
      lines.push(`${this.name}_bucket${le('+Inf')} ${s.count}`);
      const base = labelText(this.labelNames, values);
      lines.push(`${this.name}_sum${base} ${s.sum}`, `${this.name}_count${base} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }
  private add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
}

const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** The server's metrics, created once per app. */
export function createServerMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    requests: registry.counter('amaas_http_requests_total', 'HTTP requests by route family and status code', ['route', 'code']),
    latency: registry.histogram('amaas_request_duration_seconds', 'Inference request latency (receive to response end)', ['model', 'version', 'protocol'], SECONDS),
    queue: registry.histogram('amaas_queue_duration_seconds', 'Time an inference request waited in the batch queue', ['model', 'version'], SECONDS),
    compute: registry.histogram('amaas_compute_duration_seconds', 'Time of one native batch call', ['model', 'version'], SECONDS),
    batchSize: registry.histogram('amaas_batch_size', 'Rows per executed batch', ['model', 'version'], BATCH),
    inferences: registry.counter('amaas_inference_rows_total', 'Rows inferred', ['model', 'version']),
    inflight: registry.gauge('amaas_inflight_requests', 'Requests being served'),
    queueRows: registry.gauge('amaas_queue_rows', 'Rows waiting in batch queues', ['model', 'version']),
    loaded: registry.gauge('amaas_loaded_models', 'Loaded model versions by state', ['model', 'version', 'state']),
    modelBytes: registry.gauge('amaas_model_memory_bytes', 'Estimated memory held by a loaded model version', ['model', 'version']),
    memory: registry.gauge('amaas_process_memory_bytes', 'Process memory (rss, heapUsed, external)', ['type']),
    rejected: registry.counter('amaas_rejected_total', 'Requests rejected for capacity (503) or rate (429)', ['reason']),
  };
}
export type ServerMetrics = ReturnType<typeof createServerMetrics>;
