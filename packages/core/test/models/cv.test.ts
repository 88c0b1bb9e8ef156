// Iris with 5-fold stratified cross-validation of LogisticRegression (the bar: mean
// accuracy >= 0.93), through the data loaders and eval's crossValidate.
import { LogisticRegression, loadDataset } from '../../src';
import { crossValidate } from '../../src/eval';

test('iris: 5-fold stratified cross-validation of LogisticRegression reaches >= 0.93', async () => {
  const ds = loadDataset('iris');
  expect(ds.x.shape).toEqual([150, 4]);
  const r = await crossValidate(() => new LogisticRegression({ C: 1 }), ds.x, ds.y, {
    folds: 5, stratified: true, shuffle: true, seed: 0, scoring: ['accuracy', 'f1_macro'],
  });
  console.log(`iris CV accuracy ${r.scores.accuracy!.mean.toFixed(4)} ± ${r.scores.accuracy!.std.toFixed(4)}`);
  expect(r.folds).toHaveLength(5);
  expect(r.scores.accuracy!.mean).toBeGreaterThanOrEqual(0.93);
  expect(r.scores.f1_macro!.mean).toBeGreaterThan(0.9);
});
