/**
 * A Network as an ONNX graph: one Gemm per layer (weights as stored, inputs x outputs, so transB = 0) and
 * its activation, in the network's own element type (DOUBLE for float64, FLOAT for float32).
 *
 * LeakyRelu: the ONNX operator's `alpha` is a float32 attribute, so a float64 network's slope 0.01 would
 * become 0.009999999776482582 (2.2e-8 relative off) and onnxruntime has no double LeakyRelu kernel at
 * all. A float64 network's leaky ReLU is therefore written as Where(z > 0, z, z * 0.01) with a DOUBLE
 * constant, exactly blasnet's kernel (`z > 0 ? z : 0.01 z`, NaN and -0 included); a float32 network's
 * as the LeakyRelu operator, whose float32 alpha is exactly the float32 kernel's slope.
 */
import type { Activation } from '../activations';
import { packageVersion } from '../cli/version';
import type { Layer } from '../layer';
import type { Dtype, FloatArrayOf } from '../matrix';
import type { ModelMetadata } from '../model/description';
import { checkMetadata } from '../model/metadata';
import { GraphBuilder, type ElementType } from './graph-builder';

/** The parts of a Network the exporter reads (a structural type, so this module needs no Network import). */
export interface ExportableNetwork<D extends Dtype = Dtype> {
  readonly dims: readonly number[];
  readonly dtype: D;
  readonly layers: readonly Layer<D>[];
  readonly loss: { name: string } | undefined;
  readonly epochsTrained: number;
  metadata: ModelMetadata;
}

/** blasnet's leaky ReLU slope (activations.ts, the kernels). */
const LEAKY_SLOPE = 0.01;

/** The ONNX element type of a network's tensors. */
export function elementType(dtype: Dtype): ElementType {
  return dtype === 'float32' ? 'float' : 'double';
}

function scalar(dtype: Dtype, value: number): Float64Array | Float32Array {
  return dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value);
}

/** The ONNX operator of each activation that is one elementwise node without attributes. */
const ELEMENTWISE_OPS = { identity: 'Identity', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' } as const;

/** Writes `activation` of `z` into `out`. Identity writes an Identity node, so `out` is always produced. */
function addActivation(
  graph: GraphBuilder,
  activation: Activation,
  dtype: Dtype,
  z: string,
  out: string,
  prefix: string,
): void {
  switch (activation.name) {
    case 'identity':
    case 'relu':
    case 'sigmoid':
    case 'tanh':
      graph.node(ELEMENTWISE_OPS[activation.name], [z], [out], {}, { prefix });
      return;
    case 'softmax':
      graph.node('Softmax', [z], [out], { axis: { int: 1 } }, { prefix });
      return;
    case 'leakyRelu': {
      if (dtype === 'float32') {
        graph.node('LeakyRelu', [z], [out], { alpha: { float: LEAKY_SLOPE } }, { prefix });
        return;
      }
      const zero = graph.floatInitializer(`${prefix}/zero`, [], scalar(dtype, 0));
      const slope = graph.floatInitializer(`${prefix}/slope`, [], scalar(dtype, LEAKY_SLOPE));
      const positive = graph.fresh(`${prefix}/positive`);
      const scaled = graph.fresh(`${prefix}/scaled`);
      graph.node('Greater', [z, zero], [positive], {}, { prefix });
      graph.node('Mul', [z, slope], [scaled], {}, { prefix });
      graph.node('Where', [positive, z, scaled], [out], {}, { prefix });
      return;
    }
  }
}

/**
 * Adds the network's nodes to `graph`, reading the value `input` ([N, inputs] in the network's element
 * type) and producing `output` ([N, outputs]); names are prefixed with `prefix`. What a pipeline exporter
 * calls between its encoders and its decoding.
 */
export function addNetwork(
  graph: GraphBuilder,
  net: ExportableNetwork,
  input: string,
  output: string,
  prefix = '',
): void {
  let current = input;
  net.layers.forEach((layer, i) => {
    const layerPrefix = `${prefix}layers.${i}`;
    const last = i === net.layers.length - 1;
    const weights = graph.floatInitializer(
      `${layerPrefix}.weights`,
      [layer.inputs, layer.outputs],
      layer.weights as FloatArrayOf<Dtype>,
    );
    const biases = graph.floatInitializer(
      `${layerPrefix}.biases`,
      [layer.outputs],
      layer.biases as FloatArrayOf<Dtype>,
    );
    const z = graph.fresh(`${layerPrefix}/z`);
    graph.node('Gemm', [current, weights, biases], [z], {}, { prefix: layerPrefix });
    // A hidden Identity needs no node; the last layer's value must still be the graph output by name.
    if (layer.activation.name === 'identity' && !last) {
      current = z;
      return;
    }
    const a = last ? output : graph.fresh(`${layerPrefix}/a`);
    addActivation(graph, layer.activation, net.dtype, z, a, layerPrefix);
    current = a;
  });
}

/** The metadata_props blasnet writes: what the graph cannot say (loss, history, the user's metadata). */
export function networkMetadata(net: ExportableNetwork): Record<string, string> {
  const props: Record<string, string> = {
    'blasnet.version': packageVersion(),
    'blasnet.dims': JSON.stringify(net.dims),
    'blasnet.activations': JSON.stringify(net.layers.map((l) => l.activation.name)),
    'blasnet.dtype': net.dtype,
    'blasnet.loss': net.loss?.name ?? '',
    'blasnet.epochsTrained': String(net.epochsTrained),
  };
  const metadata = checkMetadata(net.metadata, 'net.metadata');
  if (Object.keys(metadata).length > 0) props['blasnet.metadata'] = JSON.stringify(metadata);
  return props;
}

/**
 * The network as an ONNX model: input `input` [N, inputs], output `output` [N, outputs], N symbolic.
 * @throws {@link ValueError} (`ERR_INVALID_METADATA`) when `net.metadata` is not plain JSON data
 */
export function networkToONNX(net: ExportableNetwork): Uint8Array {
  const type = elementType(net.dtype);
  const graph = new GraphBuilder('blasnet');
  const input = graph.input('input', type, ['N', net.dims[0]!]);
  const output = graph.reserve('output');
  addNetwork(graph, net, input, output);
  graph.output(output, type, ['N', net.dims[net.dims.length - 1]!]);
  const activations = net.layers.map((l) => l.activation.name).join(', ');
  return graph.toBytes({
    producerName: 'blasnet',
    producerVersion: packageVersion(),
    docString: `blasnet multi-layer perceptron ${net.dims.join('-')} (${activations}), ${net.dtype}`,
    metadata: networkMetadata(net),
  });
}
