// The timing harness: batching, sample counts and the summary it reports. Structure only; no
// assertion about how fast anything is.
import { median, summarize, timeAsync, timeSync, type TimingOptions } from '../src/timing';

const fast: TimingOptions = { targetSeconds: 0.01, minSamples: 5, maxSamples: 12, minSampleNs: 2e5, warmupSeconds: 0.001 };

describe('timing', () => {
  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  test('summarize: spread and the noisy flag', () => {
    expect(summarize([100, 100, 100], 1)).toMatchObject({ medianNs: 100, minNs: 100, maxNs: 100, spread: 0, noisy: false });
    expect(summarize([100, 110, 150], 1)).toMatchObject({ medianNs: 110, spread: 50 / 110, noisy: true });
  });

  test('timeSync batches tiny calls and takes between min and max samples', () => {
    let calls = 0;
    const t = timeSync(() => {
      calls++;
    }, fast);
    expect(t.callsPerSample).toBeGreaterThan(1);
    expect(t.perCallNs.length).toBeGreaterThanOrEqual(fast.minSamples);
    expect(t.perCallNs.length).toBeLessThanOrEqual(fast.maxSamples);
    expect(calls).toBeGreaterThanOrEqual(t.callsPerSample * t.perCallNs.length);
    expect(t.minNs).toBeLessThanOrEqual(t.medianNs);
    expect(t.medianNs).toBeLessThanOrEqual(t.maxNs);
  });

  test('timeAsync awaits each call', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const t = await timeAsync(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight--;
    }, fast);
    expect(maxInFlight).toBe(1);
    expect(t.perCallNs.length).toBeGreaterThanOrEqual(fast.minSamples);
    expect(t.medianNs).toBeGreaterThan(0);
  });
});
