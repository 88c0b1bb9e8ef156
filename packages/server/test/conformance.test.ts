// Conformance against public data of the protocol owners, read from ../shared/conformance:
// TF Serving's half_plus_two REST cases replayed against y = 0.5x + 2 served as `default`
// version 123; V2 requests and responses validated against open_inference_rest.yaml's schemas
// (ajv); MLServer's example payloads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { Registry } from '@amaas/core';
import { startServer, type RunningServer } from '../src';
import { call, conformanceDir, halfPlusTwo, irisMlp, memoryLog, push, readJson, sumModel, tempDir } from './helpers';

const dir = conformanceDir();

interface TfCase { name: string; method: string; path: string; request: unknown; status: number; response: unknown }

describe('conformance', () => {
  let server: RunningServer;
  let reg: Registry;
  const data = tempDir();

  beforeAll(async () => {
    reg = new Registry({ dir: path.join(data, 'registry') });
    await push(reg, 'default', halfPlusTwo(), 123);
    await push(reg, 'sum-model', sumModel());
    await push(reg, 'iris', await irisMlp());
    server = await startServer({ registry: reg, dataDir: data, port: 0, auth: 'off', log: memoryLog().sink });
  });
  afterAll(async () => {
    await server.close();
    await reg.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  describe('TF Serving half_plus_two REST cases', () => {
    const { cases } = readJson<{ cases: TfCase[] }>(path.join(dir, 'tf-serving', 'half_plus_two_rest_cases.json'));
    test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const r = await call(server.url, c.method, c.path, c.request ?? undefined);
      expect(r.status).toBe(c.status);
      expect(r.body).toEqual(c.response);
    });

    test('metadata has the serving_default signature shape of half_plus_two', async () => {
      const theirs = readJson<{ metadata: { signature_def: { signature_def: Record<string, { inputs: Record<string, { dtype: string; tensor_shape: unknown }> }> } } }>(
        path.join(dir, 'tf-serving', 'half_plus_two_model_metadata.json'),
      );
      const r = await call(server.url, 'GET', '/v1/models/default/metadata');
      expect(r.status).toBe(200);
      const ours = r.body as typeof theirs & { model_spec: { name: string; version: string } };
      expect(ours.model_spec).toEqual({ name: 'default', signature_name: '', version: '123' });
      const want = theirs.metadata.signature_def.signature_def.serving_default.inputs.x;
      expect(ours.metadata.signature_def.signature_def.serving_default.inputs.x).toMatchObject({ dtype: want.dtype, tensor_shape: want.tensor_shape });
    });

    test('errors are { "error": "..." } like TF Serving', async () => {
      const r = await call(server.url, 'POST', '/v1/models/default:predict', { instances: [[1, 2]] });
      expect(r.status).toBe(400);
      expect(Object.keys(r.body as object)).toEqual(['error']);
      const nf = await call(server.url, 'GET', '/v1/models/nope');
      expect(nf.status).toBe(404);
      expect(typeof (nf.body as { error: string }).error).toBe('string');
      const v = await call(server.url, 'GET', '/v1/models/default/versions/123');
      expect(v.body).toEqual(readJson<{ cases: TfCase[] }>(path.join(dir, 'tf-serving', 'half_plus_two_rest_cases.json')).cases.find((c) => c.name === 'testGetStatusREST')!.response);
    });
  });

  describe('Open Inference Protocol schemas (open_inference_rest.yaml)', () => {
    const spec = parseYaml(fs.readFileSync(path.join(dir, 'open-inference-protocol', 'open_inference_rest.yaml'), 'utf8')) as { components: { schemas: Record<string, object> } };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    // the YAML's components as one schema document, so #/components/schemas/... refs resolve
    ajv.addSchema({ $id: 'oip', components: spec.components });
    const validator = (name: string) => ajv.getSchema(`oip#/components/schemas/${name}`)!;
    const check = (name: string, value: unknown) => {
      const v = validator(name);
      const ok = v(value);
      if (!ok) throw new Error(`${name}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(value).slice(0, 300)}`);
    };

    test('server metadata, model metadata and inference responses validate', async () => {
      check('metadata_server_response', (await call(server.url, 'GET', '/v2')).body);
      check('metadata_model_response', (await call(server.url, 'GET', '/v2/models/iris')).body);
      check('metadata_model_response', (await call(server.url, 'GET', '/v2/models/default/versions/123')).body);
      const req = { id: 'r1', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] }], outputs: [{ name: 'y' }] };
      check('inference_request', req);
      const r = await call(server.url, 'POST', '/v2/models/iris/infer', req);
      expect(r.status).toBe(200);
      check('inference_response', r.body);
      const body = r.body as { id: string; model_name: string; outputs: { shape: number[]; data: number[] }[] };
      expect(body.id).toBe('r1');
      expect(body.model_name).toBe('iris');
      expect(body.outputs[0].shape).toEqual([2, 3]);
      const p = body.outputs[0].data;
      expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 5);
    });

    test('nested data, every numeric datatype, and error responses validate', async () => {
      for (const datatype of ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64']) {
        const data = datatype === 'BOOL' ? [[true, false, true]] : [[1, 2, 3]];
        const req = { inputs: [{ name: 'x', shape: [1, 3], datatype, data }] };
        check('inference_request', req);
        const r = await call(server.url, 'POST', '/v2/models/sum-model/infer', req);
        expect([datatype, r.status]).toEqual([datatype, 200]);
        check('inference_response', r.body);
      }
      const bad = await call(server.url, 'POST', '/v2/models/sum-model/infer', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'UINT8', data: [1, 2, 300] }] });
      expect(bad.status).toBe(400);
      check('inference_error_response', bad.body);
      expect((bad.body as { error: string }).error).toMatch(/UINT8/);
    });
  });

  describe('MLServer example payloads', () => {
    const fx = (f: string) => readJson<Record<string, unknown>>(path.join(dir, 'kserve-v2-fixtures', f));

    test('inference request -> response shaped like MLServer\'s', async () => {
      const r = await call(server.url, 'POST', '/v2/models/sum-model/infer', { ...fx('mlserver-inference-request.json'), id: '123' });
      expect(r.status).toBe(200);
      const theirs = fx('mlserver-inference-response.json') as { outputs: object[] };
      const ours = r.body as { outputs: { data: number[] }[] };
      expect(Object.keys(ours).sort()).toEqual([...Object.keys(theirs), 'model_version'].sort());
      expect(Object.keys(ours.outputs[0]).sort()).toEqual(Object.keys(theirs.outputs[0]).sort());
      expect(ours.outputs[0].data[0]).toBeCloseTo(6, 4); // 1 + 2 + 3
    });

    test('the invalid datatype payload is a 400', async () => {
      const r = await call(server.url, 'POST', '/v2/models/sum-model/infer', fx('mlserver-inference-request-invalid-datatype.json'));
      expect(r.status).toBe(400);
      expect((r.body as { error: string }).error).toMatch(/INT322/);
    });

    test('requested outputs: an unknown name is a 400, ours is honoured', async () => {
      const req = fx('mlserver-inference-request-with-output.json');
      const r = await call(server.url, 'POST', '/v2/models/sum-model/infer', req);
      expect(r.status).toBe(400);
      expect((r.body as { error: string }).error).toMatch(/requested-output-0/);
      const ok = await call(server.url, 'POST', '/v2/models/sum-model/infer', { ...req, outputs: [{ name: 'y' }] });
      expect(ok.status).toBe(200);
    });

    test('metadata documents have MLServer\'s fields', async () => {
      const model = (await call(server.url, 'GET', '/v2/models/sum-model')).body as Record<string, unknown>;
      for (const k of Object.keys(fx('mlserver-metadata-model-response.json'))) expect(model).toHaveProperty(k);
      const srv = (await call(server.url, 'GET', '/v2')).body as Record<string, unknown>;
      for (const k of Object.keys(fx('mlserver-metadata-server-response.json'))) expect(srv).toHaveProperty(k);
    });
  });
});
