/**
 * Differential fuzzing of the native boundary: every kernel, called with random and deliberately broken
 * arguments, on the native addon and on the js reference with identical copies of the memory. Each call
 * must either succeed on both with the same results, or throw a TypeError or RangeError on both, leaving
 * memory untouched. The process must never crash (a crash fails this suite).
 *
 * FUZZ_ITERATIONS sets the calls per kernel (default 2,000 in CI: 24,000 calls); `npm run fuzz` runs
 * 100,000 per kernel. FUZZ_SEED picks the run (default: fixed, so CI is reproducible).
 */
import { backends, KERNEL_NAMES, type Backend } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { materialise, readKinds, snapshot, type CallSpec, type Snapshot } from './memory';
import { randomCall } from './generate';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
/** Native float32 arithmetic rounds every step; the js backend computes in double and rounds on store. */
const TOLERANCE = { Float64Array: 1e-10, Float32Array: 2e-4 };

interface Outcome {
  error?: string;
  value?: unknown;
  memory: Snapshot;
}

function run(backend: Backend, spec: CallSpec): Outcome {
  const { args, buffers } = materialise(spec);
  const kinds = readKinds(spec);
  const before = snapshot(buffers, kinds);
  try {
    const value = (backend[spec.kernel as keyof Backend] as (...a: unknown[]) => unknown)(...args);
    return { value, memory: snapshot(buffers, kinds) };
  } catch (error) {
    const name = (error as Error)?.constructor?.name ?? typeof error;
    const after = snapshot(buffers, kinds);
    // A rejected call writes nothing.
    if (!identical(after, before))
      throw new Error(`${backend.name} ${spec.kernel} threw ${name} but wrote memory first`);
    return { error: name, memory: after };
  }
}

/** Bit-for-bit equality of two snapshots. */
function identical(a: Snapshot, b: Snapshot): boolean {
  return a.every((x, i) => {
    const y = b[i];
    if (x === null || y === null || y === undefined) return x === y;
    const bytesX = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const bytesY = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    if (bytesX.length !== bytesY.length) return false;
    for (let j = 0; j < bytesX.length; j++) if (bytesX[j] !== bytesY[j]) return false;
    return true;
  });
}

function close(a: unknown, b: unknown, tolerance: number): boolean {
  // networkPrepare's tokens: opaque, each backend's its own (an External, the handle itself).
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return true;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

function sameMemory(a: Snapshot, b: Snapshot, tolerance: number): boolean {
  return a.every((bufferA, i) => {
    const bufferB = b[i];
    if (bufferA === null || bufferB === null || bufferA === undefined || bufferB === undefined)
      return bufferA === bufferB;
    if (bufferA.length !== bufferB.length) return false;
    let scale = 1;
    for (let j = 0; j < bufferB.length; j++)
      if (Number.isFinite(bufferB[j]!)) scale = Math.max(scale, Math.abs(bufferB[j]!));
    for (let j = 0; j < bufferA.length; j++) {
      const x = bufferA[j]!;
      const y = bufferB[j]!;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (!(Number.isNaN(x) && Number.isNaN(y))) return false;
      } else if (x !== y && !(Math.abs(x - y) <= tolerance * scale)) {
        return false;
      }
    }
    return true;
  });
}

/**
 * The regions of networkGradients' and networkSteps' workspace whose contents after a call the kernel
 * contract leaves open, as [start, end) in the workspace buffer's elements:
 *   - the gathered minibatch inputs: the native small-network step (every product in the small kernel's
 *     rule, native/kernels/network.h `smallStep`) reads the inputs where they lie in X and never writes
 *     there; the js backend and the native general path gather them there;
 *   - networkSteps' spare parameter buffer: a workspace holding the parameter count beyond its regions
 *     lends that room to the native update (lendSpare, in both backends' checks); the js backend updates in
 *     place and leaves it untouched.
 * Only for a well-formed layout whose workspace shares its buffer with no other argument, so that nothing
 * else is hidden by leaving these out.
 */
function openRegions(spec: CallSpec): { buffer: number; start: number; end: number }[] {
  if (spec.kernel !== 'networkGradients' && spec.kernel !== 'networkSteps') return [];
  const [codeArg, , gradientsArg, workspaceArg, capacityArg] = spec.args;
  if (!codeArg || !('view' in codeArg) || !workspaceArg || !('view' in workspaceArg)) return [];
  if (!capacityArg || !('value' in capacityArg) || !Number.isInteger(capacityArg.value)) return [];
  const workspace = workspaceArg.view;
  if (spec.args.some((arg, i) => i !== 3 && 'view' in arg && arg.view.buffer === workspace.buffer)) return [];
  const args = materialise(spec).args;
  const code = Array.from(args[0] as ArrayLike<number>);
  const layers = code[0] ?? 0;
  let layout: NetworkLayout;
  try {
    layout = new NetworkLayout(
      code.slice(1, layers + 2),
      code.slice(layers + 2, 2 * layers + 2) as ConstructorParameters<typeof NetworkLayout>[1],
    );
  } catch {
    return [];
  }
  const capacity = capacityArg.value as number;
  const inputs = workspace.offset + layout.gatheredInputs(capacity);
  const regions = [{ buffer: workspace.buffer, start: inputs, end: inputs + capacity * layout.inputs }];
  const need = layout.workspaceSize(capacity);
  const gradients = gradientsArg && 'view' in gradientsArg ? (args[2] as ArrayLike<number>).length : 0;
  const room = (args[3] as ArrayLike<number>).length - need;
  if (spec.kernel === 'networkSteps' && gradients >= layout.parameterCount && room >= layout.parameterCount) {
    const spare = workspace.offset + need;
    regions.push({ buffer: workspace.buffer, start: spare, end: spare + layout.parameterCount });
  }
  return regions;
}

/** Native's snapshot with the open regions (openRegions) taken from js's. */
function withOpenRegionsFromJs(spec: CallSpec, native: Snapshot, js: Snapshot): Snapshot {
  for (const region of openRegions(spec)) {
    const from = js[region.buffer];
    const to = native[region.buffer];
    if (!from || !to) continue;
    const end = Math.min(region.end, from.length, to.length);
    if (region.start < end) to.set(from.subarray(region.start, end), region.start);
  }
  return native;
}

/** Where two snapshots first differ beyond `tolerance`, for the failure message. */
function firstDifference(a: Snapshot, b: Snapshot, tolerance: number): string {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null || x === undefined || y === undefined) continue;
    if (!sameMemory([x], [y], tolerance)) {
      for (let j = 0; j < x.length; j++) {
        if (!sameMemory([x.subarray(j, j + 1)], [y.subarray(j, j + 1)], tolerance)) {
          return `buffer ${i}: first difference at [${j}], native ${x[j]} js ${y[j]} (of ${Array.from(y).join(', ')})`;
        }
      }
    }
  }
  return 'memory agrees';
}

/**
 * networkSteps chains up to a dozen SGD steps, so rounding differences between the backends compound: a
 * float32 run gets a tolerance for that many steps, and a run driven out of range (a learning rate of
 * 2^32, say, where any rounding difference is amplified without bound) is checked for crashes and error
 * agreement only, not for equal numbers.
 */
function comparable(spec: CallSpec, js: Outcome): boolean {
  if (spec.kernel === 'adamStep') return validSecondMoments(spec);
  if (spec.kernel !== 'networkSteps') return true;
  const losses = js.memory[js.memory.length - 1];
  return losses !== null && losses !== undefined && Array.from(losses).every((v) => Math.abs(v) < 1e6);
}

/**
 * Adam's second moments are running means of squares, never negative. From a negative one (random memory
 * in this fuzzer) the new moment is a cancellation of two terms near 1, which the backends round
 * differently (the native AVX-512 code fuses multiply-adds; js rounds each operation) and the division
 * by its square root amplifies; such calls are checked for crash-safety and error agreement only.
 */
function validSecondMoments(spec: CallSpec): boolean {
  const v = materialise(spec).args[11];
  if (!(v instanceof Float64Array || v instanceof Float32Array)) return true;
  return v.every((x) => x >= 0);
}

function stepTolerance(spec: CallSpec, tolerance: number): number {
  return spec.kernel === 'networkSteps' && tolerance > TOLERANCE.Float64Array ? 5e-3 : tolerance;
}

/** A returned value for a message (a native token, an External, has no prototype to make a string with). */
function shown(value: unknown): string {
  return typeof value === 'object' && value !== null ? 'a token' : String(value);
}

function describeCall(spec: CallSpec): string {
  return `${spec.kernel}(${spec.args.map((a) => ('value' in a ? String(a.value) : `${a.view.kind}[buf ${a.view.buffer} @${a.view.offset} x${a.view.length}]`)).join(', ')})${spec.detached.length ? ` detached ${spec.detached}` : ''}`;
}

describe(`native kernels under fuzzing (${ITERATIONS} calls each, seed ${SEED})`, () => {
  // networkRun needs a handle bound by networkPrepare: fuzzed statefully below.
  it.each(KERNEL_NAMES.filter((name) => name !== 'networkRun'))('%s', (kernel) => {
    const random = new Random(SEED + KERNEL_NAMES.indexOf(kernel));
    const tally = { succeeded: 0, TypeError: 0, RangeError: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const spec = randomCall(kernel, random);
      const native = run(backends.native, spec);
      const js = run(backends.js, spec);
      if (native.error === undefined && js.error === undefined)
        native.memory = withOpenRegionsFromJs(spec, native.memory, js.memory);
      const tolerance = TOLERANCE[readKinds(spec).includes('Float32Array') ? 'Float32Array' : 'Float64Array'];
      if (
        native.error !== js.error ||
        (native.error === undefined &&
          comparable(spec, js) &&
          (!close(native.value, js.value, stepTolerance(spec, tolerance)) ||
            !sameMemory(native.memory, js.memory, stepTolerance(spec, tolerance))))
      ) {
        throw new Error(
          `backends disagree on ${describeCall(spec)}\n  native: ${native.error ?? `returned ${shown(native.value)}`}\n  js:     ${js.error ?? `returned ${shown(js.value)}`}\n  ${firstDifference(native.memory, js.memory, stepTolerance(spec, tolerance))}`,
        );
      }
      if (native.error !== undefined && native.error !== 'TypeError' && native.error !== 'RangeError') {
        throw new Error(`${describeCall(spec)} threw ${native.error}, not a TypeError or RangeError`);
      }
      tally[(native.error ?? 'succeeded') as keyof typeof tally]++;
    }
    // The generator must exercise both sides of the boundary.
    expect(tally.succeeded).toBeGreaterThan(ITERATIONS / 20);
    expect(tally.TypeError + tally.RangeError).toBeGreaterThan(ITERATIONS / 4);
  });
});

/**
 * networkRun on handles bound by well-formed networkPrepare calls, each backend its own copy of the memory,
 * then the bound memory changed under the handle: a buffer detached, or (a resizable one) shrunk, before a
 * run with a random row count, through the handle or through the token networkPrepare returned. Both
 * backends must agree (the same error, or the same outputs), and a rejected run must write nothing.
 */
describe(`networkRun under fuzzing (${ITERATIONS} calls, seed ${SEED})`, () => {
  it('agrees with the js backend on bound, detached and shrunk buffers', () => {
    const random = new Random(SEED - 1);
    const tally = { succeeded: 0, TypeError: 0, RangeError: 0 };
    const ROWS: unknown[] = [-1, 0.5, NaN, '1', 2 ** 31];
    for (let i = 0; i < ITERATIONS; i++) {
      let spec: CallSpec;
      do spec = randomCall('networkPrepare', random);
      while (spec.args.length !== 7 || spec.detached.length > 0);
      const capacity = (spec.args[3] as { value: unknown }).value;
      const pick = random.uniform();
      const rows =
        pick < 0.1
          ? ROWS[random.integer(ROWS.length)]
          : random.integer(typeof capacity === 'number' && capacity < 10 ? capacity + 2 : 3);
      // The buffer of params, workspace, X or out (buffers 1 to 4; 0 is the layout's), or none.
      const change = random.uniform() < 0.3 ? 1 + random.integer(4) : 0;
      const viaToken = random.uniform() < 0.5;
      // networkRun's optional source: a Float64Array of about rows*d_0 values (sometimes one short), sometimes
      // detached before the run; each backend gets its own copy of the same values.
      const withSource = random.uniform() < 0.3;
      const sourceLength = Math.max(0, random.integer(40) - 2);
      const sourceSeed = random.integer(1 << 30);
      const detachSource = random.uniform() < 0.1;
      const outcomes = [backends.native, backends.js].map((backend) => {
        const { args, buffers } = materialise({
          ...spec,
          args: spec.args.map((a) => ('value' in a && typeof a.value === 'object' ? { value: {} } : a)),
        });
        let token: unknown;
        try {
          token = (backend.networkPrepare as (...a: unknown[]) => unknown)(...args);
        } catch (error) {
          return {
            prepared: false,
            error: (error as Error).constructor.name,
            memory: snapshot(buffers, readKinds(spec)),
          };
        }
        if (change > 0) structuredClone(buffers[change]!, { transfer: [buffers[change]!] });
        const kinds = readKinds(spec);
        const before = snapshot(buffers, kinds);
        try {
          if (viaToken && (typeof token !== 'object' || token === null)) throw new Error(`${backend.name}: no token`);
          const handle = viaToken ? token : args[6];
          if (withSource) {
            const values = new Random(sourceSeed);
            const source = Float64Array.from({ length: sourceLength }, () => values.normal());
            if (detachSource) structuredClone(source.buffer, { transfer: [source.buffer] });
            (backend.networkRun as (...a: unknown[]) => void)(handle, rows, source);
          } else {
            (backend.networkRun as (...a: unknown[]) => void)(handle, rows);
          }
          return { prepared: true, memory: snapshot(buffers, kinds) };
        } catch (error) {
          const after = snapshot(buffers, kinds);
          if (!identical(after, before)) throw new Error(`${backend.name} networkRun threw but wrote memory first`);
          return { prepared: true, error: (error as Error).constructor.name, memory: after };
        }
      });
      const [native, js] = outcomes as [
        { prepared: boolean; error?: string; memory: Snapshot },
        { prepared: boolean; error?: string; memory: Snapshot },
      ];
      const tolerance = TOLERANCE[readKinds(spec).includes('Float32Array') ? 'Float32Array' : 'Float64Array'];
      if (
        native.prepared !== js.prepared ||
        native.error !== js.error ||
        (native.error === undefined && !sameMemory(native.memory, js.memory, tolerance))
      ) {
        throw new Error(
          `backends disagree on networkRun(${String(rows)}) after ${describeCall(spec)}, change ${change}: native ${native.error}, js ${js.error}\n  ${firstDifference(native.memory, js.memory, tolerance)}`,
        );
      }
      if (native.prepared) tally[(native.error ?? 'succeeded') as keyof typeof tally]++;
    }
    expect(tally.succeeded).toBeGreaterThan(ITERATIONS / 20);
    expect(tally.TypeError).toBeGreaterThan(ITERATIONS / 20);
    expect(tally.RangeError).toBeGreaterThan(0);
  });
});
