// Shared by `quantize`, `prune` and `distill`: whether this build of @amaas/core exports the
// operation. Their core API is being written in parallel (issue #4); until it is there, each
// command exits 1 saying so. Not here: the operations themselves.
import * as core from '@amaas/core';
import { CliError } from '../errors';

export type Optimization = 'quantize' | 'prune' | 'distill';

/** The core function, or undefined when this build of @amaas/core has none. */
export function coreFunction(name: Optimization): ((...args: unknown[]) => unknown) | undefined {
  const fn = (core as unknown as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown) : undefined;
}

export function requireCoreFunction(name: Optimization): (...args: unknown[]) => unknown {
  const fn = coreFunction(name);
  if (!fn) throw new CliError(`${name} is not available in this build of @amaas/core`, `it lands with the quantization/pruning/distillation work (issue #4); rebuild with 'npm run build' once @amaas/core exports ${name}()`);
  return fn;
}

/** For the integrator: @amaas/core exports the function but this command does not call it yet. */
export function notWired(name: Optimization): CliError {
  return new CliError(`@amaas/core exports ${name}(), but 'amaas ${name}' is not wired to it yet`, `fill in run${name[0].toUpperCase()}${name.slice(1)}() in packages/cli/src/commands/${name}.ts`);
}

export const OUTPUT_OPTIONS = {
  out: { type: 'string', short: 'o', value: 'FILE', description: 'write the new model file here' },
  push: { type: 'string', value: 'NAME', description: 'register the new model as a version of NAME (parent: the source version)' },
} as const;
