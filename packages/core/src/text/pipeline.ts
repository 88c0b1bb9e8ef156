// TextClassifier: raw strings in, string labels out. CountVectorizer (+ optional tf-idf) +
// MultinomialNB, with evaluation through eval/ and a JSON round trip that predicts identically.
// Not here: model selection, label encodings other than strings/indices, streaming training.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../errors';
import { Tensor } from '../tensor';
import { describe } from '../validate';
import { accuracy, classificationReport, ClassificationReport, ClassScores } from '../eval/metrics';
import { MultinomialNB, MultinomialNBJSON, MultinomialNBOptions } from './naive-bayes';
import { compareCodePoints } from './tokenize';
import {
  checkDocuments, CountVectorizer, CountVectorizerJSON, CountVectorizerOptions, TfidfOptions, TfidfTransformer, TfidfTransformerJSON,
} from './vectorize';
import { CsrMatrix } from './sparse';

export interface TextClassifierOptions {
  vectorizer?: CountVectorizerOptions;
  /** Re-weight counts with tf-idf before the classifier (default: none, raw counts). */
  tfidf?: TfidfOptions | null;
  nb?: MultinomialNBOptions;
}

export interface TextClassifierJSON {
  type: 'TextClassifier';
  version: 1;
  classes: string[];
  vectorizer: CountVectorizerJSON;
  tfidf: TfidfTransformerJSON | null;
  nb: MultinomialNBJSON;
}

export interface TextEvaluation {
  accuracy: number;
  /** Precision, recall, F1 and support per class name. */
  perClass: Record<string, ClassScores>;
  macro: ClassScores;
  weighted: ClassScores;
  /** The full report (with sklearn's text table in `report.text`). */
  report: ClassificationReport;
}

/** Labels as strings, or class indices into `classes`. */
export type TextLabels = readonly string[] | Float32Array;

export class TextClassifier {
  private readonly vectorizer: CountVectorizer;
  private readonly tfidf: TfidfTransformer | null;
  private readonly nb: MultinomialNB;
  private classNames: string[] | null = null;

  constructor(options: TextClassifierOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`Expected an options object but received ${describe(options)}`);
    this.vectorizer = new CountVectorizer(options.vectorizer ?? {});
    this.tfidf = options.tfidf ? new TfidfTransformer(options.tfidf) : null;
    this.nb = new MultinomialNB(options.nb ?? {});
  }

  get isFitted(): boolean {
    return this.classNames !== null;
  }

  /** Class names; column j of predictProba is classes[j]. */
  get classes(): string[] {
    return this.fitted().slice();
  }

  /**
   * Learns vocabulary, weights and class statistics. String labels become classes sorted by
   * code point unless `classes` fixes the list (and order); Float32Array labels are indices
   * into `classes` (default names '0', '1', ...).
   */
  fit(texts: readonly string[], labels: TextLabels, classes?: readonly string[]): this {
    checkDocuments(texts, 'texts');
    const names = classes === undefined ? undefined : checkClassList(classes);
    let y: Float32Array, classNames: string[];
    if (labels instanceof Float32Array) {
      checkCount(texts, labels);
      let max = 0;
      labels.forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0) throw new DataError(`Expected labels[${i}] to be a class index (integer >= 0) but received ${describe(v)}`);
        max = Math.max(max, v);
      });
      if (names && max >= names.length) throw new DataError(`Expected class indices below ${names.length} (the number of classes) but labels hold ${max}`);
      classNames = names ?? Array.from({ length: max + 1 }, (_, i) => String(i));
      y = labels;
    } else {
      if (!Array.isArray(labels)) throw new ArgumentError(`Expected string[] or Float32Array for labels but received ${describe(labels)}`);
      checkCount(texts, labels);
      labels.forEach((l, i) => {
        if (typeof l !== 'string') throw new DataError(`Expected a string at labels[${i}] but received ${describe(l)}`);
      });
      classNames = names ?? [...new Set(labels)].sort(compareCodePoints);
      y = encode(labels, classNames);
    }
    let x = this.vectorizer.fitTransform(texts);
    if (this.tfidf) x = this.tfidf.fitTransform(x);
    this.nb.fit(x, y, classNames.length);
    this.classNames = classNames;
    return this;
  }

  /** The most probable class name per text. */
  predict(texts: readonly string[]): string[] {
    const names = this.fitted();
    return Array.from(this.nb.predict(this.features(texts)), (c) => names[c]);
  }

  /** Class index per text (as Float32Array, for eval/ metrics). */
  predictIndices(texts: readonly string[]): Float32Array {
    this.fitted();
    return this.nb.predict(this.features(texts));
  }

  /** (texts, classes) probabilities, columns in `classes` order. */
  predictProba(texts: readonly string[]): Tensor {
    this.fitted();
    return this.nb.predictProba(this.features(texts));
  }

  /** Accuracy and per-class precision/recall/F1 of predictions for `texts` against `labels`. */
  evaluate(texts: readonly string[], labels: TextLabels): TextEvaluation {
    const names = this.fitted();
    checkDocuments(texts, 'texts');
    let yTrue: Float32Array;
    if (labels instanceof Float32Array) {
      checkCount(texts, labels);
      labels.forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0 || v >= names.length)
          throw new DataError(`Expected labels[${i}] to be a class index in [0, ${names.length}) but received ${describe(v)}`);
      });
      yTrue = labels;
    } else {
      if (!Array.isArray(labels)) throw new ArgumentError(`Expected string[] or Float32Array for labels but received ${describe(labels)}`);
      checkCount(texts, labels);
      yTrue = encode(labels, names);
    }
    const yPred = this.predictIndices(texts);
    const allClasses = names.map((_, i) => i);
    const report = classificationReport(yTrue, yPred, { labels: allClasses, targetNames: names });
    const perClass: Record<string, ClassScores> = {};
    for (const c of report.classes) perClass[c.name] = { precision: c.precision, recall: c.recall, f1: c.f1, support: c.support };
    return { accuracy: accuracy(yTrue, yPred), perClass, macro: report.macroAvg, weighted: report.weightedAvg, report };
  }

  toJSON(): TextClassifierJSON {
    const classes = this.fitted();
    return {
      type: 'TextClassifier',
      version: 1,
      classes: classes.slice(),
      vectorizer: this.vectorizer.toJSON(),
      tfidf: this.tfidf ? this.tfidf.toJSON() : null,
      nb: this.nb.toJSON(),
    };
  }

  static fromJSON(json: TextClassifierJSON): TextClassifier {
    if (typeof json !== 'object' || json === null || json.type !== 'TextClassifier' || json.version !== 1)
      throw new DataError(`Expected a TextClassifier JSON (type 'TextClassifier', version 1) but received ${describe(json)}`);
    const tc = Object.create(TextClassifier.prototype) as TextClassifier;
    const vectorizer = CountVectorizer.fromJSON(json.vectorizer);
    const tfidf = json.tfidf ? TfidfTransformer.fromJSON(json.tfidf) : null;
    const nb = MultinomialNB.fromJSON(json.nb);
    const classes = checkClassList(json.classes);
    if (nb.nClasses !== classes.length) throw new DataError(`Expected ${nb.nClasses} class names (the classifier's classes) but received ${classes.length}`);
    if (nb.nFeatures !== vectorizer.nFeatures)
      throw new DataError(`Expected the vectorizer's ${vectorizer.nFeatures} features to match the classifier's ${nb.nFeatures}`);
    Object.assign(tc, { vectorizer, tfidf, nb, classNames: classes });
    return tc;
  }

  private features(texts: readonly string[]): CsrMatrix {
    const x = this.vectorizer.transform(texts);
    return this.tfidf ? this.tfidf.transform(x) : x;
  }

  private fitted(): string[] {
    if (this.classNames === null) throw new NotFittedError('TextClassifier is not fitted: call fit(texts, labels) first');
    return this.classNames;
  }
}

function checkCount(texts: readonly string[], labels: ArrayLike<unknown>): void {
  if (labels.length !== texts.length)
    throw new ShapeError(`Expected one label per text (${texts.length}) but received ${labels.length} labels`);
}

function checkClassList(classes: unknown): string[] {
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string'))
    throw new ArgumentError(`Expected a non-empty array of strings for classes but received ${describe(classes)}`);
  if (new Set(classes).size !== classes.length) throw new ArgumentError(`Expected distinct class names but received [${classes.join(', ')}]`);
  return classes.slice();
}

function encode(labels: readonly string[], classes: readonly string[]): Float32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Float32Array.from(labels, (l, i) => {
    const c = index.get(l);
    if (c === undefined) throw new DataError(`labels[${i}] is ${describe(l)}, which is not one of the classes [${classes.join(', ')}]`);
    return c;
  });
}
