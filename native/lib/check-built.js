// `build` target of @amaas/native for Nx: an incremental cmake-js compile (a no-op in under a
// second when nothing changed since `npm ci` built the addon), so edits under native/ are never
// served by a stale addon; then loads the addon as a check. Nx caches it on native/** inputs.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
execFileSync(process.execPath, [cmakeJs, 'compile', '--config', 'Release', '--parallel', '2', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
const info = require('./index.js').engineInfo();
console.log(`@amaas/native ${info.version}: isa ${info.isa} (${info.isas.join(', ')}), ${info.threads} threads`);
