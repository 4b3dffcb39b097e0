/**
 * `blasnet train --redis <url>`: the same training as a local run, on a queue worker. The job carries the
 * untrained network as model bytes (initial weights, generator state, seed), the prepared rows inline and
 * fit's settings, so the worker runs exactly the fitAsync the local run would; the trained model comes
 * back as bytes, and the CLI goes on with it as with a local one (evaluation, --out, --report): the
 * same weights, bit for bit, and the same model file.
 */
import { AbortError } from '../errors';
import { DataError } from './errors';
import type { Matrix } from '../matrix';
import { Network } from '../network';
import type { FitAsyncOptions } from '../train/options';
import type { EpochSummary, TrainingProgress } from '../queue/job';
import { TrainingQueue } from '../queue/submit';

/** Where to send the job, and what to do meanwhile. */
export interface RemoteTraining {
  url: string;
  queue: string | undefined;
  signal: AbortSignal;
  onProgress: (progress: TrainingProgress) => void;
}

/** How long the command line waits for a first answer from Redis before it gives up. */
export const REACH_TIMEOUT_MS = 10_000;

/**
 * Waits until the queue's Redis answers: ioredis reconnects forever (right for a worker riding out a
 * Redis restart), so without this a command pointed at a wrong address would wait forever.
 * @throws {@link DataError} (`ERR_QUEUE_UNREACHABLE`) naming the URL after {@link REACH_TIMEOUT_MS}
 */
export async function reachQueue(queue: TrainingQueue, url: string, timeoutMs = REACH_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DataError(
            'ERR_QUEUE_UNREACHABLE',
            `No answer from the Redis server at ${JSON.stringify(url)} within ${timeoutMs / 1000} s (--redis): is it running, and is the address right?`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([queue.queue.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Trains `net` on a queue worker; resolves with the trained network and every epoch's figures. */
export async function fitOnQueue(
  net: Network,
  x: Matrix,
  y: Matrix,
  options: FitAsyncOptions & { validationData?: readonly [Matrix, Matrix] },
  remote: RemoteTraining,
): Promise<{ net: Network; epochs: EpochSummary[] }> {
  const queue = new TrainingQueue({
    connection: remote.url,
    ...(remote.queue !== undefined ? { name: remote.queue } : {}),
  });
  try {
    await reachQueue(queue, remote.url);
    const validation = options.validationData;
    const handle = await queue.submit({
      kind: 'network',
      network: { model: net.toBuffer().toString('base64') },
      data: {
        x: x.toArray(),
        y: y.toArray(),
        ...(validation ? { validation: { x: validation[0].toArray(), y: validation[1].toArray() } } : {}),
      },
      fit: {
        loss: options.loss!.name,
        ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        ...(options.optimizer !== undefined ? { optimizer: options.optimizer.toJSON() } : {}),
        ...(options.logEvery !== undefined ? { logEvery: options.logEvery } : {}),
        // --class-weight: the table model's row weights, as JSON numbers (the same doubles on the worker).
        ...(options.sampleWeight !== undefined ? { sampleWeight: Array.from(options.sampleWeight) } : {}),
      },
      backend: net.backend.name === 'js' ? 'js' : 'native',
    });
    let done = false;
    handle.on('progress', (progress: TrainingProgress) => {
      if (!done) remote.onProgress(progress);
    });
    const cancel = () => void handle.cancel('interrupted').catch(() => undefined);
    remote.signal.addEventListener('abort', cancel, { once: true });
    try {
      const result = await handle.finished();
      return { net: Network.fromBuffer(result.model, { backend: net.backend }) as Network, epochs: result.epochs };
    } catch (error) {
      if (error instanceof AbortError && remote.signal.aborted)
        throw new AbortError(error.message, { cause: remote.signal.reason });
      throw error;
    } finally {
      done = true;
      remote.signal.removeEventListener('abort', cancel);
    }
  } finally {
    await queue.close();
  }
}
