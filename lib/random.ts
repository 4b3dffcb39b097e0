/**
 * The library's own seeded random numbers: xoshiro128** seeded through splitmix32. Weight initialisation
 * and shuffling draw from it, so one seed gives the same network and the same training run on every
 * backend and every run for one JavaScript engine on one arch (only integer arithmetic and
 * `Math.log`/`Math.sin`/`Math.cos`/`Math.sqrt`). Across those it is the same only to rounding: Bun's
 * JavaScriptCore and Deno 2.9's newer V8 differ from Node 20 in the last bit of log, sin and cos (so the
 * package test's network starts 1 ulp apart there), and Node 20 for linux-arm64 differs from linux-x64 in
 * the last bit of some sin, cos and exp values (measured under qemu; that network's weights came out
 * identical).
 */

const TWO_POW_32 = 4294967296;
/** integer(n) takes one 32-bit draw up to this n (see there). */
const LEMIRE_LIMIT = 2097152;

/**
 * A generator's whole state, as plain data: enough to continue its sequence exactly elsewhere (a worker
 * thread, a saved model). `state` is xoshiro's four 32-bit words; `spareNormal` the second normal of the
 * last Box-Muller pair, when it has not been drawn yet.
 */
export interface RandomState {
  state: [number, number, number, number];
  spareNormal: number | null;
}
const TWO_POW_53 = 9007199254740992;

/**
 * What {@link Random.permutationBy} hands its kernel the words in: one per thread (each worker has its
 * own module instance), and the call is synchronous.
 */
const KERNEL_WORDS = new Uint32Array(4);

/** A kernel that runs {@link Random.permutation}'s draws: a backend's `permutation` (lib/backend/kernels.ts). */
export interface PermutationKernel {
  permutation(state: Uint32Array, order: Uint32Array): void;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** A seeded generator. Not for cryptography. */
export class Random {
  // xoshiro's words, as doubles from the start (NaN until the constructor sets them): a field that began
  // as a small integer changes its representation the first time it holds a word beyond 2^30, which
  // replaces the object's hidden class and leaves optimised code that saw the old one (the fill methods'
  // write-back) without feedback, so V8 threw it away mid-network.
  private s0 = Number.NaN;
  private s1 = Number.NaN;
  private s2 = Number.NaN;
  private s3 = Number.NaN;
  // The spare normal and whether there is one, rather than `number | undefined`: a field that may be
  // undefined holds each number as a fresh heap object, one per pair of weights drawn; initialising a
  // 784-512-512-10 network allocated 14.6 MB of them, 4.9 MB with this field (bench/README.md).
  private spareNormal = Number.NaN; // a double from the start (0 would start as a small integer and change)
  private hasSpareNormal = false;

  /** @param seed - any safe integer; the same seed always gives the same sequence */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Expected seed to be a safe integer but received ${seed}`);
    let state = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x27d4eb2f);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, value] = splitmix32(state);
      state = next;
      words.push(value);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    // xoshiro's state must not be all zero; splitmix32 makes that practically impossible, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A copy of the generator's state: `new Random(0).setState(r.getState())` continues r's sequence. */
  getState(): RandomState {
    return {
      state: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.hasSpareNormal ? this.spareNormal : null,
    };
  }

  /**
   * Replaces the state with one from {@link Random.getState}.
   * @throws RangeError when `value` is not such a state (four 32-bit unsigned integers, not all zero, and a
   *   finite spare or null); the generator is unchanged then
   */
  setState(value: RandomState): this {
    const words = (value as Partial<RandomState> | null)?.state;
    const spare = (value as Partial<RandomState> | null)?.spareNormal;
    const validWords =
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) &&
      words.some((w) => w !== 0);
    if (!validWords || !(spare === null || (typeof spare === 'number' && Number.isFinite(spare)))) {
      throw new RangeError(
        'Expected a Random state { state: four 32-bit unsigned integers, not all 0, spareNormal: a finite number or null }',
      );
    }
    // The arithmetic treats the words as 32-bit patterns, so signed or unsigned storage gives the same sequence.
    [this.s0, this.s1, this.s2, this.s3] = (words as number[]).map((w) => w | 0) as [number, number, number, number];
    this.hasSpareNormal = spare !== null;
    this.spareNormal = spare ?? Number.NaN;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /**
   * A uniform integer in [0, n), for n up to 2^32. Up to 2^21 it takes one 32-bit draw (Lemire's
   * multiply-shift with rejection: unbiased, and x * n stays below 2^53, so exact in doubles); beyond,
   * a 53-bit uniform scaled (its bias, at most n / 2^53, is immaterial). Shuffling uses it once per row.
   */
  integer(n: number): number {
    if (n <= LEMIRE_LIMIT) {
      let product = this.nextUint32() * n;
      let high = Math.floor(product / TWO_POW_32);
      let low = product - high * TWO_POW_32;
      if (low < n) {
        // Reject the few products whose low part would favour some results.
        const threshold = (TWO_POW_32 - n) % n;
        while (low < threshold) {
          product = this.nextUint32() * n;
          high = Math.floor(product / TWO_POW_32);
          low = product - high * TWO_POW_32;
        }
      }
      return high;
    }
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal number (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    // 1 - uniform() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
  }

  /**
   * Fills `target` with `normal() * scale`, the same numbers in the same order (a spare normal first,
   * one left over at an odd end), bit for bit. Why not a loop over `normal()`: V8 kept that loop's
   * numbers boxed (the optimised code still allocated ~20 bytes a weight, 13 MB of short-lived heap
   * numbers for workload B's 670,000 weights, whose young-generation pages stay in RSS). Here the state
   * lives in locals and xoshiro128** is written out in line, so once V8 optimises the loop (early in the
   * first large layer) nothing is allocated. Keep its arithmetic in step with nextUint32, uniform and normal.
   */
  fillNormal(target: Float64Array | Float32Array, scale: number): void {
    const n = target.length;
    let i = 0;
    if (n > 0 && this.hasSpareNormal) {
      this.hasSpareNormal = false;
      target[i++] = this.spareNormal * scale;
    }
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    while (i < n) {
      let x = Math.imul(s1, 5);
      const r0 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const r1 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const r2 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const r3 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const u0 = ((r0 >>> 5) * 67108864 + (r1 >>> 6)) / TWO_POW_53;
      const u1 = ((r2 >>> 5) * 67108864 + (r3 >>> 6)) / TWO_POW_53;
      const radius = Math.sqrt(-2 * Math.log(1 - u0));
      const angle = 2 * Math.PI * u1;
      target[i++] = radius * Math.cos(angle) * scale;
      if (i < n) {
        target[i++] = radius * Math.sin(angle) * scale;
      } else {
        this.spareNormal = radius * Math.sin(angle);
        this.hasSpareNormal = true;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Fills `target` with `(2 * uniform() - 1) * limit`, the same numbers in the same order, bit for bit,
   * without boxing them (as {@link Random.fillNormal}).
   */
  fillSymmetricUniform(target: Float64Array | Float32Array, limit: number): void {
    const n = target.length;
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < n; i++) {
      let x = Math.imul(s1, 5);
      const r0 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const r1 = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      target[i] = (2 * (((r0 >>> 5) * 67108864 + (r1 >>> 6)) / TWO_POW_53) - 1) * limit;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Fills `order` with a uniformly random permutation of 0 .. length - 1 (Fisher-Yates from the identity).
   * The training loop's per-epoch shuffle: a Uint32Array only, so the loop stays monomorphic and fast.
   */
  permutation(order: Uint32Array): void {
    for (let i = 0; i < order.length; i++) order[i] = i;
    let i = order.length - 1;
    // Beyond 2^21 rows, integer() takes its 53-bit path: rare, left to the method.
    for (; i >= LEMIRE_LIMIT; i--) {
      const j = this.integer(i + 1);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    // integer(i + 1) with xoshiro128** in locals, written out in line as fillNormal does: the same draws and
    // the same results, bit for bit, without a field load and store per word (the shuffle was 4.6% of
    // workload A's fit). Keep it in step with nextUint32 and integer.
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (; i > 0; i--) {
      const bound = i + 1;
      let x = Math.imul(s1, 5);
      let product = (Math.imul((x << 7) | (x >>> 25), 9) >>> 0) * bound;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      let high = Math.floor(product / TWO_POW_32);
      let low = product - high * TWO_POW_32;
      if (low < bound) {
        const threshold = (TWO_POW_32 - bound) % bound;
        while (low < threshold) {
          x = Math.imul(s1, 5);
          product = (Math.imul((x << 7) | (x >>> 25), 9) >>> 0) * bound;
          t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
          high = Math.floor(product / TWO_POW_32);
          low = product - high * TWO_POW_32;
        }
      }
      const swap = order[i]!;
      order[i] = order[high]!;
      order[high] = swap;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * {@link Random.permutation} run by `kernels.permutation`, which makes the same draws (the native
   * backend's in native code: the training loop's shuffle cost ~7.5 ns a row here, bench/README.md What
   * we tried 70): the generator's words go out to the kernel and come back, so the order and the state
   * after are exactly permutation's.
   */
  permutationBy(kernels: PermutationKernel, order: Uint32Array): void {
    const words = KERNEL_WORDS;
    words[0] = this.s0;
    words[1] = this.s1;
    words[2] = this.s2;
    words[3] = this.s3;
    kernels.permutation(words, order);
    // As 32-bit patterns in int32 form, as permutation leaves them (setState explains why either works).
    this.s0 = words[0]! | 0;
    this.s1 = words[1]! | 0;
    this.s2 = words[2]! | 0;
    this.s3 = words[3]! | 0;
  }

  /** Shuffles `values` in place (Fisher-Yates), uniformly over all orders. */
  shuffle(values: Uint32Array | Int32Array | number[]): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const swap = values[i] as number;
      values[i] = values[j] as number;
      values[j] = swap;
    }
  }
}

// Type feedback for every path of the fill methods (a spare normal at the start, one left at the end, the
// state written back, both array kinds): V8 optimises their loop part way through the first large layer,
// and a path without feedback (the write-back after the loop, never reached by then) threw that code
// away, so the next layer's draw started unoptimised and boxed its numbers again. A throwaway generator,
// a few hundred numbers: no one's sequence changes. Sixteen rounds, because V8 gives a function a place
// to record feedback only after its first 8 calls.
{
  const warm = new Random(1);
  const targets = [new Float64Array(3), new Float32Array(3)];
  for (let round = 0; round < 16; round++) {
    warm.fillNormal(targets[round & 1]!, 1);
    warm.fillSymmetricUniform(targets[round & 1]!, 1);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
