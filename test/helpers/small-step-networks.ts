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
  // The AVX2 clone's wider columns (What we tried, 81): 5-8 units (two registers of doubles, one of floats),
  // and in float32 4 units and 17-32 (three and four registers); in float64 the networks with 4 or more than
  // 16 units take the general path on both sides of each comparison.
  {
    name: '64-8-8-10 relu/relu/sigmoid, MSE (workload E at width 8)',
    dims: [64, 8, 8, 10],
    acts: [Act.relu, Act.relu, Act.sigmoid],
    loss: Loss.meanSquaredError,
  },
  {
    name: '12-6-5-7 sigmoid/relu/softmax, cross-entropy',
    dims: [12, 6, 5, 7],
    acts: [Act.sigmoid, Act.relu, Act.softmax],
    loss: Loss.crossEntropy,
  },
  {
    name: '10-4-8 relu/sigmoid, binary cross-entropy (float32: one register)',
    dims: [10, 4, 8],
    acts: [Act.relu, Act.sigmoid],
    loss: Loss.binaryCrossEntropy,
  },
  {
    name: '24-24-20-10 relu/tanh/sigmoid, MSE (workload E at width 24, float32: three registers)',
    dims: [24, 24, 20, 10],
    acts: [Act.relu, Act.tanh, Act.sigmoid],
    loss: Loss.meanSquaredError,
  },
  {
    name: '30-32-25 leaky/identity, MSE (float32: four registers)',
    dims: [30, 32, 25],
    acts: [Act.leakyRelu, Act.identity],
    loss: Loss.meanSquaredError,
  },
];
