// @amaas/bench as a library: the pieces behind `npx bench`, for scripts that run a suite
// themselves or render saved results. The command line is cli.ts; nothing here runs on import.
export { parseArgs, parseShape, formatShape, USAGE, type BenchOptions, type Shape } from './args';
export { main, type BenchIo } from './main';
export { runGemmSuite, gemmCases, type GemmSuiteResult, type GemmCaseResult } from './suites/gemm';
export { buildReference, validateGemm, gemmTolerance, type GemmProblem, type ValidationResult } from './validate';
export { mulberry32, uniformMatrix } from './prng';
export { renderGemmMarkdown, renderGemmText } from './report/gemm-report';
export { renderGemmSvg } from './report/svg';
export type { BenchDocument } from './document';
