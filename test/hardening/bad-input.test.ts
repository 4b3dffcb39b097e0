/**
 * Every kind of bad input at the public API gets a BlasnetError with a stable code and a message naming
 * the argument, the expected and the received value; and a rejected call changes nothing: not the
 * network's weights, not the caller's data.
 */
import {
  BlasnetError,
  CrossEntropy,
  Matrix,
  MSE,
  Network,
  Relu,
  ShapeError,
  Sigmoid,
  Softmax,
  ValueError,
} from '../../lib';

type ErrorClass = typeof ValueError | typeof ShapeError;

function expectRejected(call: () => unknown, kind: ErrorClass, code: string, message: RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(kind);
  expect(thrown).toBeInstanceOf(BlasnetError);
  expect((thrown as BlasnetError).code).toBe(code);
  expect((thrown as Error).message).toMatch(message);
}

/** A deep copy of plain data (arrays, typed arrays, Matrix-like objects) for before/after comparison. */
function copy<T>(value: T): T {
  if (ArrayBuffer.isView(value)) return (value as unknown as Float64Array).slice() as unknown as T;
  if (Array.isArray(value)) return value.map(copy) as unknown as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, copy(v)])) as T;
  }
  return value;
}

function plain(value: unknown): unknown {
  if (value instanceof Matrix) return { rows: value.rows, cols: value.cols, data: Array.from(value.data) };
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as Float64Array);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

describe('bad dims, activations and backends', () => {
  const dimsCases: [string, unknown, unknown[], RegExp][] = [
    ['empty dims', [], [], /Expected dims to be at least two layer sizes/],
    ['one entry', [4], [], /at least two layer sizes .* received an array of length 1/],
    [
      'a zero',
      [4, 0, 2],
      [Relu, Sigmoid],
      /Expected dims\[1\] to be an integer from 1 to 2147483647 but received 0 \(number\)/,
    ],
    ['a negative', [4, -3], [Sigmoid], /dims\[1\] .* received -3/],
    ['a fraction', [4.5, 3], [Sigmoid], /dims\[0\] .* received 4.5/],
    ['NaN', [4, NaN], [Sigmoid], /dims\[1\] .* received NaN/],
    ['a string', [4, '3'], [Sigmoid], /dims\[1\] .* received "3" \(string\)/],
    ['not an array', 'big', [Sigmoid], /Expected dims to be an array/],
  ];
  it.each(dimsCases)('%s', (_t, dims, activations, message) => {
    const dimsBefore = copy(dims);
    expectRejected(() => new Network(dims as number[], activations as never), ValueError, 'ERR_INVALID_DIMS', message);
    expect(dims).toEqual(dimsBefore);
  });

  it('refuses absurdly large networks before allocating anything', () => {
    expectRejected(
      () => new Network([1e9, 1e9], [Sigmoid]),
      ValueError,
      'ERR_TOO_LARGE',
      /Layer 0 would have 1000000000 x 1000000000/,
    );
    // Fits one array, but not in the memory available (test/reliability/memory.test.ts has the rest).
    expectRejected(
      () => new Network([60000, 60000, 60000], [Relu, Sigmoid]),
      ValueError,
      'ERR_TOO_LARGE',
      /more than the memory available now/,
    );
  });

  it.each([
    ['too few', [3, 4, 2], [Relu], /one activation per non-input layer \(2\)/],
    ['too many', [3, 2], [Relu, Relu], /one activation per non-input layer \(1\)/],
    [
      'an unknown name',
      [3, 2],
      ['gelu'],
      /activations\[0\] to be Relu, Sigmoid, Tanh, LeakyRelu, Identity or Softmax but received "gelu"/,
    ],
    ['a lookalike object', [3, 2], [{ name: 'relu', code: 9 }], /activations\[0\]/],
    ['softmax hidden', [3, 4, 2], [Softmax, Sigmoid], /allowed on the output layer only/],
  ])('rejects activations: %s', (_t, dims, activations, message) => {
    expectRejected(() => new Network(dims, activations as never), ValueError, 'ERR_INVALID_ACTIVATION', message);
  });

  it('rejects an unknown backend and unknown constructor options', () => {
    expectRejected(
      () => new Network([2, 1], [Sigmoid], { backend: 'cuda' as never }),
      ValueError,
      'ERR_UNKNOWN_BACKEND',
      /'native' or 'js' but received "cuda"/,
    );
    expectRejected(
      () => new Network([2, 1], [Sigmoid], { seeed: 1 } as never),
      ValueError,
      'ERR_UNKNOWN_OPTION',
      /options.seeed \(did you mean seed\?\)/,
    );
    expectRejected(
      () => new Network([2, 1], [Sigmoid], { seed: -1 }),
      ValueError,
      'ERR_INVALID_ARGUMENT',
      /options.seed to be an integer >= 0 but received -1/,
    );
  });
});

describe('bad data', () => {
  const net = new Network([3, 4, 2], [Relu, Softmax], { seed: 5 });
  const good = {
    x: [
      [1, 2, 3],
      [4, 5, 6],
    ],
    y: [
      [1, 0],
      [0, 1],
    ],
  };

  const cases: [string, unknown, unknown, ErrorClass, string, RegExp][] = [
    [
      'ragged rows in x',
      [
        [1, 2, 3],
        [4, 5],
      ],
      good.y,
      ShapeError,
      'ERR_RAGGED_ROWS',
      /every row of x to have 3 values \(as row 0 does\) but row 1 has 2/,
    ],
    [
      'the wrong feature count',
      [
        [1, 2],
        [3, 4],
      ],
      good.y,
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /x to have 3 columns \(the network's inputs, dims\[0\]\) but it has 2/,
    ],
    [
      'labels of the wrong width',
      good.x,
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /y to have 2 columns .* but it has 3/,
    ],
    [
      'different row counts',
      good.x,
      [[1, 0]],
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /same number of rows but x has 2 and y has 1/,
    ],
    [
      'NaN in x',
      [
        [1, 2, 3],
        [4, NaN, 6],
      ],
      good.y,
      ValueError,
      'ERR_NON_FINITE',
      /x to hold finite numbers but row 1, column 1 is NaN/,
    ],
    [
      'Infinity in y',
      good.x,
      [
        [1, 0],
        [0, Infinity],
      ],
      ValueError,
      'ERR_NON_FINITE',
      /y to hold finite numbers but row 1, column 1 is Infinity/,
    ],
    ['empty x', [], good.y, ValueError, 'ERR_EMPTY_DATA', /x to hold at least one row and one column but it is 0 x 0/],
    [
      'a Float32Array Matrix',
      { rows: 2, cols: 3, data: new Float32Array(6) },
      good.y,
      ValueError,
      'ERR_INVALID_DATA',
      /x.data to be a Float64Array but received a Float32Array of length 6/,
    ],
    [
      'a Matrix with the wrong data length',
      { rows: 2, cols: 3, data: new Float64Array(5) },
      good.y,
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /x.data to hold x.rows \* x.cols = 2 \* 3 = 6 numbers but it holds 5/,
    ],
    [
      'a flat typed array',
      new Float64Array(6),
      good.y,
      ValueError,
      'ERR_INVALID_DATA',
      /x to be a Matrix or an array of rows/,
    ],
    [
      'strings in a row',
      [
        [1, '2', 3],
        [4, 5, 6],
      ],
      good.y,
      ValueError,
      'ERR_INVALID_DATA',
      /x\[0\]\[1\] to be a number but received "2" \(string\)/,
    ],
  ];

  it.each(cases)('fit rejects %s and changes nothing', (_t, x, y, kind, code, message) => {
    const weights = net.parameters.slice();
    const xBefore = plain(copy(x));
    const yBefore = plain(copy(y));
    expectRejected(() => net.fit(x as never, y as never, { loss: CrossEntropy, log: null }), kind, code, message);
    expect(net.parameters).toEqual(weights);
    expect(plain(x)).toEqual(xBefore);
    expect(plain(y)).toEqual(yBefore);
  });

  it('predict, gradients and evaluate check their data the same way', () => {
    expectRejected(() => net.predict([[1, 2, NaN]]), ValueError, 'ERR_NON_FINITE', /row 0, column 2 is NaN/);
    expectRejected(() => net.predict([[1, 2]]), ShapeError, 'ERR_SHAPE_MISMATCH', /3 columns/);
    expectRejected(
      () => net.gradients(good.x, [[1, 0]], CrossEntropy),
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /same number of rows/,
    );
    expectRejected(
      () => net.evaluate(good.x, [0, 5]),
      ValueError,
      'ERR_INVALID_ARGUMENT',
      /labels\[1\] to be a class from 0 to 1 but received 5/,
    );
    expectRejected(
      () => net.evaluate(good.x, [0]),
      ShapeError,
      'ERR_SHAPE_MISMATCH',
      /one label per row of x \(2\) but it holds 1/,
    );
  });
});

describe('bad options', () => {
  const net = new Network([3, 2], [Sigmoid], { seed: 1 });
  const x = [[1, 2, 3]];
  const y = [[1, 0]];
  it.each([
    ['epochs 0', { epochs: 0 }, /options.epochs to be an integer from 1 to 10000000 but received 0/],
    ['epochs negative', { epochs: -2 }, /options.epochs .* received -2/],
    ['epochs fractional', { epochs: 1.5 }, /options.epochs .* received 1.5/],
    ['epochs Infinity', { epochs: Infinity }, /options.epochs .* received Infinity/],
    ['batchSize 0', { batchSize: 0 }, /options.batchSize to be a positive integer but received 0/],
    ['batchSize NaN', { batchSize: NaN }, /options.batchSize .* received NaN/],
    ['learningRate 0', { learningRate: 0 }, /options.learningRate to be a finite number greater than 0 but received 0/],
    ['learningRate negative', { learningRate: -0.1 }, /options.learningRate .* received -0.1/],
    ['learningRate NaN', { learningRate: NaN }, /options.learningRate .* received NaN/],
    ['learningRate a string', { learningRate: '0.1' }, /options.learningRate .* received "0.1" \(string\)/],
    ['logEvery 0', { logEvery: 0 }, /options.logEvery/],
    ['log not a function', { log: 'console' }, /options.log to be a function or null/],
    ['an unknown loss', { loss: 'hinge' }, /options.loss to be a loss/],
  ])('rejects %s and changes nothing', (_t, options, message) => {
    const weights = net.parameters.slice();
    expectRejected(
      () => net.fit(x, y, { loss: MSE, log: null, ...options } as never),
      ValueError,
      'ERR_INVALID_ARGUMENT',
      message,
    );
    expect(net.parameters).toEqual(weights);
  });

  it('rejects unknown option names, suggesting the closest', () => {
    expectRejected(
      () => net.fit(x, y, { epoch: 3 } as never),
      ValueError,
      'ERR_UNKNOWN_OPTION',
      /options.epoch \(did you mean epochs\?\)/,
    );
    expectRejected(
      () => net.fit(x, y, { batch_size: 3 } as never),
      ValueError,
      'ERR_UNKNOWN_OPTION',
      /did you mean batchSize\?/,
    );
    expectRejected(() => net.fit(x, y, 'fast' as never), ValueError, 'ERR_INVALID_ARGUMENT', /options to be an object/);
  });

  it('accepts a batch size larger than the data (one batch of all rows)', () => {
    const a = new Network([3, 2], [Sigmoid], { seed: 1, backend: 'js' });
    const b = new Network([3, 2], [Sigmoid], { seed: 1, backend: 'js' });
    const two = [
      [1, 2, 3],
      [3, 2, 1],
    ];
    const targets = [
      [1, 0],
      [0, 1],
    ];
    a.fit(two, targets, { loss: MSE, batchSize: 500, epochs: 2, log: null, shuffle: false });
    b.fit(two, targets, { loss: MSE, batchSize: 2, epochs: 2, log: null, shuffle: false });
    expect(a.parameters).toEqual(b.parameters);
  });
});
