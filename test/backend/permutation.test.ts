/**
 * The shuffle kernel (`permutation`, native/kernels/random.h) against the reference it must follow draw for
 * draw: Fisher-Yates from the identity over Random.integer(i + 1), written out here as in
 * test/random.test.ts rather than taken from Random.permutation. The orders and the generator's words after
 * must be the same bits on both backends, for sizes around every path of integer(): tiny ones, workload A's
 * 1797 rows, and sizes up to and past 2^21, where the rejection loop runs (a draw is rejected with
 * probability (2^32 mod n) / 2^32, up to 2^-11) and, past 2^21, the 53-bit path (two draws a swap). That
 * those paths ran is checked by counting the draws. Bad arguments throw the same typed errors on both
 * backends and write nothing.
 */
import { backends, type Backend } from '../../lib';
import { Random } from '../../lib/random';
import { describeBackends } from '../helpers/backends';

/** Fisher-Yates over Random.integer, as Random.permutation promises. */
function reference(random: Random, order: Uint32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.integer(i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
}

/** How many 32-bit draws take `from`'s words to `to`'s (at most `limit`). */
function drawsBetween(from: Random, to: Random, limit: number): number {
  const target = to.getState().state.join();
  const walker = new Random(0).setState(from.getState());
  for (let draws = 0; draws <= limit; draws++) {
    if (walker.getState().state.join() === target) return draws;
    walker.nextUint32();
  }
  return -1;
}

const words = (random: Random) => Uint32Array.from(random.getState().state);
const LEMIRE_LIMIT = 2 ** 21;

describe('permutation: native draws exactly what Random draws', () => {
  it.each([
    [0, 4],
    [1, 4],
    [2, 4],
    [3, 4],
    [17, 4],
    [64, 4],
    [1797, 4],
    [65537, 2],
    [LEMIRE_LIMIT - 1, 1],
    [LEMIRE_LIMIT + 1, 1],
    [LEMIRE_LIMIT + 40, 1],
  ])('%d rows (%d seeds)', (rows, seeds) => {
    for (const seed of [1, 20261201, 2 ** 40, 7].slice(0, seeds)) {
      const expected = new Random(seed);
      const state = words(expected);
      const start = new Random(0).setState(expected.getState());
      const want = new Uint32Array(rows);
      const got = new Uint32Array(rows);
      for (let epoch = 0; epoch < (rows > 10000 ? 1 : 20); epoch++) {
        reference(expected, want);
        backends.native.permutation(state, got);
        if (!Buffer.from(got.buffer).equals(Buffer.from(want.buffer))) throw new Error(`seed ${seed} epoch ${epoch}`);
        expect(Array.from(state)).toEqual(expected.getState().state);
      }
      if (rows >= LEMIRE_LIMIT - 1) {
        // One draw a swap, two for each swap past 2^21; more means rejected draws (some 500 expected here,
        // against ~0.5 at 65537 rows).
        const big = Math.max(0, rows - LEMIRE_LIMIT);
        const plain = rows - 1 + big;
        const draws = drawsBetween(start, expected, plain + 10000);
        expect(draws).toBeGreaterThan(plain);
      }
    }
  });

  it('the js backend runs Random.permutation itself, and permutationBy continues the sequence on either', () => {
    for (const backend of [backends.native, backends.js]) {
      const a = new Random(99);
      const b = new Random(99);
      const x = new Uint32Array(500);
      const y = new Uint32Array(500);
      for (let epoch = 0; epoch < 5; epoch++) {
        a.permutation(x);
        b.permutationBy(backend, y);
        expect(Array.from(y)).toEqual(Array.from(x));
        // The normals and uniforms after are the same too.
        expect(b.normal()).toBe(a.normal());
        expect(b.uniform()).toBe(a.uniform());
      }
      expect(b.getState()).toEqual(a.getState());
    }
  });
});

type Kind = typeof TypeError | typeof RangeError;

describeBackends('permutation argument checks', (backend: Backend) => {
  const call = backend.permutation as (...args: unknown[]) => void;
  const state = () => Uint32Array.from([1, 2, 3, 4]);
  const detached = () => {
    const array = new Uint32Array(4).fill(1);
    structuredClone(array.buffer, { transfer: [array.buffer] });
    return array;
  };
  const shared = new Uint32Array(10).fill(5);
  it.each<[string, () => unknown[], Kind, RegExp]>([
    ['one argument', () => [state()], TypeError, /permutation expects 2 arguments but received 1/],
    [
      'state a Float64Array',
      () => [new Float64Array(4), new Uint32Array(3)],
      TypeError,
      /permutation: expected state to be a Uint32Array but received Float64Array/,
    ],
    [
      'order an Int32Array',
      () => [state(), new Int32Array(3)],
      TypeError,
      /permutation: expected order to be a Uint32Array but received Int32Array/,
    ],
    ['order an Array', () => [state(), [0, 1]], TypeError, /expected order to be a Uint32Array but received an Array/],
    [
      'state detached',
      () => [detached(), new Uint32Array(3)],
      TypeError,
      /state is a Uint32Array whose buffer is detached/,
    ],
    [
      'state of 3 words',
      () => [Uint32Array.from([1, 2, 3]), new Uint32Array(3)],
      RangeError,
      /permutation: expected state to hold at least 4 elements \(xoshiro128\*\*'s words\) but it has 3/,
    ],
    [
      'state all zero',
      () => [new Uint32Array(4), new Uint32Array(3)],
      RangeError,
      /permutation: expected state's 4 words not to be all 0/,
    ],
    [
      'order overlapping state',
      () => [shared.subarray(0, 4), shared.subarray(2, 8)],
      RangeError,
      /permutation: order overlaps state; the output must be separate memory/,
    ],
  ])('%s', (_description, args, kind, message) => {
    const made = args();
    const before = made.map((a) => (a instanceof Uint32Array && a.byteLength > 0 ? Array.from(a) : undefined));
    let thrown: unknown;
    try {
      call(...made);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(kind);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as { code?: string }).code).toBe(kind === TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE');
    // Nothing was written: neither the words nor the order.
    made.forEach((a, i) => {
      if (before[i] !== undefined) expect(Array.from(a as Uint32Array)).toEqual(before[i]);
    });
  });

  it('an empty order leaves the words as they were; one row draws nothing either', () => {
    for (const rows of [0, 1]) {
      const words = state();
      const order = new Uint32Array(rows).fill(9);
      backend.permutation(words, order);
      expect(Array.from(words)).toEqual([1, 2, 3, 4]);
      expect(Array.from(order)).toEqual(rows === 1 ? [0] : []);
    }
  });
});
