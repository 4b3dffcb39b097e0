/**
 * fitAsync: the same training as fit, bit for bit, in a worker thread; an event loop that keeps turning;
 * callbacks; abort; one training at a time per network; errors that come back as their own classes.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import {
  AbortError,
  BlasnetError,
  CrossEntropy,
  Identity,
  Matrix,
  MSE,
  Network,
  NonFiniteLossError,
  Relu,
  Sigmoid,
  Softmax,
  StateError,
  ValueError,
  backends,
  type Backend,
  type FitAsyncOptions,
} from '../../lib';
import { classification, replayBatches, sameBits } from '../helpers/training';
import { describeBackends } from '../helpers/backends';

const settings = { loss: CrossEntropy, batchSize: 16, learningRate: 0.1, log: null } as const;
const network = (backend: 'native' | 'js' = 'native') =>
  new Network([10, 12, 4], [Relu, Softmax], { seed: 21, backend });

describe('fitAsync gives fit’s results', () => {
  const { x, y } = classification(203, 10, 4, 7); // 203 rows: a short last batch

  describeBackends('bit for bit, history and generator included', ({ name: backend }) => {
    it('bit for bit, history and generator included', async () => {
      const options = {
        ...settings,
        epochs: 6,
        logEvery: 2,
        validationSplit: 0.2,
        earlyStopping: { patience: 10, restoreBest: true },
      };
      const sync = network(backend);
      const expected = sync.fit(x, y, options);
      const async = network(backend);
      const history = await async.fitAsync(x, y, options);
      expect(sameBits(async.parameters, sync.parameters)).toBe(true);
      expect(history).toEqual(expected);
      // The generator continues where fit's did: a second round of training agrees too.
      sync.fit(x, y, { ...settings, epochs: 2 });
      await async.fitAsync(x, y, { ...settings, epochs: 2 });
      expect(sameBits(async.parameters, sync.parameters)).toBe(true);
      expect(async.loss).toBe(CrossEntropy);
    });
  });

  it('takes data in every form without changing or detaching it: rows, a Matrix, shared memory, validationData', async () => {
    const expected = network();
    expected.fit(x, y, { ...settings, epochs: 2, validationData: [x, y] });
    const rows = x.toArray();
    const rowsCopy = JSON.stringify(rows);
    const xCopy = x.data.slice();
    for (const [input, targets] of [
      [rows, y.toArray()],
      [x, y],
      [Matrix.shared(x), Matrix.shared(y)],
    ] as const) {
      const net = network();
      await net.fitAsync(input, targets, { ...settings, epochs: 2, validationData: [input, targets] });
      expect(sameBits(net.parameters, expected.parameters)).toBe(true);
    }
    expect(JSON.stringify(rows)).toBe(rowsCopy);
    expect(x.data.length).toBe(xCopy.length);
    expect(sameBits(x.data, xCopy)).toBe(true);
  });

  it('logs the same lines as fit', async () => {
    const syncLines: string[] = [];
    const asyncLines: string[] = [];
    network().fit(x, y, { ...settings, epochs: 4, logEvery: 2, log: (line) => syncLines.push(line) });
    await network().fitAsync(x, y, { ...settings, epochs: 4, logEvery: 2, log: (line) => asyncLines.push(line) });
    expect(asyncLines).toEqual(syncLines);
    expect(asyncLines).toHaveLength(2);
  });
});

describe('the event loop during fitAsync', () => {
  it('keeps a 10 ms timer firing (largest gap under 100 ms) through seconds of training', () => {
    // In a process of its own (test/helpers/event-loop-probe.ts), as a server would run it: inside jest,
    // the runner's own garbage collection of its large heap can stall the loop whatever the training does.
    const probe = path.join(__dirname, '..', 'helpers', 'event-loop-probe.ts');
    const output = execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), probe], {
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as {
      largestGap: number;
      at: number;
      epochs: number;
      aborted: boolean;
      elapsed: number;
    };
    expect(result.aborted).toBe(true);
    expect(result.elapsed).toBeGreaterThanOrEqual(2500);
    expect(result.epochs).toBeGreaterThan(0);
    if (result.largestGap >= 100)
      throw new Error(`the timer stalled ${result.largestGap.toFixed(1)} ms, ${result.at.toFixed(0)} ms into training`);
  });
});

describe('callbacks', () => {
  const { x, y } = classification(96, 10, 4, 2);

  it('are called in order and awaited; the network holds the weights each one describes', async () => {
    const events: string[] = [];
    const net = network();
    const history = await net.fitAsync(x, y, {
      ...settings,
      epochs: 3,
      shuffle: false,
      yieldEvery: 0,
      onBatchEnd: async (batch, logs) => {
        events.push(`batch ${logs.epoch}.${batch}`);
        // After minibatch `batch`, the weights are those of that many steps of unshuffled training.
        const steps = (logs.epoch - 1) * 6 + batch + 1;
        const replay = network();
        replayBatches(replay, x, y, settings, steps, () => false);
        expect(sameBits(net.parameters, replay.parameters)).toBe(true);
        expect(logs.size).toBe(16);
        expect(logs.progress).toBeCloseTo(steps / 18, 12);
        await new Promise((resolve) => setTimeout(resolve, 2));
        events.push(`batch ${logs.epoch}.${batch} done`);
      },
      onEpochEnd: async (epoch, logs) => {
        events.push(`epoch ${epoch}`);
        expect(Number.isFinite(logs.loss)).toBe(true);
        expect(logs.valLoss).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`epoch ${epoch} done`);
      },
      onTrainEnd: (h) => void events.push(`end ${h.epoch.join(',')}`),
    });
    const expected: string[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (let batch = 0; batch < 6; batch++) expected.push(`batch ${epoch}.${batch}`, `batch ${epoch}.${batch} done`);
      expected.push(`epoch ${epoch}`, `epoch ${epoch} done`);
    }
    expected.push('end 3');
    expect(events).toEqual(expected);
    expect(history.epoch).toEqual([3]);
  });

  it('throttles onBatchEnd to at most one call per yieldEvery milliseconds', async () => {
    const { x: bx, y: by } = classification(3000, 10, 4, 5);
    const times: number[] = [];
    const controller = new AbortController();
    // Hundreds of minibatches between two calls; stopped after six calls, however fast the machine.
    const onBatchEnd = () => {
      times.push(performance.now());
      if (times.length === 6) controller.abort();
    };
    await expect(
      network().fitAsync(bx, by, {
        ...settings,
        batchSize: 4,
        epochs: 100_000,
        yieldEvery: 50,
        signal: controller.signal,
        onBatchEnd,
      }),
    ).rejects.toThrow(AbortError);
    expect(times).toHaveLength(6);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(49);
  });

  it('without onEpochEnd, the network’s weights are updated at most every yieldEvery ms, and at the end', async () => {
    const { x: bx, y: by } = classification(2000, 10, 4, 6);
    const net = network();
    const initial = net.parameters.slice();
    let changedWhileTraining = false;
    const poll = setInterval(() => (changedWhileTraining ||= !sameBits(net.parameters, initial)), 5);
    const options = { ...settings, epochs: 40 };
    try {
      await net.fitAsync(bx, by, { ...options, yieldEvery: 60_000 });
    } finally {
      clearInterval(poll);
    }
    expect(changedWhileTraining).toBe(false);
    const expected = network();
    expected.fit(bx, by, options);
    expect(sameBits(net.parameters, expected.parameters)).toBe(true);
  });

  it('with no callback and no log, the network’s weights are still updated while it trains', async () => {
    // Such a job has no port of its own in the pool: its snapshots travel over its thread's own channel,
    // its last weights as the pool task's result (pool.ts).
    const { x: bx, y: by } = classification(2000, 10, 4, 6);
    const net = network();
    const initial = net.parameters.slice();
    const options = { ...settings, epochs: 60 };
    let changedWhileTraining = false;
    let training = true;
    const poll = setInterval(() => (changedWhileTraining ||= training && !sameBits(net.parameters, initial)), 1);
    try {
      await net.fitAsync(bx, by, { ...options, yieldEvery: 0 }).finally(() => (training = false));
    } finally {
      clearInterval(poll);
    }
    expect(changedWhileTraining).toBe(true);
    const expected = network();
    expected.fit(bx, by, options);
    expect(sameBits(net.parameters, expected.parameters)).toBe(true);
  });

  it('stop training when one throws, which fitAsync rejects with', async () => {
    const net = network();
    const failure = new Error('disk full');
    await expect(
      net.fitAsync(x, y, {
        ...settings,
        epochs: 5,
        onEpochEnd: (epoch) => {
          if (epoch === 2) throw failure;
        },
      }),
    ).rejects.toBe(failure);
    // The weights are those of the end of epoch 2, as fit leaves them after two epochs.
    const replay = network();
    replay.fit(x, y, { ...settings, epochs: 2 });
    expect(sameBits(net.parameters, replay.parameters)).toBe(true);
    expect(net.isTraining).toBe(false);
  });

  it('reject with the error of an onEpochEnd that fails on the last epoch, without calling onTrainEnd', async () => {
    const failure = new Error('last one');
    let ended = false;
    await expect(
      network().fitAsync(x, y, {
        ...settings,
        epochs: 2,
        onEpochEnd: (epoch) => {
          if (epoch === 2) throw failure;
        },
        onTrainEnd: () => void (ended = true),
      }),
    ).rejects.toBe(failure);
    expect(ended).toBe(false);
  });

  it('reports validation figures to onEpochEnd', async () => {
    const logs: { valLoss?: number; valAccuracy?: number }[] = [];
    await network().fitAsync(x, y, {
      ...settings,
      epochs: 2,
      validationSplit: 0.25,
      onEpochEnd: (_epoch, l) => void logs.push(l),
    });
    expect(logs).toHaveLength(2);
    for (const l of logs) {
      expect(l.valLoss).toBeGreaterThan(0);
      expect(l.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(l.valAccuracy).toBeLessThanOrEqual(1);
    }
  });
});

describe('abort', () => {
  const { x, y } = classification(2000, 10, 4, 9);
  const options = { ...settings, batchSize: 20, shuffle: false };

  it('mid-training rejects with an AbortError carrying the reason, and leaves a completed-minibatch state', async () => {
    const net = network();
    const controller = new AbortController();
    const reason = new Error('client went away');
    // Aborted by a timer, at no particular point of the worker's loop, once training is under way.
    let timer: NodeJS.Timeout | undefined;
    const onBatchEnd = () => void (timer ??= setTimeout(() => controller.abort(reason), 100));
    let thrown: unknown;
    try {
      await net.fitAsync(x, y, { ...options, epochs: 10_000, signal: controller.signal, onBatchEnd });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AbortError);
    expect(thrown).toBeInstanceOf(BlasnetError);
    const error = thrown as AbortError;
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe('ABORT_ERR');
    expect(error.cause).toBe(reason);
    const completed = Number(/after (\d+) minibatches/.exec(error.message)?.[1]);
    expect(completed).toBeGreaterThan(0);
    // Replaying that many minibatches with fit reaches these very weights, and no other step count does.
    const replay = network();
    const matched: number[] = [];
    replayBatches(replay, x, y, options, completed + 5, (steps) => {
      if (sameBits(replay.parameters, net.parameters)) matched.push(steps);
      return false;
    });
    expect(matched).toEqual([completed]);
    // The network trains on afterwards.
    expect(net.isTraining).toBe(false);
    const history = await net.fitAsync(x, y, { ...options, epochs: 1 });
    expect(Number.isFinite(history.loss[0])).toBe(true);
  });

  it('from a callback stops right after that minibatch', async () => {
    const net = network();
    const controller = new AbortController();
    await expect(
      net.fitAsync(x, y, {
        ...options,
        epochs: 3,
        yieldEvery: 0,
        signal: controller.signal,
        onBatchEnd: (batch, logs) => {
          if (logs.epoch === 2 && batch === 6) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted after 107 minibatches/);
    const replay = network();
    replayBatches(replay, x, y, options, 107, () => false);
    expect(sameBits(net.parameters, replay.parameters)).toBe(true);
  });

  it('before the start rejects at once and changes nothing', async () => {
    const net = network();
    const before = net.parameters.slice();
    const error = await net.fitAsync(x, y, { ...options, signal: AbortSignal.abort('no') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe('no');
    expect(sameBits(net.parameters, before)).toBe(true);
  });
});

describe('one training at a time per network', () => {
  const { x, y } = classification(300, 10, 4, 4);

  it('rejects a second fit or fitAsync with ERR_FIT_IN_PROGRESS while one runs, and allows them after', async () => {
    const net = network();
    const running = net.fitAsync(x, y, { ...settings, epochs: 20 });
    expect(net.isTraining).toBe(true);
    expect(() => net.fit(x, y, settings)).toThrow(StateError);
    expect(() => net.fit(x, y, settings)).toThrow(expect.objectContaining({ code: 'ERR_FIT_IN_PROGRESS' }));
    await expect(net.fitAsync(x, y, settings)).rejects.toMatchObject({
      code: 'ERR_FIT_IN_PROGRESS',
      message: expect.stringMatching(/Cannot start fitAsync on this network while its fitAsync is running/),
    });
    // Reading the network meanwhile is fine: a consistent snapshot.
    expect(net.predict(x).rows).toBe(300);
    await running;
    expect(net.isTraining).toBe(false);
    const epochs = net.epochsTrained;
    expect(net.fit(x, y, { ...settings, epochs: 1 }).epoch).toEqual([1]);
    expect(net.epochsTrained).toBe(epochs + 1);
  });

  it('trains two networks at once, each exactly as fit would', async () => {
    const a = network();
    const b = new Network([10, 8, 8, 4], [Sigmoid, Relu, Softmax], { seed: 5 });
    await Promise.all([a.fitAsync(x, y, { ...settings, epochs: 8 }), b.fitAsync(x, y, { ...settings, epochs: 8 })]);
    const expectedA = network();
    expectedA.fit(x, y, { ...settings, epochs: 8 });
    const expectedB = new Network([10, 8, 8, 4], [Sigmoid, Relu, Softmax], { seed: 5 });
    expectedB.fit(x, y, { ...settings, epochs: 8 });
    expect(sameBits(a.parameters, expectedA.parameters)).toBe(true);
    expect(sameBits(b.parameters, expectedB.parameters)).toBe(true);
  });
});

describe('errors from the worker', () => {
  it('a NaN in the data comes back as fit’s ValueError, naming row and column', async () => {
    const { x, y } = classification(50, 10, 4, 1);
    const bad = new Matrix(50, 10, x.data.slice());
    bad.data[3 * 10 + 7] = NaN;
    const error = await network()
      .fitAsync(bad, y, settings)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as ValueError).code).toBe('ERR_NON_FINITE');
    expect((error as Error).message).toMatch(/Expected x to hold finite numbers but row 3, column 7 is NaN/);
  });

  it('divergence comes back as a NonFiniteLossError with fit’s rolled-back weights', async () => {
    const { x } = classification(40, 4, 2, 3);
    const y = new Matrix(40, 1, new Float64Array(40).fill(1e3));
    const options = { loss: MSE, batchSize: 4, learningRate: 5, shuffle: false, log: null, epochs: 100 };
    const make = () => new Network([4, 6, 1], [Identity, Identity], { seed: 8 });
    const sync = make();
    const syncError = (() => {
      try {
        sync.fit(x, y, options);
      } catch (error) {
        return error as NonFiniteLossError;
      }
      return undefined;
    })();
    const async = make();
    const asyncError = await async.fitAsync(x, y, options).catch((e: unknown) => e as NonFiniteLossError);
    expect(asyncError).toBeInstanceOf(NonFiniteLossError);
    expect(asyncError).toMatchObject({
      code: 'ERR_NON_FINITE_LOSS',
      epoch: syncError!.epoch,
      batch: syncError!.batch,
      message: syncError!.message,
    });
    expect(sameBits(async.parameters, sync.parameters)).toBe(true);
  });

  it('a custom backend object cannot travel to a worker: a clear error', async () => {
    const custom: Backend = { ...backends.js };
    const net = new Network([2, 2], [Softmax], { seed: 1, backend: custom });
    await expect(net.fitAsync([[0, 1]], [[1, 0]], settings)).rejects.toMatchObject({
      code: 'ERR_BACKEND_NOT_TRANSFERABLE',
      message: expect.stringMatching(/custom backend/),
    });
    expect(net.isTraining).toBe(false);
  });

  it('bad options reject, naming the option', async () => {
    const net = network();
    await expect(net.fitAsync([[0]], [[0]], { onEpochEnd: 3 } as unknown as FitAsyncOptions)).rejects.toThrow(
      /Expected options.onEpochEnd to be a function but received 3 \(number\)/,
    );
    await expect(net.fitAsync([[0]], [[0]], { signal: {} } as unknown as FitAsyncOptions)).rejects.toThrow(
      /options.signal to be an AbortSignal/,
    );
    await expect(net.fitAsync([[0]], [[0]], { yieldEvery: -1 })).rejects.toThrow(/options.yieldEvery/);
    await expect(net.fitAsync([[0]], [[0]], { epoch: 3 } as unknown as FitAsyncOptions)).rejects.toThrow(
      /did you mean epochs/,
    );
  });
});
