// The registry API in one process: models, versions (numbering, conflicts, metrics, lineage,
// round-trip predictions), aliases (weighted splits, routing keys, rollback, history), the audit
// log, and hostile files that must leave nothing behind.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LinearRegression, Tensor } from '../../src';
import { Registry } from '../../src/registry';
import { expectCode, linearFile, linearModel, listFiles, tempDir } from './helpers';

let dir: string;
let reg: Registry;
beforeEach(() => {
  dir = tempDir();
  reg = new Registry({ dir });
});
afterEach(async () => {
  await reg.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('models', () => {
  test('create, get, list, update, delete; names are checked', async () => {
    const m = await reg.createModel('iris.v2-x', { description: 'flowers', tags: ['demo'] });
    expect(m).toMatchObject({ name: 'iris.v2-x', description: 'flowers', tags: ['demo'] });
    await expectCode(reg.createModel('iris.v2-x'), 'CONFLICT');
    for (const bad of ['', '-x', 'a b', 'a/b', 'x'.repeat(129)]) await expectCode(reg.createModel(bad), 'INVALID_ARGUMENT');
    expect((await reg.updateModel('iris.v2-x', { tags: ['a', 'b'] })).tags).toEqual(['a', 'b']);
    expect((await reg.getModel('iris.v2-x')).description).toBe('flowers');
    expect((await reg.listModels()).map((x) => x.name)).toEqual(['iris.v2-x']);
    await reg.pushVersion('iris.v2-x', linearFile(2));
    await expectCode(reg.deleteModel('iris.v2-x'), 'CONFLICT', /force/);
    await reg.deleteModel('iris.v2-x', { force: true });
    await expectCode(reg.getModel('iris.v2-x'), 'NOT_FOUND');
    expect(listFiles(path.join(dir, 'blobs'))).toEqual([]);
  });
});

describe('versions', () => {
  test('numbering, explicit numbers, conflicts, metrics and lineage', async () => {
    await reg.createModel('m');
    await expectCode(reg.pushVersion('nope', linearFile(1)), 'NOT_FOUND');
    const nums = [];
    for (let i = 1; i <= 3; ++i) nums.push((await reg.pushVersion('m', linearFile(i))).version);
    expect(nums).toEqual([1, 2, 3]);
    const v10 = await reg.pushVersion('m', linearFile(10), {
      version: 10, metrics: { rmse: 0.25 }, parent: 2, dataFingerprint: 'sha256:abc', createdBy: 'ci', actor: 'alice',
    });
    const file10 = linearFile(10);
    expect(v10).toMatchObject({
      model: 'm', version: 10, kind: 'linear-regression', metrics: { rmse: 0.25 }, parent: 2, dataFingerprint: 'sha256:abc', createdBy: 'ci',
      size: file10.length, sha256: createHash('sha256').update(file10).digest('hex'),
    });
    expect(v10.signature.inputs.length).toBeGreaterThan(0);
    await expectCode(reg.pushVersion('m', linearFile(11), { version: 10 }), 'CONFLICT', /already has version 10/);
    await expectCode(reg.pushVersion('m', linearFile(11), { parent: 99 }), 'NOT_FOUND');
    await expectCode(reg.pushVersion('m', linearFile(11), { version: 0 }), 'INVALID_ARGUMENT');
    expect((await reg.pushVersion('m', linearFile(4))).version).toBe(11);
    expect((await reg.listVersions('m')).map((v) => v.version)).toEqual([1, 2, 3, 10, 11]);
    expect(await reg.getVersion('m', 10)).toEqual(v10);
    // the conflicting pushes left no file behind
    expect(listFiles(path.join(dir, 'blobs')).length).toBe(5);
  });

  test('loadVersion predicts like the original; readVersionFile checks the hash; path input', async () => {
    await reg.createModel('m');
    const original = linearModel(3);
    const file = path.join(dir, 'model.safetensors');
    const { serializeModel } = await import('../../src/io');
    fs.writeFileSync(file, serializeModel(original));
    await reg.pushVersion('m', file);
    const x = Tensor.from([[0.5], [7], [-2]]);
    const loaded = (await reg.loadVersion('m', 1)) as LinearRegression;
    expect(Array.from(loaded.predict(x))).toEqual(Array.from(original.predict(x)));
    await reg.setAlias('m', 'production', 1);
    expect(Array.from(((await reg.loadVersion('m', 'production')) as LinearRegression).predict(x))).toEqual(Array.from(original.predict(x)));
    // corrupt the stored file: reading it must fail, and fsck must name it
    const v = await reg.getVersion('m', 1);
    const blob = path.join(dir, 'blobs', v.sha256.slice(0, 2), v.sha256);
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(blob, bytes);
    await expectCode(reg.readVersionFile('m', 1), 'INTERNAL', /corrupt/);
    expect((await reg.fsck()).badVersions).toEqual(['m@1']);
  });

  test('deleteVersion keeps a file shared by another version', async () => {
    await reg.createModel('a');
    await reg.createModel('b');
    const f = linearFile(5);
    await reg.pushVersion('a', f);
    await reg.pushVersion('b', f);
    await reg.deleteVersion('a', 1);
    expect(listFiles(path.join(dir, 'blobs')).length).toBe(1);
    expect(Array.from(((await reg.loadVersion('b', 1)) as LinearRegression).predict(Tensor.from([[1]])))).toHaveLength(1);
    await reg.deleteVersion('b', 1);
    expect(listFiles(path.join(dir, 'blobs'))).toEqual([]);
    await expectCode(reg.deleteVersion('b', 1), 'NOT_FOUND');
    // numbers are not reused after a delete
    expect((await reg.pushVersion('b', f)).version).toBe(2);
  });
});

describe('aliases', () => {
  beforeEach(async () => {
    await reg.createModel('m');
    for (let i = 1; i <= 3; ++i) await reg.pushVersion('m', linearFile(i));
  });

  test('set, move, weighted split, routing keys', async () => {
    await reg.setAlias('m', 'production', 1, { actor: 'bob' });
    expect(await reg.resolve('m', 'production')).toBe(1);
    expect(await reg.resolve('m', '2')).toBe(2);
    await expectCode(reg.resolve('m', 7), 'NOT_FOUND');
    await expectCode(reg.resolve('m', 'staging'), 'NOT_FOUND');
    await expectCode(reg.setAlias('m', 'bad-name', 1), 'INVALID_ARGUMENT');
    await expectCode(reg.setAlias('m', 'x', 9), 'NOT_FOUND');
    await expectCode(reg.setAlias('m', 'x', [{ version: 1, weight: 0 }]), 'INVALID_ARGUMENT');
    await expectCode(reg.setAlias('m', 'x', [{ version: 1, weight: 1 }, { version: 1, weight: 2 }]), 'INVALID_ARGUMENT');
    const a = await reg.setAlias('m', 'production', [{ version: 1, weight: 90 }, { version: 2, weight: 10 }]);
    expect(a.targets).toEqual([{ version: 1, weight: 0.9 }, { version: 2, weight: 0.1 }]);
    let ones = 0;
    for (let i = 0; i < 2000; ++i) if ((await reg.resolve('m', 'production')) === 1) ++ones;
    expect(ones / 2000).toBeGreaterThan(0.87);
    expect(ones / 2000).toBeLessThan(0.93);
    let keyedOnes = 0;
    for (let i = 0; i < 2000; ++i) {
      const v = await reg.resolve('m', 'production', { routingKey: `user-${i}` });
      expect(await reg.resolve('m', 'production', { routingKey: `user-${i}` })).toBe(v);
      if (v === 1) ++keyedOnes;
    }
    expect(keyedOnes / 2000).toBeGreaterThan(0.87);
    expect(keyedOnes / 2000).toBeLessThan(0.93);
    expect((await reg.listAliases('m')).map((x) => x.alias)).toEqual(['production']);
  });

  test('rollback walks back through history; delete while aliased is a conflict', async () => {
    await expectCode(reg.rollback('m', 'production'), 'NOT_FOUND');
    await reg.setAlias('m', 'production', 1);
    await expectCode(reg.rollback('m', 'production'), 'CONFLICT', /no earlier target/);
    await reg.setAlias('m', 'production', 2);
    await reg.setAlias('m', 'production', 3, { actor: 'carol' });
    await expectCode(reg.deleteVersion('m', 3), 'CONFLICT', /production/);
    expect((await reg.rollback('m', 'production', { actor: 'dave' })).targets).toEqual([{ version: 2, weight: 1 }]);
    await reg.deleteVersion('m', 3); // no alias points at 3 any more
    expect((await reg.rollback('m', 'production')).targets).toEqual([{ version: 1, weight: 1 }]);
    await expectCode(reg.rollback('m', 'production'), 'CONFLICT');
    const history = await reg.aliasHistory('m', 'production');
    expect(history.map((h) => [h.action, h.targets[0].version, h.previous?.[0].version ?? null])).toEqual([
      ['set_alias', 1, null], ['set_alias', 2, 1], ['set_alias', 3, 2], ['rollback', 2, 3], ['rollback', 1, 2],
    ]);
    // a set after a rollback can itself be rolled back
    await reg.setAlias('m', 'production', 2);
    expect((await reg.rollback('m', 'production')).targets[0].version).toBe(1);
    // rolling back onto a deleted version is refused
    await reg.pushVersion('m', linearFile(4)); // version 4
    await reg.setAlias('m', 'staging', 4);
    await reg.setAlias('m', 'staging', 1);
    await reg.deleteVersion('m', 4);
    await expectCode(reg.rollback('m', 'staging'), 'CONFLICT', /no version 4/);
    expect((await reg.getAlias('m', 'staging')).targets[0].version).toBe(1);
  });

  test('audit log records every change with actor and details', async () => {
    await reg.setAlias('m', 'production', 1, { actor: 'bob' });
    await reg.setAlias('m', 'production', 2, { actor: 'bob' });
    await reg.rollback('m', 'production', { actor: 'carol' });
    await reg.updateModel('m', { description: 'd', actor: 'erin' });
    await reg.deleteVersion('m', 3, { actor: 'frank' });
    await reg.createModel('other');
    const log = await reg.auditLog({ name: 'm' });
    expect(log.map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['create_model', 'local'], ['push_version', 'local'], ['push_version', 'local'], ['push_version', 'local'],
      ['set_alias', 'bob'], ['set_alias', 'bob'], ['rollback', 'carol'], ['update_model', 'erin'], ['delete_version', 'frank'],
    ]);
    expect(log[2].details).toMatchObject({ alias: 'production', targets: [{ version: 1, weight: 1 }], previous: [{ version: 2, weight: 1 }] });
    expect(log[0].details).toMatchObject({ version: 3 });
    expect(Date.parse(log[0].at)).not.toBeNaN();
    expect((await reg.auditLog({ limit: 2 })).map((e) => e.action)).toEqual(['create_model', 'delete_version']);
  });
});

describe('hostile files', () => {
  function header100MB(): Buffer {
    const b = Buffer.alloc(64);
    b.writeBigUInt64LE(100n * 1024n * 1024n, 0);
    b.write('{"__metadata__":{}}', 8);
    return b;
  }
  const rand = (n: number): Buffer => {
    let s = 12345;
    return Buffer.from(Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
  };

  test.each([
    ['truncated', (): Buffer => linearFile(2).subarray(0, 60)],
    ['truncated data', (): Buffer => { const f = linearFile(2); return f.subarray(0, f.length - 3); }],
    ['random bytes', (): Buffer => rand(4096)],
    ['empty', (): Buffer => Buffer.alloc(0)],
    ['100 MB header claim', header100MB],
  ])('%s -> INVALID_MODEL_FILE, nothing registered', async (_label, make) => {
    await reg.createModel('m');
    await expectCode(reg.pushVersion('m', make()), 'INVALID_MODEL_FILE');
    expect(await reg.listVersions('m')).toEqual([]);
    expect(listFiles(path.join(dir, 'blobs'))).toEqual([]);
    expect((await reg.auditLog({ name: 'm' })).map((e) => e.action)).toEqual(['create_model']);
  });
});
