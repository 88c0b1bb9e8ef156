// The BenchIo the tests hand to main(): it keeps stdout and stderr as strings.
import type { BenchIo } from '../src/main';

export function capture(): BenchIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}
