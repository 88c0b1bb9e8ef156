// Argument parsing and config files: typed accessors with messages that say what was expected,
// usage errors for unknown options, config values under command-line flags, JSON and YAML files.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandHelp, parseCommand, type CommandSpec } from '../src/args';
import { allCommands } from '../src/commands';
import { checkConfigKeys, kebab, loadConfig, parseConfig } from '../src/config';
import { CliError, UsageError } from '../src/errors';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo',
  usage: 'amaas demo [--epochs N]',
  options: {
    epochs: { type: 'string', value: 'N', description: 'epochs' },
    lr: { type: 'string', value: 'RATE', description: 'learning rate' },
    hidden: { type: 'string', value: 'SIZES', description: 'sizes' },
    tfidf: { type: 'boolean', description: 'flag' },
  },
  positionals: { min: 0, max: 1 },
  examples: ['amaas demo --epochs 3'],
  run: async () => 0,
};

describe('parseCommand', () => {
  test('typed accessors', () => {
    const a = parseCommand(spec, ['--epochs', '12', '--lr=0.01', '--hidden', '128,64', '--tfidf', 'pos']);
    expect(a.int('epochs', { min: 1 })).toBe(12);
    expect(a.num('lr', { min: 0, exclusiveMin: true })).toBe(0.01);
    expect(a.intList('hidden')).toEqual([128, 64]);
    expect(a.bool('tfidf')).toBe(true);
    expect(a.positionals).toEqual(['pos']);
    expect(a.str('missing')).toBeUndefined();
  });

  test('bad values are usage errors that name the flag and the value', () => {
    expect(() => parseCommand(spec, ['--lr', '-1'])).toThrow("the value of option '--lr' starts with '-': write it as --lr=VALUE");
    const a = parseCommand(spec, ['--epochs', 'ten', '--lr=-1', '--hidden', '12,x']);
    expect(() => a.int('epochs', { min: 1 })).toThrow(new UsageError("Expected a positive integer for --epochs but received 'ten'"));
    expect(() => a.num('lr', { min: 0, exclusiveMin: true })).toThrow("Expected a number > 0 for --lr but received '-1'");
    expect(() => a.intList('hidden')).toThrow(/Expected comma-separated positive integers for --hidden/);
  });

  test('unknown options, missing values and extra positionals are usage errors', () => {
    expect(() => parseCommand(spec, ['--epoch', '3'])).toThrow("unknown option '--epoch'");
    expect(() => parseCommand(spec, ['--epochs'])).toThrow("option '--epochs <value>' needs a value");
    expect(() => parseCommand(spec, ['a', 'b'])).toThrow('too many arguments');
    try {
      parseCommand(spec, ['--nope']);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).command).toBe('demo');
    }
  });

  test('registry names are checked before any work', () => {
    const names: CommandSpec = { ...spec, options: { push: { type: 'string', description: '' }, alias: { type: 'string', description: '' } } };
    expect(parseCommand(names, ['--push', 'iris-v2.1', '--alias', 'prod_2']).modelName('push')).toBe('iris-v2.1');
    expect(() => parseCommand(names, ['--push', 'my model']).modelName('push')).toThrow(/Expected a model name .* for --push but received 'my model'/);
    expect(() => parseCommand(names, ['--alias', '12']).aliasName('alias')).toThrow(/not all digits/);
  });

  test('config values sit under the flags', () => {
    const a = parseCommand(spec, ['--epochs', '5']).withDefaults({ epochs: 50, lr: 0.1, hidden: [32, 16] });
    expect(a.int('epochs')).toBe(5);
    expect(a.num('lr')).toBe(0.1);
    expect(a.intList('hidden')).toEqual([32, 16]);
    expect(a.given('lr')).toBe(false);
  });

  test('every command has a summary, a usage line and examples in its --help', () => {
    for (const c of allCommands()) {
      const help = commandHelp(c);
      expect(help).toContain(`usage: amaas ${c.name}`);
      expect(c.examples.length).toBeGreaterThan(0);
      expect(help).toMatch(/examples:\n {2}\S/);
      expect(help).toContain('--json');
    }
  });
});

describe('config files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-cli-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('JSON and YAML give the same settings, keys in kebab-case', () => {
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ batchSize: 16, hidden: [64, 32], kind: 'mlp' }));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'batch-size: 16\nhidden: [64, 32]\nkind: mlp\n');
    const want = { 'batch-size': 16, hidden: [64, 32], kind: 'mlp' };
    expect(loadConfig(path.join(dir, 'a.json'))).toEqual(want);
    expect(loadConfig(path.join(dir, 'a.yaml'))).toEqual(want);
    expect(kebab('validationSplit')).toBe('validation-split');
    expect(kebab('max_iter')).toBe('max-iter');
    expect(kebab('C')).toBe('c');
  });

  test('bad files fail with the file named and what to do', () => {
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(CliError);
    expect(() => loadConfig(path.join(dir, 'missing.yaml'))).toThrow(/cannot read config file .*missing\.yaml: no such file/);
    expect(() => parseConfig('{"epochs": ', 'json', 'x.json')).toThrow(/x\.json is not valid JSON/);
    expect(() => parseConfig('- 1\n- 2\n', 'yaml', 'x.yaml')).toThrow(/must hold one object of settings/);
    expect(parseConfig('', 'yaml')).toEqual({});
  });

  test('unknown keys are usage errors naming them', () => {
    expect(() => checkConfigKeys({ epoch: 3, lr: 0.1 }, ['epochs', 'lr'], 'train', 'c.yaml')).toThrow("c.yaml: unknown setting 'epoch'");
  });
});
