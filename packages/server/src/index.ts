// @amaas/server: TF Serving REST and KServe V2 inference over models from the AMaaS registry,
// with dynamic batching, aliases and hot swaps, API keys, metrics and OpenAPI.
// `startServer(options)` listens; `createApp(deps)` gives the request handler without a socket.
export { createApp } from './app';
export type { AmaasApp } from './app';
export { startServer } from './start';
export type { RunningServer } from './start';
export { KeyStore, SCOPES, hashKey } from './keys';
export type { Scope, KeyRecord, CreatedKey } from './keys';
export type { ServeOptions, AppDeps } from './options';
export type { AuthMode, RateLimit } from './auth';
export { DEFAULT_BATCHING } from './batching';
export type { BatchingOptions } from './batching';
export type { LogSink } from './log';
