/**
 * What net.toONNX() writes, read back with protobufjs and ONNX's own schema: the documented names, types,
 * shapes, versions and metadata, the leaky ReLU in the form that keeps float64 exact, and a lossless round
 * trip through fromONNX. (That onnxruntime computes the same numbers as predict is test/onnx-runtime/.)
 */
import {
  ACTIVATIONS,
  CrossEntropy,
  MSE,
  Network,
  ONNX_IR_VERSION,
  ONNX_OPSET_VERSION,
  ValueError,
  type Activation,
  type Dtype,
} from '../../lib';
import { packageVersion } from '../../lib/cli/version';
import { DataType, decodeModel } from '../../lib/onnx/proto';
import { readTensor } from '../../lib/onnx/tensor';

const x = [
  [0.5, -1.5, 2, 0],
  [-0.25, 3, -2, 1],
];

function build(dims: number[], names: Activation['name'][], dtype: Dtype = 'float64'): Network<Dtype> {
  return new Network<Dtype>(
    dims,
    names.map((n) => ACTIVATIONS[n]),
    { seed: 11, backend: 'js', dtype },
  );
}

describe('the graph toONNX writes', () => {
  it.each(['float64', 'float32'] as const)(
    '%s: input "input" [N, inputs], output "output" [N, outputs], in the network\'s element type',
    (dtype) => {
      const net = build([4, 6, 3], ['tanh', 'softmax'], dtype);
      const model = decodeModel(net.toONNX(), 'test');
      const type = dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
      expect([model.irVersion, ONNX_IR_VERSION]).toEqual([7, 7]);
      expect(model.opsetImport).toEqual([{ domain: '', version: 13 }]);
      expect(ONNX_OPSET_VERSION).toBe(13);
      expect(model.producerName).toBe('blasnet');
      const graph = model.graph!;
      expect(graph.input).toEqual([
        {
          name: 'input',
          type: { tensorType: { elemType: type, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } },
        },
      ]);
      expect(graph.output).toEqual([
        {
          name: 'output',
          type: { tensorType: { elemType: type, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }] } } },
        },
      ]);
      expect(graph.node!.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm', 'Softmax']);
      for (const tensor of graph.initializer!) expect(tensor.dataType).toBe(type);
      // The weights are the network's, exactly, in its inputs x outputs layout.
      const w0 = readTensor(
        graph.initializer!.find((t) => t.name === 'layers.0.weights')!,
        'w0',
      );
      expect(w0.dims).toEqual([4, 6]);
      expect(Array.from(w0.values)).toEqual(Array.from(net.layers[0]!.weights));
    },
  );

  it('metadata_props: blasnet version, dims, activations, dtype, loss, epochs, and the metadata', () => {
    const net = build([4, 5, 2], ['relu', 'sigmoid']);
    net.fit(
      x,
      [
        [1, 0],
        [0, 1],
      ],
      { loss: MSE, epochs: 3, log: null },
    );
    net.metadata = { classes: ['no', 'yes'], note: 'é "quoted" <b>' };
    const props = Object.fromEntries(decodeModel(net.toONNX(), 'test').metadataProps!.map((p) => [p.key, p.value]));
    expect(props).toEqual({
      'blasnet.version': packageVersion(),
      'blasnet.dims': '[4,5,2]',
      'blasnet.activations': '["relu","sigmoid"]',
      'blasnet.dtype': 'float64',
      'blasnet.loss': 'meanSquaredError',
      'blasnet.epochsTrained': '3',
      'blasnet.metadata': JSON.stringify(net.metadata),
    });
  });

  it('a float64 leaky ReLU is Where(z > 0, z, z * 0.01) with a DOUBLE 0.01, exact; a float32 one the LeakyRelu operator', () => {
    const graph64 = decodeModel(build([4, 3, 2], ['leakyRelu', 'identity']).toONNX(), 'test').graph!;
    expect(graph64.node!.map((n) => n.opType)).toEqual(['Gemm', 'Greater', 'Mul', 'Where', 'Gemm', 'Identity']);
    const slope = graph64.initializer!.find((t) => t.name === 'layers.0/slope')!;
    expect(slope.dataType).toBe(DataType.DOUBLE);
    expect(readTensor(slope, 'slope').values[0]).toBe(0.01);
    const graph32 = decodeModel(build([4, 3, 2], ['leakyRelu', 'identity'], 'float32').toONNX(), 'test').graph!;
    const leaky = graph32.node!.find((n) => n.opType === 'LeakyRelu')!;
    expect(leaky.attribute).toHaveLength(1);
    expect(leaky.attribute![0]).toMatchObject({ name: 'alpha', type: 1, f: Math.fround(0.01) });
  });

  it('refuses metadata that is not JSON data, as save does', () => {
    const net = build([2, 2], ['identity']);
    net.metadata = { bad: Number.NaN };
    expect(() => net.toONNX()).toThrow(ValueError);
    expect(() => net.toONNX()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_METADATA' }));
  });
});

describe('toONNX -> fromONNX', () => {
  const cases: [string, number[], Activation['name'][], Dtype][] = [];
  for (const dtype of ['float64', 'float32'] as const) {
    for (const name of Object.keys(ACTIVATIONS) as Activation['name'][]) {
      for (let depth = 0; depth <= 4; depth++) {
        const hidden = name === 'softmax' ? 'tanh' : name;
        const dims = [4, ...Array.from({ length: depth }, (_, i) => 3 + i), 3];
        cases.push([
          `${name}, ${depth} hidden, ${dtype}`,
          dims,
          [...new Array<Activation['name']>(depth).fill(hidden), name],
          dtype,
        ]);
      }
    }
  }

  it.each(cases)('%s: the same network, bit for bit, and the same bytes again', (_name, dims, names, dtype) => {
    const net = build(dims, names, dtype);
    const bytes = net.toONNX();
    const back = Network.fromONNX(bytes, { backend: 'js', dtype: 'any' });
    expect(back.dims).toEqual(net.dims);
    expect(back.dtype).toBe(dtype);
    expect(back.layers.map((l) => l.activation.name)).toEqual(names);
    expect(back.parameters.constructor).toBe(net.parameters.constructor);
    expect(Array.from(back.parameters)).toEqual(Array.from(net.parameters));
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(net.predict(x).data));
    expect(Buffer.from(back.toONNX()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('keeps the loss, epochs and metadata, so an imported blasnet model trains on with its own loss', () => {
    const net = build([4, 5, 2], ['relu', 'softmax']);
    net.fit(
      x,
      [
        [1, 0],
        [0, 1],
      ],
      { loss: CrossEntropy, epochs: 4, log: null },
    );
    net.metadata = { classes: ['a', 'b'] };
    const back = Network.fromONNX(net.toONNX(), { backend: 'js' });
    expect(back.loss).toBe(CrossEntropy);
    expect(back.epochsTrained).toBe(4);
    expect(back.metadata).toEqual({ classes: ['a', 'b'] });
    back.fit(
      x,
      [
        [1, 0],
        [0, 1],
      ],
      { epochs: 1, log: null },
    );
    expect(back.epochsTrained).toBe(5);
  });

  it('does not change the network', () => {
    const net = build([4, 3, 2], ['leakyRelu', 'sigmoid']);
    const before = Array.from(net.parameters);
    net.toONNX();
    expect(Array.from(net.parameters)).toEqual(before);
  });
});
