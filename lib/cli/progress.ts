/**
 * Training progress, on stderr so that stdout carries only results (a report, or `--json`'s object) and
 * can be piped. On a terminal: a live bar (cli-progress) with the epoch, the last epoch's loss and
 * held-out loss, and the time left, redrawn in place. Elsewhere (a log file, CI): one plain line every
 * tenth of the run, in fit's own log format, since a bar redrawn with carriage returns makes a mess there.
 */
import { SingleBar } from 'cli-progress';

import { logLine } from '../train/history';

/** How progress is shown: a live bar, plain lines, or not at all. */
export type ProgressMode = 'bar' | 'lines' | 'none';

/** What the training command reports as it goes. */
export interface Progress {
  /** A minibatch ended; `fraction` of the whole run is done. */
  batch(epoch: number, fraction: number): void;
  /** An epoch ended, with its losses. */
  epoch(epoch: number, loss: number, valLoss: number | undefined, valAccuracy: number | undefined): void;
  /** Training ended (or failed): leave the terminal tidy. */
  stop(): void;
}

/** The bar on a terminal, lines elsewhere, nothing when quiet. */
export function progressMode(stream: NodeJS.WriteStream, quiet: boolean): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

/** Resolution of the bar: its value counts thousandths of the run, so it moves within an epoch too. */
const STEPS = 1000;

/**
 * A progress reporter for a run of `epochs` epochs. `scale` names what the losses are measured on when that
 * is not what the results report (a regression trains on the standardised target, while its MSE table is in
 * the target's units): shown after the losses, as "(standardised target)".
 */
export function createProgress(
  mode: ProgressMode,
  stream: NodeJS.WritableStream,
  epochs: number,
  scale?: string,
): Progress {
  if (mode === 'none') return { batch: () => undefined, epoch: () => undefined, stop: () => undefined };
  const note = scale === undefined ? '' : ` (${scale})`;
  if (mode === 'lines') return lineProgress(stream, epochs, note);
  return barProgress(stream, epochs, note);
}

function lineProgress(stream: NodeJS.WritableStream, epochs: number, note: string): Progress {
  const every = Math.max(1, Math.round(epochs / 10));
  const started = Date.now();
  return {
    batch: () => undefined,
    epoch: (epoch, loss, valLoss, valAccuracy) => {
      if (epoch % every !== 0 && epoch !== epochs && epoch !== 1) return;
      const entry = {
        epoch,
        loss,
        ...(valLoss === undefined ? {} : { valLoss }),
        ...(valAccuracy === undefined ? {} : { valAccuracy }),
      };
      stream.write(`${logLine(entry, epochs)}${note}  ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
    stop: () => undefined,
  };
}

function barProgress(stream: NodeJS.WritableStream, epochs: number, note: string): Progress {
  const width = String(epochs).length;
  const bar = new SingleBar({
    stream,
    format: `epoch {epoch}/{epochs} {bar} {percentage}% | loss {loss} | val loss {valLoss}${note} | ETA {eta_formatted}`,
    barsize: 24,
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 40,
    fps: 8,
  });
  const payload = { epoch: '1'.padStart(width), epochs, loss: '-', valLoss: '-' };
  bar.start(STEPS, 0, payload);
  let stopped = false;
  return {
    batch: (epoch, fraction) => {
      payload.epoch = String(epoch).padStart(width);
      bar.update(Math.floor(fraction * STEPS), payload);
    },
    epoch: (epoch, loss, valLoss) => {
      payload.epoch = String(Math.min(epoch + 1, epochs)).padStart(width);
      payload.loss = loss.toPrecision(4);
      payload.valLoss = valLoss === undefined ? '-' : valLoss.toPrecision(4);
      bar.update(Math.round((epoch / epochs) * STEPS), payload);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
