// Times a call with process.hrtime.bigint(): warm-up that also calibrates how many calls make one
// sample (>= ~1 ms, so tiny calls are batched), then repeated samples, reported as median, min and
// max time per call. Not a statistics package: no outlier rejection, the spread is shown instead.

export interface TimingOptions {
  /** Roughly how long all samples together should take, seconds. */
  targetSeconds: number;
  minSamples: number;
  maxSamples: number;
  /** A sample is a batch of calls lasting at least this long, ns. */
  minSampleNs: number;
  /** Warm-up runs at least this long (and at least one batch), seconds. */
  warmupSeconds: number;
}

export interface Timing {
  /** Time per call of each sample, ns, in the order measured. */
  perCallNs: number[];
  callsPerSample: number;
  medianNs: number;
  minNs: number;
  maxNs: number;
  /** (max - min) / median of the per-call times. */
  spread: number;
  /** spread > NOISY_SPREAD: the numbers moved too much between samples to trust to 20%. */
  noisy: boolean;
}

export const NOISY_SPREAD = 0.2;

export const FULL_TIMING: TimingOptions = {
  targetSeconds: 0.5,
  minSamples: 5,
  maxSamples: 200,
  minSampleNs: 1e6,
  warmupSeconds: 0.05,
};

export const QUICK_TIMING: TimingOptions = {
  targetSeconds: 0.04,
  minSamples: 5,
  maxSamples: 20,
  minSampleNs: 1e6,
  warmupSeconds: 0.005,
};

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(perCallNs: number[], callsPerSample: number): Timing {
  const medianNs = median(perCallNs);
  const minNs = Math.min(...perCallNs);
  const maxNs = Math.max(...perCallNs);
  const spread = (maxNs - minNs) / medianNs;
  return { perCallNs, callsPerSample, medianNs, minNs, maxNs, spread, noisy: spread > NOISY_SPREAD };
}

function sampleCount(perCallNs: number, batch: number, o: TimingOptions): number {
  const n = Math.round((o.targetSeconds * 1e9) / (perCallNs * batch));
  return Math.min(o.maxSamples, Math.max(o.minSamples, n));
}

function elapsedNs(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

/** Times a synchronous call. */
export function timeSync(call: () => void, o: TimingOptions): Timing {
  const runBatch = (batch: number): number => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) call();
    return elapsedNs(start);
  };
  // Warm-up: double the batch until one batch lasts a sample's minimum and the warm-up time is
  // spent; then size the batch from the last (warm) per-call time, as a cold first call is slow.
  const warmStart = process.hrtime.bigint();
  let batch = 1;
  let perCallWarm: number;
  for (;;) {
    const t = runBatch(batch);
    perCallWarm = t / batch;
    if (t >= o.minSampleNs && elapsedNs(warmStart) >= o.warmupSeconds * 1e9) break;
    if (t < o.minSampleNs) batch *= 2;
  }
  batch = Math.max(1, Math.ceil(o.minSampleNs / perCallWarm));
  const samples = sampleCount(perCallWarm, batch, o);
  const perCall: number[] = [];
  for (let s = 0; s < samples; s++) perCall.push(runBatch(batch) / batch);
  return summarize(perCall, batch);
}

/** Times an async call awaited one after another (a round trip each). */
export async function timeAsync(call: () => Promise<unknown>, o: TimingOptions): Promise<Timing> {
  const runBatch = async (batch: number): Promise<number> => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await call();
    return elapsedNs(start);
  };
  const warmStart = process.hrtime.bigint();
  let batch = 1;
  let perCallWarm: number;
  for (;;) {
    const t = await runBatch(batch);
    perCallWarm = t / batch;
    if (t >= o.minSampleNs && elapsedNs(warmStart) >= o.warmupSeconds * 1e9) break;
    if (t < o.minSampleNs) batch *= 2;
  }
  batch = Math.max(1, Math.ceil(o.minSampleNs / perCallWarm));
  const samples = sampleCount(perCallWarm, batch, o);
  const perCall: number[] = [];
  for (let s = 0; s < samples; s++) perCall.push((await runBatch(batch)) / batch);
  return summarize(perCall, batch);
}
