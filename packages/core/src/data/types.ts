// The shapes data takes between loading and training: a numeric table (Dataset) and a labelled
// text corpus (TextDataset). Types only; dataset.ts checks that values fit these shapes.
import type { Tensor } from '../tensor';

export type Task = 'classification' | 'regression';

/** Tabular data with numeric features. */
export interface Dataset {
  name: string;
  /** (n, d) float32 features. */
  x: Tensor;
  /** (n) class index 0..k-1 (classification) or target value (regression). */
  y: Float32Array;
  /** (d) one name per column of x. */
  featureNames: string[];
  /** Classification: label name per class index. */
  classes?: string[];
  task: Task;
  /** Image datasets (mnist, digits, fashion-mnist): the [height, width] each row of x flattens. */
  imageShape?: readonly number[];
}

/** Labelled documents (spam-assassin). */
export interface TextDataset {
  name: string;
  texts: string[];
  /** (n) class index into `classes`. */
  y: Float32Array;
  classes: string[];
  /** (n) a stable id per text naming its source. */
  ids: string[];
}

export type ColumnType = 'number' | 'string';

/** How missing cells (see `missingValues`) are handled, column by column. */
export type MissingPolicy =
  | 'error'
  | 'dropna'
  | { impute: 'mean' | 'median' | 'most_frequent' | number };
