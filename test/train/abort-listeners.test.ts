/**
 * Many trainings sharing one AbortSignal add one listener to it, not two each: Node warns past ten
 * listeners, which a server starting many fitAsync calls with one signal must not see.
 */
import { getEventListeners } from 'node:events';

import { CrossEntropy, Matrix, Network, Relu, Softmax } from '../../lib';
import { whenAborted } from '../../lib/train/abort-listeners';
import { describeBackends } from '../helpers/backends';

describe('whenAborted', () => {
  it('runs every callback once, in order, and a cancelled one not at all', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    whenAborted(controller.signal, () => calls.push('a'));
    const cancel = whenAborted(controller.signal, () => calls.push('b'));
    whenAborted(controller.signal, () => calls.push('c'));
    cancel();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'c']);
  });
});

describeBackends('fitAsync with one signal shared by many trainings', (backend) => {
  it('twelve at once: no MaxListenersExceededWarning, and abort stops every one', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const x = Matrix.from(Array.from({ length: 64 }, (_, r) => [Math.sin(r), Math.cos(r)]));
      const y = Matrix.from(Array.from({ length: 64 }, (_, r) => (Math.sin(r) > 0 ? [1, 0] : [0, 1])));
      const finished = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          new Network([2, 4, 2], [Relu, Softmax], { seed: i + 1, backend }).fitAsync(x, y, {
            loss: CrossEntropy,
            epochs: 3,
            log: null,
            signal: new AbortController().signal,
          }),
        ),
      );
      expect(finished).toHaveLength(12);
      const controller = new AbortController();
      const runs = Array.from({ length: 12 }, (_, i) =>
        new Network([2, 4, 2], [Relu, Softmax], { seed: i + 1, backend }).fitAsync(x, y, {
          loss: CrossEntropy,
          epochs: 100_000,
          log: null,
          signal: controller.signal,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Every training is queued or running by now: each of them, and the pool for it, is listening.
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort();
      const outcomes = await Promise.allSettled(runs);
      expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : o.status))).toEqual(
        Array(12).fill('AbortError'),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 60_000);
});
