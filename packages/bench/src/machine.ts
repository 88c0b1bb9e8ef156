// The "machine" section every result carries: engine info (version, ISA, threads, CPU), the Node
// and OS it ran on, and the measured FMA peak for each thread count used. Not a system profiler:
// only what is needed to read a result file later and know what it was measured on.
import * as os from 'node:os';
import native = require('@amaas/native');
import type { NativeEngineInfo } from '@amaas/native';

export interface PeakFigure {
  threads: number;
  /** The best of `runs`: other load on the machine only ever lowers a measured peak. */
  gflops: number;
  runs: number[];
}

export interface MachineInfo extends NativeEngineInfo {
  node: string;
  platform: string;
  arch: string;
  logicalCpus: number;
  /** os.loadavg() (1, 5, 15 minutes) before anything ran: other work skews multi-thread figures. */
  loadAverage: number[];
  /** fmaPeak(threads, PEAK_SECONDS) of the active ISA, best of PEAK_RUNS, per thread count used. */
  peaks: PeakFigure[];
  /** Signs that the figures are not to be trusted, e.g. a peak that does not scale with threads. */
  warnings: string[];
}

/** A t-thread peak below this share of t × the 1-thread peak means the cores were not all ours. */
export const MIN_PEAK_SCALING = 0.75;

export const PEAK_SECONDS = 0.3;
export const PEAK_RUNS = 3;

/** Thread counts to run with: only `requested` when given, else 1 and the engine's maximum. */
export function threadCounts(maxThreads: number, requested?: number): number[] {
  if (requested !== undefined) return [requested];
  return maxThreads > 1 ? [1, maxThreads] : [1];
}

export async function describeMachine(threads: number[], log: (line: string) => void): Promise<MachineInfo> {
  const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));
  const info = native.engineInfo();
  const peaks: PeakFigure[] = [];
  for (const t of threads) {
    const runs: number[] = [];
    for (let r = 0; r < PEAK_RUNS; r++) runs.push(Number((await native.fmaPeak(t, PEAK_SECONDS)).toFixed(3)));
    const gflops = Math.max(...runs);
    log(`FMA peak (${info.isa}, ${t} thread${t === 1 ? '' : 's'}): ${gflops.toFixed(1)} GFLOP/s (best of ${runs.map((x) => x.toFixed(1)).join(', ')})`);
    peaks.push({ threads: t, gflops, runs });
  }
  const warnings = peakScalingWarnings(peaks);
  if (loadAverage[0] >= 0.5)
    warnings.push(`load average was ${loadAverage[0]} before the run: other processes may have shared the cores`);
  for (const w of warnings) log(`warning: ${w}`);
  return {
    ...info,
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    logicalCpus: os.cpus().length,
    loadAverage,
    peaks,
    warnings,
  };
}

/** Warns for each thread count whose peak falls short of threads × the 1-thread peak. */
export function peakScalingWarnings(peaks: PeakFigure[]): string[] {
  const single = peaks.find((p) => p.threads === 1)?.gflops;
  if (!single) return [];
  return peaks
    .filter((p) => p.threads > 1 && p.gflops < MIN_PEAK_SCALING * p.threads * single)
    .map(
      (p) =>
        `the ${p.threads}-thread FMA peak is only ${(p.gflops / single).toFixed(2)}x the 1-thread peak: ` +
        `other processes were probably using the cores, so ${p.threads}-thread figures are unreliable`,
    );
}

/** One line naming the machine, for reports. */
export function machineLine(m: MachineInfo): string {
  const cpu = m.cpu.brand || m.cpu.vendor || 'unknown CPU';
  return `${cpu}, ${m.logicalCpus} logical CPUs, ISA ${m.isa}, engine ${m.version} (max ${m.maxThreads} threads), Node ${m.node} ${m.platform}-${m.arch}`;
}

export function loadLine(m: MachineInfo): string {
  return `load average at start ${m.loadAverage.join(' / ')} (1 / 5 / 15 min)`;
}

export function peakLine(m: MachineInfo): string {
  return m.peaks.map((p) => `${p.gflops.toFixed(1)} GFLOP/s (${p.threads} thread${p.threads === 1 ? '' : 's'})`).join(', ');
}
