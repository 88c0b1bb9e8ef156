// The zod schemas of every request body (and the documented responses). They validate requests
// and are the single source of /openapi.json (openapi.ts). Tensor `data` is checked by shape only
// here (an array); its elements are checked once, against the datatype table, while they are
// converted (protocols/v2.ts), so a 784-value tensor is not walked twice.
import { z } from 'zod';
import { SCOPES } from '../keys';

/** Any JSON array; documented as the recursive tensor_data of the Open Inference Protocol. */
export const tensorData = z.custom<unknown[]>((v) => Array.isArray(v), { message: 'Expected data as an array' });

const parameters = z.record(z.string(), z.unknown());

export const v2RequestInput = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string(),
  parameters: parameters.optional(),
  data: tensorData.optional(),
});

export const v2RequestOutput = z.object({ name: z.string(), parameters: parameters.optional() });

export const v2InferenceRequest = z.object({
  id: z.string().optional(),
  parameters: parameters.optional(),
  inputs: z.array(v2RequestInput).min(1),
  outputs: z.array(v2RequestOutput).optional(),
});
export type V2InferenceRequest = z.infer<typeof v2InferenceRequest>;

export const v2ResponseOutput = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: z.string(),
  parameters: parameters.optional(),
  data: tensorData.optional(),
});
export const v2InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string().optional(),
  parameters: parameters.optional(),
  outputs: z.array(v2ResponseOutput),
});
export const metadataTensor = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });
export const v2ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(metadataTensor).optional(),
  outputs: z.array(metadataTensor).optional(),
  properties: z.record(z.string(), z.string()).optional(),
});
export const v2ServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export const errorResponse = z.object({ error: z.string() });

export const v2RepositoryLoad = z.object({ parameters: z.object({ version: z.union([z.number().int().positive(), z.string().regex(/^[0-9]+$/)]).optional() }).optional() });

// ---- TF Serving REST ----

export const tfPredictRequest = z
  .object({
    signature_name: z.string().optional(),
    instances: tensorData.optional(),
    inputs: z.unknown().optional(),
  })
  .refine((b) => (b.instances === undefined) !== (b.inputs === undefined), { message: "Expected exactly one of 'instances' (row format) or 'inputs' (columnar format)" });

export const tfExamplesRequest = z.object({
  signature_name: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  examples: z.array(z.record(z.string(), z.unknown())).min(1),
});

export const tfExplainRequest = z.object({
  signature_name: z.string().optional(),
  instances: tensorData,
  /** the reference input (default: all zeros) */
  baseline: z.array(z.number()).optional(),
  /** integrated-gradients path steps (MLPs) */
  steps: z.number().int().min(1).max(1024).optional(),
  /** output index to explain (default: the predicted class) */
  target: z.number().int().nonnegative().optional(),
});

// ---- management ----

export const aliasRequest = z.union([
  z.object({ version: z.number().int().positive() }),
  z.object({ targets: z.array(z.object({ version: z.number().int().positive(), weight: z.number().positive() })).min(1) }),
]);

export const keyCreateRequest = z.object({
  name: z.string().min(1).max(128),
  scopes: z.array(z.enum(SCOPES)).min(1),
  models: z.array(z.string()).min(1).optional(),
});
