// What every command gets besides its arguments: where to write (results to stdout, notes and
// progress to stderr), whether --json is on, the data directory and its registry, and colour.
// Not here: parsing (args.ts) or exit codes (cli.ts).
import * as path from 'node:path';
import { Registry } from '@amaas/core';
import { colorEnabled, palette, type Palette } from './ui/color';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** --data-dir > $AMAAS_HOME > ./.amaas, as an absolute path. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.AMAAS_HOME) return path.resolve(env.AMAAS_HOME);
  return path.resolve('.amaas');
}

export class Context {
  readonly json: boolean;
  readonly dataDir: string;
  /** Colours for stdout text. */
  readonly c: Palette;
  /** Colours for stderr notes. */
  readonly ce: Palette;
  /** Whether stderr (progress bars, notes) may be coloured. */
  readonly stderrColor: boolean;
  private registryInstance: Registry | null = null;

  constructor(
    readonly streams: Streams,
    options: { json: boolean; dataDir: string },
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.json = options.json;
    this.dataDir = options.dataDir;
    this.c = palette(!this.json && colorEnabled(streams.stdout, env));
    this.stderrColor = colorEnabled(streams.stderr, env);
    this.ce = palette(this.stderrColor);
  }

  /** Human-readable output on stdout; suppressed with --json. */
  print(text: string): void {
    if (!this.json) this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note on stderr (also with --json, where stdout is reserved for the document). */
  note(text: string): void {
    this.streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The JSON document of --json (one per command); no-op otherwise. */
  emit(doc: unknown): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  }

  /** Datasets root handed to @amaas/core (<data dir>/datasets). */
  get datasetsDir(): string {
    return path.join(this.dataDir, 'datasets');
  }

  get registryDir(): string {
    return path.join(this.dataDir, 'registry');
  }

  /** The registry under the data directory, opened on first use. */
  registry(): Registry {
    this.registryInstance ??= new Registry({ dir: this.registryDir });
    return this.registryInstance;
  }

  async close(): Promise<void> {
    if (this.registryInstance) await this.registryInstance.close();
    this.registryInstance = null;
  }
}
