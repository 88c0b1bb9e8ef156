// `npm test` for @amaas/native: configures a Node-free build of the engine with its C++ tests,
// builds it and runs ctest. Every ISA level the CPU supports is exercised inside the tests.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const build = path.join(root, 'build-ctest');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
run('cmake', ['-S', '.', '-B', build, '-DAMAAS_BUILD_ADDON=OFF', '-DAMAAS_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release']);
run('cmake', ['--build', build, '--parallel', '2']);
run('ctest', ['--test-dir', build, '--output-on-failure']);
