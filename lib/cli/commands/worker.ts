/**
 * `blasnet worker --redis <url>`: a training worker for the queue (blasnet/queue's startTrainingWorker)
 * until SIGTERM or SIGINT, which stop it taking jobs and let the running ones finish; a second signal
 * stops at once, and the jobs it held go back to the queue for another worker once their locks expire.
 * One line per job event on stdout.
 */
import { configurePool } from '../../train/pool';
import { startTrainingWorker } from '../../queue/worker';
import { DEFAULT_QUEUE } from '../../queue/peers';
import { integerValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { UsageError } from '../errors';
import type { Io } from './shared';

export const WORKER: CommandSpec = {
  name: 'worker',
  summary: 'Train the jobs of a Redis queue (blasnet train --redis, blasnet tune --redis) until SIGTERM.',
  positionals: [],
  options: {
    redis: { type: 'string', value: '<url>', description: 'the Redis server, e.g. redis://127.0.0.1:6379 (required)' },
    queue: { type: 'string', value: '<name>', description: 'the queue to take jobs from', default: DEFAULT_QUEUE },
    concurrency: {
      type: 'string',
      value: '<n>',
      description: 'jobs trained at once (each on a thread of the pool)',
      default: 'the cores',
    },
  },
};

/** The URL without its password, to print. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return JSON.stringify(parsed.toString());
  } catch {
    return JSON.stringify(url);
  }
}

/** Runs `blasnet worker`; resolves with the exit code once it has stopped. */
export async function worker(args: ParsedArgs, io: Io): Promise<number> {
  const url = stringValue(args, 'redis');
  if (url === undefined)
    throw new UsageError(
      'ERR_CLI_MISSING_OPTION',
      'blasnet worker needs --redis <url>, the Redis server its queue is on',
    );
  if (!/^rediss?:\/\//.test(url))
    throw new UsageError(
      'ERR_CLI_INVALID_OPTION',
      `--redis expects a URL such as redis://127.0.0.1:6379 but was given ${JSON.stringify(url)}`,
    );
  const queue = stringValue(args, 'queue') ?? DEFAULT_QUEUE;
  const concurrency = args.values.concurrency === undefined ? undefined : integerValue(args, 'concurrency', 1, 1, 1024);
  // As many threads as jobs at once (OpenBLAS's threads are then set to fit the cores).
  if (concurrency !== undefined) configurePool({ size: concurrency });
  const training = startTrainingWorker({
    connection: url,
    queue,
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const started = new Map<string, number>();
  training.worker.on('active', (job) => {
    started.set(job.id!, Date.now());
    say(`job ${JSON.stringify(job.id)}: training`);
  });
  training.worker.on('completed', (job) => {
    const seconds = (Date.now() - (started.get(job.id!) ?? Date.now())) / 1000;
    started.delete(job.id!);
    say(`job ${JSON.stringify(job.id)}: done in ${seconds.toFixed(2)} s`);
  });
  training.worker.on('failed', (job, error) => {
    if (job) started.delete(job.id!);
    say(`job ${JSON.stringify(job?.id ?? '?')}: failed: ${error.message.split('\n')[0]}`);
  });
  await training.worker.waitUntilReady();
  say(
    `worker: queue ${JSON.stringify(queue)} on ${shown(url)}, ${concurrency ?? training.worker.opts.concurrency} at a time; SIGTERM stops it`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      say(
        `worker: ${signal}: finishing ${started.size} running job${started.size === 1 ? '' : 's'}, taking no new ones (again to stop at once)`,
      );
      const force = () => {
        say('worker: stopping now; the running jobs go back to the queue when their locks expire');
        void training.close({ force: true }).finally(() => process.exit(130));
      };
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      void training.close().then(() => {
        process.off('SIGTERM', force);
        process.off('SIGINT', force);
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  say('worker: stopped');
  return 0;
}
