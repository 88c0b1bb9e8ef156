// Engine information and process-wide settings (ISA level, threads), plus the FMA peak probe.
import type { IsaName, NativeEngineInfo, QLevelName } from '@amaas/native';
import { fromNative } from './errors';
import { native } from './native';
import { ASYNC_MIN_FLOPS } from './ops';
import { expectFiniteNumber, expectOneOf, expectPositiveInt } from './validate';

export type { IsaName };

export interface EngineInfo extends NativeEngineInfo {
  /** Work (flops) from which Promise-returning ops run on a worker thread. */
  asyncMinFlops: number;
  /** Quantized (int8/int4) kernel levels: the one in use (follows AMAAS_ISA) and all this CPU has. */
  quantized: { active: QLevelName; supported: QLevelName[] };
}

/** Version, chosen ISA and why, threads, CPU features, quantized kernel levels, CUDA devices or why none. */
export function engineInfo(): EngineInfo {
  return { ...native.engineInfo(), asyncMinFlops: ASYNC_MIN_FLOPS, quantized: native.qLevels() };
}

/** Forces the kernel level for later calls ('scalar' | 'avx2' | 'avx512'); returns the active level. */
export function setIsa(isa: IsaName): IsaName {
  expectOneOf('isa', isa, ['scalar', 'avx2', 'avx512'] as const);
  try {
    return native.setIsa(isa);
  } catch (err) {
    throw fromNative(err);
  }
}

/** Threads kernels may use (clamped to the pool size); returns the count now in effect. */
export function setThreads(threads: number): number {
  expectPositiveInt('threads', threads);
  return native.setThreads(threads);
}

/** Measured FMA throughput of the active ISA over `threads` threads, in GFLOP/s. */
export async function fmaPeak(threads: number, seconds = 0.25): Promise<number> {
  expectPositiveInt('threads', threads);
  expectFiniteNumber('seconds', seconds);
  try {
    return await native.fmaPeak(threads, seconds);
  } catch (err) {
    throw fromNative(err);
  }
}
