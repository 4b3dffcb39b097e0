/**
 * Network.predict's forward passes, in chunks of the workspace's capacity: float64 networks run on the
 * caller's rows directly, float32 networks through kept float32 buffers (converted and checked chunk by
 * chunk); and the buffers those passes (and fit's loss and validation passes) keep between calls.
 */
import type { Backend } from '../backend/backend';
import type { NetworkLayout } from '../backend/layout';
import { assertFinite, shortAllFinite, type Dtype, type Matrix } from '../matrix';
import { evaluationCapacity, Workspace } from '../train/workspace';

/** What a forward pass needs of its network (Network passes itself). */
export interface ForwardSource {
  readonly backend: Backend;
  readonly encodedLayout: Int32Array;
  readonly parameters: Float64Array | Float32Array;
  readonly inputs: number;
  readonly outputs: number;
}

/** Float32 input and output buffers kept between predicts, grown when a larger chunk needs them. */
export class Float32Scratch {
  private buffers: { x: Float32Array; y: Float32Array } | undefined;

  /** Buffers for `capacity` rows of `inputs` in and `outputs` out. */
  get(capacity: number, inputs: number, outputs: number): { x: Float32Array; y: Float32Array } {
    if (this.buffers === undefined || this.buffers.y.length < capacity * outputs) {
      this.buffers = { x: new Float32Array(capacity * inputs), y: new Float32Array(capacity * outputs) };
    }
    return this.buffers;
  }
}

/** What a network's predict, loss and validation passes keep between calls. */
export class PassBuffers {
  private workspace: Workspace | undefined;
  readonly float32 = new Float32Scratch();

  /** A workspace for passes over `rows` rows (see evaluationCapacity), grown when needed and then kept. */
  workspaceFor(layout: NetworkLayout, dtype: Dtype, rows: number): Workspace {
    const wanted = evaluationCapacity(layout, dtype, rows);
    if (!this.workspace || this.workspace.capacity < wanted) this.workspace = new Workspace(layout, wanted, dtype);
    return this.workspace;
  }
}

/** One networkForward call: rows `rowOffset ..` of `x` (within the workspace's capacity) to `out`. */
function forwardChunk(
  net: ForwardSource,
  workspace: Workspace,
  x: Float64Array | Float32Array,
  rowOffset: number,
  rows: number,
  out: Float64Array | Float32Array,
): void {
  net.backend.networkForward(
    net.encodedLayout,
    net.parameters,
    workspace.buffer,
    workspace.capacity,
    x,
    rowOffset,
    rows,
    out,
  );
}

/** Writes the outputs of every row of `input` into `out` (rows x outputs). */
export function forwardRows(
  net: ForwardSource,
  input: Matrix,
  out: Matrix,
  workspace: Workspace,
  scratch: Float32Scratch,
): void {
  if (net.parameters instanceof Float32Array) {
    forwardFloat32(net, input, out, workspace, scratch.get(workspace.capacity, net.inputs, net.outputs));
    return;
  }
  for (let start = 0; start < input.rows; start += workspace.capacity) {
    const rows = Math.min(workspace.capacity, input.rows - start);
    // One chunk (the common case) writes straight into the result, with no view to allocate.
    const target = start === 0 ? out.data : out.data.subarray(start * net.outputs);
    forwardChunk(net, workspace, input.data, start, rows, target);
  }
}

/** From this many values a chunk is converted with views (a few allocations) rather than element by element. */
const BULK_CONVERSION = 512;

/**
 * predict for a float32 network, which computes in float32: each chunk of rows is converted into a kept
 * float32 buffer (and checked, since a number beyond float32's range becomes infinite), run, and its
 * outputs copied back (`buffers` hold a chunk: Float32Scratch's). Plain loops rather than Float32Array.from or views: a one-row predict allocates
 * nothing but its result.
 */
function forwardFloat32(
  net: ForwardSource,
  input: Matrix,
  out: Matrix,
  workspace: Workspace,
  buffers: { x: Float32Array; y: Float32Array },
): void {
  const { inputs, outputs } = net;
  const capacity = workspace.capacity;
  for (let start = 0; start < input.rows; start += capacity) {
    const rows = Math.min(capacity, input.rows - start);
    const count = rows * inputs;
    const base = start * inputs;
    if (count >= BULK_CONVERSION) {
      // One native conversion and the exponent scan: the loop below, its probe one chain of dependent
      // additions, made a 64-row predict on 64-15-10 twice as slow in float32 as in float64.
      const converted = buffers.x.subarray(0, count);
      converted.set(input.data.subarray(base, base + count));
      assertFinite({ rows, cols: inputs, data: converted }, 'x', start);
    } else {
      for (let i = 0; i < count; i++) buffers.x[i] = input.data[base + i]!;
      // The converted values: a number beyond float32's range became infinite.
      if (!shortAllFinite(buffers.x, count)) {
        assertFinite({ rows, cols: inputs, data: buffers.x.subarray(0, count) }, 'x', start);
      }
    }
    forwardChunk(net, workspace, buffers.x, 0, rows, buffers.y);
    const outBase = start * outputs;
    const produced = rows * outputs;
    for (let i = 0; i < produced; i++) out.data[outBase + i] = buffers.y[i]!;
  }
}
