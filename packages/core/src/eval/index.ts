// Evaluation for @amaas/core: classification/regression metrics and cross-validation.
// Models live elsewhere; anything with fit/predict (the Estimator interface) can be validated.
export {
  accuracy,
  confusionMatrix,
  precisionRecallF1,
  classificationReport,
  logLoss,
  rocAuc,
  meanSquaredError,
  meanAbsoluteError,
  r2Score,
  uniqueLabels,
  AVERAGES,
} from './metrics';
export type {
  NumericArray,
  ConfusionMatrix,
  Average,
  PrfOptions,
  PerClassScores,
  AveragedScores,
  ClassScores,
  ClassificationReport,
  ReportOptions,
  LogLossOptions,
} from './metrics';
export { kFold, stratifiedKFold, crossValidate, SCORINGS } from './cv';
export type { Estimator, Fold, KFoldOptions, Scoring, CrossValidateOptions, CrossValidateResult, FoldResult, Summary } from './cv';
