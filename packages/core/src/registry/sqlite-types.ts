// The typed face of the better-sqlite3 binding: only what the registry uses, no `any`.
// A plain .ts module (not an ambient `declare module`) so the emitted .d.ts files stay
// self-contained and installing @types/better-sqlite3 later cannot clash with it.

export type SqliteValue = string | number | bigint | null | Buffer;

export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  run(...params: SqliteValue[]): SqliteRunResult;
  get(...params: SqliteValue[]): unknown;
  all(...params: SqliteValue[]): unknown[];
}

/** A function wrapped by db.transaction(); `.immediate` takes the write lock at BEGIN. */
export interface SqliteTransaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
  deferred(...args: A): R;
  exclusive(...args: A): R;
}

export interface SqliteDatabase {
  readonly open: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): SqliteDatabase;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R>;
  close(): SqliteDatabase;
}

export interface SqliteOptions {
  readonly?: boolean;
  fileMustExist?: boolean;
  /** busy timeout in milliseconds */
  timeout?: number;
}

export type SqliteDatabaseConstructor = new (filename: string, options?: SqliteOptions) => SqliteDatabase;

/** Loads better-sqlite3 once, through this interface (the one cast of the binding). */
export function loadSqlite(): SqliteDatabaseConstructor {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('better-sqlite3') as SqliteDatabaseConstructor;
}
