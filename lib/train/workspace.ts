/**
 * A flat workspace for passes over up to `capacity` rows, laid out as NetworkLayout describes (each
 * layer's activations, the output layer's z, a scratch region, then the gathered minibatch). Sized once
 * per batch size, so a training step allocates nothing; a shorter final batch uses the leading rows of
 * each region.
 */
import type { NetworkLayout } from '../backend/layout';
import type { Dtype } from '../matrix';

export class Workspace {
  readonly buffer: Float64Array | Float32Array;

  constructor(
    layout: NetworkLayout,
    readonly capacity: number,
    dtype: Dtype = 'float64',
  ) {
    const size = layout.workspaceSize(capacity);
    this.buffer = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  }
}
