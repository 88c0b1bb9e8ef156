// CountVectorizer and TfidfTransformer on sklearn's documentation corpus, against outputs of
// scikit-learn 1.9: vocabulary order, counts, bigrams, df/maxFeatures pruning, tf-idf variants,
// JSON round trips, and the bad-input catalogue.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../../src/errors';
import { CountVectorizer, CsrMatrix, TfidfTransformer } from '../../src/text';

const corpus = [
  'This is the first document.',
  'This document is the second document.',
  'And this is the third one.',
  'Is this the first document?',
];
const dense = (m: CsrMatrix): number[][] => m.toDense().toArray() as number[][];

describe('CountVectorizer', () => {
  test('sklearn docs example: feature names and count matrix', () => {
    const cv = new CountVectorizer();
    const x = cv.fitTransform(corpus);
    expect(cv.featureNames()).toEqual(['and', 'document', 'first', 'is', 'one', 'second', 'the', 'third', 'this']);
    expect(dense(x)).toEqual([
      [0, 1, 1, 1, 0, 0, 1, 0, 1],
      [0, 2, 0, 1, 0, 1, 1, 0, 1],
      [1, 0, 0, 1, 1, 0, 1, 1, 1],
      [0, 1, 1, 1, 0, 0, 1, 0, 1],
    ]);
    expect(cv.vocabulary.get('third')).toBe(7);
    // Column indices come out sorted within each row.
    for (let r = 0; r < x.rows; ++r) {
      const row = Array.from(x.indices.subarray(x.indptr[r], x.indptr[r + 1]));
      expect(row).toEqual(row.slice().sort((a, b) => a - b));
    }
    // fit then transform equals fitTransform; unknown words are ignored.
    expect(dense(new CountVectorizer().fit(corpus).transform(corpus))).toEqual(dense(x));
    expect(dense(cv.transform(['Something completely new', 'the the THE document']))).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0, 3, 0, 0],
    ]);
  });

  test('ngramRange [1, 2] and [2, 2] (sklearn docs example)', () => {
    const cv = new CountVectorizer({ ngramRange: [1, 2] });
    const x = cv.fitTransform(corpus);
    expect(cv.featureNames()).toEqual([
      'and', 'and this', 'document', 'document is', 'first', 'first document', 'is', 'is the', 'is this', 'one', 'second',
      'second document', 'the', 'the first', 'the second', 'the third', 'third', 'third one', 'this', 'this document',
      'this is', 'this the',
    ]);
    expect(dense(x)[1]).toEqual([0, 0, 2, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    const bi = new CountVectorizer({ ngramRange: [2, 2] });
    const xb = bi.fitTransform(corpus);
    expect(bi.featureNames()).toEqual([
      'and this', 'document is', 'first document', 'is the', 'is this', 'second document', 'the first', 'the second',
      'the third', 'third one', 'this document', 'this is', 'this the',
    ]);
    expect(dense(xb)).toEqual([
      [0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0],
      [0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0],
      [1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0],
      [0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1],
    ]);
  });

  test.each([
    [{ minDf: 2 }, ['document', 'first', 'is', 'the', 'this'], [[1, 1, 1, 1, 1], [2, 0, 1, 1, 1], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]],
    [{ maxDf: 3 }, ['and', 'document', 'first', 'one', 'second', 'third'], [[0, 1, 1, 0, 0, 0], [0, 2, 0, 0, 1, 0], [1, 0, 0, 1, 0, 1], [0, 1, 1, 0, 0, 0]]],
    [{ maxDf: 0.5 }, ['and', 'first', 'one', 'second', 'third'], [[0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0]]],
    [{ minDf: 0.6 }, ['document', 'is', 'the', 'this'], [[1, 1, 1, 1], [2, 1, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1]]],
    [{ maxFeatures: 3 }, ['document', 'is', 'the'], [[1, 1, 1], [2, 1, 1], [0, 1, 1], [1, 1, 1]]],
    [{ maxFeatures: 5 }, ['document', 'first', 'is', 'the', 'this'], [[1, 1, 1, 1, 1], [2, 0, 1, 1, 1], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]],
    [{ stopWords: 'english' as const }, ['document', 'second'], [[1, 0], [2, 1], [0, 0], [1, 0]]],
    [{ binary: true, maxFeatures: 4 }, ['document', 'is', 'the', 'this'], [[1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1]]],
    [{ stopWords: ['this', 'is'], lowercase: false }, ['And', 'Is', 'This', 'document', 'first', 'one', 'second', 'the', 'third'],
      [[0, 0, 1, 1, 1, 0, 0, 1, 0], [0, 0, 1, 2, 0, 0, 1, 1, 0], [1, 0, 0, 0, 0, 1, 0, 1, 1], [0, 1, 0, 1, 1, 0, 0, 1, 0]]],
  ])('%j as sklearn', (options, names, counts) => {
    const cv = new CountVectorizer(options);
    const x = cv.fitTransform(corpus);
    expect(cv.featureNames()).toEqual(names);
    expect(dense(x)).toEqual(counts);
  });

  test('maxFeatures ties are broken by term order', () => {
    // every term once: the first two alphabetically win
    const cv = new CountVectorizer({ maxFeatures: 2 }).fit(['zz yy xx ww']);
    expect(cv.featureNames()).toEqual(['ww', 'xx']);
  });

  test('JSON round trip keeps options and vocabulary', () => {
    const cv = new CountVectorizer({ ngramRange: [1, 2], stopWords: 'english', tokenPattern: /\b\w+\b/u, minDf: 1 }).fit(corpus);
    const back = CountVectorizer.fromJSON(JSON.parse(JSON.stringify(cv.toJSON())));
    expect(back.featureNames()).toEqual(cv.featureNames());
    expect(back.options).toEqual(cv.options);
    expect(dense(back.transform(corpus))).toEqual(dense(cv.transform(corpus)));
    expect(() => CountVectorizer.fromJSON({ type: 'Other' } as never)).toThrow(DataError);
  });

  test('bad input', () => {
    expect(() => new CountVectorizer().transform(corpus)).toThrow(NotFittedError);
    expect(() => new CountVectorizer().featureNames()).toThrow(NotFittedError);
    expect(() => new CountVectorizer().fit([])).toThrow(DataError);
    expect(() => new CountVectorizer().fit(['', 'a b ,.'])).toThrow(/empty vocabulary/);
    expect(() => new CountVectorizer({ stopWords: 'english' }).fit(['the and of'])).toThrow(/empty vocabulary/);
    expect(() => new CountVectorizer().fit(['ok doc', 3 as never])).toThrow(/string at documents\[1\]/);
    expect(() => new CountVectorizer().fit('one doc' as never)).toThrow(ArgumentError);
    expect(() => new CountVectorizer({ minDf: 3, maxDf: 2 }).fit(corpus)).toThrow(/maxDf .* is below minDf/);
    expect(() => new CountVectorizer({ minDf: 5 }).fit(corpus)).toThrow(/no terms remain/);
    expect(() => new CountVectorizer({ minDf: 1.5 })).toThrow(ArgumentError);
    expect(() => new CountVectorizer({ ngramRange: [2, 1] })).toThrow(/ngramRange/);
    expect(() => new CountVectorizer({ stopWords: 'french' as never })).toThrow(ArgumentError);
    expect(() => new CountVectorizer({ maxFeatures: 0 })).toThrow(ArgumentError);
  });
});

describe('TfidfTransformer', () => {
  const counts = new CountVectorizer().fitTransform(corpus);

  test("defaults (l2, smooth idf) match sklearn's TfidfVectorizer output for the docs corpus", () => {
    const t = new TfidfTransformer();
    const x = dense(t.fitTransform(counts));
    const want = [
      [0, 0.4697913856, 0.5802858237, 0.3840852409, 0, 0, 0.3840852409, 0, 0.3840852409],
      [0, 0.687623598, 0, 0.281088674, 0, 0.5386476209, 0.281088674, 0, 0.281088674],
      [0.5118485127, 0, 0, 0.2671037876, 0.5118485127, 0, 0.2671037876, 0.5118485127, 0.2671037876],
      [0, 0.4697913856, 0.5802858237, 0.3840852409, 0, 0, 0.3840852409, 0, 0.3840852409],
    ];
    want.forEach((row, i) => row.forEach((v, j) => expect(x[i][j]).toBeCloseTo(v, 6)));
    const idf = [1.9162907319, 1.2231435513, 1.5108256238, 1, 1.9162907319, 1.9162907319, 1, 1.9162907319, 1];
    Array.from(t.idf!).forEach((v, j) => expect(v).toBeCloseTo(idf[j], 9));
  });

  test.each([
    [{ norm: 'l1' as const }, [0, 0.3322595913573379, 0, 0.13582199366555983, 0, 0.2602744276459825, 0.13582199366555983, 0, 0.13582199366555983]],
    [{ smoothIdf: false }, [0, 0.6578266523342082, 0, 0.25543053926412473, 0, 0.6095324555037936, 0.25543053926412473, 0, 0.25543053926412473]],
    [{ sublinearTf: true }, [0, 0.6255268888558354, 0, 0.30204652337623095, 0, 0.5788089533406816, 0.30204652337623095, 0, 0.30204652337623095]],
    [{ useIdf: false }, [0, 0.7071067811865475, 0, 0.35355339059327373, 0, 0.35355339059327373, 0.35355339059327373, 0, 0.35355339059327373]],
    [{ norm: null }, [0, 2.4462871026284194, 0, 1, 0, 1.916290731874155, 1, 0, 1]],
  ])('%j: second row as sklearn', (options, row) => {
    const x = dense(new TfidfTransformer(options).fitTransform(counts));
    row.forEach((v, j) => expect(x[1][j]).toBeCloseTo(v, 6));
  });

  test('JSON round trip is bit-exact; bad input', () => {
    const t = new TfidfTransformer({ sublinearTf: true }).fit(counts);
    const back = TfidfTransformer.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back.transform(counts).values).toEqual(t.transform(counts).values);
    expect(() => new TfidfTransformer().transform(counts)).toThrow(NotFittedError);
    expect(() => t.transform(counts.toDense() as never)).toThrow(ArgumentError);
    const narrower = new CsrMatrix(new Float32Array([1]), new Int32Array([0]), new Int32Array([0, 1]), 1, 3);
    expect(() => t.transform(narrower)).toThrow(ShapeError);
    expect(() => new TfidfTransformer({ norm: 'l3' as never })).toThrow(ArgumentError);
    expect(() => new TfidfTransformer({ smoothIdf: false }).fit(narrower)).toThrow(/column 1 has no entries/);
  });
});
