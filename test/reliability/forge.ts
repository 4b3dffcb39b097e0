/** Model files built by hand, byte by byte as docs/design.md describes the format, with a valid checksum. */
import { createHash } from 'node:crypto';

export function forgeModel(header: Record<string, unknown> | string, payload: Float64Array, version = 1): Buffer {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const start = Math.ceil((16 + text.length) / 8) * 8;
  const end = start + payload.length * 8;
  const bytes = Buffer.alloc(end + 32);
  Buffer.from([0x89, 0x42, 0x4c, 0x41, 0x53, 0x4e, 0x45, 0x54]).copy(bytes, 0);
  bytes.writeUInt32LE(version, 8);
  bytes.writeUInt32LE(text.length, 12);
  text.copy(bytes, 16);
  payload.forEach((v, i) => bytes.writeDoubleLE(v, start + 8 * i));
  createHash('sha256').update(bytes.subarray(0, end)).digest().copy(bytes, end);
  return bytes;
}

/** Parameters of dims, all 0.1. */
export function parametersOf(dims: readonly number[]): Float64Array {
  let count = 0;
  for (let i = 0; i + 1 < dims.length; i++) count += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return new Float64Array(count).fill(0.1);
}
