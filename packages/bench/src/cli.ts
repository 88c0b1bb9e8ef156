#!/usr/bin/env node
// The `bench` executable (npx bench): runs main() with this process's argv and streams and exits
// with its status. All behaviour lives in main.ts so tests can drive it without a child process.
import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
