// Training jobs on a Redis queue (blasnet/queue, on BullMQ): this process submits three jobs and runs one
// worker; start more with `blasnet worker --redis <url>` on any machine that reaches the server.
// Run: npx tsx examples/queue.ts [redis://127.0.0.1:6379]     (needs: npm install bullmq ioredis)
import * as path from 'node:path';

import { Network, oneHot, readCsv, splitColumn, Standardizer } from '../lib'; // in your project: 'blasnet'
import { startTrainingWorker, TrainingQueue, type NetworkJob } from '../lib/queue'; // 'blasnet/queue'

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const { data } = readCsv(path.join(__dirname, 'data', 'iris.csv')); // 150 flowers: 4 measurements, species 0..2
const { features, labels } = splitColumn(data);
const x = Standardizer.fit(features).transform(features);

async function main(): Promise<void> {
  const worker = startTrainingWorker({ connection: url, queue: 'example' }); // trains on this process's pool
  const queue = new TrainingQueue({ connection: url, name: 'example' });
  const job = (hidden: number, seed: number): NetworkJob => ({
    kind: 'network',
    network: { layers: [4, hidden, 3], activations: ['relu', 'softmax'], seed },
    data: { x: x.toArray(), y: oneHot(labels).toArray() }, // small data travels inline; large: { path, targets }
    fit: { loss: 'crossEntropy', epochs: 50, batchSize: 10, learningRate: 0.1 },
  });
  const handles = await Promise.all([4, 8, 16].map((hidden) => queue.submit(job(hidden, 1))));
  handles[0]!.on(
    'progress',
    (p) =>
      p.type === 'epoch' &&
      p.epoch % 25 === 0 &&
      console.log(`job ${handles[0]!.id}: epoch ${p.epoch}, loss ${p.loss.toFixed(4)}`),
  );
  for (const [i, handle] of handles.entries()) {
    const { model, history } = await handle.finished(); // the trained model's bytes and its history
    const net = Network.fromBuffer(model);
    console.log(
      `4-${[4, 8, 16][i]}-3: loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${net.evaluate(x, labels).accuracy.toFixed(4)}`,
    );
  }
  await queue.close();
  await worker.close(); // finishes running jobs first
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
