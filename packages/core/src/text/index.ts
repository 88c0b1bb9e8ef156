// Text classification for @amaas/core: tokenizer, sparse CSR features (counts, tf-idf),
// multinomial naive Bayes, and TextClassifier tying them together from raw strings.
export { TOKEN_PATTERN, ENGLISH_STOP_WORDS, tokenize, makeTokenizer, wordNgrams, compareCodePoints } from './tokenize';
export type { TokenizeOptions } from './tokenize';
export { CsrMatrix, csrTimesDenseT } from './sparse';
export { CountVectorizer, TfidfTransformer } from './vectorize';
export type { CountVectorizerOptions, CountVectorizerJSON, TfidfOptions, TfidfTransformerJSON } from './vectorize';
export { MultinomialNB } from './naive-bayes';
export type { MultinomialNBOptions, MultinomialNBJSON } from './naive-bayes';
export { TextClassifier } from './pipeline';
export type { TextClassifierOptions, TextClassifierJSON, TextEvaluation, TextLabels } from './pipeline';
export type { EncodedArray } from './encoding';
