// @amaas/cli as a library: main() runs one `amaas` command line (what bin/amaas.js does), and the
// pieces other tools may reuse: the data loader, config files, progress bar and tables.
export { main, topHelp } from './main';
export { loadData, loadInputs, dataFormat, fingerprint } from './data';
export type { DataSource, LoadedData, Inputs } from './data';
export { loadConfig, parseConfig } from './config';
export { ProgressBar, formatDuration } from './ui/progress';
export { renderTable, renderPairs } from './ui/table';
export { UsageError, CliError } from './errors';
