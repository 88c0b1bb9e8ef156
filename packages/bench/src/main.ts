// `bench` as a function: parse arguments, run the requested suites, write results to --out and
// print a table (or one JSON document with --json), returning the exit status. cli.ts only calls
// it with the real process; tests call it with their own argv and output streams.
import * as fs from 'node:fs';
import * as path from 'node:path';
import native = require('@amaas/native');
import { IMPLEMENTED_SUITES, parseArgs, PLANNED_SUITES, USAGE, type BenchOptions, type ImplementedSuite } from './args';
import type { BenchDocument } from './document';
import { describeMachine, threadCounts } from './machine';
import { renderGemmMarkdown, renderGemmText } from './report/gemm-report';
import { renderGemmSvg, renderInferSvg, renderQgemmSvg, renderServeSvg, renderTrainSvg } from './report/svg';
import { runGemmSuite } from './suites/gemm';
import { renderCudaGemmText, runCudaGemmSuite } from './suites/gemm-cuda';
import { renderTrainMarkdown, renderTrainText, runTrainSuite } from './suites/train';
import { renderInferMarkdown, renderInferText, runInferSuite } from './suites/infer';
import { renderQgemmMarkdown, renderQgemmText, runQgemmSuite } from './suites/qgemm';
import { renderServeMarkdown, renderServeText, runServeSuite } from './suites/serve';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface BenchIo {
  /** Results only: the table, or the JSON document with --json. */
  stdout: (text: string) => void;
  /** Progress, notes and errors. */
  stderr: (text: string) => void;
}

export const processIo: BenchIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function usageError(io: BenchIo, message: string): number {
  io.stderr(`bench: ${message}\n\n${USAGE}\n`);
  return EXIT_USAGE;
}

/** Writes <suite>.json (the machine, the run and that suite's section), .md and .svg; returns the paths. */
function writeSuiteFiles(doc: BenchDocument, outDir: string, suite: ImplementedSuite, markdown: string, svg: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    [`${suite}.json`, JSON.stringify({ machine: doc.machine, run: doc.run, [suite]: doc[suite] }, null, 2) + '\n'],
    [`${suite}.md`, markdown],
    [`${suite}.svg`, svg],
  ];
  return files.map(([name, text]) => {
    const file = path.join(outDir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}

/** `--device cuda`: the gemm suite on the GPU only; exit 1 with the engine's reason without one. */
async function runCuda(options: BenchOptions, io: BenchIo): Promise<number> {
  if (options.suite !== 'gemm') return usageError(io, `Expected suite 'gemm' with --device cuda (the only suite with a GPU path) but received '${options.suite}'`);
  const info = native.cudaInfo();
  if (!info.available) {
    io.stderr(`bench: --device cuda: no usable GPU: ${info.reason}\n`);
    return EXIT_FAILED;
  }
  try {
    const result = await runCudaGemmSuite({ shapes: options.shapes, quick: options.quick, log: (line) => io.stderr(`${line}\n`) });
    const dir = path.resolve(options.outDir);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'gemm-cuda.json');
    const run = { command: ['bench', ...options.argv].join(' '), date: new Date().toISOString(), quick: options.quick };
    fs.writeFileSync(file, JSON.stringify({ run, gemm_cuda: result }, null, 2) + '\n');
    io.stdout(options.json ? JSON.stringify({ run, gemm_cuda: result }, null, 2) + '\n' : `${renderCudaGemmText(result)}\n\nresults: ${file}\n`);
    if (result.failures.length > 0) io.stderr('bench: some results failed validation or errored (see above); exit status 1\n');
    return result.failures.length > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (err) {
    io.stderr(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILED;
  }
}

export async function main(argv: readonly string[], io: BenchIo = processIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) return usageError(io, parsed.error);
  const options = parsed.options;
  if (options.help) {
    io.stdout(USAGE + '\n');
    return EXIT_OK;
  }
  if (options.suite in PLANNED_SUITES) {
    const tracking = PLANNED_SUITES[options.suite as keyof typeof PLANNED_SUITES];
    io.stderr(`bench: suite '${options.suite}' is not implemented yet (see ${tracking}); implemented: ${IMPLEMENTED_SUITES.join(', ')}\n`);
    return EXIT_USAGE;
  }
  if (options.device === 'cuda') return runCuda(options, io);
  const suites: ImplementedSuite[] = options.suite === 'all' ? [...IMPLEMENTED_SUITES] : [options.suite as ImplementedSuite];
  if (options.suite === 'all')
    io.stderr(`bench: running ${suites.join(', ')}${Object.keys(PLANNED_SUITES).length ? ` (not implemented yet: ${Object.keys(PLANNED_SUITES).join(', ')})` : ''}\n`);

  const log = (line: string) => io.stderr(`${line}\n`);
  try {
    const maxThreads = native.engineInfo().maxThreads;
    if (options.threads !== undefined && options.threads > maxThreads)
      return usageError(io, `Expected --threads between 1 and ${maxThreads} (this engine's maxThreads) but received ${options.threads}`);
    const threads = threadCounts(maxThreads, options.threads);
    const machine = await describeMachine(threads, log);
    const doc: BenchDocument = {
      machine,
      run: { command: ['bench', ...options.argv].join(' '), date: new Date().toISOString(), quick: options.quick },
    };
    let failed = false;
    const text: string[] = [];
    const outDir = path.resolve(options.outDir);
    for (const suite of suites) {
      // Each suite: run it, then write <suite>.json/.md/.svg and add its text table.
      let section: { failures: unknown[] };
      let files: string[];
      let table: string;
      if (suite === 'gemm') {
        section = doc.gemm = await runGemmSuite({ threads, peaks: machine.peaks, shapes: options.shapes, quick: options.quick, log });
        files = writeSuiteFiles(doc, outDir, suite, renderGemmMarkdown(doc), renderGemmSvg(doc));
        table = renderGemmText(doc);
      } else if (suite === 'qgemm') {
        section = doc.qgemm = await runQgemmSuite({ threads, quick: options.quick, shapes: options.shapes, log });
        files = writeSuiteFiles(doc, outDir, suite, renderQgemmMarkdown(doc.qgemm, doc.run.command), renderQgemmSvg(doc));
        table = renderQgemmText(doc.qgemm);
      } else if (suite === 'infer') {
        section = doc.infer = await runInferSuite({ threads, quick: options.quick, log });
        files = writeSuiteFiles(doc, outDir, suite, renderInferMarkdown(doc.infer, doc.run.command), renderInferSvg(doc));
        table = renderInferText(doc.infer);
      } else if (suite === 'train') {
        section = doc.train = await runTrainSuite({ threads, peaks: machine.peaks, quick: options.quick, log });
        files = writeSuiteFiles(doc, outDir, suite, renderTrainMarkdown(doc.train, doc.run.command), renderTrainSvg(doc));
        table = renderTrainText(doc.train);
      } else {
        section = doc.serve = await runServeSuite({ quick: options.quick, threads: options.threads, loadgen: options.loadgen, log });
        files = writeSuiteFiles(doc, outDir, suite, renderServeMarkdown(doc.serve, doc.run.command), renderServeSvg(doc));
        table = renderServeText(doc.serve);
      }
      log(`${suite}: wrote ${files.join(', ')}`);
      text.push(table, '', `results: ${files.join(', ')}`);
      if (section.failures.length > 0) failed = true;
    }
    io.stdout(options.json ? JSON.stringify(doc, null, 2) + '\n' : text.join('\n') + '\n');
    if (failed) io.stderr('bench: some results failed validation or errored (see above); exit status 1\n');
    return failed ? EXIT_FAILED : EXIT_OK;
  } catch (err) {
    io.stderr(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILED;
  }
}
