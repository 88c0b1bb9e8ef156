// `amaas info`: the engine as this process sees it: version, ISA and why, threads, CPU features,
// CUDA devices (or why none), the data directory, and whether the server package is built.
import { engineInfo } from '@amaas/core';
import type { CommandSpec } from '../args';
import { serverAvailable } from '../server-api';
import { renderPairs } from '../ui/table';

export const infoCommand: CommandSpec = {
  name: 'info',
  summary: 'Show the engine: ISA, threads, CPU features, CUDA devices, data directory.',
  usage: 'amaas info',
  description: 'AMAAS_ISA=scalar|avx2|avx512 forces a kernel level, AMAAS_THREADS=N sizes the thread pool.',
  options: {},
  examples: ['amaas info', 'AMAAS_ISA=avx2 amaas info --json'],
  async run(_args, ctx) {
    const e = engineInfo();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cliVersion = (require('../../package.json') as { version: string }).version;
    const server = serverAvailable();
    ctx.emit({ cli: cliVersion, engine: e, node: process.version, dataDir: ctx.dataDir, server });
    const features = Object.entries(e.cpu.features).filter(([, v]) => v).map(([k]) => k).join(' ');
    const cuda = e.cuda.available
      ? e.cuda.devices.map((d) => `#${d.index} ${d.name} (sm ${d.computeCapability}, ${(d.totalMemory / 2 ** 30).toFixed(1)} GiB)`).join('; ')
      : `none (${e.cuda.reason})`;
    ctx.print(renderPairs([
      ['amaas', `${cliVersion} (engine ${e.version}, node ${process.version})`],
      ['isa', `${e.isa} (${e.isaReason}); available: ${e.isas.join(', ')}`],
      ['threads', `${e.threads} of ${e.maxThreads}`],
      ['cpu', `${e.cpu.vendor} ${e.cpu.brand}`],
      ['cpu features', features || '-'],
      ['cuda', cuda],
      ['data dir', ctx.dataDir],
      ['server', server ? '@amaas/server built' : '@amaas/server not built (serve, keys and quickstart need it)'],
    ]));
    return 0;
  },
};
