/**
 * The examples are the README's promises: run them as a user would and check what they print.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function run(script: string, ...args: string[]): string {
  return execFileSync(tsx, [path.join(root, 'examples', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
}

describe('examples', () => {
  it('npm run demo: the digits demo prints reports and ends with the two accuracy lines, above target', () => {
    const output = run('digits.ts');
    expect(output).toMatch(/epoch +10\/100 {2}loss/);
    expect(output).toMatch(/epoch 100\/100 {2}loss/);
    expect(output).toMatch(/fit time: \d+\.\d+ s/);
    expect(output).toMatch(/held-out part \(359 rows\)[\s\S]*weighted avg/);
    const lines = output.trimEnd().split('\n');
    const heldOut = /^held-out accuracy: (0\.\d{4})$/.exec(lines[lines.length - 2]!);
    const train = /^train accuracy: (\d\.\d{4})$/.exec(lines[lines.length - 1]!);
    expect(Number(heldOut?.[1])).toBeGreaterThanOrEqual(0.97);
    expect(Number(train?.[1])).toBeGreaterThanOrEqual(0.99);
  });

  it('the digits demo gives the same accuracies on the js backend', () => {
    const tail = (output: string) => output.trimEnd().split('\n').slice(-2);
    expect(tail(run('digits.ts', '--backend', 'js'))).toEqual(tail(run('digits.ts')));
  });

  it("the README's iris example prints what the README says", () => {
    expect(run('iris.ts').trim().split('\n')).toEqual(['0.0548', '0.9733', "[ '1.000', '0.000', '0.000' ]"]);
  });
});
