// The command table's types and the one argument parser (node:util parseArgs, strict) with typed
// accessors whose errors say what was expected and what came ("Expected a positive integer for
// --epochs but received 'ten'"). Also renders --help. Not here: what any command does.
import { parseArgs } from 'node:util';
import { UsageError } from './errors';
import type { Context } from './context';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help for a string value: 'FILE', 'N'. */
  value?: string;
  description: string;
  multiple?: boolean;
}

export interface CommandSpec {
  /** Full command path: 'train', 'models alias'. */
  name: string;
  summary: string;
  /** Usage line(s) after 'usage: '. */
  usage: string;
  /** Paragraph(s) printed under the usage in --help. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** Number of positional arguments accepted (default 0..0). */
  positionals?: { min: number; max: number };
  examples: string[];
  run(args: Args, ctx: Context): Promise<number | void>;
}

export interface GroupSpec {
  name: string;
  summary: string;
  subcommands: CommandSpec[];
  examples: string[];
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout (progress and notes go to stderr)' },
  'data-dir': { type: 'string', value: 'DIR', description: 'data directory: registry, datasets, keys (default $AMAAS_HOME, else ./.amaas)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

type Raw = string | boolean | number | string[] | number[] | undefined | unknown;

const describe = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** Parsed flags + positionals of one command, with optional defaults (a config file) under the flags. */
export class Args {
  constructor(
    readonly command: string,
    readonly values: Record<string, Raw>,
    readonly positionals: string[],
    private defaults: Record<string, unknown> = {},
  ) {}

  /** Puts `config` under the flags: a flag given on the command line wins. */
  withDefaults(config: Record<string, unknown>): Args {
    return new Args(this.command, this.values, this.positionals, { ...this.defaults, ...config });
  }

  /** Whether the flag was given on the command line (not from a config). */
  given(name: string): boolean {
    return this.values[name] !== undefined;
  }

  raw(name: string): unknown {
    const v = this.values[name];
    return v !== undefined ? v : this.defaults[name];
  }

  usage(message: string): UsageError {
    return new UsageError(message, this.command);
  }

  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') throw this.usage(`Expected a string for --${name} but received ${describe(v)}`);
    return v;
  }

  /** A required string flag. */
  need(name: string, what = 'a value'): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw this.usage(`--${name} is required: give ${what}`);
    return v;
  }

  bool(name: string): boolean {
    const v = this.raw(name);
    if (v === undefined || v === null) return false;
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw this.usage(`Expected true or false for --${name} but received ${describe(v)}`);
  }

  num(name: string, o: { min?: number; max?: number; exclusiveMin?: boolean } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) ? Number(v) : NaN;
    const range = o.min !== undefined ? (o.exclusiveMin ? ` > ${o.min}` : ` >= ${o.min}`) + (o.max !== undefined ? ` and <= ${o.max}` : '') : '';
    if (!Number.isFinite(n) || (o.min !== undefined && (o.exclusiveMin ? n <= o.min : n < o.min)) || (o.max !== undefined && n > o.max))
      throw this.usage(`Expected a number${range} for --${name} but received ${describe(v)}`);
    return n;
  }

  int(name: string, o: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
    const min = o.min ?? -Infinity;
    if (!Number.isSafeInteger(n) || n < min || (o.max !== undefined && n > o.max)) {
      const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer';
      throw this.usage(`Expected ${what}${o.max !== undefined ? ` <= ${o.max}` : ''} for --${name} but received ${describe(v)}`);
    }
    return n;
  }

  /** Comma-separated list (or a list from a config file). */
  list(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== '');
    if (typeof v === 'string' || typeof v === 'number') return String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
    throw this.usage(`Expected a comma-separated list for --${name} but received ${describe(v)}`);
  }

  intList(name: string, o: { min?: number } = {}): number[] | undefined {
    const items = this.list(name);
    if (!items) return undefined;
    return items.map((s) => {
      const n = /^\d+$/.test(s) ? Number(s) : NaN;
      if (!Number.isSafeInteger(n) || n < (o.min ?? 1))
        throw this.usage(`Expected comma-separated positive integers for --${name} (e.g. 128,64) but received ${describe(this.raw(name))}`);
      return n;
    });
  }

  /** A registry model name (the registry's own rule), checked before any work is done. */
  modelName(name: string): string | undefined {
    const v = this.str(name);
    if (v !== undefined && !(v.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v)))
      throw this.usage(`Expected a model name of letters, digits, '_', '.', '-' (starting with a letter or digit) for --${name} but received '${v}'`);
    return v;
  }

  /** An alias name: [A-Za-z0-9_]+, not all digits (that reads as a version). */
  aliasName(name: string): string | undefined {
    const v = this.str(name);
    if (v !== undefined && !(v.length <= 128 && /^[A-Za-z0-9_]+$/.test(v) && !/^[0-9]+$/.test(v)))
      throw this.usage(`Expected an alias of letters, digits and '_' (not all digits) for --${name} but received '${v}'`);
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) throw this.usage(`Expected one of ${allowed.join(', ')} for --${name} but received '${v}'`);
    return v as T;
  }
}

/** Parses argv for `spec` (its options plus the common ones). UsageError for anything malformed. */
export function parseCommand(spec: CommandSpec, argv: string[]): Args {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    if (!String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw err;
    throw new UsageError(cleanParseError((err as Error).message), spec.name);
  }
  const values = parsed.values as Record<string, Raw>;
  if (values.help) return new Args(spec.name, values, parsed.positionals);
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  const n = parsed.positionals.length;
  if (n > max)
    throw new UsageError(
      max === 0 ? `amaas ${spec.name} takes no positional arguments but received '${parsed.positionals[0]}'` : `too many arguments: amaas ${spec.name} takes at most ${max} but received ${n}`,
      spec.name,
    );
  if (n < min) throw new UsageError(`missing argument${min - n > 1 ? 's' : ''}: amaas ${spec.name} needs ${min}`, spec.name);
  return new Args(spec.name, values, parsed.positionals);
}

/** parseArgs' messages mention its own API ("To specify an option argument starting with a dash use --x=-XYZ"); keep them short. */
function cleanParseError(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option '${missing[1].replace(/^-\w, /, '')}' needs a value`;
  const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `the value of option '${ambiguous[1].replace(/^-\w, /, '')}' starts with '-': write it as ${ambiguous[1].replace(/^-\w, /, '')}=VALUE`;
  const noValue = /Option '([^']+)' does not take an argument/.exec(message);
  if (noValue) return `option '${noValue[1].replace(/^-\w, /, '')}' does not take a value`;
  return message.split('\n')[0];
}

function optionLines(options: Record<string, OptionSpec>): string {
  const entries = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.min(32, Math.max(...entries.map(([f]) => f.length)));
  return entries
    .map(([f, d]) => (f.length > width ? `  ${f}\n  ${' '.repeat(width)}  ${d}` : `  ${f.padEnd(width)}  ${d}`))
    .join('\n');
}

/** The text `amaas <command> --help` prints. */
export function commandHelp(spec: CommandSpec): string {
  const parts = [`usage: ${spec.usage}`, '', spec.summary];
  if (spec.description) parts.push('', spec.description);
  if (Object.keys(spec.options).length) parts.push('', 'options:', optionLines(spec.options));
  parts.push('', 'common options:', optionLines(COMMON_OPTIONS));
  parts.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  parts.push('', 'exit status: 0 ok, 1 failure, 2 bad usage');
  return parts.join('\n') + '\n';
}

/** Short usage printed with a usage error. */
export function shortUsage(spec: CommandSpec): string {
  return `usage: ${spec.usage}\nRun 'amaas ${spec.name} --help' for options and examples.\n`;
}

export function groupHelp(group: GroupSpec): string {
  const width = Math.max(...group.subcommands.map((c) => c.name.length));
  return [
    `usage: amaas ${group.name} <${group.subcommands.map((c) => c.name.split(' ')[1]).join('|')}> [options]`,
    '',
    group.summary,
    '',
    'commands:',
    ...group.subcommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'examples:',
    ...group.examples.map((e) => `  ${e}`),
    '',
    `Run 'amaas ${group.name} <command> --help' for its options.`,
    '',
  ].join('\n');
}
