// Registry persistence: the `RegistryStore` interface and its embedded SQLite + blob-directory
// implementation. Every change and its audit entry commit in one transaction.
// Not here: validation of names/weights, alias resolution, model files (see registry.ts), and
// the PostgreSQL + object-store backend (a later implementation of the same interface).
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { AmaasError } from '../errors';
import type { ModelSignature } from '../io';
import { loadSqlite, type SqliteDatabase } from './sqlite-types';

export interface ModelRecord {
  name: string;
  description: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface VersionRecord {
  model: string;
  version: number;
  sha256: string;
  size: number;
  kind: string;
  signature: ModelSignature;
  metrics: Record<string, number>;
  parent: number | null;
  dataFingerprint: string | null;
  createdBy: string;
  createdAt: string;
}

/** One arm of an alias; weights of an alias are stored normalised to sum 1. */
export interface AliasTarget {
  version: number;
  weight: number;
}

export interface AliasRecord {
  model: string;
  alias: string;
  targets: AliasTarget[];
  updatedAt: string;
  updatedBy: string;
}

export interface AliasHistoryEntry {
  id: number;
  model: string;
  alias: string;
  action: 'set_alias' | 'rollback';
  targets: AliasTarget[];
  /** the targets this entry replaced (null when the alias was created) */
  previous: AliasTarget[] | null;
  actor: string;
  at: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  model: string | null;
  details: Record<string, unknown>;
}

export interface NewVersion {
  /** explicit number, or undefined for the next one */
  version?: number;
  sha256: string;
  size: number;
  kind: string;
  signature: ModelSignature;
  metrics: Record<string, number>;
  parent: number | null;
  dataFingerprint: string | null;
  createdBy: string;
}

export interface FsckReport {
  /** rows checked */
  versions: number;
  /** `model@version` rows whose blob is missing, the wrong size or the wrong hash */
  badVersions: string[];
  /** temp files of dead writers that were removed */
  removedTempFiles: string[];
  /** blobs no row references (removed when `removeOrphanBlobs`) */
  orphanBlobs: string[];
}

/** Persistence of a registry. Methods that change state take the actor and write the audit log
 *  in the same transaction; conflicts are AmaasError 'CONFLICT', absent things 'NOT_FOUND'. */
export interface RegistryStore {
  createModel(name: string, description: string, tags: string[], actor: string): Promise<ModelRecord>;
  getModel(name: string): Promise<ModelRecord | null>;
  listModels(): Promise<ModelRecord[]>;
  updateModel(name: string, patch: { description?: string; tags?: string[] }, actor: string): Promise<ModelRecord>;
  /** Removes the model; with versions only when `force` (then versions, aliases and history go too). */
  deleteModel(name: string, force: boolean, actor: string): Promise<void>;

  /** Writes the bytes durably under their sha256 (idempotent). */
  putBlob(bytes: Uint8Array, sha256: string): Promise<void>;
  readBlob(sha256: string): Promise<Buffer>;

  /** Inserts a version in one write transaction (next number unless explicit); re-writes the
   *  blob from `bytes` if it vanished meanwhile. */
  insertVersion(name: string, v: NewVersion, bytes: Uint8Array, actor: string): Promise<VersionRecord>;
  getVersion(name: string, version: number): Promise<VersionRecord | null>;
  listVersions(name: string): Promise<VersionRecord[]>;
  deleteVersion(name: string, version: number, actor: string): Promise<void>;
  /** Removes a blob when no version references it (safe against a concurrent push). */
  collectBlob(sha256: string): Promise<boolean>;

  setAlias(name: string, alias: string, targets: AliasTarget[], actor: string): Promise<AliasRecord>;
  getAlias(name: string, alias: string): Promise<AliasRecord | null>;
  listAliases(name: string): Promise<AliasRecord[]>;
  deleteAlias(name: string, alias: string, actor: string): Promise<void>;
  rollbackAlias(name: string, alias: string, actor: string): Promise<AliasRecord>;
  aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]>;

  auditLog(query: { name?: string; limit?: number }): Promise<AuditEntry[]>;
  fsck(options?: { removeOrphanBlobs?: boolean }): Promise<FsckReport>;
  close(): Promise<void>;
}

export interface SqliteRegistryStoreOptions {
  /** data directory (default `${AMAAS_HOME:-./.amaas}/registry`) */
  dir?: string;
  /** ms a writer waits for another process's lock (default 15000) */
  busyTimeoutMs?: number;
}

export function defaultRegistryDir(): string {
  return nodePath.join(process.env.AMAAS_HOME || './.amaas', 'registry');
}

const TEMP_PREFIX = '.tmp-';
/** Temp files of live processes younger than this are left alone by fsck. */
const TEMP_GRACE_MS = 60 * 60 * 1000;

function notFound(message: string): AmaasError {
  return new AmaasError('NOT_FOUND', message);
}
function conflict(message: string): AmaasError {
  return new AmaasError('CONFLICT', message);
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort: directories cannot be fsynced on every platform (Windows) */
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  last_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  model TEXT NOT NULL REFERENCES models(name),
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  kind TEXT NOT NULL,
  signature TEXT NOT NULL,
  metrics TEXT NOT NULL,
  parent INTEGER,
  data_fingerprint TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (model, version)
);
CREATE INDEX IF NOT EXISTS versions_sha256 ON versions(sha256);
CREATE TABLE IF NOT EXISTS aliases (
  model TEXT NOT NULL REFERENCES models(name),
  alias TEXT NOT NULL,
  targets TEXT NOT NULL,
  history_id INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (model, alias)
);
CREATE TABLE IF NOT EXISTS alias_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,
  alias TEXT NOT NULL,
  action TEXT NOT NULL,
  targets TEXT NOT NULL,
  previous TEXT,
  prev_id INTEGER,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alias_history_key ON alias_history(model, alias);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  model TEXT,
  details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_model ON audit(model);
`;

interface ModelRow { name: string; description: string; tags: string; last_version: number; created_at: string; updated_at: string }
interface VersionRow {
  model: string; version: number; sha256: string; size: number; kind: string; signature: string; metrics: string;
  parent: number | null; data_fingerprint: string | null; created_by: string; created_at: string;
}
interface AliasRow { model: string; alias: string; targets: string; history_id: number; updated_at: string; updated_by: string }
interface HistoryRow { id: number; model: string; alias: string; action: string; targets: string; previous: string | null; prev_id: number | null; actor: string; at: string }
interface AuditRow { id: number; at: string; actor: string; action: string; model: string | null; details: string }

function toModel(r: ModelRow): ModelRecord {
  return { name: r.name, description: r.description, tags: JSON.parse(r.tags) as string[], createdAt: r.created_at, updatedAt: r.updated_at };
}
function toVersion(r: VersionRow): VersionRecord {
  return {
    model: r.model, version: r.version, sha256: r.sha256, size: r.size, kind: r.kind,
    signature: JSON.parse(r.signature) as ModelSignature, metrics: JSON.parse(r.metrics) as Record<string, number>,
    parent: r.parent, dataFingerprint: r.data_fingerprint, createdBy: r.created_by, createdAt: r.created_at,
  };
}
function toAlias(r: AliasRow): AliasRecord {
  return { model: r.model, alias: r.alias, targets: JSON.parse(r.targets) as AliasTarget[], updatedAt: r.updated_at, updatedBy: r.updated_by };
}
function toHistory(r: HistoryRow): AliasHistoryEntry {
  return {
    id: r.id, model: r.model, alias: r.alias, action: r.action as AliasHistoryEntry['action'],
    targets: JSON.parse(r.targets) as AliasTarget[], previous: r.previous === null ? null : (JSON.parse(r.previous) as AliasTarget[]),
    actor: r.actor, at: r.at,
  };
}

/**
 * Embedded store: `<dir>/registry.db` (SQLite, WAL) and `<dir>/blobs/<sha[0:2]>/<sha>`.
 * synchronous = FULL: a push is rare and already pays for fsyncing its blob, and FULL makes a
 * returned push survive power loss too (NORMAL in WAL mode only survives process crashes).
 * Writers use BEGIN IMMEDIATE, so two processes never pick the same version number; the busy
 * timeout makes the second one wait instead of failing. The SQLite calls are synchronous (the
 * async interface is for network backends): they block the event loop for their (short) length.
 */
export class SqliteRegistryStore implements RegistryStore {
  readonly dir: string;
  readonly blobDir: string;
  private readonly db: SqliteDatabase;

  constructor(options: SqliteRegistryStoreOptions = {}) {
    this.dir = nodePath.resolve(options.dir ?? defaultRegistryDir());
    this.blobDir = nodePath.join(this.dir, 'blobs');
    fs.mkdirSync(this.blobDir, { recursive: true });
    const Database = loadSqlite();
    const busy = options.busyTimeoutMs ?? 15000;
    this.db = new Database(nodePath.join(this.dir, 'registry.db'), { timeout: busy });
    this.db.pragma(`busy_timeout = ${Math.floor(busy)}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.transaction(() => this.db.exec(SCHEMA)).immediate();
  }

  // ---- audit ----

  private audit(actor: string, action: string, model: string | null, details: Record<string, unknown>): void {
    this.db.prepare('INSERT INTO audit (at, actor, action, model, details) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), actor, action, model, JSON.stringify(details));
  }

  async auditLog(query: { name?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = query.limit ?? 1000;
    const rows = (query.name === undefined
      ? this.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT * FROM audit WHERE model = ? ORDER BY id DESC LIMIT ?').all(query.name, limit)) as AuditRow[];
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, model: r.model, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  // ---- models ----

  private modelRow(name: string): ModelRow | undefined {
    return this.db.prepare('SELECT * FROM models WHERE name = ?').get(name) as ModelRow | undefined;
  }
  private requireModel(name: string): ModelRow {
    const row = this.modelRow(name);
    if (!row) throw notFound(`model '${name}' does not exist; create it first with createModel('${name}')`);
    return row;
  }

  async createModel(name: string, description: string, tags: string[], actor: string): Promise<ModelRecord> {
    return this.db.transaction(() => {
      if (this.modelRow(name)) throw conflict(`model '${name}' already exists`);
      const now = new Date().toISOString();
      this.db.prepare('INSERT INTO models (name, description, tags, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, description, JSON.stringify(tags), now, now);
      this.audit(actor, 'create_model', name, { description, tags });
      return toModel(this.requireModel(name));
    }).immediate();
  }

  async getModel(name: string): Promise<ModelRecord | null> {
    const row = this.modelRow(name);
    return row ? toModel(row) : null;
  }

  async listModels(): Promise<ModelRecord[]> {
    return (this.db.prepare('SELECT * FROM models ORDER BY name').all() as ModelRow[]).map(toModel);
  }

  async updateModel(name: string, patch: { description?: string; tags?: string[] }, actor: string): Promise<ModelRecord> {
    return this.db.transaction(() => {
      const row = this.requireModel(name);
      const description = patch.description ?? row.description;
      const tags = patch.tags === undefined ? row.tags : JSON.stringify(patch.tags);
      this.db.prepare('UPDATE models SET description = ?, tags = ?, updated_at = ? WHERE name = ?')
        .run(description, tags, new Date().toISOString(), name);
      this.audit(actor, 'update_model', name, { ...patch });
      return toModel(this.requireModel(name));
    }).immediate();
  }

  async deleteModel(name: string, force: boolean, actor: string): Promise<void> {
    const shas = this.db.transaction(() => {
      this.requireModel(name);
      const versions = this.db.prepare('SELECT version, sha256 FROM versions WHERE model = ?').all(name) as { version: number; sha256: string }[];
      if (versions.length > 0 && !force)
        throw conflict(`model '${name}' has ${versions.length} version(s); delete them first or pass { force: true }`);
      this.db.prepare('DELETE FROM aliases WHERE model = ?').run(name);
      this.db.prepare('DELETE FROM alias_history WHERE model = ?').run(name);
      this.db.prepare('DELETE FROM versions WHERE model = ?').run(name);
      this.db.prepare('DELETE FROM models WHERE name = ?').run(name);
      this.audit(actor, 'delete_model', name, { force, versions: versions.map((v) => v.version) });
      return [...new Set(versions.map((v) => v.sha256))];
    }).immediate();
    for (const sha of shas) await this.collectBlob(sha);
  }

  // ---- blobs ----

  blobPath(sha256: string): string {
    return nodePath.join(this.blobDir, sha256.slice(0, 2), sha256);
  }

  /** temp file, fsync, rename into place, fsync both directories. */
  private writeBlobSync(bytes: Uint8Array, sha256: string): void {
    const final = this.blobPath(sha256);
    const shard = nodePath.dirname(final);
    fs.mkdirSync(shard, { recursive: true });
    const tmp = nodePath.join(this.blobDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const fd = fs.openSync(tmp, 'wx');
      try {
        let off = 0;
        while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, final);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fsyncDir(shard);
    fsyncDir(this.blobDir);
  }

  private blobIntact(sha256: string, size: number): boolean {
    try {
      return fs.statSync(this.blobPath(sha256)).size === size;
    } catch {
      return false;
    }
  }

  async putBlob(bytes: Uint8Array, sha256: string): Promise<void> {
    if (this.blobIntact(sha256, bytes.length)) return;
    this.writeBlobSync(bytes, sha256);
  }

  async readBlob(sha256: string): Promise<Buffer> {
    try {
      return await fs.promises.readFile(this.blobPath(sha256));
    } catch (err) {
      throw new AmaasError('INTERNAL', `blob ${sha256} is missing from ${this.blobDir}; run fsck()`, { cause: err });
    }
  }

  async collectBlob(sha256: string): Promise<boolean> {
    // Under the write lock, so a push of the same bytes (which checks the blob under the lock)
    // either sees it gone and re-writes it, or has already committed its row.
    return this.db.transaction(() => {
      const refs = this.db.prepare('SELECT COUNT(*) AS n FROM versions WHERE sha256 = ?').get(sha256) as { n: number };
      if (refs.n > 0) return false;
      fs.rmSync(this.blobPath(sha256), { force: true });
      return true;
    }).immediate();
  }

  // ---- versions ----

  async insertVersion(name: string, v: NewVersion, bytes: Uint8Array, actor: string): Promise<VersionRecord> {
    return this.db.transaction(() => {
      const model = this.requireModel(name);
      const max = (this.db.prepare('SELECT MAX(version) AS m FROM versions WHERE model = ?').get(name) as { m: number | null }).m ?? 0;
      let version: number;
      if (v.version !== undefined) {
        if (this.db.prepare('SELECT 1 FROM versions WHERE model = ? AND version = ?').get(name, v.version))
          throw conflict(`model '${name}' already has version ${v.version}; versions are immutable, push without a number to get ${Math.max(max, model.last_version) + 1}`);
        version = v.version;
      } else {
        version = Math.max(max, model.last_version) + 1;
      }
      if (v.parent !== null && !this.db.prepare('SELECT 1 FROM versions WHERE model = ? AND version = ?').get(name, v.parent))
        throw notFound(`parent version ${v.parent} of model '${name}' does not exist`);
      if (!this.blobIntact(v.sha256, v.size)) this.writeBlobSync(bytes, v.sha256);
      const now = new Date().toISOString();
      this.db.prepare(`INSERT INTO versions (model, version, sha256, size, kind, signature, metrics, parent, data_fingerprint, created_by, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        name, version, v.sha256, v.size, v.kind, JSON.stringify(v.signature), JSON.stringify(v.metrics),
        v.parent, v.dataFingerprint, v.createdBy, now);
      this.db.prepare('UPDATE models SET last_version = MAX(last_version, ?), updated_at = ? WHERE name = ?').run(version, now, name);
      this.audit(actor, 'push_version', name, { version, sha256: v.sha256, size: v.size, kind: v.kind, parent: v.parent, dataFingerprint: v.dataFingerprint, createdBy: v.createdBy });
      return toVersion(this.db.prepare('SELECT * FROM versions WHERE model = ? AND version = ?').get(name, version) as VersionRow);
    }).immediate();
  }

  async getVersion(name: string, version: number): Promise<VersionRecord | null> {
    const row = this.db.prepare('SELECT * FROM versions WHERE model = ? AND version = ?').get(name, version) as VersionRow | undefined;
    return row ? toVersion(row) : null;
  }

  async listVersions(name: string): Promise<VersionRecord[]> {
    return (this.db.prepare('SELECT * FROM versions WHERE model = ? ORDER BY version').all(name) as VersionRow[]).map(toVersion);
  }

  async deleteVersion(name: string, version: number, actor: string): Promise<void> {
    const sha = this.db.transaction(() => {
      this.requireModel(name);
      const row = this.db.prepare('SELECT * FROM versions WHERE model = ? AND version = ?').get(name, version) as VersionRow | undefined;
      if (!row) throw notFound(`model '${name}' has no version ${version}`);
      const aliases = (this.db.prepare('SELECT * FROM aliases WHERE model = ?').all(name) as AliasRow[])
        .filter((a) => (JSON.parse(a.targets) as AliasTarget[]).some((t) => t.version === version))
        .map((a) => a.alias);
      if (aliases.length > 0)
        throw conflict(`version ${version} of model '${name}' is the target of alias(es) ${aliases.map((a) => `'${a}'`).join(', ')}; move them first`);
      this.db.prepare('DELETE FROM versions WHERE model = ? AND version = ?').run(name, version);
      this.audit(actor, 'delete_version', name, { version, sha256: row.sha256 });
      return row.sha256;
    }).immediate();
    await this.collectBlob(sha);
  }

  // ---- aliases ----

  private aliasRow(name: string, alias: string): AliasRow | undefined {
    return this.db.prepare('SELECT * FROM aliases WHERE model = ? AND alias = ?').get(name, alias) as AliasRow | undefined;
  }

  private requireVersions(name: string, targets: AliasTarget[]): void {
    for (const t of targets)
      if (!this.db.prepare('SELECT 1 FROM versions WHERE model = ? AND version = ?').get(name, t.version))
        throw notFound(`model '${name}' has no version ${t.version}`);
  }

  /** Writes the alias row and its history entry; `prevId` is the entry a rollback returns to. */
  private writeAlias(name: string, alias: string, targets: AliasTarget[], action: 'set_alias' | 'rollback', prevId: number | null, actor: string): AliasRecord {
    const current = this.aliasRow(name, alias);
    const now = new Date().toISOString();
    const res = this.db.prepare('INSERT INTO alias_history (model, alias, action, targets, previous, prev_id, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(name, alias, action, JSON.stringify(targets), current ? current.targets : null, prevId, actor, now);
    const historyId = Number(res.lastInsertRowid);
    this.db.prepare(`INSERT INTO aliases (model, alias, targets, history_id, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (model, alias) DO UPDATE SET targets = excluded.targets, history_id = excluded.history_id, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
      .run(name, alias, JSON.stringify(targets), historyId, now, actor);
    this.audit(actor, action, name, { alias, targets, previous: current ? (JSON.parse(current.targets) as AliasTarget[]) : null });
    return toAlias(this.aliasRow(name, alias) as AliasRow);
  }

  async setAlias(name: string, alias: string, targets: AliasTarget[], actor: string): Promise<AliasRecord> {
    return this.db.transaction(() => {
      this.requireModel(name);
      this.requireVersions(name, targets);
      const current = this.aliasRow(name, alias);
      return this.writeAlias(name, alias, targets, 'set_alias', current ? current.history_id : null, actor);
    }).immediate();
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord | null> {
    const row = this.aliasRow(name, alias);
    return row ? toAlias(row) : null;
  }

  async listAliases(name: string): Promise<AliasRecord[]> {
    return (this.db.prepare('SELECT * FROM aliases WHERE model = ? ORDER BY alias').all(name) as AliasRow[]).map(toAlias);
  }

  async deleteAlias(name: string, alias: string, actor: string): Promise<void> {
    this.db.transaction(() => {
      const current = this.aliasRow(name, alias);
      if (!current) throw notFound(`model '${name}' has no alias '${alias}'`);
      this.db.prepare('DELETE FROM aliases WHERE model = ? AND alias = ?').run(name, alias);
      this.audit(actor, 'delete_alias', name, { alias, previous: JSON.parse(current.targets) as AliasTarget[] });
    }).immediate();
  }

  async rollbackAlias(name: string, alias: string, actor: string): Promise<AliasRecord> {
    return this.db.transaction(() => {
      const current = this.aliasRow(name, alias);
      if (!current) throw notFound(`model '${name}' has no alias '${alias}'`);
      const entry = this.db.prepare('SELECT * FROM alias_history WHERE id = ?').get(current.history_id) as HistoryRow | undefined;
      const prev = entry && entry.prev_id !== null
        ? (this.db.prepare('SELECT * FROM alias_history WHERE id = ?').get(entry.prev_id) as HistoryRow | undefined)
        : undefined;
      if (!prev) throw conflict(`alias '${alias}' of model '${name}' has no earlier target to roll back to`);
      const targets = JSON.parse(prev.targets) as AliasTarget[];
      try {
        this.requireVersions(name, targets);
      } catch (err) {
        throw conflict(`cannot roll alias '${alias}' back: ${(err as Error).message} any more`);
      }
      // The new entry points where `prev` pointed, so repeated rollbacks keep walking back.
      return this.writeAlias(name, alias, targets, 'rollback', prev.prev_id, actor);
    }).immediate();
  }

  async aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]> {
    return (this.db.prepare('SELECT * FROM alias_history WHERE model = ? AND alias = ? ORDER BY id').all(name, alias) as HistoryRow[]).map(toHistory);
  }

  // ---- maintenance ----

  async fsck(options: { removeOrphanBlobs?: boolean } = {}): Promise<FsckReport> {
    const report: FsckReport = { versions: 0, badVersions: [], removedTempFiles: [], orphanBlobs: [] };
    const now = Date.now();
    for (const entry of fs.readdirSync(this.blobDir)) {
      if (!entry.startsWith(TEMP_PREFIX)) continue;
      const pid = Number(entry.slice(TEMP_PREFIX.length).split('-')[0]);
      const file = nodePath.join(this.blobDir, entry);
      let age = 0;
      try {
        age = now - fs.statSync(file).mtimeMs;
      } catch {
        continue;
      }
      const ours = pid === process.pid;
      if ((!ours && !pidAlive(pid)) || age > TEMP_GRACE_MS) {
        fs.rmSync(file, { force: true });
        report.removedTempFiles.push(entry);
      }
    }
    const rows = this.db.prepare('SELECT model, version, sha256, size FROM versions').all() as { model: string; version: number; sha256: string; size: number }[];
    report.versions = rows.length;
    const referenced = new Set<string>();
    for (const r of rows) {
      referenced.add(r.sha256);
      let ok = false;
      try {
        const bytes = fs.readFileSync(this.blobPath(r.sha256));
        ok = bytes.length === r.size && createHash('sha256').update(bytes).digest('hex') === r.sha256;
      } catch {
        ok = false;
      }
      if (!ok) report.badVersions.push(`${r.model}@${r.version}`);
    }
    for (const shard of fs.readdirSync(this.blobDir)) {
      if (shard.startsWith(TEMP_PREFIX)) continue;
      const shardDir = nodePath.join(this.blobDir, shard);
      if (!fs.statSync(shardDir).isDirectory()) continue;
      for (const sha of fs.readdirSync(shardDir)) {
        if (referenced.has(sha)) continue;
        report.orphanBlobs.push(sha);
        if (options.removeOrphanBlobs) await this.collectBlob(sha);
      }
    }
    return report;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
