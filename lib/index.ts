/**
 * blasnet: multi-layer perceptrons for Node.js over OpenBLAS. Every public export is listed here.
 * @packageDocumentation
 */
export { Network } from './network';
export type { NetworkOptions, GradientResult, Evaluation, LoadOptions, ModelBytes, SaveOptions } from './network';
export type { JsonValue, ModelHeader, ModelMetadata } from './model/description';
export type { ModelJSON } from './model/json';
/** The ONNX IR and ai.onnx opset versions {@link Network.toONNX} writes (README "ONNX"). */
export { IR_VERSION as ONNX_IR_VERSION, OPSET_VERSION as ONNX_OPSET_VERSION } from './onnx/versions';
export type { History } from './train/history';
export type { Predictor, PredictorOptions } from './predictor';
export type { Layer } from './layer';
export type {
  AbortSignalLike,
  BatchLogs,
  EarlyStoppingOptions,
  EpochLogs,
  FitAsyncOptions,
  FitOptions,
} from './train/options';
export { MAX_EPOCHS } from './train/options';

export { Identity, LeakyRelu, Relu, Sigmoid, Softmax, Tanh, ACTIVATIONS } from './activations';
export type { Activation } from './activations';
export { BinaryCrossEntropy, CrossEntropy, MSE, LOSSES } from './losses';
export type { Loss } from './losses';

export { Matrix } from './matrix';
export type { Dtype, FloatArrayOf, MatrixLike, TargetsLike } from './matrix';
export { Adam, AdamW, Optimizer, SGD } from './optimizers';
export type { AdamBase, AdamOptions, OptimizerConfig, OptimizerState, SGDOptions } from './optimizers';
export * as schedules from './schedules';
export type { Schedule } from './schedules';
export type { InitializerName } from './initializers';
export { Random } from './random';
export type { PermutationKernel, RandomState } from './random';

export { accuracy, argmaxRows, classificationMetrics, classificationReport, confusionMatrix } from './metrics';
export type { ClassificationMetrics, ReportOptions } from './metrics';
export { oneHot, readCsv, splitColumn, Standardizer, takeLabels, takeRows, trainTestSplit } from './data';
export type { CsvTable, SplitOptions } from './data';

export { backends, blasInfo, getNumThreads, releaseFreeMemory, setNumThreads, resolveBackend } from './backend';
export type { AddonSource, Backend, BackendName, BlasInfo } from './backend';
export type { CoreTypeSource } from './backend/core-type';
export { ActivationCode, KERNEL_NAMES, LossCode } from './backend/kernels';
export type {
  AllKernels,
  FloatArray,
  IndexArray,
  KernelName,
  Kernels,
  LossArguments,
  NetworkKernels,
  OptimizerKernels,
  RandomKernels,
  TrainingArguments,
} from './backend/kernels';

export type { BlasnetErrorCode } from './errors';
export {
  AbortError,
  BlasnetError,
  ERROR_CODES,
  ModelFormatError,
  NativeLoadError,
  NonFiniteLossError,
  OptionError,
  ShapeError,
  StateError,
  TableError,
  ValueError,
} from './errors';

// The table layer's public surface, listed once in lib/table/index.ts.
export * from './table';
export type { ClassWeight, WeightOptions } from './train/sample-weights';

export { configurePool, poolInfo } from './train/pool';
export type { PoolInfo, PoolOptions } from './train/pool';

// Search and cross-validation, listed once in lib/search/index.ts.
export * from './search';
