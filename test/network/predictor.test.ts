/**
 * net.predictor(): the prepared forward pass gives exactly what plain predict gives (an independent path:
 * predict checks and queries every array per call, the predictor binds them once), sees weight changes made
 * after it was prepared, and refuses what predict refuses. Its kernels, networkPrepare and networkRun, are
 * checked on both backends, including a bound buffer that is detached or shrunk after preparing.
 */
import {
  Matrix,
  Network,
  Relu,
  ShapeError,
  Sigmoid,
  Softmax,
  StateError,
  Tanh,
  ValueError,
  type Backend,
} from '../../lib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NetworkLayout } from '../../lib/backend/layout';
import { describeBackends, getTestBackend } from '../helpers/backends';

function rows(count: number, cols: number, seed: number): Float64Array {
  const out = new Float64Array(count * cols);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 2147483648 - 0.5;
  }
  return out;
}

/** Detaches an ArrayBuffer by transferring it away (what postMessage with a transfer list does). */
function detach(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] });
}

describeBackends('Network.predictor', ({ name: backend }) => {
  for (const dtype of ['float64', 'float32'] as const) {
    describe(`${dtype}`, () => {
      const make = () => new Network([7, 11, 5, 3], [Relu, Tanh, Softmax], { seed: 5, backend, dtype });

      it('gives the same bits as predict for 1 to rows rows, from a Matrix, a typed array and number[]', () => {
        const net = make();
        const run = net.predictor({ rows: 9 });
        expect(run.rows).toBe(9);
        for (const count of [1, 2, 8, 9]) {
          const x = rows(count, 7, count);
          const expected = net.predict(new Matrix(count, 7, x)).data;
          expect(run(new Matrix(count, 7, x))).toEqual(expected);
          expect(run(x)).toEqual(expected);
          expect(run(Array.from(x))).toEqual(expected);
          expect(run(Float32Array.from(x)).length).toBe(count * 3);
        }
      });

      it('sees the parameters as they are at each call (fit, in-place edits)', () => {
        const net = make();
        const run = net.predictor();
        const x = rows(1, 7, 3);
        const before = run(x).slice();
        net.layers[0]!.weights[0] = 3;
        net.layers[2]!.biases[1] = -2;
        const edited = run(x).slice();
        expect(edited).not.toEqual(before);
        expect(edited).toEqual(net.predict(new Matrix(1, 7, x)).data);
        net.fit([Array.from(x)], [[0, 1, 0]], { epochs: 2, batchSize: 1, learningRate: 0.5, log: () => {} });
        expect(run(x)).toEqual(net.predict(new Matrix(1, 7, x)).data);
      });

      it('reuses its result array, one per row count', () => {
        const run = make().predictor({ rows: 4 });
        const first = run(rows(2, 7, 1));
        const second = run(rows(2, 7, 2));
        expect(second).toBe(first);
        expect(run(rows(4, 7, 1))).not.toBe(first);
      });

      it('refuses bad options and inputs with typed errors, like predict', () => {
        const net = make();
        expect(() => net.predictor({ rows: 0 })).toThrow(ValueError);
        expect(() => net.predictor({ rows: 1.5 })).toThrow(ValueError);
        expect(() => net.predictor({ rows: 65537 })).toThrow(ValueError);
        expect(() => net.predictor({ row: 2 } as never)).toThrow(ValueError);
        const run = net.predictor({ rows: 2 });
        expect(() => run(new Float64Array(6))).toThrow(ShapeError);
        expect(() => run(new Float64Array(21))).toThrow(ShapeError); // 3 rows
        expect(() => run(new Float64Array(0))).toThrow(ShapeError);
        expect(() => run(new Matrix(1, 6))).toThrow(ShapeError);
        expect(() => run(new Int32Array(7) as never)).toThrow(ValueError);
        expect(() => run('1,2,3,4,5,6,7' as never)).toThrow(ValueError);
        const withNaN = rows(1, 7, 1);
        withNaN[4] = NaN;
        expect(() => run(withNaN)).toThrow(
          expect.objectContaining({ code: 'ERR_NON_FINITE', message: expect.stringContaining('column 4') }),
        );
        expect(() => run([1, 2, 3, Infinity, 5, 6, 7])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
        let called = false;
        const sneaky = { valueOf: () => ((called = true), 1) };
        expect(() => run([1, 2, 3, sneaky, 5, 6, 7] as never)).toThrow(
          expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
        );
        expect(called).toBe(false);
        expect(() => run([1, 2, '3', 4, 5, 6, 7] as never)).toThrow(ValueError);
        if (dtype === 'float32') {
          expect(() => run([1, 2, 3, 1e39, 5, 6, 7])).toThrow(expect.objectContaining({ code: 'ERR_NON_FINITE' }));
        }
      });

      it('throws ERR_PREDICTOR_DETACHED once the parameters were transferred away, and reads nothing', () => {
        const net = make();
        const run = net.predictor();
        run(rows(1, 7, 1));
        detach(net.parameters.buffer as ArrayBuffer);
        expect(() => run(rows(1, 7, 1))).toThrow(StateError);
        expect(() => run(rows(1, 7, 1))).toThrow(expect.objectContaining({ code: 'ERR_PREDICTOR_DETACHED' }));
      });
    });
  }
});

describeBackends('networkPrepare / networkRun', (backend: Backend) => {
  const dims = [4, 6, 2];
  const layout = new NetworkLayout(dims, [1, 2]);
  const code = layout.encode();
  const capacity = 3;
  const fresh = () => {
    const params = rows(1, layout.parameterCount, 9);
    const workspace = new Float64Array(layout.workspaceSize(capacity));
    const X = rows(capacity, 4, 2);
    const out = new Float64Array(capacity * 2);
    return { params, workspace, X, out };
  };

  it('computes what networkForward computes, for every row count up to the capacity', () => {
    const a = fresh();
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
    for (const count of [1, 2, 3]) {
      a.out.fill(7);
      backend.networkRun(handle, count);
      const expected = new Float64Array(count * 2);
      getTestBackend('js').networkForward(
        code,
        a.params,
        new Float64Array(layout.workspaceSize(count)),
        count,
        a.X,
        0,
        count,
        expected,
      );
      expect(Array.from(a.out.subarray(0, count * 2))).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 14)));
      // Rows past `count` are not written.
      expect(Array.from(a.out.subarray(count * 2))).toEqual(new Array((capacity - count) * 2).fill(7));
    }
  });

  it('checks at prepare what networkForward checks, and refuses a handle twice', () => {
    const a = fresh();
    expect(() => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X.subarray(1), a.out, {})).toThrow(
      RangeError,
    );
    expect(() => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out.subarray(1), {})).toThrow(
      RangeError,
    );
    expect(() => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, new Float32Array(6), {})).toThrow(
      TypeError,
    );
    expect(() =>
      backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.workspace.subarray(0, 6), {}),
    ).toThrow(RangeError);
    expect(() => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, 5 as never)).toThrow(
      TypeError,
    );
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
    expect(() => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle)).toThrow(TypeError);
  });

  it('returns the index of the first non-finite input of the rows it is asked for, and then writes nothing', () => {
    const a = fresh();
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
    expect(backend.networkRun(handle, 3)).toBeUndefined();
    a.X[9] = Infinity; // row 2
    a.X[5] = NaN; // row 1
    a.out.fill(7);
    expect(backend.networkRun(handle, 3)).toBe(5);
    expect(backend.networkRun(handle, 2)).toBe(5);
    expect(Array.from(a.out)).toEqual(new Array(6).fill(7));
    expect(backend.networkRun(handle, 1)).toBeUndefined(); // row 0 is finite
    expect(a.out[0]).not.toBe(7);
  });

  it('refuses an unbound handle and rows beyond the capacity', () => {
    const a = fresh();
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
    expect(() => backend.networkRun({}, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => backend.networkRun(null as never, 1)).toThrow(TypeError);
    expect(() => backend.networkRun(handle, 4)).toThrow(RangeError);
    expect(() => backend.networkRun(handle, -1)).toThrow(RangeError);
    expect(() => (backend.networkRun as (h: object) => void)(handle)).toThrow(TypeError);
  });

  it("returns a token that runs its handle's pass, and only that one", () => {
    const a = fresh();
    const b = fresh();
    b.params.fill(0.5);
    const handle = {};
    const token = backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
    const other = backend.networkPrepare(code, b.params, b.workspace, capacity, b.X, b.out, {});
    expect(typeof token).toBe('object');
    expect(token).not.toBeNull();
    backend.networkRun(handle, 3);
    const viaHandle = Array.from(a.out);
    a.out.fill(7);
    b.out.fill(7);
    expect(backend.networkRun(token!, 3)).toBeUndefined();
    expect(Array.from(a.out)).toEqual(viaHandle);
    expect(Array.from(b.out)).toEqual(new Array(6).fill(7));
    backend.networkRun(other!, 3);
    expect(Array.from(b.out)).not.toEqual(viaHandle);
    expect(() => backend.networkRun(token!, 4)).toThrow(RangeError);
  });

  it('refuses a token whose handle was collected (native: the token holds no reference to it)', async () => {
    if (backend.name !== 'native') return; // the js backend's token is the handle itself
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const a = fresh();
    const token = ((): object => backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, {})!)();
    expect(backend.networkRun(token, 1)).toBeUndefined();
    let refused = false;
    for (let round = 0; round < 20 && !refused; round++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve)); // N-API finalizers run from the event loop
      try {
        backend.networkRun(token, 1);
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
        refused = true;
      }
    }
    expect(refused).toBe(true);
    // Bindings made since, at whatever address, are not the token's.
    const others = Array.from({ length: 50 }, () => {
      const b = fresh();
      return backend.networkPrepare(code, b.params, b.workspace, capacity, b.X, b.out, {});
    });
    expect(() => backend.networkRun(token, 1)).toThrow(TypeError);
    expect(others.length).toBe(50);
  });

  for (const name of ['params', 'workspace', 'X', 'out'] as const) {
    it(`throws, touching nothing, once ${name}'s buffer is detached (through the handle and its token)`, () => {
      const a = fresh();
      const handle = {};
      const token = backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle);
      detach(a[name].buffer as ArrayBuffer);
      for (const h of [handle, token!]) {
        expect(() => backend.networkRun(h, 1)).toThrow(
          expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(`${name}'s buffer`) }),
        );
      }
    });
  }

  it("copies networkRun's source into X first (float64), refusing a short, mistyped or overlapping one", () => {
    const a = fresh();
    const handle = {};
    const token = backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, a.out, handle)!;
    const source = rows(capacity, 4, 77);
    expect(backend.networkRun(token, 2, source)).toBeUndefined();
    expect(Array.from(a.X.subarray(0, 8))).toEqual(Array.from(source.subarray(0, 8)));
    expect(a.X[8]).not.toBe(source[8]); // rows past `rows` are not copied
    const expected = new Float64Array(4);
    getTestBackend('js').networkForward(
      code,
      a.params,
      new Float64Array(layout.workspaceSize(2)),
      2,
      source,
      0,
      2,
      expected,
    );
    expect(Array.from(a.out.subarray(0, 4))).toEqual(Array.from(expected).map((v) => expect.closeTo(v, 14)));
    expect(backend.networkRun(handle, 1, a.X)).toBeUndefined(); // X itself: nothing to copy
    const before = Array.from(a.X);
    expect(() => backend.networkRun(token, 3, source.subarray(1))).toThrow(RangeError);
    expect(() => backend.networkRun(token, 1, new Float32Array(4) as never)).toThrow(TypeError);
    expect(() => backend.networkRun(token, 1, a.X.subarray(1) as never)).toThrow(RangeError);
    expect(() => (backend.networkRun as (...a: unknown[]) => void)(token, 1, source, 0)).toThrow(TypeError);
    expect(Array.from(a.X)).toEqual(before);
    source[5] = NaN;
    expect(backend.networkRun(token, 2, source)).toBe(5);
  });

  it("converts networkRun's source to float32 as JavaScript does, infinities beyond float32's range", () => {
    const f32 = new NetworkLayout(dims, [1, 2]);
    const params = Float32Array.from(rows(1, f32.parameterCount, 9));
    const workspace = new Float32Array(f32.workspaceSize(capacity));
    const X = new Float32Array(capacity * 4);
    const out = new Float32Array(capacity * 2);
    const token = backend.networkPrepare(code, params, workspace, capacity, X, out, {})!;
    // Around float32's largest value and the tie above it, halfway values, subnormals, signed zeros.
    const max = 3.4028234663852886e38;
    const source = Float64Array.from([
      max,
      3.4028235677973362e38,
      3.4028235677973366e38,
      -3.4028235677973366e38,
      1 + 2 ** -24,
      1 + 3 * 2 ** -24,
      2 ** -149 * 0.5,
      -(2 ** -149) * 0.75,
      1e-46,
      -0,
      0.1,
      -1e300,
    ]);
    expect(backend.networkRun(token, 3, source)).toBe(2); // the first value past float32's range
    expect(Array.from(X)).toEqual(Array.from(Float32Array.from(source)));
    expect(Object.is(X[9], -0)).toBe(true);
    source[2] = 1;
    source[3] = 2;
    source[11] = 3;
    expect(backend.networkRun(token, 3, source)).toBeUndefined();
    expect(() => backend.networkRun(token, 1, new Float64Array(X.buffer, 0, 4))).toThrow(RangeError);
  });

  it('throws once a resizable buffer is shrunk below what it bound', () => {
    const a = fresh();
    // Resizable ArrayBuffers (ES2024) are in Node 20; the compiler's lib predates them.
    const Resizable = ArrayBuffer as unknown as new (
      bytes: number,
      options: { maxByteLength: number },
    ) => ArrayBuffer & { resize(bytes: number): void };
    const resizable = new Resizable(a.X.byteLength, { maxByteLength: a.X.byteLength * 2 });
    const X = new Float64Array(resizable, 0, capacity * 4);
    X.set(a.X);
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, X, a.out, handle);
    backend.networkRun(handle, 3);
    resizable.resize(8);
    expect(() => backend.networkRun(handle, 1)).toThrow(TypeError);
  });

  it('keeps shared buffers without per-call checks working (SharedArrayBuffer never detaches)', () => {
    const a = fresh();
    const shared = new Float64Array(new SharedArrayBuffer(a.out.byteLength));
    const handle = {};
    backend.networkPrepare(code, a.params, a.workspace, capacity, a.X, shared, handle);
    backend.networkRun(handle, 2);
    const expected = new Float64Array(6);
    backend.networkForward(code, a.params, a.workspace, capacity, a.X, 0, 2, expected);
    expect(Array.from(shared.subarray(0, 4))).toEqual(Array.from(expected.subarray(0, 4)));
  });
});

describe('Network.predictor keeps the js and native backends in agreement', () => {
  it('matches within rounding on a sigmoid network', () => {
    const x = rows(5, 6, 4);
    const [a, b] = (['native', 'js'] as const).map((backend) =>
      new Network([6, 9, 2], [Relu, Sigmoid], { seed: 2, backend }).predictor({ rows: 5 })(x).slice(),
    );
    for (let i = 0; i < a!.length; i++) expect(a![i]).toBeCloseTo(b![i]!, 12);
  });
});

describe('Network.predictor [native]: many prepared passes at once (the handle registry grows and forgets)', () => {
  it("600 predictors, every other one dropped and collected, all the rest still give predict's bits", async () => {
    const net = new Network([4, 6, 3], [Relu, Softmax], { seed: 3, backend: 'native' });
    const x = rows(2, 4, 11);
    const expected = net.predict(new Matrix(2, 4, x)).data;
    let runs: (ReturnType<typeof net.predictor> | undefined)[] = Array.from({ length: 600 }, () =>
      net.predictor({ rows: 2 }),
    );
    runs = runs.map((run, i) => (i % 2 === 0 ? undefined : run));
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    // New handles land in slots that dropped ones left (tombstones), and the table grows past them.
    runs.push(...Array.from({ length: 600 }, () => net.predictor({ rows: 2 })));
    for (const run of runs) if (run !== undefined) expect(run(x)).toEqual(expected);
  });
});
