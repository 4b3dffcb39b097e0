/**
 * Which form a model's bytes are in: the JSON form starts with "{" (after any whitespace), the binary form
 * with a byte JSON cannot start with (lib/model/binary.ts's magic). Both decode to one checked description.
 */
import { constants as bufferConstants } from 'node:buffer';

import { ModelFormatError } from '../errors';
import { decodeModel } from './binary';
import type { ModelDescription } from './description';
import { decodeModelJSON } from './json';

/** A model file's bytes, in either form, decoded and checked. */
export function decodeModelBytes(bytes: Uint8Array, source: string): ModelDescription {
  const first = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (bytes[first] !== 0x7b) return decodeModel(bytes, source);
  if (bytes.length > bufferConstants.MAX_STRING_LENGTH) {
    throw new ModelFormatError(
      'ERR_MODEL_TOO_LARGE',
      `Cannot load the model ${source}: in the JSON form it is ${bytes.length} bytes, more than one string holds (${bufferConstants.MAX_STRING_LENGTH}); save large models in the binary form`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new ModelFormatError(
      'ERR_MODEL_HEADER',
      `Cannot load the model ${source}: it looks like JSON but does not parse (${(error as Error).message})`,
    );
  }
  return decodeModelJSON(value, source);
}

/** Network.fromJSON's argument: the JSON object, or its text. */
export function decodeModelJSONValue(json: unknown): ModelDescription {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new ModelFormatError(
        'ERR_MODEL_HEADER',
        `Cannot load the model from JSON text: it does not parse (${(error as Error).message})`,
      );
    }
  }
  return decodeModelJSON(value, 'from JSON');
}
