// The infer suite in quick mode through the real `bench` command (a child process: onnxruntime-node
// checks `instanceof Float32Array`, which jest's sandbox realm fails): validation against
// onnxruntime-node (fp32 to 1e-5, our int8/int4 within their quantization error), every case
// timed, and the C + oneDNN batch-1 peer run where oneDNN is installed (named as not installed
// elsewhere). No speed is asserted.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { prepareMlpPeer } from '../src/peers';

test('quick infer suite validates, times every case and reports its peers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-infer-'));
  try {
    const run = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'bench.js'), 'infer', '--quick', '--threads', '1', '--json', '--out', dir], { encoding: 'utf8', timeout: 240_000 });
    expect(run.stderr).not.toMatch(/FAILED|error:/);
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout).infer;
    expect(r.failures).toEqual([]);
    expect(r.max_abs_diff).toBeLessThan(1e-5);
    expect(r.int8_max_prob_diff).toBeLessThan(1e-2);
    expect(r.int4_max_prob_diff).toBeLessThan(5e-2);
    expect(r.cases.map((c: { batch: number }) => c.batch)).toEqual([1, 64]);
    for (const c of r.cases) {
      expect(c.median_us).toBeGreaterThan(0);
      expect(c.int8_median_us).toBeGreaterThan(0);
      expect(c.int4_median_us).toBeGreaterThan(0);
      expect(c.ort_median_us).toBeGreaterThan(0);
    }
    const peer = prepareMlpPeer(() => {});
    const one = r.cases.find((c: { batch: number }) => c.batch === 1);
    if (peer.binary) {
      expect(r.onednn_c).toBe(peer.status);
      expect(one.onednn_c_median_us).toBeGreaterThan(0);
    } else {
      expect(r.onednn_c).toBe(peer.status);
      expect(one.onednn_c_median_us).toBeUndefined();
    }
    expect(fs.readFileSync(path.join(dir, 'infer.md'), 'utf8')).toMatch(/\| C \+ oneDNN fp32 µs \|/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
