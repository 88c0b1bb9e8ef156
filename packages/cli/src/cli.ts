#!/usr/bin/env node
// The `amaas` executable (bin/amaas.js requires this file): runs main() with this process's argv
// and streams and exits with its status. All behaviour lives in main.ts.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`amaas: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
