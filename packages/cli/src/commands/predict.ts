// `amaas predict`: predictions from a local model (file or registry) or a running server (--url),
// for rows in a CSV/JSON file, inline JSON (--instances) or texts (--text). Remote calls speak TF
// Serving (`:predict`, default) or KServe V2 (`/infer`), the two protocols of @amaas/server.
import { LinearRegression, LogisticRegression, TextClassifier, type SavableModel } from '@amaas/core';
import type { Args, CommandSpec } from '../args';
import type { Context } from '../context';
import { loadInputs, type Inputs } from '../data';
import { CliError } from '../errors';
import { describeModel, isMlpLike, loadModelRef, parseModelRef } from '../models';
import { renderTable } from '../ui/table';

export interface Prediction {
  /** Class index (classification) or value (regression). */
  prediction: number | string;
  /** Probability of the predicted class, when the model gives probabilities. */
  probability?: number;
  probabilities?: number[];
}

export async function predictLocal(model: SavableModel, inputs: Inputs): Promise<Prediction[]> {
  if (model instanceof TextClassifier) {
    if (inputs.kind !== 'text') throw new CliError('this text model needs texts', "give --text 'some text', a .txt file (one text per line) or a JSON array of strings");
    const labels = model.predict(inputs.texts);
    const proba = model.predictProba(inputs.texts);
    const k = model.classes.length;
    return labels.map((l, i) => {
      const p = Array.from({ length: k }, (_, j) => proba.get(i, j));
      return { prediction: l, probability: Math.max(...p), probabilities: p };
    });
  }
  if (inputs.kind !== 'tabular') throw new CliError(`this ${describeModel(model)} needs numeric rows, not texts`, 'give --input rows.csv, a JSON array of rows, or --instances');
  const x = inputs.x;
  const want = isMlpLike(model) ? model.inputs : undefined;
  if (want !== undefined && x.shape[1] !== want)
    throw new CliError(`the model expects ${want} features per row but the input has ${x.shape[1]}`, 'drop the label column (name it with --target) or check the column order');
  if (model instanceof LinearRegression) return Array.from(model.predict(x), (v) => ({ prediction: v }));
  if (isMlpLike(model) && model.output === 'identity') return Array.from(await model.predict(x), (v) => ({ prediction: v }));
  const proba = isMlpLike(model) ? await model.predictProba(x) : (model as LogisticRegression).predictProba(x);
  const [n, k] = proba.shape;
  return Array.from({ length: n }, (_, i) => {
    const p = Array.from({ length: k }, (_, j) => proba.get(i, j));
    let best = 0;
    for (let j = 1; j < k; ++j) if (p[j] > p[best]) best = j;
    return { prediction: best, probability: p[best], probabilities: p };
  });
}

/** POSTs the rows to a server and returns its JSON answer. */
export async function predictRemote(
  url: string, name: string, inputs: Inputs, o: { protocol: 'v1' | 'v2'; version?: string; key?: string },
): Promise<{ endpoint: string; status: number; body: unknown }> {
  const base = url.replace(/\/+$/, '');
  let endpoint: string, body: unknown;
  const rows = inputs.kind === 'tabular' ? Array.from({ length: inputs.x.shape[0] }, (_, i) => Array.from(inputs.x.values().subarray(i * inputs.x.shape[1], (i + 1) * inputs.x.shape[1]))) : inputs.texts;
  const sel = o.version ? (/^\d+$/.test(o.version) ? `/versions/${o.version}` : `/labels/${o.version}`) : '';
  if (o.protocol === 'v1') {
    endpoint = `${base}/v1/models/${encodeURIComponent(name)}${sel}:predict`;
    body = { instances: rows };
  } else {
    endpoint = `${base}/v2/models/${encodeURIComponent(name)}${o.version && /^\d+$/.test(o.version) ? `/versions/${o.version}` : ''}/infer`;
    body = inputs.kind === 'tabular'
      ? { inputs: [{ name: 'input', shape: inputs.x.shape, datatype: 'FP32', data: Array.from(inputs.x.values()) }] }
      : { inputs: [{ name: 'input', shape: [inputs.texts.length], datatype: 'BYTES', data: inputs.texts }] };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, "is the server running? start one with 'amaas serve' (or check --url)");
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  if (!res.ok) {
    const msg = parsed && typeof parsed === 'object' && 'error' in parsed ? String((parsed as { error: unknown }).error) : text.slice(0, 200);
    const hint = res.status === 401 || res.status === 403 ? 'give an API key with --key or AMAAS_API_KEY (see amaas keys create)' : res.status === 404 ? "check the model name ('amaas models list')" : undefined;
    throw new CliError(`server answered ${res.status} for ${endpoint}: ${msg}`, hint);
  }
  return { endpoint, status: res.status, body: parsed };
}

export const predictCommand: CommandSpec = {
  name: 'predict',
  summary: 'Predict with a local model (file or registry) or a running server (--url).',
  usage: 'amaas predict --model MODEL (--input FILE | --instances JSON | --text TEXT) [--url URL [--protocol v1|v2] [--key KEY]]',
  description: [
    'Locally, MODEL is a model file or a registry NAME[:VERSION|:ALIAS]. With --url, MODEL is the',
    'served model name (NAME or NAME:VERSION|:ALIAS) and the rows are sent with TF Serving\'s',
    '`:predict` (--protocol v1, default) or KServe V2 `/infer` (--protocol v2); the key comes from',
    '--key or $AMAAS_API_KEY. Input files: .csv/.tsv (all columns are features, except --target),',
    '.json (an array of rows, {"instances": [...]}, or records), .txt (one text per line).',
  ].join('\n'),
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', description: 'model file, registry NAME[:VERSION|:ALIAS], or the served name with --url' },
    input: { type: 'string', short: 'i', value: 'FILE', description: 'rows to predict: .csv, .tsv, .json or .txt' },
    instances: { type: 'string', value: 'JSON', description: "inline rows, e.g. '[[5.1, 3.5, 1.4, 0.2]]'" },
    text: { type: 'string', short: 't', value: 'TEXT', multiple: true, description: 'a text for a text model (repeatable)' },
    target: { type: 'string', value: 'COLUMN', description: 'a label column in --input to leave out' },
    url: { type: 'string', value: 'URL', description: 'a running server, e.g. http://127.0.0.1:8501' },
    protocol: { type: 'string', value: 'v1|v2', description: 'with --url: TF Serving REST (v1, default) or KServe V2 (v2)' },
    key: { type: 'string', value: 'KEY', description: 'with --url: API key (default $AMAAS_API_KEY)' },
  },
  examples: [
    "amaas predict --model iris.safetensors --instances '[[5.1, 3.5, 1.4, 0.2]]'",
    'amaas predict --model iris:production --input flowers.csv --json',
    "amaas predict --model spam --text 'WIN A FREE PRIZE NOW'",
    "amaas predict --url http://127.0.0.1:8501 --model iris --instances '[[5.1, 3.5, 1.4, 0.2]]' --protocol v2",
  ],
  run: runPredict,
};

async function runPredict(args: Args, ctx: Context): Promise<number> {
  const ref = args.need('model', 'a model file or a registry NAME[:VERSION|:ALIAS]');
  const inputs = loadInputs({ input: args.str('input'), instances: args.str('instances'), target: args.str('target'), text: args.raw('text') as string[] | undefined }, 'predict');
  const url = args.str('url');
  if (!url && (args.given('protocol') || args.given('key'))) throw args.usage('--protocol and --key apply to remote predictions: add --url URL');
  if (url) {
    if (!/^https?:\/\//.test(url)) throw args.usage(`Expected an http(s) URL for --url but received '${url}'`);
    const protocol = args.oneOf('protocol', ['v1', 'v2'] as const) ?? 'v1';
    const { name, selector } = parseModelRef(ref);
    const r = await predictRemote(url, name, inputs, { protocol, version: selector, key: args.str('key') ?? ctx.env.AMAAS_API_KEY });
    ctx.emit({ endpoint: r.endpoint, response: r.body });
    ctx.print(`${ctx.c.dim(`POST ${r.endpoint} -> ${r.status}`)}\n${JSON.stringify(r.body, null, 2)}`);
    return 0;
  }
  const { model, ref: where } = await loadModelRef(ref, ctx, 'predict');
  const preds = await predictLocal(model, inputs);
  ctx.emit({ model: where, predictions: preds });
  const hasProba = preds.some((p) => p.probability !== undefined);
  ctx.print(renderTable(hasProba ? ['row', 'prediction', 'probability'] : ['row', 'prediction'], preds.map((p, i) => (hasProba ? [i, p.prediction, p.probability] : [i, p.prediction]))));
  if (isMlpLike(model) && model.output !== 'identity') ctx.note('predictions are class indices (the model file stores no class names)');
  return 0;
}
