/**
 * Tensor values in and out of TensorProto: blasnet writes float and double tensors as raw little-endian
 * bytes (as PyTorch does: compact, and exact), and reads every encoding a float tensor may come in
 * (raw_data, float_data, double_data), refusing data kept in external files.
 */
import { ModelFormatError } from '../errors';
import { DataLocation, DataType, dataTypeName, type TensorProto } from './proto';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a copy). */
function littleEndianBytes(values: Float64Array | Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float64Array) view.setFloat64(i * size, values[i]!, true);
    else if (values instanceof Float32Array) view.setFloat32(i * size, values[i]!, true);
    else view.setBigInt64(i * size, values[i]!, true);
  }
  return bytes;
}

/** A FLOAT or DOUBLE tensor holding `values` exactly (a Float32Array's values as FLOAT, else DOUBLE). */
export function floatTensor(name: string, dims: readonly number[], values: Float64Array | Float32Array): TensorProto {
  return {
    name,
    dims: [...dims],
    dataType: values instanceof Float32Array ? DataType.FLOAT : DataType.DOUBLE,
    rawData: littleEndianBytes(values),
  };
}

/** An INT64 tensor (shapes, axes). */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return {
    name,
    dims: [...dims],
    dataType: DataType.INT64,
    rawData: littleEndianBytes(BigInt64Array.from(values, (v) => BigInt(v))),
  };
}

/** A STRING tensor (UTF-8 bytes per element). */
export function stringTensor(name: string, dims: readonly number[], values: readonly string[]): TensorProto {
  const encoder = new TextEncoder();
  return { name, dims: [...dims], dataType: DataType.STRING, stringData: values.map((v) => encoder.encode(v)) };
}

/** What a tensor read from a file holds. */
export interface TensorValue {
  dataType: number;
  dims: number[];
  /** The values as float64 numbers (float32 ones exactly), for FLOAT, DOUBLE and the integer types. */
  values: Float64Array;
}

/** The element count of `dims`, checked (a non-negative integer product a typed array can hold). */
export function elementCount(dims: readonly number[], what: string): number {
  let count = 1;
  for (const dim of dims) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new ModelFormatError('ERR_ONNX_SHAPE', `${what} has a dimension ${dim}, not a size`);
    }
    count *= dim;
  }
  if (count > 2 ** 32)
    throw new ModelFormatError(
      'ERR_ONNX_SHAPE',
      `${what} has shape [${dims.join(', ')}]: ${count} elements, more than blasnet reads`,
    );
  return count;
}

const RAW_READERS: Partial<Record<number, { size: number; read: (view: DataView, offset: number) => number }>> = {
  [DataType.FLOAT]: { size: 4, read: (v, o) => v.getFloat32(o, true) },
  [DataType.DOUBLE]: { size: 8, read: (v, o) => v.getFloat64(o, true) },
  [DataType.INT64]: { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [DataType.INT32]: { size: 4, read: (v, o) => v.getInt32(o, true) },
};

/**
 * The values of a numeric tensor (FLOAT, DOUBLE, INT32 or INT64), checked against its dims.
 * @param what - how messages name it, e.g. `initializer "0.weight"`
 * @throws {@link ModelFormatError}: `ERR_ONNX_EXTERNAL_DATA` for values kept in another file,
 *   `ERR_ONNX_DTYPE` for another element type, `ERR_ONNX_SHAPE` when the values do not fill the dims
 */
export function readTensor(tensor: TensorProto, what: string): TensorValue {
  if (tensor.dataLocation === DataLocation.EXTERNAL || (tensor.externalData?.length ?? 0) > 0) {
    const location = tensor.externalData?.find((entry) => entry.key === 'location')?.value;
    throw new ModelFormatError(
      'ERR_ONNX_EXTERNAL_DATA',
      `${what} keeps its values in an external file${location !== undefined ? ` (${JSON.stringify(location)})` : ''}; blasnet reads self-contained models only (onnx.save_model(model, path, save_as_external_data=False) makes one)`,
    );
  }
  const dataType = tensor.dataType ?? DataType.UNDEFINED;
  const dims = tensor.dims ?? [];
  const count = elementCount(dims, what);
  const reader = RAW_READERS[dataType];
  if (reader === undefined) {
    throw new ModelFormatError(
      'ERR_ONNX_DTYPE',
      `${what} holds ${dataTypeName(dataType)} values; blasnet reads FLOAT and DOUBLE tensors (and INT32/INT64 for shapes)`,
    );
  }
  // The lengths are checked against the data the file holds before anything is allocated, so a corrupt
  // shape is an error, never a request for gigabytes.
  const raw = tensor.rawData;
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== count * reader.size) {
      throw new ModelFormatError(
        'ERR_ONNX_SHAPE',
        `${what} has shape [${dims.join(', ')}] (${count} ${dataTypeName(dataType)} values, ${count * reader.size} bytes) but its raw_data holds ${raw.length} bytes`,
      );
    }
    const values = new Float64Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = reader.read(view, i * reader.size);
    return { dataType, dims, values };
  }
  const field =
    dataType === DataType.FLOAT
      ? tensor.floatData
      : dataType === DataType.DOUBLE
        ? tensor.doubleData
        : dataType === DataType.INT64
          ? tensor.int64Data
          : tensor.int32Data;
  const given = field ?? [];
  if (given.length !== count) {
    throw new ModelFormatError(
      'ERR_ONNX_SHAPE',
      `${what} has shape [${dims.join(', ')}] (${count} values) but holds ${given.length}`,
    );
  }
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = Number(given[i]);
  return { dataType, dims, values };
}
