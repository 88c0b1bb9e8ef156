// TextClassifier end to end on the SpamAssassin corpus (6,046 e-mails, headers included), on
// fixed splits: the first 80% of a sorted order trains, the last 20% tests. Reference numbers
// are scikit-learn 1.9's CountVectorizer + TfidfTransformer + MultinomialNB, same options.
import { TextClassifier, TextClassifierOptions } from '../../src/text';
import { Email, loadSpamAssassin } from './spam-assassin';

const emails = loadSpamAssassin();
const options: TextClassifierOptions = {
  vectorizer: { minDf: 2, maxDf: 0.5 },
  tfidf: { sublinearTf: true },
  nb: { alpha: 0.1 },
};

function split(sorted: Email[]): { train: Email[]; test: Email[] } {
  const cut = Math.floor(sorted.length * 0.8);
  return { train: sorted.slice(0, cut), test: sorted.slice(cut) };
}

function trainAndEvaluate(name: string, sorted: Email[], opts = options) {
  const { train, test } = split(sorted);
  const t0 = performance.now();
  const model = new TextClassifier(opts).fit(train.map((e) => e.text), train.map((e) => e.label));
  const t1 = performance.now();
  const ev = model.evaluate(test.map((e) => e.text), test.map((e) => e.label));
  const t2 = performance.now();
  const spam = ev.perClass.spam;
  console.log(
    `SpamAssassin, ${name}: train ${train.length}, test ${test.length} (${spam.support} spam); ` +
      `accuracy ${ev.accuracy.toFixed(4)}, spam precision ${spam.precision.toFixed(4)}, recall ${spam.recall.toFixed(4)}, ` +
      `F1 ${spam.f1.toFixed(4)}; fit ${(t1 - t0).toFixed(0)} ms, evaluate ${(t2 - t1).toFixed(0)} ms\n${ev.report.text}`,
  );
  return { model, ev, test };
}

test('corpus: 6,046 messages, 1,896 spam', () => {
  expect(emails).toHaveLength(6046);
  expect(emails.filter((e) => e.label === 'spam')).toHaveLength(1896);
});

const byChecksum = emails.slice().sort((a, b) => (a.checksum < b.checksum ? -1 : a.checksum > b.checksum ? 1 : 0));

test('split by the MD5 in the file names (a fixed, well-mixed order): >= 0.95 accuracy, as sklearn', () => {
  const { model, ev, test } = trainAndEvaluate('sorted by checksum', byChecksum);
  expect(model.classes).toEqual(['ham', 'spam']);
  expect(ev.perClass.spam.support).toBe(377);
  expect(ev.accuracy).toBeGreaterThanOrEqual(0.95);
  // sklearn, same split and options: accuracy 0.9860 (17 errors), spam precision 0.9737, recall 0.9814.
  expect(Math.abs(ev.accuracy * test.length - 0.98595 * test.length)).toBeLessThanOrEqual(3);
  expect(ev.perClass.spam.precision).toBeGreaterThan(0.95);
  expect(ev.perClass.spam.recall).toBeGreaterThan(0.95);
  // The model's JSON predicts identically.
  const back = TextClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  const sample = test.slice(0, 200).map((e) => e.text);
  expect(back.predict(sample)).toEqual(model.predict(sample));
  expect(back.predictProba(sample).data).toEqual(model.predictProba(sample).data);
});

test('split by message id (group as tie-break): >= 0.95 accuracy, spam precision and recall reported', () => {
  // Ids restart in each group and the ham groups are the largest, so this test fold is mostly ham.
  const byId = emails.slice().sort((a, b) => Number(a.id) - Number(b.id) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const { ev } = trainAndEvaluate('sorted by id', byId);
  expect(ev.perClass.spam.support).toBe(37);
  expect(ev.accuracy).toBeGreaterThanOrEqual(0.95); // sklearn: 0.9959
  expect(ev.perClass.spam.precision).toBeGreaterThan(0); // sklearn: 0.9000
  expect(ev.perClass.spam.recall).toBeGreaterThan(0); // sklearn: 0.9730
});

test('raw counts, sklearn defaults (alpha 1, no tf-idf): same accuracy as sklearn on the checksum split', () => {
  const { ev, test } = trainAndEvaluate('sorted by checksum, defaults', byChecksum, {});
  // sklearn CountVectorizer() + MultinomialNB(): accuracy 0.9562, spam precision 0.9793, recall 0.8780.
  expect(Math.abs(ev.accuracy * test.length - 0.956198 * test.length)).toBeLessThanOrEqual(3);
  expect(ev.perClass.spam.recall).toBeCloseTo(0.8780, 2);
});
