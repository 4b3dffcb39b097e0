/**
 * Workload A's fit alone, many times in one process, for changes too small for the whole bench:
 *
 *   npx tsx bench/fit-a.ts [fits=12] [float64|float32]
 *
 * Prints the minimum and median over the fits of wall time and of this process's CPU time (user + system,
 * which on a shared machine says what the fit cost apart from waiting for a core), and the final loss to
 * every digit (so a change of bits shows). Run it alternately with another addon (`BLASNET_ADDON=file`)
 * to compare builds.
 */
import { blasInfo, Matrix, MSE, Network, oneHot, readCsv, Relu, Sigmoid, splitColumn } from '../lib';
import * as path from 'node:path';

const fits = Number(process.argv[2] ?? '12');
const dtype = process.argv[3] === 'float32' ? 'float32' : 'float64';
const { data } = readCsv(path.join(__dirname, '..', 'examples', 'data', 'digits.csv.gz'));
const { features, labels } = splitColumn(data);
const x = new Matrix(
  features.rows,
  64,
  features.data.map((value) => value / 16),
);
const y = new Matrix(features.rows, 10, oneHot(labels, 10).data);

const walls: number[] = [];
const cpus: number[] = [];
let loss = 0;
for (let i = 0; i < fits; i++) {
  const net = new Network([64, 15, 10], [Relu, Sigmoid], { seed: 1, dtype });
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const history = net.fit(x, y, {
    loss: MSE,
    epochs: 100,
    batchSize: 15,
    learningRate: 0.1,
    logEvery: 10,
    log: () => {},
  });
  walls.push(Number(process.hrtime.bigint() - start) / 1e6);
  const used = process.cpuUsage(cpu);
  cpus.push((used.user + used.system) / 1e3);
  loss = history.loss[history.loss.length - 1]!;
}
const min = (v: number[]) => Math.min(...v).toFixed(2);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!.toFixed(2);
console.log(
  `${dtype} ${blasInfo().smallGemm}: wall min ${min(walls)} median ${median(walls)} ms, cpu min ${min(cpus)} median ${median(cpus)} ms, final loss ${loss}`,
);
