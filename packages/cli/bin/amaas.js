#!/usr/bin/env node
// `amaas` entry. Checked in (unlike dist/) so npm can link the command at install time, before the
// TypeScript build has run; it hands over to the compiled CLI.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('amaas: @amaas/cli is not built (missing dist/cli.js). Run `npm run build` at the repository root.');
  process.exit(1);
}
require(cli);
