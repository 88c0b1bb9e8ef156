// The train suite: flops accounting, and a quick real run (validation against the scalar
// kernels, then timing) when Fashion-MNIST is installed. No speed is asserted.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listDatasets } from '@amaas/core';
import { main } from '../src/main';
import { prepareMlpPeer } from '../src/peers';
import { trainFlopsPerSample } from '../src/suites/train';

test('flops per sample match the issue figure for 784-512-256-10 (2.41 MFLOP)', () => {
  expect(trainFlopsPerSample([784, 512, 256, 10]) / 1e6).toBeCloseTo(2.41, 2);
});

const fashion = listDatasets().find((d) => d.name === 'fashion-mnist');
const maybe = fashion?.available ? test : test.skip;
maybe(`quick train suite validates and reports${fashion?.available ? '' : ' (skipped: dataset-fashion-mnist not installed)'}`, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
  let stdout = '';
  const code = await main(['train', '--quick', '--threads', '1', '--json', '--out', out], {
    stdout: (s) => (stdout += s),
    stderr: () => {},
  });
  expect(code).toBe(0);
  const doc = JSON.parse(stdout);
  expect(doc.train.validation.passed).toBe(true);
  expect(doc.train.cases[0].median_samples_per_sec).toBeGreaterThan(0);
  // The C + oneDNN loop runs where oneDNN is installed (its own validation passed, ratio reported)
  // and says why not elsewhere.
  const peer = prepareMlpPeer(() => {});
  const line = doc.train.peers.find((p: string) => p.startsWith('C + oneDNN sgemm training loop'));
  if (peer.binary) {
    expect(line).toMatch(/training accuracy 0\.\d+\); ours \d+\.\d+x$/);
    expect(doc.train.cases[0].ratio_to_onednn_c).toBeGreaterThan(0);
  } else expect(line).toBe(`C + oneDNN sgemm training loop: ${peer.status}`);
  expect(fs.existsSync(path.join(out, 'train.md'))).toBe(true);
  const svg = fs.readFileSync(path.join(out, 'train.svg'), 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('bound');
  fs.rmSync(out, { recursive: true, force: true });
});
