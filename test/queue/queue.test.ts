/**
 * blasnet/queue on a real redis-server (test/helpers/redis.ts starts one on a free loopback port): a job
 * trains to the same bits as `fit` on the same data; progress; a job's data named by file; a data error
 * fails once; cancellation of waiting and running jobs; and the failures a queue exists for: a worker
 * process killed mid-job (another one finishes its job, bit for bit) and Redis restarting mid-run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AbortError, CrossEntropy, Matrix, Network, oneHot, Relu, ShapeError, Softmax, ValueError } from '../../lib';
import {
  startTrainingWorker,
  TrainingQueue,
  type NetworkJob,
  type TrainingProgress,
  type TrainingWorker,
} from '../../lib/queue';
import { describeWithRedis, RedisServer } from '../helpers/redis';
import { classification, sameBits } from '../helpers/training';

const LOCAL_FIT = { loss: CrossEntropy, epochs: 8, batchSize: 16, learningRate: 0.1, log: null } as const;

function inlineJob(seed: number, x: Matrix, y: Matrix, epochs: number = LOCAL_FIT.epochs): NetworkJob {
  return {
    kind: 'network',
    network: { layers: [x.cols, 12, y.cols], activations: ['relu', 'softmax'], seed },
    data: { x: x.toArray(), y: y.toArray() },
    fit: { loss: 'crossEntropy', epochs, batchSize: 16, learningRate: 0.1 },
  };
}

/** The same training, on the main thread, with nothing from lib/queue. */
function twin(seed: number, x: Matrix, y: Matrix, options: Partial<typeof LOCAL_FIT> = {}): Network {
  const net = new Network([x.cols, 12, y.cols], [Relu, Softmax], { seed });
  net.fit(x, y, { ...LOCAL_FIT, ...options });
  return net;
}

function workerProcess(
  url: string,
  queue: string,
): { child: ChildProcess; lines: string[]; next: (pattern: RegExp) => Promise<string> } {
  const script = path.join(__dirname, 'fixtures', 'worker-process.ts');
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, url, queue, '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      lines.push(line);
      for (const waiter of waiters.splice(0)) waiter.pattern.test(line) ? waiter.resolve(line) : waiters.push(waiter);
    }
  });
  const next = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) resolve(seen);
      else waiters.push({ pattern, resolve });
    });
  return { child, lines, next };
}

describeWithRedis('blasnet/queue on Redis', () => {
  let redis: RedisServer;
  let worker: TrainingWorker;
  let queue: TrainingQueue;
  const children: ChildProcess[] = [];
  const { x, y } = classification(120, 6, 3, 4);

  beforeAll(async () => {
    redis = await RedisServer.start();
    worker = startTrainingWorker({ connection: redis.url, queue: 'in-process' });
    queue = new TrainingQueue({ connection: redis.url, name: 'in-process' });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await queue?.close();
    await worker?.close({ force: true });
    await redis?.dispose();
  });

  it('trains a job to the same bits as fit, reporting its progress', async () => {
    const handle = await queue.submit(inlineJob(5, x, y));
    const progress: TrainingProgress[] = [];
    handle.on('progress', (p: TrainingProgress) => progress.push(p));
    const { model, history } = await handle.finished();
    const expected = twin(5, x, y);
    const trained = Network.fromBuffer(model);
    expect(sameBits(trained.parameters, expected.parameters)).toBe(true);
    expect(history.epoch).toEqual([8]);
    const epochs = progress.filter((p) => p.type === 'epoch');
    expect(epochs.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(epochs.at(-1)).toMatchObject({ epochs: 8, progress: 1 });
  });

  it('reads the data from a CSV file the job names, one-hot encoding its class column', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-queue-'));
    const file = path.join(dir, 'train.csv');
    const labels = Array.from({ length: x.rows }, (_, i) => y.toArray()[i]!.indexOf(1));
    const lines = [
      'a,b,label,c,d,e,f',
      ...x.toArray().map((row, i) => [row[0], row[1], labels[i], ...row.slice(2)].join(',')),
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const job: NetworkJob = { ...inlineJob(6, x, y), data: { path: file, targets: ['label'], classes: 3 } };
    const { model } = await (await queue.submit(job)).finished();
    expect(sameBits(Network.fromBuffer(model).parameters, twin(6, x, oneHot(labels, 3)).parameters)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails a job for its data once, with the coded error, and does not retry it', async () => {
    const job = inlineJob(1, x, y);
    job.network = { layers: [7, 12, 3], activations: ['relu', 'softmax'], seed: 1 }; // the data has 6 columns
    const handle = await queue.submit(job, { attempts: 3 });
    const error: unknown = await handle.finished().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect(error).toMatchObject({ code: 'ERR_SHAPE_MISMATCH' });
    expect((error as Error).message).toMatch(/7 columns .* but it has 6/);
    const stored = await queue.queue.getJob(handle.id);
    expect(stored!.attemptsMade).toBe(1);
    expect(await stored!.getState()).toBe('failed');
  });

  it('rejects a malformed job before it is queued', async () => {
    await expect(queue.submit({ ...inlineJob(1, x, y), kind: 'tables' } as never)).rejects.toMatchObject({
      code: 'ERR_JOB_KIND',
    });
    const job = inlineJob(1, x, y);
    (job.data as { x: number[][] }).x[3]![2] = Number.NaN;
    await expect(queue.submit(job)).rejects.toThrow(ValueError);
    await expect(queue.submit(job)).rejects.toThrow(/job\.data\.x\[3\]\[2\] to be a finite number but received NaN/);
  });

  it('cancels a running job through its worker’s AbortSignal, and does not retry it', async () => {
    const { x: bx, y: by } = classification(3000, 6, 3, 9);
    const handle = await queue.submit(inlineJob(2, bx, by, 100_000), { attempts: 3 });
    await new Promise<void>((resolve) => handle.once('progress', () => resolve()));
    await handle.cancel('not needed');
    const error: unknown = await handle.finished().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    const stored = await queue.queue.getJob(handle.id);
    expect(await stored!.getState()).toBe('failed');
    expect(stored!.failedReason).toMatch(/^AbortError \[ABORT_ERR\]: Training was cancelled/);
    expect(stored!.attemptsMade).toBe(1);
  });

  it('cancels a waiting job: it is removed and never trains', async () => {
    const idle = new TrainingQueue({ connection: redis.url, name: 'no-workers' });
    try {
      const handle = await idle.submit(inlineJob(3, x, y));
      await handle.cancel();
      await expect(handle.finished()).rejects.toThrow(/cancelled before it started/);
      expect(await idle.queue.getJob(handle.id)).toBeUndefined();
    } finally {
      await idle.close();
    }
  });

  describe('failures', () => {
    const big = classification(2000, 64, 10, 12);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-queue-'));
    const file = path.join(dir, 'big.csv');
    const labels = big.labels;
    const longFit = { epochs: 40, batchSize: 32, learningRate: 0.05 };
    const fileJob = (seed: number): NetworkJob => ({
      kind: 'network',
      network: { layers: [64, 32, 10], activations: ['relu', 'softmax'], seed },
      data: { path: file, targets: ['label'], classes: 10 },
      fit: { loss: 'crossEntropy', ...longFit },
    });
    const bigTwin = (seed: number): Network => {
      const net = new Network([64, 32, 10], [Relu, Softmax], { seed });
      net.fit(big.x, oneHot(labels, 10), { ...LOCAL_FIT, ...longFit });
      return net;
    };
    beforeAll(() => {
      const header = [...Array.from({ length: 64 }, (_, j) => `x${j}`), 'label'].join(',');
      fs.writeFileSync(
        file,
        `${[header, ...big.x.toArray().map((row, i) => [...row, labels[i]].join(','))].join('\n')}\n`,
      );
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('finishes every job when one of two worker processes is killed (SIGKILL) mid-job, bit for bit', async () => {
      const name = 'killed-worker';
      const submitter = new TrainingQueue({ connection: redis.url, name });
      try {
        const doomed = workerProcess(redis.url, name);
        const survivor = workerProcess(redis.url, name);
        children.push(doomed.child, survivor.child);
        await Promise.all([doomed.next(/^ready/), survivor.next(/^ready/)]);
        const seeds = [1, 2, 3, 4, 5, 6];
        const handles = await Promise.all(seeds.map((seed) => submitter.submit(fileJob(seed))));
        const killedJob = (await doomed.next(/^active /)).split(' ')[1]!;
        doomed.child.kill('SIGKILL');
        const results = await Promise.all(handles.map((h) => h.finished()));
        results.forEach(({ model }, i) =>
          expect(sameBits(Network.fromBuffer(model).parameters, bigTwin(seeds[i]!).parameters)).toBe(true),
        );
        // The killed worker's job was finished by the other one (its line may come after the result).
        await survivor.next(new RegExp(`^completed ${killedJob}$`));
        expect(doomed.lines).not.toContain(`completed ${killedJob}`);
      } finally {
        await submitter.close();
      }
    });

    it('loses nothing when Redis restarts mid-run: the worker reconnects and every job completes', async () => {
      const name = 'redis-restart';
      const submitter = new TrainingQueue({ connection: redis.url, name });
      try {
        const training = workerProcess(redis.url, name);
        children.push(training.child);
        await training.next(/^ready/);
        const seeds = [7, 8, 9];
        const handles = await Promise.all(seeds.map((seed) => submitter.submit(fileJob(seed))));
        await training.next(/^active /);
        await redis.restart(800);
        const results = await Promise.all(handles.map((h) => h.finished()));
        results.forEach(({ model }, i) =>
          expect(sameBits(Network.fromBuffer(model).parameters, bigTwin(seeds[i]!).parameters)).toBe(true),
        );
        training.child.kill('SIGTERM');
      } finally {
        await submitter.close();
      }
    });
  });
});
