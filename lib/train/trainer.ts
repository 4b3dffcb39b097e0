/**
 * One training run's state: the data, the shuffled row order, the workspace and the gradient vector, with
 * the two operations training loops are made of: train a run of minibatches (with plain SGD one native
 * call, the update fused into the gradient kernel; otherwise one gradient call and one optimizer update
 * call per minibatch), and measure the loss over all rows. Nothing in a step allocates.
 */
import type { Backend } from '../backend/backend';
import type { FloatArray } from '../backend/kernels';
import type { NetworkLayout } from '../backend/layout';
import type { Loss } from '../losses';
import type { Dtype, FloatMatrix } from '../matrix';
import type { Optimizer } from '../optimizers';
import type { Random } from '../random';
import { weightedDatasetLoss, weightedGradients } from './weighted';
import { datasetLoss, Workspace } from './workspace';

/** What a trainer works on: the network's kernels, shape, element type and parameter vector. */
export interface TrainingTarget {
  readonly backend: Backend;
  readonly layout: NetworkLayout;
  readonly encodedLayout: Int32Array;
  readonly dtype: Dtype;
  readonly parameters: FloatArray;
}

export class Trainer {
  readonly rows: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly order: Uint32Array;
  private readonly workspace: Workspace;
  private readonly gradients: FloatArray;
  /** Where loss and validation passes run: the given workspace, or the training one (see trainingWorkspaceServesEvaluation). */
  readonly evaluation: Workspace;

  constructor(
    private readonly net: TrainingTarget,
    private readonly x: FloatMatrix,
    private readonly y: FloatMatrix,
    private readonly loss: Loss,
    batchSize: number,
    evaluation: Workspace | undefined,
    /** Updates the parameters from each minibatch's gradients (attached to `net.parameters`). */
    readonly optimizer: Optimizer,
    /** One weight per row (see weighted.ts), or undefined for the unweighted, fused path. */
    private readonly weights?: Float64Array,
    /**
     * Whether a minibatch whose loss is NaN or infinite skips its update, so the parameters (and the
     * optimizer's state) stay those of the last finite step: the divergence guard's runs (stopOnNonFinite).
     */
    readonly checked = false,
  ) {
    this.rows = x.rows;
    this.batchSize = Math.min(batchSize, x.rows);
    this.batchesPerEpoch = Math.ceil(this.rows / this.batchSize);
    this.order = identityOrder(this.rows);
    this.fusedSgd = checked && optimizer.plain && weights === undefined;
    // The lean path's layer scratch lies right before the workspace (see leanPath).
    const lean = leanPath(net, this.fusedSgd);
    const scratch = lean ? net.layout.leanScratchSize(this.batchSize, true) : 0;
    const spare = spareParameters(net, this.fusedSgd) ? net.layout.parameterCount : 0;
    this.workspace = new Workspace(net.layout, this.batchSize, net.dtype, scratch, spare);
    this.evaluation = evaluation ?? this.workspace;
    this.losses = new Float64Array(this.batchesPerEpoch);
    const count = net.layout.parameterCount;
    this.gradients = lean
      ? this.workspace.leading
      : net.dtype === 'float32'
        ? new Float32Array(count)
        : new Float64Array(count);
  }

  /**
   * Whether the gradient kernel applies the update itself, in the same call, for this run: plain SGD, on
   * unweighted rows, in a checked run. This is the one place that decides it. The kernel refuses (skips)
   * an update whose loss is not finite or which would make a weight non-finite, reported as an infinite
   * loss, so no update can leave a weight non-finite and the divergence guard needs no copy to roll back;
   * and a run of minibatches can go in one native call ({@link Trainer.train}). An unchecked run, where
   * non-finite numbers are trained on regardless, goes through the optimizer's own kernel instead.
   */
  readonly fusedSgd: boolean;

  /**
   * Reorders the rows for the next epoch: a fresh permutation of 0..rows-1 drawn from `random` alone.
   * Starting from the identity every time (rather than reshuffling the last order) makes an epoch's order
   * depend only on the generator's state, which a saved model carries, so 10 + 10 epochs across fit calls
   * or a save and load see the same orders as 20 in one go. The draws run in the backend's
   * `permutation` kernel (native code on the native backend), the same orders and generator state as
   * Random.permutation's.
   */
  shuffle(random: Random): void {
    random.permutationBy(this.net.backend, this.order);
  }

  /**
   * Trains minibatch `batch` (0-based) of the current order with one optimizer step at `learningRate`;
   * returns its loss. In a {@link Trainer.checked} run, a NaN or infinite loss skips the update (the
   * caller decides what to do next).
   */
  trainBatch(batch: number, learningRate: number): number {
    const start = batch * this.batchSize;
    const rows = Math.min(this.batchSize, this.rows - start);
    const { backend, encodedLayout, parameters } = this.net;
    const checked = this.checked;
    if (this.weights !== undefined) {
      const value = weightedGradients(
        this.net,
        this.workspace,
        this.gradients,
        this.loss,
        this.x,
        this.y,
        this.weights,
        this.order,
        start,
        rows,
      );
      if (checked && value - value !== 0) return value;
      this.optimizer.step(backend, parameters, this.gradients, learningRate);
      return value;
    }
    // The fused path's gradients are a layer scratch (see the constructor): one batch of networkSteps,
    // which is networkGradients with the update, bit for bit.
    if (this.fusedSgd) {
      this.train(batch, 1, learningRate);
      return this.losses[0]!;
    }
    const loss = backend.networkGradients(
      encodedLayout,
      parameters,
      this.gradients,
      this.workspace.buffer,
      this.workspace.capacity,
      this.loss.code,
      this.x.data,
      this.y.data,
      this.order,
      start,
      rows,
      0,
    );
    // loss - loss is 0 for finite numbers and NaN for NaN and +-Infinity.
    if (checked && loss - loss !== 0) return loss;
    this.optimizer.step(backend, parameters, this.gradients, learningRate);
    return loss;
  }

  /**
   * Trains minibatches `first .. first + count - 1`, exactly as that many {@link Trainer.trainBatch}
   * calls would (with {@link Trainer.fusedSgd}, in one native call). Their losses go to
   * `this.losses[0 ..]`; a checked run stops after the first non-finite one (whose update was skipped).
   * Returns how many minibatches ran, that one included.
   */
  train(first: number, count: number, learningRate: number): number {
    if (!this.fusedSgd) {
      for (let i = 0; i < count; i++) {
        const loss = this.trainBatch(first + i, learningRate);
        this.losses[i] = loss;
        if (this.checked && loss - loss !== 0) return i + 1;
      }
      return count;
    }
    const start = first * this.batchSize;
    const rows = Math.min(count * this.batchSize, this.rows - start);
    const { backend, encodedLayout, parameters } = this.net;
    const ran = backend.networkSteps(
      encodedLayout,
      parameters,
      this.gradients,
      this.workspace.buffer,
      this.workspace.capacity,
      this.loss.code,
      this.x.data,
      this.y.data,
      this.order,
      start,
      this.batchSize,
      rows,
      learningRate,
      this.losses,
    );
    this.optimizer.countSteps(parameters, this.ranFinitely(ran) ? ran : ran - 1);
    return ran;
  }

  /** Whether the last of the `ran` minibatches of the last {@link Trainer.train} call had a finite loss. */
  ranFinitely(ran: number): boolean {
    const last = this.losses[ran - 1]!;
    return last - last === 0;
  }

  /**
   * `sum` plus loss x rows of the `ran` minibatches of the last {@link Trainer.train} call (which began at
   * minibatch `first`), added one by one in their order, as a loop over single minibatches adds them (so
   * any split of an epoch into runs gives the same bits). A method of its own: the training loop runs a
   * few hundred times at most, so V8 may leave it unoptimised, where every double a statement makes is a
   * heap allocation (30 bytes per minibatch). The loop itself is a module-level function (see
   * {@link addLosses}).
   */
  addLosses(sum: number, first: number, ran: number): number {
    return addLosses(this.losses, this.batchSize, this.rows, sum, first, ran);
  }

  /** The losses of the last {@link Trainer.train} call. */
  readonly losses: Float64Array;

  /** The loss over every training row, with the current parameters. */
  fullLoss(): number {
    if (this.weights !== undefined)
      return weightedDatasetLoss(this.net, this.evaluation, this.x, this.y, this.weights, this.loss);
    return datasetLoss(this.net, this.evaluation, this.x, this.y, this.loss);
  }
}

/*
 * The hot loops below are module-level functions of typed arrays and numbers, not methods, on purpose. A
 * pool thread (lib/train/worker.ts) makes a Trainer and a divergence guard per job; once a job's objects
 * die, a full collection can free the maps they had (V8 holds map transitions weakly), and optimised code
 * that checked those maps is thrown away ("weak objects" deopts under --trace-deopt) and compiled again,
 * once per job. Code that only sees typed arrays and numbers checks the typed arrays' maps, which live as
 * long as the thread, so it is optimised once. Same arithmetic in the same order as the methods had.
 */

/**
 * The least saving (elements) for which the lean path is taken. Its bound costs a pass over each
 * minibatch's activations (about 1 ns an element), which on a small network is most of what it saves:
 * workload A (64-15-10, 1,135 parameters, batch 15) took 25% longer on it. From 65,536 elements (0.5 MB in
 * float64) the products dominate a step (B's speed was unchanged).
 */
const LEAN_FROM = 2 ** 16;

/**
 * Whether fit needs no gradient vector. The fused path on the native backend forms one layer's gradient at
 * a time in a layer scratch (native/kernels/layer_steps.h), with the same bits, at any thread count (the
 * update's split over two threads is blasnet's own and rounds as the one-thread loop does:
 * native/kernels/second_thread.h); the scratch lies right before the workspace, so that the first layer's
 * gradient, formed last, runs on into the workspace regions dead by then (784-512-512-10 at batch 256:
 * 2.1 MB instead of the gradient vector's 5.4). Not on small networks (LEAN_FROM). The js backend would only
 * allocate a vector of its own.
 */
function leanPath(net: TrainingTarget, fused: boolean): boolean {
  const { layout } = net;
  return fused && net.backend.name === 'native' && layout.parameterCount - layout.largestLayerSize >= LEAN_FROM;
}

/** As native/kernels/network.h's kSmallStepMaxParameters: the small-network step runs below it. */
const SMALL_STEP_MAX_PARAMETERS = 2 ** 16;

/**
 * Whether the fused path's workspace carries a second parameter vector after its regions, where native
 * networkSteps writes each small step's update in the gradient product's stores instead of a pass of its
 * own (bench/README.md "What we tried", 63): below the parameter count from which that step never runs
 * (at most 512 KB; whether each batch's shapes fit it, and the CPU, the kernel decides). Never with the lean
 * path, which starts well above that count (LEAN_FROM).
 */
function spareParameters(net: TrainingTarget, fused: boolean): boolean {
  return fused && net.backend.name === 'native' && net.layout.parameterCount < SMALL_STEP_MAX_PARAMETERS;
}

/** The identity order 0 .. rows - 1. */
function identityOrder(rows: number): Uint32Array {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return order;
}

/** See Trainer.addLosses. */
function addLosses(
  losses: Float64Array,
  batchSize: number,
  rows: number,
  sum: number,
  first: number,
  ran: number,
): number {
  for (let i = 0; i < ran; i++) {
    sum += losses[i]! * Math.min(batchSize, rows - (first + i) * batchSize);
  }
  return sum;
}
