/**
 * B's peak RSS alone, several fresh probes in a row (bench/memory.ts B, as `npm run bench` runs it),
 * for changes aimed at B's memory target without a whole bench run:
 *
 *   OPENBLAS_NUM_THREADS=1 npx tsx bench/memory-b.ts [probes=5] [threads=1]
 */
import { fork } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

import { makeSuite } from './config';
import { prepareData } from './data';

function probe(workload: ReturnType<typeof prepareData>['B'], threads: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'memory.ts'), ['B', String(threads)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (reply: { ok: boolean; result?: Record<string, number>; error?: string }) =>
      reply.ok ? resolve(reply.result!) : reject(new Error(reply.error)),
    );
    child.once('exit', (code) => reject(new Error(`memory probe exited with code ${code}`)));
    child.send({ spec: workload.train, data: workload.data });
  });
}

async function main(): Promise<void> {
  const probes = Number(process.argv[2] ?? '5');
  const threads = Number(process.argv[3] ?? '1');
  const { B } = prepareData(makeSuite({ smoke: false }));
  const over: number[] = [];
  for (let i = 0; i < probes; i++) {
    const r = await probe(B, threads);
    over.push(r.peakRssMB! - r.budgetMB!);
    console.log(
      `B peak RSS ${r.peakRssMB!.toFixed(1)} MB, budget ${r.budgetMB!.toFixed(1)} MB (baseline ${r.baselineRssMB!.toFixed(1)}), ` +
        `${(r.peakRssMB! - r.budgetMB!).toFixed(1)} MB ${r.peakRssMB! <= r.budgetMB! ? 'under: met' : 'over: missed'}; load ${os.loadavg()[0]!.toFixed(2)}`,
    );
  }
  console.log(
    `peak - budget over ${probes} probes: ${Math.min(...over).toFixed(1)} .. ${Math.max(...over).toFixed(1)} MB`,
  );
}

void main();
