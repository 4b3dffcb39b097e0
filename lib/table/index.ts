/** The table layer's public surface (re-exported by lib/index.ts). */
export { TableModel, regressionMetrics } from './model';
export type {
  ClassificationEvaluation,
  ColumnSummary,
  Prediction,
  RegressionEvaluation,
  TableEvaluation,
  TableLoadOptions,
  TableSpec,
  TargetMetrics,
} from './model';
export type { TableFitAsyncOptions, TableFitOptions } from './options';
export {
  DEFAULT_MAX_CATEGORIES,
  DEFAULT_MIN_FREQUENCY,
  DEFAULT_TABLE_BATCH_SIZE,
  DEFAULT_TABLE_HIDDEN,
  DEFAULT_TABLE_WEIGHT_DECAY,
  defaultBatchSize,
} from './options';
export { DEFAULT_MISSING } from './cells';
export type { ColumnKind, DropReason } from './infer';
export type { CategoricalEncoder, ColumnEncoder, DateEncoder, DatePart, NumericEncoder } from './encoders';
export type { HiddenActivation } from './network-plan';
export type { ParsedTable, Row, TableRows } from './rows';
export type { ClassTarget, Label, RegressionTarget, TargetEncoder } from './target';
export { splitRows } from './split';
export type { SplitRowsOptions } from './split';
export { formatColumns } from './describe';
