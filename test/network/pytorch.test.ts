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
  const net = new Network(
    c.dims,
    c.activations.map((a) => ACTIVATIONS[a]),
    { seed: 0, backend },
  );
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
    net.fit(c.x, c.y, {
      loss,
      epochs: 1,
      batchSize: c.x.length,
      learningRate: c.learningRate,
      shuffle: false,
      log: null,
    });
    net.layers.forEach((layer, i) => {
      expect(normwiseError(layer.weights, c.afterStep.weights[i]!)).toBeLessThanOrEqual(1e-13);
      expect(normwiseError(layer.biases, c.afterStep.biases[i]!)).toBeLessThanOrEqual(1e-13);
    });
  });
});

interface WeightedCase extends FixtureCase {
  sampleWeight: number[] | null;
  classWeight: number[] | null;
}

const weighted = (fixture as unknown as { weighted: WeightedCase[] }).weighted;

// sum(w_i * loss_i) / sum(w_i): CrossEntropyLoss(weight=w) with class indices, and the reduction='none'
// losses weighted by hand, as make-pytorch-fixtures.py computes them.
describeBackends(`weighted losses agree with PyTorch ${fixture.torch}`, (backend) => {
  it.each(weighted.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const net = build(c, backend.name);
    const loss = LOSSES[c.loss];
    const weights = {
      ...(c.sampleWeight ? { sampleWeight: c.sampleWeight } : {}),
      ...(c.classWeight ? { classWeight: c.classWeight } : {}),
    };
    const result = net.gradients(c.x, c.y, loss, weights);
    expect(Math.abs(result.loss - c.lossValue)).toBeLessThanOrEqual(1e-12 * Math.max(1, c.lossValue));
    net.layers.forEach((_, i) => {
      expect(normwiseError(result.weights[i]!, c.gradients.weights[i]!)).toBeLessThanOrEqual(1e-12);
      expect(normwiseError(result.biases[i]!, c.gradients.biases[i]!)).toBeLessThanOrEqual(1e-12);
    });
    // One full-batch SGD step through fit's weighted path.
    net.fit(c.x, c.y, {
      loss,
      epochs: 1,
      batchSize: c.x.length,
      learningRate: c.learningRate,
      shuffle: false,
      log: null,
      ...weights,
    });
    net.layers.forEach((layer, i) => {
      expect(normwiseError(layer.weights, c.afterStep.weights[i]!)).toBeLessThanOrEqual(1e-13);
      expect(normwiseError(layer.biases, c.afterStep.biases[i]!)).toBeLessThanOrEqual(1e-13);
    });
  });

  it('a float32 network computes the weighted gradients to float32 precision', () => {
    const c = weighted[0]!;
    const net = new Network(
      c.dims,
      c.activations.map((a) => ACTIVATIONS[a]),
      { seed: 0, backend: backend.name, dtype: 'float32' },
    );
    net.layers.forEach((layer, i) => {
      layer.weights.set(c.weights[i]!);
      layer.biases.set(c.biases[i]!);
    });
    const result = net.gradients(c.x, c.y, LOSSES[c.loss], { classWeight: c.classWeight! });
    expect(Math.abs(result.loss - c.lossValue)).toBeLessThanOrEqual(1e-5 * Math.max(1, c.lossValue));
    net.layers.forEach((_, i) =>
      expect(normwiseError(result.weights[i]!, c.gradients.weights[i]!)).toBeLessThanOrEqual(1e-5),
    );
  });

  it("fit normalises by each minibatch's own weight sum, as PyTorch does per batch", () => {
    const c = weighted[1]!;
    const w = c.sampleWeight!;
    const loss = LOSSES[c.loss];
    const a = build(c, backend.name);
    a.fit(c.x, c.y, { loss, epochs: 1, batchSize: 3, learningRate: 0.1, shuffle: false, log: null, sampleWeight: w });
    // The same by hand: one weighted gradients call per batch of 3 (the last of 1), then a plain SGD step.
    const b = build(c, backend.name);
    for (let start = 0; start < c.x.length; start += 3) {
      const g = b.gradients(c.x.slice(start, start + 3), c.y.slice(start, start + 3), loss, {
        sampleWeight: w.slice(start, start + 3),
      });
      b.layers.forEach((layer, i) => {
        for (let k = 0; k < layer.weights.length; k++) layer.weights[k] = layer.weights[k]! - 0.1 * g.weights[i]![k]!;
        for (let k = 0; k < layer.biases.length; k++) layer.biases[k] = layer.biases[k]! - 0.1 * g.biases[i]![k]!;
      });
    }
    a.layers.forEach((layer, i) =>
      expect(normwiseError(layer.weights, b.layers[i]!.weights)).toBeLessThanOrEqual(1e-14),
    );
  });

  it('weights of 1 give the unweighted loss and gradients', () => {
    const c = fixture.cases[0]!;
    const net = build(c, backend.name);
    const plain = net.gradients(c.x, c.y, LOSSES[c.loss]);
    const ones = net.gradients(c.x, c.y, LOSSES[c.loss], { sampleWeight: c.x.map(() => 1) });
    expect(Math.abs(ones.loss - plain.loss)).toBeLessThanOrEqual(1e-14);
    expect(normwiseError(ones.weights[0]!, plain.weights[0]!)).toBeLessThanOrEqual(1e-14);
  });

  it('fitAsync trains with weights exactly as fit does', async () => {
    const c = weighted[1]!;
    const a = build(c, backend.name);
    const b = build(c, backend.name);
    const options = {
      loss: LOSSES[c.loss],
      epochs: 3,
      batchSize: 3,
      learningRate: 0.05,
      log: null,
      sampleWeight: c.sampleWeight!,
    };
    a.fit(c.x, c.y, options);
    await b.fitAsync(c.x, c.y, options);
    expect(Array.from(b.layers[0]!.weights)).toEqual(Array.from(a.layers[0]!.weights));
  });

  it('rejects bad weights with a coded error naming the option', () => {
    const c = fixture.cases[0]!;
    const net = build(c, backend.name);
    expect(() => net.gradients(c.x, c.y, LOSSES[c.loss], { sampleWeight: [1, 2] })).toThrow(
      /options\.sampleWeight to be an array of 6 weights/,
    );
    expect(() => net.gradients(c.x, c.y, LOSSES[c.loss], { sampleWeight: c.x.map(() => -1) })).toThrow(
      /options\.sampleWeight\[0\] to be a finite number >= 0/,
    );
    expect(() => net.gradients(c.x, c.y, LOSSES[c.loss], { classWeight: { 7: 1 } })).toThrow(
      /options\.classWeight\["7"\]/,
    );
    expect(() => net.fit(c.x, c.y, { loss: LOSSES[c.loss], log: null, sampleWeight: c.x.map(() => 0) })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
