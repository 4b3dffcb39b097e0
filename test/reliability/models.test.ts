/**
 * Issue 14, items 4, 8 and 9 (the model side). One rule for saving: whatever save, toBuffer and toJSON
 * accept loads back bit for bit; everything else is refused before anything is written, so an atomic save
 * never replaces a good file with one that cannot be loaded. Names are looked up as own properties
 * (`'constructor'` is not an activation); the kernels' 256-layer limit is checked where a network is
 * made; metadata nesting is bounded on both sides; softmax on a hidden layer of a forged file is damage.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Adam, Matrix, ModelFormatError, MSE, Network, Relu, Sigmoid, ValueError, type Activation } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';
import { forgeModel, parametersOf } from './forge';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-reliability-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const inherited = [
  'constructor',
  'toString',
  '__proto__',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
];

describeBackends('names are own properties', (backend) => {
  it.each(inherited)('activation %j (and { name: %j }) is refused by the constructor', (name) => {
    for (const activation of [name, { name }]) {
      expect(() => new Network([2, 3, 1], [activation as unknown as Activation, Sigmoid], { backend })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ACTIVATION' }),
      );
      expect(() => new Network([2, 1], [activation as unknown as Activation], { backend })).toThrow(ValueError);
    }
  });

  it.each(inherited)('loss %j is refused by fit, gradients and fitAsync, and nothing changes', async (name) => {
    const net = new Network([2, 1], [Sigmoid], { seed: 1, backend });
    const before = net.parameters.slice();
    const x = [[1, 2]];
    const y = [[1]];
    expect(() => net.fit(x, y, { loss: name as never, log: null })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => net.fit(x, y, { loss: { name } as never, log: null })).toThrow(ValueError);
    expect(() => net.gradients(x, y, name as never)).toThrow(ValueError);
    await expect(net.fitAsync(x, y, { loss: name as never, log: null })).rejects.toBeInstanceOf(ValueError);
    expect(sameBits(net.parameters, before)).toBe(true);
  });
});

describeBackends('what save accepts loads back', (backend) => {
  const x = Matrix.from([
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = Matrix.from([[1], [0], [1]]);

  it.each([NaN, Infinity, -Infinity])(
    'a weight of %p is refused by save, toBuffer and toJSON, and the good file stays',
    async (bad) => {
      const file = path.join(dir, `good-${backend.name}-${String(bad)}.bnet`);
      const net = new Network([2, 3, 1], [Relu, Sigmoid], { seed: 4, backend });
      await net.save(file);
      const good = await fs.readFile(file);
      net.layers[1]!.weights[2] = bad;
      for (const call of [() => net.toBuffer(), () => net.toJSON()]) {
        expect(call).toThrow(ValueError);
        expect(call).toThrow(
          expect.objectContaining({
            code: 'ERR_NON_FINITE',
            message: expect.stringMatching(/layer 1 weights\[2\]\) is -?(NaN|Infinity)/),
          }),
        );
      }
      await expect(net.save(file)).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
      expect((await fs.readFile(file)).equals(good)).toBe(true);
      expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );

  it('optimizer state that diverged (stopOnNonFinite: false) is refused withOptimizer', () => {
    const net = new Network([2, 1], [Sigmoid], { seed: 4, backend });
    net.fit(x, y, { loss: MSE, epochs: 1, log: null, optimizer: new Adam() });
    const state = net.optimizer!.exportState()!;
    state.buffers[1]![0] = Infinity;
    net.optimizer!.restoreState(state);
    expect(() => net.toBuffer({ withOptimizer: true })).toThrow(
      expect.objectContaining({ code: 'ERR_NON_FINITE', message: expect.stringMatching(/optimizer state value/) }),
    );
    // Without the optimizer the model is fine.
    expect(sameBits(Network.fromBuffer(net.toBuffer(), { backend }).parameters, net.parameters)).toBe(true);
  });

  it('metadata nested more than 100 levels deep is refused when saving (a coded error, not a stack overflow)', () => {
    const net = new Network([2, 1], [Sigmoid], { seed: 4, backend });
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 5000; i++) deep = (deep.next = {}) as Record<string, unknown>;
    net.metadata = root as never;
    for (const call of [() => net.toBuffer(), () => net.toJSON(), () => JSON.stringify(net)]) {
      expect(call).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_METADATA', message: expect.stringMatching(/at most 100 levels/) }),
      );
    }
    // 99 levels below the metadata object: 100 in all, which saves and loads back.
    let ok: Record<string, unknown> = {};
    const okRoot = ok;
    for (let i = 0; i < 99; i++) ok = (ok.next = {}) as Record<string, unknown>;
    net.metadata = okRoot as never;
    expect(Network.fromBuffer(net.toBuffer(), { backend }).metadata).toEqual(okRoot);
  });
});

describeBackends('the 256-layer limit', (backend) => {
  const dims = (layers: number) => Array.from({ length: layers + 1 }, () => 2);

  it('257 layers are refused where the network is made, with ERR_INVALID_DIMS; 256 train and predict', () => {
    expect(() => new Network(dims(257), Array(257).fill(Relu), { backend })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DIMS', message: expect.stringMatching(/at most 256 layers/) }),
    );
    expect(() => new Network(dims(300), Array(300).fill(Relu), { backend })).toThrow(ValueError);
    const net = new Network(dims(256), [...Array(255).fill(Relu), Sigmoid], { seed: 1, backend });
    expect(net.predict([[1, 2]]).rows).toBe(1);
    const history = net.fit([[1, 2]], [[1, 0]], { epochs: 1, log: null });
    expect(history.epoch).toEqual([1]);
    expect(Number.isFinite(history.loss[0])).toBe(true);
  });

  it('a model file with 257 layers is a ModelFormatError (ERR_MODEL_HEADER), not a kernel RangeError later', () => {
    const d = dims(257);
    const bytes = forgeModel(
      {
        dims: d,
        activations: Array(257).fill('relu'),
        loss: null,
        dtype: 'float64',
        parameterCount: parametersOf(d).length,
      },
      parametersOf(d),
    );
    expect(() => Network.fromBuffer(bytes, { backend })).toThrow(ModelFormatError);
    expect(() => Network.fromBuffer(bytes, { backend })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_HEADER', message: expect.stringMatching(/at most 257 layer sizes/) }),
    );
  });
});

describeBackends('forged model files', (backend) => {
  it('softmax on a hidden layer is a ModelFormatError (ERR_MODEL_HEADER)', () => {
    const d = [2, 3, 2];
    const bytes = forgeModel(
      {
        dims: d,
        activations: ['softmax', 'softmax'],
        loss: null,
        dtype: 'float64',
        parameterCount: parametersOf(d).length,
      },
      parametersOf(d),
    );
    const error = (() => {
      try {
        Network.fromBuffer(bytes, { backend });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error).toMatchObject({ code: 'ERR_MODEL_HEADER', message: expect.stringMatching(/activations\[0\]/) });
  });

  it('metadata nested 5,000 levels deep is refused on load (ERR_MODEL_HEADER); 100 levels load and save again', () => {
    const d = [2, 1];
    const nest = (levels: number): unknown => {
      let value: unknown = {};
      for (let i = 1; i < levels; i++) value = { a: value };
      return value;
    };
    // Written as text: JSON.stringify itself overflows the stack on 5,000 levels.
    const deepText = `{"dims":[2,1],"activations":["sigmoid"],"loss":null,"dtype":"float64","parameterCount":3,"metadata":${'{"a":'.repeat(4999)}{}${'}'.repeat(4999)}}`;
    const deep = forgeModel(deepText, parametersOf(d));
    expect(() => Network.fromBuffer(deep, { backend })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_HEADER', message: expect.stringMatching(/deeper than 100 levels/) }),
    );
    const fine = forgeModel(
      { dims: d, activations: ['sigmoid'], loss: null, dtype: 'float64', parameterCount: 3, metadata: nest(100) },
      parametersOf(d),
    );
    const net = Network.fromBuffer(fine, { backend });
    expect(Network.fromBuffer(net.toBuffer(), { backend }).metadata).toEqual(net.metadata);
  });
});
