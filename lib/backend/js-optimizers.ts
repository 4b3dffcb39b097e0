/**
 * The optimizer kernels of the js backend: the same PyTorch formulas in the same order as
 * native/kernels/optimizers.h, with the same argument checks as native/bindings/optimizers.cc.
 */
import {
  dimension,
  dispatchType,
  disjoint,
  expectCount,
  flag,
  floatArray,
  rangeError,
  scalar,
  type FloatTag,
} from './arguments';
import type { OptimizerKernels } from './kernels';

/**
 * The checks every optimizer kernel begins with, in the native order: the argument count, the element
 * type (params'), n and the learning rate. Returns the element type.
 */
function checkStart(
  kernel: string,
  expected: number,
  received: number,
  params: unknown,
  n: unknown,
  learningRate: unknown,
): FloatTag {
  expectCount(kernel, expected, received);
  const t = dispatchType(kernel, 'params', params);
  dimension(kernel, 'n', n);
  scalar(kernel, 'learningRate', learningRate, t);
  return t;
}

/** Rounds each result to the element type: Math.fround for float32, nothing for float64. */
function rounding(t: FloatTag): (x: number) => number {
  return t === 'Float32Array' ? Math.fround : (x: number) => x;
}

/** Stores into a Float32Array round each result, as float arithmetic does natively. */
export const optimizerKernels: OptimizerKernels = {
  sgdStep(n, learningRate, momentum, nesterov, weightDecay, params, gradients, velocity) {
    const kernel = 'sgdStep';
    const t = checkStart(kernel, 8, arguments.length, params, n, learningRate);
    scalar(kernel, 'momentum', momentum, t);
    flag(kernel, 'nesterov', nesterov);
    scalar(kernel, 'weightDecay', weightDecay, t);
    floatArray(kernel, 'params', params, n, 'n', t);
    floatArray(kernel, 'gradients', gradients, n, 'n', t);
    const stateful = momentum !== 0;
    floatArray(kernel, 'velocity', velocity, stateful ? n : 0, stateful ? 'n (momentum is not 0)' : '0', t);
    disjoint(kernel, 'params', params, n, 'gradients', gradients, n, false);
    disjoint(kernel, 'velocity', velocity, stateful ? n : 0, 'params', params, n, false);
    disjoint(kernel, 'velocity', velocity, stateful ? n : 0, 'gradients', gradients, n, false);
    const round = rounding(t);
    const lr = round(learningRate);
    const mu = round(momentum);
    const wd = round(weightDecay);
    for (let i = 0; i < n; i++) {
      const g = wd !== 0 ? round(gradients[i]! + round(wd * params[i]!)) : gradients[i]!;
      if (!stateful) {
        params[i] = params[i]! - round(lr * g);
        continue;
      }
      velocity[i] = round(round(mu * velocity[i]!) + g);
      const step = nesterov ? round(g + round(mu * velocity[i]!)) : velocity[i]!;
      params[i] = params[i]! - round(lr * step);
    }
  },

  adamStep(n, learningRate, beta1, beta2, epsilon, weightDecay, decoupled, step, params, gradients, m, v) {
    const kernel = 'adamStep';
    const t = checkStart(kernel, 12, arguments.length, params, n, learningRate);
    scalar(kernel, 'beta1', beta1, t);
    scalar(kernel, 'beta2', beta2, t);
    scalar(kernel, 'epsilon', epsilon, t);
    scalar(kernel, 'weightDecay', weightDecay, t);
    flag(kernel, 'decoupled', decoupled);
    dimension(kernel, 'step', step);
    if (step < 1 || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw rangeError(
        `adamStep: expected step >= 1 and 0 <= beta1, beta2 < 1 but received step ${step}, beta1 ${beta1}, beta2 ${beta2}`,
      );
    }
    floatArray(kernel, 'params', params, n, 'n', t);
    floatArray(kernel, 'gradients', gradients, n, 'n', t);
    floatArray(kernel, 'm', m, n, 'n', t);
    floatArray(kernel, 'v', v, n, 'n', t);
    disjoint(kernel, 'params', params, n, 'gradients', gradients, n, false);
    disjoint(kernel, 'm', m, n, 'params', params, n, false);
    disjoint(kernel, 'm', m, n, 'gradients', gradients, n, false);
    disjoint(kernel, 'v', v, n, 'params', params, n, false);
    disjoint(kernel, 'v', v, n, 'gradients', gradients, n, false);
    disjoint(kernel, 'v', v, n, 'm', m, n, false);
    const round = rounding(t);
    const lr = round(learningRate);
    const b1 = round(beta1);
    const b2 = round(beta2);
    const eps = round(epsilon);
    const wd = round(weightDecay);
    const correction1 = round(1 - round(b1 ** step));
    const correction2 = round(1 - round(b2 ** step));
    const stepSize = round(lr / correction1);
    const correction2Sqrt = round(Math.sqrt(correction2));
    const shrink = round(1 - round(lr * wd));
    for (let i = 0; i < n; i++) {
      let p = params[i]!;
      let g = gradients[i]!;
      if (wd !== 0) {
        if (decoupled) p = round(p * shrink);
        else g = round(g + round(wd * p));
      }
      const first = round(round(m[i]! * b1) + round(round(1 - b1) * g));
      const second = round(round(v[i]! * b2) + round(round(round(1 - b2) * g) * g));
      m[i] = first;
      v[i] = second;
      const denominator = round(round(round(Math.sqrt(second)) / correction2Sqrt) + eps);
      params[i] = round(p - round(stepSize * round(first / denominator)));
    }
  },
};
