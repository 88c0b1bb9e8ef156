// Bag-of-words features: CountVectorizer (texts -> CSR term counts over a vocabulary learned by
// fit, indexed alphabetically, pruned by document frequency and size as in scikit-learn) and
// TfidfTransformer (counts -> tf-idf with sklearn's formulas). Both serialize to JSON.
// Not here: hashing vectorizers, character n-grams, custom analyzers as functions.
import { ArgumentError, DataError, NotFittedError, ShapeError } from '../errors';
import { describe, expectOneOf, expectPositiveInt } from '../validate';
import { decodeFloat64, encodeArray, EncodedArray } from './encoding';
import { CsrMatrix } from './sparse';
import { compareCodePoints, ENGLISH_STOP_WORDS, makeTokenizer, wordNgrams } from './tokenize';

export interface CountVectorizerOptions {
  /** Smallest and largest n of the word n-grams (default [1, 1]). */
  ngramRange?: readonly [number, number];
  /**
   * Drop terms found in fewer documents. An integer is a document count (default 1); a
   * fraction in (0, 1) is a share of the documents (sklearn's float form).
   */
  minDf?: number;
  /**
   * Drop terms found in more documents: an integer count or a fraction in (0, 1), as minDf.
   * Default: no limit (sklearn's max_df=1.0; in JavaScript 1 and 1.0 are the same number, and
   * 1 means one document).
   */
  maxDf?: number;
  /** Keep only this many terms, the most frequent over the corpus (ties: alphabetical order). */
  maxFeatures?: number | null;
  /** 'english' (sklearn's list), your own list, or null (default) for none. */
  stopWords?: 'english' | readonly string[] | null;
  /** Lower-case before tokenizing (default true). */
  lowercase?: boolean;
  /** Every non-zero count becomes 1 (default false). */
  binary?: boolean;
  /** Token RegExp (default TOKEN_PATTERN, sklearn's `(?u)\b\w\w+\b`). */
  tokenPattern?: RegExp;
}

interface ResolvedCountOptions {
  ngramRange: [number, number];
  minDf: number;
  maxDf: number | null;
  maxFeatures: number | null;
  stopWords: 'english' | string[] | null;
  lowercase: boolean;
  binary: boolean;
  tokenPattern: { source: string; flags: string } | null;
}

export interface CountVectorizerJSON {
  type: 'CountVectorizer';
  version: 1;
  options: ResolvedCountOptions;
  /** Terms in feature-index order. */
  vocabulary: string[];
}

function expectBoolean(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`Expected boolean for ${name} but received ${describe(v)}`);
  return v;
}

function expectDf(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!Number.isInteger(v) && v >= 1))
    throw new ArgumentError(`Expected a non-negative integer (document count) or a fraction in (0, 1) for ${name} but received ${describe(v)}`);
  return v;
}

function resolveOptions(o: CountVectorizerOptions): ResolvedCountOptions {
  if (typeof o !== 'object' || o === null) throw new ArgumentError(`Expected an options object but received ${describe(o)}`);
  const range = o.ngramRange ?? [1, 1];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isSafeInteger(n) && n >= 1) || range[0] > range[1])
    throw new ArgumentError(`Expected ngramRange [min, max] with 1 <= min <= max integers but received ${Array.isArray(range) ? `[${range.join(', ')}]` : describe(range)}`);
  let stopWords: ResolvedCountOptions['stopWords'] = null;
  if (o.stopWords === 'english') stopWords = 'english';
  else if (Array.isArray(o.stopWords)) {
    o.stopWords.forEach((w, i) => {
      if (typeof w !== 'string') throw new ArgumentError(`Expected strings in stopWords but stopWords[${i}] is ${describe(w)}`);
    });
    stopWords = o.stopWords.slice();
  } else if (o.stopWords !== undefined && o.stopWords !== null)
    throw new ArgumentError(`Expected 'english', an array of strings or null for stopWords but received ${describe(o.stopWords)}`);
  if (o.tokenPattern !== undefined && !(o.tokenPattern instanceof RegExp))
    throw new ArgumentError(`Expected a RegExp for tokenPattern but received ${describe(o.tokenPattern)}`);
  return {
    ngramRange: [range[0], range[1]],
    minDf: expectDf('minDf', o.minDf ?? 1),
    maxDf: o.maxDf === undefined || o.maxDf === null ? null : expectDf('maxDf', o.maxDf),
    maxFeatures: o.maxFeatures === undefined || o.maxFeatures === null ? null : expectPositiveInt('maxFeatures', o.maxFeatures),
    stopWords,
    lowercase: expectBoolean('lowercase', o.lowercase, true),
    binary: expectBoolean('binary', o.binary, false),
    tokenPattern: o.tokenPattern ? { source: o.tokenPattern.source, flags: o.tokenPattern.flags } : null,
  };
}

export function checkDocuments(docs: unknown, name = 'documents'): readonly string[] {
  if (!Array.isArray(docs)) throw new ArgumentError(`Expected an array of strings for ${name} but received ${describe(docs)}`);
  if (docs.length === 0) throw new DataError(`Expected at least one document in ${name} but received an empty array`);
  for (let i = 0; i < docs.length; ++i)
    if (typeof docs[i] !== 'string') throw new DataError(`Expected a string at ${name}[${i}] but received ${describe(docs[i])}`);
  return docs as readonly string[];
}

interface Counts {
  values: number[];
  indices: number[];
  indptr: Int32Array;
}

/** Converts texts to token counts with the options of a scikit-learn CountVectorizer. */
export class CountVectorizer {
  readonly options: Readonly<ResolvedCountOptions>;
  private readonly analyzer: (doc: string) => string[];
  private vocab: Map<string, number> | null = null;
  private terms: string[] | null = null;

  constructor(options: CountVectorizerOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
    const { tokenPattern, stopWords, ngramRange, lowercase } = this.options;
    const tokenizer = makeTokenizer({ lowercase, pattern: tokenPattern ? new RegExp(tokenPattern.source, tokenPattern.flags) : undefined });
    const stop = stopWords === 'english' ? ENGLISH_STOP_WORDS : stopWords ? new Set(stopWords) : null;
    this.analyzer = (doc) => wordNgrams(tokenizer(doc), ngramRange, stop);
  }

  get isFitted(): boolean {
    return this.vocab !== null;
  }

  /** Term -> feature index. */
  get vocabulary(): ReadonlyMap<string, number> {
    return this.fitted().vocab;
  }

  get nFeatures(): number {
    return this.fitted().terms.length;
  }

  /** Terms in feature-index order (sklearn's get_feature_names_out). */
  featureNames(): string[] {
    return this.fitted().terms.slice();
  }

  /** The terms (n-grams) one text contributes, before vocabulary lookup. */
  analyze(doc: string): string[] {
    if (typeof doc !== 'string') throw new ArgumentError(`Expected a string but received ${describe(doc)}`);
    return this.analyzer(doc);
  }

  fit(docs: readonly string[]): this {
    this.fitTransform(docs);
    return this;
  }

  /** Learns the vocabulary and returns the (documents, features) count matrix. */
  fitTransform(docs: readonly string[]): CsrMatrix {
    checkDocuments(docs);
    const n = docs.length;
    const { minDf, maxDf, maxFeatures, binary } = this.options;
    const vocab = new Map<string, number>();
    const counts = this.count(docs, vocab, true);
    if (vocab.size === 0) throw new DataError('empty vocabulary: the documents hold no tokens (or only stop words)');
    const terms = [...vocab.keys()]; // in first-seen order = provisional id
    const V = terms.length;
    if (binary) counts.values.fill(1);
    const df = new Int32Array(V), tf = new Float64Array(V);
    for (let p = 0; p < counts.indices.length; ++p) {
      df[counts.indices[p]]++;
      tf[counts.indices[p]] += counts.values[p];
    }
    const maxCount = maxDf === null ? Infinity : Number.isInteger(maxDf) ? maxDf : maxDf * n;
    const minCount = Number.isInteger(minDf) ? minDf : minDf * n;
    if (maxCount < minCount)
      throw new ArgumentError(`maxDf (${maxDf}, ${maxCount} documents) is below minDf (${minDf}, ${minCount} documents); raise maxDf or lower minDf`);
    const alphabetical = Int32Array.from({ length: V }, (_, i) => i).sort((a, b) => compareCodePoints(terms[a], terms[b]));
    let kept = Array.from(alphabetical).filter((id) => df[id] >= minCount && df[id] <= maxCount);
    if (maxFeatures !== null && kept.length > maxFeatures) {
      const rank = new Int32Array(V);
      alphabetical.forEach((id, r) => (rank[id] = r));
      const top = new Set(kept.slice().sort((a, b) => tf[b] - tf[a] || rank[a] - rank[b]).slice(0, maxFeatures));
      kept = kept.filter((id) => top.has(id));
    }
    if (kept.length === 0)
      throw new DataError(`After pruning, no terms remain (minDf=${minDf}, maxDf=${maxDf ?? 'none'}, ${n} documents); try a lower minDf or a higher maxDf`);
    const finalIndex = new Int32Array(V).fill(-1);
    kept.forEach((id, j) => (finalIndex[id] = j));
    this.terms = kept.map((id) => terms[id]);
    this.vocab = new Map(this.terms.map((t, j) => [t, j]));
    return remapColumns(counts, finalIndex, n, kept.length);
  }

  /** The (documents, features) count matrix; terms outside the vocabulary are ignored. */
  transform(docs: readonly string[]): CsrMatrix {
    const { vocab, terms } = this.fitted();
    checkDocuments(docs);
    const counts = this.count(docs, vocab, false);
    if (this.options.binary) counts.values.fill(1);
    return new CsrMatrix(Float32Array.from(counts.values), Int32Array.from(counts.indices), counts.indptr, docs.length, terms.length);
  }

  toJSON(): CountVectorizerJSON {
    const { terms } = this.fitted();
    return { type: 'CountVectorizer', version: 1, options: { ...this.options, ngramRange: [...this.options.ngramRange] }, vocabulary: terms.slice() };
  }

  static fromJSON(json: CountVectorizerJSON): CountVectorizer {
    if (typeof json !== 'object' || json === null || json.type !== 'CountVectorizer' || json.version !== 1)
      throw new DataError(`Expected a CountVectorizer JSON (type 'CountVectorizer', version 1) but received ${describe(json)}`);
    const o = json.options;
    const cv = new CountVectorizer({
      ...o,
      maxDf: o.maxDf ?? undefined,
      tokenPattern: o.tokenPattern ? new RegExp(o.tokenPattern.source, o.tokenPattern.flags) : undefined,
    });
    if (!Array.isArray(json.vocabulary) || json.vocabulary.length === 0 || !json.vocabulary.every((t) => typeof t === 'string'))
      throw new DataError(`Expected a non-empty array of strings for vocabulary but received ${describe(json.vocabulary)}`);
    cv.terms = json.vocabulary.slice();
    cv.vocab = new Map(cv.terms.map((t, j) => [t, j]));
    if (cv.vocab.size !== cv.terms.length) throw new DataError('Expected distinct terms in vocabulary but some repeat');
    return cv;
  }

  private fitted(): { vocab: Map<string, number>; terms: string[] } {
    if (this.vocab === null || this.terms === null)
      throw new NotFittedError('CountVectorizer is not fitted: call fit() or fitTransform() first');
    return { vocab: this.vocab, terms: this.terms };
  }

  /** Term counts per document; with grow, unseen terms are added to vocab (ids in first-seen order). */
  private count(docs: readonly string[], vocab: Map<string, number>, grow: boolean): Counts {
    let counts = new Float64Array(Math.max(1024, vocab.size));
    const values: number[] = [], indices: number[] = [];
    const indptr = new Int32Array(docs.length + 1);
    const touched: number[] = [];
    for (let d = 0; d < docs.length; ++d) {
      for (const term of this.analyzer(docs[d])) {
        let id = vocab.get(term);
        if (id === undefined) {
          if (!grow) continue;
          id = vocab.size;
          vocab.set(term, id);
          if (id >= counts.length) {
            const bigger = new Float64Array(counts.length * 2);
            bigger.set(counts);
            counts = bigger;
          }
        }
        if (counts[id] === 0) touched.push(id);
        counts[id]++;
      }
      if (!grow) touched.sort((a, b) => a - b);
      for (const id of touched) {
        indices.push(id);
        values.push(counts[id]);
        counts[id] = 0;
      }
      touched.length = 0;
      indptr[d + 1] = indices.length;
    }
    return { values, indices, indptr };
  }
}

/** Rebuilds counts with column id -> newIndex[id] (dropped when -1), indices sorted per row. */
function remapColumns(counts: Counts, newIndex: Int32Array, rows: number, cols: number): CsrMatrix {
  const { values, indices, indptr } = counts;
  let nnz = 0;
  for (let p = 0; p < indices.length; ++p) if (newIndex[indices[p]] >= 0) nnz++;
  const outValues = new Float32Array(nnz), outIndices = new Int32Array(nnz), outIndptr = new Int32Array(rows + 1);
  const scratch = new Float64Array(cols);
  let at = 0;
  for (let r = 0; r < rows; ++r) {
    const start = at;
    for (let p = indptr[r]; p < indptr[r + 1]; ++p) {
      const j = newIndex[indices[p]];
      if (j < 0) continue;
      outIndices[at++] = j;
      scratch[j] = values[p];
    }
    outIndices.subarray(start, at).sort();
    for (let p = start; p < at; ++p) outValues[p] = scratch[outIndices[p]];
    outIndptr[r + 1] = at;
  }
  return new CsrMatrix(outValues, outIndices, outIndptr, rows, cols);
}

export interface TfidfOptions {
  /** Row normalisation after weighting (default 'l2'). */
  norm?: 'l2' | 'l1' | null;
  /** Multiply by idf (default true). */
  useIdf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1, as if one extra document held every term (default true). */
  smoothIdf?: boolean;
  /** Replace tf by 1 + ln(tf) (default false). */
  sublinearTf?: boolean;
}

interface ResolvedTfidfOptions {
  norm: 'l2' | 'l1' | null;
  useIdf: boolean;
  smoothIdf: boolean;
  sublinearTf: boolean;
}

export interface TfidfTransformerJSON {
  type: 'TfidfTransformer';
  version: 1;
  options: ResolvedTfidfOptions;
  idf: EncodedArray | null;
  nFeatures: number;
}

/**
 * Counts -> tf-idf, sklearn's TfidfTransformer: tf (or 1 + ln tf) times idf, where
 * idf = ln((1 + n) / (1 + df)) + 1 with smoothIdf, else ln(n / df) + 1 (df = documents with a
 * stored entry in the column), then each row scaled to unit l2 (or l1) norm.
 */
export class TfidfTransformer {
  readonly options: Readonly<ResolvedTfidfOptions>;
  private idfValues: Float64Array | null = null;
  private features = 0;

  constructor(options: TfidfOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`Expected an options object but received ${describe(options)}`);
    const norm = options.norm === null ? null : expectOneOf('norm', options.norm ?? 'l2', ['l2', 'l1'] as const);
    this.options = Object.freeze({
      norm,
      useIdf: expectBoolean('useIdf', options.useIdf, true),
      smoothIdf: expectBoolean('smoothIdf', options.smoothIdf, true),
      sublinearTf: expectBoolean('sublinearTf', options.sublinearTf, false),
    });
  }

  get isFitted(): boolean {
    return this.features > 0;
  }

  /** The idf weight per feature, or null with useIdf: false. */
  get idf(): Float64Array | null {
    this.fitted();
    return this.idfValues ? this.idfValues.slice() : null;
  }

  fit(x: CsrMatrix): this {
    expectCsr('x', x);
    this.features = x.cols;
    if (!this.options.useIdf) {
      this.idfValues = null;
      return this;
    }
    const df = new Float64Array(x.cols);
    for (let p = 0; p < x.indices.length; ++p) df[x.indices[p]]++; // stored entries, as sklearn counts them
    const smooth = this.options.smoothIdf ? 1 : 0;
    const n = x.rows + smooth;
    const idf = new Float64Array(x.cols);
    for (let j = 0; j < x.cols; ++j) {
      if (df[j] + smooth === 0)
        throw new DataError(`column ${j} has no entries, so its idf would be infinite with smoothIdf: false; use smoothIdf: true or drop the column`);
      idf[j] = Math.log(n / (df[j] + smooth)) + 1;
    }
    this.idfValues = idf;
    return this;
  }

  transform(x: CsrMatrix): CsrMatrix {
    this.fitted();
    expectCsr('x', x);
    if (x.cols !== this.features) throw new ShapeError(`Expected a matrix with ${this.features} columns (as fitted) but received ${x.cols}`);
    const { norm, sublinearTf } = this.options;
    const idf = this.idfValues;
    const out = new Float32Array(x.nnz);
    let widest = 0;
    for (let r = 0; r < x.rows; ++r) widest = Math.max(widest, x.indptr[r + 1] - x.indptr[r]);
    const vals = new Float64Array(widest); // one row's weighted values, before scaling
    for (let r = 0; r < x.rows; ++r) {
      const s = x.indptr[r], e = x.indptr[r + 1];
      let total = 0;
      for (let p = s; p < e; ++p) {
        let v = x.values[p];
        if (sublinearTf && v !== 0) v = Math.log(v) + 1;
        if (idf) v *= idf[x.indices[p]];
        vals[p - s] = v;
        total += norm === 'l1' ? Math.abs(v) : v * v;
      }
      const scale = norm === null || total === 0 ? 1 : norm === 'l1' ? 1 / total : 1 / Math.sqrt(total);
      for (let p = s; p < e; ++p) out[p] = vals[p - s] * scale;
    }
    return new CsrMatrix(out, x.indices.slice(), x.indptr.slice(), x.rows, x.cols);
  }

  fitTransform(x: CsrMatrix): CsrMatrix {
    return this.fit(x).transform(x);
  }

  toJSON(): TfidfTransformerJSON {
    this.fitted();
    return { type: 'TfidfTransformer', version: 1, options: { ...this.options }, idf: this.idfValues ? encodeArray(this.idfValues) : null, nFeatures: this.features };
  }

  static fromJSON(json: TfidfTransformerJSON): TfidfTransformer {
    if (typeof json !== 'object' || json === null || json.type !== 'TfidfTransformer' || json.version !== 1)
      throw new DataError(`Expected a TfidfTransformer JSON (type 'TfidfTransformer', version 1) but received ${describe(json)}`);
    const t = new TfidfTransformer(json.options);
    t.features = expectPositiveInt('nFeatures', json.nFeatures);
    t.idfValues = t.options.useIdf ? decodeFloat64('idf', json.idf, t.features) : null;
    return t;
  }

  private fitted(): void {
    if (this.features === 0) throw new NotFittedError('TfidfTransformer is not fitted: call fit() or fitTransform() first');
  }
}

function expectCsr(name: string, v: unknown): CsrMatrix {
  if (!(v instanceof CsrMatrix)) throw new ArgumentError(`Expected CsrMatrix for ${name} but received ${describe(v)}`);
  return v;
}
