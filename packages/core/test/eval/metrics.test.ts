// Metrics against scikit-learn 1.9 outputs for small fixed examples (most from sklearn's own
// docs), values worked by hand, and the bad-input catalogue (lengths, NaN, empty, options).
import { Tensor } from '../../src/tensor';
import { ArgumentError, DataError, ShapeError } from '../../src/errors';
import {
  accuracy, classificationReport, confusionMatrix, logLoss, meanAbsoluteError, meanSquaredError, precisionRecallF1, r2Score, rocAuc,
} from '../../src/eval';

const yt3 = [0, 1, 2, 0, 1, 2], yp3 = [0, 2, 1, 0, 0, 1];

describe('accuracy and confusionMatrix', () => {
  test('accuracy over number[] and Float32Array alike', () => {
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5);
    expect(accuracy(new Float32Array([1, 1, 0]), Float64Array.from([1, 0, 0]))).toBeCloseTo(2 / 3, 15);
  });

  test('confusion matrix as sklearn (rows true, columns predicted, labels sorted)', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])).toEqual({
      labels: [0, 1, 2],
      matrix: [[2, 0, 0], [0, 0, 1], [1, 0, 2]],
    });
  });

  test('labels pick and order rows; unlisted samples are skipped', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], { labels: [2, 0] })).toEqual({
      labels: [2, 0],
      matrix: [[2, 1], [0, 2]],
    });
    expect(() => confusionMatrix([0, 1], [0, 1], { labels: [5] })).toThrow(DataError);
  });
});

describe('precisionRecallF1', () => {
  test("sklearn docs example: macro (0.2222, 0.3333, 0.2667)", () => {
    const s = precisionRecallF1(yt3, yp3, { average: 'macro' });
    expect(s.precision).toBeCloseTo(0.2222222222222222, 14);
    expect(s.recall).toBeCloseTo(0.3333333333333333, 14);
    expect(s.f1).toBeCloseTo(0.26666666666666666, 14);
    expect(s.support).toBe(6);
  });

  test('micro equals accuracy; weighted as sklearn', () => {
    const micro = precisionRecallF1(yt3, yp3, { average: 'micro' });
    expect([micro.precision, micro.recall, micro.f1]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(micro.f1).toBeCloseTo(accuracy(yt3, yp3), 15);
    const w = precisionRecallF1(yt3, yp3, { average: 'weighted' });
    expect(w.precision).toBeCloseTo(0.2222222222222222, 14);
    expect(w.f1).toBeCloseTo(0.26666666666666666, 14);
  });

  test('per-class with support counts, zero_division -> 0', () => {
    const s = precisionRecallF1(yt3, yp3, { average: 'per-class' });
    expect(s.labels).toEqual([0, 1, 2]);
    expect(s.precision[0]).toBeCloseTo(2 / 3, 15);
    expect(s.precision.slice(1)).toEqual([0, 0]);
    expect(s.recall).toEqual([1, 0, 0]);
    expect(s.f1[0]).toBeCloseTo(0.8, 15);
    expect(s.support).toEqual([2, 2, 2]);
    // A predicted-never class: precision's denominator is 0 -> 0, not NaN.
    const z = precisionRecallF1([0, 1, 1], [0, 0, 0], { average: 'per-class' });
    expect(z.precision).toEqual([1 / 3, 0]);
    expect(z.f1[1]).toBe(0);
  });

  test('binary with positiveLabel, as sklearn', () => {
    const yt = [0, 1, 1, 0, 1, 1, 0, 0, 1, 1], yp = [0, 1, 0, 0, 1, 1, 1, 0, 1, 0];
    const pos = precisionRecallF1(yt, yp); // default average 'binary', positiveLabel 1
    expect(pos.precision).toBeCloseTo(0.8, 15);
    expect(pos.recall).toBeCloseTo(0.6666666667, 9);
    expect(pos.f1).toBeCloseTo(0.7272727273, 9);
    expect(pos.support).toBe(6);
    const neg = precisionRecallF1(yt, yp, { average: 'binary', positiveLabel: 0 });
    expect([neg.precision, neg.recall]).toEqual([0.6, 0.75]);
    expect(() => precisionRecallF1(yt3, yp3, { average: 'binary' })).toThrow(/average 'binary' needs at most two labels/);
    expect(() => precisionRecallF1([0, 2], [2, 0], { average: 'binary' })).toThrow(ArgumentError);
  });

  test('unknown average is an ArgumentError naming the choices', () => {
    expect(() => precisionRecallF1(yt3, yp3, { average: 'samples' as never })).toThrow(/Expected one of 'per-class', 'macro'/);
  });
});

describe('classificationReport', () => {
  test('text table identical to sklearn docs example', () => {
    const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] });
    expect(r.text).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.50      1.00      0.67         1',
        '     class 1       0.00      0.00      0.00         1',
        '     class 2       1.00      0.67      0.80         3',
        '',
        '    accuracy                           0.60         5',
        '   macro avg       0.50      0.56      0.49         5',
        'weighted avg       0.70      0.60      0.61         5',
        '',
      ].join('\n'),
    );
    expect(r.accuracy).toBeCloseTo(0.6, 15);
    expect(r.classes[2]).toMatchObject({ label: 2, name: 'class 2', precision: 1, support: 3 });
    expect(r.macroAvg.recall).toBeCloseTo(0.5555555556, 9);
  });

  test('a label subset reports micro avg instead of accuracy (sklearn, digits=3)', () => {
    const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { labels: [0, 2], digits: 3 });
    expect(r.text).toBe(
      '              precision    recall  f1-score   support\n\n           0      0.500     1.000     0.667         1\n' +
        '           2      1.000     0.667     0.800         3\n\n   micro avg      0.750     0.750     0.750         4\n' +
        '   macro avg      0.750     0.833     0.733         4\nweighted avg      0.875     0.750     0.767         4\n',
    );
    expect(r.accuracy).toBeUndefined();
    expect(r.microAvg?.f1).toBeCloseTo(0.75, 15);
  });

  test('targetNames must match labels', () => {
    expect(() => classificationReport([0, 1], [0, 1], { targetNames: ['a'] })).toThrow(ShapeError);
  });
});

describe('logLoss', () => {
  test('sklearn docs example (labels ham=0, spam=1): 0.21616', () => {
    const proba = Tensor.from([[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]);
    expect(logLoss([1, 0, 0, 1], proba)).toBeCloseTo(0.21616187468057912, 6); // float32 inputs
    // Binary form: the probabilities of class 1 only.
    expect(logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65])).toBeCloseTo(0.21616187468057912, 14);
    expect(logLoss([1, 0, 0, 1], new Float32Array([0.9, 0.1, 0.2, 0.65]))).toBeCloseTo(0.21616187468057912, 6);
  });

  test('three classes, a zero probability clipped by eps (sklearn 0.374027)', () => {
    const proba = Tensor.from([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0, 0, 1]]);
    expect(logLoss([0, 2, 1, 2], proba)).toBeCloseTo(0.37402730678177437, 6);
    expect(logLoss([1], Tensor.from([[1, 0]]))).toBeCloseTo(-Math.log(1e-15), 10);
    expect(logLoss([1], Tensor.from([[1, 0]]), { eps: 1e-7 })).toBeCloseTo(-Math.log(1e-7), 10);
  });

  test('bad inputs', () => {
    const proba = Tensor.from([[0.5, 0.5], [0.5, 0.5]]);
    expect(() => logLoss([0, 1, 1], proba)).toThrow(ShapeError);
    expect(() => logLoss([0, 2], proba)).toThrow(/class index in \[0, 2\)/);
    expect(() => logLoss([0, 1], Tensor.from([[1.5, -0.5], [0.5, 0.5]]))).toThrow(DataError);
    expect(() => logLoss([0, 1], Tensor.from([[NaN, 0.5], [0.5, 0.5]]))).toThrow(DataError);
  });
});

describe('rocAuc', () => {
  test('sklearn docs example: 0.75', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  test('tied scores count half, as sklearn (0.84375)', () => {
    expect(rocAuc([0, 1, 0, 1, 1, 0, 1, 0], [0.5, 0.5, 0.2, 0.9, 0.5, 0.1, 0.3, 0.3])).toBe(0.84375);
    expect(rocAuc([0, 1], [0.3, 0.3])).toBe(0.5);
  });

  test('agrees with the pairwise (Mann-Whitney) count on random data with ties', () => {
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const y = Array.from({ length: 300 }, () => (rand() < 0.3 ? 1 : 0));
    const score = Array.from({ length: 300 }, () => Math.round(rand() * 20) / 20);
    let wins = 0, pos = 0, neg = 0;
    for (let i = 0; i < 300; ++i)
      for (let j = 0; j < 300; ++j)
        if (y[i] === 1 && y[j] === 0) wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    y.forEach((v) => (v ? pos++ : neg++));
    expect(rocAuc(y, score)).toBeCloseTo(wins / (pos * neg), 12);
  });

  test('needs both classes and 0/1 labels', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/needs both classes/);
    expect(() => rocAuc([0, 2], [0.2, 0.3])).toThrow(DataError);
  });
});

describe('regression metrics', () => {
  const yt = [3, -0.5, 2, 7], yp = [2.5, 0.0, 2, 8];
  test('sklearn docs example: r2 0.9486, mse 0.375, mae 0.5', () => {
    expect(r2Score(yt, yp)).toBeCloseTo(0.9486081370449679, 14);
    expect(meanSquaredError(yt, yp)).toBe(0.375);
    expect(meanAbsoluteError(yt, yp)).toBe(0.5);
  });

  test('r2 edge cases as sklearn: constant target, one sample', () => {
    expect(r2Score([1, 1, 1], [1, 1, 1])).toBe(1);
    expect(r2Score([1, 1, 1], [1, 2, 1])).toBe(0);
    expect(r2Score([1], [2])).toBeNaN();
    expect(r2Score([1, 2, 3], [3, 2, 1])).toBe(-3);
  });
});

describe('bad input', () => {
  const all: [string, (a: ArrayLike<number>, b: ArrayLike<number>) => unknown][] = [
    ['accuracy', accuracy], ['meanSquaredError', meanSquaredError], ['meanAbsoluteError', meanAbsoluteError],
    ['r2Score', r2Score], ['rocAuc', rocAuc], ['confusionMatrix', (a, b) => confusionMatrix(a, b)],
    ['precisionRecallF1', (a, b) => precisionRecallF1(a, b, { average: 'macro' })],
  ];
  test.each(all)('%s: length mismatch is a ShapeError naming both lengths', (_, fn) => {
    expect(() => fn([0, 1, 0], [0, 1])).toThrow(ShapeError);
    expect(() => fn([0, 1, 0], [0, 1])).toThrow(/same length as yTrue \(3\) but received 2/);
  });

  test.each(all)('%s: NaN is a DataError naming the index', (_, fn) => {
    expect(() => fn([0, 1, 0], [0, NaN, 1])).toThrow(DataError);
    expect(() => fn(new Float32Array([0, NaN]), [0, 1])).toThrow(/yTrue\[1\] but received NaN/);
  });

  test.each(all)('%s: empty input is a DataError', (_, fn) => {
    expect(() => fn([], [])).toThrow(DataError);
  });

  test('non-arrays are ArgumentErrors', () => {
    expect(() => accuracy('01' as never, [0, 1])).toThrow(ArgumentError);
    expect(() => accuracy(null as never, [0, 1])).toThrow(ArgumentError);
  });
});
