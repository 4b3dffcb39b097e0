/**
 * Network: a multi-layer perceptron of dense layers. It owns its parameters and workspaces and sends every
 * product and elementwise loop through its backend.
 */
import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';

import { findActivation, type Activation } from './activations';
import { resolveBackend } from './backend';
import type { Backend, BackendName } from './backend/backend';
import { ModelFormatError, StateError, ValueError } from './errors';
import type { Layer } from './layer';
import { LOSSES, type Loss } from './losses';
import { Matrix, MAX_ELEMENTS, toMatrix, type MatrixLike } from './matrix';
import { argmaxRows, confusionMatrix, accuracy as accuracyOf } from './metrics';
import { writeFileAtomic } from './model/atomic-write';
import { decodeModel, encodeModel } from './model/binary';
import type { ModelDescription, ModelMetadata } from './model/description';
import { decodeModelJSON, encodeModelJSON, type ModelJSON } from './model/json';
import { checkMetadata } from './model/metadata';
import { Random, type RandomState } from './random';
import { NetworkLayout } from './backend/layout';
import { trainInWorker, type AsyncData, type Owned } from './train/fit-async';
import { logLine, type History } from './train/history';
import { runTraining, type LoopSettings } from './train/loop';
import {
  resolveFitAsyncOptions,
  resolveFitOptions,
  resolveLoss,
  type FitAsyncOptions,
  type FitOptions,
  type ResolvedFitOptions,
} from './train/options';
import { CHUNK_ROWS, type TrainingTarget } from './train/trainer';
import { prepareData } from './train/validation';
import { Workspace } from './train/workspace';
import { integerIn, invalid, optionsObject, shapeMismatch } from './validate';

/** Options of the {@link Network} constructor. */
export interface NetworkOptions {
  /**
   * Seeds the network's random generator (initial weights, then shuffling). The same seed gives
   * bit-identical weights on both backends and every run. Default: a random seed, readable as `net.seed`.
   */
  seed?: number;
  /** `'native'` (default: OpenBLAS) or `'js'` (pure TypeScript), or a Backend object. */
  backend?: BackendName | Backend;
}

/** Options of {@link Network.load}, {@link Network.fromJSON} and {@link Network.fromBuffer}. */
export interface LoadOptions {
  /** The backend of the loaded network: `'native'` (default) or `'js'`, or a Backend object. */
  backend?: BackendName | Backend;
}

/** A saved model's weights and generator state, given to the constructor instead of drawing new ones. */
interface Restored {
  parameters: Float64Array;
  random: RandomState | undefined;
}

/** The constructor's hidden option for loading: a symbol, so no options object can pass it by accident. */
const RESTORE = Symbol('restore');

/** The loss and its exact gradients for one batch, as returned by {@link Network.gradients}. */
export interface GradientResult {
  /** The loss of the batch (mean reduction). */
  loss: number;
  /** d(loss)/d(weights) per layer, shaped like `layers[i].weights`. */
  weights: Float64Array[];
  /** d(loss)/d(biases) per layer. */
  biases: Float64Array[];
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

const NETWORK_OPTION_NAMES = ['seed', 'backend'] as const;
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
  if (parameters * 8 > os.totalmem()) {
    throw new ValueError(
      'ERR_TOO_LARGE',
      `dims ${JSON.stringify(dims)} need ${parameters} parameters (${(parameters * 8) / 2 ** 30} GiB), more than this machine's memory`,
    );
  }
  return dims.slice();
}

/** The size checks admit what the machine could hold; the allocator may still say no (memory in use). */
function allocateParameters(count: number, dims: readonly number[]): Float64Array {
  try {
    return new Float64Array(count);
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
export class Network implements TrainingTarget {
  /** Layer sizes, inputs first. */
  readonly dims: readonly number[];
  /** The layers, input side first. Their weights and biases may be read and written in place. */
  readonly layers: readonly Layer[];
  /** The seed the network was made with. */
  readonly seed: number;
  /** The backend every kernel call goes through. */
  readonly backend: Backend;
  /**
   * Every parameter in one vector: for each layer its weights, then its biases. `layers[i].weights` and
   * `.biases` are views into it, so an optimizer step is one kernel call over the whole network.
   */
  readonly parameters: Float64Array;
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
  /** The loss of the last fit, kept so a saved and reloaded network trains on with the same one. */
  private trainedLoss: Loss | undefined;
  /** Set while fit or fitAsync runs: one training at a time per network. */
  private training: 'fit' | 'fitAsync' | undefined;

  /**
   * @param dims - layer sizes, at least two (inputs and outputs), each an integer >= 1
   * @param activations - one per non-input layer; {@link Softmax} on the output layer only
   * @param options - seed and backend
   * @throws {@link ValueError} for bad dims, activations or options; {@link NativeLoadError} when the
   *   native backend is asked for and cannot load
   */
  constructor(dims: readonly number[], activations: readonly Activation[], options: NetworkOptions = {}) {
    const given = optionsObject('options', options, NETWORK_OPTION_NAMES);
    this.dims = Object.freeze(checkDims(dims));
    const acts = checkActivations(activations, this.dims.length - 1);
    this.seed = given.seed === undefined ? randomInt(2 ** 48 - 1) : integerIn('options.seed', given.seed, 0);
    this.backend = resolveBackend((given.backend ?? 'native') as BackendName | Backend);
    this.random = new Random(this.seed);
    const restored = (options as { [RESTORE]?: Restored })[RESTORE];
    this.layout = new NetworkLayout(this.dims, acts.map((a) => a.code));
    this.layoutCode = this.layout.encode();
    this.parameters = allocateParameters(this.layout.parameterCount, this.dims);
    const layers: Layer[] = [];
    for (let i = 0; i < acts.length; i++) {
      const inputs = this.dims[i]!;
      const outputs = this.dims[i + 1]!;
      const start = this.layout.weightOffsets[i]!;
      const weights = this.parameters.subarray(start, start + inputs * outputs);
      const biases = this.parameters.subarray(this.layout.biasOffsets[i]!, this.layout.biasOffsets[i]! + outputs);
      // The seed's initialisation: N(0, 1) / sqrt(fan_in), biases 0.
      const scale = 1 / Math.sqrt(inputs);
      if (!restored) for (let j = 0; j < weights.length; j++) weights[j] = this.random.normal() * scale;
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
    for (let start = 0; start < input.rows; start += workspace.capacity) {
      const rows = Math.min(workspace.capacity, input.rows - start);
      // One chunk (the common case) writes straight into the result, with no view to allocate.
      const target = start === 0 ? out.data : out.data.subarray(start * this.outputs);
      this.backend.networkForward(this.layoutCode, this.parameters, workspace.buffer, workspace.capacity, input.data, start, rows, target);
    }
    return out;
  }

  /**
   * The loss of one batch and its exact gradients, without changing any parameter.
   * @returns the batch loss (mean reduction, as PyTorch) and d(loss)/d(parameter) per layer
   */
  gradients(x: MatrixLike, y: MatrixLike, loss: Loss): GradientResult {
    const { input, targets } = this.checkPair(x, y);
    const lossFn = resolveLoss(loss, this.outputActivation, 'loss');
    const workspace = new Workspace(this.layout, input.rows);
    const gradients = new Float64Array(this.layout.parameterCount);
    const rows = Uint32Array.from({ length: input.rows }, (_, i) => i);
    const value = this.backend.networkGradients(
      this.layoutCode,
      this.parameters,
      gradients,
      workspace.buffer,
      input.rows,
      lossFn.code,
      input.data,
      targets.data,
      rows,
      0,
      input.rows,
    );
    return {
      loss: value,
      weights: this.layers.map((l, i) => gradients.subarray(this.layout.weightOffsets[i]!, this.layout.weightOffsets[i]! + l.weights.length)),
      biases: this.layers.map((l, i) => gradients.subarray(this.layout.biasOffsets[i]!, this.layout.biasOffsets[i]! + l.biases.length)),
    };
  }

  /**
   * Trains with minibatch SGD: each epoch reshuffles the rows (seeded), then takes one step per batch.
   * The loss over the whole training set is measured every `logEvery` epochs and after the last one,
   * logged, and returned. With validation rows, their loss and accuracy are measured after every epoch;
   * early stopping watches them. Runs on the calling thread until done: on a server, use
   * {@link Network.fitAsync}, which trains the same way (bit for bit) without blocking the event loop.
   * @param x - rows x inputs
   * @param y - rows x outputs targets (one-hot rows for classification)
   * @throws {@link NonFiniteLossError} when a minibatch loss turns NaN or infinite (unless
   *   `stopOnNonFinite: false`); the weights are those of the last finite step
   * @throws {@link StateError} (`ERR_FIT_IN_PROGRESS`) while a fitAsync runs on this network
   */
  fit(x: MatrixLike, y: MatrixLike, options: FitOptions = {}): History {
    this.claimTraining('fit');
    try {
      const settings = resolveFitOptions(options, this.outputActivation, this.trainedLoss);
      const { input, targets } = this.checkPair(x, y, { finite: false });
      const validation = this.validationSource(settings);
      const data = prepareData(
        input,
        targets,
        validation && ('split' in validation ? validation : { x: validation.x.matrix, y: validation.y.matrix }),
      );
      this.trainedLoss = settings.loss;
      const evaluationRows = Math.max(data.x.rows, data.validation?.x.rows ?? 0);
      const outcome = runTraining(this, this.random, data, loopSettings(settings), this.evaluationWorkspace(evaluationRows), {
        shouldStop: () => false,
        epochEnd: (_epoch, _logs, recorded) => {
          if (recorded !== undefined) settings.log?.(logLine(recorded, settings.epochs));
        },
      });
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
  async fitAsync(x: MatrixLike, y: MatrixLike, options: FitAsyncOptions = {}): Promise<History> {
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
      this.trainedLoss = settings.loss;
      return await trainInWorker(this, this.random, data, settings);
    } finally {
      this.training = undefined;
    }
  }

  /**
   * The model in JSON form (what `JSON.stringify(net)` writes): dims, activations, loss, generator state,
   * metadata, and the parameters as base64 of their little-endian float64 bytes, so they load back bit for
   * bit. See docs/design.md for the format.
   * @throws {@link ValueError} (`ERR_INVALID_METADATA`) when `metadata` is not plain JSON data
   */
  toJSON(): ModelJSON {
    return encodeModelJSON(this.describe());
  }

  /**
   * A network from {@link Network.toJSON}'s object (or its JSON text), checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromJSON(json: ModelJSON | string, options: LoadOptions = {}): Network {
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new ModelFormatError('ERR_MODEL_HEADER', `Cannot load the model from JSON text: it does not parse (${(error as Error).message})`);
      }
    }
    return Network.restore(decodeModelJSON(value, 'from JSON'), options);
  }

  /** The model file's bytes, as {@link Network.save} writes them (format in docs/design.md). */
  toBuffer(): Buffer {
    return encodeModel(this.describe());
  }

  /**
   * A network from {@link Network.toBuffer}'s bytes, checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromBuffer(bytes: Uint8Array, options: LoadOptions = {}): Network {
    return Network.restore(decodeModel(bytes, 'from a buffer'), options);
  }

  /**
   * Saves the model to `file`, atomically: a temporary file in the same directory is written and flushed,
   * then renamed over `file`, so a crash never leaves a truncated model where the old one was. The weights
   * are taken when save is called (during a fitAsync: the last snapshot).
   * @throws {@link ValueError} for metadata that is not plain JSON data; the file system's errors
   *   (`ENOENT`, `EACCES`...) as they are
   */
  async save(file: string): Promise<void> {
    const bytes = this.toBuffer();
    await writeFileAtomic(file, bytes);
  }

  /**
   * Loads a model saved by {@link Network.save} (or a file holding {@link Network.toJSON}'s JSON). Every
   * part is checked (magic bytes, version, header, shapes against dims, lengths, checksum, finite values)
   * before the network is built.
   * @throws {@link ModelFormatError} naming the file and what is wrong with it; the file system's errors
   */
  static async load(file: string, options: LoadOptions = {}): Promise<Network> {
    const bytes = await fs.readFile(file);
    const source = JSON.stringify(file);
    // The JSON form starts with "{" (after any whitespace); the binary form with a byte JSON cannot start with.
    const first = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (bytes[first] === 0x7b) {
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        throw new ModelFormatError('ERR_MODEL_HEADER', `Cannot load the model ${source}: it looks like JSON but does not parse (${(error as Error).message})`);
      }
      return Network.restore(decodeModelJSON(value, source), options);
    }
    return Network.restore(decodeModel(bytes, source), options);
  }

  /** What a saved model holds. */
  private describe(): ModelDescription {
    return {
      dims: [...this.dims],
      activations: this.layers.map((layer) => layer.activation.name),
      loss: this.trainedLoss?.name ?? null,
      seed: this.seed,
      random: this.random.getState(),
      metadata: checkMetadata(this.metadata, 'net.metadata'),
      parameters: this.parameters,
    };
  }

  /** A network from a checked description: its weights and generator state, not fresh ones. */
  private static restore(model: ModelDescription, options: LoadOptions): Network {
    const given = optionsObject('options', options, ['backend'] as const);
    const restored: Restored = { parameters: model.parameters, random: model.random };
    const networkOptions: NetworkOptions & { [RESTORE]: Restored } = { [RESTORE]: restored };
    if (model.seed !== undefined) networkOptions.seed = model.seed;
    if (given.backend !== undefined) networkOptions.backend = given.backend as BackendName | Backend;
    const activations = model.activations.map((name) => findActivation(name)!);
    const net = new Network(model.dims, activations, networkOptions);
    if (model.loss !== null) net.trainedLoss = LOSSES[model.loss];
    net.metadata = model.metadata;
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
    y: MatrixLike,
    { finite = true, names = ['x', 'y'] }: { finite?: boolean; names?: [string, string] } = {},
  ): { input: Matrix; targets: Matrix } {
    const [xName, yName] = names;
    const input = this.checkInputs(x, xName, finite);
    const targets = toMatrix(y, yName, { finite });
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

  /** A workspace of up to CHUNK_ROWS rows, grown when needed and then kept. */
  private evaluationWorkspace(rows: number): Workspace {
    const wanted = Math.min(rows, CHUNK_ROWS);
    if (!this.predictWorkspace || this.predictWorkspace.capacity < wanted) {
      this.predictWorkspace = new Workspace(this.layout, wanted);
    }
    return this.predictWorkspace;
  }
}

function loopSettings(settings: ResolvedFitOptions): LoopSettings {
  const { loss, epochs, batchSize, learningRate, logEvery, shuffle, stopOnNonFinite, earlyStopping } = settings;
  return { loss, epochs, batchSize, learningRate, logEvery, shuffle, stopOnNonFinite, earlyStopping };
}
