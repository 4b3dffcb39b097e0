/**
 * Nothing leaks: 1,000 networks created, trained for an epoch, used for predictions and gradients, then
 * dropped, grow the process's RSS (after forced garbage collection) by less than 10 MB; so do 100 trained
 * with fitAsync, on the pool's reused threads (their messages, buffers and per-job ports).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function churn(count: number, mode: 'fit' | 'fitAsync'): { rss: number; heap: number } {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--require', 'tsx/cjs', path.join(__dirname, 'churn-networks.ts'), String(count), mode],
    { cwd: root, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
  );
  const { before, after } = JSON.parse(output) as {
    before: { rss: number; heap: number };
    after: { rss: number; heap: number };
  };
  const mb = (bytes: number) => bytes / 2 ** 20;
  return { rss: mb(after.rss - before.rss), heap: mb(after.heap - before.heap) };
}

describe('memory', () => {
  it('does not grow over 1,000 networks', () => {
    const growth = churn(1000, 'fit');
    expect(growth.rss).toBeLessThan(10);
    expect(growth.heap).toBeLessThan(2);
  });

  it('does not grow over 100 fitAsync runs on the pool', () => {
    const growth = churn(100, 'fitAsync');
    expect(growth.rss).toBeLessThan(10);
    expect(growth.heap).toBeLessThan(2);
  }, 120_000);
});
