/**
 * Preallocated buffers for passes over up to `capacity` rows: a layer's pre-activations `z`, activations
 * `a` and deltas, plus the gathered minibatch. Sized once per batch size, so a training step allocates
 * nothing; a shorter final batch uses the leading part of each buffer.
 */
export class Workspace {
  readonly capacity: number;
  /** Minibatch inputs, capacity x dims[0]. */
  readonly inputs: Float64Array;
  /** Minibatch targets, capacity x dims[last]. */
  readonly targets: Float64Array;
  /** Per layer: z = a_prev W + b, capacity x outputs. */
  readonly z: Float64Array[];
  /** Per layer: a = f(z), capacity x outputs. */
  readonly a: Float64Array[];
  /** Per layer: d(loss)/dz, capacity x outputs. */
  readonly delta: Float64Array[];

  constructor(dims: readonly number[], capacity: number) {
    this.capacity = capacity;
    this.inputs = new Float64Array(capacity * dims[0]!);
    this.targets = new Float64Array(capacity * dims[dims.length - 1]!);
    const widths = dims.slice(1);
    this.z = widths.map((width) => new Float64Array(capacity * width));
    this.a = widths.map((width) => new Float64Array(capacity * width));
    this.delta = widths.map((width) => new Float64Array(capacity * width));
  }
}

/** Gradient buffers shaped like the parameters. */
export class Gradients {
  readonly weights: Float64Array[];
  readonly biases: Float64Array[];

  constructor(dims: readonly number[]) {
    this.weights = [];
    this.biases = [];
    for (let i = 0; i + 1 < dims.length; i++) {
      this.weights.push(new Float64Array(dims[i]! * dims[i + 1]!));
      this.biases.push(new Float64Array(dims[i + 1]!));
    }
  }
}
