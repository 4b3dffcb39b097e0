/**
 * Network: a multi-layer perceptron of dense layers. It owns its parameters and workspaces and sends every
 * product and elementwise loop through its backend.
 */
import { randomInt } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';

import { findActivation, type Activation } from './activations';
import { resolveBackend } from './backend';
import type { Backend, BackendName } from './backend/backend';
import { ModelFormatError, StateError, ValueError } from './errors';
import type { Layer } from './layer';
import { LOSSES, resolveLoss, type Loss } from './losses';
import type { FloatArray } from './backend/kernels';
import { INITIALIZER_NAMES, initialize, type InitializerName } from './initializers';
import { assertFinite, inDtype, Matrix, MAX_ELEMENTS, toMatrix, toTargets, type Dtype, type FloatArrayOf, type MatrixLike, type TargetsLike } from './matrix';
import { Optimizer, optimizerFromConfig, SGD } from './optimizers';
import { argmaxRows, confusionMatrix, accuracy as accuracyOf } from './metrics';
import { writeFileAtomic } from './model/atomic-write';
import { decodeModel, encodeModel } from './model/binary';
import { readModelFile } from './model/read-file';
import { checkSavable, type ModelDescription, type ModelMetadata } from './model/description';
import { decodeModelJSON, encodeModelJSON, type ModelJSON } from './model/json';
import { checkMetadata } from './model/metadata';
import { describeONNX, networkToONNX } from './onnx';
import { Random, type RandomState } from './random';
import { MAX_LAYERS, NetworkLayout } from './backend/layout';
import { checkMemory } from './memory';
import { trainInWorker, type AsyncData, type AsyncRun, type Owned, type RunSchedule } from './train/fit-async';
import { logLine, type History } from './train/history';
import { runTraining } from './train/loop';
import { evaluationWorkspaceRows, loopSettings, runRate } from './train/plan';
import { scheduledRate } from './schedules';
import {
  resolveFitAsyncOptions,
  resolveFitOptions,
  type FitAsyncOptions,
  type FitOptions,
  type ResolvedFitOptions,
} from './train/options';
import type { TrainingTarget } from './train/trainer';
import { rowWeights, type WeightOptions } from './train/sample-weights';
import { prepareData } from './train/validation';
import { weightedGradients } from './train/weighted';
import { createPredictor, type Predictor, type PredictorOptions } from './predictor';
import { evaluationCapacity, Workspace } from './train/workspace';
import { integerIn, invalid, optionsObject, shapeMismatch } from './validate';

/** Options of the {@link Network} constructor. */
export interface NetworkOptions<D extends Dtype = Dtype> {
  /**
   * Seeds the network's random generator (initial weights, then shuffling). The same seed gives
   * bit-identical initial weights on both backends; training is bit-identical run to run on one backend at
   * one thread count (and fit to fitAsync), while the two backends agree to rounding (README,
   * Reproducibility). Default: a random seed, readable as `net.seed`.
   */
  seed?: number;
  /** `'native'` (default: OpenBLAS) or `'js'` (pure TypeScript), or a Backend object. */
  backend?: BackendName | Backend;
  /**
   * The element type of the parameters and of every computation: `'float64'` (default) or `'float32'`
   * (`cblas_sgemm` and float loops: half the memory and about twice the speed of large products, with
   * float32 precision). Data is given and results are returned as float64 either way.
   */
  dtype?: D;
  /**
   * How the weights start (biases start at 0): `'xavier'` (default, the seed's: N(0, 1) / sqrt(fan_in)),
   * `'he'` (N(0, 1) * sqrt(2 / fan_in), for ReLU layers) or `'glorotUniform'` (U(+-sqrt(6 / (fan_in +
   * fan_out))), Keras's default). Drawn from the seeded generator: a float32 network starts from the same
   * numbers as a float64 one, rounded.
   */
  initializer?: InitializerName;
}

/**
 * What {@link Network.toBuffer} returns: a Node `Buffer` where Node's types (@types/node) are loaded, else
 * the `Uint8Array` it is, so that the published types compile in a project without @types/node (issue 13).
 */
export type ModelBytes = typeof globalThis extends { Buffer: { alloc(size: number): infer B } } ? B : Uint8Array;

/** Options of {@link Network.save}, {@link Network.toJSON} and {@link Network.toBuffer}. */
export interface SaveOptions {
  /**
   * Also save the network's optimizer (its kind, hyper-parameters and state: momentum or Adam's moments
   * and step count), so that a loaded network trains on exactly as if it had never stopped. Default false.
   */
  withOptimizer?: boolean;
}

/** Options of {@link Network.load}, {@link Network.fromJSON} and {@link Network.fromBuffer}. */
export interface LoadOptions {
  /** The backend of the loaded network: `'native'` (default) or `'js'`, or a Backend object. */
  backend?: BackendName | Backend;
  /**
   * The dtype the model must have, which is also the loaded network's type: `'float64'` (default:
   * `Network<'float64'>`, Float64Array weights), `'float32'` (`Network<'float32'>`), or `'any'` for either
   * (`Network<Dtype>`: check `net.dtype`). A model of another dtype is rejected with a
   * {@link ModelFormatError} (`ERR_MODEL_DTYPE`) before anything is built, so the static type never lies.
   */
  dtype?: Dtype | 'any';
}

/** A saved model's weights and generator state, given to the constructor instead of drawing new ones. */
interface Restored {
  parameters: Float64Array;
  random: RandomState | undefined;
}

const DTYPES: readonly Dtype[] = ['float64', 'float32'];

/** The constructor's hidden option for loading: a symbol, so no options object can pass it by accident. */
const RESTORE = Symbol('restore');

/** The loss and its exact gradients for one batch, as returned by {@link Network.gradients}. */
export interface GradientResult<D extends Dtype = 'float64'> {
  /** The loss of the batch (mean reduction). */
  loss: number;
  /** d(loss)/d(weights) per layer, shaped like `layers[i].weights` (Float32Array in a float32 network). */
  weights: FloatArrayOf<D>[];
  /** d(loss)/d(biases) per layer. */
  biases: FloatArrayOf<D>[];
}

export type { History } from './train/history';

/** What {@link Network.evaluate} returns. */
export interface Evaluation {
  /** The fraction of rows whose predicted class is the label. */
  accuracy: number;
  /** The predicted class per row: the largest output, or output >= 0.5 for a single output. */
  predictions: Int32Array;
  /** confusion[trueClass][predictedClass] counts. */
  confusion: number[][];
}

const NETWORK_OPTION_NAMES = ['seed', 'backend', 'dtype', 'initializer'] as const;
/** BLAS takes dimensions as int. */
const MAX_UNITS = 2147483647;

function checkDims(dims: unknown): number[] {
  if (!Array.isArray(dims)) throw invalid('ERR_INVALID_DIMS', 'dims', 'an array of layer sizes such as [64, 15, 10]', dims);
  if (dims.length < 2) {
    throw invalid('ERR_INVALID_DIMS', 'dims', 'at least two layer sizes (inputs and outputs)', dims);
  }
  dims.forEach((units, i) => {
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > MAX_UNITS) {
      throw invalid('ERR_INVALID_DIMS', `dims[${i}]`, `an integer from 1 to ${MAX_UNITS}`, units);
    }
  });
  if (dims.length - 1 > MAX_LAYERS) {
    throw invalid('ERR_INVALID_DIMS', 'dims', `at most ${MAX_LAYERS} layers (${MAX_LAYERS + 1} sizes), the kernels' limit`, dims);
  }
  // Refuse before allocating what cannot be allocated, rather than dying in the allocator.
  let parameters = 0;
  for (let i = 0; i + 1 < dims.length; i++) {
    const weights = dims[i] * dims[i + 1];
    if (weights > MAX_ELEMENTS) {
      throw new ValueError(
        'ERR_TOO_LARGE',
        `Layer ${i} would have ${dims[i]} x ${dims[i + 1]} = ${weights} weights, more than one array can hold (${MAX_ELEMENTS})`,
      );
    }
    parameters += weights + dims[i + 1];
  }
  return dims.slice();
}

/** The size checks admit what the machine could hold; the allocator may still say no (memory in use). */
function allocateParameters(count: number, dims: readonly number[], dtype: Dtype): FloatArray {
  try {
    return dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  } catch (cause) {
    throw new ValueError(
      'ERR_TOO_LARGE',
      `Could not allocate the ${count} parameters of dims ${JSON.stringify(dims)} (${((count * 8) / 2 ** 30).toFixed(1)} GiB)`,
      { cause },
    );
  }
}

function checkActivations(activations: unknown, layerCount: number): Activation[] {
  if (!Array.isArray(activations)) {
    throw invalid('ERR_INVALID_ACTIVATION', 'activations', `an array of ${layerCount} activations`, activations);
  }
  if (activations.length !== layerCount) {
    throw invalid(
      'ERR_INVALID_ACTIVATION',
      'activations',
      `one activation per non-input layer (${layerCount})`,
      activations,
    );
  }
  return activations.map((value, i) => {
    const activation = findActivation(value);
    if (!activation) {
      throw invalid('ERR_INVALID_ACTIVATION', `activations[${i}]`, 'Relu, Sigmoid, Tanh, LeakyRelu, Identity or Softmax', value);
    }
    if (activation.outputOnly && i !== layerCount - 1) {
      throw new ValueError(
        'ERR_INVALID_ACTIVATION',
        `Expected activations[${i}] to be a hidden-layer activation but received ${activation.name}, which is allowed on the output layer only`,
      );
    }
    return activation;
  });
}

/**
 * A multi-layer perceptron: `dims[0]` inputs, hidden layers, `dims[dims.length - 1]` outputs.
 *
 * @example
 * ```ts
 * const net = new Network([64, 15, 10], [Relu, Softmax], { seed: 1 });
 * net.fit(x, y, { loss: CrossEntropy, epochs: 100, batchSize: 15, learningRate: 0.1 });
 * const probabilities = net.predict(x); // rows x 10
 * ```
 */
export class Network<D extends Dtype = 'float64'> implements TrainingTarget {
  /** Layer sizes, inputs first. */
  readonly dims: readonly number[];
  /** The layers, input side first. Their weights and biases may be read and written in place. */
  readonly layers: readonly Layer<D>[];
  /** The seed the network was made with. */
  readonly seed: number;
  /** The backend every kernel call goes through. */
  readonly backend: Backend;
  /** The element type of the parameters and of every computation. */
  readonly dtype: D;
  /**
   * Every parameter in one vector (a Float32Array in a float32 network): for each layer its weights, then
   * its biases. `layers[i].weights` and `.biases` are views into it, so an optimizer step is one kernel
   * call over the whole network.
   */
  readonly parameters: FloatArrayOf<D>;
  /**
   * Free-form JSON data saved with the model and loaded back unchanged (feature names, standardisation,
   * class names...). Plain JSON values only; checked when saving.
   */
  metadata: ModelMetadata = {};
  /** @internal The flat buffer layout shared with the kernels. */
  readonly layout: NetworkLayout;
  /** @internal The layout in the Int32Array form the kernels take. */
  readonly layoutCode: Int32Array;

  private readonly random: Random;
  private predictWorkspace: Workspace | undefined;
  private predictFloat32Buffers: { x: Float32Array; y: Float32Array } | undefined;
  /** The loss of the last fit, kept so a saved and reloaded network trains on with the same one. */
  private trainedLoss: Loss | undefined;
  /** The optimizer of the last fit (or loaded with the model): fit's default. */
  private currentOptimizer: Optimizer | undefined;
  /** Epochs completed over this network's life (schedules count from it). */
  private completedEpochs = 0;
  /** Set while fit or fitAsync runs: one training at a time per network. */
  private training: 'fit' | 'fitAsync' | undefined;

  /**
   * @param dims - layer sizes, at least two (inputs and outputs), each an integer >= 1
   * @param activations - one per non-input layer; {@link Softmax} on the output layer only
   * @param options - seed and backend
   * @throws {@link ValueError} for bad dims, activations or options; {@link NativeLoadError} when the
   *   native backend is asked for and cannot load
   */
  constructor(dims: readonly number[], activations: readonly Activation[], options: NetworkOptions<D> = {}) {
    const given = optionsObject('options', options, NETWORK_OPTION_NAMES);
    this.dims = Object.freeze(checkDims(dims));
    const acts = checkActivations(activations, this.dims.length - 1);
    this.seed = given.seed === undefined ? randomInt(2 ** 48 - 1) : integerIn('options.seed', given.seed, 0);
    this.backend = resolveBackend((given.backend ?? 'native') as BackendName | Backend);
    const dtype = given.dtype ?? 'float64';
    if (!DTYPES.includes(dtype as Dtype)) throw invalid('ERR_INVALID_ARGUMENT', 'options.dtype', "'float64' or 'float32'", dtype);
    this.dtype = dtype as D;
    const initializer = given.initializer ?? 'xavier';
    if (!INITIALIZER_NAMES.includes(initializer as InitializerName)) {
      throw invalid('ERR_INVALID_ARGUMENT', 'options.initializer', `one of ${INITIALIZER_NAMES.map((n) => `'${n}'`).join(', ')}`, initializer);
    }
    this.random = new Random(this.seed);
    const restored = (options as { [RESTORE]?: Restored })[RESTORE];
    this.layout = new NetworkLayout(this.dims, acts.map((a) => a.code));
    // Every training needs the parameters and their gradients; fit checks the rest when it knows it.
    checkMemory(
      2 * this.layout.parameterCount * (dtype === 'float32' ? 4 : 8),
      `A network of dims ${JSON.stringify(this.dims)} (${this.layout.parameterCount} ${dtype} parameters)`,
      'its parameters and their gradients, which every training needs',
    );
    this.layoutCode = this.layout.encode();
    this.parameters = allocateParameters(this.layout.parameterCount, this.dims, this.dtype) as FloatArrayOf<D>;
    const layers: Layer<D>[] = [];
    for (let i = 0; i < acts.length; i++) {
      const inputs = this.dims[i]!;
      const outputs = this.dims[i + 1]!;
      const start = this.layout.weightOffsets[i]!;
      const weights = this.parameters.subarray(start, start + inputs * outputs) as FloatArrayOf<D>;
      const biases = this.parameters.subarray(this.layout.biasOffsets[i]!, this.layout.biasOffsets[i]! + outputs) as FloatArrayOf<D>;
      if (!restored) initialize(initializer as InitializerName, weights, inputs, outputs, this.random);
      layers.push(Object.freeze({ inputs, outputs, weights, biases, activation: acts[i]! }));
    }
    this.layers = Object.freeze(layers);
    if (restored) {
      this.parameters.set(restored.parameters);
      if (restored.random !== undefined) this.random.setState(restored.random);
    }
  }

  /** Number of inputs. */
  get inputs(): number {
    return this.dims[0]!;
  }

  /** Number of outputs. */
  get outputs(): number {
    return this.dims[this.dims.length - 1]!;
  }

  /** The loss this network last trained with (saved with it, and fit's default loss), if it has trained. */
  get loss(): Loss | undefined {
    return this.trainedLoss;
  }

  /**
   * The optimizer fit uses by default: the last one this network trained with (or was loaded with), until
   * fit is given another. Undefined before the first training.
   */
  get optimizer(): Optimizer | undefined {
    return this.currentOptimizer;
  }

  /** Epochs completed over the network's life (saved with it); learning-rate schedules count from it. */
  get epochsTrained(): number {
    return this.completedEpochs;
  }

  /** Whether a fit or fitAsync is running on this network. */
  get isTraining(): boolean {
    return this.training !== undefined;
  }

  /** The output layer's activation. */
  get outputActivation(): Activation {
    return this.layers[this.layers.length - 1]!.activation;
  }

  /**
   * The network's outputs for every row of `x`, computed in chunks of 1024 rows so memory stays bounded.
   * @param x - rows x inputs (a {@link Matrix} or number[][]); finite values
   * @returns rows x outputs
   */
  predict(x: MatrixLike): Matrix {
    const input = this.checkInputs(x, 'x');
    const out = new Matrix(input.rows, this.outputs);
    const workspace = this.evaluationWorkspace(input.rows);
    if (this.dtype === 'float32') {
      this.predictFloat32(input, out, workspace);
      return out;
    }
    for (let start = 0; start < input.rows; start += workspace.capacity) {
      const rows = Math.min(workspace.capacity, input.rows - start);
      // One chunk (the common case) writes straight into the result, with no view to allocate.
      const target = start === 0 ? out.data : out.data.subarray(start * this.outputs);
      this.backend.networkForward(this.layoutCode, this.parameters, workspace.buffer, workspace.capacity, input.data, start, rows, target);
    }
    return out;
  }

  /**
   * A prepared predict for serving: the forward pass is checked and bound to its own buffers once, and the
   * returned function runs it for 1 to `options.rows` rows per call (a Matrix, or the rows' values in a
   * Float64Array, Float32Array or number[]). It reads the parameters as they are at each call, so training
   * and in-place weight edits are seen; its result array is reused by the next call. See lib/predictor.ts.
   * @throws {@link ValueError} for bad options
   */
  predictor(options: PredictorOptions = {}): Predictor {
    return createPredictor(this, options);
  }

  /**
   * predict for a float32 network, which computes in float32: each chunk of rows is converted into a kept
   * float32 buffer (and checked, since a number beyond float32's range becomes infinite), run, and its
   * outputs copied back. Plain loops rather than Float32Array.from or views: a one-row predict allocates
   * nothing but its result.
   */
  private predictFloat32(input: Matrix, out: Matrix, workspace: Workspace): void {
    const { inputs, outputs } = this;
    const capacity = workspace.capacity;
    const scratch = this.float32Scratch(capacity);
    for (let start = 0; start < input.rows; start += capacity) {
      const rows = Math.min(capacity, input.rows - start);
      const count = rows * inputs;
      const base = start * inputs;
      let probe = 0;
      for (let i = 0; i < count; i++) {
        scratch.x[i] = input.data[base + i]!;
        probe += scratch.x[i]! * 0;
      }
      if (probe !== 0) assertFinite({ rows, cols: inputs, data: scratch.x.subarray(0, count) }, 'x', start);
      this.backend.networkForward(this.layoutCode, this.parameters, workspace.buffer, capacity, scratch.x, 0, rows, scratch.y);
      const outBase = start * outputs;
      const produced = rows * outputs;
      for (let i = 0; i < produced; i++) out.data[outBase + i] = scratch.y[i]!;
    }
  }

  /** Kept float32 input and output buffers for predictFloat32, for `capacity` rows. */
  private float32Scratch(capacity: number): { x: Float32Array; y: Float32Array } {
    if (this.predictFloat32Buffers === undefined || this.predictFloat32Buffers.y.length < capacity * this.outputs) {
      this.predictFloat32Buffers = { x: new Float32Array(capacity * this.inputs), y: new Float32Array(capacity * this.outputs) };
    }
    return this.predictFloat32Buffers;
  }

  /**
   * The loss of one batch and its exact gradients, without changing any parameter.
   * @param weights - `sampleWeight` (one per row) and/or `classWeight`, as fit takes them: the loss is
   *   then sum(w_i * loss_i) / sum(w_i), PyTorch's weighted reduction
   * @returns the batch loss (mean reduction, as PyTorch) and d(loss)/d(parameter) per layer
   */
  gradients(x: MatrixLike, y: TargetsLike, loss: Loss, weights?: WeightOptions): GradientResult<D> {
    const { input, targets } = this.checkPair(x, y);
    const lossFn = resolveLoss(loss, this.outputActivation, 'loss');
    const weightOptions = optionsObject('weights', weights, ['sampleWeight', 'classWeight'] as const) as WeightOptions;
    const rowWeight = rowWeights(weightOptions, targets);
    const workspace = new Workspace(this.layout, input.rows, this.dtype);
    const gradients = allocateParameters(this.layout.parameterCount, this.dims, this.dtype) as FloatArrayOf<D>;
    const rows = Uint32Array.from({ length: input.rows }, (_, i) => i);
    const value = rowWeight !== undefined
      ? weightedGradients(this, workspace, gradients, lossFn, inDtype(input, this.dtype), inDtype(targets, this.dtype), rowWeight, rows, 0, input.rows)
      : this.backend.networkGradients(
      this.layoutCode,
      this.parameters,
      gradients,
      workspace.buffer,
      input.rows,
      lossFn.code,
      inDtype(input, this.dtype).data,
      inDtype(targets, this.dtype).data,
      rows,
      0,
      input.rows,
      0,
    );
    return {
      loss: value,
      weights: this.layers.map((l, i) => gradients.subarray(this.layout.weightOffsets[i]!, this.layout.weightOffsets[i]! + l.weights.length) as FloatArrayOf<D>),
      biases: this.layers.map((l, i) => gradients.subarray(this.layout.biasOffsets[i]!, this.layout.biasOffsets[i]! + l.biases.length) as FloatArrayOf<D>),
    };
  }

  /**
   * Trains with minibatch SGD: each epoch reshuffles the rows (seeded), then takes one step per batch.
   * The loss over the whole training set is measured every `logEvery` epochs and after the last one,
   * logged, and returned. With validation rows, their loss and accuracy are measured after every epoch;
   * early stopping watches them. Runs on the calling thread until done: on a server, use
   * {@link Network.fitAsync}, which trains the same way (bit for bit) without blocking the event loop.
   * @param x - rows x inputs
   * @param y - rows x outputs targets (one-hot rows for classification); for a one-output network also one
   *   number per row (a Float64Array or number[], as `splitColumn`'s labels), for regression
   * @throws {@link NonFiniteLossError} when a minibatch loss turns NaN or infinite (unless
   *   `stopOnNonFinite: false`); the weights are those of the last finite step
   * @throws {@link StateError} (`ERR_FIT_IN_PROGRESS`) while a fitAsync runs on this network
   */
  fit(x: MatrixLike, y: TargetsLike, options: FitOptions = {}): History {
    this.claimTraining('fit');
    try {
      const settings = resolveFitOptions(options, this.outputActivation, this.trainedLoss);
      const { input, targets } = this.checkPair(x, y, { finite: false });
      const validation = this.validationSource(settings);
      const { optimizer, schedule } = this.prepareOptimizer(settings, input.rows);
      const dtype = this.dtype;
      const data = prepareData(
        inDtype(input, dtype),
        inDtype(targets, dtype),
        validation && ('split' in validation ? validation : { x: inDtype(validation.x.matrix, dtype), y: inDtype(validation.y.matrix, dtype) }),
        rowWeights(settings.weights, targets),
      );
      this.trainedLoss = settings.loss;
      this.currentOptimizer = optimizer;
      const evaluationRows = evaluationWorkspaceRows(this.layout, this.dtype, settings.batchSize, data);
      const outcome = runTraining(
        this,
        this.random,
        data,
        loopSettings(settings, optimizer.learningRate),
        evaluationRows === undefined ? undefined : this.evaluationWorkspace(evaluationRows),
        {
          shouldStop: () => false,
          ...(schedule && { rate: (epoch: number) => runRate(schedule, epoch) }),
          epochEnd: (_epoch, _logs, recorded) => {
            this.completedEpochs++;
            if (recorded !== undefined) settings.log?.(logLine(recorded, settings.epochs));
          },
        },
        optimizer,
      );
      // Without a way to stop, the loop always runs to its end.
      return (outcome as { history: History }).history;
    } finally {
      this.training = undefined;
    }
  }

  /**
   * Trains exactly as {@link Network.fit} does (the same seed gives bit-identical weights), in a worker
   * thread, so the event loop stays free: a server keeps answering while it trains. The training rows are
   * shared with the worker without a copy when their data is on a SharedArrayBuffer (see
   * {@link Matrix.shared}), or when given as arrays of rows; a caller's plain Float64Array is copied once,
   * a few megabytes per event-loop turn. Inputs are never modified or detached.
   *
   * While it runs, the network holds a consistent snapshot of the weights, updated after epochs and
   * reported minibatches (at most every `yieldEvery` ms unless a callback needs them), so `predict` and
   * `save` may be used; when a callback runs, the network holds the weights it reports on. Weights written
   * by hand meanwhile are overwritten. Callbacks may be async: training waits for them.
   *
   * @returns the history, as fit returns it
   * @throws (rejects) {@link AbortError} when `options.signal` aborts: the network keeps the weights of the
   *   last completed minibatch (an abort after the last minibatch comes too late, and fitAsync resolves); {@link NonFiniteLossError} as fit; {@link StateError} (`ERR_FIT_IN_PROGRESS`)
   *   when this network is already training; a callback's own error, which stops training
   * @example
   * ```ts
   * const controller = new AbortController();
   * const history = await net.fitAsync(x, y, {
   *   loss: CrossEntropy, epochs: 50, validationSplit: 0.1, signal: controller.signal,
   *   earlyStopping: { patience: 3, restoreBest: true },
   *   onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss, logs.valAccuracy),
   * });
   * ```
   */
  async fitAsync(x: MatrixLike, y: TargetsLike, options: FitAsyncOptions = {}): Promise<History> {
    this.claimTraining('fitAsync');
    try {
      const settings = resolveFitAsyncOptions(options, this.outputActivation, this.trainedLoss);
      // Finite values are checked in the worker, so a large set never blocks the event loop for that.
      const { input, targets } = this.checkPair(x, y, { finite: false });
      const source = this.validationSource(settings);
      // Arrays of rows were converted into new arrays nobody else holds, so those may travel by transfer.
      const data: AsyncData = {
        x: { matrix: input, owned: Array.isArray(x) },
        y: { matrix: targets, owned: Array.isArray(y) },
        validation: source,
      };
      const weights = rowWeights(settings.weights, targets);
      if (weights !== undefined) data.weights = weights;
      const { optimizer, schedule } = this.prepareOptimizer(settings, input.rows, true);
      this.trainedLoss = settings.loss;
      this.currentOptimizer = optimizer;
      const run: AsyncRun = { optimizer, learningRate: optimizer.learningRate, schedule, completedEpochs: 0 };
      try {
        return await trainInWorker(this, this.random, data, settings, run);
      } finally {
        this.completedEpochs += run.completedEpochs;
      }
    } finally {
      this.training = undefined;
    }
  }

  /**
   * The model in JSON form (what `JSON.stringify(net)` writes): dims, activations, loss, generator state,
   * metadata, and the parameters as base64 of their little-endian float64 bytes, so they load back bit for
   * bit. See docs/design.md for the format.
   * @param options - `withOptimizer` to include the optimizer and its state (JSON.stringify passes a key
   *   string here, which is ignored)
   * @throws {@link ValueError} (`ERR_INVALID_METADATA`) when `metadata` is not plain JSON data
   */
  toJSON(options?: SaveOptions | string): ModelJSON {
    return encodeModelJSON(this.describe(typeof options === 'string' ? {} : options));
  }

  /**
   * A network from {@link Network.toJSON}'s object (or its JSON text), checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromJSON(json: ModelJSON | string, options: LoadOptions & { dtype: 'float32' }): Network<'float32'>;
  static fromJSON(json: ModelJSON | string, options?: LoadOptions & { dtype?: 'float64' }): Network<'float64'>;
  static fromJSON(json: ModelJSON | string, options: LoadOptions): Network<Dtype>;
  static fromJSON(json: ModelJSON | string, options: LoadOptions = {}): Network<Dtype> {
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new ModelFormatError('ERR_MODEL_HEADER', `Cannot load the model from JSON text: it does not parse (${(error as Error).message})`);
      }
    }
    return Network.restore(decodeModelJSON(value, 'from JSON'), options, 'from JSON');
  }

  /** The model file's bytes, as {@link Network.save} writes them (format in docs/design.md): a Buffer. */
  toBuffer(options?: SaveOptions): ModelBytes {
    return encodeModel(this.describe(options)) as ModelBytes;
  }

  /**
   * A network from {@link Network.toBuffer}'s bytes, checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromBuffer(bytes: Uint8Array, options: LoadOptions & { dtype: 'float32' }): Network<'float32'>;
  static fromBuffer(bytes: Uint8Array, options?: LoadOptions & { dtype?: 'float64' }): Network<'float64'>;
  static fromBuffer(bytes: Uint8Array, options: LoadOptions): Network<Dtype>;
  static fromBuffer(bytes: Uint8Array, options: LoadOptions = {}): Network<Dtype> {
    return Network.restore(decodeModel(bytes, 'from a buffer'), options, 'from a buffer');
  }

  /**
   * The network as an ONNX model (IR 7, opset 13): input `input` [N, inputs], output `output`
   * [N, outputs] with a symbolic batch N, DOUBLE tensors for float64 and FLOAT for float32, and
   * blasnet's version, dims, loss and metadata in `metadata_props`. Runs in onnxruntime (see README "ONNX").
   * @throws {@link ValueError} (`ERR_INVALID_METADATA`) when `metadata` is not plain JSON data
   */
  toONNX(): Uint8Array {
    return networkToONNX(this);
  }

  /**
   * A network from an ONNX MLP: a chain of Gemm (or MatMul + Add) layers with Relu, LeakyRelu, Sigmoid,
   * Tanh, Softmax or Identity, as `torch.onnx.export` writes an nn.Sequential and skl2onnx an MLP (and
   * {@link Network.toONNX} writes). FLOAT graphs are float32 networks and DOUBLE ones float64; as for
   * {@link Network.load}, `options.dtype` says which is expected (default `'float64'`; `'any'` for either).
   * It trains on and exports back like any network.
   * @throws {@link ModelFormatError} (`ERR_ONNX_*`) for bytes that are not such a model, naming the node
   *   and op type it cannot import; `ERR_MODEL_DTYPE` for a model of another dtype than `options.dtype`
   */
  static fromONNX(bytes: Uint8Array, options: LoadOptions & { dtype: 'float32' }): Network<'float32'>;
  static fromONNX(bytes: Uint8Array, options?: LoadOptions & { dtype?: 'float64' }): Network<'float64'>;
  static fromONNX(bytes: Uint8Array, options: LoadOptions): Network<Dtype>;
  static fromONNX(bytes: Uint8Array, options: LoadOptions = {}): Network<Dtype> {
    return Network.restore(describeONNX(bytes), options, 'from ONNX');
  }

  /**
   * Saves the model to `file`, atomically: a temporary file in the same directory is written and flushed,
   * then renamed over `file`, so a crash never leaves a truncated model where the old one was. The weights
   * are taken when save is called (during a fitAsync: the last snapshot).
   * @throws {@link ValueError} for metadata that is not plain JSON data; the file system's errors
   *   (`ENOENT`, `EACCES`...) as they are
   */
  async save(file: string, options?: SaveOptions): Promise<void> {
    const bytes = this.toBuffer(options);
    await writeFileAtomic(file, bytes);
  }

  /**
   * Loads a model saved by {@link Network.save} (or a file holding {@link Network.toJSON}'s JSON). Every
   * part is checked (magic bytes, version, header, shapes against dims, lengths, checksum, finite values)
   * before the network is built.
   * @throws {@link ModelFormatError} naming the file and what is wrong with it; the file system's errors
   */
  static load(file: string, options: LoadOptions & { dtype: 'float32' }): Promise<Network<'float32'>>;
  static load(file: string, options?: LoadOptions & { dtype?: 'float64' }): Promise<Network<'float64'>>;
  static load(file: string, options: LoadOptions): Promise<Network<Dtype>>;
  static async load(file: string, options: LoadOptions = {}): Promise<Network<Dtype>> {
    const source = JSON.stringify(file);
    const bytes = await readModelFile(file, source);
    // The JSON form starts with "{" (after any whitespace); the binary form with a byte JSON cannot start with.
    const first = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (bytes[first] === 0x7b) {
      if (bytes.length > bufferConstants.MAX_STRING_LENGTH) {
        throw new ModelFormatError('ERR_MODEL_TOO_LARGE', `Cannot load the model ${source}: in the JSON form it is ${bytes.length} bytes, more than one string holds (${bufferConstants.MAX_STRING_LENGTH}); save large models in the binary form`);
      }
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      } catch (error) {
        throw new ModelFormatError('ERR_MODEL_HEADER', `Cannot load the model ${source}: it looks like JSON but does not parse (${(error as Error).message})`);
      }
      return Network.restore(decodeModelJSON(value, source), options, source);
    }
    return Network.restore(decodeModel(bytes, source), options, source);
  }

  /** What a saved model holds, refused when it would not load back (non-finite values, metadata). */
  private describe(options: SaveOptions = {}): ModelDescription {
    const given = optionsObject('options', options, ['withOptimizer'] as const);
    const withOptimizer = given.withOptimizer ?? false;
    if (typeof withOptimizer !== 'boolean') throw invalid('ERR_INVALID_ARGUMENT', 'options.withOptimizer', 'a boolean', withOptimizer);
    let optimizer: ModelDescription['optimizer'];
    if (withOptimizer) {
      if (this.currentOptimizer === undefined) {
        throw new StateError('ERR_NO_OPTIMIZER', 'Cannot save withOptimizer: this network has not trained with an optimizer yet');
      }
      const state = this.currentOptimizer.exportState();
      optimizer = {
        config: this.currentOptimizer.toJSON(),
        step: state?.step ?? 0,
        buffers: (state?.buffers ?? []).map((buffer) => Float64Array.from(buffer)),
      };
    }
    const model: ModelDescription = {
      dims: [...this.dims],
      activations: this.layers.map((layer) => layer.activation.name),
      loss: this.trainedLoss?.name ?? null,
      dtype: this.dtype,
      seed: this.seed,
      random: this.random.getState(),
      epochsTrained: this.completedEpochs,
      metadata: checkMetadata(this.metadata, 'net.metadata'),
      // float32 values are exact in float64, so the file stores float64 either way.
      parameters: this.parameters instanceof Float64Array ? this.parameters : Float64Array.from(this.parameters),
      optimizer,
    };
    checkSavable(model);
    return model;
  }

  /** A network from a checked description: its weights and generator state, not fresh ones. */
  private static restore(model: ModelDescription, options: LoadOptions, source: string): Network<Dtype> {
    const given = optionsObject('options', options, ['backend', 'dtype'] as const);
    const wanted = given.dtype ?? 'float64';
    if (wanted !== 'any' && !DTYPES.includes(wanted as Dtype)) {
      throw invalid('ERR_INVALID_ARGUMENT', 'options.dtype', "'float64', 'float32' or 'any'", wanted);
    }
    if (wanted !== 'any' && wanted !== model.dtype) {
      const how = given.dtype === undefined ? ' (the default)' : '';
      throw new ModelFormatError(
        'ERR_MODEL_DTYPE',
        `Cannot load the model ${source}: it is a ${model.dtype} model, and options.dtype asks for ${wanted}${how}; pass { dtype: '${model.dtype}' } (or { dtype: 'any' } for either)`,
      );
    }
    const restored: Restored = { parameters: model.parameters, random: model.random };
    const networkOptions: NetworkOptions<Dtype> & { [RESTORE]: Restored } = { [RESTORE]: restored };
    if (model.seed !== undefined) networkOptions.seed = model.seed;
    if (given.backend !== undefined) networkOptions.backend = given.backend as BackendName | Backend;
    networkOptions.dtype = model.dtype;
    const activations = model.activations.map((name) => findActivation(name)!);
    const net = new Network<Dtype>(model.dims, activations, networkOptions);
    if (model.loss !== null) net.trainedLoss = LOSSES[model.loss];
    net.metadata = model.metadata;
    net.completedEpochs = model.epochsTrained;
    if (model.optimizer !== undefined) {
      const optimizer = optimizerFromConfig(model.optimizer.config);
      const Type = net.dtype === 'float32' ? Float32Array : Float64Array;
      optimizer.importState({ step: model.optimizer.step, buffers: model.optimizer.buffers.map((b) => Type.from(b)) });
      optimizer.attach(net.parameters);
      net.currentOptimizer = optimizer;
    }
    return net;
  }

  /**
   * Classification accuracy and confusion matrix on labelled rows.
   * @param labels - the class of each row (integers from 0), or one-hot rows
   */
  evaluate(x: MatrixLike, labels: ArrayLike<number> | MatrixLike): Evaluation {
    const predictions = argmaxRows(this.predict(x));
    const classes = Math.max(this.outputs, 2);
    let truth: Int32Array;
    if (Array.isArray(labels) && Array.isArray(labels[0])) {
      truth = argmaxRows(toMatrix(labels, 'labels'));
    } else if (typeof labels === 'object' && labels !== null && 'data' in labels) {
      truth = argmaxRows(toMatrix(labels, 'labels'));
    } else {
      truth = Int32Array.from(labels as ArrayLike<number>);
      truth.forEach((label, i) => {
        if (!(label >= 0 && label < classes) || label !== (labels as ArrayLike<number>)[i]) {
          throw invalid('ERR_INVALID_ARGUMENT', `labels[${i}]`, `a class from 0 to ${classes - 1}`, (labels as ArrayLike<number>)[i]);
        }
      });
    }
    if (truth.length !== predictions.length) {
      throw shapeMismatch(`Expected labels to hold one label per row of x (${predictions.length}) but it holds ${truth.length}`);
    }
    return {
      accuracy: accuracyOf(truth, predictions),
      predictions,
      confusion: confusionMatrix(truth, predictions, classes),
    };
  }

  private checkInputs(x: MatrixLike, name: string, finite = true): Matrix {
    const input = toMatrix(x, name, { finite });
    if (input.cols !== this.inputs) {
      throw shapeMismatch(
        `Expected ${name} to have ${this.inputs} columns (the network's inputs, dims[0]) but it has ${input.cols}`,
      );
    }
    return input;
  }

  private checkPair(
    x: MatrixLike,
    y: TargetsLike,
    { finite = true, names = ['x', 'y'] }: { finite?: boolean; names?: [string, string] } = {},
  ): { input: Matrix; targets: Matrix } {
    const [xName, yName] = names;
    const input = this.checkInputs(x, xName, finite);
    const targets = toTargets(y, yName, this.outputs, { finite });
    if (targets.cols !== this.outputs) {
      throw shapeMismatch(
        `Expected ${yName} to have ${this.outputs} columns (the network's outputs, dims[${this.dims.length - 1}]) but it has ${targets.cols}`,
      );
    }
    if (targets.rows !== input.rows) {
      throw shapeMismatch(
        `Expected ${xName} and ${yName} to have the same number of rows but ${xName} has ${input.rows} and ${yName} has ${targets.rows}`,
      );
    }
    return { input, targets };
  }

  /** The validation rows the options ask for, converted and shape-checked (finite values are checked later). */
  private validationSource(
    settings: ResolvedFitOptions,
  ): { split: number } | { x: Owned; y: Owned } | undefined {
    if (settings.validationSplit !== undefined) return { split: settings.validationSplit };
    if (settings.validationData === undefined) return undefined;
    const [vx, vy] = settings.validationData;
    const { input, targets } = this.checkPair(vx, vy, { finite: false, names: ['validationData[0]', 'validationData[1]'] });
    return { x: { matrix: input, owned: Array.isArray(vx) }, y: { matrix: targets, owned: Array.isArray(vy) } };
  }

  /** Marks the network as training, or refuses when it already is. */
  private claimTraining(method: 'fit' | 'fitAsync'): void {
    if (this.training !== undefined) {
      throw new StateError(
        'ERR_FIT_IN_PROGRESS',
        `Cannot start ${method} on this network while its ${this.training} is running; await it (or abort it) first, or train another network`,
      );
    }
    this.training = method;
  }

  /**
   * The run's optimizer (given, plain SGD at the given rate, the network's current one, or plain SGD at
   * 0.01), attached to these parameters, and the run's schedule with its first epoch's rate (checked now,
   * so that a broken schedule usually fails before training; later rates are asked for as epochs arrive).
   */
  private prepareOptimizer(
    settings: ResolvedFitOptions,
    rows: number,
    inWorker = false,
  ): { optimizer: Optimizer; schedule: RunSchedule | undefined } {
    const optimizer =
      settings.optimizer ??
      (settings.learningRate !== undefined ? new SGD({ learningRate: settings.learningRate }) : (this.currentOptimizer ?? new SGD()));
    this.checkTrainingMemory(settings, optimizer, rows, inWorker);
    optimizer.attach(this.parameters);
    const first = this.completedEpochs;
    const schedule =
      settings.schedule === undefined ? undefined : { schedule: settings.schedule, first, firstRate: scheduledRate(settings.schedule, first) };
    return { optimizer, schedule };
  }

  /**
   * Refuses a run whose allocations would not fit (see lib/memory.ts), before any is made: the gradients,
   * the optimizer's state (unless it already trains these parameters), the divergence guard's copy of the
   * weights, restoreBest's, the worker's own copy in fitAsync, and the minibatch workspace.
   */
  private checkTrainingMemory(settings: ResolvedFitOptions, optimizer: Optimizer, rows: number, inWorker: boolean): void {
    const count = this.layout.parameterCount;
    const config = optimizer.toJSON();
    const buffers = optimizer === this.currentOptimizer ? 0 : config.kind === 'sgd' ? (config.momentum === 0 ? 0 : 1) : 2;
    const copies = 1 + buffers + 1 + (settings.earlyStopping?.restoreBest ? 1 : 0) + (inWorker ? 1 : 0);
    const elements = copies * count + this.layout.workspaceSize(Math.max(1, Math.min(settings.batchSize, rows)));
    checkMemory(
      elements * (this.dtype === 'float32' ? 4 : 8),
      `Training dims ${JSON.stringify(this.dims)} with batchSize ${settings.batchSize}`,
      `gradients, optimizer state, a copy of the weights${inWorker ? ', the worker\'s weights' : ''} and the minibatch workspace`,
    );
  }

  /** A workspace for loss and predict passes (see evaluationCapacity), grown when needed and then kept. */
  private evaluationWorkspace(rows: number): Workspace {
    const wanted = evaluationCapacity(this.layout, this.dtype, rows);
    if (!this.predictWorkspace || this.predictWorkspace.capacity < wanted) {
      this.predictWorkspace = new Workspace(this.layout, wanted, this.dtype);
    }
    return this.predictWorkspace;
  }
}
