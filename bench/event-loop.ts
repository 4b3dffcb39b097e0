/**
 * How much training blocks the event loop: workload B (784-512-512-10, ReLU/ReLU/sigmoid, batch 256,
 * 10,000 synthetic rows, 3 epochs) trained four ways while perf_hooks.monitorEventLoopDelay watches and a
 * 10 ms interval timer ticks:
 *   fit                      the synchronous loop on the main thread
 *   fit, batch by batch      fit's steps with the main thread yielding between minibatches (setImmediate):
 *                            the best a main-thread loop can do, since a minibatch is one kernel call
 *   fitAsync (copied)        a worker thread; the caller's Float64Array copied once into shared memory
 *   fitAsync (shared)        a worker thread; the rows already on a SharedArrayBuffer (Matrix.shared)
 * and checks that fitAsync's weights equal fit's, bit for bit.
 *
 *   OPENBLAS_NUM_THREADS=1 npx tsx bench/event-loop.ts
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { blasInfo, getNumThreads, Matrix, MSE, Network, Random, Relu, SGD, Sigmoid, type FitOptions } from '../lib';
import { Trainer } from '../lib/train/trainer';
import { Workspace } from '../lib/train/workspace';

const ROWS = 10_000;
const DIMS = [784, 512, 512, 10];
const SETTINGS: FitOptions = { loss: MSE, epochs: 3, batchSize: 256, learningRate: 0.1, log: null, shuffle: false };

function workload(): { x: Matrix; y: Matrix } {
  const random = new Random(1);
  const x = new Matrix(ROWS, DIMS[0]!);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.uniform();
  const y = new Matrix(ROWS, DIMS[3]!);
  for (let i = 0; i < ROWS; i++) y.data[i * DIMS[3]! + random.integer(DIMS[3]!)] = 1;
  return { x, y };
}

const network = (): Network => new Network(DIMS, [Relu, Relu, Sigmoid], { seed: 7 });

interface Measurement {
  name: string;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  maxTimerGap: number;
}

async function measure(name: string, train: () => Promise<unknown> | unknown): Promise<Measurement> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxTimerGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxTimerGap = Math.max(maxTimerGap, now - last);
    last = now;
  }, 10);
  histogram.enable();
  // The histogram records a delay from its second tick on: let it tick before a run that may block.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const start = performance.now();
  await train();
  const seconds = (performance.now() - start) / 1000;
  // Let the timer and the histogram see the end of a blocking run.
  await new Promise((resolve) => setTimeout(resolve, 30));
  histogram.disable();
  clearInterval(timer);
  const ms = (ns: number): number => ns / 1e6;
  return {
    name,
    seconds,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    samples: histogram.count,
    maxTimerGap,
  };
}

/**
 * fit's own steps (the Trainer fit uses), one minibatch per event-loop turn: what a main-thread loop that
 * yields between minibatches would achieve. No shuffling, as in SETTINGS.
 */
async function fitBatchByBatch(net: Network, x: Matrix, y: Matrix): Promise<void> {
  const trainer = new Trainer(
    net,
    x,
    y,
    MSE,
    SETTINGS.batchSize!,
    new Workspace(net.layout, 1024),
    new SGD({ learningRate: SETTINGS.learningRate! }),
  );
  for (let epoch = 0; epoch < SETTINGS.epochs!; epoch++) {
    for (let batch = 0; batch < trainer.batchesPerEpoch; batch++) {
      trainer.trainBatch(batch, SETTINGS.learningRate!);
      await nextTurn();
    }
    trainer.fullLoss(); // as fit measures it after the last epoch; here after each, to show its block too
  }
}

async function main(): Promise<void> {
  const { x, y } = workload();
  const info = blasInfo();
  console.log(
    `workload B: ${DIMS.join('-')}, relu/relu/sigmoid, batch ${SETTINGS.batchSize}, ${ROWS} rows, ${SETTINGS.epochs} epochs; ` +
      `OpenBLAS ${info.version} (${info.core}), ${getNumThreads()} thread(s), Node ${process.version}`,
  );
  const nets = { fit: network(), batchwise: network(), copied: network(), shared: network() };
  const sharedX = Matrix.shared(x);
  const sharedY = Matrix.shared(y);
  const reporting = network();
  let reports = 0;
  const results = [
    await measure('fit', () => nets.fit.fit(x, y, SETTINGS)),
    await measure('fit, batch by batch', () => fitBatchByBatch(nets.batchwise, x, y)),
    await measure('fitAsync (copied)', () => nets.copied.fitAsync(x, y, SETTINGS)),
    await measure('fitAsync (shared)', () => nets.shared.fitAsync(sharedX, sharedY, SETTINGS)),
    await measure('fitAsync (shared, callbacks)', () =>
      reporting.fitAsync(sharedX, sharedY, {
        ...SETTINGS,
        onBatchEnd: () => void reports++,
        onEpochEnd: () => void reports++,
      }),
    ),
  ];
  console.log('\n| run | training s | loop delay p50 ms | p99 ms | max ms | samples | max 10 ms-timer gap ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.samples} | ${r.maxTimerGap.toFixed(1)} |`,
    );
  }
  const same = (a: Network, b: Network) => Buffer.from(a.parameters.buffer).equals(Buffer.from(b.parameters.buffer));
  console.log(
    `\nfitAsync weights equal fit's bit for bit: copied ${same(nets.fit, nets.copied)}, shared ${same(nets.fit, nets.shared)}`,
  );

  console.log(
    `callbacks run: ${reports} (each applies a weight snapshot of ${(nets.fit.parameters.byteLength / 2 ** 20).toFixed(1)} MiB)`,
  );

  // The copy-once hand-over alone (with a worker start and one tiny epoch): the main thread's longest stall.
  const small = network();
  const handover = await measure('hand-over', () =>
    small.fitAsync(x, y, { ...SETTINGS, epochs: 1, batchSize: ROWS, learningRate: 1e-9 }),
  );
  console.log(
    `copy-once hand-over of ${((x.data.byteLength + y.data.byteLength) / 2 ** 20).toFixed(1)} MiB, worker start, one step: ` +
      `loop delay p99 ${handover.p99.toFixed(2)} ms, max ${handover.max.toFixed(2)} ms`,
  );
}

void main();
