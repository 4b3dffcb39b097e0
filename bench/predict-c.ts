/**
 * Workload C's 1-row and 64-row predicts on 64-15-10, plain `predict` against the prepared predictor, in one
 * process, for changes too small for the whole bench:
 *
 *   npx tsx bench/predict-c.ts [batches=41] [float64|float32]
 *
 * The cases take turns batch by batch (so a burst of load hits all of them alike); each batch is about 20
 * ms of calls. Prints, per case, the fastest batch's and the median batch's time per call in µs. Run it
 * alternately with another addon (`BLASNET_ADDON=file`) to compare builds.
 */
import { Matrix, Network, Relu, Sigmoid } from '../lib';

const batches = Number(process.argv[2] ?? '41');
const dtype = process.argv[3] === 'float32' ? 'float32' : 'float64';
const net = new Network([64, 15, 10], [Relu, Sigmoid], { seed: 1, dtype });

function rowsOf(rows: number): Matrix {
  const data = new Float64Array(rows * 64);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 17) / 16;
  return new Matrix(rows, 64, data);
}

const one = rowsOf(1);
const many = rowsOf(64);
const run1 = net.predictor();
const run64 = net.predictor({ rows: 64 });
const flat1 = one.data;
const cases: [string, () => unknown][] = [
  ['predict, 1 row', () => net.predict(one)],
  ['predictor, 1 row (Matrix)', () => run1(one)],
  ['predictor, 1 row (Float64Array)', () => run1(flat1)],
  ['predict, 64 rows', () => net.predict(many)],
  ['predictor, 64 rows (Matrix)', () => run64(many)],
];

// Calls per batch from a short calibration, so each batch takes about 20 ms.
const calls = cases.map(([, fn]) => {
  let n = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < 20e6) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
  }
  return n;
});
const times: number[][] = cases.map(() => []);
for (let b = 0; b < batches; b++) {
  cases.forEach(([, fn], c) => {
    const n = calls[c]!;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    times[c]!.push(Number(process.hrtime.bigint() - start) / 1e3 / n);
  });
}
for (const [c, [name]] of cases.entries()) {
  const sorted = [...times[c]!].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${dtype} ${name}: min ${sorted[0]!.toFixed(3)} µs, median ${median.toFixed(3)} µs`);
}
