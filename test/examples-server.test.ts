/**
 * The training server example (examples/server.ts), on an ephemeral loopback port: it trains in the
 * background, answers /predict correctly while a job trains, reports progress, cancels, and serves the
 * saved model again after a restart.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { startServer } from '../examples/server';
import { readCsv, splitColumn, takeLabels, takeRows, trainTestSplit } from '../lib';

interface Reply<T> {
  status: number;
  body: T;
}

async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<Reply<T>> {
  const response = await fetch(`${base}${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function waitFor(base: string, id: string, statuses: string[]): Promise<Record<string, unknown>> {
  for (;;) {
    const { body } = await call(base, 'GET', `/train/${id}`);
    if (statuses.includes(body.status as string)) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Held-out rows as a client would send them: raw pixel values, with their true digits.
const { data } = readCsv(path.join(__dirname, '..', 'examples', 'data', 'digits.csv.gz'));
const { features, labels } = splitColumn(data);
const split = trainTestSplit(features.rows, { testFraction: 0.2, seed: 1, stratify: labels });
const heldOut = Array.from(split.test.subarray(0, 40));
const rows = takeRows(features, heldOut).toArray();
const truth = Array.from(takeLabels(labels, heldOut));

describe('examples/server.ts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-server-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('trains, predicts while training, reports progress, cancels, and reloads its model after a restart', async () => {
    const modelFile = path.join(dir, 'digits.bnet');
    const server = await startServer({ port: 0, host: '127.0.0.1', modelFile });
    const base = server.url;
    let firstAnswer: unknown;
    try {
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await call(base, 'POST', '/predict', { rows })).status).toBe(503);

      // A first model: the example's one-second job.
      const first = await call(base, 'POST', '/train', { epochs: 40, hidden: 32, learningRate: 0.05 });
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ id: '1', status: 'running', epochs: 40 });
      const done = await waitFor(base, '1', ['done', 'failed']);
      // Early stopping is on (patience 10, restoreBest): it ran all 40 epochs or says where it stopped.
      expect(done).toMatchObject({
        status: 'done',
        epoch: (done.stoppedEpoch as number | undefined) ?? 40,
        progress: 1,
      });
      expect(done.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(done.bestEpoch).toBeLessThanOrEqual(done.epoch as number);
      expect(done.testAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(done.valAccuracy).toBeGreaterThan(0.9);

      const answer = await call<{ model: string; training: boolean; labels: number[]; probabilities: number[][] }>(
        base,
        'POST',
        '/predict',
        { rows },
      );
      expect(answer.status).toBe(200);
      expect(answer.body.model).toBe('1');
      const correct = answer.body.labels.filter((label, i) => label === truth[i]).length;
      expect(correct).toBeGreaterThanOrEqual(37);
      for (const p of answer.body.probabilities) expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      firstAnswer = answer.body;

      // The README's default job (POST /train with '{}': up to 500 epochs of a 64-256-10 network, about 5 s):
      // /predict keeps answering, from the finished model, while it trains.
      expect((await call(base, 'POST', '/train', {})).body).toMatchObject({ id: '2', status: 'running', epochs: 500 });
      expect((await call(base, 'POST', '/train', { epochs: 5 })).status).toBe(409);
      let progress = 0;
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const started = performance.now();
        const during = await call<{ model: string; labels: number[] }>(base, 'POST', '/predict', { rows });
        expect(performance.now() - started).toBeLessThan(1000);
        expect(during.status).toBe(200);
        expect(during.body).toEqual(answer.body);
        const job = await call(base, 'GET', '/train/2');
        expect(job.body.status).toBe('running');
        progress = job.body.progress as number;
        // Progress covers the completed epochs (it once stayed 0 while epoch was 41).
        expect(progress).toBeGreaterThanOrEqual((job.body.epoch as number) / 500);
      }
      expect(progress).toBeGreaterThan(0);

      expect((await call(base, 'DELETE', '/train/2')).status).toBe(200);
      const cancelled = await waitFor(base, '2', ['cancelled', 'done', 'failed']);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.error).toMatch(/aborted after \d+ minibatches/);

      expect((await call(base, 'GET', '/train/9')).status).toBe(404);
      const bad = await call(base, 'POST', '/predict', { rows: [[1, 2, 3]] });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/64 columns/);
    } finally {
      await server.close();
    }

    // A new server loads the saved model, standardisation included, and answers the same.
    const restarted = await startServer({ port: 0, modelFile });
    try {
      const again = await call(restarted.url, 'POST', '/predict', { rows });
      // Bit-identical probabilities: the saved model is job 1's (job 2 was cancelled, so never saved).
      expect(again.body).toEqual({ ...(firstAnswer as object), model: 'loaded' });
    } finally {
      await restarted.close();
    }
  });
});
