// API keys: `amk_` + 32 random bytes (base64url), shown once at creation; only the sha256 of a
// key is stored (keys.db, SQLite in WAL mode, in the data directory), so a leaked database does
// not leak working keys. The same database keeps the server's own audit log: the changes that are
// not registry state (key creation and revocation, model load/unload); registry changes are
// audited by the registry. Not here: deciding what a key may do per request (auth.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { ArgumentError, ConflictError, NotFoundError } from '@amaas/core';

export const SCOPES = ['infer', 'read', 'manage', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface KeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  /** glob patterns over model names (`*` any run of characters), default ['*'] */
  models: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedKey {
  id: string;
  /** the secret, shown once */
  key: string;
  name: string;
  scopes: Scope[];
  models: string[];
  createdAt: string;
}

// The better-sqlite3 surface this file uses (the one cast of the binding).
interface Stmt {
  run(...p: unknown[]): { changes: number };
  get(...p: unknown[]): unknown;
  all(...p: unknown[]): unknown[];
}
interface Db {
  prepare(sql: string): Stmt;
  exec(sql: string): void;
  pragma(s: string): unknown;
  close(): void;
}

interface Row {
  id: string;
  name: string;
  hash: string;
  scopes: string;
  models: string;
  created_at: string;
  revoked_at: string | null;
}

const KEY_PREFIX = 'amk_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const PATTERN = /^[A-Za-z0-9_.*?-]{1,128}$/;

export function hashKey(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toRecord(r: Row): KeyRecord {
  return { id: r.id, name: r.name, scopes: JSON.parse(r.scopes) as Scope[], models: JSON.parse(r.models) as string[], createdAt: r.created_at, revokedAt: r.revoked_at };
}

export class KeyStore {
  private constructor(private readonly db: Db) {}

  /** Opens (creating when needed) `<dataDir>/keys.db`. */
  static open(dataDir: string): KeyStore {
    fs.mkdirSync(dataDir, { recursive: true });
    // better-sqlite3 is a dependency of @amaas/core (the registry's store), not of this package:
    // resolve it from core's directory so it is found however npm laid out node_modules.
    const Database = createRequire(require.resolve('@amaas/core'))('better-sqlite3') as new (file: string, o?: { timeout?: number }) => Db;
    const db = new Database(path.join(dataDir, 'keys.db'), { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE,
      scopes TEXT NOT NULL, models TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
      CREATE TABLE IF NOT EXISTS server_audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
      model TEXT, details TEXT NOT NULL)`);
    return new KeyStore(db);
  }

  /** Appends to the server's audit log. */
  audit(actor: string, action: string, model: string | null, details: Record<string, unknown> = {}): void {
    this.db.prepare('INSERT INTO server_audit (at, actor, action, model, details) VALUES (?, ?, ?, ?, ?)').run(new Date().toISOString(), actor, action, model, JSON.stringify(details));
  }

  /** Newest first, like the registry's auditLog. */
  auditLog(query: { name?: string; limit?: number } = {}): { id: number; at: string; actor: string; action: string; model: string | null; details: Record<string, unknown> }[] {
    const limit = query.limit ?? 100;
    const rows = (query.name === undefined
      ? this.db.prepare('SELECT * FROM server_audit ORDER BY id DESC LIMIT ?').all(limit)
      : this.db.prepare('SELECT * FROM server_audit WHERE model = ? ORDER BY id DESC LIMIT ?').all(query.name, limit)) as { id: number; at: string; actor: string; action: string; model: string | null; details: string }[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  create(o: { name: string; scopes: Scope[]; models?: string[] }, actor = 'local'): CreatedKey {
    if (typeof o?.name !== 'string' || !NAME.test(o.name))
      throw new ArgumentError(`Expected a key name matching [A-Za-z0-9][A-Za-z0-9_.@-]* but received ${JSON.stringify(o?.name)}`);
    if (!Array.isArray(o.scopes) || o.scopes.length === 0 || o.scopes.some((s) => !SCOPES.includes(s)))
      throw new ArgumentError(`Expected scopes as a non-empty subset of ${SCOPES.join(', ')} but received ${JSON.stringify(o.scopes)}`);
    const models = o.models ?? ['*'];
    if (!Array.isArray(models) || models.length === 0 || models.some((m) => typeof m !== 'string' || !PATTERN.test(m)))
      throw new ArgumentError(`Expected model patterns like 'iris' or 'fraud-*' but received ${JSON.stringify(o.models)}`);
    if (this.db.prepare('SELECT 1 FROM api_keys WHERE name = ?').get(o.name)) throw new ConflictError(`an API key named '${o.name}' already exists`);
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = `key_${randomBytes(6).toString('hex')}`;
    const createdAt = new Date().toISOString();
    const scopes = [...new Set(o.scopes)];
    this.db
      .prepare('INSERT INTO api_keys (id, name, hash, scopes, models, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, o.name, hashKey(key), JSON.stringify(scopes), JSON.stringify(models), createdAt);
    this.audit(actor, 'create_key', null, { id, name: o.name, scopes, models });
    return { id, key, name: o.name, scopes, models: models.slice(), createdAt };
  }

  list(): KeyRecord[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, name').all() as Row[]).map(toRecord);
  }

  /** Number of keys not revoked: auth 'auto' turns on as soon as this is > 0. */
  activeCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }).n;
  }

  revoke(idOrName: string, actor = 'local'): void {
    const r = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL').run(new Date().toISOString(), idOrName, idOrName);
    if (r.changes === 0) throw new NotFoundError(`no active API key with id or name '${idOrName}'`);
    this.audit(actor, 'revoke_key', null, { key: idOrName });
  }

  /** The active key whose hash matches `token`, or null. Looked up by hash (an index), then
   *  compared in constant time so the comparison itself leaks nothing. */
  verify(token: string): KeyRecord | null {
    if (typeof token !== 'string' || !token.startsWith(KEY_PREFIX) || token.length > 128) return null;
    const h = hashKey(token);
    const row = this.db.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(h) as Row | undefined;
    if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(h, 'hex'))) return null;
    return toRecord(row);
  }

  close(): void {
    this.db.close();
  }
}
