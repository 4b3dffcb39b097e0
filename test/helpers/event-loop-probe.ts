/**
 * Run as its own process by test/train/fit-async.test.ts: trains with fitAsync for 2.5 s (then aborts)
 * while a 10 ms interval timer ticks, and prints the largest gap between two ticks as JSON. A process of
 * its own, so the gaps are the training's and not those of the test runner's garbage collector.
 */
import { AbortError, CrossEntropy, Matrix, Network, Relu, Softmax } from '../../lib';

async function main(): Promise<void> {
  // Made cheaply: what is learnt does not matter here, only that the worker is busy.
  const x = new Matrix(
    4000,
    256,
    new Float64Array(4000 * 256).map((_, i) => Math.sin(i * 0.37)),
  );
  const y = new Matrix(
    4000,
    10,
    new Float64Array(4000 * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0)),
  );
  const net = new Network([256, 256, 256, 10], [Relu, Relu, Softmax], { seed: 1 });
  const controller = new AbortController();
  const start = performance.now();
  let last = start;
  let largestGap = 0;
  let at = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > largestGap) [largestGap, at] = [now - last, last - start];
    last = now;
  }, 10);
  const stop = setTimeout(() => controller.abort(), 2500);
  let epochs = 0;
  let aborted = false;
  try {
    await net.fitAsync(x, y, {
      loss: CrossEntropy,
      batchSize: 64,
      learningRate: 0.1,
      epochs: 1000,
      log: null,
      signal: controller.signal,
      onEpochEnd: () => void epochs++,
    });
  } catch (error) {
    if (!(error instanceof AbortError)) throw error;
    aborted = true;
  } finally {
    clearInterval(timer);
    clearTimeout(stop);
  }
  console.log(JSON.stringify({ largestGap, at, epochs, aborted, elapsed: performance.now() - start }));
}

void main();
