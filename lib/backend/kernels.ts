/**
 * The kernel contract: the names, codes and signatures every backend implements (the native addon in
 * `native/`, and the pure-TypeScript reference in `js.ts`).
 *
 * Conventions, for every kernel:
 * - Matrices are row-major `Float64Array`s (or `Float32Array`s: the element type of a call is that of its
 *   first float array, and every other float array of the call must have the same type) owned by the
 *   caller; dimensions are passed explicitly and the leading dimensions are implied by the shapes. Kernels write into the output the caller passes and
 *   never keep a reference to any array after they return.
 * - Arguments are validated before any memory is touched: dimensions are integers from 0 to 2^31 - 1,
 *   scalars are finite, arrays are of the right type, not detached, and at least as long as the dimensions
 *   need (longer is fine: the kernel uses the leading elements). A bad argument throws a `TypeError`
 *   (wrong type; `code` `ERR_INVALID_ARG_TYPE`) or a `RangeError` (bad value; `code` `ERR_OUT_OF_RANGE`)
 *   naming the kernel and the argument, and writes nothing.
 * - An output may be the very same elements as an input where a kernel says so (in place); a partial
 *   overlap is always a `RangeError`.
 *
 * The codes below are shared with `native/kernels/activations.h` and `losses.h`: append, never renumber.
 */

/** Activation codes passed to the activation and loss kernels. */
export const ActivationCode = {
  identity: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  leakyRelu: 4,
  softmax: 5,
} as const;
export type ActivationCode = (typeof ActivationCode)[keyof typeof ActivationCode];
export const ACTIVATION_COUNT = 6;

/** Loss codes passed to the loss kernels. */
export const LossCode = {
  meanSquaredError: 0,
  binaryCrossEntropy: 1,
  crossEntropy: 2,
} as const;
export type LossCode = (typeof LossCode)[keyof typeof LossCode];
export const LOSS_COUNT = 3;

/**
 * The output activation each loss requires (the cross-entropies are computed from the logits in a form
 * that is only valid for that activation), or `undefined` when any activation will do.
 */
export const REQUIRED_ACTIVATION: Readonly<Record<LossCode, ActivationCode | undefined>> = {
  [LossCode.meanSquaredError]: undefined,
  [LossCode.binaryCrossEntropy]: ActivationCode.sigmoid,
  [LossCode.crossEntropy]: ActivationCode.softmax,
};

/** Row indices for {@link Kernels.gatherRows}. */
export type IndexArray = Uint32Array | Int32Array;

/** The element types kernels compute in: float64, or float32 (`cblas_sgemm` and float loops). */
export type FloatArray = Float64Array | Float32Array;

/**
 * The arguments {@link Kernels.lossValue} and {@link Kernels.outputDelta} begin with: the loss, the
 * output layer's activation, and its rows x cols pre-activations `Z`, outputs `A = f(Z)` and targets `Y`.
 */
export type LossArguments = [
  loss: LossCode,
  activation: ActivationCode,
  rows: number,
  cols: number,
  Z: FloatArray,
  A: FloatArray,
  Y: FloatArray,
];

/** The kernels every backend implements. */
export interface Kernels {
  /**
   * `C = alpha * op(A) * op(B) + beta * C`, where `op(X)` is `X` or its transpose. `op(A)` is m x k,
   * `op(B)` is k x n, `C` is m x n. As in BLAS, `beta = 0` overwrites `C` (NaN in `C` does not survive),
   * and `alpha = 0` or `k = 0` leaves `A` and `B` unread. `C` must not overlap `A` or `B`.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    B: FloatArray,
    beta: number,
    C: FloatArray,
  ): void;

  /** `Y += alpha * X` over the first `n` elements (the SGD step with `alpha = -learningRate`). `Y` may be `X`. */
  axpy(n: number, alpha: number, X: FloatArray, Y: FloatArray): void;

  /** `Z[i, j] += bias[j]` for a rows x cols `Z`. */
  addBias(rows: number, cols: number, bias: FloatArray, Z: FloatArray): void;

  /** `out[j] = sum over i of A[i, j]` for a rows x cols `A` (bias gradients). */
  columnSums(rows: number, cols: number, A: FloatArray, out: FloatArray): void;

  /**
   * `out[i, :] = X[indices[indexOffset + i], :]` for `i < rows` (minibatch assembly from a shuffled index).
   * `X` holds `floor(X.length / cols)` rows; every index used must name one of them. `out` must not
   * overlap `X`.
   */
  gatherRows(
    rows: number,
    cols: number,
    X: FloatArray,
    indices: IndexArray,
    indexOffset: number,
    out: FloatArray,
  ): void;

  /** `A = f(Z)` for a rows x cols `Z` (softmax row by row). `A` may be `Z`. */
  activationForward(activation: ActivationCode, rows: number, cols: number, Z: FloatArray, A: FloatArray): void;

  /**
   * `out = G * f'(Z)`: the gradient with respect to `Z` given the gradient `G` with respect to `A = f(Z)`
   * (for softmax, the Jacobian-vector product row by row). `out` may be `G`, `Z` or `A`. Every current
   * activation's derivative is computed from `A`, as PyTorch's backward formulas are; `Z` is checked but
   * not read (it stays in the contract for activations whose derivative would need it).
   */
  activationBackward(
    activation: ActivationCode,
    rows: number,
    cols: number,
    Z: FloatArray,
    A: FloatArray,
    G: FloatArray,
    out: FloatArray,
  ): void;

  /**
   * The loss of outputs `A = f(Z)` against targets `Y` (rows x cols, rows and cols at least 1), with
   * PyTorch's default mean reduction. The cross-entropies are computed from `Z` in overflow-free forms and
   * require their activation (see {@link REQUIRED_ACTIVATION}).
   */
  lossValue(...args: LossArguments): number;

  /**
   * `delta = d(loss)/dZ` for the output layer, the mean factor included, so weight gradients are plain
   * products. `delta` may be `Z` itself (only `A` and `Y` are read) but must not overlap `A` or `Y`.
   */
  outputDelta(...args: [...LossArguments, delta: FloatArray]): void;
}

/**
 * The arguments {@link NetworkKernels.networkGradients} and {@link NetworkKernels.networkSteps} begin
 * with, in this order: the network (`layout`, `params`), where the gradients go, the workspace and its
 * row `capacity`, the loss, the data (`X`, `Y`, rows of d_0 and d_L) and the minibatch order (rows
 * `indices[indexOffset ..]`).
 */
export type TrainingArguments = [
  layout: Int32Array,
  params: FloatArray,
  gradients: FloatArray,
  workspace: FloatArray,
  capacity: number,
  loss: LossCode,
  X: FloatArray,
  Y: FloatArray,
  indices: IndexArray,
  indexOffset: number,
];

/**
 * The whole-network passes: each runs every layer in one call, so crossing into native code is paid once
 * per step. Buffers are flat, laid out as {@link NetworkLayout} (lib/backend/layout.ts) describes:
 * `layout` is `Int32Array [L, d_0, ..., d_L, f_1, ..., f_L]` (L layers, unit counts, activation codes),
 * `params`/`gradients` hold each layer's weights (d_{i-1} x d_i) then biases, and `workspace` holds, for
 * `capacity` rows, each layer's activations, the output layer's z, a scratch region and the gathered
 * minibatch: `capacity*(d_0+(d_1+...+d_L)+2*d_L+max(d_1,...,d_{L-1}))` elements. Outputs must not overlap
 * any other argument.
 */
export interface NetworkKernels {
  /**
   * Runs rows `rowOffset .. rowOffset + rows` of `X` (d_0 columns) through the network and writes the
   * outputs to `out` (rows x d_L). `rows` is at most `capacity`.
   */
  networkForward(
    layout: Int32Array,
    params: FloatArray,
    workspace: FloatArray,
    capacity: number,
    X: FloatArray,
    rowOffset: number,
    rows: number,
    out: FloatArray,
  ): void;

  /** The loss (mean reduction) of rows `rowOffset .. rowOffset + rows` of `X` against the same rows of `Y`. */
  networkLoss(
    layout: Int32Array,
    params: FloatArray,
    workspace: FloatArray,
    capacity: number,
    loss: LossCode,
    X: FloatArray,
    Y: FloatArray,
    rowOffset: number,
    rows: number,
  ): number;

  /**
   * One minibatch: gathers rows `indices[indexOffset .. indexOffset + rows)` of `X` and `Y` into the
   * workspace, runs forward and backward, writes d(loss)/d(params) to `gradients`, and returns the
   * minibatch loss (mean reduction). With `learningRate` > 0 it then also takes a plain SGD step,
   * `params -= learningRate * gradients` (as {@link OptimizerKernels.sgdStep} without momentum or decay),
   * unless the loss is NaN or infinite, or the step would make any parameter NaN or infinite: such a step
   * is refused, `params` are left exactly as they were, and the return value is `Infinity` (the update
   * the loss implied was infinite). 0 leaves `params` alone.
   */
  networkGradients(...args: [...TrainingArguments, rows: number, learningRate: number]): number;

  /**
   * Consecutive minibatches of plain SGD in one call (Keras's `steps_per_execution`: one crossing into
   * native code for many steps): rows `indices[indexOffset .. indexOffset + rows)` in batches of
   * `batchSize` (the last one shorter), each exactly a {@link NetworkKernels.networkGradients} call with
   * `learningRate`, each batch's loss written to `losses[b]`. It stops after the first batch whose loss is
   * NaN or infinite, or whose update was refused (as networkGradients refuses it, recorded as `Infinity`),
   * that batch's update skipped, and returns how many batches it ran, that one included.
   *
   * `gradients` holds the parameter count (the last batch's gradients are left in it), or, with fewer, at
   * least {@link NetworkLayout.largestLayerSize} (`max of d_{i-1} d_i + d_i`): then no gradient vector is
   * kept, each layer's gradient is formed there in turn and applied (native/kernels/layer_steps.h; what the
   * scratch holds afterwards is unspecified). The parameters, losses and refusals are the same, bit for bit,
   * except with several OpenBLAS threads and 65,536 parameters or more, where the update then goes to
   * OpenBLAS's axpy one layer at a time and a few weights may round differently.
   *
   * With the whole gradient vector, a `workspace` holding the parameter count beyond
   * {@link NetworkLayout.workspaceSize} lends that room to the native backend as a second parameter vector
   * (counted in the overlap checks): a small network's steps then write each update in the gradient
   * product's stores instead of a pass of their own (native/kernels/network.h, networkSteps), with the same
   * bits, losses, refusals and last batch's gradients. The js backend leaves the room untouched.
   */
  networkSteps(
    ...args: [...TrainingArguments, batchSize: number, rows: number, learningRate: number, losses: Float64Array]
  ): number;

  /**
   * Binds a forward pass to its arrays once, as a database prepares a statement: checks everything
   * {@link NetworkKernels.networkForward} checks, for `capacity` rows of `X` (`capacity*d_0`) and of
   * `out` (`capacity*d_L`), and attaches the bound arrays to `handle`, a fresh plain object (an object
   * already bound is refused). The kernel keeps the arrays alive for as long as `handle` lives.
   *
   * Returns a token that {@link NetworkKernels.networkRun} takes in place of `handle`, valid while
   * `handle` lives (keep both; a token whose handle was collected is a `TypeError`): the native backend's is
   * an External, which it finds faster than the handle's binding (a property lookup); the js backend returns
   * `handle` itself. `undefined` where no token could be made: then pass `handle`.
   */
  networkPrepare(
    layout: Int32Array,
    params: FloatArray,
    workspace: FloatArray,
    capacity: number,
    X: FloatArray,
    out: FloatArray,
    handle: object,
  ): object | undefined;

  /**
   * The forward pass of rows `0 .. rows` of the bound `X` into the bound `out` (`rows` at most the
   * capacity), reading the bound arrays as they are now; returns `undefined`. When one of those rows'
   * values is NaN or infinite it runs nothing, writes nothing, and returns that value's index in `X` (the
   * first one). With `source` (a Float64Array of at least `rows*d_0` values, not overlapping `X` unless it is
   * `X` itself), those values are first copied into `X`, converted to float32 for a float32 pass (as
   * JavaScript converts), in native code where V8's `set` converts element by element.
   * `handle` may also be the token `networkPrepare` returned for it. A handle that
   * `networkPrepare` did not bind (or a token it did not return) is a `TypeError`, and so is any bound array
   * whose buffer has since been detached or shrunk: the pass never reads or writes memory that is no
   * longer the array's.
   */
  networkRun(handle: object, rows: number, source?: Float64Array): number | undefined;
}

/**
 * Optimizer updates over a whole parameter vector, as PyTorch defines them; state buffers start at zero
 * and belong to the caller. `params` must not overlap the gradients or the state.
 */
export interface OptimizerKernels {
  /**
   * torch.optim.SGD (dampening 0): `g = grad + weightDecay p; v = momentum v + g;
   * p -= learningRate (nesterov ? g + momentum v : v)`. With momentum 0, `velocity` is unused (may be empty).
   */
  sgdStep(
    n: number,
    learningRate: number,
    momentum: number,
    nesterov: boolean,
    weightDecay: number,
    params: FloatArray,
    gradients: FloatArray,
    velocity: FloatArray,
  ): void;

  /**
   * torch.optim.Adam, or AdamW with `decoupled`: `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
   * p -= lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + epsilon)`, where weight decay is added
   * to g (Adam) or applied as `p *= 1 - lr weightDecay` first (AdamW). `step` counts updates from 1.
   */
  adamStep(
    n: number,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    weightDecay: number,
    decoupled: boolean,
    step: number,
    params: FloatArray,
    gradients: FloatArray,
    m: FloatArray,
    v: FloatArray,
  ): void;
}

/** The training loop's shuffle, run where the rest of the training is (lib/random.ts holds the generator). */
export interface RandomKernels {
  /**
   * Fills `order` with a permutation of `0 .. order.length - 1` drawn from the xoshiro128** generator whose
   * four 32-bit words are `state[0..3]`, exactly as `Random.permutation` draws it (Fisher-Yates from the
   * identity; Lemire's bounded draw with rejection up to 2^21, a 53-bit uniform scaled beyond), and leaves
   * the generator's words after those draws in `state`. `state` must hold at least 4 elements, not all 0;
   * `order` at most 2^32 and must not overlap `state`.
   */
  permutation(state: Uint32Array, order: Uint32Array): void;
}

/** Every kernel name, in the order of the native registration table. */
export const KERNEL_NAMES = [
  'gemm',
  'axpy',
  'addBias',
  'columnSums',
  'gatherRows',
  'activationForward',
  'activationBackward',
  'lossValue',
  'outputDelta',
  'networkForward',
  'networkLoss',
  'networkGradients',
  'networkSteps',
  'networkPrepare',
  'networkRun',
  'sgdStep',
  'adamStep',
  'permutation',
] as const satisfies readonly (keyof AllKernels)[];

export type KernelName = (typeof KERNEL_NAMES)[number];

/** Every kernel a backend implements: the layer kernels, the whole-network passes, the optimizer updates. */
export type AllKernels = Kernels & NetworkKernels & OptimizerKernels & RandomKernels;

// A compile-time check that KERNEL_NAMES lists every kernel of the interface, not just some.
type MissingKernel = Exclude<keyof AllKernels, KernelName>;
const everyKernelListed: MissingKernel extends never ? true : MissingKernel = true;
void everyKernelListed;
