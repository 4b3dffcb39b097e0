/**
 * The native gemm's routes other than cblas_dgemm, each against the js backend's triple loop.
 *
 * The small-matrix path (native/kernels/small_gemm.h): float64 products of 9 to 15 columns with few rows
 * run blasnet's AVX-512 kernel instead of OpenBLAS. Checked against the js backend's triple loop at every
 * shape on both sides of each bound of the rule, with every transpose, alpha and beta, operands that are
 * views into larger buffers (the kernel's masked stores must not touch a neighbour), NaN in C with
 * beta = 0, and non-finite inputs; and the switch that turns it off.
 *
 * One row through a large B (>= 2^18 elements, not transposed) goes to gemv: float64 and float32, on
 * both sides of the threshold.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { backends, blasInfo } from '../../lib';
import { Random } from '../../lib/random';
import { expectClose, randomArray } from '../helpers/numbers';

const ROOT = path.resolve(__dirname, '..', '..');

function cpuHas(flag: string): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  return new RegExp(`^flags\\s*:.*\\b${flag}\\b`, 'm').test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
}
const cpuHasAvx512 = () => cpuHas('avx512f');
const cpuHasAvx2 = () => cpuHas('avx2') && cpuHas('fma');

// Each bound of the rule and one past it: rows 1, 4, 5, 16, 17, 64, 65; columns 4, 5 (the AVX2 clone's
// first), 8, 9, 15, 16;
// depth 1, 16, 17, 256, 257. Shapes outside the rule go to OpenBLAS and must agree just the same.
const ROWS = [1, 4, 5, 15, 16, 17, 64, 65];
const COLS = [4, 5, 8, 9, 10, 15, 16];
const DEPTHS = [1, 10, 16, 17, 256, 257];
// alpha and beta, taken in turn: beta = 0 (C not read), beta = 1 (the forward pass's bias), and neither.
const SCALES: [number, number][] = [
  [1, 1],
  [-0.75, 0],
  [1.5, 0.25],
];
const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const TOLERANCE = 1e-13;

/** `length` values inside a buffer with `pad` sentinels on each side; returns the view and the buffer. */
function padded(values: Float64Array, pad = 9): { view: Float64Array; buffer: Float64Array } {
  const buffer = new Float64Array(values.length + 2 * pad).fill(-12345.5);
  buffer.set(values, pad);
  return { view: buffer.subarray(pad, pad + values.length), buffer };
}

function sentinelsKept(buffer: Float64Array, length: number, pad = 9): boolean {
  for (let i = 0; i < pad; i++) {
    if (buffer[i] !== -12345.5 || buffer[pad + length + i] !== -12345.5) return false;
  }
  return true;
}

describe('the small-matrix path', () => {
  it('is the AVX-512 kernel on AVX-512 CPUs, the AVX2 clone on AVX2-only ones, and blasInfo says which', () => {
    const path = blasInfo().smallGemm;
    if (process.env.BLASNET_SMALL_GEMM === '0') expect(path).toBe('off: BLASNET_SMALL_GEMM=0');
    else if (process.env.BLASNET_SMALL_GEMM === 'avx2' && cpuHasAvx2())
      expect(path).toBe('avx2 (BLASNET_SMALL_GEMM=avx2)');
    else if (cpuHasAvx512()) expect(path).toBe('avx512');
    else if (cpuHasAvx2()) expect(path).toBe('avx2');
    else expect(path).toMatch(/^off: /);
  });

  const random = new Random(2026);
  for (const [transA, transB] of TRANSPOSES) {
    const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
    it(`agrees with the js backend around every bound of the rule (${label})`, () => {
      let compared = 0;
      for (const m of ROWS) {
        for (const n of COLS) {
          for (const k of DEPTHS) {
            const [alpha, beta] = SCALES[compared % SCALES.length] as [number, number];
            const A = randomArray(random, m * k);
            const B = randomArray(random, k * n);
            const C = randomArray(random, m * n);
            const expected = C.slice();
            backends.js.gemm(transA, transB, m, n, k, alpha, A, B, beta, expected);
            const { view, buffer } = padded(C);
            backends.native.gemm(transA, transB, m, n, k, alpha, padded(A).view, padded(B).view, beta, view);
            expectClose(view, expected, TOLERANCE);
            if (!sentinelsKept(buffer, m * n)) throw new Error(`wrote outside C at m=${m} n=${n} k=${k}`);
            compared++;
          }
        }
      }
      expect(compared).toBe(ROWS.length * COLS.length * DEPTHS.length);
    });
  }

  it('with beta = 0 overwrites C without reading it: NaN and Infinity in C do not survive', () => {
    for (const [m, n, k, transB] of [
      [15, 15, 64, false],
      [1, 10, 15, false],
      [15, 15, 10, true],
    ] as const) {
      const A = randomArray(random, m * k);
      const B = randomArray(random, k * n);
      const C = new Float64Array(m * n).fill(NaN);
      C[1] = Infinity;
      backends.native.gemm(false, transB, m, n, k, 1, A, B, 0, C);
      const expected = new Float64Array(m * n);
      backends.js.gemm(false, transB, m, n, k, 1, A, B, 0, expected);
      expectClose(C, expected, TOLERANCE);
    }
  });

  it('carries NaN and Infinity in A and B to exactly the elements they reach', () => {
    const [m, n, k] = [15, 10, 15];
    const A = randomArray(random, m * k);
    const B = randomArray(random, k * n);
    A[3 * k + 2] = NaN; // row 3 of A: all of row 3 of C
    B[5 * n + 7] = Infinity; // column 7 of B: column 7 of C, as +-Infinity (or NaN where row 3 is)
    const C = new Float64Array(m * n);
    backends.native.gemm(false, false, m, n, k, 1, A, B, 0, C);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const value = C[i * n + j] as number;
        if (i === 3) expect(value).toBeNaN();
        else if (j === 7) expect(Math.abs(value)).toBe(Infinity);
        else expect(Number.isFinite(value)).toBe(true);
      }
    }
  });

  it('is turned off by BLASNET_SMALL_GEMM=0, and OpenBLAS then gives the same products', () => {
    // A fresh process: the setting is read once, when the addon first decides.
    const script = `
      const { backends, blasInfo } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
      const A = Float64Array.from({ length: 15 * 64 }, (_, i) => Math.sin(i));
      const B = Float64Array.from({ length: 64 * 15 }, (_, i) => Math.cos(i));
      const C = new Float64Array(15 * 15);
      backends.native.gemm(false, false, 15, 15, 64, 1, A, B, 0, C);
      process.stdout.write(JSON.stringify({ path: blasInfo().smallGemm, C: Array.from(C) }));
    `;
    const run = (setting: string | undefined) => {
      const env = { ...process.env };
      if (setting === undefined) delete env.BLASNET_SMALL_GEMM;
      else env.BLASNET_SMALL_GEMM = setting;
      const output = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      });
      return JSON.parse(output) as { path: string; C: number[] };
    };
    const off = run('0');
    const on = run(undefined);
    expect(off.path).toBe('off: BLASNET_SMALL_GEMM=0');
    expect(on.path).toBe(blasInfo().smallGemm);
    expectClose(on.C, off.C, TOLERANCE);
  });
});

describe('one row through a large matrix (gemv)', () => {
  const random = new Random(2027);
  // 512 x 512 = 2^18 exactly, 600 x 437 above it, 511 x 513 just below (dgemm).
  const SHAPES: [number, number][] = [
    [512, 512],
    [600, 437],
    [511, 513],
  ];
  for (const [n, k] of SHAPES) {
    for (const transA of [false, true]) {
      it(`agrees with the js backend at n=${n} k=${k}${transA ? ', A transposed' : ''}, float64 and float32`, () => {
        for (const [alpha, beta] of SCALES) {
          const A = randomArray(random, k);
          const B = randomArray(random, k * n);
          const C = randomArray(random, n);
          if (beta === 0) C.fill(NaN); // beta = 0 overwrites without reading
          const expected = C.slice();
          backends.js.gemm(transA, false, 1, n, k, alpha, A, B, beta, expected);
          const { view, buffer } = padded(C);
          backends.native.gemm(transA, false, 1, n, k, alpha, A, B, beta, view);
          expectClose(view, expected, TOLERANCE);
          if (!sentinelsKept(buffer, n)) throw new Error(`wrote outside C at n=${n} k=${k}`);

          const [A32, B32, C32] = [A, B, C].map((values) => Float32Array.from(values)) as [
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          const expected32 = C32.slice();
          backends.js.gemm(transA, false, 1, n, k, alpha, A32, B32, beta, expected32);
          backends.native.gemm(transA, false, 1, n, k, alpha, A32, B32, beta, C32);
          expectClose(C32, expected32, 1e-5);
        }
      });
    }
  }
});

// The AVX2 clone's rules (small_gemm.h fitsAvx2, fitsAvx2Float): each bound and one past it. Rows 1, 8/9,
// 15/16/17, 24/25, 64/65; columns 4/5 (float32's and float64's first), 8/9, 12/13 (3 or 4 registers in
// float64), 15/16/17, 24/25 (3 or 4 registers in float32), 32/33; depth 1, 3/4 (the deep-rows bound),
// 16/17 and 32/33 (B transposed: float64's and float32's bounds), 256/257.
const AVX2_ROWS = [1, 4, 5, 8, 9, 15, 16, 17, 24, 25, 64, 65];
const AVX2_COLS = [3, 4, 5, 8, 9, 12, 13, 15, 16, 17, 24, 25, 32, 33];
const AVX2_DEPTHS = [1, 3, 4, 16, 17, 32, 33, 256, 257];
const AVX2_TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
];

/** Every shape of the AVX2 grid: op(B) transposed only up to depth 33 (the kernel repacks it on the stack). */
function avx2Shapes(): [boolean, boolean, number, number, number][] {
  const shapes: [boolean, boolean, number, number, number][] = [];
  for (const [transA, transB] of AVX2_TRANSPOSES) {
    for (const m of AVX2_ROWS)
      for (const n of AVX2_COLS)
        for (const k of AVX2_DEPTHS) if (!transB || k <= 33) shapes.push([transA, transB, m, n, k]);
  }
  return shapes;
}

/** Deterministic operands for shape number `index` (the same in every process). */
function operands(index: number, m: number, n: number, k: number): [Float64Array, Float64Array, Float64Array] {
  const fill = (length: number, salt: number) =>
    Float64Array.from({ length }, (_, i) => Math.sin(i * 0.37 + index * 1.3 + salt));
  return [fill(m * k, 1), fill(k * n, 2), fill(m * n, 3)];
}

describe('the small-matrix path in float32', () => {
  it('agrees with the js backend around every bound of its rule, and writes nothing outside C', () => {
    let compared = 0;
    avx2Shapes().forEach(([transA, transB, m, n, k], index) => {
      const [alpha, beta] = SCALES[index % SCALES.length] as [number, number];
      const [A, B, C] = operands(index, m, n, k).map((values) => Float32Array.from(values)) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const expected = C.slice();
      backends.js.gemm(transA, transB, m, n, k, alpha, A, B, beta, expected);
      const buffer = new Float32Array(m * n + 18).fill(-12345.5);
      buffer.set(C, 9);
      const view = buffer.subarray(9, 9 + m * n);
      backends.native.gemm(transA, transB, m, n, k, alpha, A, B, beta, view);
      // float32 rounding over up to 257 terms, some cancelling (float32's epsilon is 6e-8).
      expectClose(view, expected, 5e-5);
      for (let i = 0; i < 9; i++) {
        if (buffer[i] !== -12345.5 || buffer[9 + m * n + i] !== -12345.5)
          throw new Error(`wrote outside C at m=${m} n=${n} k=${k}`);
      }
      compared++;
    });
    expect(compared).toBe(avx2Shapes().length);
  });
});

describe('the AVX2 clone, forced with BLASNET_SMALL_GEMM=avx2', () => {
  // A fresh process per setting (the choice is made once per process): each computes every shape of the
  // grid in float64 and float32 and writes the results to a file.
  const script = (file: string) => `
    const fs = require('node:fs');
    const { backends, blasInfo } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
    const shapes = ${JSON.stringify(avx2Shapes())};
    const out = [];
    shapes.forEach(([transA, transB, m, n, k], index) => {
      const fill = (length, salt) => Float64Array.from({ length }, (_, i) => Math.sin(i * 0.37 + index * 1.3 + salt));
      const [A, B, C] = [fill(m * k, 1), fill(k * n, 2), fill(m * n, 3)];
      const beta = index % 2;  // beta = 1 (the forward pass's bias) and 0, alpha = 1: the bit-for-bit cases
      backends.native.gemm(transA, transB, m, n, k, 1, A, B, beta, C);
      const C32 = Float32Array.from(fill(m * n, 3));
      backends.native.gemm(transA, transB, m, n, k, 1, Float32Array.from(A), Float32Array.from(B), beta, C32);
      out.push(...C, ...C32);
    });
    fs.writeFileSync(${JSON.stringify(file)}, Buffer.from(Float64Array.from(out).buffer));
    process.stdout.write(blasInfo().smallGemm);
  `;
  const run = (setting: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-avx2-')), 'c.bin');
    const env = { ...process.env, BLASNET_SMALL_GEMM: setting, OPENBLAS_NUM_THREADS: '1' };
    const kernel = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script(file)], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    const bytes = fs.readFileSync(file);
    fs.rmSync(path.dirname(file), { recursive: true });
    return { kernel, values: new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8) };
  };

  // The cores whose kernels were read bit for bit against the clone (an AMD EPYC: OpenBLAS names it Zen, or
  // Haswell when blasnet picks the core); elsewhere (SkylakeX on an AVX-512 CPU, unmeasured) to rounding.
  const EXACT_CORES = ['Haswell', 'Zen'];
  (cpuHasAvx2() ? it : it.skip)(
    'is reported by blasInfo, matches OpenBLAS bit for bit in float64 and the js backend in float32',
    () => {
      const forced = run('avx2');
      const openblas = run('0');
      expect(forced.kernel).toBe('avx2 (BLASNET_SMALL_GEMM=avx2)');
      expect(openblas.kernel).toBe('off: BLASNET_SMALL_GEMM=0');
      let offset = 0;
      let identical = 0;
      avx2Shapes().forEach(([transA, transB, m, n, k], index) => {
        const size = m * n;
        const c64 = forced.values.subarray(offset, offset + size);
        const blas64 = openblas.values.subarray(offset, offset + size);
        // Bit for bit where OpenBLAS's main kernel computes: the clone sums each element in k order with fused
        // multiply-adds, as OpenBLAS's Haswell kernel (also its Zen core's) does for rows in its 4-row blocks (alpha = 1, beta 0 or
        // 1). Its 1-3-row edge kernels (m not a multiple of 4, A not transposed) sum in another order, within
        // rounding of the same result.
        if (m % 4 === 0 && EXACT_CORES.includes(blasInfo().core)) {
          for (let i = 0; i < size; i++) {
            if (!Object.is(c64[i], blas64[i]))
              throw new Error(
                `float64 differs from OpenBLAS at ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} m=${m} n=${n} k=${k}, element ${i}: ${c64[i]} vs ${blas64[i]}`,
              );
          }
          identical++;
        } else {
          expectClose(c64, blas64, TOLERANCE);
        }
        const c32 = forced.values.subarray(offset + size, offset + 2 * size);
        const [A, B, C] = operands(index, m, n, k).map((values) => Float32Array.from(values)) as [
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        backends.js.gemm(transA, transB, m, n, k, 1, A, B, index % 2, C);
        expectClose(c32, C, 3e-4); // float32 over up to 257 cancelling terms
        offset += 2 * size;
      });
      expect(offset).toBe(forced.values.length);
      if (EXACT_CORES.includes(blasInfo().core)) expect(identical).toBeGreaterThan(avx2Shapes().length / 3);
    },
  );
});
