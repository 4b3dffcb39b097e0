/**
 * Two builds of the addon side by side in one process, on workload A's training steps alone (64-15-10,
 * Relu then Sigmoid, MSE, batches of 15 over the digits, rate 0.1), for changes of a few percent that
 * separate processes on a shared machine cannot resolve (bench/README.md "What we tried", 31):
 *
 *   OPENBLAS_NUM_THREADS=1 npx tsx bench/steps-ab.ts fileA.node fileB.node [rounds=150] [float64|float32]
 *
 * Each round runs 10 epochs of `networkSteps` (one native call an epoch, as fit makes) on one addon, then
 * on the other, in alternating order; it prints each addon's fastest, 10th-percentile and median epoch, the
 * ratios A / B, and whether both ended with the same parameters, bit for bit (they start from the same
 * ones and see the same orders, so a build that changes the arithmetic shows here). Swap the files and run
 * again: the addon loaded second has run a few percent slower in some runs.
 */
import { blasInfo, readCsv, splitColumn, oneHot, ActivationCode, LossCode } from '../lib';
import { NetworkLayout } from '../lib/backend/layout';
import { Random } from '../lib/random';
import * as path from 'node:path';

type Steps = (...args: unknown[]) => number;

const [fileA, fileB, roundsArg, dtypeArg] = process.argv.slice(2);
if (fileA === undefined || fileB === undefined) {
  console.error('usage: npx tsx bench/steps-ab.ts fileA.node fileB.node [rounds] [float64|float32]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? '150');
const F = dtypeArg === 'float32' ? Float32Array : Float64Array;
blasInfo(); // loads the library's own addon first, which sets OPENBLAS_CORETYPE as fit would
// eslint-disable-next-line @typescript-eslint/no-require-imports
const addons = [fileA, fileB].map((file) => require(path.resolve(file)) as { networkSteps: Steps });

const { data } = readCsv(path.join(__dirname, '..', 'examples', 'data', 'digits.csv.gz'));
const { features, labels } = splitColumn(data);
const rows = features.rows;
const make = (values: ArrayLike<number>): Float64Array | Float32Array => {
  const array = new F(values.length);
  for (let i = 0; i < values.length; i++) array[i] = values[i]!;
  return array;
};
const X = make(Array.from(features.data, (value) => value / 16));
const Y = make(oneHot(labels, 10).data);
const layout = new NetworkLayout([64, 15, 10], [ActivationCode.relu, ActivationCode.sigmoid]);
const batch = 15;
const random = new Random(1);
const initial = make(Array.from({ length: layout.parameterCount }, () => random.normal() * 0.3));
const orders = Array.from({ length: 10 }, () => {
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  random.permutation(order);
  return order;
});
const state = addons.map(() => ({
  params: initial.slice(),
  gradients: new F(layout.parameterCount),
  // With room for a second parameter vector after the workspace's regions, as the trainer gives it (native
  // networkSteps writes the update there, What we tried 63; a build without that leaves the room unused).
  workspace: new F(layout.workspaceSize(batch) + layout.parameterCount),
  losses: new Float64Array(Math.ceil(rows / batch)),
}));
const encoded = layout.encode();
const times: number[][] = [[], []];

function round(which: number): void {
  const { networkSteps } = addons[which]!;
  const s = state[which]!;
  const start = process.hrtime.bigint();
  for (const order of orders) {
    networkSteps(
      encoded,
      s.params,
      s.gradients,
      s.workspace,
      batch,
      LossCode.meanSquaredError,
      X,
      Y,
      order,
      0,
      batch,
      rows,
      0.1,
      s.losses,
    );
  }
  times[which]!.push(Number(process.hrtime.bigint() - start) / 1e6 / orders.length);
}

for (let r = 0; r < 5; r++) {
  round(0); // warm-up, not counted
  round(1);
}
times[0]!.length = 0;
times[1]!.length = 0;
for (let r = 0; r < rounds; r++) {
  const first = r % 2;
  round(first);
  round(1 - first);
}
const at = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.floor(q * (v.length - 1))]!;
for (const [i, file] of [fileA, fileB].entries()) {
  const v = times[i]!;
  console.log(
    `${'AB'[i]} ${file}: min ${at(v, 0).toFixed(4)} p10 ${at(v, 0.1).toFixed(4)} median ${at(v, 0.5).toFixed(4)} ms an epoch`,
  );
}
const bits = (a: Float64Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
console.log(
  `A / B: min ${(at(times[0]!, 0) / at(times[1]!, 0)).toFixed(3)}, p10 ${(at(times[0]!, 0.1) / at(times[1]!, 0.1)).toFixed(3)}; ` +
    `same parameters: ${bits(state[0]!.params).equals(bits(state[1]!.params))}`,
);
