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

/**
 * How to read each buffer back for comparison: as the floating-point type a kernel's view of it has (a
 * float32 view into a buffer made as float64 data is compared as float32s, so tolerances mean what they
 * say), else as the type the buffer was made with.
 */
export function readKinds(spec: CallSpec): ViewKind[] {
  return spec.kinds.map((kind, i) => {
    for (const arg of spec.args) {
      if (
        'view' in arg &&
        arg.view.buffer === i &&
        (arg.view.kind === 'Float32Array' || arg.view.kind === 'Float64Array')
      ) {
        return arg.view.kind;
      }
    }
    return kind;
  });
}

/** The contents of every buffer that is not detached, read as `kinds` says (see readKinds). */
export function snapshot(buffers: ArrayBuffer[], kinds: ViewKind[]): Snapshot {
  return buffers.map((b, i) => {
    if (b.byteLength === 0) return null;
    const kind = kinds[i]!;
    // Whole elements only: a buffer made as float32 data may be read as float64s.
    const size = kind === 'Float64Array' ? 8 : kind === 'Float32Array' ? 4 : 1;
    const copy = b.slice(0, b.byteLength - (b.byteLength % size));
    return kind === 'Float64Array'
      ? new Float64Array(copy)
      : kind === 'Float32Array'
        ? new Float32Array(copy)
        : new Uint8Array(copy);
  });
}
