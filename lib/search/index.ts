/** Hyperparameter search and cross-validation (re-exported from lib/index.ts). */
export { crossValidate } from './cross-validate';
export type { CrossValidateOptions, CrossValidation } from './cross-validate';
export { kFolds } from './folds';
export type { Fold } from './folds';
export { DEFAULT_SPACE, sampleCandidates } from './sample';
export type { SearchSpace } from './sample';
export { DEFAULT_SETTINGS } from './settings';
export type { Task, TrialSettings } from './settings';
export { localTableTrialRunner, localTrialRunner, tune } from './tune';
export type { TableSearchData } from './table-search';
export type { Trial, TrialRunner, TrialValidation, TuneOptions, TuneResult } from './tune';
