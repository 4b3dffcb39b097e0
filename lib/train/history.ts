/**
 * The record a training run returns, and the log line of each recorded epoch. Both fit and fitAsync build
 * it the same way, in the one training loop (loop.ts).
 */

/** The training record returned by `Network.fit` and `Network.fitAsync`. */
export interface History {
  /**
   * The epochs (from 1) at which the losses were measured: every `logEvery` epochs, and the last one run
   * (the last of `epochs`, or where early stopping stopped).
   */
  epoch: number[];
  /** The loss over the whole training set after each of those epochs. */
  loss: number[];
  /** The validation loss after each of those epochs, with validation data. */
  valLoss?: number[];
  /** The validation accuracy after each of those epochs, with validation data (see `EpochLogs.valAccuracy`). */
  valAccuracy?: number[];
  /** With early stopping: the epoch after which it stopped, when it stopped before `epochs`. */
  stoppedEpoch?: number;
  /** With early stopping: the epoch whose monitored loss was best (its weights are kept with `restoreBest`). */
  bestEpoch?: number;
}

/** One recorded epoch. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** Appends a recorded epoch to the history. */
export function record(history: History, entry: EpochRecord): void {
  history.epoch.push(entry.epoch);
  history.loss.push(entry.loss);
  if (entry.valLoss !== undefined) (history.valLoss ??= []).push(entry.valLoss);
  if (entry.valAccuracy !== undefined) (history.valAccuracy ??= []).push(entry.valAccuracy);
}

/** `epoch  10/100  loss 0.123456`, with the validation figures when there are some. */
export function logLine(entry: EpochRecord, epochs: number): string {
  const width = String(epochs).length;
  let line = `epoch ${String(entry.epoch).padStart(width)}/${epochs}  loss ${entry.loss.toPrecision(6)}`;
  if (entry.valLoss !== undefined) line += `  val loss ${entry.valLoss.toPrecision(6)}`;
  if (entry.valAccuracy !== undefined) line += `  val accuracy ${entry.valAccuracy.toFixed(4)}`;
  return line;
}
