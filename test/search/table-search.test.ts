/**
 * crossValidate and tune on raw rows (words, missing cells): every fold's score is checked against a
 * TableModel fitted by hand on that fold's training rows only (so no held-out row reaches a median, a
 * deviation or the categories kept) and scored by hand; tune's refit is a TableModel of the best settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { crossValidate, kFolds, OptionError, TableModel, tune, type Row } from '../../lib';
import { classLabels } from '../../lib/table/split';
import { DEFAULT_MISSING } from '../../lib/table/cells';
import { BACKEND_NAMES } from '../helpers/backends';

const penguins = fs
  .readFileSync(path.join(__dirname, '..', '..', 'examples', 'data', 'penguins.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Row)
  // Every third row keeps the tests quick; the words and the missing cells stay.
  .filter((_, i) => i % 3 === 0);
const settings = { hidden: [6], learningRate: 0.01, batchSize: 16, epochs: 4 };

for (const backend of BACKEND_NAMES) {
  describe(`crossValidate on rows [${backend}]`, () => {
    it('fits each fold’s table model on that fold’s training rows only and scores its held-out rows by hand', async () => {
      const cv = await crossValidate(penguins, { target: 'Species', backend }, settings, { folds: 3, seed: 4 });
      const labels = classLabels(
        penguins.map((r) => r.Species),
        new Set(DEFAULT_MISSING),
      )!;
      const expected: number[] = [];
      for (const fold of kFolds(penguins.length, 3, 4, labels)) {
        const train = Array.from(fold.train, (i) => penguins[i]!);
        const test = Array.from(fold.test, (i) => penguins[i]!);
        const model = new TableModel().fit(train, { target: 'Species', backend, ...settings, seed: 4 });
        const predicted = model.predict(test);
        expected.push(test.filter((r, i) => r.Species === predicted[i]).length / test.length);
      }
      expect(cv.metric).toBe('accuracy');
      expect(cv.scores).toEqual(expected);
      expect(cv.score).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 12);
    });

    it('scores a regression by the mean squared error in the target’s own units, on a held-out part', async () => {
      const rows = penguins.filter((r) => typeof r['Body Mass (g)'] === 'number');
      const cv = await crossValidate(rows, { target: 'Body Mass (g)', backend }, settings, { holdout: 0.25, seed: 2 });
      expect(cv.metric).toBe('mse');
      expect(cv.scores).toHaveLength(1);
      // Grams squared: a standardised target's MSE would be near 1, grams' is in the tens of thousands.
      expect(cv.score).toBeGreaterThan(1000);
    });
  });
}

describe('tune on rows', () => {
  it('scores every trial as crossValidate does and refits the best as a table model of raw rows', async () => {
    const result = await tune(
      penguins,
      { target: 'Species' },
      { trials: 3, folds: 2, seed: 3, fixed: { epochs: 3, hidden: [5] } },
    );
    expect(result.metric).toBe('accuracy');
    expect(result.trials.every((t) => t.status === 'ok' && t.settings.epochs === 3)).toBe(true);
    const second = result.trials[1]!;
    expect(
      (await crossValidate(penguins, { target: 'Species' }, second.settings, { folds: 2, seed: 3 })).scores,
    ).toEqual(second.scores);
    const model = result.best.model!;
    expect(model).toBeInstanceOf(TableModel);
    const twin = new TableModel().fit(penguins, { target: 'Species', ...result.best.settings, seed: 3 });
    expect(model.network.toBuffer().equals(twin.network.toBuffer())).toBe(true);
    expect(
      model.predict([
        {
          Island: 'Biscoe',
          'Beak Length (mm)': 47.3,
          'Beak Depth (mm)': 13.8,
          'Flipper Length (mm)': 216,
          'Body Mass (g)': null,
          Sex: null,
        },
      ]),
    ).toHaveLength(1);
  });

  it('refuses network settings among the table settings: the search owns them', async () => {
    await expect(crossValidate(penguins, { target: 'Species', epochs: 3 } as never, settings)).rejects.toThrow(
      OptionError,
    );
    await expect(crossValidate(penguins, { target: 'Species', epochs: 3 } as never, settings)).rejects.toThrow(
      /table\.epochs/,
    );
  });
});
