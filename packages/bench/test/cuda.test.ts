// `bench gemm --device cuda`: the flag parses; without a usable GPU main() exits 1 and says why
// (the engine's reason), writing no results. With a GPU the real suite would run (not here: it
// times 4096^3 problems, which is the benchmark's job, not a unit test's).
import native = require('@amaas/native');
import { parseArgs } from '../src/args';
import { EXIT_FAILED, EXIT_USAGE, main } from '../src/main';
import { capture } from './capture';

describe('--device', () => {
  test('parses cpu and cuda, refuses anything else', () => {
    const r = parseArgs(['gemm', '--device', 'cuda']);
    expect(r.ok && r.options.device).toBe('cuda');
    const d = parseArgs(['gemm']);
    expect(d.ok && d.options.device).toBe('cpu');
    const bad = parseArgs(['gemm', '--device=tpu']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/Expected 'cpu' or 'cuda' after --device but received 'tpu'/);
  });

  test('only the gemm suite has a GPU path', async () => {
    const io = capture();
    expect(await main(['train', '--device', 'cuda'], io)).toBe(EXIT_USAGE);
    expect(io.err).toMatch(/Expected suite 'gemm' with --device cuda/);
  });

  const gpu = native.cudaInfo().available;
  (gpu ? test.skip : test)('without a GPU: exit 1 with the reason', async () => {
    const io = capture();
    expect(await main(['gemm', '--device', 'cuda', '--quick'], io)).toBe(EXIT_FAILED);
    expect(io.err).toContain(`no usable GPU: ${native.cudaInfo().reason}`);
    expect(io.out).toBe('');
  });
});
