// Config files for `train` and `eval --cv`: JSON or YAML (by extension; .yaml/.yml, else JSON),
// one flat object whose keys are the long flag names (kebab-case or camelCase). Values merge under
// the command-line flags: a flag given on the command line always wins. Not a schema: each
// command checks the values it reads, with the same messages as for flags.
import * as fs from 'node:fs';
import * as YAML from 'yaml';
import { CliError, UsageError } from './errors';

/** 'batchSize' -> 'batch-size', 'max_iter' -> 'max-iter', 'C' -> 'c'; kebab-case stays. */
export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}

/** Parses config text; `format` from the file extension. */
export function parseConfig(text: string, format: 'json' | 'yaml', source = 'config'): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = format === 'yaml' ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid ${format.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`, 'fix the file, or pass the settings as flags');
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new CliError(`${source} must hold one object of settings (e.g. {"epochs": 20, "hidden": [64]}) but holds ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) out[kebab(k)] = v;
  return out;
}

/** Reads a JSON or YAML config file. */
export function loadConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'check the path given to --config');
  }
  const format = /\.ya?ml$/i.test(file) ? 'yaml' : 'json';
  return parseConfig(text, format, file);
}

/**
 * Checks config keys against the flags the command knows, so a typo ("epoch") is an error
 * rather than silently ignored. Keys that are not flags of the command are usage errors.
 */
export function checkConfigKeys(config: Record<string, unknown>, known: string[], command: string, file: string): void {
  const unknown = Object.keys(config).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new UsageError(`${file}: unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; settings are the long flag names of 'amaas ${command}'`, command);
}
