/**
 * One 'abort' listener per signal, however many trainings share it. A server that starts fifty fitAsync
 * calls with one AbortSignal would otherwise add a hundred listeners to it (fitAsync's and the pool's),
 * and Node warns past ten ("MaxListenersExceededWarning: Possible EventTarget memory leak"), which is
 * neither true nor the user's doing. Callbacks run in the order they were added, each at most once.
 */
import type { AbortSignalLike } from './options';

const waiting = new WeakMap<AbortSignalLike, Set<() => void>>();

/** Calls `callback` once when `signal` aborts; the returned function cancels that. */
export function whenAborted(signal: AbortSignalLike, callback: () => void): () => void {
  let callbacks = waiting.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const run of [...set]) run();
      },
      { once: true },
    );
  }
  // A wrapper of its own, so that one callback added twice is two registrations, as addEventListener's
  // once-per-add is not needed here and a Set would merge them.
  const entry = (): void => callback();
  callbacks.add(entry);
  const added = callbacks;
  return () => {
    added.delete(entry);
  };
}
