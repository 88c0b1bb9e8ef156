// Registry test helpers: fresh temp dirs, small models, error-code assertions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AmaasError, LinearRegression, Tensor } from '../../src';
import { serializeModel } from '../../src/io';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-registry-'));
}

/** y = slope * x fitted on 3 points; distinct slopes give distinct files. */
export function linearModel(slope: number): LinearRegression {
  return new LinearRegression().fit(Tensor.from([[1], [2], [3]]), [slope, 2 * slope, 3 * slope]);
}
export function linearFile(slope: number): Buffer {
  return serializeModel(linearModel(slope), { created: '2024-01-01T00:00:00.000Z' });
}

export async function expectCode(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<AmaasError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AmaasError);
  expect((caught as AmaasError).code).toBe(code);
  if (pattern) expect((caught as AmaasError).message).toMatch(pattern);
  return caught as AmaasError;
}

/** All files under dir, relative. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
