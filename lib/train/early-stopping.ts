/**
 * Early stopping, with Keras's meaning: stop once the monitored loss has not improved by more than
 * `minDelta` for more than `patience` epochs in a row; optionally end with the best epoch's weights.
 */
import type { FloatArray } from '../backend/kernels';
import type { ResolvedEarlyStopping } from './options';

/** The state of early stopping through one run: the best value, its epoch and, with restoreBest, its weights. */
export class EarlyStopping {
  private best = Infinity;
  private bestWeights: FloatArray | undefined;
  private wait = 0;
  /** The epoch with the best monitored value so far (0 before any finite one). */
  bestEpoch = 0;

  constructor(
    private readonly settings: ResolvedEarlyStopping,
    private readonly parameters: FloatArray,
  ) {}

  /** Takes the epoch's monitored value; returns whether to stop after this epoch. */
  update(epoch: number, value: number): boolean {
    // A NaN never compares as an improvement, so a diverging run counts down its patience.
    if (value < this.best - this.settings.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.settings.restoreBest) {
        if (this.bestWeights === undefined) this.bestWeights = this.parameters.slice();
        else this.bestWeights.set(this.parameters);
      }
      return false;
    }
    this.wait++;
    return this.wait > this.settings.patience;
  }

  /** With `restoreBest`, puts the best epoch's weights back (a no-op when the last epoch was the best). */
  finish(lastEpoch: number): void {
    if (this.bestWeights !== undefined && this.bestEpoch !== lastEpoch) this.parameters.set(this.bestWeights);
  }
}
