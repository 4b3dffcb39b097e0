/**
 * The divergence guard: when a minibatch's loss turns NaN or infinite, training stops and the weights go
 * back to the last finite state, with nothing lost that was still finite.
 *
 * The cheap part covers the common case for free: the Trainer skips the update of a batch whose loss is
 * not finite, so the weights (and the optimizer's state) are those after the previous batch. Plain SGD
 * goes further: its fused update is checked before it is written and refused if any weight would become
 * non-finite, so its weights can never hold an infinity and the guard needs nothing more. For the other
 * optimizers, an update can overflow while its batch's loss is still finite; for that case the weights and
 * the optimizer's state are copied once per epoch (not per batch, which would cost a full copy every step),
 * and the epoch is replayed from that copy, batch by batch, up to the last finite state. The replay is
 * exact: the same batches in the same order through the same deterministic kernels.
 */
import type { FloatArray } from '../backend/kernels';
import { StateError } from '../errors';
import { allExponentsFinite } from '../matrix';
import type { OptimizerState } from '../optimizers';
import type { Trainer } from './trainer';

/** Rolls a diverged run back to its last finite weights (see the file comment). */
export class DivergenceGuard {
  /** The weights at the start of the epoch, when updates can overflow (see the file comment). */
  private readonly epochStart: FloatArray | undefined;
  private optimizerStart: OptimizerState | undefined;

  /** @param replays - whether updates can leave weights non-finite, so epochs must be replayable */
  constructor(
    private readonly parameters: FloatArray,
    replays: boolean,
  ) {
    this.epochStart = replays ? parameters.slice() : undefined;
  }

  /** Remembers the weights and optimizer state at the start of an epoch (after the previous one was checked). */
  startEpoch(trainer: Trainer): void {
    if (this.epochStart === undefined) return;
    this.epochStart.set(this.parameters);
    this.optimizerStart = trainer.optimizer.exportState();
  }

  /** Whether every weight is finite. */
  finite(): boolean {
    return allFinite(this.parameters);
  }

  /**
   * After batches 0 .. applied - 1 of this epoch were applied, leaves the last finite weights (and the
   * optimizer state that goes with them) in place and returns how many of those batches they include.
   */
  rollBack(trainer: Trainer, applied: number, learningRate: number): number {
    if (this.finite()) return applied;
    if (this.epochStart === undefined) {
      // Checked updates never write a non-finite weight: reaching this is a bug in a kernel, not divergence.
      throw new StateError('ERR_INTERNAL', 'checked SGD updates left a weight non-finite; please report this');
    }
    const optimizer = trainer.optimizer;
    this.parameters.set(this.epochStart);
    if (this.optimizerStart !== undefined) optimizer.restoreState(this.optimizerStart);
    const previous = this.parameters.slice();
    for (let batch = 0; batch < applied; batch++) {
      previous.set(this.parameters);
      const previousState = optimizer.exportState();
      trainer.trainBatch(batch, learningRate);
      if (!this.finite()) {
        this.parameters.set(previous);
        if (previousState !== undefined) optimizer.restoreState(previousState);
        return batch;
      }
    }
    return applied;
  }
}

/**
 * Whether every element is finite. A module-level function of the array rather than a method: its optimised
 * code then checks only the typed array's map, which outlives a pool thread's per-job guards (see the
 * comment at the end of trainer.ts), so V8 does not throw it away after every job.
 */
function allFinite(p: FloatArray): boolean {
  // From the exponent bits (see allExponentsFinite): a loop over the floats boxed each one it read until V8
  // optimised it, 0.1-0.4 MB of heap numbers per check of B's 670,730 weights.
  return allExponentsFinite(p);
}
