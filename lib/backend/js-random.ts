/**
 * The js backend's shuffle kernel: Random.permutation itself, on a generator set to the given words and
 * read back after. It is the reference the native kernel (native/kernels/random.h) is tested against.
 */
import { Random } from '../random';
import { disjoint, expectCount, rangeError, uint32Array } from './arguments';
import type { RandomKernels } from './kernels';

/** A Uint32Array of up to 2^32 elements holds every index Random.integer can draw. */
const MAX_PERMUTATION = 2 ** 32;

/**
 * One generator per thread, given each call's words: V8's optimised code for Random.permutation holds its
 * receiver weakly, so a fresh generator per call would let that code die with it (lib/train/worker.ts).
 */
const generator = new Random(0);

export const randomKernels: RandomKernels = {
  permutation(state, order) {
    const kernel = 'permutation';
    expectCount(kernel, 2, arguments.length);
    uint32Array(kernel, 'state', state);
    uint32Array(kernel, 'order', order);
    if (state.length < 4) {
      throw rangeError(
        `${kernel}: expected state to hold at least 4 elements (xoshiro128**'s words) but it has ${state.length}`,
      );
    }
    if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) {
      throw rangeError(`${kernel}: expected state's 4 words not to be all 0 (xoshiro128** would draw only zeros)`);
    }
    if (order.length > MAX_PERMUTATION) {
      throw rangeError(`${kernel}: expected order to hold at most 2^32 elements but it has ${order.length}`);
    }
    disjoint(kernel, 'order', order, order.length, 'state', state, 4, false);
    generator.setState({ state: [state[0]!, state[1]!, state[2]!, state[3]!], spareNormal: null });
    generator.permutation(order);
    state.set(generator.getState().state);
  },
};
