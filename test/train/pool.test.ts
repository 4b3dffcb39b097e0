/**
 * fitAsync's process-wide pool: bounded and reused threads, a FIFO queue, abort while queued, a thread
 * that dies failing only its job, OpenBLAS threads per training, and idle threads that let the process exit.
 * Every trained network is compared with its `fit` twin, trained on the main thread.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AbortError,
  BlasnetError,
  CrossEntropy,
  Network,
  Relu,
  Softmax,
  ValueError,
  configurePool,
  getNumThreads,
  poolInfo,
  setNumThreads,
  type FitAsyncOptions,
} from '../../lib';
import { poolThreads } from '../../lib/train/pool';
import { classification, sameBits } from '../helpers/training';

const settings = { loss: CrossEntropy, batchSize: 16, learningRate: 0.1, log: null } as const;
const network = (seed: number) => new Network([10, 12, 4], [Relu, Softmax], { seed });
const { x, y } = classification(160, 10, 4, 3);

function twin(seed: number, options: FitAsyncOptions): Network {
  const net = network(seed);
  const { onEpochEnd: _e, onBatchEnd: _b, onTrainEnd: _t, signal: _s, yieldEvery: _y, ...fitOptions } = options;
  net.fit(x, y, fitOptions);
  return net;
}

/** Resolves once `condition` holds (fitAsync hands its data over before the job reaches the pool). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

afterEach(() => {
  configurePool();
  setNumThreads(1);
});

describe('the pool under fitAsync', () => {
  it('carries no generator state from one job to the next on a thread (each thread reuses one generator)', async () => {
    configurePool({ size: 1 });
    // Networks of different sizes leave their generators in different states (an odd count of normal
    // draws keeps a spare normal, an even count none), and each job's state must be the network's alone:
    // a later `fit` on the main thread continues from the generator the worker handed back.
    const dims = [
      [10, 12, 4],
      [10, 7, 3, 4],
      [10, 5, 4],
    ];
    const make = (i: number) =>
      new Network(dims[i % 3]!, dims[i % 3]!.length === 4 ? [Relu, Relu, Softmax] : [Relu, Softmax], { seed: 40 + i });
    const nets = Array.from({ length: 6 }, (_, i) => make(i));
    const twins = Array.from({ length: 6 }, (_, i) => make(i));
    await Promise.all(nets.map((net) => net.fitAsync(x, y, { ...settings, epochs: 2 })));
    for (const net of [...nets, ...twins]) {
      if (twins.includes(net)) net.fit(x, y, { ...settings, epochs: 2 });
      net.fit(x, y, { ...settings, epochs: 1 });
    }
    nets.forEach((net, i) => expect(sameBits(net.parameters, twins[i]!.parameters)).toBe(true));
  });

  it.each(['native', 'js'] as const)(
    'gives each job on a thread the losses fit gives, whatever the jobs before it (evaluation workspace reuse, %s)',
    async (backend) => {
      // One thread keeps its evaluation workspace while layout, element type and capacity stay the same;
      // a job of another row count (another capacity: 1,100 rows pass in chunks of 1,024) or shape must
      // not see the previous one's. The losses (over the whole set, through that workspace) are compared
      // bit for bit with fit's, and so are the weights.
      configurePool({ size: 1 });
      const large = classification(1100, 10, 4, 5);
      const jobs = [
        { dims: [10, 12, 4], data: { x, y } },
        { dims: [10, 12, 4], data: large },
        { dims: [10, 12, 4], data: { x, y } },
        { dims: [10, 7, 4], data: { x, y } },
        { dims: [10, 64, 4], data: { x, y } },
      ];
      const options = { ...settings, epochs: 3, logEvery: 1, validationSplit: 0.25 };
      // The js backend reads and writes the workspace through typed arrays, so a workspace too small for
      // its job shows as wrong losses there rather than as writes past its end.
      const make = (i: number) => new Network(jobs[i]!.dims, [Relu, Softmax], { seed: 60 + i, backend });
      const nets = jobs.map((_, i) => make(i));
      const histories = await Promise.all(
        nets.map((net, i) => net.fitAsync(jobs[i]!.data.x, jobs[i]!.data.y, options)),
      );
      jobs.forEach((job, i) => {
        const twin = make(i);
        const history = twin.fit(job.data.x, job.data.y, options);
        expect(sameBits(Float64Array.from(histories[i]!.loss), Float64Array.from(history.loss))).toBe(true);
        expect(sameBits(Float64Array.from(histories[i]!.valLoss!), Float64Array.from(history.valLoss!))).toBe(true);
        expect(sameBits(nets[i]!.parameters, twin.parameters)).toBe(true);
      });
    },
  );

  it('runs many trainings on at most `size` reused threads, each bit-identical to fit', async () => {
    configurePool({ size: 2 });
    const seen: number[] = [];
    const options = (seed: number): FitAsyncOptions => ({
      ...settings,
      epochs: 3 + (seed % 3),
      onEpochEnd: () => void seen.push(poolInfo().workers, poolInfo().running),
    });
    const nets = Array.from({ length: 8 }, (_, i) => network(i));
    const started = nets.map((net, i) => net.fitAsync(x, y, options(i)));
    // `running` counts the trainings a thread has started (a thread's next job may wait behind its
    // running one, and counts as queued); the second thread may still be starting.
    await until(() => poolInfo().queued + poolInfo().running === 8);
    expect(poolInfo().running).toBeLessThanOrEqual(2);
    await Promise.all(started);
    nets.forEach((net, i) => expect(sameBits(net.parameters, twin(i, options(i)).parameters)).toBe(true));
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(poolInfo().workers).toBeLessThanOrEqual(2);
    expect(poolInfo()).toMatchObject({ running: 0, queued: 0, size: 2 });
  });

  it('starts waiting trainings first in, first out', async () => {
    configurePool({ size: 1 });
    const order: number[] = [];
    const runs = [0, 1, 2, 3, 4].map((i) =>
      network(i).fitAsync(x, y, { ...settings, epochs: 2, onEpochEnd: (epoch) => void (epoch === 1 && order.push(i)) }),
    );
    await until(() => poolInfo().queued === 4);
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('never starts a training aborted while it waits; the network and its generator are untouched', async () => {
    configurePool({ size: 1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first training holds the only thread until the second has been aborted.
    const first = network(1).fitAsync(x, y, { ...settings, epochs: 2, onEpochEnd: () => gate });
    const queued = network(2);
    const before = queued.parameters.slice();
    const controller = new AbortController();
    const calls: string[] = [];
    const second = queued.fitAsync(x, y, {
      ...settings,
      epochs: 2,
      signal: controller.signal,
      onBatchEnd: () => void calls.push('batch'),
      onEpochEnd: () => void calls.push('epoch'),
      onTrainEnd: () => void calls.push('end'),
    });
    await until(() => poolInfo().running === 1 && poolInfo().queued === 1);
    controller.abort(new Error('not needed'));
    const error: unknown = await second.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toMatch(/while it waited for a training thread; it never started/);
    expect((error as AbortError).cause).toEqual(new Error('not needed'));
    expect(poolInfo().queued).toBe(0);
    release();
    await first;
    expect(calls).toEqual([]);
    expect(sameBits(queued.parameters, before)).toBe(true);
    expect(queued.isTraining).toBe(false);
    // Its generator was not touched either: training it now gives what a fresh network's fit gives.
    await queued.fitAsync(x, y, { ...settings, epochs: 2 });
    expect(sameBits(queued.parameters, twin(2, { ...settings, epochs: 2 }).parameters)).toBe(true);
  });

  it('fails only the training whose thread dies, with a coded error, and replaces the thread', async () => {
    configurePool({ size: 1 });
    const doomed = network(1).fitAsync(x, y, {
      ...settings,
      epochs: 5,
      onEpochEnd: async (epoch) => {
        // The worker is paused in this callback; end its thread as a crash or an OOM would.
        if (epoch === 2) await poolThreads()[0]!.terminate();
      },
    });
    const next = network(2);
    const waiting = next.fitAsync(x, y, { ...settings, epochs: 3 });
    const error: unknown = await doomed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlasnetError);
    expect(error).toMatchObject({ code: 'ERR_WORKER_FAILED' });
    expect((error as Error).message).toMatch(/training thread died before training ended .*the pool replaces it/);
    await waiting;
    expect(sameBits(next.parameters, twin(2, { ...settings, epochs: 3 }).parameters)).toBe(true);
  });

  it('sends a job that waited behind a running one again when their thread dies: it still trains', async () => {
    // Small jobs without callbacks wait in their thread's own queue behind the running one (pool.ts).
    configurePool({ size: 1 });
    const doomed = network(1).fitAsync(x, y, { ...settings, epochs: 3000 });
    const next = network(2);
    const waiting = next.fitAsync(x, y, { ...settings, epochs: 3 });
    await until(() => poolInfo().running === 1 && poolInfo().queued === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await poolThreads()[0]!.terminate();
    await expect(doomed).rejects.toMatchObject({ code: 'ERR_WORKER_FAILED' });
    await waiting;
    expect(sameBits(next.parameters, twin(2, { ...settings, epochs: 3 }).parameters)).toBe(true);
  });

  it('runs a job whose data is transferred (arrays of rows) even when the thread before it dies', async () => {
    // Such a job cannot be sent twice (its buffers go with it), so it never waits in a thread's queue.
    configurePool({ size: 1 });
    const doomed = network(1).fitAsync(x, y, { ...settings, epochs: 3000 });
    const rows = (m: typeof x) =>
      Array.from({ length: m.rows }, (_, i) => [...m.data.subarray(i * m.cols, (i + 1) * m.cols)]);
    const next = network(2);
    const waiting = next.fitAsync(rows(x), rows(y), { ...settings, epochs: 3 });
    await until(() => poolInfo().running === 1 && poolInfo().queued === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await poolThreads()[0]!.terminate();
    await expect(doomed).rejects.toMatchObject({ code: 'ERR_WORKER_FAILED' });
    await waiting;
    expect(sameBits(next.parameters, twin(2, { ...settings, epochs: 3 }).parameters)).toBe(true);
  });

  it('never makes a small job wait behind a long one while another thread is free', async () => {
    configurePool({ size: 2 });
    const order: string[] = [];
    // 160 rows x 700 epochs x 3,004 parameters: above the pool's small-job bound.
    const long = new Network([10, 200, 4], [Relu, Softmax], { seed: 9 })
      .fitAsync(x, y, { ...settings, epochs: 700 })
      .then(() => order.push('long'));
    const small = [1, 2, 3, 4].map((seed) =>
      network(seed)
        .fitAsync(x, y, { ...settings, epochs: 3 })
        .then(() => order.push(`small ${seed}`)),
    );
    await Promise.all([long, ...small]);
    expect(order.at(-1)).toBe('long');
  });

  it('ends only the thread of an aborted training stuck in a callback, not the next job', async () => {
    configurePool({ size: 1 });
    const controller = new AbortController();
    // A callback that never settles: the abort settles the training at once and ends its thread.
    const stuck = network(1).fitAsync(x, y, {
      ...settings,
      epochs: 5,
      signal: controller.signal,
      onEpochEnd: (epoch) => (epoch === 2 ? new Promise<void>(() => undefined) : undefined),
    });
    const next = network(2);
    const waiting = next.fitAsync(x, y, { ...settings, epochs: 3 });
    await until(() => poolInfo().running === 1 && poolInfo().queued === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(stuck).rejects.toBeInstanceOf(AbortError);
    await waiting;
    expect(sameBits(next.parameters, twin(2, { ...settings, epochs: 3 }).parameters)).toBe(true);
  });

  it('sets OpenBLAS threads so that size × threads fits the cores, unless asked for more', async () => {
    const cores = os.availableParallelism();
    setNumThreads(cores * 2);
    configurePool({ size: 2 });
    await network(1).fitAsync(x, y, { ...settings, epochs: 1 });
    expect(getNumThreads()).toBe(Math.max(1, Math.floor(cores / 2)));
    expect(poolInfo().threadsPerWorker).toBe(Math.max(1, Math.floor(cores / 2)));
    configurePool({ size: 2, threadsPerWorker: cores });
    expect(getNumThreads()).toBe(cores);
    // Never raised by the default rule.
    setNumThreads(1);
    configurePool({ size: 1 });
    await network(1).fitAsync(x, y, { ...settings, epochs: 1 });
    expect(getNumThreads()).toBe(1);
  });

  it.each([
    [{ size: 0 }, /options\.size to be an integer from 1 to 1024 but received 0/],
    [{ size: 1.5 }, /options\.size .* received 1\.5/],
    [{ threadsPerWorker: '2' }, /options\.threadsPerWorker .* received 2 of type string/],
    [{ threads: 2 }, /Unknown option options\.threads for configurePool/],
    [{ niceIncrement: 20 }, /options\.niceIncrement to be an integer from 0 to 19 but received 20/],
  ])('rejects %p', (options, message) => {
    const before = poolInfo().size;
    expect(() => configurePool(options as never)).toThrow(ValueError);
    expect(() => configurePool(options as never)).toThrow(message);
    expect(poolInfo().size).toBe(before);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'lowers the training threads’ priority by niceIncrement, and only theirs (Linux)',
    async () => {
      const nice = () =>
        fs
          .readdirSync('/proc/self/task')
          .map((tid: string) =>
            Number(fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
          );
      configurePool({ size: 1, niceIncrement: 7 });
      let during: number[] = [];
      await network(1).fitAsync(x, y, { ...settings, epochs: 2, onEpochEnd: () => void (during = nice()) });
      expect(during.filter((n: number) => n === 7)).toHaveLength(1);
      expect(os.getPriority(0)).toBe(0);
    },
  );

  it('does not keep the process alive once its trainings are done', () => {
    const script = `
      const { Network, Relu, Softmax, CrossEntropy, configurePool, poolInfo } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'lib'))});
      configurePool({ size: 2 });
      const x = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
      const y = x.map((r) => (r[0] > 0 ? [1, 0] : [0, 1]));
      const nets = [1, 2, 3].map((seed) => new Network([2, 4, 2], [Relu, Softmax], { seed }));
      Promise.all(nets.map((n) => n.fitAsync(x, y, { loss: CrossEntropy, epochs: 2, batchSize: 8, log: null })))
        .then(() => console.log(JSON.stringify(poolInfo())));
    `;
    const started = Date.now();
    const output = execFileSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const info = JSON.parse(output.trim()) as { workers: number; running: number };
    // The process exited by itself, well before the pool's 30 s idle timeout, with its threads still alive.
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(info.workers).toBeGreaterThan(0);
    expect(info.running).toBe(0);
  });
});
