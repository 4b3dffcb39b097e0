/**
 * Resuming exactly: 10 epochs, saved with the optimizer's state, loaded and trained 10 more, equal 20
 * epochs straight, bit for bit: weights, optimizer state, the generator's shuffles and the schedule.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  Adam,
  CrossEntropy,
  Matrix,
  Network,
  oneHot,
  Random,
  Relu,
  schedules,
  SGD,
  Softmax,
  type Optimizer,
} from '../../lib';
import { sameBits } from '../helpers/training';

const random = new Random(5);
const x = new Matrix(120, 8);
for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
const y = oneHot(
  Array.from({ length: 120 }, () => random.integer(3)),
  3,
);

const cases: [string, () => Optimizer, 'float64' | 'float32'][] = [
  ['Adam', () => new Adam({ learningRate: 0.01 }), 'float64'],
  [
    'SGD with Nesterov momentum and weight decay',
    () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
    'float64',
  ],
  ['Adam in float32', () => new Adam({ learningRate: 0.01 }), 'float32'],
];

describe.each(cases)('resume with %s', (_name, makeOptimizer, dtype) => {
  const settings = {
    loss: CrossEntropy,
    epochs: 10,
    batchSize: 16,
    log: null,
    schedule: schedules.cosine({ initial: 0.02, epochs: 20 }),
  };

  function straight(): Network<'float64' | 'float32'> {
    const net = new Network([8, 12, 3], [Relu, Softmax], { seed: 11, dtype });
    net.fit(x, y, { ...settings, epochs: 20, optimizer: makeOptimizer() });
    return net;
  }

  it('through save/load of the file, and through the JSON form', async () => {
    const expected = straight();
    const first = new Network([8, 12, 3], [Relu, Softmax], { seed: 11, dtype });
    first.fit(x, y, { ...settings, optimizer: makeOptimizer() });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-resume-'));
    try {
      const file = path.join(dir, 'model.bnet');
      await first.save(file, { withOptimizer: true });
      for (const loaded of [
        await Network.load(file, { dtype }),
        Network.fromJSON(JSON.stringify(first.toJSON({ withOptimizer: true })), { dtype }),
      ]) {
        expect(loaded.epochsTrained).toBe(10);
        expect(loaded.optimizer?.steps).toBe(first.optimizer?.steps);
        // No optimizer option: the loaded one continues, with its state, on the same schedule.
        loaded.fit(x, y, settings);
        expect(loaded.dtype).toBe(dtype);
        expect(sameBits(loaded.parameters, expected.parameters)).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('and fitAsync continues the same way as fit', async () => {
    const expected = straight();
    const net = new Network([8, 12, 3], [Relu, Softmax], { seed: 11, dtype });
    await net.fitAsync(x, y, { ...settings, optimizer: makeOptimizer() });
    expect(net.epochsTrained).toBe(10);
    await net.fitAsync(x, y, settings);
    expect(sameBits(net.parameters, expected.parameters)).toBe(true);
  });
});

describe('saving without the optimizer', () => {
  it('writes format version 1 with no optimizer, and loads with a fresh default', () => {
    const net = new Network([8, 3], [Softmax], { seed: 1 });
    net.fit(x, y, { loss: CrossEntropy, optimizer: new Adam(), epochs: 1, log: null });
    const plain = net.toBuffer();
    expect(plain.readUInt32LE(8)).toBe(1);
    expect(Network.fromBuffer(plain).optimizer).toBeUndefined();
    const full = net.toBuffer({ withOptimizer: true });
    expect(full.readUInt32LE(8)).toBe(2);
    expect(full.length).toBeGreaterThan(plain.length + 2 * 8 * net.parameters.length);
    expect(Network.fromBuffer(full).optimizer).toBeInstanceOf(Adam);
    expect(() => new Network([8, 3], [Softmax]).toBuffer({ withOptimizer: true })).toThrow(
      expect.objectContaining({ code: 'ERR_NO_OPTIMIZER' }),
    );
  });
});
