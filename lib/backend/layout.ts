/**
 * The flat buffer layout the network kernels share with native/kernels/network.h: where each layer's
 * weights and biases sit in the parameter vector, and each pass's buffers in the workspace.
 *
 *   layout      Int32Array [L, d_0, ..., d_L, f_1, ..., f_L]
 *   parameters  for each layer i: W_i (d_{i-1} x d_i, row-major), then b_i (d_i)
 *   workspace   for `capacity` rows: for each layer z_i, a_i, delta_i (capacity x d_i each), then the
 *               gathered inputs (capacity x d_0) and targets (capacity x d_L)
 */
import type { ActivationCode } from './kernels';

export class NetworkLayout {
  readonly layers: number;
  readonly units: readonly number[];
  readonly activations: readonly ActivationCode[];
  readonly weightOffsets: readonly number[];
  readonly biasOffsets: readonly number[];
  readonly parameterCount: number;
  /** d_1 + ... + d_L */
  readonly unitSum: number;

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
    this.unitSum = units.slice(1).reduce((sum, d) => sum + d, 0);
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
      if (!(code >= 0 && code < ACTIVATION_CODES)) {
        throw fail(`expected layout activation code f_${i + 1} to be from 0 to ${ACTIVATION_CODES - 1} but it is ${code}`);
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

  z(capacity: number, layer: number): number {
    let sum = 0;
    for (let i = 0; i < layer; i++) sum += this.units[i + 1]!;
    return capacity * 3 * sum;
  }

  a(capacity: number, layer: number): number {
    return this.z(capacity, layer) + capacity * this.units[layer + 1]!;
  }

  delta(capacity: number, layer: number): number {
    return this.a(capacity, layer) + capacity * this.units[layer + 1]!;
  }

  gatheredInputs(capacity: number): number {
    return capacity * 3 * this.unitSum;
  }

  gatheredTargets(capacity: number): number {
    return this.gatheredInputs(capacity) + capacity * this.inputs;
  }

  workspaceSize(capacity: number): number {
    return this.gatheredTargets(capacity) + capacity * this.outputs;
  }
}

/** As native/kernels/network.h's kMaxLayers. */
export const MAX_LAYERS = 256;
const ACTIVATION_CODES = 6;
