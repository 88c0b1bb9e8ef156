// The model manager: which versions of which models are loaded, and which one a request gets.
// Lifecycle of a version: load (read + verify the file) -> warm up (one row through the native
// path, so packing happens before traffic) -> ready -> (alias moved away) draining, where requests
// that already resolved to it finish -> unloaded, its packed weights freed. Routing state per
// model is one immutable object replaced in a single assignment, so a request sees either the old
// or the new table and a moved alias never drops a request. Changes are picked up by polling the
// registry's audit log (one indexed row read every 250 ms) and at once when made through our API.
// Not here: HTTP, wire formats, batching policy (batching.ts).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  deserializeModel, NotFoundError, pickTarget, readModelInfo,
  type AliasTarget, type ModelFileInfo, type Registry, type VersionRecord,
} from '@amaas/core';
import { Batcher, type BatchingOptions } from '../batching';
import { HttpError } from '../errors';
import type { Logger } from '../log';
import type { ServerMetrics } from '../metrics';
import { adapt, type BatchInput, type ModelAdapter } from './adapter';

export type VersionState = 'ready' | 'draining' | 'unloaded';

export interface VersionStats {
  success: number;
  fail: number;
  successNs: number;
  queueCount: number;
  queueNs: number;
  executions: number;
  computeNs: number;
  rows: number;
  lastInference: number;
  batches: Map<number, { count: number; ns: number }>;
}

export class LoadedVersion {
  state: VersionState = 'ready';
  inflight = 0;
  readonly loadedAt = new Date().toISOString();
  readonly labels: { model: string; version: string };
  readonly stats: VersionStats = { success: 0, fail: 0, successNs: 0, queueCount: 0, queueNs: 0, executions: 0, computeNs: 0, rows: 0, lastInference: 0, batches: new Map() };
  readonly batcher: Batcher;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly adapter: ModelAdapter,
    readonly info: ModelFileInfo,
    readonly record: VersionRecord,
    batching: BatchingOptions,
    metrics: ServerMetrics,
  ) {
    this.labels = { model, version: String(version) };
    const labels = this.labels;
    const stats = this.stats;
    const batchSize = metrics.batchSize.bind(labels), compute = metrics.compute.bind(labels), rowsTotal = metrics.inferences.bind(labels);
    const queue = metrics.queue.bind(labels);
    this.latency = {
      v1: metrics.latency.bind({ model, version: labels.version, protocol: 'v1' }),
      v2: metrics.latency.bind({ model, version: labels.version, protocol: 'v2' }),
    };
    this.batcher = new Batcher(adapter, batching, {
      batch: (rows, s) => {
        batchSize.observe(rows);
        compute.observe(s);
        rowsTotal.inc(rows);
        stats.executions++;
        stats.computeNs += s * 1e9;
        stats.rows += rows;
        stats.lastInference = Date.now();
        const b = stats.batches.get(rows) ?? { count: 0, ns: 0 };
        b.count++;
        b.ns += s * 1e9;
        stats.batches.set(rows, b);
      },
      queued: (s) => {
        queue.observe(s);
        stats.queueCount++;
        stats.queueNs += s * 1e9;
      },
      queueRows: (rows) => metrics.queueRows.set(labels, rows),
    });
  }

  /** Request latency series of this version, by protocol (bound once). */
  readonly latency: Record<'v1' | 'v2', { observe(value: number): void }>;

  /** Runs a batch through this version's batcher. */
  infer(input: BatchInput): Float32Array | Promise<Float32Array> {
    return this.batcher.submit(input);
  }
}

interface Route {
  versions: ReadonlyMap<number, LoadedVersion>;
  aliases: ReadonlyMap<string, AliasTarget[]>;
  /** highest version number loaded (a request with no version and no production alias) */
  latest: number | null;
}

export interface Selector {
  version?: string;
  label?: string;
  /** `x-amaas-session`: the same session always gets the same arm of a split alias */
  session?: string;
}

export interface ManagerOptions {
  batching: BatchingOptions;
  metrics: ServerMetrics;
  log: Logger;
  /** models to serve; undefined = every model that has versions (new ones are picked up) */
  models?: string[];
  pollMs?: number;
}

function hashUnit(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

export class ModelManager {
  private readonly routes = new Map<string, Route>();
  /** models being served and versions pinned by an explicit load */
  private readonly served = new Map<string, Set<number>>();
  private readonly explicit: boolean;
  private chain: Promise<unknown> = Promise.resolve();
  private lastAudit = -1;
  private poller: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;
  private started = false;
  /** every version loaded and not yet unloaded (ready or draining) */
  private readonly all = new Set<LoadedVersion>();

  constructor(
    readonly registry: Registry,
    private readonly options: ManagerOptions,
  ) {
    this.explicit = options.models !== undefined;
    for (const m of options.models ?? []) this.served.set(m, new Set());
  }

  /** Loads the initial models and starts watching the registry. */
  async start(): Promise<void> {
    // Models named explicitly must exist: fail at start, not with 404s later.
    for (const name of this.served.keys()) await this.registry.getModel(name);
    this.lastAudit = await this.auditHead();
    if (!this.explicit) await this.discover();
    await this.serialize(async () => {
      for (const name of this.served.keys()) await this.reconcile(name);
    });
    this.started = true;
    const pollMs = this.options.pollMs ?? 250;
    if (pollMs > 0) {
      this.poller = setInterval(() => void this.poll(), pollMs);
      this.poller.unref();
    }
  }

  get ready(): boolean {
    if (!this.started || this.closed) return false;
    for (const name of this.served.keys()) if (!this.routes.get(name)?.versions.size) return false;
    return true;
  }

  names(): string[] {
    return [...this.routes.keys()].sort();
  }

  route(name: string): Route | undefined {
    return this.routes.get(name);
  }

  /** The version a request goes to (synchronous: the hot path). Throws 404 when unknown. */
  resolve(name: string, sel: Selector = {}): LoadedVersion {
    const route = this.routes.get(name);
    if (!route) throw new HttpError(404, `model '${name}' is not loaded`);
    let version: number | undefined;
    if (sel.version !== undefined) {
      if (!/^[0-9]+$/.test(sel.version)) throw new HttpError(400, `Expected a numeric version but received '${sel.version.slice(0, 40)}'`);
      version = Number(sel.version);
      const lv = route.versions.get(version);
      if (!lv) throw new HttpError(404, `version ${version} of model '${name}' is not loaded (loaded: ${[...route.versions.keys()].join(', ') || 'none'})`);
      return lv;
    }
    const alias = sel.label ?? (route.aliases.has('production') ? 'production' : undefined);
    if (alias !== undefined) {
      const targets = route.aliases.get(alias);
      if (!targets) throw new HttpError(404, `model '${name}' has no label '${alias.slice(0, 64)}'`);
      version = targets.length === 1 ? targets[0].version : pickTarget(targets, sel.session ? hashUnit(`${name}\u0000${alias}\u0000${sel.session}`) : Math.random());
    } else version = route.latest ?? undefined;
    const lv = version === undefined ? undefined : route.versions.get(version);
    if (!lv) throw new HttpError(503, `model '${name}' has no ready version for this request yet`, { 'retry-after': '1' });
    return lv;
  }

  /** Marks a request as using `lv` until release(): a draining version unloads when none remain. */
  acquire(lv: LoadedVersion): void {
    lv.inflight++;
  }

  release(lv: LoadedVersion): void {
    lv.inflight--;
    if (lv.inflight === 0 && lv.state === 'draining') this.dispose(lv);
  }

  /** Re-reads the registry for `name` (or every served model) and swaps routes. */
  refresh(name?: string): Promise<void> {
    return this.serialize(async () => {
      if (!this.explicit) await this.discover();
      for (const n of name === undefined ? [...this.served.keys()] : [name]) if (this.served.has(n)) await this.reconcile(n);
    });
  }

  /** Starts serving a model (and pins `version` when given). */
  async load(name: string, version?: number): Promise<void> {
    await this.registry.getModel(name); // NOT_FOUND for unknown models
    if (version !== undefined) await this.registry.getVersion(name, version);
    await this.serialize(async () => {
      const pins = this.served.get(name) ?? new Set<number>();
      if (version !== undefined) pins.add(version);
      this.served.set(name, pins);
      await this.reconcile(name);
    });
    if (!this.routes.get(name)?.versions.size) throw new HttpError(409, `model '${name}' has no version that could be loaded`);
  }

  /** Stops serving a model (or one pinned version): drains, then frees memory. */
  async unload(name: string, version?: number): Promise<void> {
    await this.serialize(async () => {
      if (!this.served.has(name)) throw new NotFoundError(`model '${name}' is not loaded`);
      if (version !== undefined) {
        this.served.get(name)!.delete(version);
        await this.reconcile(name);
        return;
      }
      this.served.delete(name);
      const route = this.routes.get(name);
      this.routes.delete(name);
      if (route) for (const lv of route.versions.values()) this.drain(lv);
    });
  }

  /** Stops polling, then drains and frees every version. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.chain.catch(() => undefined);
    for (const route of this.routes.values()) for (const lv of route.versions.values()) this.drain(lv);
    this.routes.clear();
    const deadline = Date.now() + 10000;
    // draining versions unload as their last request ends
    while (this.all.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  // ---- internals ----

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async auditHead(): Promise<number> {
    const [last] = await this.registry.auditLog({ limit: 1 });
    return last?.id ?? 0;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const head = await this.auditHead();
      if (head !== this.lastAudit) {
        this.lastAudit = head;
        await this.refresh();
      }
    } catch (err) {
      this.options.log.error('registry poll failed', { error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  private async discover(): Promise<void> {
    for (const m of await this.registry.listModels()) {
      if (this.served.has(m.name)) continue;
      if ((await this.registry.listVersions(m.name)).length > 0) this.served.set(m.name, new Set());
    }
  }

  /** Brings one model's loaded set in line with the registry: load + warm new versions, swap the
   *  route in one assignment, then drain versions no longer wanted. */
  private async reconcile(name: string): Promise<void> {
    if (this.closed) return;
    let versions: VersionRecord[];
    try {
      versions = await this.registry.listVersions(name);
    } catch (err) {
      this.options.log.error('cannot list versions', { model: name, error: (err as Error).message });
      return;
    }
    const old = this.routes.get(name);
    if (versions.length === 0) {
      // model deleted or emptied: stop serving it
      this.routes.delete(name);
      if (!this.explicit) this.served.delete(name);
      if (old) for (const lv of old.versions.values()) this.drain(lv);
      return;
    }
    const byNumber = new Map(versions.map((v) => [v.version, v]));
    const aliases = new Map<string, AliasTarget[]>();
    for (const a of await this.registry.listAliases(name)) aliases.set(a.alias, a.targets);
    const latest = versions[versions.length - 1].version;
    const want = new Set<number>([latest, ...(this.served.get(name) ?? [])]);
    for (const targets of aliases.values()) for (const t of targets) want.add(t.version);
    const next = new Map<number, LoadedVersion>();
    for (const v of want) {
      const record = byNumber.get(v);
      if (!record) continue;
      const existing = old?.versions.get(v);
      if (existing && existing.state === 'ready' && existing.record.sha256 === record.sha256) {
        next.set(v, existing);
        continue;
      }
      const lv = await this.loadVersion(name, record);
      if (lv) next.set(v, lv);
    }
    const loadedLatest = [...next.keys()].reduce<number | null>((m, v) => (m === null || v > m ? v : m), null);
    const route: Route = { versions: next, aliases, latest: next.has(latest) ? latest : loadedLatest };
    this.routes.set(name, route); // the atomic swap
    if (old) for (const [v, lv] of old.versions) if (next.get(v) !== lv) this.drain(lv);
    const moved = !old || [...next.keys()].join() !== [...old.versions.keys()].join() || JSON.stringify([...aliases]) !== JSON.stringify([...old.aliases]);
    if (moved) this.options.log.info('routes updated', { model: name, versions: [...next.keys()], aliases: Object.fromEntries(aliases) });
  }

  private async loadVersion(name: string, record: VersionRecord): Promise<LoadedVersion | null> {
    const t0 = performance.now();
    try {
      const bytes = await this.registry.readVersionFile(name, record.version);
      const info = readModelInfo(bytes);
      const adapter = adapt(deserializeModel(bytes), info);
      const lv = new LoadedVersion(name, record.version, adapter, info, record, this.options.batching, this.options.metrics);
      // Warm-up: the first call packs weights and touches every page; do it before traffic.
      const warm: BatchInput = adapter.input.type === 'string' ? { type: 'string', texts: ['warm up'], n: 1 } : { type: 'float', x: new Float32Array(adapter.input.features), n: 1 };
      await adapter.run(warm);
      this.all.add(lv);
      this.options.metrics.loaded.set({ ...lv.labels, state: 'ready' }, 1);
      this.options.metrics.modelBytes.set(lv.labels, adapter.bytes);
      this.options.log.info('model version loaded', { model: name, version: record.version, kind: adapter.kind, ms: Math.round(performance.now() - t0) });
      return lv;
    } catch (err) {
      this.options.log.error('model version failed to load', { model: name, version: record.version, error: (err as Error).message });
      return null;
    }
  }

  private drain(lv: LoadedVersion): void {
    if (lv.state !== 'ready') return;
    lv.state = 'draining';
    this.options.metrics.loaded.remove({ ...lv.labels, state: 'ready' });
    this.options.metrics.loaded.set({ ...lv.labels, state: 'draining' }, 1);
    if (lv.inflight === 0) this.dispose(lv);
  }

  private dispose(lv: LoadedVersion): void {
    if (lv.state === 'unloaded') return;
    lv.state = 'unloaded';
    try {
      lv.adapter.dispose();
    } catch (err) {
      this.options.log.error('dispose failed', { ...lv.labels, error: (err as Error).message });
    }
    this.all.delete(lv);
    this.options.metrics.loaded.remove({ ...lv.labels, state: 'draining' });
    this.options.metrics.loaded.remove({ ...lv.labels, state: 'ready' });
    this.options.metrics.modelBytes.remove(lv.labels);
    this.options.log.info('model version unloaded', { ...lv.labels });
  }
}
