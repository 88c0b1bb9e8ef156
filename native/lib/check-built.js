// `build` target of @amaas/native for Nx: the addon is compiled by its install script
// (cmake-js, during `npm ci`); this compiles it only when missing, then loads it as a check.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const addon = path.join(__dirname, '..', 'build', 'Release', 'amaas_native.node');
if (!fs.existsSync(addon)) {
  execFileSync('npx', ['cmake-js', 'compile', '--config', 'Release', '--parallel', '2', '--log-level', 'warn'], {
    cwd: path.join(__dirname, '..'),
    stdio: 'inherit',
  });
}
const info = require('./index.js').engineInfo();
console.log(`@amaas/native ${info.version}: isa ${info.isa} (${info.isas.join(', ')}), ${info.threads} threads`);
