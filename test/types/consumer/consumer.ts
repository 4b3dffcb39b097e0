// A user's program, type-checked (not run) against the built package's .d.ts by test/types/consumer.test.ts,
// in a strict project with no @types/node, no DOM library and no skipLibCheck. Each `@ts-expect-error`
// must meet an error, so the types are shown to be precise as well as loadable.
import {
  AbortError,
  CrossEntropy,
  Identity,
  Matrix,
  MSE,
  Network,
  oneHot,
  Relu,
  schedules,
  SGD,
  Softmax,
  splitColumn,
  type BlasnetError,
  type History,
  type TargetsLike,
} from 'blasnet';

declare const rows: number[][];
declare const signal: {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
};

export async function main(): Promise<void> {
  const { features, labels } = splitColumn(Matrix.from(rows));
  const net = new Network([features.cols, 8, 3], [Relu, Softmax], { seed: 1 });
  const history: History = net.fit(features, oneHot(labels), {
    loss: CrossEntropy,
    epochs: 5,
    schedule: schedules.cosine({ initial: 0.1, epochs: 5 }),
  });
  void history.valLoss;
  const weights: Float64Array = net.layers[0]!.weights;
  void weights;

  // Regression: splitColumn's labels go in as they are (issue 13, item 4).
  const regression = new Network([features.cols, 8, 1], [Relu, Identity], { seed: 1 });
  const target: TargetsLike = labels;
  regression.fit(features, target, { loss: MSE, optimizer: new SGD({ momentum: 0.9 }) });
  await regression.fitAsync(features, labels, { loss: MSE, signal, validationData: [features, labels] });

  // Network.load is Network<'float64'> by default (issue 13, item 3).
  const loaded = await Network.load('model.bnet');
  const w: Float64Array = loaded.layers[0]!.weights;
  void w;
  // @ts-expect-error a float64 network's weights are not Float32Array
  const wrong: Float32Array = loaded.layers[0]!.weights;
  void wrong;
  const small = await Network.load('small.bnet', { dtype: 'float32' });
  const w32: Float32Array = small.layers[0]!.weights;
  void w32;
  const either = Network.fromBuffer(net.toBuffer(), { dtype: 'any' });
  // @ts-expect-error either dtype: the weights may be Float32Array
  const unknownWeights: Float64Array = either.layers[0]!.weights;
  void unknownWeights;
  const copy = Network.fromJSON(JSON.stringify(net));
  const bytes: Uint8Array = copy.toBuffer();
  void bytes;

  try {
    await net.fitAsync(features, oneHot(labels), { signal });
  } catch (error) {
    if (error instanceof AbortError) void (error as BlasnetError).code;
  }
}
