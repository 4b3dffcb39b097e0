/**
 * bullmq and ioredis are optional peer dependencies: the core library never loads them, and
 * `blasnet/queue` loads them on first use, saying how to install them when they are missing.
 */
import type * as Bullmq from 'bullmq';
import type IORedis from 'ioredis';

import { BlasnetError } from '../errors';

export type BullmqModule = typeof Bullmq;

function load<T>(name: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when used
    return require(name) as T;
  } catch (cause) {
    throw new BlasnetError(
      'ERR_QUEUE_PEER_MISSING',
      `blasnet/queue needs the packages bullmq and ioredis (optional peer dependencies of blasnet), and ${name} could not be loaded; install them: npm install bullmq ioredis`,
      { cause },
    );
  }
}

export function bullmq(): BullmqModule {
  return load<BullmqModule>('bullmq');
}

/** A Redis connection: a URL (redis://host:port/db), ioredis options, or an ioredis client you own. */
export type Connection = string | Bullmq.ConnectionOptions;

/**
 * BullMQ's connection option for `connection`, and whether we made a client that we must close. BullMQ
 * workers need `maxRetriesPerRequest: null` (commands wait for a reconnect rather than fail).
 */
export function connectionOf(connection: Connection): {
  options: Bullmq.ConnectionOptions;
  owned: IORedis | undefined;
} {
  if (typeof connection !== 'string') return { options: connection, owned: undefined };
  const Redis = load<{ default: typeof IORedis }>('ioredis').default;
  const client = new Redis(connection, { maxRetriesPerRequest: null, lazyConnect: false });
  // ioredis reports a lost connection through 'error' while it reconnects; without a listener Node would
  // print each one. BullMQ itself reports what matters through its own 'error' events.
  client.on('error', () => undefined);
  return { options: client, owned: client };
}

/** The default queue name. */
export const DEFAULT_QUEUE = 'blasnet-training';

/** The custom event a submitter publishes to cancel a running job (BullMQ's QueueEventsProducer). */
export const CANCEL_EVENT = 'blasnet:cancel';
