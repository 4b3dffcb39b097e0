/**
 * Network.fromONNX on files other tools wrote: PyTorch's torch.onnx.export of nn.Sequential models, and
 * scikit-learn MLPs in skl2onnx's layout, against the outputs those tools computed themselves
 * (test/fixtures/make-onnx-fixtures.py wrote both). An imported network then trains on and exports back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CrossEntropy, ModelFormatError, MSE, Network, type Dtype } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { normwiseError } from '../helpers/numbers';

interface Case {
  file: string;
  maker: string;
  dtype: Dtype;
  x: number[][];
  expected: number[][];
  classes?: string[];
}

const dir = path.join(__dirname, '..', 'fixtures', 'onnx');
const reference = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as {
  torch: string;
  cases: Record<string, Case>;
};
const importable = Object.entries(reference.cases).filter(([name]) => !name.startsWith('unsupported'));
const bytesOf = (c: Case) => fs.readFileSync(path.join(dir, c.file));

/** float64: the same arithmetic up to summation order; float32: float32 rounding through a few layers. */
const tolerance = (dtype: Dtype) => (dtype === 'float64' ? 1e-12 : 1e-6);

describeBackends(`Network.fromONNX (fixtures from PyTorch ${reference.torch} and scikit-learn)`, (backend) => {
  it.each(importable)('%s predicts what its maker computed', (_name, c) => {
    const net = Network.fromONNX(bytesOf(c), { backend: backend.name, dtype: 'any' });
    expect(net.dtype).toBe(c.dtype);
    expect(net.inputs).toBe(c.x[0]!.length);
    expect(net.outputs).toBe(c.expected[0]!.length);
    const y = net.predict(c.x);
    expect(normwiseError(y.data, c.expected.flat())).toBeLessThanOrEqual(tolerance(c.dtype));
  });

  it('reads the layers PyTorch wrote: Gemm with transB = 1 into inputs x outputs weights', () => {
    const net = Network.fromONNX(bytesOf(reference.cases['torch-relu-tanh-softmax-f64']!), { backend: backend.name });
    expect(net.dims).toEqual([4, 8, 6, 3]);
    expect(net.layers.map((l) => l.activation.name)).toEqual(['relu', 'tanh', 'softmax']);
    expect(net.metadata).toEqual({
      onnx: { producer: expect.stringMatching(/^pytorch 1\./), input: 'input', output: 'output' },
    });
  });

  it("keeps an skl2onnx classifier's class labels and leaves out its label decoding", () => {
    const c = reference.cases['sklearn-mlpclassifier-f64']!;
    const net = Network.fromONNX(bytesOf(c), { backend: backend.name, dtype: 'any' });
    expect(net.layers.map((l) => l.activation.name)).toEqual(['tanh', 'tanh', 'softmax']);
    expect((net.metadata.onnx as { classes: string[] }).classes).toEqual(c.classes);
    expect((net.metadata.onnx as { output: string }).output).toBe('probabilities');
  });

  it("reads skl2onnx's binary classifier as its one logistic output, its [1 - p, p] columns left out", () => {
    const c = reference.cases['sklearn-mlpclassifier-binary-f64']!;
    const net = Network.fromONNX(bytesOf(c), { backend: backend.name, dtype: 'any' });
    expect(net.dims).toEqual([4, 5, 1]);
    expect(net.layers.map((l) => l.activation.name)).toEqual(['relu', 'sigmoid']);
    expect((net.metadata.onnx as { classes: string[] }).classes).toEqual(c.classes);
  });

  it('an imported network fine-tunes (the loss falls) and exports back to the same numbers', () => {
    const c = reference.cases['torch-relu-tanh-softmax-f64']!;
    const net = Network.fromONNX(bytesOf(c), { backend: backend.name, dtype: 'any' });
    const labels = c.x.map((_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0]);
    const before = net.gradients(c.x, labels, CrossEntropy).loss;
    net.fit(c.x, labels, { loss: CrossEntropy, epochs: 30, batchSize: 7, learningRate: 0.1, log: null });
    const after = net.gradients(c.x, labels, CrossEntropy).loss;
    expect(after).toBeLessThan(before);
    const again = Network.fromONNX(net.toONNX(), { backend: backend.name });
    expect(Array.from(again.parameters)).toEqual(Array.from(net.parameters));
    expect(again.loss).toBe(CrossEntropy);
    expect(again.epochsTrained).toBe(30);
    expect(Array.from(again.predict(c.x).data)).toEqual(Array.from(net.predict(c.x).data));
  });

  it('a float32 import trains as a float32 network', () => {
    const c = reference.cases['torch-tanh-relu-f32']!;
    const net = Network.fromONNX(bytesOf(c), { backend: backend.name, dtype: 'float32' });
    expect(net.parameters).toBeInstanceOf(Float32Array);
    const targets = c.expected.map((row) => row.map((v) => v * 0.5));
    const before = net.gradients(c.x, targets, MSE).loss;
    net.fit(c.x, targets, { loss: MSE, epochs: 20, batchSize: 7, learningRate: 0.05, log: null });
    expect(net.gradients(c.x, targets, MSE).loss).toBeLessThan(before);
  });
});

describe('what fromONNX refuses among the fixtures', () => {
  it('a FLOAT model where float64 is expected (the default, as for load): ERR_MODEL_DTYPE, saying what to pass', () => {
    const bytes = bytesOf(reference.cases['torch-tanh-relu-f32']!);
    expect(() => Network.fromONNX(bytes)).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_DTYPE',
        message: expect.stringMatching(/float32 model.*pass \{ dtype: 'float32' \}/),
      }),
    );
    expect(Network.fromONNX(bytes, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it("PyTorch's ELU: the Elu node, named", () => {
    const bytes = fs.readFileSync(path.join(dir, 'unsupported-elu.onnx'));
    expect(() => Network.fromONNX(bytes)).toThrow(ModelFormatError);
    expect(() => Network.fromONNX(bytes)).toThrow(
      expect.objectContaining({
        code: 'ERR_ONNX_UNSUPPORTED_OP',
        message: expect.stringMatching(/node "\/1\/Elu" \(Elu\)/),
      }),
    );
  });

  it('weights in an external file (onnx.save_model with save_as_external_data)', () => {
    const bytes = fs.readFileSync(path.join(dir, 'external-data.onnx'));
    expect(() => Network.fromONNX(bytes)).toThrow(
      expect.objectContaining({
        code: 'ERR_ONNX_EXTERNAL_DATA',
        message: expect.stringMatching(/"external-data\.weights"/),
      }),
    );
  });
});
