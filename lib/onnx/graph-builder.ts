/**
 * A small writer of ONNX graphs: named inputs and outputs, initializers, nodes with typed attributes, and
 * unique value names, ending in a ModelProto's bytes. The network exporter uses it, and a pipeline
 * exporter (columns -> encoders -> network -> decoding) builds on the same object, adding its nodes before
 * and after the network's (see export-network.ts's addNetwork).
 */
import { StateError } from '../errors';
import {
  AttributeType,
  DataType,
  encodeModel,
  type AttributeProto,
  type Dimension,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto';
import { floatTensor, int64Tensor, stringTensor } from './tensor';
import { IR_VERSION, OPSET_VERSION } from './versions';

/** The element types a graph's inputs, outputs and initializers use. */
export type ElementType = 'float' | 'double' | 'int64' | 'string' | 'bool';

const ELEMENT_CODES: Record<ElementType, number> = {
  float: DataType.FLOAT,
  double: DataType.DOUBLE,
  int64: DataType.INT64,
  string: DataType.STRING,
  bool: DataType.BOOL,
};

/** A dimension: a fixed size, or a name for a size given at run time (the batch: `'N'`). */
export type Dim = number | string;

/** A node attribute, typed as ONNX stores it (a JS number alone cannot say float or int). */
export type AttributeValue =
  | { float: number }
  | { int: number }
  | { string: string }
  | { floats: readonly number[] }
  | { ints: readonly number[] }
  | { strings: readonly string[] }
  | { tensor: TensorProto };

/** An operator set the graph imports. */
export interface Opset {
  /** '' (or 'ai.onnx') for the default domain, 'ai.onnx.ml' for the classical-ML operators. */
  domain: string;
  version: number;
}

/** What {@link GraphBuilder.toBytes} writes besides the graph. */
export interface ModelInfo {
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** metadata_props: free-form key/value strings readers such as onnxruntime's `modelMetadata` show. */
  metadata?: Record<string, string>;
  /** Default: ai.onnx at {@link OPSET_VERSION}. */
  opsets?: readonly Opset[];
  irVersion?: number;
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[] | undefined): ValueInfoProto {
  const tensorType: NonNullable<ValueInfoProto['type']>['tensorType'] = { elemType: ELEMENT_CODES[type] };
  if (dims !== undefined) {
    tensorType.shape = { dim: dims.map((d): Dimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  }
  return { name, type: { tensorType } };
}

function attribute(name: string, value: AttributeValue): AttributeProto {
  const encoder = new TextEncoder();
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('string' in value) return { name, type: AttributeType.STRING, s: encoder.encode(value.string) };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('strings' in value)
    return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => encoder.encode(s)) };
  return { name, type: AttributeType.TENSOR, t: value.tensor };
}

/** Builds one graph; every name it hands out is unique within it. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private readonly opCounts = new Map<string, number>();

  constructor(private readonly name: string) {}

  /**
   * A fresh value name: `hint` itself when free, else `hint_1`, `hint_2`... Graph input and output names
   * are the caller's exact choice, so claim them (with {@link input}/{@link reserve}) before building.
   */
  fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.taken.has(name); i++) name = `${hint}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Claims an exact name (a graph output's) so {@link fresh} never hands it out. */
  reserve(name: string): string {
    if (this.taken.has(name)) {
      // A bug in an exporter (two values under one name would make an invalid graph), not a user's mistake.
      throw new StateError(
        'ERR_INTERNAL',
        `GraphBuilder: the name ${JSON.stringify(name)} is already used in graph ${JSON.stringify(this.name)}`,
      );
    }
    this.taken.add(name);
    return name;
  }

  /** A graph input, named exactly `name`. */
  input(name: string, type: ElementType, dims?: readonly Dim[]): string {
    this.reserve(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `name` (a value some node produces, usually claimed with {@link reserve}) a graph output. */
  output(name: string, type: ElementType, dims?: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A float or double initializer holding `values` (its type follows the array's), under a fresh name. */
  floatInitializer(hint: string, dims: readonly number[], values: Float64Array | Float32Array): string {
    const name = this.fresh(hint);
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  /** An int64 initializer (shapes, axes), under a fresh name. */
  int64Initializer(hint: string, dims: readonly number[], values: readonly number[]): string {
    const name = this.fresh(hint);
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  /** A string initializer (class labels, categories), under a fresh name. */
  stringInitializer(hint: string, dims: readonly number[], values: readonly string[]): string {
    const name = this.fresh(hint);
    this.initializers.push(stringTensor(name, dims, values));
    return name;
  }

  /**
   * Adds a node. Its name is `prefix/OpType` (numbered when repeated), as PyTorch names nodes.
   * @param outputs - the values it produces: exact names (already reserved) or fresh ones from the caller
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: { domain?: string; prefix?: string } = {},
  ): void {
    const base = `${options.prefix ?? ''}/${opType}`;
    const count = this.opCounts.get(base) ?? 0;
    this.opCounts.set(base, count + 1);
    const node: NodeProto = {
      name: count === 0 ? base : `${base}_${count}`,
      opType,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    };
    if (options.domain !== undefined && options.domain !== '') node.domain = options.domain;
    this.nodes.push(node);
  }

  /** The model's bytes. */
  toBytes(info: ModelInfo): Uint8Array {
    const opsets = info.opsets ?? [{ domain: '', version: OPSET_VERSION }];
    return encodeModel({
      irVersion: info.irVersion ?? IR_VERSION,
      producerName: info.producerName,
      producerVersion: info.producerVersion,
      ...(info.docString === undefined ? {} : { docString: info.docString }),
      opsetImport: opsets.map((o) => ({ domain: o.domain === 'ai.onnx' ? '' : o.domain, version: o.version })),
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}
