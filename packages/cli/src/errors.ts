// The CLI's two failure kinds on top of @amaas/core's AmaasError: a usage error (exit 2, printed
// with the command's usage) and a CLI failure that carries a "what to do next" hint (exit 1).
// Not here: the mapping to exit codes and stderr text (cli.ts does that once).

/** Bad command line: unknown command or option, a missing or malformed value. Exit status 2. */
export class UsageError extends Error {
  /** The command path whose usage is printed with the message ('train', 'models alias'), if known. */
  command?: string;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** A failure the user can act on: a missing file, an unavailable feature. Exit status 1. */
export class CliError extends Error {
  /** One line saying what to do next. */
  readonly hint?: string;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.hint = hint;
  }
}
