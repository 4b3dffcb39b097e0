/**
 * Random kernel calls: mostly well-formed (dimensions that fit the arrays), then mutated: a dimension
 * made 0, negative, fractional, NaN, 2^31 or 2^53; an argument swapped for a value of the wrong type; an
 * array made too short or of the wrong element type; an output aliased onto an input; a buffer detached;
 * an argument added or dropped.
 */
import { ACTIVATION_COUNT, LOSS_COUNT, REQUIRED_ACTIVATION } from '../../lib/backend/kernels';
import { Random } from '../../lib/random';
import type { ArgSpec, CallSpec, ViewKind, ViewSpec } from './memory';

const STRANGE_NUMBERS = [
  0,
  1,
  -1,
  -0,
  0.5,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 32,
  2 ** 53,
  -(2 ** 31),
  1e300,
];
const WRONG_TYPES: unknown[] = [
  undefined,
  null,
  true,
  false,
  'a string',
  '3',
  {},
  [],
  [1, 2, 3],
  () => 0,
  10n,
  Symbol('s'),
];
const WRONG_VIEWS: ViewKind[] = [
  'Float64Array',
  'Float32Array',
  'Int32Array',
  'Uint8Array',
  'BigInt64Array',
  'Uint32Array',
];

class Builder {
  readonly buffers: ArrayBuffer[] = [];
  readonly kinds: ViewKind[] = [];
  readonly args: ArgSpec[] = [];
  /** The call's element type: every float array of one call shares it. */
  readonly float: 'Float64Array' | 'Float32Array';
  constructor(private readonly random: Random) {
    this.float = random.uniform() < 0.5 ? 'Float64Array' : 'Float32Array';
  }

  /** A new float view of `length` elements, with slack on both sides, filled with values in [-3, 3]. */
  floats(length: number): ViewSpec {
    const before = this.random.integer(3);
    const after = this.random.integer(3);
    const data =
      this.float === 'Float64Array'
        ? new Float64Array(before + length + after)
        : new Float32Array(before + length + after);
    for (let i = 0; i < data.length; i++) data[i] = (this.random.uniform() * 2 - 1) * 3;
    this.buffers.push(data.buffer as ArrayBuffer);
    this.kinds.push(this.float);
    return { buffer: this.buffers.length - 1, kind: this.float, offset: before, length };
  }

  /** A Float64Array whatever the call's element type (the losses of networkSteps). */
  float64(length: number): ViewSpec {
    const data = new Float64Array(length + this.random.integer(2));
    this.buffers.push(data.buffer);
    this.kinds.push('Float64Array');
    return { buffer: this.buffers.length - 1, kind: 'Float64Array', offset: 0, length };
  }

  int32(values: number[], kind: 'Int32Array' | 'Uint32Array' = 'Int32Array'): ViewSpec {
    const data = kind === 'Int32Array' ? Int32Array.from(values) : Uint32Array.from(values.map((v) => v >>> 0));
    this.buffers.push(data.buffer);
    this.kinds.push(kind);
    return { buffer: this.buffers.length - 1, kind, offset: 0, length: values.length };
  }

  value(v: unknown): this {
    this.args.push({ value: v });
    return this;
  }

  view(v: ViewSpec): this {
    this.args.push({ view: v });
    return this;
  }
}

const small = (r: Random) => r.integer(6);
const positive = (r: Random) => 1 + r.integer(5);

type Generator = (r: Random, b: Builder) => void;

function activationFor(r: Random): number {
  return r.integer(ACTIVATION_COUNT);
}

/** A loss and an output activation that suits it. */
function lossPair(r: Random): [number, number] {
  const loss = r.integer(LOSS_COUNT);
  const required = REQUIRED_ACTIVATION[loss as 0 | 1 | 2];
  return [loss, required ?? activationFor(r)];
}

/** A network layout [L, d_0..d_L, f_1..f_L] with a few small layers; softmax only last. */
function layout(r: Random, output?: number): { code: number[]; units: number[]; params: number; unitSum: number } {
  const layers = 1 + r.integer(3);
  const units = Array.from({ length: layers + 1 }, () => 1 + r.integer(5));
  const acts = Array.from({ length: layers }, () => r.integer(ACTIVATION_COUNT - 1));
  acts[layers - 1] = output ?? r.integer(ACTIVATION_COUNT);
  let params = 0;
  for (let i = 0; i < layers; i++) params += units[i]! * units[i + 1]! + units[i + 1]!;
  return { code: [layers, ...units, ...acts], units, params, unitSum: units.slice(1).reduce((s, d) => s + d, 0) };
}

export const GENERATORS: Record<string, Generator> = {
  gemm(r, b) {
    const [m, n, k] = [small(r), small(r), small(r)];
    b.value(r.uniform() < 0.5)
      .value(r.uniform() < 0.5)
      .value(m)
      .value(n)
      .value(k)
      .value(r.uniform() * 2 - 1);
    b.view(b.floats(m * k))
      .view(b.floats(k * n))
      .value(r.uniform() < 0.3 ? 0 : r.uniform() * 2 - 1)
      .view(b.floats(m * n));
  },
  axpy(r, b) {
    const n = small(r);
    b.value(n)
      .value(r.uniform() * 2 - 1)
      .view(b.floats(n))
      .view(b.floats(n));
  },
  addBias(r, b) {
    const [rows, cols] = [small(r), small(r)];
    b.value(rows)
      .value(cols)
      .view(b.floats(cols))
      .view(b.floats(rows * cols));
  },
  columnSums(r, b) {
    const [rows, cols] = [small(r), small(r)];
    b.value(rows)
      .value(cols)
      .view(b.floats(rows * cols))
      .view(b.floats(cols));
  },
  gatherRows(r, b) {
    const [rows, cols, source] = [small(r), positive(r), positive(r)];
    const offset = r.integer(3);
    const indices = Array.from({ length: offset + rows }, () => r.integer(source));
    b.value(rows)
      .value(cols)
      .view(b.floats(source * cols));
    b.view(b.int32(indices, r.uniform() < 0.5 ? 'Int32Array' : 'Uint32Array'))
      .value(offset)
      .view(b.floats(rows * cols));
  },
  activationForward(r, b) {
    const [rows, cols] = [small(r), small(r)];
    b.value(activationFor(r))
      .value(rows)
      .value(cols)
      .view(b.floats(rows * cols))
      .view(b.floats(rows * cols));
  },
  activationBackward(r, b) {
    const [rows, cols] = [small(r), small(r)];
    b.value(activationFor(r)).value(rows).value(cols);
    for (let i = 0; i < 4; i++) b.view(b.floats(rows * cols));
  },
  lossValue(r, b) {
    const [rows, cols] = [positive(r), positive(r)];
    const [loss, activation] = lossPair(r);
    b.value(loss).value(activation).value(rows).value(cols);
    for (let i = 0; i < 3; i++) b.view(b.floats(rows * cols));
  },
  outputDelta(r, b) {
    const [rows, cols] = [positive(r), positive(r)];
    const [loss, activation] = lossPair(r);
    b.value(loss).value(activation).value(rows).value(cols);
    for (let i = 0; i < 4; i++) b.view(b.floats(rows * cols));
  },
  networkForward(r, b) {
    const net = layout(r);
    const capacity = positive(r);
    const rows = r.integer(capacity + 1);
    const offset = r.integer(3);
    b.view(b.int32(net.code)).view(b.floats(net.params));
    b.view(b.floats(capacity * (3 * net.unitSum + net.units[0]! + net.units[net.units.length - 1]!))).value(capacity);
    b.view(b.floats((offset + rows) * net.units[0]!))
      .value(offset)
      .value(rows)
      .view(b.floats(rows * net.units[net.units.length - 1]!));
  },
  networkPrepare(r, b) {
    const net = layout(r);
    const capacity = positive(r);
    b.view(b.int32(net.code)).view(b.floats(net.params));
    b.view(b.floats(capacity * (3 * net.unitSum + net.units[0]! + net.units[net.units.length - 1]!))).value(capacity);
    b.view(b.floats(capacity * net.units[0]!)).view(b.floats(capacity * net.units[net.units.length - 1]!));
    // A fresh object each call: the same one is handed to both backends, each binding it its own way.
    b.value({});
  },
  networkLoss(r, b) {
    const [loss, activation] = lossPair(r);
    const net = layout(r, activation);
    const capacity = positive(r);
    const rows = 1 + r.integer(capacity);
    const offset = r.integer(3);
    b.view(b.int32(net.code)).view(b.floats(net.params));
    b.view(b.floats(capacity * (3 * net.unitSum + net.units[0]! + net.units[net.units.length - 1]!)))
      .value(capacity)
      .value(loss);
    b.view(b.floats((offset + rows) * net.units[0]!)).view(
      b.floats((offset + rows) * net.units[net.units.length - 1]!),
    );
    b.value(offset).value(rows);
  },
  sgdStep(r, b) {
    const n = small(r);
    const momentum = r.uniform() < 0.3 ? 0 : r.uniform();
    b.value(n)
      .value(r.uniform())
      .value(momentum)
      .value(r.uniform() < 0.5)
      .value(r.uniform() < 0.5 ? 0 : r.uniform() * 0.1);
    b.view(b.floats(n))
      .view(b.floats(n))
      .view(b.floats(momentum === 0 && r.uniform() < 0.5 ? 0 : n));
  },
  permutation(r, b) {
    // Words that are mostly valid (a zero word now and then, all four zero rarely), and short orders.
    const words = Array.from({ length: 4 }, () => (r.uniform() < 0.1 ? 0 : r.integer(2 ** 32)));
    b.view(b.int32(words, 'Uint32Array')).view(
      b.int32(
        Array.from({ length: small(r) }, () => 0),
        'Uint32Array',
      ),
    );
  },
  adamStep(r, b) {
    const n = small(r);
    b.value(n)
      .value(r.uniform() * 0.1)
      .value(r.uniform())
      .value(r.uniform())
      .value(r.uniform() * 1e-3);
    b.value(r.uniform() < 0.5 ? 0 : r.uniform() * 0.1)
      .value(r.uniform() < 0.5)
      .value(1 + r.integer(20));
    b.view(b.floats(n)).view(b.floats(n));
    // Moments: m any value, v non-negative as it always is in use.
    b.view(b.floats(n));
    const v = b.floats(n);
    b.view(v);
  },
  networkGradients(r, b) {
    const [loss, activation] = lossPair(r);
    const net = layout(r, activation);
    const capacity = positive(r);
    const rows = 1 + r.integer(capacity);
    const source = positive(r);
    const offset = r.integer(3);
    const indices = Array.from({ length: offset + rows }, () => r.integer(source));
    b.view(b.int32(net.code)).view(b.floats(net.params)).view(b.floats(net.params));
    b.view(b.floats(capacity * (3 * net.unitSum + net.units[0]! + net.units[net.units.length - 1]!)))
      .value(capacity)
      .value(loss);
    b.view(b.floats(source * net.units[0]!)).view(b.floats(source * net.units[net.units.length - 1]!));
    b.view(b.int32(indices, r.uniform() < 0.5 ? 'Int32Array' : 'Uint32Array'))
      .value(offset)
      .value(rows);
    b.value(r.uniform() < 0.5 ? 0 : r.uniform() * 0.1);
  },
  networkSteps(r, b) {
    const [loss, activation] = lossPair(r);
    const net = layout(r, activation);
    const capacity = positive(r);
    const batchSize = 1 + r.integer(capacity);
    const rows = 1 + r.integer(3 * capacity);
    const source = positive(r);
    const offset = r.integer(3);
    const indices = Array.from({ length: offset + rows }, () => r.integer(source));
    b.view(b.int32(net.code)).view(b.floats(net.params)).view(b.floats(net.params));
    b.view(b.floats(capacity * (3 * net.unitSum + net.units[0]! + net.units[net.units.length - 1]!)))
      .value(capacity)
      .value(loss);
    b.view(b.floats(source * net.units[0]!)).view(b.floats(source * net.units[net.units.length - 1]!));
    b.view(b.int32(indices, r.uniform() < 0.5 ? 'Int32Array' : 'Uint32Array'))
      .value(offset)
      .value(batchSize)
      .value(rows);
    b.value(r.uniform() < 0.3 ? 0 : r.uniform() * 0.1);
    b.view(b.float64(Math.ceil(rows / batchSize)));
  },
};

/** One mutation of a well-formed call. */
function mutate(r: Random, b: Builder, detached: number[]): void {
  const args = b.args;
  // A two-argument call (permutation) can lose both to earlier mutations: give it one back.
  if (args.length === 0) {
    args.push({ value: 1 });
    return;
  }
  const position = r.integer(args.length);
  const arg = args[position]!;
  const choice = r.integer(8);
  if (choice === 0) {
    args[position] = { value: STRANGE_NUMBERS[r.integer(STRANGE_NUMBERS.length)] };
  } else if (choice === 1) {
    args[position] = { value: WRONG_TYPES[r.integer(WRONG_TYPES.length)] };
  } else if (choice === 2 && 'view' in arg) {
    // Too short (possibly empty).
    args[position] = { view: { ...arg.view, length: r.integer(Math.max(1, arg.view.length)) } };
  } else if (choice === 3 && 'view' in arg) {
    // Same memory, wrong element type.
    const kind = WRONG_VIEWS[r.integer(WRONG_VIEWS.length)]!;
    const bytes = b.buffers[arg.view.buffer]!.byteLength;
    const size = kind === 'Uint8Array' ? 1 : kind === 'BigInt64Array' || kind === 'Float64Array' ? 8 : 4;
    args[position] = { view: { buffer: arg.view.buffer, kind, offset: 0, length: Math.floor(bytes / size) } };
  } else if (choice === 4 && 'view' in arg) {
    // Alias onto another array argument: the same view, or a view shifted by one element.
    const others = args
      .map((a, i) => ('view' in a && i !== position ? a.view : undefined))
      .filter((v): v is ViewSpec => !!v);
    if (others.length > 0) {
      const target = others[r.integer(others.length)]!;
      const shift = r.uniform() < 0.5 ? 0 : 1;
      const length = Math.max(0, Math.min(arg.view.length, target.length + target.offset - shift));
      args[position] = { view: { ...target, offset: target.offset + shift, length } };
    }
  } else if (choice === 5 && 'view' in arg) {
    detached.push(arg.view.buffer);
  } else if (choice === 6) {
    if (r.uniform() < 0.5) args.pop();
    else args.push({ value: 1 });
  } else if (typeof ('value' in arg ? arg.value : undefined) === 'number') {
    // Nudge a dimension off by one in either direction.
    args[position] = { value: (arg as { value: number }).value + (r.uniform() < 0.5 ? 1 : -1) };
  }
}

/** A random call to `kernel`: well-formed with probability 1/4, otherwise with one to three mutations. */
export function randomCall(kernel: string, random: Random): CallSpec {
  const b = new Builder(random);
  GENERATORS[kernel]!(random, b);
  const detached: number[] = [];
  if (random.uniform() >= 0.25) {
    const mutations = 1 + random.integer(3);
    for (let i = 0; i < mutations; i++) mutate(random, b, detached);
  }
  return { kernel, args: b.args, buffers: b.buffers, kinds: b.kinds, detached: [...new Set(detached)] };
}
