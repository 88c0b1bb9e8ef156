// The registry across processes, through the compiled package (dist/, built by `tsc -b` before
// the tests run): children SIGKILLed at random points while pushing leave a consistent registry,
// and two children pushing at once get distinct version numbers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from '../../src/registry';
import { mulberry32 } from '../helpers';
import { linearFile, tempDir } from './helpers';

const distIndex = path.resolve(__dirname, '../../dist/registry/index.js');
const childScript = path.join(__dirname, 'child-push.js');
const built = fs.existsSync(distIndex);
if (!built) console.warn(`skipping registry process tests: ${distIndex} is missing; run \`npm run build\` in packages/core first`);
const maybe = built ? describe : describe.skip;

function startChild(dir: string, model: string, count: string, files: string[]): { child: ChildProcess; ready: Promise<void>; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [childScript, distIndex, dir, model, count, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`child exited before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, ready, exit };
}

let dir: string;
let files: string[];
beforeEach(() => {
  dir = tempDir();
  files = [1, 2, 3].map((s) => {
    const f = path.join(dir, `model-${s}.safetensors`);
    fs.writeFileSync(f, linearFile(s));
    return f;
  });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

maybe('registry across processes', () => {
  test('SIGKILL at random points during pushes leaves every row with an intact file', async () => {
    const regDir = path.join(dir, 'registry');
    const setup = new Registry({ dir: regDir });
    await setup.createModel('m');
    await setup.close();
    const rand = mulberry32(42);
    for (let round = 0; round < 10; ++round) {
      const { child, ready, exit } = startChild(regDir, 'm', 'forever', files);
      await ready;
      await new Promise((r) => setTimeout(r, 20 + Math.floor(rand() * 180)));
      child.kill('SIGKILL');
      const { code } = await exit;
      expect(code).toBeNull(); // killed, not failed
    }
    const reg = new Registry({ dir: regDir });
    try {
      const versions = await reg.listVersions('m');
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
      for (const v of versions) {
        const bytes = fs.readFileSync(path.join(regDir, 'blobs', v.sha256.slice(0, 2), v.sha256));
        expect(bytes.length).toBe(v.size);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.sha256);
      }
      const report = await reg.fsck();
      expect(report.badVersions).toEqual([]);
      expect(report.versions).toBe(versions.length);
      // after fsck no temp files remain (their writers are dead)
      expect(fs.readdirSync(path.join(regDir, 'blobs')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      // the audit log has one push per row
      expect((await reg.auditLog({ name: 'm', limit: 100000 })).filter((e) => e.action === 'push_version')).toHaveLength(versions.length);
      expect((await reg.loadVersion('m', versions.length))).toBeDefined();
    } finally {
      await reg.close();
    }
  });

  test('two processes pushing at once get 40 distinct numbers', async () => {
    const regDir = path.join(dir, 'registry');
    const setup = new Registry({ dir: regDir });
    await setup.createModel('m');
    await setup.close();
    const a = startChild(regDir, 'm', '20', files);
    const b = startChild(regDir, 'm', '20', [...files].reverse());
    const [ea, eb] = await Promise.all([a.exit, b.exit]);
    expect(ea).toEqual({ code: 0, stderr: '' });
    expect(eb).toEqual({ code: 0, stderr: '' });
    const reg = new Registry({ dir: regDir });
    try {
      const versions = await reg.listVersions('m');
      expect(versions.map((v) => v.version)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(new Set(versions.map((v) => v.createdBy)).size).toBe(2);
      expect((await reg.fsck()).badVersions).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});
