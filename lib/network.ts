/**
 * Network: a multi-layer perceptron of dense layers. It owns its parameters and workspaces and sends every
 * product and elementwise loop through its backend. The class reads as a table of contents: each method's
 * body lives with its concern (lib/network/: construction checks, predict, gradients, data checks, run
 * preparation, fit and fitAsync; lib/model/: saving, sniffing and restoring model files; lib/metrics.ts:
 * evaluate's labels).
 */
import type { Activation } from './activations';
import type { Backend } from './backend/backend';
import type { NetworkLayout } from './backend/layout';
import type { Layer } from './layer';
import type { Loss } from './losses';
import { Matrix, type Dtype, type FloatArrayOf, type MatrixLike, type TargetsLike } from './matrix';
import { argmaxRows, evaluateClasses } from './metrics';
import { writeFileAtomic } from './model/atomic-write';
import { decodeModel, encodeModel } from './model/binary';
import type { ModelMetadata } from './model/description';
import { encodeModelJSON, type ModelJSON } from './model/json';
import { readModelFile } from './model/read-file';
import { restoreNetwork } from './model/restore';
import { describeNetwork } from './model/save';
import { decodeModelBytes, decodeModelJSONValue } from './model/sniff';
import { buildNetwork } from './network/build';
import { fitNetwork, fitNetworkAsync } from './network/fit';
import { batchGradients } from './network/gradients';
import { checkInputs } from './network/inputs';
import {
  type Evaluation,
  type GradientResult,
  type LoadOptions,
  type ModelBytes,
  type NetworkOptions,
  type SaveOptions,
} from './network/options';
import { forwardRows, PassBuffers } from './network/predict';
import { describeONNX, networkToONNX } from './onnx';
import type { Optimizer } from './optimizers';
import { createPredictor, type Predictor, type PredictorOptions } from './predictor';
import type { Random } from './random';
import type { History } from './train/history';
import type { FitAsyncOptions, FitOptions } from './train/options';
import type { WeightOptions } from './train/sample-weights';
import type { Workspace } from './train/workspace';

export type {
  Evaluation,
  GradientResult,
  LoadOptions,
  ModelBytes,
  NetworkOptions,
  SaveOptions,
} from './network/options';
export type { History } from './train/history';

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
// Not `implements TrainingTarget`: that interface names members marked internal, which the published .d.ts
// leaves out (stripInternal); the training calls check the fit where a Network is handed to them.
export class Network<D extends Dtype = 'float64'> {
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
  /** @internal The layout as the kernels take it: layout.encode()'s Int32Array [L, d_0..d_L, f_1..f_L]. */
  readonly encodedLayout: Int32Array;

  /** @internal The generator of initial weights and shuffling (its state is saved with the model). */
  readonly random: Random;
  /** What predict, loss and validation passes keep between calls: their workspace, float32 buffers. */
  private readonly passes = new PassBuffers();
  /** @internal The loss of the last fit, kept so a saved and reloaded network trains on with the same one. */
  trainedLoss: Loss | undefined;
  /** @internal The optimizer of the last fit (or loaded with the model): fit's default. */
  currentOptimizer: Optimizer | undefined;
  /** @internal Epochs completed over this network's life (schedules count from it). */
  completedEpochs = 0;
  /** @internal Set while fit or fitAsync runs: one training at a time per network. */
  training: 'fit' | 'fitAsync' | undefined;

  /**
   * @param dims - layer sizes, at least two (inputs and outputs), each an integer >= 1
   * @param activations - one per non-input layer; {@link Softmax} on the output layer only
   * @param options - seed and backend
   * @throws {@link ValueError} for bad dims, activations or options; {@link NativeLoadError} when the
   *   native backend is asked for and cannot load
   */
  constructor(dims: readonly number[], activations: readonly Activation[], options: NetworkOptions<D> = {}) {
    ({
      dims: this.dims,
      layers: this.layers,
      seed: this.seed,
      backend: this.backend,
      dtype: this.dtype,
      parameters: this.parameters,
      layout: this.layout,
      encodedLayout: this.encodedLayout,
      random: this.random,
    } = buildNetwork(dims, activations, options));
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
    const input = checkInputs(this, x, 'x');
    const out = new Matrix(input.rows, this.outputs);
    forwardRows(this, input, out, this.evaluationWorkspace(input.rows), this.passes.float32);
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
   * The loss of one batch and its exact gradients, without changing any parameter.
   * @param weights - `sampleWeight` (one per row) and/or `classWeight`, as fit takes them: the loss is
   *   then sum(w_i * loss_i) / sum(w_i), PyTorch's weighted reduction
   * @returns the batch loss (mean reduction, as PyTorch) and d(loss)/d(parameter) per layer
   */
  gradients(x: MatrixLike, y: TargetsLike, loss: Loss, weights?: WeightOptions): GradientResult<D> {
    return batchGradients(this, x, y, loss, weights);
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
    return fitNetwork(this, x, y, options);
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
    return fitNetworkAsync(this, x, y, options);
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
    return encodeModelJSON(describeNetwork(this, typeof options === 'string' ? {} : options));
  }

  /**
   * A network from {@link Network.toJSON}'s object (or its JSON text), checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromJSON(json: ModelJSON | string, options: LoadOptions & { dtype: 'float32' }): Network<'float32'>;
  static fromJSON(json: ModelJSON | string, options?: LoadOptions & { dtype?: 'float64' }): Network<'float64'>;
  static fromJSON(json: ModelJSON | string, options: LoadOptions): Network<Dtype>;
  static fromJSON(json: ModelJSON | string, options: LoadOptions = {}): Network<Dtype> {
    return restoreNetwork(Network, decodeModelJSONValue(json), options, 'from JSON');
  }

  /** The model file's bytes, as {@link Network.save} writes them (format in docs/design.md): a Buffer. */
  toBuffer(options?: SaveOptions): ModelBytes {
    return encodeModel(describeNetwork(this, options)) as ModelBytes;
  }

  /**
   * A network from {@link Network.toBuffer}'s bytes, checked in full first.
   * @throws {@link ModelFormatError} for anything that is not an intact blasnet model of a known version
   */
  static fromBuffer(bytes: Uint8Array, options: LoadOptions & { dtype: 'float32' }): Network<'float32'>;
  static fromBuffer(bytes: Uint8Array, options?: LoadOptions & { dtype?: 'float64' }): Network<'float64'>;
  static fromBuffer(bytes: Uint8Array, options: LoadOptions): Network<Dtype>;
  static fromBuffer(bytes: Uint8Array, options: LoadOptions = {}): Network<Dtype> {
    return restoreNetwork(Network, decodeModel(bytes, 'from a buffer'), options, 'from a buffer');
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
    return restoreNetwork(Network, describeONNX(bytes), options, 'from ONNX');
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
    return restoreNetwork(Network, decodeModelBytes(await readModelFile(file, source), source), options, source);
  }

  /**
   * Classification accuracy and confusion matrix on labelled rows.
   * @param labels - the class of each row (integers from 0), or one-hot rows
   */
  evaluate(x: MatrixLike, labels: ArrayLike<number> | MatrixLike): Evaluation {
    return evaluateClasses(argmaxRows(this.predict(x)), labels, Math.max(this.outputs, 2));
  }

  /** @internal A workspace for loss and predict passes (see evaluationCapacity), grown when needed and then kept. */
  evaluationWorkspace(rows: number): Workspace {
    return this.passes.workspaceFor(this.layout, this.dtype, rows);
  }
}
