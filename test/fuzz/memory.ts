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

/** The contents of every buffer that is not detached, as float64 (NaN kept) or raw bytes for odd sizes. */
export function snapshot(buffers: ArrayBuffer[]): (Float64Array | Uint8Array | null)[] {
  return buffers.map((b) => (b.byteLength === 0 ? null : b.byteLength % 8 === 0 ? new Float64Array(b.slice(0)) : new Uint8Array(b.slice(0))));
}
