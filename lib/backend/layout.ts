/**
 * The flat buffer layout the network kernels share with native/kernels/network.h: where each layer's
 * weights and biases sit in the parameter vector, and each pass's buffers in the workspace.
 *
 *   layout      Int32Array [L, d_0, ..., d_L, f_1, ..., f_L]
 *   parameters  for each layer i: W_i (d_{i-1} x d_i, row-major), then b_i (d_i)
 *   workspace   for `capacity` rows: each hidden layer's a_i, the output layer's z_L and a_L, a scratch
 *               region (capacity x the widest hidden layer), then the gathered inputs (capacity x d_0)
 *               and targets (capacity x d_L)
 *
 * Hidden layers keep no z (every activation's derivative comes from a), and backward writes each delta
 * over a buffer whose last use has passed; native/kernels/network.h's comment has the whole schedule.
 */
import { ACTIVATION_COUNT, ActivationCode } from './kernels';

export class NetworkLayout {
  readonly layers: number;
  readonly units: readonly number[];
  readonly activations: readonly ActivationCode[];
  readonly weightOffsets: readonly number[];
  readonly biasOffsets: readonly number[];
  readonly parameterCount: number;
  /** d_1 + ... + d_L */
  readonly unitSum: number;
  /** max(d_1, ..., d_{L-1}), 0 for one layer: the scratch region's width */
  readonly widestHidden: number;
  /**
   * The most parameters one layer has, max of d_{i-1} d_i + d_i: the least `gradients` networkSteps takes
   * (its lean path, native/kernels/layer_steps.h, forms one layer's gradient at a time).
   */
  readonly largestLayerSize: number;

  constructor(units: readonly number[], activations: readonly ActivationCode[]) {
    this.layers = units.length - 1;
    this.units = units;
    this.activations = activations;
    const weightOffsets: number[] = [];
    const biasOffsets: number[] = [];
    let total = 0;
    for (let i = 0; i < this.layers; i++) {
      weightOffsets.push(total);
      biasOffsets.push(total + units[i]! * units[i + 1]!);
      total = biasOffsets[i]! + units[i + 1]!;
    }
    this.weightOffsets = weightOffsets;
    this.biasOffsets = biasOffsets;
    this.parameterCount = total;
    this.largestLayerSize = Math.max(...biasOffsets.map((bias, i) => bias + units[i + 1]! - weightOffsets[i]!));
    this.unitSum = units.slice(1).reduce((sum, d) => sum + d, 0);
    this.widestHidden = Math.max(0, ...units.slice(1, this.layers));
  }

  /** Parses and checks an Int32Array layout; `fail` builds the error for a malformed one. */
  static parse(layout: Int32Array, fail: (message: string) => Error): NetworkLayout {
    const layers = layout[0]!;
    if (layout.length < 4 || !(layers >= 1 && layers <= MAX_LAYERS) || layout.length < 2 * layers + 2) {
      throw fail(`expected layout to be [L, d_0, ..., d_L, f_1, ..., f_L] with 1 <= L <= ${MAX_LAYERS}`);
    }
    const units = Array.from(layout.subarray(1, layers + 2));
    units.forEach((d, i) => {
      if (d < 1) throw fail(`expected layout unit count d_${i} to be at least 1 but it is ${d}`);
    });
    const activations = Array.from(layout.subarray(layers + 2, 2 * layers + 2));
    activations.forEach((code, i) => {
      if (!(code >= 0 && code < ACTIVATION_COUNT)) {
        throw fail(
          `expected layout activation code f_${i + 1} to be from 0 to ${ACTIVATION_COUNT - 1} but it is ${code}`,
        );
      }
    });
    return new NetworkLayout(units, activations as ActivationCode[]);
  }

  /** The Int32Array form the kernels take. */
  encode(): Int32Array {
    return Int32Array.from([this.layers, ...this.units, ...this.activations]);
  }

  get inputs(): number {
    return this.units[0]!;
  }

  get outputs(): number {
    return this.units[this.layers]!;
  }

  /** Layer `layer`'s activations (0-based); for a hidden layer also where its z is computed. */
  a(capacity: number, layer: number): number {
    if (layer === this.layers - 1) return this.outputZ(capacity) + capacity * this.outputs;
    let sum = 0;
    for (let i = 0; i < layer; i++) sum += this.units[i + 1]!;
    return capacity * sum;
  }

  /** The output layer's z, the only z kept (the cross-entropies are computed from it). */
  outputZ(capacity: number): number {
    return capacity * (this.unitSum - this.outputs);
  }

  scratch(capacity: number): number {
    return this.outputZ(capacity) + capacity * 2 * this.outputs;
  }

  gatheredInputs(capacity: number): number {
    return this.scratch(capacity) + capacity * this.widestHidden;
  }

  gatheredTargets(capacity: number): number {
    return this.gatheredInputs(capacity) + capacity * this.inputs;
  }

  workspaceSize(capacity: number): number {
    return this.gatheredTargets(capacity) + capacity * this.outputs;
  }

  /**
   * The least layer scratch networkSteps' lean path takes (native/kernels/layer_steps.h, leanScratchSize):
   * {@link largestLayerSize}; or, for a scratch that ends where the workspace begins (one buffer, the
   * scratch first: `adjacent`), the largest layer above the first, or what layer 0's gradient (formed last)
   * needs beyond the workspace regions dead by then (every a_i, z_L and a_L: {@link scratch}'s offset),
   * whichever is more (784-512-512-10 at 256 rows: 262,656 elements instead of 401,920); or, where
   * {@link inputsAheadFit} and that is less, the minibatch's inputs, every gradient then in the workspace
   * (the same network: 200,704).
   */
  leanScratchSize(capacity: number, adjacent: boolean): number {
    if (!adjacent || this.layers < 2) return this.largestLayerSize;
    const size = (i: number) => this.units[i]! * this.units[i + 1]! + this.units[i + 1]!;
    let least = Math.max(0, size(0) - this.scratch(capacity));
    for (let i = 1; i < this.layers; i++) least = Math.max(least, size(i));
    const ahead = capacity * this.inputs;
    return this.inputsAheadFit(capacity) && ahead < least ? ahead : least;
  }

  /**
   * Whether networkSteps' lean path can keep only the minibatch's inputs in the scratch before the
   * workspace, every layer's gradient then in the workspace (native/kernels/layer_steps.h,
   * inputsAheadFit): three layers or more, a Relu first layer, and room for each gradient (layer i >= 2's
   * from the inputs region on, layer 1's after a_1 with a mask of a quarter element a unit of layer 1's
   * input, layer 0's after a_0).
   */
  inputsAheadFit(capacity: number): boolean {
    if (this.layers < 3 || this.activations[0] !== ActivationCode.relu || capacity === 0) return false;
    const u = this.units;
    const size = (i: number) => u[i]! * u[i + 1]! + u[i + 1]!;
    const end = this.workspaceSize(capacity);
    for (let i = 2; i < this.layers; i++) if (this.gatheredInputs(capacity) + size(i) > end) return false;
    const mask = Math.floor((capacity * u[1]! + 3) / 4);
    return capacity * (u[1]! + u[2]!) + size(1) + mask <= end && capacity * u[1]! + size(0) <= end;
  }
}

/** How an error message words {@link NetworkLayout.workspaceSize}, as native/bindings/network.cc does. */
export const WORKSPACE_RULE = 'capacity*(d_0+(d_1+...+d_L)+2*d_L+max(d_1,...,d_{L-1}))';

/** As native/kernels/network.h's kMaxLayers. */
export const MAX_LAYERS = 256;

/**
 * The largest dimension (rows, columns, layer size) a kernel accepts: BLAS takes dimensions as int.
 * native/bindings/args.h's kMaxDimension is the same number.
 */
export const MAX_DIMENSION = 2147483647;
