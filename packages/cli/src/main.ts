// `amaas` as a function: parse the command, run it, and map every outcome to an exit status
// (0 ok, 1 failure, 2 usage) with one clear line and what to do next on stderr. Stack traces
// only with AMAAS_DEBUG=1. cli.ts calls this with the process's argv and streams.
import { AmaasError } from '@amaas/core';
import { commandHelp, groupHelp, parseCommand, shortUsage, type CommandSpec, type GroupSpec } from './args';
import { allCommands, COMMANDS, isGroup } from './commands';
import { Context, resolveDataDir, type Streams } from './context';
import { CliError, UsageError } from './errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../package.json') as { version: string }).version;

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: amaas <command> [options]',
    '',
    'Train, shrink, version and serve machine-learning models on the AMaaS native engine.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'examples:',
    '  amaas quickstart                                   # train MNIST digits, register, serve on :8501',
    '  amaas train --dataset iris --push iris --alias production',
    '  amaas eval --model iris --dataset iris --confusion',
    "  amaas predict --model iris --instances '[[5.1, 3.5, 1.4, 0.2]]'",
    '  amaas serve --port 8501',
    '',
    'Every command takes --help (options and examples), --json (one JSON document on stdout) and',
    '--data-dir DIR (default $AMAAS_HOME, else ./.amaas).',
    'environment: AMAAS_HOME data directory, AMAAS_API_KEY key for predict --url, AMAAS_THREADS,',
    '  AMAAS_ISA engine settings, NO_COLOR plain output, AMAAS_DEBUG=1 stack traces on errors.',
    'exit status: 0 ok, 1 failure, 2 bad usage',
    '',
  ].join('\n');
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; ++j) d[0][j] = j;
  for (let i = 1; i <= a.length; ++i)
    for (let j = 1; j <= b.length; ++j) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggest(word: string, names: string[]): string {
  const best = names.map((n) => [n, distance(word, n)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? ` (did you mean '${best[0]}'?)` : '';
}

/** Hints for core's error codes: what to do next. */
function hintFor(err: AmaasError): string | undefined {
  switch (err.code) {
    case 'DATASET_MISSING':
      return "see 'amaas datasets list'; 'amaas datasets prepare NAME' fetches scikit-learn's datasets";
    case 'INVALID_MODEL_FILE':
      return "is it an AMaaS model file? 'amaas train --out FILE' writes one";
    case 'NOT_FOUND':
      return "see 'amaas models list' and 'amaas models show NAME'";
    case 'CONFLICT':
      return "see 'amaas models show NAME' for versions and aliases";
    case 'INVALID_DATA':
      return 'fix the data at the place named above, or pick the label column with --target';
    case 'NATIVE_NOT_BUILT':
      return 'build the engine: npm ci (or npm rebuild @amaas/native)';
    case 'CANCELLED':
      return undefined;
    default:
      return undefined;
  }
}

type Resolved = { spec: CommandSpec; rest: string[] } | { help: string; exit: number; error?: string };

function resolve(argv: string[]): Resolved {
  const [first, ...rest] = argv;
  if (first === undefined) return { help: topHelp(), exit: 2, error: 'no command given' };
  if (first === '--help' || first === '-h') return { help: topHelp(), exit: 0 };
  if (first === 'help') {
    if (rest.length === 0) return { help: topHelp(), exit: 0 };
    const r = resolve([...rest, '--help']);
    return 'spec' in r ? { help: commandHelp(r.spec), exit: 0 } : r;
  }
  const entry = COMMANDS.find((c) => c.name === first);
  if (!entry) {
    const brief = `commands: ${COMMANDS.map((c) => c.name).join(', ')}\nRun 'amaas --help' for what each does, with examples.\n`;
    if (first.startsWith('-')) return { help: brief, exit: 2, error: `expected a command before options but received '${first}'` };
    return { help: brief, exit: 2, error: `unknown command '${first}'${suggest(first, COMMANDS.map((c) => c.name))}` };
  }
  if (!isGroup(entry)) return { spec: entry, rest };
  const group = entry as GroupSpec;
  const [sub, ...subRest] = rest;
  if (sub === undefined) return { help: groupHelp(group), exit: 2, error: `'amaas ${group.name}' needs a command` };
  if (sub === '--help' || sub === '-h') return { help: groupHelp(group), exit: 0 };
  const spec = group.subcommands.find((c) => c.name === `${group.name} ${sub}`);
  if (!spec) {
    const names = group.subcommands.map((c) => c.name.split(' ')[1]);
    return { help: groupHelp(group), exit: 2, error: `unknown command 'amaas ${group.name} ${sub}'${suggest(sub, names)}` };
  }
  return { spec, rest: subRest };
}

/** Runs one command line; resolves with the exit status. Never throws. */
export async function main(argv: string[], streams: Streams = { stdout: process.stdout, stderr: process.stderr }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = (s: string) => streams.stdout.write(s);
  const err = (s: string) => streams.stderr.write(s);
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    out(`${VERSION}\n`);
    return 0;
  }
  const json = argv.includes('--json');
  const fail = (code: number, kind: string, message: string, hint?: string, usage?: string): number => {
    err(`amaas: ${message}\n`);
    if (hint) err(`  hint: ${hint}\n`);
    if (usage) err(`\n${usage}`);
    if (json) out(`${JSON.stringify({ error: { kind, message, ...(hint ? { hint } : {}) } }, null, 2)}\n`);
    return code;
  };

  const resolved = resolve(argv);
  if (!('spec' in resolved)) {
    if (resolved.error) return fail(resolved.exit, 'usage', resolved.error, undefined, resolved.help);
    out(resolved.help);
    return resolved.exit;
  }
  const { spec, rest } = resolved;
  let ctx: Context | null = null;
  try {
    const args = parseCommand(spec, rest);
    if (args.bool('help')) {
      out(commandHelp(spec));
      return 0;
    }
    ctx = new Context(streams, { json: args.bool('json'), dataDir: resolveDataDir(args.str('data-dir'), env) }, env);
    const code = await spec.run(args, ctx);
    return code ?? 0;
  } catch (e) {
    if (env.AMAAS_DEBUG === '1' && e instanceof Error) err(`${e.stack}\n`);
    if (e instanceof UsageError) {
      const target = allCommands().find((c) => c.name === e.command) ?? spec;
      return fail(2, 'usage', e.message, undefined, shortUsage(target));
    }
    if (e instanceof CliError) return fail(1, 'failure', e.message, e.hint);
    if (e instanceof AmaasError) return fail(1, e.code, e.message, hintFor(e));
    const message = e instanceof Error ? e.message : String(e);
    return fail(1, 'internal', `unexpected error: ${message}`, env.AMAAS_DEBUG === '1' ? 'this is a bug: please report it with the stack trace above' : 'run again with AMAAS_DEBUG=1 for the stack trace, and please report it');
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
