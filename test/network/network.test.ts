/**
 * Construction: the numpy reference program's initialisation (lecunNormal), seeded and backend-independent, and clear errors for bad
 * arguments. (The full catalogue of bad inputs is the hardening suite's.)
 */
import {
  BlasnetError,
  Identity,
  Network,
  Relu,
  Sigmoid,
  Softmax,
  Tanh,
  ValueError,
  ShapeError,
  MSE,
  CrossEntropy,
} from '../../lib';

describe('Network construction', () => {
  it('draws weights ~ N(0, 1) / sqrt(fan_in) and zero biases', () => {
    const net = new Network([400, 300, 2], [Relu, Sigmoid], { seed: 11 });
    const w = net.layers[0]!.weights;
    expect(w.length).toBe(400 * 300);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    // Expected variance 1/400; with 120,000 draws its standard error is about 0.4%.
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(Math.abs(variance * 400 - 1)).toBeLessThan(0.02);
    expect(net.layers[0]!.biases.every((b) => b === 0)).toBe(true);
    expect(net.layers.map((l) => [l.inputs, l.outputs])).toEqual([
      [400, 300],
      [300, 2],
    ]);
  });

  it('gives bit-identical initial weights for a seed, on both backends', () => {
    const a = new Network([5, 4, 3], [Tanh, Softmax], { seed: 77, backend: 'native' });
    const b = new Network([5, 4, 3], [Tanh, Softmax], { seed: 77, backend: 'js' });
    const c = new Network([5, 4, 3], [Tanh, Softmax], { seed: 78 });
    a.layers.forEach((layer, i) => expect(layer.weights).toEqual(b.layers[i]!.weights));
    expect(a.layers[0]!.weights).not.toEqual(c.layers[0]!.weights);
    expect(a.seed).toBe(77);
  });

  it('picks a random seed when none is given, and exposes it', () => {
    const a = new Network([3, 2], [Identity]);
    const again = new Network([3, 2], [Identity], { seed: a.seed });
    expect(again.layers[0]!.weights).toEqual(a.layers[0]!.weights);
  });

  it.each([
    ['no dims', undefined, [Relu], /Expected dims to be an array/],
    ['one entry', [3], [], /at least two layer sizes/],
    ['a zero', [3, 0, 2], [Relu, Relu], /dims\[1\] to be an integer from 1/],
    ['a negative', [3, -2], [Relu], /dims\[1\]/],
    ['a fraction', [3, 2.5], [Relu], /dims\[1\].*2.5/],
    ['NaN', [NaN, 2], [Relu], /dims\[0\].*NaN/],
    ['absurdly large', [1e9, 1e9], [Relu], /more than one array can hold/],
    ['too few activations', [3, 4, 2], [Relu], /one activation per non-input layer \(2\)/],
    ['an unknown activation', [3, 2], ['swish'], /activations\[0\]/],
    ['softmax in a hidden layer', [3, 4, 2], [Softmax, Relu], /allowed on the output layer only/],
  ])('rejects %s', (_title, dims, activations, message) => {
    let thrown: unknown;
    try {
      new Network(dims as never, activations as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValueError);
    expect(thrown).toBeInstanceOf(BlasnetError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('rejects an unknown backend and unknown options', () => {
    expect(() => new Network([2, 1], [Identity], { backend: 'gpu' as never })).toThrow(/'native' or 'js'/);
    expect(() => new Network([2, 1], [Identity], { sed: 1 } as never)).toThrow(
      /Unknown option options.sed \(did you mean seed\?\)/,
    );
  });

  it('rejects mismatched data and a loss the output cannot carry', () => {
    const net = new Network([2, 2], [Softmax], { seed: 1 });
    expect(() => net.predict([[1, 2, 3]])).toThrow(ShapeError);
    expect(() =>
      net.fit(
        [[1, 2]],
        [
          [1, 0],
          [0, 1],
        ],
        { log: null },
      ),
    ).toThrow(/same number of rows/);
    expect(() => net.fit([[1, 2]], [[1, 0]], { loss: MSE, learningrate: 0.1 } as never)).toThrow(
      /did you mean learningRate/,
    );
    const sigmoidNet = new Network([2, 2], [Sigmoid], { seed: 1 });
    expect(() => sigmoidNet.fit([[1, 2]], [[1, 0]], { loss: CrossEntropy })).toThrow(/needs a softmax output layer/);
  });
});
