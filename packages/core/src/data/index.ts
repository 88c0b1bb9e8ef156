// @amaas/core data: loading (CSV, JSON records, IDX, named datasets), splitting, scaling and
// encoding. Everything public in src/data is exported here; nothing here trains a model.
export type { Dataset, TextDataset, Task, ColumnType, MissingPolicy } from './types';
export { createDataset, subset, takeRows, isTextDataset } from './dataset';
export type { DatasetFields } from './dataset';
export { Table, toDataset, NUMBER_RE } from './table';
export type { ToDatasetOptions } from './table';
export { parseCsv, readCsv, readTextFile, DEFAULT_MISSING_VALUES } from './csv';
export type { CsvOptions } from './csv';
export { fromRecords, readJsonRecords } from './json';
export type { FromRecordsOptions } from './json';
export { parseIdx, readIdx, encodeIdx, idxToDataset, IDX_MAX_RANK } from './idx';
export type { IdxArray, IdxDtype, IdxData, ReadIdxOptions, IdxToDatasetOptions } from './idx';
export { loadDataset, listDatasets, loadFashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR } from './datasets';
export type { DatasetName, TabularDatasetName, TextDatasetName, LoadDatasetOptions, DatasetInfo, FashionMnistOptions } from './datasets';
export {
  prepareSklearnData, hasSklearnData, sklearnDir, SKLEARN_FILES, PREPARE_SKLEARN_COMMAND,
  loadDiabetes, loadDigits, loadWine, loadBreastCancer,
} from './sklearn';
export type { PrepareSklearnOptions, SklearnSource, SklearnLoadOptions } from './sklearn';
export { datasetsDir } from './paths';
export { trainTestSplit, StandardScaler, MinMaxScaler, LabelEncoder, OneHotEncoder } from './preprocess';
export type {
  SplitOptions, Split, StandardScalerSpec, MinMaxScalerSpec, LabelEncoderSpec, OneHotEncoderSpec, OneHotEncoderOptions,
} from './preprocess';
export { createRng, mulberry32 } from './random';
export type { Rng } from './random';
