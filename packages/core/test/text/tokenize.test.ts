// Tokenizer against sklearn's default analyzer (outputs from scikit-learn 1.9): Unicode words,
// numbers, 1-character tokens dropped, custom patterns, stop words, n-grams, code-point order.
import { ArgumentError } from '../../src/errors';
import { compareCodePoints, ENGLISH_STOP_WORDS, makeTokenizer, tokenize, wordNgrams } from '../../src/text';

describe('tokenize', () => {
  test('Unicode letters and numbers, lower-cased; 1-character tokens dropped (sklearn vocabulary)', () => {
    const tokens = tokenize('café naïve Straße 42 a b x1 _x über-cool ΣΊΣΥΦΟΣ 日本語 x²');
    expect(tokens).toEqual(['café', 'naïve', 'straße', '42', 'x1', '_x', 'über', 'cool', 'σίσυφος', '日本語', 'x²']);
  });

  test('punctuation, e-mail addresses and URLs split on non-word characters', () => {
    expect(tokenize("Don't e-mail bob@example.com: http://x.org/a_b?q=12!")).toEqual(['don', 'mail', 'bob', 'example', 'com', 'http', 'org', 'a_b', '12']);
  });

  test('a word character next to a non-ASCII letter is not a boundary (unlike JS \\b)', () => {
    expect(tokenize('résumé')).toEqual(['résumé']);
    expect(tokenize('éa')).toEqual(['éa']);
    // Emoji are not word characters: 'x' stands alone and is dropped.
    expect(tokenize('\u{1F600}x ab')).toEqual(['ab']);
  });

  test('lowercase: false keeps case; custom patterns, with a capturing group too', () => {
    expect(tokenize('Hello World hello', { lowercase: false })).toEqual(['Hello', 'World', 'hello']);
    expect(tokenize('A b cd', { pattern: /(?<![\p{L}\p{N}_])[\p{L}\p{N}_]+/u })).toEqual(['a', 'b', 'cd']);
    expect(tokenize('key=val; k2=v2', { pattern: /(\w+)=/ })).toEqual(['key', 'k2']);
    expect(tokenize('abc', { pattern: /x*/ })).toEqual([]); // empty matches are skipped, no endless loop
    expect(() => makeTokenizer({ pattern: /(a)(b)/ })).toThrow(ArgumentError);
    expect(() => tokenize(3 as never)).toThrow(ArgumentError);
  });
});

test("ENGLISH_STOP_WORDS is sklearn's list", () => {
  expect(ENGLISH_STOP_WORDS.size).toBe(318);
  for (const w of ['a', 'the', 'amoungst', 'yourselves', 'thru', 'bill', 'cry', 'de']) expect(ENGLISH_STOP_WORDS.has(w)).toBe(true);
  for (const w of ['document', 'spam', 'free']) expect(ENGLISH_STOP_WORDS.has(w)).toBe(false);
});

test('wordNgrams: stop words removed before n-grams, unigrams first (sklearn _word_ngrams)', () => {
  const t = ['this', 'is', 'the', 'first', 'document'];
  expect(wordNgrams(t, [1, 2])).toEqual(['this', 'is', 'the', 'first', 'document', 'this is', 'is the', 'the first', 'first document']);
  expect(wordNgrams(t, [2, 3], new Set(['is']))).toEqual(['this the', 'the first', 'first document', 'this the first', 'the first document']);
  expect(wordNgrams(['one'], [2, 2])).toEqual([]);
});

test('compareCodePoints sorts as Python does (U+FF41 before U+10428; UTF-16 order differs)', () => {
  const words = ['a\u{10428}', 'a\uff41', 'ab', 'a'];
  expect(words.slice().sort(compareCodePoints)).toEqual(['a', 'ab', 'a\uff41', 'a\u{10428}']);
  expect(words.slice().sort()).toEqual(['a', 'ab', 'a\u{10428}', 'a\uff41']);
});
