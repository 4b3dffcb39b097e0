/**
 * Reading a decoded ONNX graph: which node produces and which consume each value, constants (initializers
 * and Constant nodes), typed attributes, and how messages name a node. Knows nothing about networks, so a
 * pipeline importer could use it too.
 */
import { ModelFormatError } from '../errors';
import {
  AttributeType,
  DataType,
  dataTypeName,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto';
import { readTensor, type TensorValue } from './tensor';

/** A string safe to show in a message: quoted, control characters escaped, long ones cut. */
export function quote(value: string | undefined): string {
  const text = String(value ?? '');
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/** `node "/0/Gemm" (Gemm)`, or `node 3 (Gemm)` for an unnamed one. */
export function nodeLabel(node: NodeProto, index: number): string {
  const op = node.domain ? `${node.domain}.${node.opType ?? '?'}` : (node.opType ?? '?');
  return `node ${node.name ? quote(node.name) : String(index)} (${quote(op).slice(1, -1)})`;
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** An indexed graph. */
export class GraphReader {
  readonly nodes: readonly NodeProto[];
  private readonly producers = new Map<string, number>();
  private readonly consumerLists = new Map<string, number[]>();
  private readonly constants = new Map<string, { tensor: TensorProto; what: string }>();

  constructor(readonly graph: GraphProto) {
    this.nodes = graph.node ?? [];
    for (const tensor of graph.initializer ?? []) {
      if (tensor.name) this.constants.set(tensor.name, { tensor, what: `initializer ${quote(tensor.name)}` });
    }
    if ((graph.sparseInitializer?.length ?? 0) > 0) {
      throw new ModelFormatError(
        'ERR_ONNX_UNSUPPORTED_GRAPH',
        'The graph has sparse initializers; blasnet reads dense tensors only',
      );
    }
    this.nodes.forEach((node, index) => {
      for (const output of node.output ?? []) {
        if (output === '') continue;
        if (this.producers.has(output) || this.constants.has(output)) {
          throw new ModelFormatError(
            'ERR_ONNX_GRAPH',
            `The value ${quote(output)} is produced twice (again by ${nodeLabel(node, index)}); an ONNX graph assigns each value once`,
          );
        }
        this.producers.set(output, index);
      }
      for (const input of node.input ?? []) {
        if (input === '') continue;
        const list = this.consumerLists.get(input);
        if (list === undefined) this.consumerLists.set(input, [index]);
        else if (!list.includes(index)) list.push(index);
      }
      if (node.opType === 'Constant' && (node.domain ?? '') === '' && node.output?.[0]) {
        this.constants.set(node.output[0], {
          tensor: constantNodeTensor(node, index),
          what: `the output of ${nodeLabel(node, index)}`,
        });
      }
    });
  }

  /** The indices of the nodes that read `value`. */
  consumers(value: string): number[] {
    return this.consumerLists.get(value) ?? [];
  }

  /** The index of the node that produces `value`, if a node does. */
  producer(value: string): number | undefined {
    return this.producers.get(value);
  }

  /** Whether `value` is an initializer or a Constant node's output. */
  isConstant(value: string): boolean {
    return this.constants.has(value);
  }

  /** The values of a constant, or undefined when `value` is not one. */
  constant(value: string): TensorValue | undefined {
    const entry = this.constants.get(value);
    return entry === undefined ? undefined : readTensor(entry.tensor, entry.what);
  }

  /** The graph inputs that are not initializers (older files list initializers among the inputs too). */
  dataInputs(): ValueInfoProto[] {
    return (this.graph.input ?? []).filter((input) => !this.constants.has(input.name ?? ''));
  }

  /** Whether `value` is one of the graph's outputs. */
  isGraphOutput(value: string): boolean {
    return (this.graph.output ?? []).some((output) => output.name === value);
  }
}

/** The tensor a Constant node holds (its `value`, or a `value_float(s)` / `value_int(s)` shorthand). */
function constantNodeTensor(node: NodeProto, index: number): TensorProto {
  const [attribute] = node.attribute ?? [];
  if (attribute === undefined || (node.attribute?.length ?? 0) !== 1) {
    throw new ModelFormatError(
      'ERR_ONNX_ATTRIBUTE',
      `${nodeLabel(node, index)} must have exactly one attribute (its value)`,
    );
  }
  switch (attribute.name) {
    case 'value':
      if (attribute.t === undefined) break;
      return attribute.t;
    case 'value_float':
      return { dims: [], dataType: DataType.FLOAT, floatData: [attribute.f ?? 0] };
    case 'value_floats':
      return { dims: [attribute.floats?.length ?? 0], dataType: DataType.FLOAT, floatData: attribute.floats ?? [] };
    case 'value_int':
      return { dims: [], dataType: DataType.INT64, int64Data: [attribute.i ?? 0] };
    case 'value_ints':
      return { dims: [attribute.ints?.length ?? 0], dataType: DataType.INT64, int64Data: attribute.ints ?? [] };
    default:
      break;
  }
  throw new ModelFormatError(
    'ERR_ONNX_ATTRIBUTE',
    `${nodeLabel(node, index)} holds its value as ${quote(attribute.name ?? '')}; blasnet reads value, value_float(s) and value_int(s)`,
  );
}

/** A node's attribute by name. */
export function findAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((attribute) => attribute.name === name);
}

function attributeOfType(
  node: NodeProto,
  index: number,
  name: string,
  type: number,
  typeName: string,
): AttributeProto | undefined {
  const attribute = findAttribute(node, name);
  if (attribute === undefined) return undefined;
  // Files before IR 0.0.2 leave `type` unset; accept those when the field itself is there.
  if (attribute.type !== undefined && attribute.type !== AttributeType.UNDEFINED && attribute.type !== type) {
    throw new ModelFormatError(
      'ERR_ONNX_ATTRIBUTE',
      `${nodeLabel(node, index)} has attribute ${name} of type ${attribute.type}; expected ${typeName}`,
    );
  }
  return attribute;
}

/** An INT attribute, or `fallback` when absent. */
export function intAttribute(node: NodeProto, index: number, name: string, fallback: number): number {
  const attribute = attributeOfType(node, index, name, AttributeType.INT, 'INT');
  return attribute === undefined ? fallback : Number(attribute.i ?? 0);
}

/** A FLOAT attribute (a float32, as a float64 number), or `fallback` when absent. */
export function floatAttribute(node: NodeProto, index: number, name: string, fallback: number): number {
  const attribute = attributeOfType(node, index, name, AttributeType.FLOAT, 'FLOAT');
  return attribute === undefined ? fallback : (attribute.f ?? 0);
}

/** An INTS attribute, or undefined. */
export function intsAttribute(node: NodeProto, index: number, name: string): number[] | undefined {
  const attribute = attributeOfType(node, index, name, AttributeType.INTS, 'INTS');
  return attribute === undefined ? undefined : (attribute.ints ?? []).map(Number);
}

/** The element type and the dims (a number, a name, or undefined when unknown) of a tensor value's type, if declared. */
export function tensorTypeOf(
  info: ValueInfoProto,
): { elemType: number; dims: (number | string | undefined)[] | undefined } | undefined {
  const tensorType = info.type?.tensorType;
  if (tensorType === undefined) return undefined;
  const dims = tensorType.shape?.dim?.map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam));
  return { elemType: tensorType.elemType ?? DataType.UNDEFINED, dims };
}

/** A STRING tensor's values (class labels), or undefined for another type. */
export function stringValues(tensor: TensorProto): string[] | undefined {
  if (tensor.dataType !== DataType.STRING) return undefined;
  return (tensor.stringData ?? []).map((bytes) => textDecoder.decode(bytes));
}

export { dataTypeName };
