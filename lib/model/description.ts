/**
 * What a saved model holds, independent of its encoding (the binary file or the JSON form), and the checks
 * every loaded header passes before a network is built from it.
 */
import { ACTIVATIONS, type Activation } from '../activations';
import { ModelFormatError } from '../errors';
import { LOSSES, type Loss } from '../losses';
import type { RandomState } from '../random';
import { describeValue } from '../validate';

/** A JSON value: what `metadata` may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Free-form data saved with a model and loaded back unchanged: feature names, standardisation
 * statistics, class names, provenance. Plain JSON values only (finite numbers, no functions or classes).
 */
export type ModelMetadata = { [key: string]: JsonValue };

/** The model, as the encoders write it and the decoders return it. */
export interface ModelDescription {
  dims: number[];
  activations: Activation['name'][];
  /** The loss the network last trained with, or null. */
  loss: Loss['name'] | null;
  seed: number | undefined;
  random: RandomState | undefined;
  metadata: ModelMetadata;
  /** Every parameter: for each layer its weights (inputs x outputs, row-major), then its biases. */
  parameters: Float64Array;
}

/** The header fields both encodings share (the JSON form adds format, version, parameters and sha256). */
export interface ModelHeader {
  dims: number[];
  activations: string[];
  loss: string | null;
  /** The element type of the parameters: only `float64` so far. */
  dtype: 'float64';
  parameterCount: number;
  seed?: number;
  random?: RandomState;
  metadata?: ModelMetadata;
}

/** The layer sizes' parameter count: for each layer inputs x outputs weights, then outputs biases. */
export function parameterCount(dims: readonly number[]): number {
  let count = 0;
  for (let i = 0; i + 1 < dims.length; i++) count += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return count;
}

/** The header fields of a model, as both encodings write them. */
export function headerOf(model: ModelDescription): ModelHeader {
  const header: ModelHeader = {
    dims: model.dims,
    activations: model.activations,
    loss: model.loss,
    dtype: 'float64',
    parameterCount: model.parameters.length,
  };
  if (model.seed !== undefined) header.seed = model.seed;
  if (model.random !== undefined) header.random = model.random;
  header.metadata = model.metadata;
  return header;
}

/** Fails with a ModelFormatError naming the source. */
export type Fail = (code: string, problem: string) => never;

/** A {@link Fail} whose messages start "Cannot load the model <source>: ". */
export function failure(source: string): Fail {
  return (code, problem) => {
    throw new ModelFormatError(code, `Cannot load the model ${source}: ${problem}`);
  };
}

/**
 * Checks a parsed header field by field and returns it typed. Everything a network is built from is
 * checked here or by the caller's length and checksum checks, so no bad file half-builds a network.
 */
export function checkHeader(value: unknown, fail: Fail): ModelHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('ERR_MODEL_HEADER', `its header is ${describeValue(value)}, not an object`);
  }
  const header = value as Record<string, unknown>;
  const { dims, activations, loss, dtype, parameterCount: count, seed, random, metadata } = header;
  const field = (name: string, expected: string, received: unknown): never =>
    fail('ERR_MODEL_HEADER', `expected its header's ${name} to be ${expected} but it is ${describeValue(received)}`);

  if (!Array.isArray(dims) || dims.length < 2) field('dims', 'an array of at least two layer sizes', dims);
  (dims as unknown[]).forEach((units, i) => {
    if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1 || units > 2147483647) {
      field(`dims[${i}]`, 'an integer from 1 to 2147483647', units);
    }
  });
  const layers = (dims as number[]).length - 1;
  if (!Array.isArray(activations) || activations.length !== layers) {
    field('activations', `an array of ${layers} activation names (one per layer)`, activations);
  }
  (activations as unknown[]).forEach((name, i) => {
    if (typeof name !== 'string' || !Object.hasOwn(ACTIVATIONS, name)) {
      field(`activations[${i}]`, `one of ${Object.keys(ACTIVATIONS).join(', ')}`, name);
    }
  });
  if (loss !== null && (typeof loss !== 'string' || !Object.hasOwn(LOSSES, loss))) {
    field('loss', `null or one of ${Object.keys(LOSSES).join(', ')}`, loss);
  }
  const required = typeof loss === 'string' ? LOSSES[loss as Loss['name']].outputActivation : undefined;
  const output = (activations as string[])[layers - 1];
  if (required !== undefined && required.name !== output) {
    fail('ERR_MODEL_HEADER', `its header's loss ${loss as string} needs a ${required.name} output layer but its output activation is ${output}`);
  }
  if (dtype !== 'float64') field('dtype', '"float64" (the only parameter type this blasnet reads)', dtype);
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) field('parameterCount', 'a non-negative integer', count);
  const expected = parameterCount(dims as number[]);
  if (count !== expected) {
    fail(
      'ERR_MODEL_SHAPE',
      `its header says it holds ${count as number} parameters but dims ${JSON.stringify(dims)} need ${expected} ` +
        '(each layer inputs x outputs weights, then outputs biases)',
    );
  }
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)) {
    field('seed', 'a non-negative integer', seed);
  }
  if (random !== undefined && !isRandomState(random)) field('random', 'a generator state', random);
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    field('metadata', 'an object', metadata);
  }
  return header as unknown as ModelHeader;
}

function isRandomState(value: unknown): value is RandomState {
  if (typeof value !== 'object' || value === null) return false;
  const { state, spareNormal } = value as Partial<RandomState>;
  return (
    Array.isArray(state) &&
    state.length === 4 &&
    state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) &&
    state.some((w) => w !== 0) &&
    (spareNormal === null || (typeof spareNormal === 'number' && Number.isFinite(spareNormal)))
  );
}

/** Checks the decoded parameters: every one finite. */
export function checkParameters(parameters: Float64Array, dims: readonly number[], fail: Fail): void {
  for (let i = 0; i < parameters.length; i++) {
    const v = parameters[i]!;
    if (v - v !== 0) fail('ERR_MODEL_NON_FINITE', `parameter ${i} (${locate(i, dims)}) is ${v}; a model's parameters must be finite`);
  }
}

/** "layer 1 weights[12]" or "layer 0 biases[3]" for a flat parameter index. */
function locate(index: number, dims: readonly number[]): string {
  let offset = 0;
  for (let layer = 0; layer + 1 < dims.length; layer++) {
    const weights = dims[layer]! * dims[layer + 1]!;
    if (index < offset + weights) return `layer ${layer} weights[${index - offset}]`;
    offset += weights;
    if (index < offset + dims[layer + 1]!) return `layer ${layer} biases[${index - offset}]`;
    offset += dims[layer + 1]!;
  }
  return 'past the last layer';
}

/** The description from a checked header and its checked parameters. */
export function describe(header: ModelHeader, parameters: Float64Array): ModelDescription {
  return {
    dims: header.dims,
    activations: header.activations as Activation['name'][],
    loss: header.loss as Loss['name'] | null,
    seed: header.seed,
    random: header.random,
    metadata: header.metadata ?? {},
    parameters,
  };
}
