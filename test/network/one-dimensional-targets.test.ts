/**
 * Regression through the API (issue 13): `splitColumn`'s labels (a Float64Array, one number per row) are
 * accepted as the targets of a one-output network by fit, fitAsync, gradients and validationData, and train
 * exactly as the same numbers given as one column (the long way round, `Array.from(labels, (v) => [v])`).
 */
import { Identity, Matrix, MSE, Network, Relu, ShapeError, Sigmoid, Softmax, ValueError } from '../../lib';
import { describeBackends } from '../helpers/backends';

const rows = 12;
const x = Matrix.from(Array.from({ length: rows }, (_, i) => [Math.sin(i), Math.cos(2 * i), i / rows]));
const target = Float64Array.from({ length: rows }, (_, i) => 0.5 * Math.sin(i) - Math.cos(2 * i) + 0.1);
const column = Array.from(target, (v) => [v]);

describeBackends('1-D targets for a one-output network', (backend) => {
  const make = () => new Network([3, 5, 1], [Relu, Identity], { seed: 7, backend });
  const options = { loss: MSE, epochs: 20, batchSize: 4, learningRate: 0.05, log: null } as const;

  it('fit with a Float64Array or number[] trains bit for bit as with one column, and changes neither', () => {
    const reference = make();
    const expected = reference.fit(x, column, options);
    for (const y of [target, Array.from(target)]) {
      const before = Array.from(y);
      const net = make();
      const history = net.fit(x, y, options);
      expect(history.loss).toEqual(expected.loss);
      expect(Array.from(net.parameters)).toEqual(Array.from(reference.parameters));
      expect(Array.from(y)).toEqual(before);
    }
  });

  it('fitAsync, gradients and validationData take them too', async () => {
    const reference = make();
    await reference.fitAsync(x, column, { ...options, validationData: [x, column] });
    const net = make();
    const history = await net.fitAsync(x, target, { ...options, validationData: [x, target] });
    expect(Array.from(net.parameters)).toEqual(Array.from(reference.parameters));
    expect(history.valLoss?.length).toBeGreaterThan(0);
    const g = make().gradients(x, target, MSE);
    const g2 = make().gradients(x, column, MSE);
    expect(g.loss).toBe(g2.loss);
    expect(Array.from(g.weights[0]!)).toEqual(Array.from(g2.weights[0]!));
  });

  it('a sigmoid output takes 0/1 labels as they come', () => {
    const labels = Float64Array.from(target, (v) => (v > 0 ? 1 : 0));
    const net = new Network([3, 4, 1], [Relu, Sigmoid], { seed: 2, backend });
    net.fit(x, labels, { ...options, epochs: 5 });
    expect(net.evaluate(x, labels).predictions.length).toBe(rows);
  });

  it('rejects a 1-D target for a network with more outputs, wrong lengths and non-numbers, naming them', () => {
    const wide = new Network([3, 4, 2], [Relu, Softmax], { seed: 1, backend });
    expect(() => wide.fit(x, target, options)).toThrow(ShapeError);
    expect(() => wide.fit(x, target, options)).toThrow(
      /Expected y to be rows of 2 numbers \(the network's outputs\) but received one number per row \(a Float64Array of length 12\); a 1-D target fits only a one-output network/,
    );
    const net = make();
    const before = Array.from(net.parameters);
    expect(() => net.fit(x, target.subarray(1), options)).toThrow(
      /Expected x and y to have the same number of rows but x has 12 and y has 11/,
    );
    expect(() => net.fit(x, [1, 2, 'a' as unknown as number, ...Array.from(target.subarray(3))], options)).toThrow(
      ValueError,
    );
    expect(() => net.fit(x, [1, 2, 'a' as unknown as number, ...Array.from(target.subarray(3))], options)).toThrow(
      /y\[2\] to be a number/,
    );
    const withNaN = Float64Array.from(target);
    withNaN[4] = NaN;
    expect(() => net.fit(x, withNaN, options)).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
    expect(() => net.fit(x, target, { ...options, validationData: [x, target.subarray(2)] })).toThrow(
      /validationData\[0\] and validationData\[1\] to have the same number of rows/,
    );
    expect(Array.from(net.parameters)).toEqual(before);
    expect(net.epochsTrained).toBe(0);
  });
});

describe('Matrix.column, and the hint where rows were wanted', () => {
  it('makes one column from one number per row, copied', () => {
    const values = Float64Array.from([1.5, -2, 3]);
    const m = Matrix.column(values);
    expect([m.rows, m.cols, Array.from(m.data)]).toEqual([3, 1, [1.5, -2, 3]]);
    values[0] = 9;
    expect(m.data[0]).toBe(1.5);
    expect(Matrix.column([4, 5]).toArray()).toEqual([[4], [5]]);
    expect(() => Matrix.column([1, 'x' as unknown as number])).toThrow(/values\[1\] to be a number/);
  });

  it('Matrix.from(labels) says what to use instead', () => {
    expect(() => Matrix.from(target as unknown as number[][])).toThrow(
      /for one number per row use Matrix\.column\(values\) but received a Float64Array of length 12/,
    );
    expect(() => Matrix.from([1, 2] as unknown as number[][])).toThrow(
      /rows\[0\] to be an array of numbers \(a row\); for one number per row use Matrix\.column\(values\)/,
    );
  });
});
