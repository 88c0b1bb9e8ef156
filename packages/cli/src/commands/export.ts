// `amaas export --onnx`: a model (file or registry) as ONNX, runnable in onnxruntime.
import * as path from 'node:path';
import { exportOnnx, LinearRegression, LogisticRegression, Mlp, QuantizedMlp } from '@amaas/core';
import * as fs from 'node:fs';
import type { CommandSpec } from '../args';
import { CliError } from '../errors';
import { describeModel, loadModelRef } from '../models';

export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'Export a model to ONNX (mlp, logistic and linear models).',
  usage: 'amaas export --model MODEL --onnx FILE [--opset N]',
  description: 'The graph input is FLOAT [batch, features] named "input"; the output, named "output", holds\nthe probabilities (classifiers) or values (regression), as predict computes them.',
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', description: 'model file or registry NAME[:VERSION|:ALIAS]' },
    onnx: { type: 'string', value: 'FILE', description: 'write ONNX here' },
    opset: { type: 'string', value: 'N', description: 'ai.onnx opset, 13..18 (default 17)' },
  },
  examples: ['amaas export --model iris.safetensors --onnx iris.onnx', 'amaas export --model digits:production --onnx digits.onnx --opset 13'],
  async run(args, ctx) {
    const ref = args.need('model', 'a model file or a registry NAME[:VERSION|:ALIAS]');
    const out = args.need('onnx', 'the ONNX file to write, e.g. --onnx model.onnx');
    const opset = args.int('opset', { min: 13, max: 18 });
    const { model } = await loadModelRef(ref, ctx, 'export');
    if (!(model instanceof Mlp || model instanceof QuantizedMlp || model instanceof LogisticRegression || model instanceof LinearRegression))
      throw new CliError(`${describeModel(model)} cannot be exported to ONNX`, 'ONNX export covers mlp (fp32 or quantized), logistic and linear models');
    const bytes = exportOnnx(model, { opset });
    fs.writeFileSync(out, bytes);
    const file = path.resolve(out);
    ctx.emit({ onnx: file, bytes: bytes.length, opset: opset ?? 17, model: describeModel(model) });
    ctx.print(`${ctx.c.green('wrote')} ${file} (${bytes.length} bytes, opset ${opset ?? 17}): ${describeModel(model)}`);
    return 0;
  },
};
