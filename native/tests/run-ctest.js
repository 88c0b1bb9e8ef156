// `npm test` for @amaas/native: configures a Node-free build of the engine with its C++ tests,
// builds it and runs ctest. Every ISA level the CPU supports is exercised inside the tests.
// The CUDA kernels are compiled into this build only where a GPU can run their tests (an NVIDIA
// device node exists) or AMAAS_CUDA=ON asks for it: on GPU-less CI the addon build has already
// compiled them, and compiling them twice would only add minutes. AMAAS_CUDA=OFF always wins.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const build = path.join(root, 'build-ctest');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const env = process.env.AMAAS_CUDA;
const cuda = env ? !/^(0|off|false|no)$/i.test(env) : fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/nvidiactl');
console.log(`native tests: CUDA kernels ${cuda ? 'compiled and tested' : 'not compiled into the test build (no NVIDIA device here; the addon build compiles them)'}`);
run('cmake', ['-S', '.', '-B', build, '-DAMAAS_BUILD_ADDON=OFF', '-DAMAAS_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release', `-DAMAAS_CUDA=${cuda ? 'ON' : 'OFF'}`]);
run('cmake', ['--build', build, '--parallel', '2']);
run('ctest', ['--test-dir', build, '--output-on-failure']);
