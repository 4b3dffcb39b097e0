/**
 * An MLP graph read into a network description. It follows the one data input through a chain of layers:
 * - a layer is `Gemm(x, W, b)` (transA 0, transB 0 or 1, alpha = beta = 1; PyTorch's nn.Linear) or
 *   `MatMul(x, W)` optionally followed by `Add(., b)` (skl2onnx's MLPs), W and b constants;
 * - then at most one activation: Relu, Sigmoid, Tanh, Softmax (over axis 1, output layer only),
 *   LeakyRelu (alpha 0.01, blasnet's and PyTorch's slope; stored as float32 0.01), the
 *   Where(Greater(z, 0), z, Mul(z, 0.01)) form blasnet writes for float64, or none / Identity;
 * - W may also be a Transpose (perm [1, 0]) of a stored matrix;
 * - no-ops between them: Identity, a Cast to the network's own type (skl2onnx starts with one; a Cast of
 *   the input sets the network's type), a Reshape to [-1, width].
 * After the last layer, label decoding (ArgMax, ArrayFeatureExtractor, ZipMap, Reshape, Cast, and the
 * Sub/Concat skl2onnx writes for a binary classifier's two columns) is left out: the network returns the
 * last layer's activations (the probabilities). Anything else is refused with a ModelFormatError naming
 * the node and its op type.
 */
import type { Activation } from '../activations';
import { ModelFormatError } from '../errors';
import { LOSSES } from '../losses';
import type { Dtype } from '../matrix';
import type { JsonValue, ModelDescription, ModelMetadata } from '../model/description';
import { checkMetadata } from '../model/metadata';
import {
  floatAttribute,
  GraphReader,
  intAttribute,
  intsAttribute,
  nodeLabel,
  quote,
  stringValues,
  tensorTypeOf,
} from './graph-reader';
import { DataType, dataTypeName, decodeModel, type ModelProto, type NodeProto } from './proto';

/** One layer as read: weights inputs x outputs row-major (blasnet's layout), biases, activation. */
interface ReadLayer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  biases: Float64Array;
  activation: Activation['name'] | undefined;
  /** The node that set the activation, for messages. */
  activationNode?: string;
}

const ACTIVATION_OPS: Record<string, Activation['name']> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Softmax: 'softmax',
  LeakyRelu: 'leakyRelu',
};

/** Nodes after the network's output that decode labels; blasnet leaves them out. */
const HEAD_OPS = new Set([
  'ArgMax',
  'ArrayFeatureExtractor',
  'ZipMap',
  'Reshape',
  'Cast',
  'Identity',
  'Sub',
  'Concat',
  'Binarizer',
  'Constant',
]);

const SUPPORTED =
  'blasnet imports chains of Gemm (or MatMul + Add) layers, each followed by at most one of Relu, LeakyRelu, Sigmoid, Tanh, Softmax or Identity';

const LEAKY_SLOPE = 0.01;

function unsupported(node: NodeProto, index: number, why: string): ModelFormatError {
  return new ModelFormatError('ERR_ONNX_UNSUPPORTED_OP', `Cannot import ${nodeLabel(node, index)}: ${why}`);
}

function isDefaultDomain(node: NodeProto): boolean {
  return node.domain === undefined || node.domain === '' || node.domain === 'ai.onnx';
}

/** Walks the chain; one instance per import. */
class ChainReader {
  readonly layers: ReadLayer[] = [];
  private readonly visited = new Set<number>();
  /** The element type of the values along the chain (the network's dtype). */
  dataType: number;
  private width: number | undefined;
  private current: string;
  private readonly opset: number;

  constructor(
    private readonly graph: GraphReader,
    input: string,
    inputType: number,
    inputWidth: number | undefined,
    opset: number,
  ) {
    this.current = input;
    this.dataType = inputType;
    this.width = inputWidth;
    this.opset = opset;
  }

  /** The value the chain ended at (the network's output). */
  get output(): string {
    return this.current;
  }

  isVisited(index: number): boolean {
    return this.visited.has(index);
  }

  run(): void {
    for (;;) {
      const consumers = this.graph.consumers(this.current).filter((i) => !this.visited.has(i));
      if (consumers.length === 0) return;
      if (consumers.length === 1) {
        if (!this.step(consumers[0]!)) return;
        continue;
      }
      if (!this.leakyWhere(consumers)) return;
    }
  }

  /** One node reading the current value; false when the chain ends before it. */
  private step(index: number): boolean {
    const node = this.graph.nodes[index]!;
    if (!isDefaultDomain(node)) return false;
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    const output = node.output?.[0] ?? '';
    if ((node.output?.length ?? 0) !== 1 || output === '') return false;
    switch (op) {
      case 'Gemm':
        if (inputs[0] !== this.current) throw unsupported(node, index, 'the chain enters it as B or C; expected A');
        this.gemm(node, index);
        break;
      case 'MatMul':
        if (inputs[0] !== this.current)
          throw unsupported(node, index, 'the chain enters it as its second operand; expected x W');
        this.matmul(node, index);
        return true;
      case 'Identity':
        break;
      case 'Cast':
        this.cast(node, index);
        break;
      case 'Reshape':
        if (!this.isNoOpReshape(node, index)) return false;
        break;
      default: {
        const activation = ACTIVATION_OPS[op];
        if (activation === undefined) return false;
        this.activation(node, index, activation);
        break;
      }
    }
    this.visited.add(index);
    this.current = output;
    return true;
  }

  private pendingLayer(node: NodeProto, index: number): ReadLayer {
    const layer = this.layers[this.layers.length - 1];
    if (layer === undefined) throw unsupported(node, index, `an activation before any layer; ${SUPPORTED}`);
    if (layer.activation !== undefined) {
      throw unsupported(
        node,
        index,
        `a second activation after ${layer.activationNode} on the same layer; ${SUPPORTED}`,
      );
    }
    return layer;
  }

  private activation(node: NodeProto, index: number, name: Activation['name']): void {
    if (name === 'softmax') {
      // Softmax-13 defaults to the last axis; earlier versions flatten from axis 1: both rows for [N, classes].
      const axis = intAttribute(node, index, 'axis', this.opset >= 13 ? -1 : 1);
      if (axis !== 1 && axis !== -1)
        throw unsupported(node, index, `Softmax over axis ${axis}; blasnet normalises each row (axis 1)`);
    }
    if (name === 'leakyRelu') {
      const alpha = floatAttribute(node, index, 'alpha', LEAKY_SLOPE);
      // The attribute is a float32: PyTorch's 0.01 arrives as 0.009999999776482582.
      if (Math.fround(alpha) !== Math.fround(LEAKY_SLOPE)) {
        throw new ModelFormatError(
          'ERR_ONNX_ATTRIBUTE',
          `Cannot import ${nodeLabel(node, index)}: its alpha is ${alpha}; blasnet's leaky ReLU has slope 0.01`,
        );
      }
    }
    const layer = this.pendingLayer(node, index);
    layer.activation = name;
    layer.activationNode = nodeLabel(node, index);
  }

  /** blasnet's float64 leaky ReLU: Greater(z, 0), Mul(z, 0.01), Where(that, z, this), and nothing else reading z. */
  private leakyWhere(consumers: number[]): boolean {
    if (consumers.length !== 3) return false;
    const nodes = consumers.map((i) => ({ index: i, node: this.graph.nodes[i]! }));
    const find = (op: string) => nodes.find((n) => n.node.opType === op && isDefaultDomain(n.node));
    const greater = find('Greater');
    const mul = find('Mul');
    const where = find('Where');
    if (!greater || !mul || !where || !where.node.output?.[0]) return false;
    const z = this.current;
    const [gx, g0] = greater.node.input ?? [];
    const [m1, m2] = mul.node.input ?? [];
    const [wc, wx, wy] = where.node.input ?? [];
    const slopeName = m1 === z ? m2 : m1;
    const zero = gx === z && g0 !== undefined ? this.scalarConstant(g0) : undefined;
    const slope = (m1 === z || m2 === z) && slopeName !== undefined ? this.scalarConstant(slopeName) : undefined;
    if (zero !== 0 || slope === undefined) return false;
    if (wc !== greater.node.output?.[0] || wx !== z || wy !== mul.node.output?.[0]) return false;
    if (this.graph.consumers(wc!).length !== 1 || this.graph.consumers(wy!).length !== 1) return false;
    if (slope !== LEAKY_SLOPE && slope !== Math.fround(LEAKY_SLOPE)) {
      throw new ModelFormatError(
        'ERR_ONNX_ATTRIBUTE',
        `Cannot import ${nodeLabel(mul.node, mul.index)}: a leaky ReLU of slope ${slope}; blasnet's has slope 0.01`,
      );
    }
    this.activation(where.node, where.index, 'leakyRelu');
    for (const n of nodes) this.visited.add(n.index);
    this.current = where.node.output![0]!;
    return true;
  }

  private scalarConstant(name: string): number | undefined {
    if (!this.graph.isConstant(name)) return undefined;
    const tensor = this.graph.constant(name)!;
    return tensor.values.length === 1 ? tensor.values[0] : undefined;
  }

  /** A float constant of the chain's type, as `what` for messages. */
  private parameter(
    node: NodeProto,
    index: number,
    name: string | undefined,
    what: string,
  ): { dims: number[]; values: Float64Array } {
    if (name === undefined || name === '' || !this.graph.isConstant(name)) {
      throw new ModelFormatError(
        'ERR_ONNX_UNSUPPORTED_GRAPH',
        `Cannot import ${nodeLabel(node, index)}: its ${what} ${name ? quote(name) : ''} is not an initializer or Constant; blasnet imports trained weights stored in the file`,
      );
    }
    const tensor = this.graph.constant(name)!;
    if (tensor.dataType !== DataType.FLOAT && tensor.dataType !== DataType.DOUBLE) {
      throw new ModelFormatError(
        'ERR_ONNX_DTYPE',
        `Cannot import ${nodeLabel(node, index)}: its ${what} ${quote(name)} holds ${dataTypeName(tensor.dataType)} values; expected FLOAT or DOUBLE`,
      );
    }
    if (tensor.dataType !== this.dataType) {
      throw new ModelFormatError(
        'ERR_ONNX_DTYPE',
        `Cannot import ${nodeLabel(node, index)}: its ${what} ${quote(name)} is ${dataTypeName(tensor.dataType)} but the values it multiplies are ${dataTypeName(this.dataType)}`,
      );
    }
    for (let i = 0; i < tensor.values.length; i++) {
      if (!Number.isFinite(tensor.values[i]!)) {
        throw new ModelFormatError(
          'ERR_ONNX_NON_FINITE',
          `Cannot import ${nodeLabel(node, index)}: its ${what} ${quote(name)} holds ${tensor.values[i]} at index ${i}`,
        );
      }
    }
    return tensor;
  }

  /** Weights [inputs, outputs] (or transposed), checked against the chain's width. */
  private addLayer(node: NodeProto, index: number, given: string | undefined, transposedByNode: boolean): ReadLayer {
    let weightsName = given;
    let transposed = transposedByNode;
    // A Transpose of a stored matrix (some exporters write nn.Linear as MatMul(x, Transpose(W))).
    const producer = given === undefined ? undefined : this.graph.producer(given);
    if (producer !== undefined && !this.graph.isConstant(given!)) {
      const transpose = this.graph.nodes[producer]!;
      const perm = intsAttribute(transpose, producer, 'perm');
      const source = transpose.input?.[0];
      if (
        transpose.opType === 'Transpose' &&
        isDefaultDomain(transpose) &&
        (perm === undefined || (perm[0] === 1 && perm[1] === 0)) &&
        source !== undefined &&
        this.graph.isConstant(source)
      ) {
        weightsName = source;
        transposed = !transposed;
        this.visited.add(producer);
      }
    }
    const w = this.parameter(node, index, weightsName, 'weight matrix');
    if (w.dims.length !== 2) {
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `Cannot import ${nodeLabel(node, index)}: its weight matrix has shape [${w.dims.join(', ')}]; expected 2 dimensions`,
      );
    }
    const [rows, cols] = w.dims as [number, number];
    const inputs = transposed ? cols : rows;
    const outputs = transposed ? rows : cols;
    if (this.width !== undefined && inputs !== this.width) {
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `Cannot import ${nodeLabel(node, index)}: its weight matrix has shape [${w.dims.join(', ')}]${transposed ? ' (transB = 1)' : ''}, for ${inputs} inputs, but the values it reads have ${this.width} columns`,
      );
    }
    if (inputs < 1 || outputs < 1)
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `Cannot import ${nodeLabel(node, index)}: its weight matrix has shape [${w.dims.join(', ')}]`,
      );
    let weights = w.values;
    if (transposed) {
      weights = new Float64Array(inputs * outputs);
      for (let i = 0; i < inputs; i++)
        for (let j = 0; j < outputs; j++) weights[i * outputs + j] = w.values[j * inputs + i]!;
    }
    const previous = this.layers[this.layers.length - 1];
    if (previous !== undefined && previous.activation === undefined) previous.activation = 'identity';
    const layer: ReadLayer = { inputs, outputs, weights, biases: new Float64Array(outputs), activation: undefined };
    this.layers.push(layer);
    this.width = outputs;
    return layer;
  }

  /** A bias of shape [outputs], [1, outputs], or one value broadcast. */
  private setBias(node: NodeProto, index: number, layer: ReadLayer, name: string): void {
    const b = this.parameter(node, index, name, 'bias');
    const n = layer.outputs;
    const size = b.values.length;
    const fits =
      (size === n && (b.dims.length === 1 || (b.dims.length === 2 && b.dims[0] === 1))) ||
      (size === 1 && b.dims.length <= 2);
    if (!fits) {
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `Cannot import ${nodeLabel(node, index)}: its bias ${quote(name)} has shape [${b.dims.join(', ')}]; expected [${n}] or [1, ${n}]`,
      );
    }
    for (let j = 0; j < n; j++) layer.biases[j] = size === 1 ? b.values[0]! : b.values[j]!;
  }

  private gemm(node: NodeProto, index: number): void {
    if (intAttribute(node, index, 'transA', 0) !== 0)
      throw unsupported(node, index, 'transA = 1 (blasnet reads rows of x)');
    for (const name of ['alpha', 'beta']) {
      const value = floatAttribute(node, index, name, 1);
      if (value !== 1)
        throw new ModelFormatError(
          'ERR_ONNX_ATTRIBUTE',
          `Cannot import ${nodeLabel(node, index)}: its ${name} is ${value}; blasnet reads Gemm with alpha = beta = 1`,
        );
    }
    const transB = intAttribute(node, index, 'transB', 0);
    const [, weights, bias] = node.input ?? [];
    const layer = this.addLayer(node, index, weights, transB !== 0);
    if (bias !== undefined && bias !== '') this.setBias(node, index, layer, bias);
  }

  /** MatMul(x, W), and the Add of its bias when one follows. */
  private matmul(node: NodeProto, index: number): void {
    const layer = this.addLayer(node, index, node.input?.[1], false);
    this.visited.add(index);
    this.current = node.output![0]!;
    const next = this.graph.consumers(this.current);
    if (next.length !== 1) return;
    const addIndex = next[0]!;
    const add = this.graph.nodes[addIndex]!;
    if (add.opType !== 'Add' || !isDefaultDomain(add) || (add.input?.length ?? 0) !== 2 || !add.output?.[0]) return;
    const [a, b] = add.input!;
    const bias = a === this.current ? b : a;
    if (bias === undefined || bias === this.current || !this.graph.isConstant(bias)) return;
    this.setBias(add, addIndex, layer, bias);
    this.visited.add(addIndex);
    this.current = add.output![0]!;
  }

  private cast(node: NodeProto, index: number): void {
    const to = intAttribute(node, index, 'to', DataType.UNDEFINED);
    if (to === this.dataType) return;
    if (this.layers.length === 0 && (to === DataType.FLOAT || to === DataType.DOUBLE)) {
      this.dataType = to;
      return;
    }
    throw new ModelFormatError(
      'ERR_ONNX_DTYPE',
      `Cannot import ${nodeLabel(node, index)}: a Cast to ${dataTypeName(to)} inside the network, whose values are ${dataTypeName(this.dataType)}`,
    );
  }

  /** Reshape to [-1, width] or [0, width] (skl2onnx's regressor ends with one): changes nothing. */
  private isNoOpReshape(node: NodeProto, index: number): boolean {
    const shapeName = node.input?.[1];
    if (shapeName === undefined || !this.graph.isConstant(shapeName) || this.width === undefined) return false;
    const shape = Array.from(this.graph.constant(shapeName)!.values);
    const ok =
      shape.length === 2 &&
      (shape[0] === -1 || shape[0] === 0) &&
      (shape[1] === this.width || (shape[1] === -1 && shape[0] === 0));
    if (!ok && this.layers.length > 0 && this.graph.consumers(node.output?.[0] ?? '').length > 0) {
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `Cannot import ${nodeLabel(node, index)}: a Reshape to [${shape.join(', ')}] of values with ${this.width} columns`,
      );
    }
    return ok;
  }
}

function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find(
    (o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx',
  );
  return Number(entry?.version ?? 1);
}

function metadataProps(model: ModelProto): Map<string, string> {
  const props = new Map<string, string>();
  for (const entry of model.metadataProps ?? []) if (entry.key !== undefined) props.set(entry.key, entry.value ?? '');
  return props;
}

/** The label decoding after the network's output: every input a constant or a value of the head. */
function checkHead(graph: GraphReader, chain: ChainReader): { classes: string[] | undefined; values: Set<string> } {
  const headValues = new Set([chain.output]);
  let classes: string[] | undefined;
  graph.nodes.forEach((node, index) => {
    if (chain.isVisited(index)) return;
    const op = node.opType ?? '';
    const domainOk = isDefaultDomain(node) || node.domain === 'ai.onnx.ml';
    if (!domainOk || !HEAD_OPS.has(op)) {
      const readers = graph.consumers(chain.output);
      if ((node.input ?? []).includes(chain.output) && readers.length > 1) {
        const names = readers.map((i) => nodeLabel(graph.nodes[i]!, i)).join(', ');
        throw unsupported(
          node,
          index,
          `the value ${quote(chain.output)} branches: ${readers.length} nodes read it (${names}); ${SUPPORTED}, one after another`,
        );
      }
      throw unsupported(node, index, SUPPORTED);
    }
    if (op === 'Constant') return;
    for (const input of node.input ?? []) {
      if (input === '' || headValues.has(input) || graph.isConstant(input)) continue;
      throw unsupported(
        node,
        index,
        `it reads ${quote(input)}, which is neither the network's output ${quote(chain.output)} nor a constant; ${SUPPORTED}`,
      );
    }
    for (const output of node.output ?? []) headValues.add(output);
    if (op === 'ArrayFeatureExtractor') {
      const labels = node.input?.[0];
      const initializer = (graph.graph.initializer ?? []).find((t) => t.name === labels);
      const strings = initializer && stringValues(initializer);
      if (strings) classes = strings;
      else if (labels !== undefined && graph.isConstant(labels))
        classes = Array.from(graph.constant(labels)!.values, String);
    }
  });
  return { classes, values: headValues };
}

/**
 * The network a model's bytes describe.
 * @throws {@link ModelFormatError} with codes `ERR_ONNX_DECODE` (not a ModelProto), `ERR_ONNX_GRAPH`
 *   (no graph, not one input, the chain reaches no output), `ERR_ONNX_UNSUPPORTED_OP`,
 *   `ERR_ONNX_UNSUPPORTED_GRAPH`, `ERR_ONNX_ATTRIBUTE`, `ERR_ONNX_SHAPE`, `ERR_ONNX_DTYPE`,
 *   `ERR_ONNX_NON_FINITE`, `ERR_ONNX_EXTERNAL_DATA`, `ERR_ONNX_METADATA`
 */
export function describeONNX(bytes: Uint8Array, source = '(bytes given to fromONNX)'): ModelDescription {
  const model = decodeModel(bytes, source);
  if (model.graph === undefined) throw new ModelFormatError('ERR_ONNX_GRAPH', `The ONNX model ${source} has no graph`);
  const graph = new GraphReader(model.graph);
  const inputs = graph.dataInputs();
  if (inputs.length !== 1) {
    throw new ModelFormatError(
      'ERR_ONNX_GRAPH',
      `The ONNX model ${source} has ${inputs.length} data inputs (${inputs.map((i) => quote(i.name ?? '')).join(', ')}); a network reads one matrix`,
    );
  }
  const input = inputs[0]!;
  const inputName = input.name ?? '';
  const type = tensorTypeOf(input);
  if (type === undefined)
    throw new ModelFormatError(
      'ERR_ONNX_DTYPE',
      `The input ${quote(inputName)} of the ONNX model ${source} is not a tensor`,
    );
  if (type.elemType !== DataType.FLOAT && type.elemType !== DataType.DOUBLE) {
    throw new ModelFormatError(
      'ERR_ONNX_DTYPE',
      `The input ${quote(inputName)} of the ONNX model ${source} holds ${dataTypeName(type.elemType)} values; blasnet reads FLOAT or DOUBLE`,
    );
  }
  if (type.dims !== undefined && type.dims.length !== 2) {
    throw new ModelFormatError(
      'ERR_ONNX_SHAPE',
      `The input ${quote(inputName)} of the ONNX model ${source} has ${type.dims.length} dimensions; a network reads [N, inputs]`,
    );
  }
  const inputWidth = typeof type.dims?.[1] === 'number' ? type.dims[1] : undefined;
  const chain = new ChainReader(graph, inputName, type.elemType, inputWidth, defaultOpset(model));
  chain.run();
  const layers = chain.layers;
  if (layers.length === 0) {
    const next = graph.consumers(inputName)[0];
    if (next !== undefined) throw unsupported(graph.nodes[next]!, next, SUPPORTED);
    throw new ModelFormatError(
      'ERR_ONNX_GRAPH',
      `The ONNX model ${source} has no layer reading its input ${quote(inputName)}; ${SUPPORTED}`,
    );
  }
  const last = layers[layers.length - 1]!;
  if (last.activation === undefined) last.activation = 'identity';
  layers.forEach((layer, i) => {
    if (layer.activation === 'softmax' && i !== layers.length - 1) {
      throw new ModelFormatError(
        'ERR_ONNX_UNSUPPORTED_OP',
        `Cannot import ${layer.activationNode}: a Softmax on hidden layer ${i}; blasnet allows it on the output layer only`,
      );
    }
  });
  // Whatever reads the last activation must be label decoding, and it must end somewhere.
  const { classes, values: headValues } = checkHead(graph, chain);
  const outputs = model.graph.output ?? [];
  for (const o of outputs) {
    if (!headValues.has(o.name ?? '')) {
      throw new ModelFormatError(
        'ERR_ONNX_GRAPH',
        `The ONNX model ${source} outputs ${quote(o.name ?? '')}, which is not the network's output ${quote(chain.output)} or computed from it; a network has one output`,
      );
    }
  }
  const declared = outputs.find((o) => o.name === chain.output);
  if (declared === undefined && !graph.consumers(chain.output).length) {
    throw new ModelFormatError(
      'ERR_ONNX_GRAPH',
      `The ONNX model ${source}'s network ends at ${quote(chain.output)}, which is not a graph output`,
    );
  }
  const outType = declared && tensorTypeOf(declared);
  const outWidth = outType?.dims?.[1];
  if (typeof outWidth === 'number' && outWidth !== last.outputs) {
    throw new ModelFormatError(
      'ERR_ONNX_SHAPE',
      `The output ${quote(chain.output)} of the ONNX model ${source} is declared with ${outWidth} columns but its last layer has ${last.outputs}`,
    );
  }

  const dtype: Dtype = chain.dataType === DataType.FLOAT ? 'float32' : 'float64';
  const dims = [layers[0]!.inputs, ...layers.map((l) => l.outputs)];
  let count = 0;
  for (const l of layers) count += l.weights.length + l.biases.length;
  const parameters = new Float64Array(count);
  let offset = 0;
  for (const l of layers) {
    parameters.set(l.weights, offset);
    offset += l.weights.length;
    parameters.set(l.biases, offset);
    offset += l.biases.length;
  }
  const props = metadataProps(model);
  const loss = props.get('blasnet.loss');
  const epochs = Number(props.get('blasnet.epochsTrained'));
  return {
    dims,
    activations: layers.map((l) => l.activation!),
    loss:
      loss !== undefined && Object.prototype.hasOwnProperty.call(LOSSES, loss)
        ? (loss as ModelDescription['loss'])
        : null,
    dtype,
    seed: undefined,
    random: undefined,
    epochsTrained: Number.isSafeInteger(epochs) && epochs >= 0 ? epochs : 0,
    metadata: importedMetadata(model, props, inputName, chain.output, classes, source),
    parameters,
    optimizer: undefined,
  };
}

/** blasnet's own metadata back, or, for another producer's file, where it came from. */
function importedMetadata(
  model: ModelProto,
  props: Map<string, string>,
  input: string,
  output: string,
  classes: string[] | undefined,
  source: string,
): ModelMetadata {
  const saved = props.get('blasnet.metadata');
  if (saved !== undefined) {
    try {
      return checkMetadata(JSON.parse(saved), 'blasnet.metadata');
    } catch (error) {
      throw new ModelFormatError(
        'ERR_ONNX_METADATA',
        `The ONNX model ${source}'s blasnet.metadata is not a JSON object: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (model.producerName === 'blasnet') return {};
  const onnx: { [key: string]: JsonValue } = {
    producer: [model.producerName, model.producerVersion].filter((s) => s).join(' '),
    input,
    output,
  };
  if (classes !== undefined) onnx.classes = classes;
  return { onnx };
}
