/**
 * The pure-TypeScript backend: the reference the native addon is tested against. Same contract, same
 * argument checks (./arguments.ts mirrors native/bindings/args.cc), same formulas in the same order as
 * native/kernels/*.h, so the two agree to rounding. Loops are written in the order that walks memory
 * contiguously; nothing else is clever here.
 */
import type { Backend } from './backend';
import {
  code,
  dimension,
  dispatchType,
  disjoint,
  type FloatTag,
  expectCount,
  flag,
  floatArray,
  indexArray,
  rangeError,
  scalar,
} from './arguments';
import { networkKernels } from './js-network';
import { optimizerKernels } from './js-optimizers';
import { randomKernels } from './js-random';
import { ACTIVATION_COUNT, type FloatArray, type Kernels, LOSS_COUNT, LossCode, REQUIRED_ACTIVATION } from './kernels';

const ACTIVATION_NAMES = ['identity', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'softmax'];
const LOSS_NAMES = ['meanSquaredError', 'binaryCrossEntropy', 'crossEntropy'];
/** PyTorch's default negative slope. */
const LEAKY_SLOPE = 0.01;

/** Split at zero so exp never overflows; one division for both sides, as natively. */
function stableSigmoid(z: number): number {
  const e = Math.exp(z >= 0 ? -z : z);
  const positive = 1 / (1 + e);
  return z >= 0 ? positive : e * positive;
}

/** Eight partial sums combined at the end: the order native/kernels/losses.h sums in. */
const LANES = 8;
function laneSum(count: number, term: (i: number) => number): number {
  const partial = new Float64Array(LANES);
  let i = 0;
  for (; i + LANES <= count; i += LANES) {
    for (let lane = 0; lane < LANES; lane++) partial[lane]! += term(i + lane);
  }
  for (let lane = 0; i < count; i++, lane++) partial[lane]! += term(i);
  let sum = 0;
  for (let lane = 0; lane < LANES; lane++) sum += partial[lane]!;
  return sum;
}

interface ActivationOps {
  forward(rows: number, cols: number, Z: FloatArray, A: FloatArray): void;
  backward(rows: number, cols: number, A: FloatArray, G: FloatArray, out: FloatArray): void;
}

/**
 * value(z), and backward(a, g) = g * f'(z) given a = f(z), as in native/kernels/activations.h: every
 * derivative comes from a, never z (which is what lets the network kernels keep no z for hidden layers).
 */
function elementwise(value: (z: number) => number, backward: (a: number, g: number) => number): ActivationOps {
  return {
    forward(rows, cols, Z, A) {
      const count = rows * cols;
      for (let i = 0; i < count; i++) A[i] = value(Z[i]!);
    },
    backward(rows, cols, A, G, out) {
      const count = rows * cols;
      for (let i = 0; i < count; i++) out[i] = backward(A[i]!, G[i]!);
    },
  };
}

const softmax: ActivationOps = {
  forward(rows, cols, Z, A) {
    if (cols === 0) return; // rows may be up to 2^31 with nothing to touch: do not walk them
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let max = Z[base]!;
      for (let j = 1; j < cols; j++) max = Z[base + j]! > max ? Z[base + j]! : max;
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        A[base + j] = Math.exp(Z[base + j]! - max);
        sum += A[base + j]!;
      }
      for (let j = 0; j < cols; j++) A[base + j]! /= sum;
    }
  },
  backward(rows, cols, A, G, out) {
    if (cols === 0) return;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += G[base + j]! * A[base + j]!;
      for (let j = 0; j < cols; j++) out[base + j] = A[base + j]! * (G[base + j]! - dot);
    }
  },
};

/**
 * Indexed by ActivationCode. ReLU's backward selects (an inactive unit passes 0 even for an infinite g);
 * a > 0 exactly when z > 0 for ReLU and leaky ReLU, so testing a is testing z.
 */
const ACTIVATIONS: readonly ActivationOps[] = [
  elementwise(
    (z) => z,
    (_a, g) => g,
  ),
  elementwise(
    (z) => (z > 0 ? z : 0),
    (a, g) => (a > 0 ? g : 0),
  ),
  elementwise(stableSigmoid, (a, g) => g * (a * (1 - a))),
  elementwise(Math.tanh, (a, g) => g * (1 - a * a)),
  elementwise(
    (z) => (z > 0 ? z : LEAKY_SLOPE * z),
    (a, g) => (a > 0 ? g : LEAKY_SLOPE * g),
  ),
  softmax,
];

/** max(z, 0) - z y + log1p(exp(-|z|)): binary cross-entropy of sigmoid(z), finite for every finite z. */
function binaryCrossEntropyFromLogit(z: number, y: number): number {
  return (z > 0 ? z : 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

const gemm: Kernels['gemm'] = function gemm(transA, transB, m, n, k, alpha, A, B, beta, C) {
  expectCount('gemm', 10, arguments.length);
  const t = dispatchType('gemm', 'A', A);
  flag('gemm', 'transA', transA);
  flag('gemm', 'transB', transB);
  dimension('gemm', 'm', m);
  dimension('gemm', 'n', n);
  dimension('gemm', 'k', k);
  scalar('gemm', 'alpha', alpha, t);
  floatArray('gemm', 'A', A, m * k, 'm*k', t);
  floatArray('gemm', 'B', B, k * n, 'k*n', t);
  scalar('gemm', 'beta', beta, t);
  floatArray('gemm', 'C', C, m * n, 'm*n', t);
  disjoint('gemm', 'C', C, m * n, 'A', A, m * k, false);
  disjoint('gemm', 'C', C, m * n, 'B', B, k * n, false);

  if (m === 0 || n === 0) return;
  const count = m * n;
  if (beta === 0) C.fill(0, 0, count);
  else if (beta !== 1) for (let i = 0; i < count; i++) C[i]! *= beta;
  if (k === 0 || alpha === 0) return;

  if (!transA && !transB) {
    for (let i = 0; i < m; i++) {
      const cRow = i * n;
      for (let p = 0; p < k; p++) {
        const a = alpha * A[i * k + p]!;
        const bRow = p * n;
        for (let j = 0; j < n; j++) C[cRow + j]! += a * B[bRow + j]!;
      }
    }
  } else if (transA && !transB) {
    // A is stored k x m.
    for (let p = 0; p < k; p++) {
      const bRow = p * n;
      for (let i = 0; i < m; i++) {
        const a = alpha * A[p * m + i]!;
        const cRow = i * n;
        for (let j = 0; j < n; j++) C[cRow + j]! += a * B[bRow + j]!;
      }
    }
  } else if (!transA && transB) {
    // B is stored n x k: each C element is a dot product of two contiguous rows.
    for (let i = 0; i < m; i++) {
      const aRow = i * k;
      for (let j = 0; j < n; j++) {
        const bRow = j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += A[aRow + p]! * B[bRow + p]!;
        C[i * n + j]! += alpha * sum;
      }
    }
  } else {
    // A is stored k x m and B n x k.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const bRow = j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += A[p * m + i]! * B[bRow + p]!;
        C[i * n + j]! += alpha * sum;
      }
    }
  }
};

const axpy: Kernels['axpy'] = function axpy(n, alpha, X, Y) {
  expectCount('axpy', 4, arguments.length);
  const t = dispatchType('axpy', 'X', X);
  dimension('axpy', 'n', n);
  scalar('axpy', 'alpha', alpha, t);
  floatArray('axpy', 'X', X, n, 'n', t);
  floatArray('axpy', 'Y', Y, n, 'n', t);
  disjoint('axpy', 'Y', Y, n, 'X', X, n, true);
  if (alpha === 0) return;
  for (let i = 0; i < n; i++) Y[i]! += alpha * X[i]!;
};

const addBias: Kernels['addBias'] = function addBias(rows, cols, bias, Z) {
  expectCount('addBias', 4, arguments.length);
  const t = dispatchType('addBias', 'bias', bias);
  dimension('addBias', 'rows', rows);
  dimension('addBias', 'cols', cols);
  floatArray('addBias', 'bias', bias, cols, 'cols', t);
  floatArray('addBias', 'Z', Z, rows * cols, 'rows*cols', t);
  disjoint('addBias', 'Z', Z, rows * cols, 'bias', bias, cols, false);
  if (cols === 0) return; // rows may be up to 2^31 with nothing to touch: do not walk them
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) Z[row + j]! += bias[j]!;
  }
};

const columnSums: Kernels['columnSums'] = function columnSums(rows, cols, A, out) {
  expectCount('columnSums', 4, arguments.length);
  const t = dispatchType('columnSums', 'A', A);
  dimension('columnSums', 'rows', rows);
  dimension('columnSums', 'cols', cols);
  floatArray('columnSums', 'A', A, rows * cols, 'rows*cols', t);
  floatArray('columnSums', 'out', out, cols, 'cols', t);
  disjoint('columnSums', 'out', out, cols, 'A', A, rows * cols, false);
  out.fill(0, 0, cols);
  if (cols === 0) return;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let j = 0; j < cols; j++) out[j]! += A[row + j]!;
  }
};

const gatherRows: Kernels['gatherRows'] = function gatherRows(rows, cols, X, indices, indexOffset, out) {
  expectCount('gatherRows', 6, arguments.length);
  const t = dispatchType('gatherRows', 'X', X);
  dimension('gatherRows', 'rows', rows);
  dimension('gatherRows', 'cols', cols);
  floatArray('gatherRows', 'X', X, 0, '0', t);
  indexArray('gatherRows', 'indices', indices);
  dimension('gatherRows', 'indexOffset', indexOffset);
  floatArray('gatherRows', 'out', out, rows * cols, 'rows*cols', t);
  if (indexOffset + rows > indices.length) {
    throw rangeError(
      `gatherRows: expected indices to hold at least indexOffset+rows = ${indexOffset + rows} entries but it has ${indices.length}`,
    );
  }
  if (rows === 0 || cols === 0) return;
  const sourceRows = Math.floor(X.length / cols);
  disjoint('gatherRows', 'out', out, rows * cols, 'X', X, sourceRows * cols, false);
  for (let i = 0; i < rows; i++) {
    const row = indices[indexOffset + i]!; // indexOffset + rows <= indices.length was checked above
    if (!(row >= 0 && row < sourceRows)) {
      throw rangeError(`gatherRows: indices[${indexOffset + i}] = ${row} is not a row of X (X has ${sourceRows} rows)`);
    }
  }
  for (let i = 0; i < rows; i++) {
    const source = indices[indexOffset + i]! * cols;
    out.set(X.subarray(source, source + cols), i * cols);
  }
};

const activationForward: Kernels['activationForward'] = function activationForward(activation, rows, cols, Z, A) {
  expectCount('activationForward', 5, arguments.length);
  const t = dispatchType('activationForward', 'Z', Z);
  code('activationForward', 'activation', activation, ACTIVATION_COUNT);
  dimension('activationForward', 'rows', rows);
  dimension('activationForward', 'cols', cols);
  floatArray('activationForward', 'Z', Z, rows * cols, 'rows*cols', t);
  floatArray('activationForward', 'A', A, rows * cols, 'rows*cols', t);
  disjoint('activationForward', 'A', A, rows * cols, 'Z', Z, rows * cols, true);
  ACTIVATIONS[activation]!.forward(rows, cols, Z, A);
};

const activationBackward: Kernels['activationBackward'] = function activationBackward(
  activation,
  rows,
  cols,
  Z,
  A,
  G,
  out,
) {
  expectCount('activationBackward', 7, arguments.length);
  const t = dispatchType('activationBackward', 'Z', Z);
  code('activationBackward', 'activation', activation, ACTIVATION_COUNT);
  dimension('activationBackward', 'rows', rows);
  dimension('activationBackward', 'cols', cols);
  const count = rows * cols;
  floatArray('activationBackward', 'Z', Z, count, 'rows*cols', t);
  floatArray('activationBackward', 'A', A, count, 'rows*cols', t);
  floatArray('activationBackward', 'G', G, count, 'rows*cols', t);
  floatArray('activationBackward', 'out', out, count, 'rows*cols', t);
  disjoint('activationBackward', 'out', out, count, 'Z', Z, count, true);
  disjoint('activationBackward', 'out', out, count, 'A', A, count, true);
  disjoint('activationBackward', 'out', out, count, 'G', G, count, true);
  ACTIVATIONS[activation]!.backward(rows, cols, A, G, out);
};

/** The shared head of both loss kernels, checked in the native order. */
function lossArguments(
  tag: FloatTag,
  kernel: string,
  loss: unknown,
  activation: unknown,
  rows: unknown,
  cols: unknown,
  Z: unknown,
  A: unknown,
  Y: unknown,
): void {
  const lossCode = code(kernel, 'loss', loss, LOSS_COUNT) as LossCode;
  const activationCode = code(kernel, 'activation', activation, ACTIVATION_COUNT);
  const r = dimension(kernel, 'rows', rows);
  const c = dimension(kernel, 'cols', cols);
  if (r === 0 || c === 0) {
    throw rangeError(`${kernel}: expected rows and cols to be at least 1 but received rows = ${r}, cols = ${c}`);
  }
  const required = REQUIRED_ACTIVATION[lossCode];
  if (required !== undefined && activationCode !== required) {
    throw rangeError(
      `${kernel}: the ${LOSS_NAMES[lossCode]} loss needs the ${ACTIVATION_NAMES[required]} output activation (code ${required}) but received code ${activationCode} (${ACTIVATION_NAMES[activationCode]})`,
    );
  }
  floatArray(kernel, 'Z', Z, r * c, 'rows*cols', tag);
  floatArray(kernel, 'A', A, r * c, 'rows*cols', tag);
  floatArray(kernel, 'Y', Y, r * c, 'rows*cols', tag);
}

const lossValue: Kernels['lossValue'] = function lossValue(loss, activation, rows, cols, Z, A, Y) {
  expectCount('lossValue', 7, arguments.length);
  const t = dispatchType('lossValue', 'Z', Z);
  lossArguments(t, 'lossValue', loss, activation, rows, cols, Z, A, Y);
  const count = rows * cols;
  let sum = 0;
  switch (loss) {
    case LossCode.meanSquaredError:
      return (
        laneSum(count, (i) => {
          const d = A[i]! - Y[i]!;
          return d * d;
        }) / count
      );
    case LossCode.binaryCrossEntropy:
      return laneSum(count, (i) => binaryCrossEntropyFromLogit(Z[i]!, Y[i]!)) / count;
    case LossCode.crossEntropy:
      // -sum_j y_j log softmax(z)_j = sum_j y_j (logsumexp(z) - z_j), logsumexp shifted by the max.
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        let max = Z[base]!;
        for (let j = 1; j < cols; j++) max = Z[base + j]! > max ? Z[base + j]! : max;
        let expSum = 0;
        for (let j = 0; j < cols; j++) expSum += Math.exp(Z[base + j]! - max);
        const logSumExp = max + Math.log(expSum);
        for (let j = 0; j < cols; j++) sum += Y[base + j]! * (logSumExp - Z[base + j]!);
      }
      return sum / rows;
  }
  return 0;
};

const outputDelta: Kernels['outputDelta'] = function outputDelta(loss, activation, rows, cols, Z, A, Y, delta) {
  expectCount('outputDelta', 8, arguments.length);
  const t = dispatchType('outputDelta', 'Z', Z);
  lossArguments(t, 'outputDelta', loss, activation, rows, cols, Z, A, Y);
  const count = rows * cols;
  floatArray('outputDelta', 'delta', delta, count, 'rows*cols', t);
  disjoint('outputDelta', 'delta', delta, count, 'Z', Z, count, true);
  disjoint('outputDelta', 'delta', delta, count, 'A', A, count, false);
  disjoint('outputDelta', 'delta', delta, count, 'Y', Y, count, false);
  switch (loss) {
    case LossCode.meanSquaredError: {
      const scale = 2 / count;
      for (let i = 0; i < count; i++) delta[i] = scale * (A[i]! - Y[i]!);
      ACTIVATIONS[activation]!.backward(rows, cols, A, delta, delta);
      return;
    }
    case LossCode.binaryCrossEntropy: {
      const scale = 1 / count;
      for (let i = 0; i < count; i++) delta[i] = scale * (A[i]! - Y[i]!);
      return;
    }
    case LossCode.crossEntropy: {
      // d/dz_j = a_j * sum(y) - y_j: exactly a - y for targets that sum to 1, exact for any targets.
      const scale = 1 / rows;
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        let targetSum = 0;
        for (let j = 0; j < cols; j++) targetSum += Y[base + j]!;
        for (let j = 0; j < cols; j++) delta[base + j] = scale * (A[base + j]! * targetSum - Y[base + j]!);
      }
      return;
    }
  }
};

const layerKernels = {
  gemm,
  axpy,
  addBias,
  columnSums,
  gatherRows,
  activationForward,
  activationBackward,
  lossValue,
  outputDelta,
};

/** The pure-TypeScript backend. */
export const jsBackend: Backend = {
  name: 'js',
  ...layerKernels,
  ...networkKernels(layerKernels),
  ...optimizerKernels,
  ...randomKernels,
};
