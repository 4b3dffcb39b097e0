/**
 * Training progress: a bar redrawn in place on a terminal, plain lines elsewhere, nothing when quiet.
 * (test/cli/commands.test.ts also runs the command in a pseudo-terminal.)
 */
import { Writable } from 'node:stream';

import { createProgress, progressMode } from '../../lib/cli/progress';

/** A stream that records what is written; `isTTY` makes it a terminal for cli-progress. */
class Screen extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  columns = 120;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  // What readline's cursor functions call on a terminal stream.
  cursorTo(_x: number, _y?: number, callback?: () => void): boolean {
    this.text += '\x1b[1G';
    callback?.();
    return true;
  }
  clearLine(_dir: number, callback?: () => void): boolean {
    callback?.();
    return true;
  }
  moveCursor(_dx: number, _dy: number, callback?: () => void): boolean {
    callback?.();
    return true;
  }
}

describe('progress', () => {
  it('picks the bar on a terminal, lines elsewhere, nothing when quiet', () => {
    expect(progressMode({ isTTY: true } as NodeJS.WriteStream, false)).toBe('bar');
    expect(progressMode({ isTTY: false } as NodeJS.WriteStream, false)).toBe('lines');
    expect(progressMode({ isTTY: true } as NodeJS.WriteStream, true)).toBe('none');
  });

  it("lines: the first epoch, every tenth of the run and the last, in fit's log format", () => {
    const screen = new Screen(false);
    const progress = createProgress('lines', screen, 25);
    for (let epoch = 1; epoch <= 25; epoch++)
      progress.epoch(epoch, 1 / epoch, 2 / epoch, epoch === 25 ? 0.9 : undefined);
    progress.stop();
    const lines = screen.text.trimEnd().split('\n');
    expect(lines.map((l) => /^epoch +(\d+)\/25/.exec(l)?.[1])).toEqual([
      '1',
      '3',
      '6',
      '9',
      '12',
      '15',
      '18',
      '21',
      '24',
      '25',
    ]);
    expect(lines.at(-1)).toMatch(
      /^epoch 25\/25 {2}loss 0\.0400000 {2}val loss 0\.0800000 {2}val accuracy 0\.9000 {2}\d+\.\d s$/,
    );
  });

  it('bar: epoch, percentage, loss, held-out loss and ETA on one line redrawn in place', () => {
    const screen = new Screen(true);
    const progress = createProgress('bar', screen, 4);
    progress.batch(1, 0.1);
    progress.epoch(1, 0.5, 0.6, undefined);
    progress.epoch(2, 0.25, 0.3, undefined);
    progress.epoch(3, 0.125, 0.2, undefined);
    progress.epoch(4, 0.0625, 0.1, undefined);
    progress.stop();
    expect(screen.text).toMatch(/epoch 1\/4 \u2591{24} 0% \| loss - \| val loss - \| ETA/);
    expect(screen.text).toMatch(/epoch 4\/4 \u2588{24} 100% \| loss 0\.06250 \| val loss 0\.1000 \| ETA 0s/);
    expect(screen.text.split('\n').length).toBeLessThanOrEqual(2);
  });

  it("names the losses' scale when it is not the results' (a regression's standardised target)", () => {
    const lines = new Screen(false);
    const progress = createProgress('lines', lines, 1, 'standardised target');
    progress.epoch(1, 0.5, 0.25, undefined);
    expect(lines.text).toMatch(
      /^epoch 1\/1 {2}loss 0\.500000 {2}val loss 0\.250000 \(standardised target\) {2}\d+\.\d s\n$/,
    );
    const screen = new Screen(true);
    const bar = createProgress('bar', screen, 2, 'standardised target');
    bar.epoch(1, 0.5, 0.25, undefined);
    bar.stop();
    expect(screen.text).toMatch(/\| loss 0\.5000 \| val loss 0\.2500 \(standardised target\) \| ETA/);
  });

  it('none: silent', () => {
    const screen = new Screen(true);
    const progress = createProgress('none', screen, 3);
    progress.epoch(1, 1, undefined, undefined);
    progress.stop();
    expect(screen.text).toBe('');
  });
});
