/**
 * The JSON form of a model, for databases, HTTP and `JSON.stringify(net)`: the binary file's header fields,
 * plus `format`, `version`, the parameters as base64 of their little-endian float64 bytes (bit-exact,
 * unlike decimal numbers written and read by other tools) and their SHA-256:
 *
 *   { "format": "blasnet-model", "version": 1, "dims": [64, 15, 10], "activations": ["relu", "softmax"],
 *     "loss": "crossEntropy", "dtype": "float64", "parameterCount": 1135, "seed": 1,
 *     "random": { "state": [...], "spareNormal": null }, "metadata": {}, "parameters": "AAAA...",
 *     "sha256": "3f1c..." }
 */
import { createHash } from 'node:crypto';

import { modelOf, writeFloat64LE } from './binary';
import {
  checkHeader,
  checkVersion,
  failure,
  headerOf,
  payloadCount,
  payloadOf,
  versionOf,
  type ModelDescription,
  type ModelHeader,
} from './description';

/** The JSON form's `format` field. */
export const JSON_FORMAT = 'blasnet-model';

/** A model in its JSON form, as `Network.toJSON()` returns it. */
export interface ModelJSON extends ModelHeader {
  /** Always `blasnet-model`. */
  format: typeof JSON_FORMAT;
  /** The model format version (the binary file's too). */
  version: number;
  /** Base64 of the payload's little-endian float64 bytes: the parameters, then any optimizer buffers. */
  parameters: string;
  /** Hex SHA-256 of those bytes. */
  sha256: string;
}

/** The JSON form of a model. */
export function encodeModelJSON(model: ModelDescription): ModelJSON {
  const payload = payloadOf(model);
  const bytes = Buffer.alloc(8 * payload.length);
  writeFloat64LE(payload, bytes, 0);
  return {
    format: JSON_FORMAT,
    version: versionOf(model),
    ...headerOf(model),
    parameters: bytes.toString('base64'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The model in a parsed JSON form, fully checked.
 * @throws {@link ModelFormatError} with a code for each kind of damage
 */
export function decodeModelJSON(value: unknown, source: string): ModelDescription {
  const fail = failure(source);
  const json = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof ModelJSON, unknown>>;
  if (json.format !== JSON_FORMAT) {
    fail(
      'ERR_MODEL_NOT_BLASNET',
      `expected an object with format "${JSON_FORMAT}" but its format is ${JSON.stringify(json.format) ?? 'missing'}: not a blasnet model`,
    );
  }
  checkVersion(json.version, fail);
  const header = checkHeader(json, fail, json.version as number);
  const encoded = json.parameters;
  if (typeof encoded !== 'string' || encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    fail('ERR_MODEL_HEADER', 'expected its parameters to be a base64 string');
  }
  const bytes = Buffer.from(encoded as string, 'base64');
  const count = payloadCount(header);
  const expected = 8 * count;
  if (bytes.length < expected) {
    fail(
      'ERR_MODEL_TRUNCATED',
      `its parameters hold ${bytes.length} bytes but its header describes ${count} float64s (${expected} bytes): truncated`,
    );
  }
  if (bytes.length > expected) {
    fail(
      'ERR_MODEL_LENGTH',
      `its parameters hold ${bytes.length} bytes but its header describes ${count} float64s (${expected} bytes)`,
    );
  }
  if (
    typeof json.sha256 !== 'string' ||
    createHash('sha256').update(bytes).digest('hex') !== json.sha256.toLowerCase()
  ) {
    fail('ERR_MODEL_CHECKSUM', "its parameters' SHA-256 does not match its sha256 field: damaged");
  }
  return modelOf(header, bytes, 0, fail);
}
