/**
 * The model file format, version 1 (all integers little-endian):
 *
 *   offset        bytes   content
 *   0             8       magic: 89 42 4C 41 53 4E 45 54 ("\x89BLASNET": the high byte marks it binary)
 *   8             4       format version, uint32: 1, or 2 when the payload holds optimizer state
 *   12            4       header length H in bytes, uint32
 *   16            H       header: UTF-8 JSON (ModelHeader: dims, activations, loss, dtype, parameterCount,
 *                         seed, random, metadata; unknown fields are ignored, so later writers may add some)
 *   16 + H        0..7    zero padding, so the parameters start at a multiple of 8
 *   P             8 M     the payload, float64 little-endian: the N = parameterCount parameters (for
 *                         each layer its weights, inputs x outputs row-major, then its biases), then,
 *                         in version 2, the optimizer's state buffers of N each (M = N (1 + buffers))
 *   P + 8 M       32      SHA-256 of every byte before it
 *
 * A reader checks, in this order, each with its own error code: the magic, the version, the header, that
 * the parameter count fits the dims, the length, the checksum, and that every parameter is finite. A
 * header that fails its checks in a file whose checksum does not match is reported as damage.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

import {
  checkHeader,
  checkPayload,
  checkVersion,
  describe,
  failure,
  FORMAT_VERSIONS,
  headerOf,
  payloadCount,
  payloadOf,
  versionOf,
  type Fail,
  type ModelDescription,
  type ModelHeader,
} from './description';

/** The first eight bytes of every model file. */
export const MAGIC = Buffer.from([0x89, 0x42, 0x4c, 0x41, 0x53, 0x4e, 0x45, 0x54]);
/** The newest model format version this blasnet reads (and writes, for models with optimizer state). */
export const FORMAT_VERSION = 2;
const PREAMBLE = 16;
/** The magic, the version and the header length. */
export const PREAMBLE_BYTES = PREAMBLE;
const CHECKSUM_BYTES = 32;
const LITTLE_ENDIAN = endianness() === 'LE';

/** The file's bytes. */
export function encodeModel(model: ModelDescription): Buffer {
  const header = Buffer.from(JSON.stringify(headerOf(model)), 'utf8');
  const payload = payloadOf(model);
  const start = align8(PREAMBLE + header.length);
  const end = start + 8 * payload.length;
  const bytes = Buffer.alloc(end + CHECKSUM_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(versionOf(model), 8);
  bytes.writeUInt32LE(header.length, 12);
  header.copy(bytes, PREAMBLE);
  writeFloat64LE(payload, bytes, start);
  createHash('sha256').update(bytes.subarray(0, end)).digest().copy(bytes, end);
  return bytes;
}

/**
 * The model in `bytes`, fully checked.
 * @param source - how to name the bytes in errors, e.g. the file's path
 * @throws {@link ModelFormatError} with a code for each kind of damage
 */
export function decodeModel(bytes: Uint8Array, source: string): ModelDescription {
  const fail = failure(source);
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = data.subarray(0, MAGIC.length);
  if (!magic.equals(MAGIC.subarray(0, magic.length))) {
    fail(
      'ERR_MODEL_NOT_BLASNET',
      `it does not start with blasnet's magic bytes (${hex(MAGIC)}) but with ${hex(magic)}: not a blasnet model file`,
    );
  }
  if (data.length < PREAMBLE) {
    fail(
      'ERR_MODEL_TRUNCATED',
      `it is ${data.length} bytes long, shorter than the ${PREAMBLE}-byte start of a model file: truncated`,
    );
  }
  const version = data.readUInt32LE(8);
  checkVersion(version, fail);
  const headerLength = data.readUInt32LE(12);
  if (PREAMBLE + headerLength > data.length) {
    fail(
      'ERR_MODEL_TRUNCATED',
      `its header should be ${headerLength} bytes but the file ends ${data.length - PREAMBLE} bytes into it: truncated`,
    );
  }
  // A header that does not make sense is either damage or a bad writer: the checksum over the rest of the
  // file (its last 32 bytes, when the file is whole) tells which, so damage is reported as damage.
  const failHeader: Fail = (code, problem) => {
    const end = data.length - CHECKSUM_BYTES;
    if (end < PREAMBLE || !createHash('sha256').update(data.subarray(0, end)).digest().equals(data.subarray(end))) {
      fail('ERR_MODEL_CHECKSUM', `its header is damaged (${problem}), and its checksum does not match its contents`);
    }
    return fail(code, problem);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8', PREAMBLE, PREAMBLE + headerLength));
  } catch (error) {
    failHeader('ERR_MODEL_HEADER', `its header is not valid JSON (${(error as Error).message})`);
  }
  const header = checkHeader(parsed, failHeader, version);
  const start = align8(PREAMBLE + headerLength);
  const count = payloadCount(header);
  const end = start + 8 * count;
  checkLength(data.length, end + CHECKSUM_BYTES, fail);
  const digest = createHash('sha256').update(data.subarray(0, end)).digest();
  if (!digest.equals(data.subarray(end, end + CHECKSUM_BYTES))) {
    fail(
      'ERR_MODEL_CHECKSUM',
      'its SHA-256 checksum does not match its contents: the file is damaged (changed bytes or a partial overwrite)',
    );
  }
  return modelOf(header, data, start, fail);
}

/**
 * The model a checked header and its payload (the header's payloadCount float64s, little-endian, at
 * `offset` in `source`) describe, once every parameter is checked finite: the last step of both readers.
 */
export function modelOf(header: ModelHeader, source: Buffer, offset: number, fail: Fail): ModelDescription {
  const payload = readFloat64LE(source, offset, payloadCount(header));
  checkPayload(payload, header, fail);
  return describe(header, payload);
}

/**
 * The file length a binary model's preamble and header (the first 16 + H bytes) describe, when the header
 * passes every check a reader makes; undefined otherwise (then decodeModel reports what is wrong).
 */
export function declaredLength(head: Buffer): number | undefined {
  if (head.length < PREAMBLE || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const version = head.readUInt32LE(8);
  const headerLength = head.readUInt32LE(12);
  if (!(FORMAT_VERSIONS as readonly number[]).includes(version) || head.length < PREAMBLE + headerLength)
    return undefined;
  try {
    const header = checkHeader(
      JSON.parse(head.toString('utf8', PREAMBLE, PREAMBLE + headerLength)),
      () => {
        throw new Error('not a valid header');
      },
      version,
    );
    return align8(PREAMBLE + headerLength) + 8 * payloadCount(header) + CHECKSUM_BYTES;
  } catch {
    return undefined;
  }
}

function checkLength(actual: number, expected: number, fail: Fail): void {
  if (actual < expected) {
    fail(
      'ERR_MODEL_TRUNCATED',
      `it is ${actual} bytes long but its header describes ${expected} bytes: truncated (an interrupted write or copy?)`,
    );
  }
  if (actual > expected) {
    fail(
      'ERR_MODEL_LENGTH',
      `it is ${actual} bytes long but its header describes ${expected} bytes: ${actual - expected} unexpected bytes at the end`,
    );
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ') || '(nothing)';
}

/** Writes float64s little-endian: a plain copy on little-endian machines, byte-swapped elsewhere. */
export function writeFloat64LE(values: Float64Array, target: Buffer, offset: number): void {
  if (LITTLE_ENDIAN) {
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  for (let i = 0; i < values.length; i++) target.writeDoubleLE(values[i]!, offset + 8 * i);
}

/** Reads `count` float64s little-endian into a new array (a copy: the source may be unaligned). */
export function readFloat64LE(source: Buffer, offset: number, count: number): Float64Array {
  const values = new Float64Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(source.subarray(offset, offset + 8 * count));
    return values;
  }
  for (let i = 0; i < count; i++) values[i] = source.readDoubleLE(offset + 8 * i);
  return values;
}
