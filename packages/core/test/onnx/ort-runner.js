// Runs ONNX models in onnxruntime-node in a plain Node process (jest's sandbox has its own
// Float32Array, which fails onnxruntime-common's `instanceof` check on output tensors).
// stdin: JSON { model: base64, input, output, runs: [{ x: number[], dims: number[] }] }
// stdout: JSON [{ data: number[], dims: number[] }] per run.
const ort = require('onnxruntime-node');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const session = await ort.InferenceSession.create(Buffer.from(req.model, 'base64'));
  const results = [];
  for (const run of req.runs) {
    const out = await session.run({ [req.input]: new ort.Tensor('float32', Float32Array.from(run.x), run.dims) });
    const t = out[req.output];
    results.push({ data: Array.from(t.data), dims: Array.from(t.dims) });
  }
  await session.release();
  process.stdout.write(JSON.stringify(results));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
