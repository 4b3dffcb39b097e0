/**
 * A flat workspace for passes over up to `capacity` rows, laid out as NetworkLayout describes (each
 * layer's z, a and delta, then the gathered minibatch). Sized once per batch size, so a training step
 * allocates nothing; a shorter final batch uses the leading rows of each region.
 */
import type { NetworkLayout } from '../backend/layout';

export class Workspace {
  readonly buffer: Float64Array;

  constructor(
    layout: NetworkLayout,
    readonly capacity: number,
  ) {
    this.buffer = new Float64Array(layout.workspaceSize(capacity));
  }
}
