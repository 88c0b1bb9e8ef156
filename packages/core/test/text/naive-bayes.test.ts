// MultinomialNB against scikit-learn 1.9 on the docs corpus counts: feature log-probabilities,
// priors (learned, uniform, fixed), probabilities on new texts; JSON round trip; bad input.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../../src/errors';
import { CountVectorizer, CsrMatrix, MultinomialNB } from '../../src/text';

const corpus = [
  'This is the first document.',
  'This document is the second document.',
  'And this is the third one.',
  'Is this the first document?',
];
const cv = new CountVectorizer();
const x = cv.fitTransform(corpus);
const xNew = cv.transform(['the third document is this one', 'second second second']);
const rows = (t: { toArray(): unknown }): number[][] => t.toArray() as number[][];

function expectRowsClose(got: number[][], want: number[][], digits = 6): void {
  expect(got.length).toBe(want.length);
  got.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], digits)));
}

describe('MultinomialNB', () => {
  test('alpha 1, learned prior: log θ and probabilities as sklearn', () => {
    const nb = new MultinomialNB().fit(x, new Float32Array([0, 1, 1, 0]));
    expectRowsClose(rows(nb.featureLogProb), [
      [-2.9444389792, -1.8458266905, -1.8458266905, -1.8458266905, -2.9444389792, -2.9444389792, -1.8458266905, -2.9444389792, -1.8458266905],
      [-2.3513752572, -1.9459101491, -3.0445224377, -1.9459101491, -2.3513752572, -2.3513752572, -1.9459101491, -2.3513752572, -1.9459101491],
    ]);
    expect(Array.from(nb.classLogPrior)).toEqual([Math.log(0.5), Math.log(0.5)]);
    expectRowsClose(rows(nb.predictProba(x)), [[0.8318827121, 0.1681172879], [0.4768549455, 0.5231450545], [0.18558746, 0.81441254], [0.8318827121, 0.1681172879]]);
    expectRowsClose(rows(nb.predictProba(xNew)), [[0.3130725758, 0.6869274242], [0.1444030374, 0.8555969626]]);
    expectRowsClose(rows(nb.predictLogProba(xNew)), [[-1.1613202438, -0.375526634], [-1.9351470179, -0.1559558518]], 5);
    expect(Array.from(nb.predict(x))).toEqual([0, 1, 1, 0]);
    expect(Array.from(nb.classCount)).toEqual([2, 2]);
  });

  test('alpha 0.5 with uniform priors over 3 classes; fixed classPrior', () => {
    const nb2 = new MultinomialNB({ alpha: 0.5, fitPrior: false }).fit(x, new Float32Array([0, 1, 2, 0]));
    expectRowsClose(rows(nb2.predictProba(xNew)), [[0.1925099489, 0.288389304, 0.5191007471], [0.0133799897, 0.9513835814, 0.0352364289]]);
    const nb3 = new MultinomialNB({ classPrior: [0.2, 0.8] }).fit(x, new Float32Array([0, 1, 1, 0]));
    expectRowsClose(rows(nb3.predictProba(xNew)), [[0.1022851506, 0.8977148494], [0.0404854229, 0.9595145771]]);
  });

  test('a class with no rows gets prior 0 and probability 0', () => {
    const nb = new MultinomialNB().fit(x, new Float32Array([0, 1, 1, 0]), 3);
    const p = rows(nb.predictProba(xNew));
    for (const r of p) {
      expect(r[2]).toBe(0);
      expect(r[0] + r[1]).toBeCloseTo(1, 6);
    }
  });

  test('JSON round trip predicts identically, bit for bit', () => {
    const nb = new MultinomialNB({ alpha: 0.3 }).fit(x, new Float32Array([0, 1, 2, 0]));
    const back = MultinomialNB.fromJSON(JSON.parse(JSON.stringify(nb.toJSON())));
    expect(back.predictLogProba(xNew).data).toEqual(nb.predictLogProba(xNew).data);
    expect(back.predict(x)).toEqual(nb.predict(x));
    expect(back.alpha).toBe(0.3);
    expect(() => MultinomialNB.fromJSON({ ...nb.toJSON(), nFeatures: 4 })).toThrow(DataError);
  });

  test('bad input', () => {
    expect(() => new MultinomialNB().predict(x)).toThrow(NotFittedError);
    expect(() => new MultinomialNB().fit(x, new Float32Array([0, 1, 1]))).toThrow(ShapeError);
    expect(() => new MultinomialNB().fit(x, new Float32Array([0, 1, 0.5, 0]))).toThrow(/y\[2\] to be a class index/);
    expect(() => new MultinomialNB().fit(x, new Float32Array([0, 1, 2, 0]), 2)).toThrow(DataError);
    expect(() => new MultinomialNB().fit(x, [0, 1, 1, 0] as never)).toThrow(ArgumentError);
    expect(() => new MultinomialNB({ alpha: -1 })).toThrow(ArgumentError);
    expect(() => new MultinomialNB({ classPrior: [0.5] }).fit(x, new Float32Array([0, 1, 1, 0]))).toThrow(/classPrior with 2 values/);
    const negative = new CsrMatrix(new Float32Array([-1]), new Int32Array([0]), new Int32Array([0, 1]), 1, 9);
    expect(() => new MultinomialNB().fit(negative, new Float32Array([0]))).toThrow(/non-negative/);
    const nb = new MultinomialNB().fit(x, new Float32Array([0, 1, 1, 0]));
    expect(() => nb.predict(new CsrMatrix(new Float32Array(0), new Int32Array(0), new Int32Array([0, 0]), 1, 4))).toThrow(/9 features/);
  });
});
