/**
 * The networks the small-network step's bit-for-bit specs train (small-step-bits, fused-update-bits): every
 * product in the AVX2 small kernel's rule, with each activation and loss kind among them.
 */
import { ActivationCode as Act, LossCode as Loss } from '../../lib';

export const SMALL_STEP_NETWORKS: { name: string; dims: number[]; acts: Act[]; loss: Loss }[] = [
  {
    name: '64-15-10 relu/sigmoid, MSE (workload A)',
    dims: [64, 15, 10],
    acts: [Act.relu, Act.sigmoid],
    loss: Loss.meanSquaredError,
  },
  {
    name: '20-12-16-9 tanh/relu/softmax, cross-entropy',
    dims: [20, 12, 16, 9],
    acts: [Act.tanh, Act.relu, Act.softmax],
    loss: Loss.crossEntropy,
  },
  {
    name: '40-9-13 leaky/sigmoid, binary cross-entropy',
    dims: [40, 9, 13],
    acts: [Act.leakyRelu, Act.sigmoid],
    loss: Loss.binaryCrossEntropy,
  },
  { name: '64-16 one identity layer, MSE', dims: [64, 16], acts: [Act.identity], loss: Loss.meanSquaredError },
];
