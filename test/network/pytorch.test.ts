/**
 * The same numbers PyTorch gives: loss values, gradients and one SGD step for fixed networks, against
 * values PyTorch computed in float64 (test/fixtures/make-pytorch-fixtures.py wrote them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ACTIVATIONS, LOSSES, Network, type Activation, type Loss } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { normwiseError } from '../helpers/numbers';

interface FixtureCase {
  name: string;
  dims: number[];
  activations: Activation['name'][];
  loss: Loss['name'];
  learningRate: number;
  x: number[][];
  y: number[][];
  weights: number[][];
  biases: number[][];
  lossValue: number;
  gradients: { weights: number[][]; biases: number[][] };
  afterStep: { weights: number[][]; biases: number[][] };
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pytorch-reference.json'), 'utf8'),
) as { torch: string; cases: FixtureCase[] };

function build(c: FixtureCase, backend: 'native' | 'js'): Network {
  const net = new Network(c.dims, c.activations.map((a) => ACTIVATIONS[a]), { seed: 0, backend });
  net.layers.forEach((layer, i) => {
    layer.weights.set(c.weights[i]!);
    layer.biases.set(c.biases[i]!);
  });
  return net;
}

describeBackends(`agreement with PyTorch ${fixture.torch}`, (backend) => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const net = build(c, backend.name);
    const loss = LOSSES[c.loss];
    const result = net.gradients(c.x, c.y, loss);
    expect(Math.abs(result.loss - c.lossValue)).toBeLessThanOrEqual(1e-12 * Math.max(1, c.lossValue));
    net.layers.forEach((_, i) => {
      expect(normwiseError(result.weights[i]!, c.gradients.weights[i]!)).toBeLessThanOrEqual(1e-12);
      expect(normwiseError(result.biases[i]!, c.gradients.biases[i]!)).toBeLessThanOrEqual(1e-12);
    });

    // One step of plain SGD on the whole batch, in order: torch.optim.SGD(lr).step().
    net.fit(c.x, c.y, { loss, epochs: 1, batchSize: c.x.length, learningRate: c.learningRate, shuffle: false, log: null });
    net.layers.forEach((layer, i) => {
      expect(normwiseError(layer.weights, c.afterStep.weights[i]!)).toBeLessThanOrEqual(1e-13);
      expect(normwiseError(layer.biases, c.afterStep.biases[i]!)).toBeLessThanOrEqual(1e-13);
    });
  });
});
