// The command table: every `amaas` command and group, in the order --help lists them.
import type { CommandSpec, GroupSpec } from '../args';
import { datasetsGroup } from './datasets';
import { distillCommand } from './distill';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { infoCommand } from './info';
import { keysGroup } from './keys';
import { modelsGroup } from './models';
import { predictCommand } from './predict';
import { pruneCommand } from './prune';
import { quantizeCommand } from './quantize';
import { quickstartCommand } from './quickstart';
import { serveCommand } from './serve';
import { trainCommand } from './train';

export const COMMANDS: (CommandSpec | GroupSpec)[] = [
  quickstartCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  quantizeCommand,
  pruneCommand,
  distillCommand,
  exportCommand,
  modelsGroup,
  keysGroup,
  serveCommand,
  datasetsGroup,
  infoCommand,
];

export function isGroup(c: CommandSpec | GroupSpec): c is GroupSpec {
  return Array.isArray((c as GroupSpec).subcommands);
}

/** Every runnable command, groups expanded ('models list', ...). */
export function allCommands(): CommandSpec[] {
  return COMMANDS.flatMap((c) => (isGroup(c) ? c.subcommands : [c]));
}
