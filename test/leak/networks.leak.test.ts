/**
 * Nothing leaks: 1,000 networks created, trained for an epoch, used for predictions and gradients, then
 * dropped, grow the process's RSS (after forced garbage collection) by less than 10 MB.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

describe('memory', () => {
  it('does not grow over 1,000 networks', () => {
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', '--require', 'tsx/cjs', path.join(__dirname, 'churn-networks.ts'), '1000'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
    );
    const { before, after } = JSON.parse(output) as { before: { rss: number; heap: number }; after: { rss: number; heap: number } };
    const mb = (bytes: number) => bytes / 2 ** 20;
    expect(mb(after.rss - before.rss)).toBeLessThan(10);
    expect(mb(after.heap - before.heap)).toBeLessThan(2);
  });
});
