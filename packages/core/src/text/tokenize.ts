// Tokenization for the text pipeline: scikit-learn's default analyzer (lower-case, then every
// run of 2+ Unicode word characters) or a custom RegExp, plus sklearn's English stop words and
// word n-grams. Not here: stemming, accent stripping, character n-grams, HTML or MIME decoding.
import { ArgumentError } from '../errors';
import { describe } from '../validate';

/**
 * sklearn's token_pattern `(?u)\b\w\w+\b`. JavaScript's `\w` and `\b` are ASCII-only even with
 * the u flag, so Python's Unicode `\w` (letters, numbers, '_') is spelt out as [\p{L}\p{N}_] and
 * the word boundaries as lookarounds: "café" is one token, not "caf".
 */
export const TOKEN_PATTERN = /(?<![\p{L}\p{N}_])[\p{L}\p{N}_]{2,}(?![\p{L}\p{N}_])/gu;

export interface TokenizeOptions {
  /** Lower-case the text before matching (default true). */
  lowercase?: boolean;
  /** Token RegExp (default TOKEN_PATTERN). With one capturing group, the group is the token. */
  pattern?: RegExp;
}

/** A reusable tokenizer: the pattern is checked and compiled once. Empty matches are skipped. */
export function makeTokenizer(options: TokenizeOptions = {}): (text: string) => string[] {
  const lowercase = options.lowercase ?? true;
  if (typeof lowercase !== 'boolean') throw new ArgumentError(`Expected boolean for lowercase but received ${describe(lowercase)}`);
  const source = options.pattern ?? TOKEN_PATTERN;
  if (!(source instanceof RegExp)) throw new ArgumentError(`Expected a RegExp for pattern but received ${describe(source)}`);
  const re = new RegExp(source.source, source.flags.includes('g') ? source.flags : source.flags + 'g');
  const groups = new RegExp(`${source.source}|`, source.flags.replace(/[gy]/g, '')).exec('')!.length - 1;
  if (groups > 1)
    throw new ArgumentError(`Expected a pattern with at most one capturing group but received ${source} with ${groups}`);
  return (text: string): string[] => {
    const s = lowercase ? text.toLowerCase() : text;
    const out: string[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const token = groups === 1 ? m[1] : m[0];
      if (m[0].length === 0) re.lastIndex++;
      if (token) out.push(token);
    }
    return out;
  };
}

/** Tokens of one text; for many texts build the tokenizer once with makeTokenizer(). */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  if (typeof text !== 'string') throw new ArgumentError(`Expected a string for text but received ${describe(text)}`);
  return makeTokenizer(options)(text);
}

/**
 * Word n-grams as sklearn builds them: stop words are dropped first, then n-grams of
 * ngramRange[0]..ngramRange[1] consecutive remaining tokens joined by one space (all unigrams
 * first, then all bigrams, ...).
 */
export function wordNgrams(tokens: readonly string[], ngramRange: readonly [number, number] = [1, 1], stopWords?: ReadonlySet<string> | null): string[] {
  const words = stopWords ? tokens.filter((t) => !stopWords.has(t)) : tokens.slice();
  const [minN, maxN] = ngramRange;
  if (maxN === 1) return words;
  const out = minN === 1 ? words.slice() : [];
  for (let n = Math.max(minN, 2); n <= Math.min(maxN, words.length); ++n)
    for (let i = 0; i + n <= words.length; ++i) out.push(words.slice(i, i + n).join(' '));
  return out;
}

/**
 * Compares strings by Unicode code point, as Python sorts them (JavaScript's default sort
 * compares UTF-16 code units, which puts U+E000..U+FFFF after astral characters).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ++i) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: move them past 0xE000-0xFFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** scikit-learn's ENGLISH_STOP_WORDS (318 words, from the Glasgow Information Retrieval Group). */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'across', 'after', 'afterwards', 'again', 'against', 'all', 'almost', 'alone',
  'along', 'already', 'also', 'although', 'always', 'am', 'among', 'amongst', 'amoungst', 'amount', 'an',
  'and', 'another', 'any', 'anyhow', 'anyone', 'anything', 'anyway', 'anywhere', 'are', 'around', 'as', 'at',
  'back', 'be', 'became', 'because', 'become', 'becomes', 'becoming', 'been', 'before', 'beforehand',
  'behind', 'being', 'below', 'beside', 'besides', 'between', 'beyond', 'bill', 'both', 'bottom', 'but',
  'by', 'call', 'can', 'cannot', 'cant', 'co', 'con', 'could', 'couldnt', 'cry', 'de', 'describe', 'detail',
  'do', 'done', 'down', 'due', 'during', 'each', 'eg', 'eight', 'either', 'eleven', 'else', 'elsewhere',
  'empty', 'enough', 'etc', 'even', 'ever', 'every', 'everyone', 'everything', 'everywhere', 'except', 'few',
  'fifteen', 'fifty', 'fill', 'find', 'fire', 'first', 'five', 'for', 'former', 'formerly', 'forty', 'found',
  'four', 'from', 'front', 'full', 'further', 'get', 'give', 'go', 'had', 'has', 'hasnt', 'have', 'he',
  'hence', 'her', 'here', 'hereafter', 'hereby', 'herein', 'hereupon', 'hers', 'herself', 'him', 'himself',
  'his', 'how', 'however', 'hundred', 'i', 'ie', 'if', 'in', 'inc', 'indeed', 'interest', 'into', 'is', 'it',
  'its', 'itself', 'keep', 'last', 'latter', 'latterly', 'least', 'less', 'ltd', 'made', 'many', 'may', 'me',
  'meanwhile', 'might', 'mill', 'mine', 'more', 'moreover', 'most', 'mostly', 'move', 'much', 'must', 'my',
  'myself', 'name', 'namely', 'neither', 'never', 'nevertheless', 'next', 'nine', 'no', 'nobody', 'none',
  'noone', 'nor', 'not', 'nothing', 'now', 'nowhere', 'of', 'off', 'often', 'on', 'once', 'one', 'only',
  'onto', 'or', 'other', 'others', 'otherwise', 'our', 'ours', 'ourselves', 'out', 'over', 'own', 'part',
  'per', 'perhaps', 'please', 'put', 'rather', 're', 'same', 'see', 'seem', 'seemed', 'seeming', 'seems',
  'serious', 'several', 'she', 'should', 'show', 'side', 'since', 'sincere', 'six', 'sixty', 'so', 'some',
  'somehow', 'someone', 'something', 'sometime', 'sometimes', 'somewhere', 'still', 'such', 'system', 'take',
  'ten', 'than', 'that', 'the', 'their', 'them', 'themselves', 'then', 'thence', 'there', 'thereafter',
  'thereby', 'therefore', 'therein', 'thereupon', 'these', 'they', 'thick', 'thin', 'third', 'this', 'those',
  'though', 'three', 'through', 'throughout', 'thru', 'thus', 'to', 'together', 'too', 'top', 'toward',
  'towards', 'twelve', 'twenty', 'two', 'un', 'under', 'until', 'up', 'upon', 'us', 'very', 'via', 'was',
  'we', 'well', 'were', 'what', 'whatever', 'when', 'whence', 'whenever', 'where', 'whereafter', 'whereas',
  'whereby', 'wherein', 'whereupon', 'wherever', 'whether', 'which', 'while', 'whither', 'who', 'whoever',
  'whole', 'whom', 'whose', 'why', 'will', 'with', 'within', 'without', 'would', 'yet', 'you', 'your',
  'yours', 'yourself', 'yourselves',
]);
