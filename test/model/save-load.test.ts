/**
 * Saving and loading: a bit-exact round trip in both forms, and a clear, specific error for every kind of
 * damaged or foreign file, before any network is built.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  backends,
  CrossEntropy,
  ModelFormatError,
  Network,
  Relu,
  Sigmoid,
  Softmax,
  Tanh,
  ValueError,
  type Backend,
} from '../../lib';
import { describeBackends } from '../helpers/backends';
import { classification, sameBits } from '../helpers/training';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-save-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const { x, y } = classification(120, 6, 3, 11);
const settings = { loss: CrossEntropy, epochs: 3, batchSize: 10, learningRate: 0.1, log: null };

function trained(backend: Backend = backends.native): Network {
  const net = new Network([6, 9, 7, 3], [Tanh, Relu, Softmax], { seed: 12, backend });
  net.fit(x, y, settings);
  net.metadata = {
    features: ['a', 'b', 'c', 'd', 'e', 'f'],
    standardize: { mean: [0.5, -1e-300], std: [2, 3] },
    classes: ['x', 'y', 'z'],
    note: null,
    ok: true,
  };
  return net;
}

/** The error that `load` of these bytes rejects with. */
async function loadError(bytes: Uint8Array, name = 'damaged.bnet'): Promise<ModelFormatError> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const error = await Network.load(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModelFormatError);
  expect((error as Error).message).toContain(JSON.stringify(file));
  return error as ModelFormatError;
}

/** The file with its trailing SHA-256 recomputed, as a (buggy) writer would produce it. */
function resealed(bytes: Buffer): Buffer {
  const end = bytes.length - 32;
  createHash('sha256').update(bytes.subarray(0, end)).digest().copy(bytes, end);
  return bytes;
}

/** A file whose header says `change` of the original, resealed. */
function withHeader(bytes: Buffer, change: (header: Record<string, unknown>) => void): Buffer {
  const length = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.toString('utf8', 16, 16 + length)) as Record<string, unknown>;
  change(header);
  // Same-length edits only, so the rest of the layout stays where it was.
  const text = Buffer.from(JSON.stringify(header).padEnd(length, ' '));
  expect(text.length).toBe(length);
  const copy = Buffer.from(bytes);
  text.copy(copy, 16);
  return resealed(copy);
}

describeBackends('round trip', (backend) => {
  it('save then load predicts bit-identically and keeps loss, seed, metadata and generator', async () => {
    const net = trained(backend);
    const file = path.join(dir, 'model.bnet');
    await net.save(file);
    const back = await Network.load(file, { backend });
    expect(back.backend).toBe(backend);
    expect(back.dims).toEqual(net.dims);
    expect(back.layers.map((l) => l.activation)).toEqual(net.layers.map((l) => l.activation));
    expect(sameBits(back.parameters, net.parameters)).toBe(true);
    expect(sameBits(back.predict(x).data, net.predict(x).data)).toBe(true);
    expect(back.loss).toBe(CrossEntropy);
    expect(back.seed).toBe(12);
    expect(back.metadata).toEqual(net.metadata);
    // Training on continues exactly as it would have: the same shuffles, and fit's default loss is the saved one.
    net.fit(x, y, { ...settings, loss: undefined });
    back.fit(x, y, { ...settings, loss: undefined });
    expect(sameBits(back.parameters, net.parameters)).toBe(true);
  });

  it('the JSON form round-trips bit for bit too, through JSON text, and load reads it from a file', async () => {
    const net = trained(backend);
    const text = JSON.stringify(net);
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json).toMatchObject({
      format: 'blasnet-model',
      version: 1,
      dims: [6, 9, 7, 3],
      activations: ['tanh', 'relu', 'softmax'],
      loss: 'crossEntropy',
      dtype: 'float64',
    });
    expect(typeof json.parameters).toBe('string');
    for (const back of [Network.fromJSON(text, { backend }), Network.fromJSON(net.toJSON(), { backend: 'js' })]) {
      expect(sameBits(back.parameters, net.parameters)).toBe(true);
      expect(back.metadata).toEqual(net.metadata);
    }
    const file = path.join(dir, 'model.json');
    await fs.writeFile(file, `\n${text}`);
    expect(sameBits((await Network.load(file, { backend })).parameters, net.parameters)).toBe(true);
  });

  it('keeps extreme values exactly: subnormals, -0, the largest double', () => {
    const net = new Network([2, 2], [Sigmoid], { seed: 1, backend });
    net.parameters.set([5e-324, -0, Number.MAX_VALUE, -Number.MIN_VALUE, 1 / 3, -2.5]);
    expect(sameBits(Network.fromBuffer(net.toBuffer(), { backend }).parameters, net.parameters)).toBe(true);
    expect(sameBits(Network.fromJSON(JSON.stringify(net), { backend }).parameters, net.parameters)).toBe(true);
    expect(Object.is(Network.fromBuffer(net.toBuffer(), { backend }).parameters[1], -0)).toBe(true);
  });

  it('an untrained network saves with loss null', () => {
    const net = new Network([3, 2], [Sigmoid], { seed: 2, backend });
    expect(net.toJSON().loss).toBeNull();
    expect(Network.fromBuffer(net.toBuffer(), { backend }).loss).toBeUndefined();
  });

  it('writes the documented layout: magic, version, header length, JSON header, aligned float64, SHA-256', () => {
    const net = trained(backend);
    const bytes = net.toBuffer();
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x42, 0x4c, 0x41, 0x53, 0x4e, 0x45, 0x54]);
    expect(bytes.readUInt32LE(8)).toBe(1);
    const headerLength = bytes.readUInt32LE(12);
    const header = JSON.parse(bytes.toString('utf8', 16, 16 + headerLength));
    expect(header.parameterCount).toBe(net.parameters.length);
    const start = Math.ceil((16 + headerLength) / 8) * 8;
    expect(bytes.length).toBe(start + 8 * net.parameters.length + 32);
    expect(bytes.readDoubleLE(start)).toBe(net.parameters[0]);
    expect(bytes.readDoubleLE(start + 8 * (net.parameters.length - 1))).toBe(net.parameters.at(-1));
    expect(
      createHash('sha256')
        .update(bytes.subarray(0, bytes.length - 32))
        .digest()
        .equals(bytes.subarray(bytes.length - 32)),
    ).toBe(true);
  });
});

describe('damaged and foreign files are rejected, each with its own message', () => {
  const bytes = trained().toBuffer();
  const headerLength = bytes.readUInt32LE(12);
  const start = Math.ceil((16 + headerLength) / 8) * 8;

  it.each([
    ['in the preamble', 10],
    ['in the header', 40],
    ['in the parameters', start + 100],
    ['by its last byte', bytes.length - 1],
  ])('truncated %s', async (_where, length) => {
    const error = await loadError(bytes.subarray(0, length));
    expect(error.code).toBe('ERR_MODEL_TRUNCATED');
    expect(error.message).toMatch(/truncated/);
  });

  it('an empty file', async () => {
    expect((await loadError(Buffer.alloc(0))).message).toMatch(/0 bytes long.*truncated/);
  });

  it.each([
    ['a parameter', start + 8 * 5 + 3],
    ['the last parameter', bytes.length - 33],
    ['the checksum', bytes.length - 1],
    ['the header', 30],
  ])('a bit flipped in %s', async (_where, offset) => {
    const flipped = Buffer.from(bytes);
    flipped[offset]! ^= 0x10;
    const error = await loadError(flipped);
    expect(error.code).toBe('ERR_MODEL_CHECKSUM');
    expect(error.message).toMatch(/checksum does not match/);
  });

  it('a later format version', async () => {
    const newer = Buffer.from(bytes);
    newer.writeUInt32LE(3, 8);
    const error = await loadError(newer);
    expect(error.code).toBe('ERR_MODEL_VERSION');
    expect(error.message).toMatch(
      /model format version 3, and this blasnet reads versions 1 and 2 \(a newer blasnet wrote it: upgrade to load it\)/,
    );
  });

  it('a header whose parameter count does not fit its dims', async () => {
    const error = await loadError(withHeader(bytes, (h) => (h.dims = [6, 9, 7, 2])));
    expect(error.code).toBe('ERR_MODEL_SHAPE');
    expect(error.message).toMatch(/header says it holds 157 parameters but dims \[6,9,7,2\] need 149/);
  });

  it('weights of another shape (more bytes than its header describes)', async () => {
    const longer = Buffer.concat([
      bytes.subarray(0, bytes.length - 32),
      Buffer.alloc(16),
      bytes.subarray(bytes.length - 32),
    ]);
    const error = await loadError(resealed(longer));
    expect(error.code).toBe('ERR_MODEL_LENGTH');
    expect(error.message).toMatch(/16 unexpected bytes at the end/);
  });

  it('a header that names an unknown activation', async () => {
    const error = await loadError(withHeader(bytes, (h) => ((h.activations as string[])[1] = 'selu')));
    expect(error.code).toBe('ERR_MODEL_HEADER');
    expect(error.message).toMatch(/header's activations\[1\] to be one of identity, relu/);
  });

  it('a NaN parameter, with a valid checksum', async () => {
    const nan = Buffer.from(bytes);
    nan.writeDoubleLE(NaN, start + 8 * 70);
    const error = await loadError(resealed(nan));
    expect(error.code).toBe('ERR_MODEL_NON_FINITE');
    expect(error.message).toMatch(/parameter 70 \(layer 1 weights\[7\]\) is NaN/);
  });

  it.each([
    ['a text file', Buffer.from('hello, I am not a model\n')],
    ['a PNG image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
  ])('%s', async (_title, foreign) => {
    const error = await loadError(foreign);
    expect(error.code).toBe('ERR_MODEL_NOT_BLASNET');
    expect(error.message).toMatch(
      /does not start with blasnet's magic bytes \(89 42 4C 41 53 4E 45 54\).*not a blasnet model file/,
    );
  });

  it('JSON that is not a model, of another version, or with damaged parameters', async () => {
    const json = trained().toJSON();
    expect((await loadError(Buffer.from('{"hello": 1}'), 'other.json')).code).toBe('ERR_MODEL_NOT_BLASNET');
    expect((await loadError(Buffer.from('{"format": '), 'cut.json')).message).toMatch(
      /looks like JSON but does not parse/,
    );
    expect(() => Network.fromJSON({ ...json, version: 7 })).toThrow(/model format version 7/);
    const damaged = { ...json, parameters: `B${json.parameters.slice(1)}` };
    expect(() => Network.fromJSON(damaged)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_CHECKSUM' }));
    expect(() => Network.fromJSON({ ...json, parameters: json.parameters.slice(8) })).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_TRUNCATED' }),
    );
    expect(() => Network.fromJSON({ ...json, parameters: '#!' })).toThrow(/parameters to be a base64 string/);
    expect(() => Network.fromJSON({ ...json, loss: 'crossEntropy', activations: ['tanh', 'relu', 'sigmoid'] })).toThrow(
      /loss crossEntropy needs a softmax output layer/,
    );
  });
});

describe('metadata', () => {
  it.each([
    ['NaN', { mean: [1, NaN] }, /metadata.mean\[1\] to be a finite number/],
    ['a function', { f: () => 1 }, /metadata.f to be JSON data .* but received a function/],
    ['a Date', { when: new Date(0) }, /metadata.when to be JSON data .* but received a Date/],
    ['undefined', { gone: undefined }, /metadata.gone to be JSON data .* but received undefined/],
    ['an array at the top', [1, 2], /metadata to be a plain object/],
  ])('rejects %s when saving, naming where', (_title, metadata, message) => {
    const net = new Network([2, 1], [Sigmoid], { seed: 1 });
    net.metadata = metadata as never;
    expect(() => net.toBuffer()).toThrow(ValueError);
    expect(() => net.toJSON()).toThrow(message);
  });

  it('rejects a cycle', () => {
    const net = new Network([2, 1], [Sigmoid], { seed: 1 });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    net.metadata = { loop } as never;
    expect(() => net.toJSON()).toThrow(/refers back to itself/);
  });
});

describe('save', () => {
  it('replaces the previous file and keeps its permissions, leaving no temporary file', async () => {
    const file = path.join(dir, 'replace.bnet');
    await new Network([2, 1], [Sigmoid], { seed: 1 }).save(file);
    await fs.chmod(file, 0o600);
    const net = trained();
    await net.save(file);
    expect(sameBits((await Network.load(file)).parameters, net.parameters)).toBe(true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects with the file system error when the directory does not exist', async () => {
    await expect(trained().save(path.join(dir, 'missing', 'model.bnet'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
