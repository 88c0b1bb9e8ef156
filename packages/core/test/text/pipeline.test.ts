// TextClassifier on a slice of SpamAssassin: string and index labels, class order, probabilities,
// evaluate() against eval/ metrics, JSON round trips, and the bad-input catalogue.
import { DataError, NotFittedError, ShapeError, ArgumentError } from '../../src/errors';
import { accuracy, precisionRecallF1 } from '../../src/eval';
import { TextClassifier } from '../../src/text';
import { loadSpamAssassin } from './spam-assassin';

// Every 10th message: 605 e-mails, both classes; even positions train, odd ones test.
const sample = loadSpamAssassin().filter((_, i) => i % 10 === 0);
const trainSet = sample.filter((_, i) => i % 2 === 0), testSet = sample.filter((_, i) => i % 2 === 1);
const texts = (es: typeof sample): string[] => es.map((e) => e.text);
const labels = (es: typeof sample): string[] => es.map((e) => e.label);

describe('TextClassifier', () => {
  const model = new TextClassifier({ vectorizer: { stopWords: 'english', ngramRange: [1, 2], minDf: 2 }, nb: { alpha: 0.5 } });
  model.fit(texts(trainSet), labels(trainSet));

  test('string labels: classes sorted, predict gives names, probabilities sum to 1', () => {
    expect(model.classes).toEqual(['ham', 'spam']);
    const pred = model.predict(texts(testSet));
    expect(new Set(pred)).toEqual(new Set(['ham', 'spam']));
    const p = model.predictProba(texts(testSet));
    expect(p.shape).toEqual([testSet.length, 2]);
    for (let i = 0; i < testSet.length; ++i) {
      expect(p.get(i, 0) + p.get(i, 1)).toBeCloseTo(1, 5);
      expect(pred[i]).toBe(p.get(i, 1) > p.get(i, 0) ? 'spam' : 'ham');
    }
  });

  test('evaluate agrees with eval/ metrics on the same predictions', () => {
    const ev = model.evaluate(texts(testSet), labels(testSet));
    const yTrue = labels(testSet).map((l) => (l === 'spam' ? 1 : 0));
    const yPred = model.predict(texts(testSet)).map((l) => (l === 'spam' ? 1 : 0));
    expect(ev.accuracy).toBe(accuracy(yTrue, yPred));
    const spam = precisionRecallF1(yTrue, yPred, { average: 'binary', positiveLabel: 1 });
    expect(ev.perClass.spam).toEqual({ precision: spam.precision, recall: spam.recall, f1: spam.f1, support: spam.support });
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(ev.report.text).toContain('        spam');
  });

  test('Float32Array labels with class names, and a fixed class order', () => {
    const y = Float32Array.from(labels(trainSet), (l) => (l === 'spam' ? 0 : 1));
    const m = new TextClassifier().fit(texts(trainSet), y, ['spam', 'ham']);
    expect(m.classes).toEqual(['spam', 'ham']);
    const reordered = new TextClassifier().fit(texts(trainSet), labels(trainSet), ['spam', 'ham']);
    expect(reordered.predict(texts(testSet))).toEqual(m.predict(texts(testSet)));
    expect(new TextClassifier().fit(texts(trainSet), y).classes).toEqual(['0', '1']);
  });

  test('toJSON / fromJSON round trip predicts identically (counts, and with tf-idf)', () => {
    for (const m of [model, new TextClassifier({ tfidf: { norm: 'l2' } }).fit(texts(trainSet), labels(trainSet))]) {
      const back = TextClassifier.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      expect(back.classes).toEqual(m.classes);
      expect(back.predict(texts(testSet))).toEqual(m.predict(texts(testSet)));
      expect(back.predictProba(texts(testSet)).data).toEqual(m.predictProba(texts(testSet)).data);
    }
    expect(() => TextClassifier.fromJSON({ ...model.toJSON(), classes: ['only'] })).toThrow(DataError);
  });
});

describe('TextClassifier bad input', () => {
  test('predict, predictProba, evaluate or toJSON before fit -> NotFittedError', () => {
    const m = new TextClassifier();
    expect(() => m.predict(['hello there'])).toThrow(NotFittedError);
    expect(() => m.predictProba(['hello there'])).toThrow(NotFittedError);
    expect(() => m.evaluate(['hello there'], ['ham'])).toThrow(NotFittedError);
    expect(() => m.toJSON()).toThrow(NotFittedError);
  });

  test('labels/texts count mismatch -> ShapeError naming both counts', () => {
    expect(() => new TextClassifier().fit(['a text', 'another text'], ['ham'])).toThrow(ShapeError);
    expect(() => new TextClassifier().fit(['a text', 'another text'], new Float32Array(3))).toThrow(/one label per text \(2\) but received 3/);
    const m = new TextClassifier().fit(['good text', 'bad text'], ['ham', 'spam']);
    expect(() => m.evaluate(['good text'], ['ham', 'spam'])).toThrow(ShapeError);
  });

  test('empty corpus, empty vocabulary, non-strings -> DataError', () => {
    expect(() => new TextClassifier().fit([], [])).toThrow(DataError);
    expect(() => new TextClassifier().fit(['a', '!'], ['x', 'y'])).toThrow(/empty vocabulary/);
    expect(() => new TextClassifier().fit(['ok text', 7 as never], ['x', 'y'])).toThrow(/string at texts\[1\]/);
    expect(() => new TextClassifier().fit(['ok text', 'more text'], ['x', 3 as never])).toThrow(/string at labels\[1\]/);
    const m = new TextClassifier().fit(['good text', 'bad text'], ['ham', 'spam']);
    expect(() => m.predict([])).toThrow(DataError);
    expect(() => m.evaluate(['good text'], ['eggs'])).toThrow(/not one of the classes \[ham, spam\]/);
  });

  test('bad labels and options', () => {
    expect(() => new TextClassifier().fit(['a text', 'b text'], new Float32Array([0, -1]))).toThrow(DataError);
    expect(() => new TextClassifier().fit(['a text', 'b text'], new Float32Array([0, 2]), ['x', 'y'])).toThrow(/below 2/);
    expect(() => new TextClassifier().fit(['a text', 'b text'], ['x', 'z'], ['x', 'y'])).toThrow(DataError);
    expect(() => new TextClassifier().fit(['a text', 'b text'], ['x', 'y'], ['x', 'x'])).toThrow(ArgumentError);
    expect(() => new TextClassifier({ nb: { alpha: -1 } })).toThrow(ArgumentError);
    expect(() => new TextClassifier({ vectorizer: { ngramRange: [0, 1] } })).toThrow(ArgumentError);
  });
});
