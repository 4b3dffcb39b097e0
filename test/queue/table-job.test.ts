/**
 * Table-model jobs: a worker trains a TableModel from raw rows named by the job (inline, a file, an http
 * URL served here by a local node http server) and returns the table model's bytes, the same bytes as
 * TableModel.fit on the same rows; sample weights by column; bad URLs and status codes fail with codes.
 * Then through a real redis-server: a table job and tune's table trials as queue jobs.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { TableModel, tune, type Row } from '../../lib';
import {
  checkJob,
  queueTableTrialRunner,
  runTableJob,
  startTrainingWorker,
  TrainingQueue,
  type TableJob,
  type TrainingWorker,
} from '../../lib/queue';
import { BACKEND_NAMES } from '../helpers/backends';
import { describeWithRedis, RedisServer } from '../helpers/redis';

const file = path.join(__dirname, '..', '..', 'examples', 'data', 'penguins.ndjson');
const penguins = fs
  .readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Row);
const settings = { target: 'Species', hidden: [6], epochs: 5, batchSize: 32, learningRate: 0.01, seed: 3 };

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/penguins.ndjson') fs.createReadStream(file).pipe(response);
    else if (request.url === '/huge.csv') {
      // Claims more than a job may download, and sends nothing: refused on the header alone.
      response.writeHead(200, { 'content-length': String(2 ** 31) });
      response.flushHeaders();
      setTimeout(() => response.destroy(), 50);
    } else {
      response.writeHead(404, 'Not Found');
      response.end('no such data');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

for (const backend of BACKEND_NAMES) {
  describe(`runTableJob [${backend}]`, () => {
    const local = new TableModel().fit(penguins, { ...settings, backend }).toBuffer();

    it('inline rows, a file and an http URL all train the bytes TableModel.fit gives on those rows', async () => {
      for (const data of [
        { rows: penguins as Record<string, unknown>[] },
        { path: file },
        { url: `${base}/penguins.ndjson` },
      ]) {
        const result = await runTableJob(
          checkJob({ kind: 'table', data, table: { ...settings, backend } }) as TableJob,
        );
        expect(Buffer.from(result.model).equals(local)).toBe(true);
        expect(result.epochs).toHaveLength(5);
        expect(TableModel.fromBuffer(result.model).predict(penguins.slice(0, 3))).toEqual([
          'Adelie',
          'Adelie',
          'Adelie',
        ]);
      }
    });

    it('sample weights from a column, which is left out of the features', async () => {
      const weighted = penguins.map((r, i) => ({ ...r, w: (i % 3) + 0.5 }));
      const result = await runTableJob({
        kind: 'table',
        data: { rows: weighted },
        table: { ...settings, backend, sampleWeightColumn: 'w' },
      });
      const twin = new TableModel().fit(weighted, {
        ...settings,
        backend,
        sampleWeight: weighted.map((r) => r.w),
        columns: { w: 'ignore' },
      });
      expect(Buffer.from(result.model).equals(twin.toBuffer())).toBe(true);
      expect(Buffer.from(result.model).equals(local)).toBe(false);
    });
  });
}

describe('a table job’s data, refused with codes', () => {
  it('a URL that is not http(s), or not a URL, is refused before it is queued', () => {
    expect(() => checkJob({ kind: 'table', data: { url: 'ftp://example.org/a.csv' }, table: settings })).toThrow(
      expect.objectContaining({ code: 'ERR_DATA_URL' }),
    );
    expect(() => checkJob({ kind: 'table', data: { url: 'not a url' }, table: settings })).toThrow(
      expect.objectContaining({ code: 'ERR_DATA_URL' }),
    );
    expect(() => checkJob({ kind: 'table', data: { rows: [], path: 'a.csv' }, table: settings })).toThrow(
      /exactly one of rows, path and url/,
    );
    expect(() => checkJob({ kind: 'table', data: { rows: [1] }, table: settings })).toThrow(/job\.data\.rows\[0\]/);
    expect(() => checkJob({ kind: 'table', data: { path: file }, table: {} })).toThrow(/job\.table\.target/);
  });

  it('an HTTP error status, a server that is not there and a body over the limit fail with their codes', async () => {
    const job = (url: string): TableJob => ({ kind: 'table', data: { url }, table: settings });
    await expect(runTableJob(job(`${base}/missing.csv`))).rejects.toMatchObject({
      code: 'ERR_DATA_URL_STATUS',
      message: expect.stringMatching(/answered HTTP 404 Not Found/),
    });
    await expect(runTableJob(job(`${base}/huge.csv`))).rejects.toMatchObject({ code: 'ERR_DATA_URL_TOO_LARGE' });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(runTableJob(job(`http://127.0.0.1:${port}/a.csv`))).rejects.toMatchObject({ code: 'ERR_DATA_URL' });
    await expect(
      runTableJob({
        kind: 'table',
        data: { path: path.join(os.tmpdir(), 'no-such-blasnet-data.csv') },
        table: settings,
      }),
    ).rejects.toMatchObject({ code: 'ERR_CLI_FILE' });
    await expect(
      runTableJob({
        kind: 'table',
        data: { rows: penguins as Record<string, unknown>[] },
        table: { ...settings, sampleWeightColumn: 'Sex' },
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_JOB' });
  });
});

describeWithRedis('table jobs on Redis', () => {
  let redis: RedisServer;
  let worker: TrainingWorker;
  let queue: TrainingQueue;
  beforeAll(async () => {
    redis = await RedisServer.start();
    worker = startTrainingWorker({ connection: redis.url, queue: 'tables' });
    queue = new TrainingQueue({ connection: redis.url, name: 'tables' });
  });
  afterAll(async () => {
    await queue?.close();
    await worker?.close({ force: true });
    await redis?.dispose();
  });

  it('a worker trains a table job from a URL to the bytes of a local fit, and a data error fails it with its code', async () => {
    const { model, epochs } = await (
      await queue.submit({ kind: 'table', data: { url: `${base}/penguins.ndjson` }, table: settings })
    ).finished();
    expect(Buffer.from(model).equals(new TableModel().fit(penguins, settings).toBuffer())).toBe(true);
    expect(epochs).toHaveLength(5);
    await expect(
      (
        await queue.submit({ kind: 'table', data: { url: `${base}/gone.csv` }, table: settings }, { attempts: 3 })
      ).finished(),
    ).rejects.toMatchObject({ code: 'ERR_DATA_URL_STATUS' });
  });

  it('tune on rows with its trials as queue jobs scores them as the local search does', async () => {
    const rows = penguins.filter((_, i) => i % 2 === 0);
    const options = { trials: 3, folds: 2, seed: 6, fixed: { epochs: 3, hidden: [5] }, refit: false };
    const local = await tune(rows, { target: 'Species' }, options);
    const remote = await tune(
      rows,
      { target: 'Species' },
      { ...options, runner: queueTableTrialRunner(queue, rows, { target: 'Species' }) },
    );
    expect(remote.trials.map((t) => [t.status, t.scores])).toEqual(local.trials.map((t) => [t.status, t.scores]));
  });
});
