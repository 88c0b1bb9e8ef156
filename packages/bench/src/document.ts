// The result document of one `bench` run: the machine, how it was run, and one section per suite.
// It is what --json prints and what <out>/<suite>.json holds; reports are rendered from it alone.
import type { MachineInfo } from './machine';
import type { GemmSuiteResult } from './suites/gemm';
import type { TrainSuiteResult } from './suites/train';
import type { InferSuiteResult } from './suites/infer';
import type { QgemmSuiteResult } from './suites/qgemm';
import type { ServeSuiteResult } from './suites/serve';

export interface RunInfo {
  /** The command line, e.g. "bench gemm --quick". */
  command: string;
  /** ISO 8601, UTC. */
  date: string;
  quick: boolean;
}

export interface BenchDocument {
  machine: MachineInfo;
  run: RunInfo;
  gemm?: GemmSuiteResult;
  train?: TrainSuiteResult;
  infer?: InferSuiteResult;
  qgemm?: QgemmSuiteResult;
  serve?: ServeSuiteResult;
}
