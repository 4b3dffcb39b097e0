/**
 * The ONNX wire format: the official schema (onnx.proto, ONNX 1.12.0, committed beside this file) read by
 * protobufjs, and the plain-object shapes of the messages blasnet writes and reads. Nothing here knows
 * about networks; graph-builder.ts writes models, graph-reader.ts reads them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as protobuf from 'protobufjs';

import { ModelFormatError } from '../errors';
import { invalid } from '../validate';

/** TensorProto.DataType: the element types blasnet writes or recognises. */
export const DataType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
});

/** AttributeProto.AttributeType. */
export const AttributeType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
});

/** TensorProto.DataLocation: EXTERNAL means the values live in another file. */
export const DataLocation = Object.freeze({ DEFAULT: 0, EXTERNAL: 1 });

/** The name of a TensorProto.DataType code, for messages ("INT64"), or the number when it has none. */
export function dataTypeName(code: number | undefined): string {
  const entry = Object.entries(DataType).find(([, value]) => value === code);
  return entry ? entry[0] : String(code);
}

// --- the message shapes (the subset of fields blasnet uses; protobufjs's toObject names them so) ---------

export interface StringStringEntry {
  key?: string;
  value?: string;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntry[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: number[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}

export interface Dimension {
  dimValue?: number;
  dimParam?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } };
  sequenceType?: unknown;
  mapType?: unknown;
  optionalType?: unknown;
  sparseTensorType?: unknown;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface OperatorSetId {
  domain?: string;
  version?: number;
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntry[];
  functions?: unknown[];
}

// --- the schema ----------------------------------------------------------------------------------------

let modelType: protobuf.Type | undefined;

/**
 * onnx.proto sits beside this file in a clone (lib/onnx/, run by tsx or ts-jest); the package ships it at
 * lib/onnx/ too (package.json `files`) while the compiled code runs from dist/onnx/, and the CLI's tests
 * compile into test-output/: so look beside this file, then in lib/onnx/ of each folder above it.
 */
function schemaPath(): string {
  const tried: string[] = [path.join(__dirname, 'onnx.proto')];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    tried.push(path.join(dir, 'lib', 'onnx', 'onnx.proto'));
    if (path.dirname(dir) === dir) break;
  }
  const found = tried.find((candidate) => fs.existsSync(candidate));
  if (found === undefined) {
    throw new ModelFormatError(
      'ERR_ONNX_SCHEMA',
      `Cannot find ONNX's schema onnx.proto (blasnet's package ships it in lib/onnx/); looked beside ${JSON.stringify(__dirname)} and in lib/onnx/ above it`,
    );
  }
  return found;
}

/** onnx.ModelProto, parsed once from the official schema. */
function model(): protobuf.Type {
  if (modelType === undefined) {
    const root = protobuf.parse(fs.readFileSync(schemaPath(), 'utf8'), { keepCase: false }).root;
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** The bytes of a model. protobufjs's `fromObject` checks each field's type as it converts. */
export function encodeModel(value: ModelProto): Uint8Array {
  const type = model();
  const message = type.fromObject(value);
  return type.encode(message).finish();
}

/**
 * A model from its bytes, as plain objects: int64 fields as numbers (a count beyond 2^53 is nonsense in a
 * graph blasnet can read, and every size is checked later), bytes as Uint8Array, repeated fields always
 * present as arrays.
 * @throws {@link ModelFormatError} (`ERR_ONNX_DECODE`) when the bytes are not a protobuf ModelProto
 *   (truncated, corrupt, or another kind of file); ValueError (`ERR_INVALID_ARGUMENT`) for what is not bytes
 */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  // Buffers from another realm (a worker, jest's sandbox) are Uint8Arrays that fail instanceof.
  if (!ArrayBuffer.isView(bytes) || Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw invalid('ERR_INVALID_ARGUMENT', 'bytes', "a Uint8Array (or Buffer) of an ONNX model's bytes", bytes);
  }
  if (bytes.length === 0)
    throw new ModelFormatError('ERR_ONNX_DECODE', `Cannot read the ONNX model ${source}: it is empty`);
  const type = model();
  try {
    // A view of this realm over the same memory: protobufjs checks its argument with instanceof.
    const message = type.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // Inside the try too: subgraphs nested thousands deep exhaust the stack here as in decode.
    return type.toObject(message, {
      longs: Number,
      enums: Number,
      bytes: Uint8Array,
      arrays: true,
      defaults: false,
    }) as ModelProto;
  } catch (error) {
    throw new ModelFormatError(
      'ERR_ONNX_DECODE',
      `Cannot read the ONNX model ${source}: its bytes are not an ONNX ModelProto (truncated or corrupt?): ${(error as Error).message}`,
      { cause: error },
    );
  }
}
