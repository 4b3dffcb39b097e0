/**
 * Model files for float32 networks and with optimizer state (format version 2): round trips, and damage
 * to the new parts rejected with its own code.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Adam, CrossEntropy, Matrix, ModelFormatError, Network, oneHot, Relu, SGD, Softmax } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';

const x = Matrix.from([
  [0.5, -1, 2],
  [1, 1, -0.5],
  [-2, 0.25, 1],
  [0.1, 0.2, 0.3],
]);
const y = oneHot([0, 1, 2, 1], 3);

function reseal(bytes: Buffer): Buffer {
  const end = bytes.length - 32;
  createHash('sha256').update(bytes.subarray(0, end)).digest().copy(bytes, end);
  return bytes;
}

function headerOf(bytes: Buffer): Record<string, unknown> {
  return JSON.parse(bytes.toString('utf8', 16, 16 + bytes.readUInt32LE(12))) as Record<string, unknown>;
}

function withHeader(bytes: Buffer, change: (header: Record<string, unknown>) => void): Buffer {
  const length = bytes.readUInt32LE(12);
  const header = headerOf(bytes);
  change(header);
  const text = Buffer.from(JSON.stringify(header).padEnd(length, ' '));
  if (text.length !== length) throw new Error('same-length edits only');
  const copy = Buffer.from(bytes);
  text.copy(copy, 16);
  return reseal(copy);
}

function rejected(bytes: Uint8Array): ModelFormatError {
  try {
    Network.fromBuffer(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    return error as ModelFormatError;
  }
  throw new Error('loaded');
}

describeBackends('float32 models', (backend) => {
  it('round-trip exactly, and load as float32 networks', () => {
    const net = new Network([3, 5, 3], [Relu, Softmax], { backend, seed: 2, dtype: 'float32' });
    net.fit(x, y, { loss: CrossEntropy, epochs: 3, batchSize: 2, log: null });
    expect(headerOf(net.toBuffer()).dtype).toBe('float32');
    for (const back of [
      Network.fromBuffer(net.toBuffer(), { backend, dtype: 'float32' }),
      Network.fromJSON(JSON.stringify(net), { backend, dtype: 'float32' }),
    ]) {
      expect(back.dtype).toBe('float32');
      expect(back.parameters).toBeInstanceOf(Float32Array);
      expect(sameBits(back.parameters, net.parameters)).toBe(true);
      expect(sameBits(back.predict(x).data, net.predict(x).data)).toBe(true);
    }
  });

  // The default is float64 so that `Network.load(file)` can be typed Network<'float64'> (issue 13): a model
  // of the other dtype must be asked for, or the static type would lie about its arrays.
  it("load only with the dtype asked for: float64 by default, { dtype: 'float32' }, or { dtype: 'any' }", async () => {
    const net = new Network([3, 5, 3], [Relu, Softmax], { backend, seed: 2, dtype: 'float32' });
    const float64 = new Network([3, 5, 3], [Relu, Softmax], { backend, seed: 2 });
    const bytes = net.toBuffer();
    const error = rejected(bytes);
    expect(error.code).toBe('ERR_MODEL_DTYPE');
    expect(error.message).toBe(
      "Cannot load the model from a buffer: it is a float32 model, and options.dtype asks for float64 (the default); pass { dtype: 'float32' } (or { dtype: 'any' } for either)",
    );
    expect(() => Network.fromJSON(JSON.stringify(float64), { backend, dtype: 'float32' })).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_DTYPE',
        message: expect.stringContaining('it is a float64 model, and options.dtype asks for float32;'),
      }),
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-dtype-')), 'm.bnet');
    await net.save(file);
    await expect(Network.load(file)).rejects.toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_DTYPE', message: expect.stringContaining(JSON.stringify(file)) }),
    );
    expect((await Network.load(file, { backend, dtype: 'float32' })).parameters).toBeInstanceOf(Float32Array);
    fs.rmSync(path.dirname(file), { recursive: true });
    expect(Network.fromBuffer(bytes, { backend, dtype: 'any' }).dtype).toBe('float32');
    expect(Network.fromBuffer(float64.toBuffer(), { backend, dtype: 'any' }).dtype).toBe('float64');
    expect(Network.fromBuffer(float64.toBuffer()).parameters).toBeInstanceOf(Float64Array);
    expect(() => Network.fromBuffer(bytes, { backend, dtype: 'float16' as 'any' })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining("options.dtype to be 'float64', 'float32' or 'any'"),
      }),
    );
  });

  it('reject a stored value that float32 cannot hold, as damage', () => {
    const net = new Network([3, 3], [Softmax], { backend, seed: 2, dtype: 'float32' });
    const bytes = Buffer.from(net.toBuffer());
    const start = Math.ceil((16 + bytes.readUInt32LE(12)) / 8) * 8;
    bytes.writeDoubleLE(0.1, start); // 0.1 is not a float32 number
    const error = rejected(reseal(bytes));
    expect(error.code).toBe('ERR_MODEL_DTYPE');
    expect(error.message).toMatch(/parameter 0 \(layer 0 weights\[0\]\) is 0.1, which a float32 model cannot hold/);
  });
});

describeBackends('optimizer state in model files (format version 2)', (backend) => {
  const net = new Network([3, 4, 3], [Relu, Softmax], { backend, seed: 3 });
  net.fit(x, y, {
    loss: CrossEntropy,
    optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
    epochs: 2,
    batchSize: 2,
    log: null,
  });
  const bytes = net.toBuffer({ withOptimizer: true });

  it('carries the kind, hyper-parameters, step count and state, exactly', () => {
    expect(bytes.readUInt32LE(8)).toBe(2);
    expect(headerOf(bytes).optimizer).toEqual({
      config: { kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false, weightDecay: 0 },
      step: 4,
      buffers: 1,
    });
    const back = Network.fromBuffer(bytes, { backend });
    expect(back.optimizer).toBeInstanceOf(SGD);
    expect(back.optimizer!.steps).toBe(4);
    expect(back.epochsTrained).toBe(2);
  });

  it('rejects a truncated state section, a wrong buffer count, an unknown optimizer and a version mismatch', () => {
    expect(rejected(bytes.subarray(0, bytes.length - 40)).code).toBe('ERR_MODEL_TRUNCATED');
    const wrongCount = rejected(withHeader(bytes, (h) => ((h.optimizer as { buffers: number }).buffers = 2)));
    expect(wrongCount.code).toBe('ERR_MODEL_HEADER');
    expect(wrongCount.message).toMatch(/optimizer.buffers to be 1 for that optimizer but it is 2/);
    const unknown = rejected(
      withHeader(bytes, (h) => ((h.optimizer as { config: { kind: string } }).config.kind = 'sgx')),
    );
    expect(unknown.code).toBe('ERR_MODEL_HEADER');
    expect(unknown.message).toMatch(/optimizer.config is not a valid optimizer/);
    const asVersionOne = Buffer.from(bytes);
    asVersionOne.writeUInt32LE(1, 8);
    expect(rejected(reseal(asVersionOne)).message).toMatch(/optimizer state, which format version 1 cannot carry/);
  });

  it('keeps Adam state exact in the JSON form too', () => {
    const adamNet = new Network([3, 3], [Softmax], { backend, seed: 4 });
    adamNet.fit(x, y, { loss: CrossEntropy, optimizer: new Adam(), epochs: 1, batchSize: 2, log: null });
    const json = adamNet.toJSON({ withOptimizer: true });
    expect(json.version).toBe(2);
    const back = Network.fromJSON(JSON.stringify(json), { backend });
    expect(back.optimizer!.toJSON()).toEqual(adamNet.optimizer!.toJSON());
    const original = adamNet.optimizer!.exportState()!;
    const loaded = back.optimizer!.exportState()!;
    expect(loaded.step).toBe(original.step);
    original.buffers.forEach((buffer, i) => expect(sameBits(loaded.buffers[i]!, buffer)).toBe(true));
  });
});
