/**
 * What a saved model holds, independent of its encoding (the binary file or the JSON form), and the checks
 * every loaded header passes before a network is built from it.
 */
import { ACTIVATIONS, type Activation } from '../activations';
import { MAX_DIMENSION, MAX_LAYERS } from '../backend/layout';
import { ModelFormatError, ValueError, type BlasnetErrorCode } from '../errors';
import { LOSSES, type Loss } from '../losses';
import type { Dtype } from '../matrix';
import { optimizerFromConfig, type OptimizerConfig } from '../optimizers';
import type { RandomState } from '../random';
import { describeValue } from '../validate';
import { jsonDepth, MAX_METADATA_DEPTH } from './metadata';

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
  /** The network's element type; float32 values are stored as the float64 numbers they exactly are. */
  dtype: Dtype;
  seed: number | undefined;
  random: RandomState | undefined;
  /** Epochs completed over the network's life (0 in files that do not say). */
  epochsTrained: number;
  metadata: ModelMetadata;
  /** Every parameter: for each layer its weights (inputs x outputs, row-major), then its biases. */
  parameters: Float64Array;
  /** The optimizer, when saved with it: kind, hyper-parameters, step count, state buffers. */
  optimizer: SavedOptimizer | undefined;
}

/** An optimizer as a model file holds it; each buffer is shaped like the parameters. */
export interface SavedOptimizer {
  config: OptimizerConfig;
  step: number;
  buffers: Float64Array[];
}

/** The header fields both encodings share (the JSON form adds format, version, parameters and sha256). */
export interface ModelHeader {
  dims: number[];
  activations: string[];
  loss: string | null;
  /** The network's element type: `float64`, or `float32` (its values stored exactly as float64). */
  dtype: Dtype;
  parameterCount: number;
  seed?: number;
  random?: RandomState;
  epochsTrained?: number;
  metadata?: ModelMetadata;
  /**
   * Format version 2 only: the optimizer's kind and hyper-parameters, its step count, and how many state
   * buffers (each `parameterCount` float64s) follow the parameters in the payload.
   */
  optimizer?: { config: OptimizerConfig; step: number; buffers: number };
}

/** The format versions: 1 without optimizer state, 2 with it (the payload then holds its buffers too). */
export const FORMAT_VERSIONS = [1, 2] as const;

/** The version a model is written in: the lowest that can hold it, so plain models stay readable by version-1 readers. */
export function versionOf(model: ModelDescription): 1 | 2 {
  return model.optimizer === undefined ? 1 : 2;
}

/** Float64s after the header: the parameters, then each optimizer buffer. */
export function payloadCount(header: ModelHeader): number {
  return header.parameterCount * (1 + (header.optimizer?.buffers ?? 0));
}

/** The payload of a model: its parameters followed by its optimizer's buffers. */
export function payloadOf(model: ModelDescription): Float64Array {
  const buffers = model.optimizer?.buffers ?? [];
  if (buffers.length === 0) return model.parameters;
  const payload = new Float64Array(model.parameters.length * (1 + buffers.length));
  payload.set(model.parameters);
  buffers.forEach((buffer, i) => payload.set(buffer, (i + 1) * model.parameters.length));
  return payload;
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
    dtype: model.dtype,
    parameterCount: model.parameters.length,
  };
  if (model.seed !== undefined) header.seed = model.seed;
  if (model.random !== undefined) header.random = model.random;
  header.epochsTrained = model.epochsTrained;
  header.metadata = model.metadata;
  if (model.optimizer !== undefined) {
    header.optimizer = {
      config: model.optimizer.config,
      step: model.optimizer.step,
      buffers: model.optimizer.buffers.length,
    };
  }
  return header;
}

/** Fails with a ModelFormatError naming the source. */
export type Fail = (code: BlasnetErrorCode, problem: string) => never;

/** A {@link Fail} whose messages start "Cannot load the model <source>: ". */
export function failure(source: string): Fail {
  return (code, problem) => {
    throw new ModelFormatError(code, `Cannot load the model ${source}: ${problem}`);
  };
}

/**
 * Refuses a format version this blasnet does not read (the binary preamble's number, or the JSON form's
 * `version` field as it stands), saying when a newer blasnet wrote it.
 */
export function checkVersion(version: unknown, fail: Fail): void {
  if (!(FORMAT_VERSIONS as readonly unknown[]).includes(version)) {
    const newest = FORMAT_VERSIONS[FORMAT_VERSIONS.length - 1]!;
    fail(
      'ERR_MODEL_VERSION',
      `it is in model format version ${JSON.stringify(version)}, and this blasnet reads versions ${FORMAT_VERSIONS.join(' and ')}` +
        (typeof version === 'number' && version > newest ? ' (a newer blasnet wrote it: upgrade to load it)' : ''),
    );
  }
}

/**
 * Checks a parsed header field by field and returns it typed. Everything a network is built from is
 * checked here or by the caller's length and checksum checks, so no bad file half-builds a network.
 */
export function checkHeader(value: unknown, fail: Fail, version: number): ModelHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('ERR_MODEL_HEADER', `its header is ${describeValue(value)}, not an object`);
  }
  const header = value as Record<string, unknown>;
  const {
    dims,
    activations,
    loss,
    dtype,
    parameterCount: count,
    seed,
    random,
    metadata,
    epochsTrained,
    optimizer,
  } = header;
  const field = (name: string, expected: string, received: unknown): never =>
    fail('ERR_MODEL_HEADER', `expected its header's ${name} to be ${expected} but it is ${describeValue(received)}`);

  if (!Array.isArray(dims) || dims.length < 2) field('dims', 'an array of at least two layer sizes', dims);
  if ((dims as unknown[]).length > MAX_LAYERS + 1)
    field('dims', `at most ${MAX_LAYERS + 1} layer sizes (${MAX_LAYERS} layers, the kernels' limit)`, dims);
  (dims as unknown[]).forEach((units, i) => {
    if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1 || units > MAX_DIMENSION) {
      field(`dims[${i}]`, `an integer from 1 to ${MAX_DIMENSION}`, units);
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
    if (i < layers - 1 && ACTIVATIONS[name as Activation['name']].outputOnly) {
      field(`activations[${i}]`, 'a hidden-layer activation (softmax is for the output layer only)', name);
    }
  });
  if (loss !== null && (typeof loss !== 'string' || !Object.hasOwn(LOSSES, loss))) {
    field('loss', `null or one of ${Object.keys(LOSSES).join(', ')}`, loss);
  }
  const required = typeof loss === 'string' ? LOSSES[loss as Loss['name']].outputActivation : undefined;
  const output = (activations as string[])[layers - 1];
  if (required !== undefined && required.name !== output) {
    fail(
      'ERR_MODEL_HEADER',
      `its header's loss ${loss as string} needs a ${required.name} output layer but its output activation is ${output}`,
    );
  }
  if (dtype !== 'float64' && dtype !== 'float32') field('dtype', '"float64" or "float32"', dtype);
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
    field('parameterCount', 'a non-negative integer', count);
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
  if (metadata !== undefined && jsonDepth(metadata) > MAX_METADATA_DEPTH) {
    fail(
      'ERR_MODEL_HEADER',
      `its header's metadata nests deeper than ${MAX_METADATA_DEPTH} levels, more than blasnet reads or writes`,
    );
  }
  if (
    epochsTrained !== undefined &&
    (typeof epochsTrained !== 'number' || !Number.isSafeInteger(epochsTrained) || epochsTrained < 0)
  ) {
    field('epochsTrained', 'a non-negative integer', epochsTrained);
  }
  if ((optimizer !== undefined) !== (version === 2)) {
    fail(
      'ERR_MODEL_HEADER',
      version === 2
        ? 'its format version 2 promises optimizer state but its header has none'
        : `its header holds optimizer state, which format version ${version} cannot carry`,
    );
  }
  if (optimizer !== undefined) checkOptimizer(optimizer, fail);
  return header as unknown as ModelHeader;
}

/** The optimizer entry: a configuration the optimizer classes accept, a step count, the right buffer count. */
function checkOptimizer(value: unknown, fail: Fail): void {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as {
    config?: unknown;
    step?: unknown;
    buffers?: unknown;
  };
  let expectedBuffers = 0;
  try {
    const optimizer = optimizerFromConfig(entry.config as OptimizerConfig);
    const config = optimizer.toJSON();
    expectedBuffers = config.kind === 'sgd' ? (config.momentum === 0 ? 0 : 1) : 2;
  } catch (error) {
    fail('ERR_MODEL_HEADER', `its header's optimizer.config is not a valid optimizer (${(error as Error).message})`);
  }
  if (typeof entry.step !== 'number' || !Number.isSafeInteger(entry.step) || entry.step < 0) {
    fail(
      'ERR_MODEL_HEADER',
      `expected its header's optimizer.step to be a non-negative integer but it is ${describeValue(entry.step)}`,
    );
  }
  if (entry.buffers !== expectedBuffers) {
    fail(
      'ERR_MODEL_HEADER',
      `expected its header's optimizer.buffers to be ${expectedBuffers} for that optimizer but it is ${describeValue(entry.buffers)}`,
    );
  }
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

/**
 * Checks the decoded payload: every number finite and, in a float32 model, exactly a float32 (anything else
 * is damage, since float32 values are written exactly).
 */
export function checkPayload(payload: Float64Array, header: ModelHeader, fail: Fail): void {
  const count = header.parameterCount;
  const float32 = header.dtype === 'float32';
  const where = (i: number) =>
    i < count ? `parameter ${i} (${locate(i, header.dims)})` : `optimizer state value ${i - count}`;
  for (let i = 0; i < payload.length; i++) {
    const v = payload[i]!;
    if (v - v !== 0) fail('ERR_MODEL_NON_FINITE', `${where(i)} is ${v}; a model's numbers must be finite`);
    if (float32 && Math.fround(v) !== v)
      fail('ERR_MODEL_DTYPE', `${where(i)} is ${v}, which a float32 model cannot hold: damaged`);
  }
}

/**
 * Refuses to write a model that would not load back: every parameter and optimizer state value must be
 * finite (a reader rejects the others as ERR_MODEL_NON_FINITE), and the header must pass the reader's
 * checks; all before anything is written.
 * @throws {@link ValueError} (`ERR_NON_FINITE`) naming the first non-finite value and where it is;
 *   (`ERR_MODEL_UNSAVABLE`) for a header a reader would refuse (a bug: please report it)
 */
export function checkSavable(model: ModelDescription): void {
  // The header as a reader will parse it must pass the reader's own checks: one rule for both sides.
  checkHeader(
    JSON.parse(JSON.stringify(headerOf(model))),
    (code, problem) => {
      throw new ValueError(
        'ERR_MODEL_UNSAVABLE',
        `Cannot save the model: a reader would refuse it (${code}: ${problem}); nothing was written`,
      );
    },
    versionOf(model),
  );
  const arrays = [model.parameters, ...(model.optimizer?.buffers ?? [])];
  arrays.forEach((values, k) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v === 0) continue;
      const where =
        k === 0 ? `parameter ${i} (${locate(i, model.dims)})` : `optimizer state value ${(k - 1) * values.length + i}`;
      throw new ValueError(
        'ERR_NON_FINITE',
        `Cannot save the model: its ${where} is ${v}, and a model holds finite numbers only (it would not load back); nothing was written`,
      );
    }
  });
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

/** The description from a checked header and its checked payload. */
export function describe(header: ModelHeader, payload: Float64Array): ModelDescription {
  const count = header.parameterCount;
  const saved = header.optimizer;
  return {
    dims: header.dims,
    activations: header.activations as Activation['name'][],
    loss: header.loss as Loss['name'] | null,
    dtype: header.dtype,
    seed: header.seed,
    random: header.random,
    epochsTrained: header.epochsTrained ?? 0,
    metadata: header.metadata ?? {},
    parameters: payload.subarray(0, count),
    optimizer:
      saved === undefined
        ? undefined
        : {
            config: saved.config,
            step: saved.step,
            buffers: Array.from({ length: saved.buffers }, (_, i) =>
              payload.subarray((i + 1) * count, (i + 2) * count),
            ),
          },
  };
}
