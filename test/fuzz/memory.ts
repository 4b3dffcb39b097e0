/**
 * A small model of the memory a kernel call touches, so the same call can be replayed exactly on both
 * backends: a few ArrayBuffers, and typed-array views into them (possibly overlapping, possibly detached).
 * Cloning the model clones the buffers and rebuilds the views at the same offsets, so aliasing between
 * arguments is preserved in the copy.
 */
export type ViewKind = 'Float64Array' | 'Float32Array' | 'Int32Array' | 'Uint32Array' | 'Uint8Array' | 'BigInt64Array';

const CONSTRUCTORS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
  BigInt64Array,
} as const;

export interface ViewSpec {
  buffer: number;
  kind: ViewKind;
  /** In elements of `kind`. */
  offset: number;
  length: number;
}

/** An argument: a plain value, or a view into the model's memory. */
export type ArgSpec = { value: unknown } | { view: ViewSpec };

export interface CallSpec {
  kernel: string;
  args: ArgSpec[];
  /** The model's buffers: their sizes in bytes and initial contents. */
  buffers: ArrayBuffer[];
  /** How each buffer is read back for comparison. */
  kinds: ViewKind[];
  /** Buffers to detach after the views are made. */
  detached: number[];
}

/** Materialises a call: fresh copies of the buffers, views on them, detached where asked. */
export function materialise(spec: CallSpec): { args: unknown[]; buffers: ArrayBuffer[] } {
  const buffers = spec.buffers.map((b) => b.slice(0));
  const args = spec.args.map((arg) => {
    if ('value' in arg) return arg.value;
    const { buffer, kind, offset, length } = arg.view;
    // Mutations may ask for more than the buffer holds; a view cannot, so clamp (the kernel then sees a
    // shorter array, which is one of the cases under test anyway).
    const size = CONSTRUCTORS[kind].BYTES_PER_ELEMENT;
    const bytes = buffers[buffer]!.byteLength;
    const start = Math.min(offset * size, bytes - (bytes % size));
    const fits = Math.max(0, Math.min(length, Math.floor((bytes - start) / size)));
    return new CONSTRUCTORS[kind](buffers[buffer]!, start, fits);
  });
  for (const index of spec.detached) structuredClone(buffers[index]!, { transfer: [buffers[index]!] });
  return { args, buffers };
}

export type Snapshot = (Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array | null)[];

/** The contents of every buffer that is not detached, read as the element type it was made with. */
export function snapshot(buffers: ArrayBuffer[], kinds: ViewKind[]): Snapshot {
  return buffers.map((b, i) => {
    if (b.byteLength === 0) return null;
    const kind = kinds[i]!;
    const copy = b.slice(0);
    return kind === 'Float64Array' ? new Float64Array(copy) : kind === 'Float32Array' ? new Float32Array(copy) : new Uint8Array(copy);
  });
}
