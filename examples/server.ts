/**
 * A training server: trains digit classifiers in the background with fitAsync while it keeps answering
 * predictions, reports progress, cancels on request, and keeps the last model on disk.
 *
 *   npx tsx examples/server.ts                 # listens on http://127.0.0.1:3000, keeps the model in ./digits.bnet
 *   curl -X POST localhost:3000/train -d '{}'                      # 202 {"id": "1", "status": "running", ...}
 *   curl localhost:3000/train/1                                    # progress: epoch, loss, validation figures
 *   curl -X POST localhost:3000/predict -d '{"rows": [[0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]]}'
 *   curl -X DELETE localhost:3000/train/1                          # cancels a running job
 *
 * Environment: PORT (default 3000), MODEL_FILE (default digits.bnet; empty: keep no file).
 *
 * A job (POST /train, body fields all optional) trains a 64-hidden-10 network with early stopping on the
 * last 10% of the training rows: by default 256 hidden units at learning rate 0.01 for up to 500 epochs with
 * patience 10, restoring the best epoch's weights, which takes about 5 s on a 2-core machine (it stops near
 * epoch 280), long enough to watch its progress and to cancel it. `{"epochs": 40, "hidden": 32,
 * "learningRate": 0.05}` is a one-second job.
 *
 * /predict uses the last model that finished training (loaded from MODEL_FILE at start, if there is one);
 * before any has, the network being trained answers, with its latest weights. Rows are the raw 8x8 pixel
 * values (0..16); the model's metadata carries the standardisation it was trained with.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import {
  argmaxRows,
  BlasnetError,
  CrossEntropy,
  Matrix,
  Network,
  oneHot,
  readCsv,
  Relu,
  Softmax,
  splitColumn,
  Standardizer,
  takeLabels,
  takeRows,
  trainTestSplit,
  type Dtype,
} from 'blasnet';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Default 3000; 0 for any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where each finished model is saved, and loaded from at start. Default: none. */
  modelFile?: string;
}

/** What GET /train/:id reports. */
interface Job {
  id: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  epochs: number;
  /** The last completed epoch (from 1). */
  epoch: number;
  /** The fraction of the job's epochs done, 0 to 1 (1 once it is done, also when it stopped early). */
  progress: number;
  /** When early stopping ended it before `epochs`: the epoch after which it stopped. */
  stoppedEpoch?: number;
  /** The epoch whose validation loss was best: the saved model has its weights (restoreBest). */
  bestEpoch?: number;
  loss?: number;
  valLoss?: number;
  valAccuracy?: number;
  testAccuracy?: number;
  error?: string;
}

const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The digits set, split and standardised once; the training rows on shared memory, so no job copies them. */
function loadDigits() {
  const { data } = readCsv(path.join(__dirname, 'data', 'digits.csv.gz'));
  const { features, labels } = splitColumn(data);
  const split = trainTestSplit(features.rows, { testFraction: 0.2, seed: 1, stratify: labels });
  const scaler = Standardizer.fit(takeRows(features, split.train));
  return {
    scaler,
    xTrain: Matrix.shared(scaler.transform(takeRows(features, split.train))),
    yTrain: Matrix.shared(oneHot(takeLabels(labels, split.train), 10)),
    xTest: scaler.transform(takeRows(features, split.test)),
    labelsTest: takeLabels(labels, split.test),
  };
}

/** Starts the server; resolves once it listens. */
export async function startServer(
  options: ServerOptions = {},
): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const digits = loadDigits();
  const jobs = new Map<
    string,
    { job: Job; net: Network<Dtype>; controller: AbortController; finished: Promise<void> }
  >();
  let serving: { id: string; net: Network<Dtype> } | undefined;
  if (options.modelFile !== undefined && existsSync(options.modelFile)) {
    serving = { id: 'loaded', net: await Network.load(options.modelFile) };
  }
  let nextId = 1;

  function startJob(body: Record<string, unknown>): Job {
    const running = [...jobs.values()].find((entry) => entry.job.status === 'running');
    if (running !== undefined) throw new HttpError(409, `job ${running.job.id} is still training; one job at a time`);
    const { epochs = 500, hidden = 256, batchSize = 15, learningRate = 0.01, patience = 10 } = body;
    const integer = (name: string, value: unknown, max: number): number => {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max)
        throw new HttpError(400, `${name} must be an integer from 1 to ${max}`);
      return value as number;
    };
    integer('epochs', epochs, 100_000);
    integer('hidden', hidden, 4096);
    integer('batchSize', batchSize, 100_000);
    integer('patience', patience, 100_000);
    if (typeof learningRate !== 'number' || !(learningRate > 0 && learningRate <= 10))
      throw new HttpError(400, 'learningRate must be a number in (0, 10]');
    const id = String(nextId++);
    const net = new Network([64, hidden as number, 10], [Relu, Softmax], { seed: Number(id) });
    // What a client of the saved model needs besides the weights.
    net.metadata = {
      dataset: 'UCI optical digits, 8x8 pixels 0..16',
      standardize: { mean: [...digits.scaler.mean], scale: [...digits.scaler.scale] },
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    };
    const job: Job = { id, status: 'running', epochs: Number(epochs), epoch: 0, progress: 0 };
    const controller = new AbortController();
    const finished = net
      .fitAsync(digits.xTrain, digits.yTrain, {
        loss: CrossEntropy,
        epochs: epochs as number,
        batchSize: batchSize as number,
        learningRate,
        validationSplit: 0.1,
        // Stop when the validation loss has not improved for `patience` epochs, keeping the best weights.
        earlyStopping: { patience: patience as number, restoreBest: true },
        log: null,
        signal: controller.signal,
        // Within an epoch, the minibatches' share of the run (reported at most every 125 ms).
        onBatchEnd: (_batch, logs) => void (job.progress = logs.progress),
        onEpochEnd: (epoch, logs) => {
          Object.assign(job, {
            epoch,
            progress: epoch / job.epochs,
            loss: logs.loss,
            valLoss: logs.valLoss,
            valAccuracy: logs.valAccuracy,
          });
        },
      })
      .then(async (history) => {
        job.progress = 1;
        if (history.stoppedEpoch !== undefined) job.stoppedEpoch = history.stoppedEpoch;
        if (history.bestEpoch !== undefined) job.bestEpoch = history.bestEpoch;
        job.testAccuracy = net.evaluate(digits.xTest, digits.labelsTest).accuracy;
        serving = { id, net };
        if (options.modelFile !== undefined) await net.save(options.modelFile);
        job.status = 'done';
      })
      .catch((error: Error) => {
        job.status = error.name === 'AbortError' ? 'cancelled' : 'failed';
        job.error = error.message;
      });
    jobs.set(id, { job, net, controller, finished });
    return job;
  }

  function predict(body: Record<string, unknown>): {
    model: string;
    training: boolean;
    labels: number[];
    probabilities: number[][];
  } {
    const running = [...jobs.values()].find((entry) => entry.job.status === 'running');
    const model = serving ?? (running && { id: running.job.id, net: running.net });
    if (model === undefined) throw new HttpError(503, 'no model yet: POST /train first');
    const { standardize } = model.net.metadata as { standardize: { mean: number[]; scale: number[] } };
    const scaler = new Standardizer(Float64Array.from(standardize.mean), Float64Array.from(standardize.scale));
    const probabilities = model.net.predict(scaler.transform(body.rows as number[][]));
    return {
      model: model.id,
      training: model !== serving,
      labels: Array.from(argmaxRows(probabilities)),
      probabilities: probabilities.toArray(),
    };
  }

  async function route(request: http.IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const jobMatch = /^\/train\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'POST' && url.pathname === '/train') return [202, startJob(await readJson(request))];
    if (request.method === 'POST' && url.pathname === '/predict') return [200, predict(await readJson(request))];
    if (jobMatch !== null && (request.method === 'GET' || request.method === 'DELETE')) {
      const entry = jobs.get(jobMatch[1]!);
      if (entry === undefined) throw new HttpError(404, `no job ${jobMatch[1]}`);
      if (request.method === 'DELETE') entry.controller.abort(new Error('cancelled by DELETE'));
      return [200, entry.job];
    }
    throw new HttpError(404, `no route ${request.method} ${url.pathname}`);
  }

  const server = http.createServer((request, response) => {
    route(request)
      .catch((error: unknown): [number, unknown] => {
        // blasnet's argument errors (bad rows, bad options) are the client's mistakes.
        const status = error instanceof HttpError ? error.status : error instanceof BlasnetError ? 400 : 500;
        return [status, { error: error instanceof Error ? error.message : String(error), requestId: randomUUID() }];
      })
      .then(([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address}:${port}`,
    close: async () => {
      for (const entry of jobs.values()) entry.controller.abort(new Error('server closing'));
      await Promise.all([...jobs.values()].map((entry) => entry.finished));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
  }
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

if (require.main === module) {
  const modelFile = process.env.MODEL_FILE ?? 'digits.bnet';
  startServer({ port: Number(process.env.PORT ?? 3000), ...(modelFile ? { modelFile } : {}) }).then(({ url }) => {
    console.log(`blasnet training server on ${url}: POST /train, GET /train/:id, DELETE /train/:id, POST /predict`);
    console.log(
      modelFile
        ? `models are saved to ${path.resolve(modelFile)} and loaded from it at start`
        : 'models are not saved (MODEL_FILE is empty)',
    );
  });
}
