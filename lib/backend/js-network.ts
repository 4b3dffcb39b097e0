/**
 * The whole-network kernels of the js backend, composed from its layer kernels in the same order as
 * native/kernels/network.h, with the same argument checks as native/bindings/network.cc.
 */
import {
  code,
  dimension,
  dispatchType,
  disjoint,
  expectCount,
  float64Array,
  floatArray,
  indexArray,
  int32Array,
  rangeError,
  scalar,
  typeError,
  type FloatTag,
} from './arguments';
import {
  LOSS_COUNT,
  REQUIRED_ACTIVATION,
  type FloatArray,
  type IndexArray,
  type LossCode,
  type NetworkKernels,
} from './kernels';
import { NetworkLayout, WORKSPACE_RULE } from './layout';
import { backward, forward, outputDelta, view, type LayerKernels, type PassTarget } from './passes';

function readLayout(kernel: string, value: unknown): NetworkLayout {
  return NetworkLayout.parse(int32Array(kernel, 'layout', value), (message) => rangeError(`${kernel}: ${message}`));
}

interface Head extends PassTarget {
  tag: FloatTag;
}

function readHead(kernel: string, layout: unknown, params: unknown, workspace: unknown, capacity: unknown): Head {
  const tag = dispatchType(kernel, 'params', params);
  const parsed = readLayout(kernel, layout);
  const p = floatArray(kernel, 'params', params, parsed.parameterCount, "the layout's parameter count", tag);
  const c = dimension(kernel, 'capacity', capacity);
  const need = parsed.workspaceSize(c);
  if (!Number.isSafeInteger(need)) throw rangeError(`${kernel}: a workspace for capacity ${c} would overflow`);
  const w = floatArray(kernel, 'workspace', workspace, need, WORKSPACE_RULE, tag);
  disjoint(kernel, 'workspace', w, need, 'params', p, parsed.parameterCount, false);
  return { tag, layout: parsed, params: p, workspace: w, capacity: c };
}

function rowsWithin(kernel: string, rows: number, capacity: number, name = 'rows'): void {
  if (rows > capacity)
    throw rangeError(`${kernel}: expected ${name} to be at most capacity (${capacity}) but received ${rows}`);
}

function lossFits(kernel: string, loss: LossCode, layout: NetworkLayout): void {
  const required = REQUIRED_ACTIVATION[loss];
  const output = layout.activations[layout.layers - 1]!;
  if (required !== undefined && required !== output) {
    throw rangeError(
      `${kernel}: loss code ${loss} needs the output activation code ${required} but the layout's is ${output}`,
    );
  }
}

function lossOfForward(k: LayerKernels, net: Head, loss: LossCode, targets: FloatArray, rows: number): number {
  const { layout, workspace, capacity } = net;
  const last = layout.layers - 1;
  const count = rows * layout.outputs;
  return k.lossValue(
    loss,
    layout.activations[last]!,
    rows,
    layout.outputs,
    view(workspace, layout.outputZ(capacity), count),
    view(workspace, layout.a(capacity, last), count),
    targets,
  );
}

/** What networkGradients and networkSteps share, checked in the native order. */
interface TrainingRun {
  net: Head;
  loss: LossCode;
  gradients: FloatArray;
  X: FloatArray;
  Y: FloatArray;
  indices: IndexArray;
  indexOffset: number;
  /** The workspace elements the call touches, where more than its regions (networkSteps' spare, below). */
  workspaceNeed?: number;
}

/**
 * The argument count, then the checks of the arguments networkGradients and networkSteps begin with
 * (TrainingArguments). With `layerScratch`, `gradients` may be a scratch of the largest layer's size
 * (networkSteps' plain SGD without a whole-network gradient vector) rather than the whole vector.
 */
function readTraining(kernel: string, expected: number, args: readonly unknown[], layerScratch = false): TrainingRun {
  expectCount(kernel, expected, args.length);
  const [layout, params, gradients, workspace, capacity, loss, X, Y, indices, indexOffset] = args;
  const net = readHead(kernel, layout, params, workspace, capacity);
  const g = layerScratch
    ? stepGradients(kernel, gradients, net)
    : floatArray(kernel, 'gradients', gradients, net.layout.parameterCount, "the layout's parameter count", net.tag);
  const lossCode = code(kernel, 'loss', loss, LOSS_COUNT) as LossCode;
  lossFits(kernel, lossCode, net.layout);
  const x = floatArray(kernel, 'X', X, 0, '0', net.tag);
  const y = floatArray(kernel, 'Y', Y, 0, '0', net.tag);
  const index = indexArray(kernel, 'indices', indices);
  const offset = dimension(kernel, 'indexOffset', indexOffset);
  return { net, loss: lossCode, gradients: g, X: x, Y: y, indices: index, indexOffset: offset };
}

/**
 * networkSteps' gradients, as native readStepGradients takes them: the parameter count, or at least the
 * largest layer's (the lean path), or {@link NetworkLayout.leanScratchSize}'s shorter length when the
 * scratch ends where the workspace begins in the same buffer. This backend computes the lean path as the
 * other, in a gradient vector of its own (the same numbers: the native lean path's bits are
 * networkGradients' bits), and leaves the caller's scratch (and the workspace's dead regions) untouched.
 */
function stepGradients(kernel: string, gradients: unknown, net: Head): FloatArray {
  const l = net.layout;
  const g = floatArray(kernel, 'gradients', gradients, 0, '0', net.tag);
  if (g.length >= l.parameterCount) return g;
  const adjacent = adjacentBefore(g, net.workspace);
  const least = l.leanScratchSize(net.capacity, adjacent);
  if (g.length < least) {
    throw rangeError(
      adjacent
        ? `${kernel}: expected gradients to hold the layout's parameter count (${l.parameterCount}) or, right before the workspace, at least ${least} (the largest layer above the first, or the first's beyond the workspace dead by then; below a Relu first layer where they fit, the minibatch's inputs) but it holds ${g.length}`
        : `${kernel}: expected gradients to hold the layout's parameter count (${l.parameterCount}) or at least its largest layer's (${l.largestLayerSize}, max of d_{i-1}*d_i+d_i) but it holds ${g.length}`,
    );
  }
  return g;
}

/** Whether `a` ends where `b` begins, in one buffer. */
function adjacentBefore(a: FloatArray, b: FloatArray): boolean {
  return a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset;
}

function learningRateOf(kernel: string, learningRate: unknown, tag: FloatTag): void {
  scalar(kernel, 'learningRate', learningRate, tag);
  if ((learningRate as number) < 0) {
    throw rangeError(
      `${kernel}: expected learningRate to be 0 (no update) or more but received ${learningRate as number}`,
    );
  }
}

/**
 * As native lendSpare: a workspace holding the layout's parameter count beyond its regions lends that room
 * to native networkSteps as a second parameter buffer (not on the lean path), so it counts in the overlap
 * checks. This backend updates in place and leaves the room untouched.
 */
function lendSpare(kernel: string, run: TrainingRun): void {
  const { net } = run;
  const l = net.layout;
  const need = l.workspaceSize(net.capacity);
  if (run.gradients.length < l.parameterCount || net.workspace.length - need < l.parameterCount) return;
  run.workspaceNeed = need + l.parameterCount;
  disjoint(kernel, 'workspace', net.workspace, run.workspaceNeed, 'params', net.params, l.parameterCount, false);
}

/** The elements of `gradients` a call touches: the parameter count, or networkSteps' layer scratch. */
function gradientsNeed(run: TrainingRun): number {
  const l = run.net.layout;
  return run.gradients.length >= l.parameterCount
    ? l.parameterCount
    : Math.min(run.gradients.length, l.largestLayerSize);
}

/** The row checks of native checkTrainingRows: count, index range, overlaps, then every index. */
function checkTrainingRows(kernel: string, run: TrainingRun, rows: number): void {
  if (rows === 0) throw rangeError(`${kernel}: expected rows to be at least 1 (a mean over no rows is undefined)`);
  const { net, gradients, X, Y, indices, indexOffset: offset } = run;
  const l = net.layout;
  if (offset + rows > indices.length) {
    throw rangeError(
      `${kernel}: expected indices to hold at least indexOffset+rows = ${offset + rows} entries but it has ${indices.length}`,
    );
  }
  const xRows = Math.floor(X.length / l.inputs);
  const yRows = Math.floor(Y.length / l.outputs);
  const need = run.workspaceNeed ?? l.workspaceSize(net.capacity);
  const g = gradientsNeed(run);
  disjoint(kernel, 'gradients', gradients, g, 'params', net.params, l.parameterCount, false);
  disjoint(kernel, 'gradients', gradients, g, 'workspace', net.workspace, need, false);
  disjoint(kernel, 'gradients', gradients, g, 'X', X, xRows * l.inputs, false);
  disjoint(kernel, 'gradients', gradients, g, 'Y', Y, yRows * l.outputs, false);
  disjoint(kernel, 'workspace', net.workspace, need, 'X', X, xRows * l.inputs, false);
  disjoint(kernel, 'workspace', net.workspace, need, 'Y', Y, yRows * l.outputs, false);
  for (let i = 0; i < rows; i++) {
    const row = indices[offset + i]!;
    if (!(row >= 0 && row < xRows && row < yRows)) {
      throw rangeError(
        `${kernel}: indices[${offset + i}] = ${row} is not a row of X and Y (X has ${xRows} rows, Y ${yRows})`,
      );
    }
  }
}

/**
 * One minibatch (rows `indices[start .. start + rows)`): gather, forward, loss, backward, and with
 * `learningRate` > 0 the plain SGD update unless the loss is not finite or the update would make a
 * parameter non-finite (then Infinity is returned); returns the loss. Buffers are reused as
 * native/kernels/network.h reuses them: delta_L over z_L, each lower delta over the a it replaces.
 */
function gradientStep(k: LayerKernels, run: TrainingRun, start: number, rows: number, learningRate: number): number {
  const { net, loss, gradients, X, Y, indices } = run;
  const { layout: l, capacity: c } = net;
  const inputs = view(net.workspace, l.gatheredInputs(c), rows * l.inputs);
  const targets = view(net.workspace, l.gatheredTargets(c), rows * l.outputs);
  k.gatherRows(rows, l.inputs, X, indices, start, inputs);
  k.gatherRows(rows, l.outputs, Y, indices, start, targets);
  forward(k, net, inputs, rows, undefined);
  const value = lossOfForward(k, net, loss, targets, rows);

  outputDelta(k, net, loss, targets, rows);
  backward(k, net, inputs, rows, gradients);
  if (
    learningRate > 0 &&
    Number.isFinite(value) &&
    !sgdStepIfFinite(l.parameterCount, learningRate, net.params, gradients)
  ) {
    return Infinity;
  }
  return value;
}

/**
 * As native sgdStepIfFinite: params -= learningRate * gradients (optimizerKernels.sgdStep's arithmetic
 * without momentum or decay) only if every result is finite; returns whether it was applied.
 */
function sgdStepIfFinite(n: number, learningRate: number, params: FloatArray, gradients: FloatArray): boolean {
  const round = params instanceof Float32Array ? Math.fround : (x: number) => x;
  const rate = round(learningRate);
  for (let i = 0; i < n; i++) {
    const next = round(params[i]! - round(rate * gradients[i]!));
    if (next - next !== 0) return false;
  }
  for (let i = 0; i < n; i++) params[i] = params[i]! - round(rate * gradients[i]!);
  return true;
}

export function networkKernels(k: LayerKernels): NetworkKernels {
  return {
    networkForward(layout, params, workspace, capacity, X, rowOffset, rows, out) {
      const kernel = 'networkForward';
      expectCount(kernel, 8, arguments.length);
      const net = readHead(kernel, layout, params, workspace, capacity);
      dimension(kernel, 'rowOffset', rowOffset);
      dimension(kernel, 'rows', rows);
      rowsWithin(kernel, rows, net.capacity);
      const { inputs, outputs } = net.layout;
      floatArray(kernel, 'X', X, (rowOffset + rows) * inputs, '(rowOffset+rows)*d_0', net.tag);
      floatArray(kernel, 'out', out, rows * outputs, 'rows*d_L', net.tag);
      const need = net.layout.workspaceSize(net.capacity);
      disjoint(kernel, 'workspace', net.workspace, need, 'X', X, (rowOffset + rows) * inputs, false);
      disjoint(kernel, 'out', out, rows * outputs, 'X', X, (rowOffset + rows) * inputs, false);
      disjoint(kernel, 'out', out, rows * outputs, 'params', net.params, net.layout.parameterCount, false);
      disjoint(kernel, 'out', out, rows * outputs, 'workspace', net.workspace, need, false);
      if (rows === 0) return;
      forward(k, net, view(X, rowOffset * inputs, rows * inputs), rows, out.subarray(0, rows * outputs));
    },

    networkLoss(layout, params, workspace, capacity, loss, X, Y, rowOffset, rows) {
      const kernel = 'networkLoss';
      expectCount(kernel, 9, arguments.length);
      const net = readHead(kernel, layout, params, workspace, capacity);
      code(kernel, 'loss', loss, LOSS_COUNT);
      lossFits(kernel, loss, net.layout);
      dimension(kernel, 'rowOffset', rowOffset);
      dimension(kernel, 'rows', rows);
      rowsWithin(kernel, rows, net.capacity);
      if (rows === 0) throw rangeError(`${kernel}: expected rows to be at least 1 (a mean over no rows is undefined)`);
      const { inputs, outputs } = net.layout;
      floatArray(kernel, 'X', X, (rowOffset + rows) * inputs, '(rowOffset+rows)*d_0', net.tag);
      floatArray(kernel, 'Y', Y, (rowOffset + rows) * outputs, '(rowOffset+rows)*d_L', net.tag);
      const need = net.layout.workspaceSize(net.capacity);
      disjoint(kernel, 'workspace', net.workspace, need, 'X', X, (rowOffset + rows) * inputs, false);
      disjoint(kernel, 'workspace', net.workspace, need, 'Y', Y, (rowOffset + rows) * outputs, false);
      forward(k, net, view(X, rowOffset * inputs, rows * inputs), rows, undefined);
      return lossOfForward(k, net, loss, view(Y, rowOffset * outputs, rows * outputs), rows);
    },

    networkGradients(...args) {
      const kernel = 'networkGradients';
      const run = readTraining(kernel, 12, args);
      const rows = args[10];
      const learningRate = args[11];
      dimension(kernel, 'rows', rows);
      rowsWithin(kernel, rows, run.net.capacity);
      learningRateOf(kernel, learningRate, run.net.tag);
      checkTrainingRows(kernel, run, rows);
      return gradientStep(k, run, run.indexOffset, rows, learningRate);
    },

    networkSteps(...args) {
      const kernel = 'networkSteps';
      const run = readTraining(kernel, 14, args, true);
      const batchSize = args[10];
      const rows = args[11];
      const learningRate = args[12];
      const losses = args[13];
      dimension(kernel, 'batchSize', batchSize);
      if (batchSize === 0) throw rangeError(`${kernel}: expected batchSize to be at least 1`);
      rowsWithin(kernel, batchSize, run.net.capacity, 'batchSize');
      dimension(kernel, 'rows', rows);
      learningRateOf(kernel, learningRate, run.net.tag);
      lendSpare(kernel, run);
      checkTrainingRows(kernel, run, rows);
      const batches = Math.ceil(rows / batchSize);
      float64Array(kernel, 'losses', losses, batches, 'ceil(rows/batchSize)');
      const { net, gradients: g, X: x, Y: y } = run;
      const l = net.layout;
      for (const [name, other, length] of [
        ['params', net.params, l.parameterCount],
        ['gradients', g, gradientsNeed(run)],
        ['workspace', net.workspace, run.workspaceNeed ?? l.workspaceSize(net.capacity)],
        ['X', x, Math.floor(x.length / l.inputs) * l.inputs],
        ['Y', y, Math.floor(y.length / l.outputs) * l.outputs],
      ] as const) {
        disjoint(kernel, 'losses', losses, batches, name, other, length, false);
      }
      // The lean path's numbers are the full path's: computed here in a gradient vector of this call's own.
      if (g.length < l.parameterCount)
        run.gradients =
          g instanceof Float32Array ? new Float32Array(l.parameterCount) : new Float64Array(l.parameterCount);
      let batch = 0;
      for (let start = 0; start < rows; start += batchSize, batch++) {
        const value = gradientStep(k, run, run.indexOffset + start, Math.min(batchSize, rows - start), learningRate);
        losses[batch] = value;
        if (!Number.isFinite(value)) return batch + 1;
      }
      return batch;
    },

    networkPrepare(layout, params, workspace, capacity, X, out, handle) {
      const kernel = 'networkPrepare';
      expectCount(kernel, 7, arguments.length);
      const net = readHead(kernel, layout, params, workspace, capacity);
      const { inputs, outputs } = net.layout;
      const xNeed = net.capacity * inputs;
      const outNeed = net.capacity * outputs;
      const x = floatArray(kernel, 'X', X, xNeed, 'capacity*d_0', net.tag);
      const o = floatArray(kernel, 'out', out, outNeed, 'capacity*d_L', net.tag);
      const need = net.layout.workspaceSize(net.capacity);
      disjoint(kernel, 'workspace', net.workspace, need, 'X', x, xNeed, false);
      disjoint(kernel, 'out', o, outNeed, 'X', x, xNeed, false);
      disjoint(kernel, 'out', o, outNeed, 'params', net.params, net.layout.parameterCount, false);
      disjoint(kernel, 'out', o, outNeed, 'workspace', net.workspace, need, false);
      if (typeof handle !== 'object' || handle === null)
        throw typeError(`${kernel}: expected handle to be a plain object to bind`);
      if (prepared.has(handle)) throw typeError(`${kernel}: handle is already bound (prepare a new object)`);
      prepared.set(handle, {
        net,
        X: x,
        out: o,
        bound: [
          bindArray('params', net.params, net.layout.parameterCount),
          bindArray('workspace', net.workspace, need),
          bindArray('X', x, xNeed),
          bindArray('out', o, outNeed),
        ],
      });
      return handle; // the token: here the handle itself
    },

    networkRun(handle, rows, source?: unknown) {
      const kernel = 'networkRun';
      if (arguments.length !== 2 && arguments.length !== 3)
        throw typeError(`${kernel} expects 2 or 3 arguments but received ${arguments.length}`);
      const bound = typeof handle === 'object' && handle !== null ? prepared.get(handle) : undefined;
      if (bound === undefined)
        throw typeError(`${kernel}: expected handle to be an object bound by networkPrepare, or its token`);
      dimension(kernel, 'rows', rows);
      rowsWithin(kernel, rows, bound.net.capacity);
      for (const [name, buffer, end] of bound.bound) {
        // As the native kernel checks: a plain ArrayBuffer's length now (0 once detached) against the
        // bytes the pass touches, and a detached one even where it touches none.
        if (
          buffer !== undefined &&
          (buffer.byteLength < end || (buffer.byteLength === 0 && isDetachedBuffer(buffer)))
        ) {
          throw typeError(
            `${kernel}: ${name}'s buffer was detached or resized after networkPrepare (transferred, structured-cloned away or shrunk); prepare again`,
          );
        }
      }
      const { inputs, outputs } = bound.net.layout;
      if (arguments.length === 3) {
        const count = (rows as number) * inputs;
        const from = floatArray(kernel, 'source', source, count, 'rows*d_0', 'Float64Array');
        disjoint(kernel, 'X', bound.X, count, 'source', from, count, bound.X instanceof Float64Array);
        // set() converts to float32 as the native kernel does (round to nearest even, infinities beyond range).
        if (count > 0 && from !== bound.X) bound.X.set(from.subarray(0, count));
      }
      if (rows === 0) return undefined;
      for (let i = 0; i < rows * inputs; i++) if (!Number.isFinite(bound.X[i]!)) return i;
      forward(k, bound.net, view(bound.X, 0, rows * inputs), rows, bound.out.subarray(0, rows * outputs));
      return undefined;
    },
  };
}

/** What networkPrepare bound to a handle: the checked head and arrays, with the lengths each call needs. */
interface Prepared {
  net: Head;
  X: FloatArray;
  out: FloatArray;
  /** Per array: its name, its buffer unless shared (a SharedArrayBuffer never detaches or shrinks), the end of what the pass touches in bytes. */
  bound: [string, ArrayBuffer | undefined, number][];
}

function bindArray(name: string, array: FloatArray, needed: number): [string, ArrayBuffer | undefined, number] {
  const shared = Object.prototype.toString.call(array.buffer) === '[object SharedArrayBuffer]';
  return [
    name,
    shared ? undefined : (array.buffer as ArrayBuffer),
    array.byteOffset + needed * array.BYTES_PER_ELEMENT,
  ];
}

/** Whether a zero-length ArrayBuffer is detached (a view on a detached one cannot be made). */
function isDetachedBuffer(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** Handles bound by networkPrepare; weak, so a dropped handle frees its arrays as the native one does. */
const prepared = new WeakMap<object, Prepared>();
