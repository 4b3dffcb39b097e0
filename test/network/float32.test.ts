/**
 * float32 networks: every product through cblas_sgemm and every loop in float, with Float32Array
 * parameters; results within float32 tolerance of the float64 run, and native equal to js to float32
 * tolerance.
 */
import {
  Adam,
  CrossEntropy,
  Matrix,
  MSE,
  Network,
  oneHot,
  Random,
  Relu,
  Sigmoid,
  Softmax,
  Tanh,
  ValueError,
} from '../../lib';
import { normwiseError } from '../helpers/numbers';

function data(rows: number, inputs: number, classes: number, seed: number) {
  const random = new Random(seed);
  const x = new Matrix(rows, inputs);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const y = oneHot(
    Array.from({ length: rows }, () => random.integer(classes)),
    classes,
  );
  return { x, y };
}

describe('float32 networks', () => {
  const { x, y } = data(96, 20, 5, 1);

  it('hold Float32Array parameters: the float64 initial weights, rounded', () => {
    const f64 = new Network([20, 16, 5], [Relu, Softmax], { seed: 4 });
    const f32 = new Network([20, 16, 5], [Relu, Softmax], { seed: 4, dtype: 'float32' });
    expect(f32.parameters).toBeInstanceOf(Float32Array);
    expect(f32.layers[0]!.weights).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.parameters)).toEqual(Array.from(f64.parameters, Math.fround));
  });

  it('compute gradients that agree with float64 to float32 tolerance', () => {
    for (const [activations, loss] of [
      [[Tanh, Softmax], CrossEntropy],
      [[Relu, Sigmoid], MSE],
    ] as const) {
      const f64 = new Network([20, 16, 5], [...activations], { seed: 4 });
      const f32 = new Network([20, 16, 5], [...activations], { seed: 4, dtype: 'float32' });
      // The same starting point exactly: float64 weights that are float32 numbers.
      f64.parameters.set(f32.parameters);
      const a = f64.gradients(x, y, loss);
      const b = f32.gradients(x, y, loss);
      expect(b.weights[0]).toBeInstanceOf(Float32Array);
      expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-6 * Math.max(1, a.loss));
      a.weights.forEach((w, i) => expect(normwiseError(b.weights[i]!, w)).toBeLessThanOrEqual(1e-5));
      a.biases.forEach((g, i) => expect(normwiseError(b.biases[i]!, g)).toBeLessThanOrEqual(1e-5));
    }
  });

  it('train on native and js to the same weights, to float32 tolerance, and near the float64 run', () => {
    const nets = (['native', 'js'] as const).map(
      (backend) => new Network([20, 16, 5], [Relu, Softmax], { seed: 7, backend, dtype: 'float32' }),
    );
    const f64 = new Network([20, 16, 5], [Relu, Softmax], { seed: 7 });
    f64.parameters.set(nets[0]!.parameters);
    for (const net of [...nets, f64])
      net.fit(x, y, {
        loss: CrossEntropy,
        optimizer: new Adam({ learningRate: 0.01 }),
        epochs: 3,
        batchSize: 16,
        log: null,
      });
    expect(normwiseError(nets[0]!.parameters, nets[1]!.parameters)).toBeLessThanOrEqual(1e-5);
    // Rounding differences grow over 18 Adam steps; the two runs stay within 1e-3 of each other.
    expect(normwiseError(nets[0]!.parameters, f64.parameters)).toBeLessThanOrEqual(1e-3);
  });

  it('predict in float32 and return float64 matrices', () => {
    const f32 = new Network([20, 16, 5], [Relu, Softmax], { seed: 4, dtype: 'float32' });
    const f64 = new Network([20, 16, 5], [Relu, Softmax], { seed: 4 });
    f64.parameters.set(f32.parameters);
    const out = f32.predict(x);
    expect(out.data).toBeInstanceOf(Float64Array);
    expect(normwiseError(out.data, f64.predict(x).data)).toBeLessThanOrEqual(1e-6);
  });

  it('reject data beyond float32 range, naming where', () => {
    const f32 = new Network([2, 1], [Sigmoid], { seed: 1, dtype: 'float32' });
    expect(() => f32.fit([[1, 1e39]], [[1]], { loss: MSE, log: null })).toThrow(
      /within float32 range.*row 0, column 1 is Infinity/,
    );
    expect(() => new Network([2, 1], [Sigmoid], { dtype: 'float16' as never })).toThrow(ValueError);
  });

  it('predict in chunks, rejecting a value beyond float32 range by its row in the whole input', () => {
    // A predict pass holds at most 1,024 rows, so 2,500 rows take three chunks.
    const f32 = new Network([20, 8, 3], [Relu, Softmax], { seed: 2, dtype: 'float32' });
    const f64 = new Network([20, 8, 3], [Relu, Softmax], { seed: 2 });
    f64.parameters.set(f32.parameters);
    const many = new Matrix(2500, 20);
    const random = new Random(5);
    for (let i = 0; i < many.data.length; i++) many.data[i] = Math.fround(random.normal());
    expect(normwiseError(f32.predict(many).data, f64.predict(many).data)).toBeLessThanOrEqual(1e-5);
    const before = many.data.slice();
    many.data[2499 * 20 + 5] = -1e39;
    expect(() => f32.predict(many)).toThrow(/within float32 range.*row 2499, column 5 is -Infinity/);
    expect(many.data.every((v, i) => v === before[i] || i === 2499 * 20 + 5)).toBe(true);
    // Under 512 values a chunk is converted element by element (the 1-row path), from 512 in bulk: both
    // name the same place.
    for (const count of [3, 25, 26, 40]) {
      const some = new Matrix(count, 20, many.data.slice(0, count * 20));
      expect(normwiseError(f32.predict(some).data, f64.predict(some).data)).toBeLessThanOrEqual(1e-5);
      some.data[(count - 1) * 20 + 7] = 1e39;
      expect(() => f32.predict(some)).toThrow(
        new RegExp(`within float32 range.*row ${count - 1}, column 7 is Infinity`),
      );
      // The refused chunk's infinity stays in the kept float32 buffer past the next row's values: a 1-row
      // predict checks only its own.
      const first = new Matrix(1, 20, many.data.slice(0, 20));
      expect(normwiseError(f32.predict(first).data, f64.predict(first).data)).toBeLessThanOrEqual(1e-5);
    }
  });
});
