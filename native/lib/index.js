// Loads the compiled addon (built by cmake-js during `npm ci`) with a message that says how to
// fix a missing build, instead of a bare MODULE_NOT_FOUND.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const candidates = [
  path.join(__dirname, '..', 'build', 'Release', 'amaas_native.node'),
  path.join(__dirname, '..', 'build', 'Debug', 'amaas_native.node'),
];
const found = candidates.find((p) => fs.existsSync(p));
if (!found) {
  const err = new Error(
    '@amaas/native: the native addon is not built (looked for ' + candidates[0] + '). ' +
      'Build it with `npm rebuild @amaas/native` (needs cmake >= 3.18 and a C++17 compiler), ' +
      'and check that `allowScripts` in the root package.json lets its install script run.',
  );
  err.code = 'NATIVE_NOT_BUILT';
  throw err;
}
module.exports = require(found);
