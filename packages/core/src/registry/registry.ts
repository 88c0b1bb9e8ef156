// The model registry: named models, immutable numbered versions (content-addressed files),
// weighted aliases with history and rollback, and an audit log of every change.
// Not here: persistence (a RegistryStore), HTTP, loading models into a serving runtime.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { AmaasError, ArgumentError } from '../errors';
import { deserializeModel, readModelInfo, type LoadOptions, type SavableModel } from '../io';
import {
  SqliteRegistryStore,
  type AliasHistoryEntry, type AliasRecord, type AliasTarget, type AuditEntry, type FsckReport,
  type ModelRecord, type RegistryStore, type SqliteRegistryStoreOptions, type VersionRecord,
} from './store';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ALIAS_NAME = /^[A-Za-z0-9_]+$/;
const MAX_NAME = 128;

export interface ActorOption {
  /** who makes the change, for the audit log (default 'local') */
  actor?: string;
}

export interface PushOptions extends ActorOption {
  /** explicit version number (must be unused); default: one past the highest ever pushed */
  version?: number;
  metrics?: Record<string, number>;
  /** the version this one was derived from (must exist) */
  parent?: number;
  /** a fingerprint of the training data */
  dataFingerprint?: string;
  /** who or what produced the model (default: the actor) */
  createdBy?: string;
  /** passed to readModelInfo when validating the file */
  load?: LoadOptions;
}

export interface ResolveOptions {
  /** same key -> same version of a split alias (hash-based); random without one */
  routingKey?: string;
}

export type AliasTargetInput = number | AliasTarget[];

export interface RegistryOptions extends SqliteRegistryStoreOptions {
  /** another backend; default an embedded SqliteRegistryStore under `dir` */
  store?: RegistryStore;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function checkModelName(name: unknown): string {
  if (typeof name !== 'string' || name.length > MAX_NAME || !MODEL_NAME.test(name))
    throw new ArgumentError(`Expected a model name matching [A-Za-z0-9][A-Za-z0-9_.-]* of at most ${MAX_NAME} characters but received ${describe(name)}`);
  return name;
}
function checkAliasName(alias: unknown): string {
  if (typeof alias !== 'string' || alias.length > MAX_NAME || !ALIAS_NAME.test(alias) || /^[0-9]+$/.test(alias))
    throw new ArgumentError(`Expected an alias matching [A-Za-z0-9_]+ (not all digits, which reads as a version) but received ${describe(alias)}`);
  return alias;
}
function checkVersion(v: unknown, what = 'version'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new ArgumentError(`Expected a positive integer for ${what} but received ${describe(v)}`);
  return v;
}
function checkActor(actor: unknown): string {
  if (actor === undefined) return 'local';
  if (typeof actor !== 'string' || actor.length === 0 || actor.length > 256)
    throw new ArgumentError(`Expected a non-empty actor string but received ${describe(actor)}`);
  return actor;
}
function checkTags(tags: unknown): string[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))
    throw new ArgumentError(`Expected tags as an array of strings but received ${describe(tags)}`);
  return [...new Set(tags as string[])];
}
function checkMetrics(metrics: unknown): Record<string, number> {
  if (metrics === undefined) return {};
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics))
    throw new ArgumentError(`Expected metrics as an object of finite numbers but received ${describe(metrics)}`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`Expected a finite number for metric '${k}' but received ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

/** Single version -> weight 1; a split -> distinct versions with positive weights, normalised to sum 1. */
export function normaliseTargets(target: unknown): AliasTarget[] {
  if (typeof target === 'number') return [{ version: checkVersion(target), weight: 1 }];
  if (!Array.isArray(target) || target.length === 0)
    throw new ArgumentError(`Expected a version number or a non-empty array of { version, weight } but received ${describe(target)}`);
  const seen = new Set<number>();
  let sum = 0;
  const arms = target.map((t: unknown, i) => {
    if (t === null || typeof t !== 'object') throw new ArgumentError(`Expected { version, weight } at index ${i} but received ${describe(t)}`);
    const { version, weight } = t as { version: unknown; weight: unknown };
    checkVersion(version, `version at index ${i}`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0)
      throw new ArgumentError(`Expected a positive finite weight at index ${i} but received ${describe(weight)}`);
    if (seen.has(version as number)) throw new ArgumentError(`version ${String(version)} appears twice in the alias targets`);
    seen.add(version as number);
    sum += weight;
    return { version: version as number, weight };
  });
  return arms.map((a) => ({ version: a.version, weight: a.weight / sum }));
}

/** A number in [0, 1) from the sha256 of the key (48 bits). */
function hashUnit(key: string): number {
  const h = createHash('sha256').update(key).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** The arm whose cumulative weight first exceeds u. */
export function pickTarget(targets: AliasTarget[], u: number): number {
  let acc = 0;
  for (const t of targets) {
    acc += t.weight;
    if (u < acc) return t.version;
  }
  return targets[targets.length - 1].version;
}

export class Registry {
  readonly store: RegistryStore;

  constructor(options: RegistryOptions = {}) {
    this.store = options.store ?? new SqliteRegistryStore(options);
  }

  // ---- models ----

  async createModel(name: string, options: { description?: string; tags?: string[] } & ActorOption = {}): Promise<ModelRecord> {
    checkModelName(name);
    if (options.description !== undefined && typeof options.description !== 'string')
      throw new ArgumentError(`Expected a string description but received ${describe(options.description)}`);
    return this.store.createModel(name, options.description ?? '', checkTags(options.tags), checkActor(options.actor));
  }

  async getModel(name: string): Promise<ModelRecord> {
    const m = await this.store.getModel(checkModelName(name));
    if (!m) throw new AmaasError('NOT_FOUND', `model '${name}' does not exist`);
    return m;
  }

  listModels(): Promise<ModelRecord[]> {
    return this.store.listModels();
  }

  async updateModel(name: string, patch: { description?: string; tags?: string[] } & ActorOption): Promise<ModelRecord> {
    checkModelName(name);
    if (patch.description !== undefined && typeof patch.description !== 'string')
      throw new ArgumentError(`Expected a string description but received ${describe(patch.description)}`);
    const clean: { description?: string; tags?: string[] } = {};
    if (patch.description !== undefined) clean.description = patch.description;
    if (patch.tags !== undefined) clean.tags = checkTags(patch.tags);
    return this.store.updateModel(name, clean, checkActor(patch.actor));
  }

  /** Refuses (CONFLICT) while the model has versions unless `force`, which also removes its
   *  versions, aliases and alias history (the audit log keeps the record). */
  async deleteModel(name: string, options: { force?: boolean } & ActorOption = {}): Promise<void> {
    return this.store.deleteModel(checkModelName(name), options.force === true, checkActor(options.actor));
  }

  // ---- versions ----

  /** Validates the model file (nothing is written for a bad one), stores it under its sha256,
   *  then registers the version in one transaction. */
  async pushVersion(name: string, file: Uint8Array | string, options: PushOptions = {}): Promise<VersionRecord> {
    checkModelName(name);
    const actor = checkActor(options.actor);
    if (options.version !== undefined) checkVersion(options.version);
    if (options.parent !== undefined) checkVersion(options.parent, 'parent');
    if (options.dataFingerprint !== undefined && typeof options.dataFingerprint !== 'string')
      throw new ArgumentError(`Expected a string dataFingerprint but received ${describe(options.dataFingerprint)}`);
    const metrics = checkMetrics(options.metrics);
    let bytes: Uint8Array;
    if (typeof file === 'string') bytes = await fs.promises.readFile(file);
    else if (file instanceof Uint8Array) bytes = file;
    else throw new ArgumentError(`Expected model file bytes or a file path but received ${describe(file)}`);
    const info = readModelInfo(bytes, options.load ?? {});
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await this.store.putBlob(bytes, sha256);
    try {
      return await this.store.insertVersion(name, {
        version: options.version, sha256, size: bytes.length, kind: info.kind, signature: info.signature, metrics,
        parent: options.parent ?? null, dataFingerprint: options.dataFingerprint ?? null, createdBy: options.createdBy ?? actor,
      }, bytes, actor);
    } catch (err) {
      await this.store.collectBlob(sha256).catch(() => undefined);
      throw err;
    }
  }

  async getVersion(name: string, version: number): Promise<VersionRecord> {
    const v = await this.store.getVersion(checkModelName(name), checkVersion(version));
    if (!v) throw new AmaasError('NOT_FOUND', `model '${name}' has no version ${version}`);
    return v;
  }

  listVersions(name: string): Promise<VersionRecord[]> {
    return this.store.listVersions(checkModelName(name));
  }

  /** The file's bytes, checked against the recorded size and sha256. */
  async readVersionFile(name: string, versionOrAlias: number | string, options: ResolveOptions = {}): Promise<Buffer> {
    const v = await this.getVersion(name, await this.resolve(name, versionOrAlias, options));
    const bytes = await this.store.readBlob(v.sha256);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== v.size || sha !== v.sha256)
      throw new AmaasError('INTERNAL', `the file of ${name} version ${v.version} is corrupt (sha256 ${sha}, expected ${v.sha256}); run fsck()`);
    return bytes;
  }

  async loadVersion(name: string, versionOrAlias: number | string, options: ResolveOptions & { load?: LoadOptions } = {}): Promise<SavableModel> {
    return deserializeModel(await this.readVersionFile(name, versionOrAlias, options), options.load ?? {});
  }

  /** CONFLICT while an alias points at it; the file goes when no other version shares it. */
  async deleteVersion(name: string, version: number, options: ActorOption = {}): Promise<void> {
    return this.store.deleteVersion(checkModelName(name), checkVersion(version), checkActor(options.actor));
  }

  // ---- aliases ----

  async setAlias(name: string, alias: string, target: AliasTargetInput, options: ActorOption = {}): Promise<AliasRecord> {
    return this.store.setAlias(checkModelName(name), checkAliasName(alias), normaliseTargets(target), checkActor(options.actor));
  }

  async getAlias(name: string, alias: string): Promise<AliasRecord> {
    const a = await this.store.getAlias(checkModelName(name), checkAliasName(alias));
    if (!a) throw new AmaasError('NOT_FOUND', `model '${name}' has no alias '${alias}'`);
    return a;
  }

  listAliases(name: string): Promise<AliasRecord[]> {
    return this.store.listAliases(checkModelName(name));
  }

  deleteAlias(name: string, alias: string, options: ActorOption = {}): Promise<void> {
    return this.store.deleteAlias(checkModelName(name), checkAliasName(alias), checkActor(options.actor));
  }

  /** Moves the alias to the target it had before its current one; repeated calls walk further
   *  back. CONFLICT when there is no earlier target or its versions were deleted. */
  rollback(name: string, alias: string, options: ActorOption = {}): Promise<AliasRecord> {
    return this.store.rollbackAlias(checkModelName(name), checkAliasName(alias), checkActor(options.actor));
  }

  aliasHistory(name: string, alias: string): Promise<AliasHistoryEntry[]> {
    return this.store.aliasHistory(checkModelName(name), checkAliasName(alias));
  }

  /** A version number: a number or all-digits string is a version (checked to exist), anything
   *  else an alias; a split alias picks by the hash of `routingKey`, or at random without one. */
  async resolve(name: string, versionOrAlias: number | string, options: ResolveOptions = {}): Promise<number> {
    checkModelName(name);
    if (typeof versionOrAlias === 'number' || (typeof versionOrAlias === 'string' && /^[0-9]+$/.test(versionOrAlias))) {
      const v = checkVersion(Number(versionOrAlias));
      if (!(await this.store.getVersion(name, v))) throw new AmaasError('NOT_FOUND', `model '${name}' has no version ${v}`);
      return v;
    }
    const a = await this.getAlias(name, checkAliasName(versionOrAlias));
    if (a.targets.length === 1) return a.targets[0].version;
    if (options.routingKey !== undefined && typeof options.routingKey !== 'string')
      throw new ArgumentError(`Expected a string routingKey but received ${describe(options.routingKey)}`);
    const u = options.routingKey === undefined ? Math.random() : hashUnit(`${name}\u0000${a.alias}\u0000${options.routingKey}`);
    return pickTarget(a.targets, u);
  }

  // ---- audit, maintenance ----

  auditLog(query: { name?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1))
      throw new ArgumentError(`Expected a positive integer limit but received ${describe(query.limit)}`);
    return this.store.auditLog(query);
  }

  /** Checks every version's file (size + sha256), removes temp files of dead writers, lists
   *  (and with removeOrphanBlobs deletes) files no version references. */
  fsck(options: { removeOrphanBlobs?: boolean } = {}): Promise<FsckReport> {
    return this.store.fsck(options);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
