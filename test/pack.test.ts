// @amaas/core as another project sees it: pack @amaas/native and @amaas/core with `npm pack`,
// install the tarballs offline into a temporary project outside the repository (the addon
// compiles there through its approved install script), and run a matmul from it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('packed @amaas/core and @amaas/native install offline and run a matmul', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amaas-consumer-'));
  try {
    const out = execFileSync(npm, ['pack', '--json', '--workspace', 'native', '--workspace', 'packages/core', '--pack-destination', dir], {
      cwd: repo,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as { name: string; filename: string }[]).map((p) => ({ name: p.name, file: path.join(dir, p.filename) }));
    const tarball = (name: string) => files.find((f) => f.name === name)!.file;
    // The tarballs carry sources, not build outputs.
    const listing = JSON.parse(out) as { name: string; files: { path: string }[] }[];
    const nativeFiles = listing.find((p) => p.name === '@amaas/native')!.files.map((f) => f.path);
    expect(nativeFiles).toContain('CMakeLists.txt');
    expect(nativeFiles.some((f) => f.startsWith('build/'))).toBe(false);

    const project = path.join(dir, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        version: '1.0.0',
        dependencies: { '@amaas/native': `file:${tarball('@amaas/native')}`, '@amaas/core': `file:${tarball('@amaas/core')}` },
        // Exactly one install script approved: the addon's build.
        allowScripts: { [`file:${tarball('@amaas/native')}`]: true },
      }),
    );
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund'], { cwd: project, stdio: 'pipe' });
    expect(fs.existsSync(path.join(project, 'node_modules/@amaas/native/build/Release/amaas_native.node'))).toBe(true);

    const script = `
      const { Tensor, matmulSync, engineInfo } = require('@amaas/core');
      const c = matmulSync(Tensor.from([[1, 2], [3, 4]]), Tensor.from([[5, 6], [7, 8]]));
      console.log(JSON.stringify({ result: c.toArray(), isa: engineInfo().isa }));`;
    const res = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' }));
    expect(res.result).toEqual([[19, 22], [43, 50]]);
    expect(typeof res.isa).toBe('string');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
