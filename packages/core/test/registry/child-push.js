// Child process for the registry durability/concurrency tests: pushes model files through the
// compiled registry. argv: registryIndexJs dir model count|forever file...
// Prints "ready" once the registry is open, "done" at the end.
const [, , indexJs, dir, model, count, ...files] = process.argv;
const { Registry } = require(indexJs);
const fs = require('node:fs');
(async () => {
  const reg = new Registry({ dir });
  const bytes = files.map((f) => fs.readFileSync(f));
  process.stdout.write('ready\n');
  const n = count === 'forever' ? Infinity : Number(count);
  for (let i = 0; i < n; ++i) await reg.pushVersion(model, bytes[i % bytes.length], { actor: `child-${process.pid}` });
  await reg.close();
  process.stdout.write('done\n');
})().catch((err) => {
  process.stderr.write(`${err.code ?? ''} ${err.stack}\n`);
  process.exit(1);
});
