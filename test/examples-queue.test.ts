/**
 * examples/queue.ts, run as a user would against a real redis-server (test/helpers/redis.ts): it trains
 * three networks through the queue, and each one's accuracy is what `fit` on the same rows gives.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { CrossEntropy, Network, oneHot, readCsv, Relu, Softmax, splitColumn, Standardizer } from '../lib';
import { describeWithRedis, RedisServer } from './helpers/redis';

const root = path.resolve(__dirname, '..');

describeWithRedis('examples/queue.ts', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('trains three networks on the queue, each as fit does', async () => {
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      [path.join(root, 'examples', 'queue.ts'), redis.url],
      {
        cwd: root,
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      },
    );
    const { data } = readCsv(path.join(root, 'examples', 'data', 'iris.csv'));
    const { features, labels } = splitColumn(data);
    const x = Standardizer.fit(features).transform(features);
    const expected = [4, 8, 16].map((hidden) => {
      const net = new Network([4, hidden, 3], [Relu, Softmax], { seed: 1 });
      const history = net.fit(x, oneHot(labels), {
        loss: CrossEntropy,
        epochs: 50,
        batchSize: 10,
        learningRate: 0.1,
        log: null,
      });
      return `4-${hidden}-3: loss ${history.loss.at(-1)!.toFixed(4)}, accuracy ${net.evaluate(x, labels).accuracy.toFixed(4)}`;
    });
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('4-'))).toEqual(expected);
    expect(lines).toContainEqual(expect.stringMatching(/^job \d+: epoch 25, loss \d\.\d{4}$/));
  });
});
