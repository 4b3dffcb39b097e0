/**
 * The graph builder both exporters share: unique names, typed attributes, initializers of every kind the
 * pipeline needs, opsets and domains, read back through protobufjs and ONNX's schema.
 */
import { StateError } from '../../lib';
import { GraphBuilder } from '../../lib/onnx';
import { AttributeType, DataType, decodeModel } from '../../lib/onnx/proto';
import { readTensor } from '../../lib/onnx/tensor';

describe('GraphBuilder', () => {
  it('hands out unique names, keeps exact ones for inputs and outputs, and refuses a name twice', () => {
    const g = new GraphBuilder('g');
    expect(g.input('x', 'double', ['N', 2])).toBe('x');
    expect(g.fresh('x')).toBe('x_1');
    expect(g.fresh('x')).toBe('x_2');
    expect(g.reserve('out')).toBe('out');
    expect(g.fresh('out')).toBe('out_1');
    expect(() => g.reserve('out')).toThrow(StateError);
    expect(() => g.reserve('x')).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });

  it('writes typed attributes, numbered node names, domains and opsets', () => {
    const g = new GraphBuilder('g');
    const x = g.input('x', 'string', ['N', 1]);
    const y = g.reserve('y');
    const a = g.fresh('a');
    g.node(
      'LabelEncoder',
      [x],
      [a],
      { keys_strings: { strings: ['é', 'b'] }, values_int64s: { ints: [0, 1] }, default_int64: { int: 2 } },
      { domain: 'ai.onnx.ml', prefix: 'color' },
    );
    g.node('Cast', [a], [y], { to: { int: DataType.DOUBLE } }, { prefix: 'color' });
    g.output(y, 'double', ['N', 1]);
    g.floatInitializer('w', [2], Float32Array.of(0.1, 0.2));
    g.int64Initializer('shape', [2], [-1, 3]);
    g.stringInitializer('classes', [2], ['a', 'ü']);
    const model = decodeModel(
      g.toBytes({
        producerName: 'p',
        producerVersion: '1',
        opsets: [
          { domain: 'ai.onnx', version: 13 },
          { domain: 'ai.onnx.ml', version: 2 },
        ],
        metadata: { k: 'v' },
      }),
      't',
    );
    expect(model.opsetImport).toEqual([
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 2 },
    ]);
    expect(model.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
    const [encoder, cast] = model.graph!.node!;
    expect(encoder).toMatchObject({
      name: 'color/LabelEncoder',
      opType: 'LabelEncoder',
      domain: 'ai.onnx.ml',
      input: ['x'],
      output: ['a'],
    });
    expect(cast).toMatchObject({ name: 'color/Cast', input: ['a'], output: ['y'] });
    expect(cast!.domain ?? '').toBe('');
    const attributes = Object.fromEntries(encoder!.attribute!.map((at) => [at.name, at]));
    expect(attributes.keys_strings!.type).toBe(AttributeType.STRINGS);
    expect(attributes.keys_strings!.strings!.map((b: Uint8Array) => new TextDecoder().decode(b))).toEqual(['é', 'b']);
    expect(attributes.values_int64s).toMatchObject({ type: AttributeType.INTS, ints: [0, 1] });
    expect(attributes.default_int64).toMatchObject({ type: AttributeType.INT, i: 2 });
    expect(cast!.attribute![0]).toMatchObject({ name: 'to', type: AttributeType.INT, i: DataType.DOUBLE });
    const tensors = Object.fromEntries(model.graph!.initializer!.map((t) => [t.name, t]));
    expect(Array.from(readTensor(tensors.w!, 'w').values)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(tensors.w!.dataType).toBe(DataType.FLOAT);
    expect(Array.from(readTensor(tensors.shape!, 'shape').values)).toEqual([-1, 3]);
    expect(tensors.classes!.stringData!.map((b: Uint8Array) => new TextDecoder().decode(b))).toEqual(['a', 'ü']);
    expect(model.graph!.input![0]!.type!.tensorType!.elemType).toBe(DataType.STRING);
  });
});
