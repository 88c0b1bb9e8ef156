// The model registry: models, immutable versions, weighted aliases, audit log.
// Not here: the HTTP management API (server package) or a network store backend.
export { Registry, normaliseTargets, pickTarget } from './registry';
export type { ActorOption, PushOptions, ResolveOptions, AliasTargetInput, RegistryOptions } from './registry';
export { SqliteRegistryStore, defaultRegistryDir } from './store';
export type {
  RegistryStore, SqliteRegistryStoreOptions, ModelRecord, VersionRecord, AliasTarget, AliasRecord,
  AliasHistoryEntry, AuditEntry, NewVersion, FsckReport,
} from './store';
