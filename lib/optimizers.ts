/**
 * Optimizers: SGD (with momentum, Nesterov and L2 weight decay), Adam and AdamW, defined exactly as
 * PyTorch's `torch.optim` classes so hyper-parameters carry over. Pass one to `fit`:
 *
 *   net.fit(x, y, { loss: CrossEntropy, optimizer: new Adam({ learningRate: 1e-3 }) });
 *
 * An optimizer instance holds its state (momentum buffers, Adam's moments and step count) in preallocated
 * buffers, like a PyTorch optimizer, so calling fit again with the same instance continues where it left
 * off. It attaches to the first network it trains and refuses any other. Each update is one fused kernel
 * call over the network's whole parameter vector.
 */
import type { Backend } from './backend/backend';
import type { FloatArray } from './backend/kernels';
import { ValueError } from './errors';
import { invalid, numberIn, optionsObject, positiveNumber } from './validate';

/** A serialisable description of an optimizer: its kind and hyper-parameters. */
export type OptimizerConfig =
  | { kind: 'sgd'; learningRate: number; momentum: number; nesterov: boolean; weightDecay: number }
  | {
      kind: 'adam' | 'adamw';
      learningRate: number;
      beta1: number;
      beta2: number;
      epsilon: number;
      weightDecay: number;
    };

/** An optimizer's mutable state: update count and buffers shaped like the parameter vector. */
export interface OptimizerState {
  /** Updates taken so far. */
  step: number;
  /** SGD: [velocity] (empty without momentum); Adam/AdamW: [first moment, second moment]. */
  buffers: FloatArray[];
}

/** What every optimizer provides to the training loop. */
export abstract class Optimizer {
  /** The base learning rate (a schedule, when given, replaces it epoch by epoch). */
  readonly learningRate: number;
  /** @internal */
  protected state: OptimizerState | undefined;
  /** @internal The network's parameter vector this optimizer is attached to. */
  private attached: FloatArray | undefined;

  protected constructor(learningRate: number) {
    this.learningRate = learningRate;
  }

  /** The kind and hyper-parameters, as saved in model files. */
  abstract toJSON(): OptimizerConfig;

  /** Buffers a fresh state needs, for `size` parameters. */
  protected abstract bufferCount(): number;

  /** One update of `params` from `gradients` at `learningRate`. */
  protected abstract update(backend: Backend, params: FloatArray, gradients: FloatArray, learningRate: number): void;

  /** Updates taken so far (0 before the first). */
  get steps(): number {
    return this.state?.step ?? 0;
  }

  /**
   * @internal Binds to a network's parameter vector on first use (allocating zeroed state of the same
   * element type) and refuses another network afterwards.
   */
  attach(params: FloatArray): void {
    if (this.attached === params) return;
    if (this.attached !== undefined) {
      throw new ValueError(
        'ERR_OPTIMIZER_IN_USE',
        'This optimizer already trains another network; give each network its own optimizer instance',
      );
    }
    const Type = params instanceof Float32Array ? Float32Array : Float64Array;
    if (this.state) {
      // State restored from a model file: it must fit this network.
      for (const buffer of this.state.buffers) {
        if (buffer.length !== params.length || !(buffer instanceof Type)) {
          throw new ValueError(
            'ERR_SHAPE_MISMATCH',
            `The optimizer's saved state holds ${buffer.length} ${buffer.constructor.name} values but the network has ${params.length} ${Type.name} parameters`,
          );
        }
      }
    } else {
      this.state = { step: 0, buffers: Array.from({ length: this.bufferCount() }, () => new Type(params.length)) };
    }
    this.attached = params;
  }

  /** @internal One update at `learningRate` (the schedule's, or the base rate). */
  step(backend: Backend, params: FloatArray, gradients: FloatArray, learningRate = this.learningRate): void {
    this.countStep(params);
    this.update(backend, params, gradients, learningRate);
  }

  /**
   * @internal Whether an update is plain SGD (no momentum, no decay), which the gradient kernel can apply
   * itself in the same call (networkGradients' learningRate). Whether a run does so is decided in one
   * place, Trainer.fusedSgd.
   */
  get plain(): boolean {
    return false;
  }

  /** @internal Counts an update that was made elsewhere (fused into the gradient kernel). */
  countStep(params: FloatArray): void {
    this.countSteps(params, 1);
  }

  /** @internal Counts `count` updates made elsewhere (a run of minibatches in one native call). */
  countSteps(params: FloatArray, count: number): void {
    this.attach(params);
    this.state!.step += count;
  }

  /** @internal A copy of the state, for model files. */
  exportState(): OptimizerState | undefined {
    return this.state && { step: this.state.step, buffers: this.state.buffers.map((b) => b.slice()) };
  }

  /** @internal Puts back a state this optimizer exported (the divergence guard's rollback). */
  restoreState(state: OptimizerState): void {
    const current = this.state!;
    current.step = state.step;
    state.buffers.forEach((buffer, i) => current.buffers[i]!.set(buffer));
  }

  /** @internal Adopts saved state (before the optimizer is attached to a network). */
  importState(state: OptimizerState): void {
    if (this.attached) throw new ValueError('ERR_OPTIMIZER_IN_USE', 'Cannot replace the state of an optimizer in use');
    if (state.buffers.length !== this.bufferCount()) {
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        `Expected ${this.bufferCount()} state buffers but received ${state.buffers.length}`,
      );
    }
    this.state = { step: state.step, buffers: state.buffers.map((b) => b.slice()) };
  }
}

const NO_VELOCITY_64 = new Float64Array(0);
const NO_VELOCITY_32 = new Float32Array(0);

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Step size. Default 0.01. */
  learningRate?: number;
  /** Momentum factor in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty: `weightDecay * p` added to every gradient. Default 0. */
  weightDecay?: number;
}

/** Stochastic gradient descent, as `torch.optim.SGD` (dampening 0). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(options: SGDOptions = {}) {
    const given = optionsObject('options', options, ['learningRate', 'momentum', 'nesterov', 'weightDecay'] as const);
    super(positiveNumber('options.learningRate', given.learningRate ?? 0.01));
    this.momentum = numberIn('options.momentum', given.momentum ?? 0, 0, 1 - Number.EPSILON);
    const nesterov = given.nesterov ?? false;
    if (typeof nesterov !== 'boolean') throw invalid('ERR_INVALID_ARGUMENT', 'options.nesterov', 'a boolean', nesterov);
    if (nesterov && this.momentum === 0) {
      throw new ValueError('ERR_INVALID_ARGUMENT', 'Nesterov momentum needs options.momentum > 0 (as in PyTorch)');
    }
    this.nesterov = nesterov;
    this.weightDecay = numberIn('options.weightDecay', given.weightDecay ?? 0, 0, Number.MAX_VALUE);
  }

  toJSON(): OptimizerConfig {
    return {
      kind: 'sgd',
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }

  protected bufferCount(): number {
    return this.momentum === 0 ? 0 : 1;
  }

  override get plain(): boolean {
    return this.momentum === 0 && this.weightDecay === 0;
  }

  protected update(backend: Backend, params: FloatArray, gradients: FloatArray, learningRate: number): void {
    // Without momentum there is no velocity; the kernel wants an array of the same type, and an empty one
    // made once saves an allocation per step.
    const velocity = this.state!.buffers[0] ?? (params instanceof Float32Array ? NO_VELOCITY_32 : NO_VELOCITY_64);
    backend.sgdStep(
      params.length,
      learningRate,
      this.momentum,
      this.nesterov,
      this.weightDecay,
      params,
      gradients,
      velocity,
    );
  }
}

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability. Default 1e-8. */
  epsilon?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
}

/** What Adam and AdamW share (exported for their types; construct one of them). */
export abstract class AdamBase extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;

  protected constructor(
    options: AdamOptions,
    defaultWeightDecay: number,
    private readonly decoupled: boolean,
  ) {
    const given = optionsObject('options', options, [
      'learningRate',
      'beta1',
      'beta2',
      'epsilon',
      'weightDecay',
    ] as const);
    super(positiveNumber('options.learningRate', given.learningRate ?? 1e-3));
    this.beta1 = numberIn('options.beta1', given.beta1 ?? 0.9, 0, 1 - Number.EPSILON);
    this.beta2 = numberIn('options.beta2', given.beta2 ?? 0.999, 0, 1 - Number.EPSILON);
    this.epsilon = numberIn('options.epsilon', given.epsilon ?? 1e-8, 0, Number.MAX_VALUE);
    this.weightDecay = numberIn('options.weightDecay', given.weightDecay ?? defaultWeightDecay, 0, Number.MAX_VALUE);
  }

  toJSON(): OptimizerConfig {
    return {
      kind: this.decoupled ? 'adamw' : 'adam',
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  protected bufferCount(): number {
    return 2;
  }

  protected update(backend: Backend, params: FloatArray, gradients: FloatArray, learningRate: number): void {
    const { step, buffers } = this.state!;
    backend.adamStep(
      params.length,
      learningRate,
      this.beta1,
      this.beta2,
      this.epsilon,
      this.weightDecay,
      this.decoupled,
      step,
      params,
      gradients,
      buffers[0]!,
      buffers[1]!,
    );
  }
}

/** Adam, as `torch.optim.Adam`: bias-corrected moments; `weightDecay` is an L2 term in the gradient. */
export class Adam extends AdamBase {
  constructor(options: AdamOptions = {}) {
    super(options, 0, false);
  }
}

/** AdamW, as `torch.optim.AdamW`: Adam with decoupled weight decay (`p *= 1 - lr * weightDecay` each step). */
export class AdamW extends AdamBase {
  constructor(options: AdamOptions = {}) {
    super(options, 0.01, true);
  }
}

/** The optimizer a saved configuration describes (without state). */
export function optimizerFromConfig(config: OptimizerConfig): Optimizer {
  switch (config.kind) {
    case 'sgd':
      return new SGD({
        learningRate: config.learningRate,
        momentum: config.momentum,
        nesterov: config.nesterov,
        weightDecay: config.weightDecay,
      });
    case 'adam':
    case 'adamw': {
      const options = {
        learningRate: config.learningRate,
        beta1: config.beta1,
        beta2: config.beta2,
        epsilon: config.epsilon,
        weightDecay: config.weightDecay,
      };
      return config.kind === 'adam' ? new Adam(options) : new AdamW(options);
    }
    default:
      throw invalid(
        'ERR_INVALID_ARGUMENT',
        'optimizer.kind',
        "'sgd', 'adam' or 'adamw'",
        (config as { kind: unknown }).kind,
      );
  }
}
