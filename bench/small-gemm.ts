/**
 * Which products take blasnet's small-matrix path (native/kernels/small_gemm.h) and why: every shape of
 * a grid around it timed in its kernel and in cblas_dgemm, one thread, in one program
 * (bench/native/small_gemm_shapes.cc, compiled with the addon's optimisation flags), which also checks
 * that the two compute the same C. Prints, per transposition, the ratio small / OpenBLAS for each shape,
 * with the shapes the library sends to the small path marked, then a summary.
 *
 *   npm run bench:small-gemm                 the grid (about 20 s)
 *   npm run bench:small-gemm -- --smoke      a few shapes (CI: it must compile and run, nothing more)
 *   npm run bench:small-gemm -- --markdown   the tables as Markdown (bench/README.md holds one)
 *   npm run bench:small-gemm -- --dtype float32   the float32 kernel against cblas_sgemm
 *   BLASNET_SMALL_GEMM=avx2 npm run bench:small-gemm   the AVX2 clone on an AVX-512 CPU
 *
 * Above 1 the small kernel is slower. OpenBLAS gets the core blasnet picks (OPENBLAS_CORETYPE, as in
 * `npm run bench`).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

import { blasInfo } from '../lib';
import { compileNativeProgram } from './dgemm-bound';

interface Row {
  transA: number;
  transB: number;
  m: number;
  n: number;
  k: number;
  fits: boolean;
  runnable: boolean;
  blasNs?: number;
  smallNs?: number;
  maxDifference?: number;
}

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    dtype: { type: 'string', default: 'float64' },
    narrow: { type: 'boolean', default: false },
  },
});

// Columns: the 9-16 of the first rule, and the 5-8 doubles, 4-8 and 17-32 floats the AVX2 clone took
// later (What we tried, 81); --narrow keeps to 9-16 (the AVX-512 kernel's columns).
const float32 = values.dtype === 'float32';
const COLS = values.narrow
  ? [9, 10, 12, 15, 16]
  : float32
    ? [4, 6, 8, 9, 10, 12, 15, 16, 17, 20, 24, 25, 28, 32]
    : [5, 6, 8, 9, 10, 12, 15, 16];
// op(B) transposed up to depth 32 in float32 (the clone's rule there), 16 in float64.
const MAX_DEPTH_TRANSPOSED = float32 ? 32 : 16;
const GRID = values.smoke
  ? { rows: [1, 15], cols: [8, 10, 15, 24], depths: [15, 64] }
  : { rows: [1, 2, 4, 8, 15, 16, 24, 32, 64], cols: COLS, depths: [1, 4, 10, 15, 16, 24, 32, 64, 256] };
// (transA, transB): the forward product (N N), the delta below a layer (N T), the weight gradient (T N).
const TRANSPOSES: [number, number][] = [
  [0, 0],
  [0, 1],
  [1, 0],
];

function shapes(): string[] {
  const args: string[] = [];
  for (const [transA, transB] of TRANSPOSES) {
    for (const m of GRID.rows) {
      for (const n of GRID.cols) {
        for (const k of GRID.depths) {
          if (transB && k > MAX_DEPTH_TRANSPOSED) continue; // the kernel repacks op(B) on the stack
          args.push(String(transA), String(transB), String(m), String(n), String(k));
        }
      }
    }
  }
  return args;
}

function main(): void {
  const compiled = compileNativeProgram(
    'small_gemm_shapes',
    ['bench/native/small_gemm_shapes.cc', 'native/kernels/small_gemm.cc', 'native/kernels/small_gemm.h'],
    ['-O3', '-fno-math-errno', '-fno-trapping-math'],
  );
  if ('skipped' in compiled) {
    process.stdout.write(`small-gemm: skipped: ${compiled.skipped}\n`);
    return;
  }
  const core = blasInfo().core;
  if (values.dtype !== 'float64' && values.dtype !== 'float32')
    throw new Error(`--dtype: float64 or float32, not ${values.dtype}`);
  const gemmName = values.dtype === 'float32' ? 'cblas_sgemm' : 'cblas_dgemm';
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    OPENBLAS_CORETYPE: core,
    SMALL_GEMM_DTYPE: values.dtype,
  };
  const kernel = blasInfo().smallGemm;
  const output = execFileSync(compiled.program, shapes(), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row & { skipped?: string });
  if (lines[0]?.skipped) {
    process.stdout.write(`small-gemm: the small path is ${lines[0].skipped} on this machine; nothing to compare\n`);
    return;
  }
  const rows = lines as Row[];
  const different = rows.filter((row) => row.runnable && row.maxDifference !== 0);
  const out: string[] = [];
  const md = values.markdown;
  out.push(
    `small-matrix path (${kernel}, ${values.dtype}) vs ${gemmName} (OpenBLAS core ${core}, 1 thread): time ratio small / OpenBLAS, fastest of 15 batches each;`,
    `* = the library sends this shape to the small path${md ? '' : ', . = not run (outside the kernel)'}`,
    '',
  );
  for (const [transA, transB] of TRANSPOSES) {
    const depths = GRID.depths.filter((k) => !transB || k <= MAX_DEPTH_TRANSPOSED);
    const label = `${transA ? 'T' : 'N'} ${transB ? 'T' : 'N'}`;
    for (const n of GRID.cols) {
      const header = [`${label}, n = ${n}`, ...depths.map((k) => `k = ${k}`)];
      const body = GRID.rows.map((m) => [
        `m = ${m}`,
        ...depths.map((k) => {
          const row = rows.find(
            (r) => r.transA === transA && r.transB === transB && r.m === m && r.n === n && r.k === k,
          );
          if (!row?.runnable || row.blasNs === undefined || row.smallNs === undefined) return '.';
          return `${(row.smallNs / row.blasNs).toFixed(2)}${row.fits ? '*' : ''}`;
        }),
      ]);
      if (md) {
        out.push(
          `| ${header.join(' | ')} |`,
          `|${header.map(() => ' --- ').join('|')}|`,
          ...body.map((cells) => `| ${cells.join(' | ')} |`),
          '',
        );
      } else {
        out.push(header.map((cell, i) => cell.padStart(i === 0 ? 14 : 9)).join(''));
        for (const cells of body) out.push(cells.map((cell, i) => cell.padStart(i === 0 ? 14 : 9)).join(''));
        out.push('');
      }
    }
  }
  const timed = rows.filter((row) => row.runnable && row.blasNs !== undefined && row.smallNs !== undefined);
  const ratios = (subset: Row[]) =>
    subset.map((row) => (row.smallNs as number) / (row.blasNs as number)).sort((a, b) => a - b);
  const taken = ratios(timed.filter((row) => row.fits));
  const left = ratios(timed.filter((row) => !row.fits));
  const describe = (values: number[]) =>
    values.length === 0
      ? 'none'
      : `${values.length} shapes, faster in ${values.filter((v) => v < 1).length}, ratio median ${values[values.length >> 1]!.toFixed(2)}, range ${values[0]!.toFixed(2)}-${values[values.length - 1]!.toFixed(2)}`;
  out.push(`taken by the small path: ${describe(taken)}`);
  out.push(`left to OpenBLAS:        ${describe(left)}`);
  out.push(
    different.length === 0
      ? `same C as OpenBLAS, bit for bit, in all ${timed.length} shapes`
      : `C differs from OpenBLAS's in ${different.length} of ${timed.length} shapes (largest difference ${Math.max(...different.map((row) => row.maxDifference as number)).toExponential(2)})`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
