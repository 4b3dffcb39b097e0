/**
 * Gradients are exact: on random networks (1 to 4 hidden layers, widths 1 to 33, every activation, every
 * loss with each output it allows, batches of 1, 7 and 64), the native and js backends agree to 1e-10, and
 * both agree with central finite differences of the loss the library reports to 1e-6 (normwise per
 * parameter array), skipping any parameter whose perturbation moves a ReLU unit across its kink.
 */
import { ACTIVATIONS, LOSSES, Network, type Activation, type GradientResult, type Loss } from '../../lib';
import { Random } from '../../lib/random';
import { kinkPattern, referencePass } from '../helpers/reference-mlp';
import { normwiseError } from '../helpers/numbers';

const HIDDEN: Activation[] = ['identity', 'relu', 'sigmoid', 'tanh', 'leakyRelu'].map(
  (n) => ACTIVATIONS[n as Activation['name']],
);
const PAIRS: [Loss, Activation][] = [
  ...Object.values(ACTIVATIONS).map((a): [Loss, Activation] => [LOSSES.meanSquaredError, a]),
  [LOSSES.binaryCrossEntropy, ACTIVATIONS.sigmoid],
  [LOSSES.crossEntropy, ACTIVATIONS.softmax],
];
const STEP = 1e-6;
const SAMPLES_PER_ARRAY = 12;

interface Case {
  title: string;
  dims: number[];
  activations: Activation[];
  loss: Loss;
  rows: number;
  seed: number;
}

function makeCases(): Case[] {
  const random = new Random(7);
  const cases: Case[] = [];
  let seed = 100;
  for (const [loss, output] of PAIRS) {
    for (const rows of [1, 7, 64]) {
      const hidden = 1 + random.integer(4);
      const dims = [1 + random.integer(33)];
      const activations: Activation[] = [];
      for (let i = 0; i < hidden; i++) {
        dims.push(1 + random.integer(33));
        activations.push(HIDDEN[random.integer(HIDDEN.length)]!);
      }
      // Softmax over one unit is constant; give classifiers at least two outputs.
      dims.push((output.name === 'softmax' ? 2 : 1) + random.integer(8));
      activations.push(output);
      seed++;
      cases.push({
        title: `${loss.name}/${output.name}, dims ${dims.join('-')}, hidden ${activations
          .slice(0, -1)
          .map((a) => a.name)
          .join(',')}, batch ${rows}`,
        dims,
        activations,
        loss,
        rows,
        seed,
      });
    }
  }
  return cases;
}

function makeData(c: Case): { x: number[][]; y: number[][] } {
  const random = new Random(c.seed * 31);
  const x = Array.from({ length: c.rows }, () => Array.from({ length: c.dims[0]! }, () => random.normal()));
  const outputs = c.dims[c.dims.length - 1]!;
  const y = Array.from({ length: c.rows }, () => {
    const row = Array.from({ length: outputs }, () => random.uniform());
    if (c.loss.name === 'crossEntropy') {
      const sum = row.reduce((s, v) => s + v, 0);
      return row.map((v) => v / sum); // probability targets
    }
    return c.loss.name === 'meanSquaredError' ? row.map((v) => 2 * v - 1) : row; // BCE targets in [0, 1]
  });
  return { x, y };
}

/** Central differences of the library's reported loss for a sample of one parameter array's entries. */
function checkAgainstFiniteDifferences(
  net: Network,
  c: Case,
  x: number[][],
  y: number[][],
  params: Float64Array,
  analytic: Float64Array,
  random: Random,
): void {
  const base = kinkPattern(net, referencePass(net, x, y, c.loss.name));
  const picked: number[] = [];
  const fd: number[] = [];
  const count = Math.min(SAMPLES_PER_ARRAY, params.length);
  for (let s = 0; s < count; s++) {
    const index = params.length <= SAMPLES_PER_ARRAY ? s : random.integer(params.length);
    const original = params[index]!;
    params[index] = original + STEP;
    const plus = net.gradients(x, y, c.loss).loss;
    const plusPattern = kinkPattern(net, referencePass(net, x, y, c.loss.name));
    params[index] = original - STEP;
    const minus = net.gradients(x, y, c.loss).loss;
    const minusPattern = kinkPattern(net, referencePass(net, x, y, c.loss.name));
    params[index] = original;
    if (plusPattern !== base || minusPattern !== base) continue; // across a kink: no derivative to check
    picked.push(analytic[index]!);
    fd.push((plus - minus) / (2 * STEP));
  }
  if (picked.length === 0) return;
  // Normwise over the sample, with the whole array's largest gradient as the scale floor.
  const scale = Math.max(...Array.from(analytic, Math.abs), 1e-8);
  const worst = Math.max(...picked.map((g, i) => Math.abs(g - fd[i]!)));
  expect(worst / scale).toBeLessThanOrEqual(1e-6);
}

describe('gradients', () => {
  it.each(makeCases().map((c) => [c.title, c] as const))('%s', (_title, c) => {
    const { x, y } = makeData(c);
    const nets = {
      native: new Network(c.dims, c.activations, { seed: c.seed, backend: 'native' }),
      js: new Network(c.dims, c.activations, { seed: c.seed, backend: 'js' }),
    };
    // Same seed, same initial weights on both backends, bit for bit.
    nets.native.layers.forEach((layer, i) => expect(layer.weights).toEqual(nets.js.layers[i]!.weights));

    const results: Record<'native' | 'js', GradientResult> = {
      native: nets.native.gradients(x, y, c.loss),
      js: nets.js.gradients(x, y, c.loss),
    };
    // The reported loss is the textbook loss of the textbook forward pass.
    const reference = referencePass(nets.native, x, y, c.loss.name);
    expect(Math.abs(results.native.loss - reference.loss)).toBeLessThanOrEqual(1e-10 * Math.max(1, reference.loss));

    for (let i = 0; i < c.dims.length - 1; i++) {
      expect(normwiseError(results.native.weights[i]!, results.js.weights[i]!)).toBeLessThanOrEqual(1e-10);
      expect(normwiseError(results.native.biases[i]!, results.js.biases[i]!)).toBeLessThanOrEqual(1e-10);
    }
    expect(Math.abs(results.native.loss - results.js.loss)).toBeLessThanOrEqual(1e-12 * Math.max(1, results.js.loss));

    const random = new Random(c.seed);
    for (const name of ['native', 'js'] as const) {
      const net = nets[name];
      const result = results[name];
      net.layers.forEach((layer, i) => {
        checkAgainstFiniteDifferences(net, c, x, y, layer.weights, result.weights[i]!, random);
        checkAgainstFiniteDifferences(net, c, x, y, layer.biases, result.biases[i]!, random);
      });
    }
  });

  it('does not change any parameter', () => {
    const net = new Network([3, 4, 2], [ACTIVATIONS.tanh, ACTIVATIONS.softmax], { seed: 3 });
    const before = net.layers.map((l) => [l.weights.slice(), l.biases.slice()]);
    net.gradients([[1, 2, 3]], [[0, 1]], LOSSES.crossEntropy);
    net.layers.forEach((l, i) => {
      expect(l.weights).toEqual(before[i]![0]);
      expect(l.biases).toEqual(before[i]![1]);
    });
  });
});
