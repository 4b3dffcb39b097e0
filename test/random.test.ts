import { Random } from '../lib';

describe('Random', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new Random(1);
    const b = new Random(1);
    const c = new Random(2);
    const seqA = Array.from({ length: 10 }, () => a.nextUint32());
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 10 }, () => c.nextUint32())).not.toEqual(seqA);
    expect(seqA.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
  });

  it('draws uniforms in [0, 1) and standard normals with the right moments', () => {
    const random = new Random(123);
    const n = 200_000;
    let sum = 0;
    let sumSquares = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = random.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      const z = random.normal();
      sum += z;
      sumSquares += z * z;
    }
    expect(outside).toBe(0);
    // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow about 4 of them.
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sumSquares / n - 1)).toBeLessThan(0.015);
  });

  it('shuffles into a permutation, every position reachable', () => {
    const random = new Random(5);
    const seenFirst = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const values = Uint32Array.from({ length: 6 }, (_, i) => i);
      random.shuffle(values);
      expect([...values].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      seenFirst.add(values[0]!);
    }
    expect(seenFirst.size).toBe(6);
  });

  // permutation() runs xoshiro128** and integer()'s draw in locals (lib/random.ts): it must give the orders,
  // and leave the state, of Fisher-Yates from the identity over integer(i + 1), bit for bit. Sizes: empty,
  // tiny, workload A's 1797 rows, and 40 past integer()'s one-draw limit (2^21): its first swaps take the
  // 53-bit path, and the ~2 million after it pass through the rejection loop a few hundred times (a draw is
  // rejected with probability (2^32 mod n) / 2^32, up to 2^-11 for n near 2^21).
  it.each([
    [0, 3],
    [1, 3],
    [2, 3],
    [3, 3],
    [17, 3],
    [1797, 3],
    [2097152 + 40, 1],
  ])('permutation of %d rows is Fisher-Yates over integer() (%d seeds)', (rows, seeds) => {
    const reference = (random: Random, order: Uint32Array) => {
      for (let i = 0; i < order.length; i++) order[i] = i;
      for (let i = order.length - 1; i > 0; i--) {
        const j = random.integer(i + 1);
        const swap = order[i]!;
        order[i] = order[j]!;
        order[j] = swap;
      }
    };
    for (const seed of [1, 20261201, 2 ** 40].slice(0, seeds)) {
      const a = new Random(seed);
      const b = new Random(seed);
      const expected = new Uint32Array(rows);
      const actual = new Uint32Array(rows);
      for (let epoch = 0; epoch < (rows > 10000 ? 1 : 25); epoch++) {
        reference(a, expected);
        b.permutation(actual);
        expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
      expect(b.getState()).toEqual(a.getState());
    }
  });

  it('continues its exact sequence from a saved state, a spare normal included', () => {
    const a = new Random(9);
    for (let i = 0; i < 1000; i++) a.nextUint32();
    a.normal(); // leaves a spare normal in the state
    const state = a.getState();
    expect(state.spareNormal).not.toBeNull();
    expect(state.state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
    // Through JSON, as it travels to a worker thread or a model file.
    const b = new Random(0).setState(JSON.parse(JSON.stringify(state)));
    const draw = (r: Random) => [r.normal(), r.normal(), r.nextUint32(), r.uniform(), r.integer(1000)];
    expect(draw(b)).toEqual(draw(a));
  });

  it.each([
    ['a missing state', {}],
    ['three words', { state: [1, 2, 3], spareNormal: null }],
    ['a word out of range', { state: [1, 2, 3, 2 ** 32], spareNormal: null }],
    ['all-zero words', { state: [0, 0, 0, 0], spareNormal: null }],
    ['a NaN spare', { state: [1, 2, 3, 4], spareNormal: NaN }],
  ])('rejects %s and keeps its own state', (_title, state) => {
    const random = new Random(3);
    const before = random.getState();
    expect(() => random.setState(state as never)).toThrow(/Expected a Random state/);
    expect(random.getState()).toEqual(before);
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
  });
});
