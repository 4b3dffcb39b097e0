/**
 * A deliberately plain MLP forward pass and loss, written from the textbook definitions with nested loops
 * and no shared code with the library: the independent computation the library's forward pass and losses
 * are checked against, and the source of ReLU sign patterns for finite differences.
 */
import type { Network } from '../../lib';

export interface ReferencePass {
  /** z per layer, row-major. */
  z: number[][];
  /** a per layer. */
  a: number[][];
  loss: number;
}

function activate(name: string, z: number[], rows: number, cols: number): number[] {
  switch (name) {
    case 'identity':
      return z.slice();
    case 'relu':
      return z.map((v) => Math.max(0, v));
    case 'leakyRelu':
      return z.map((v) => (v > 0 ? v : 0.01 * v));
    case 'sigmoid':
      return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh':
      return z.map((v) => Math.tanh(v));
    case 'softmax': {
      const out = new Array<number>(z.length);
      for (let r = 0; r < rows; r++) {
        const row = z.slice(r * cols, (r + 1) * cols);
        const max = Math.max(...row);
        const exps = row.map((v) => Math.exp(v - max));
        const sum = exps.reduce((s, v) => s + v, 0);
        exps.forEach((v, j) => (out[r * cols + j] = v / sum));
      }
      return out;
    }
    default:
      throw new Error(`unknown activation ${name}`);
  }
}

export function referencePass(net: Network, x: number[][], y: number[][], lossName: string): ReferencePass {
  const rows = x.length;
  let input = x.flat();
  const zs: number[][] = [];
  const as: number[][] = [];
  for (const layer of net.layers) {
    const z = new Array<number>(rows * layer.outputs).fill(0);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < layer.outputs; j++) {
        let sum = layer.biases[j]!;
        for (let i = 0; i < layer.inputs; i++)
          sum += input[r * layer.inputs + i]! * layer.weights[i * layer.outputs + j]!;
        z[r * layer.outputs + j] = sum;
      }
    }
    const a = activate(layer.activation.name, z, rows, layer.outputs);
    zs.push(z);
    as.push(a);
    input = a;
  }
  const out = as[as.length - 1]!;
  const target = y.flat();
  const cols = net.outputs;
  let loss = 0;
  if (lossName === 'meanSquaredError') {
    out.forEach((v, i) => (loss += (v - target[i]!) ** 2));
    loss /= out.length;
  } else if (lossName === 'binaryCrossEntropy') {
    out.forEach((v, i) => (loss -= target[i]! * Math.log(v) + (1 - target[i]!) * Math.log(1 - v)));
    loss /= out.length;
  } else {
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < cols; j++) loss -= target[r * cols + j]! * Math.log(out[r * cols + j]!);
    loss /= rows;
  }
  return { z: zs, a: as, loss };
}

/** For every ReLU-like layer, which units are on: finite differences are invalid where this changes. */
export function kinkPattern(net: Network, pass: ReferencePass): string {
  return net.layers
    .map((layer, i) =>
      layer.activation.name === 'relu' || layer.activation.name === 'leakyRelu'
        ? pass.z[i]!.map((v) => (v > 0 ? '1' : '0')).join('')
        : '',
    )
    .join('|');
}
