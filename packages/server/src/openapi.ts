// /openapi.json, generated from the same zod schemas that validate requests (schemas.ts), so the
// document cannot drift from what the server accepts. Not here: the schemas themselves.
import { z } from 'zod';
import * as s from './protocols/schemas';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12, the dialect of OpenAPI 3.1 (3.0's boolean exclusiveMinimum and friends
 *  are not JSON Schema, so standard validators reject them). */
function schema(zs: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(zs, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      // tensorData is a z.custom (checked element-wise later): document it as the spec's tensor_data.
      if (ctx.zodSchema === s.tensorData) {
        ctx.jsonSchema.type = 'array';
        ctx.jsonSchema.items = { anyOf: [{ type: 'array' }, { type: 'number' }, { type: 'string' }, { type: 'boolean' }] };
      }
    },
  }) as Json;
  return rest;
}

const json = (zs: z.ZodType) => ({ 'application/json': { schema: schema(zs) } });
const errors = { '400': { description: 'Bad request', content: json(s.errorResponse) }, '401': { description: 'Missing or invalid API key' }, '403': { description: 'Key lacks the scope or model' }, '404': { description: 'Unknown model, version or label', content: json(s.errorResponse) }, '413': { description: 'Body over the limit' }, '429': { description: 'Rate limited (Retry-After)' }, '503': { description: 'Queue full or no ready version (Retry-After)' } };
const ok = (zs?: z.ZodType) => ({ '200': { description: 'OK', ...(zs ? { content: json(zs) } : {}) }, ...errors });
const m = { name: 'MODEL_NAME', in: 'path', required: true, schema: { type: 'string' } };
const v = { name: 'MODEL_VERSION', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(version: string, manage: boolean): Json {
  const paths: Json = {
    '/v2': { get: { summary: 'Server metadata', responses: ok(s.v2ServerMetadata) } },
    '/v2/health/live': { get: { summary: 'Server live', responses: ok() } },
    '/v2/health/ready': { get: { summary: 'Server ready', responses: ok() } },
    '/v2/models/{MODEL_NAME}': { get: { summary: 'Model metadata', parameters: [m], responses: ok(s.v2ModelMetadata) } },
    '/v2/models/{MODEL_NAME}/versions/{MODEL_VERSION}': { get: { summary: 'Model version metadata', parameters: [m, v], responses: ok(s.v2ModelMetadata) } },
    '/v2/models/{MODEL_NAME}/ready': { get: { summary: 'Model ready', parameters: [m], responses: ok() } },
    '/v2/models/{MODEL_NAME}/infer': {
      post: { summary: 'Inference (JSON, or binary tensors with Inference-Header-Content-Length)', parameters: [m], requestBody: { content: json(s.v2InferenceRequest) }, responses: ok(s.v2InferenceResponse) },
    },
    '/v2/models/{MODEL_NAME}/versions/{MODEL_VERSION}/infer': {
      post: { summary: 'Inference on a version', parameters: [m, v], requestBody: { content: json(s.v2InferenceRequest) }, responses: ok(s.v2InferenceResponse) },
    },
    '/v2/models/{MODEL_NAME}/stats': { get: { summary: 'Inference statistics', parameters: [m], responses: ok() } },
    '/v2/repository/index': { post: { summary: 'Models in the registry and their state', responses: ok() } },
    '/v2/repository/models/{MODEL_NAME}/load': { post: { summary: 'Load a model (management API)', parameters: [m], requestBody: { content: json(s.v2RepositoryLoad) }, responses: ok() } },
    '/v2/repository/models/{MODEL_NAME}/unload': { post: { summary: 'Unload a model (management API)', parameters: [m], responses: ok() } },
    '/v1/models/{MODEL_NAME}': { get: { summary: 'TF Serving model status', parameters: [m], responses: ok() } },
    '/v1/models/{MODEL_NAME}/metadata': { get: { summary: 'TF Serving model metadata', parameters: [m], responses: ok() } },
    '/v1/models/{MODEL_NAME}:predict': { post: { summary: 'TF Serving predict (instances or inputs)', parameters: [m], requestBody: { content: json(s.tfPredictRequest) }, responses: ok() } },
    '/v1/models/{MODEL_NAME}:classify': { post: { summary: 'TF Serving classify', parameters: [m], requestBody: { content: json(s.tfExamplesRequest) }, responses: ok() } },
    '/v1/models/{MODEL_NAME}:regress': { post: { summary: 'TF Serving regress', parameters: [m], requestBody: { content: json(s.tfExamplesRequest) }, responses: ok() } },
    '/v1/models/{MODEL_NAME}:explain': { post: { summary: 'Feature attributions (exact for linear models, integrated gradients for MLPs)', parameters: [m], requestBody: { content: json(s.tfExplainRequest) }, responses: ok() } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: ok() } },
  };
  if (manage) {
    const a = { name: 'ALIAS', in: 'path', required: true, schema: { type: 'string' } };
    Object.assign(paths, {
      '/manage/models': { get: { summary: 'Models with versions and aliases', responses: ok() } },
      '/manage/models/{MODEL_NAME}/versions': { post: { summary: 'Upload a model file as a new version', parameters: [m], requestBody: { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, responses: ok() } },
      '/manage/models/{MODEL_NAME}/aliases/{ALIAS}': {
        put: { summary: 'Set or move an alias (optionally weighted)', parameters: [m, a], requestBody: { content: json(s.aliasRequest) }, responses: ok() },
        delete: { summary: 'Delete an alias', parameters: [m, a], responses: ok() },
      },
      '/manage/models/{MODEL_NAME}/aliases/{ALIAS}/rollback': { post: { summary: 'Move an alias back', parameters: [m, a], responses: ok() } },
      '/manage/keys': { post: { summary: 'Create an API key (admin)', requestBody: { content: json(s.keyCreateRequest) }, responses: ok() }, get: { summary: 'List API keys (admin)', responses: ok() } },
      '/manage/audit': { get: { summary: 'Audit log', responses: ok() } },
    });
  }
  return {
    openapi: '3.1.0',
    info: { title: 'AMaaS serving API', version, description: 'TF Serving REST and KServe V2 (Open Inference Protocol) inference, plus management.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
