/**
 * The table model on raw rows, on both backends: every column kind, every missing spelling, unseen
 * categories, whole missing columns, weights, save/load, and the coded errors of bad options. Expected
 * encodings are computed by hand here (medians, means, one-hot positions), not read back from the model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  Adam,
  DEFAULT_MISSING,
  Network,
  OptionError,
  Sigmoid,
  Relu,
  TableError,
  TableModel,
  type Row,
} from '../../lib';
import { encodeRows } from '../../lib/table/model';
import { rowSource } from '../../lib/table/rows';
import { describeBackends } from '../helpers/backends';

/** A small table a person could have: an id, a date, a category with a rare value and gaps, numbers with gaps. */
function people(n = 60): Row[] {
  const colors = ['red', 'green', 'blue'];
  return Array.from({ length: n }, (_, i) => ({
    id: 1000 + i,
    name: `person ${i}`,
    joined: new Date(Date.UTC(2020, i % 12, 1 + (i % 28), i % 24)).toISOString(),
    color: i === 7 ? 'purple' : i === 17 ? 'pink' : i % 10 === 3 ? null : colors[i % 3],
    height: i % 9 === 4 ? 'NA' : 150 + ((i * 37) % 50),
    constant: 'same',
    member: i % 2 === 0,
    label: (i * 37) % 50 > 25 ? 'tall' : 'short',
  }));
}

const fast = { epochs: 30, hidden: [8], seed: 3 } as const;

describeBackends('TableModel', (backend) => {
  const b = { backend: backend.name };

  it('infers every kind, drops the ID, the name and the constant with notes, and reports each column', () => {
    const model = new TableModel().fit(people(), { target: 'label', ...fast, ...b });
    const byName = Object.fromEntries(model.describeColumns().map((c) => [c.column, c]));
    expect(byName.id).toMatchObject({ kind: 'ignore', dropped: 'id', width: 0 });
    expect(byName.name).toMatchObject({ kind: 'ignore', dropped: 'id' });
    expect(byName.constant).toMatchObject({ kind: 'ignore', dropped: 'constant' });
    expect(byName.id!.note).toMatch(/looks like an ID.*force it in with options\.columns/);
    expect(byName.joined).toMatchObject({ kind: 'date', parts: ['month', 'day', 'weekday', 'hour'] });
    // The year is 2020 in every row: a part that never varies is left out.
    expect(byName.color).toMatchObject({
      kind: 'categorical',
      categories: ['blue', 'green', 'red'],
      pooled: 2,
      missing: 6,
    });
    expect(byName.height).toMatchObject({ kind: 'numeric', missing: 7, width: 2 });
    expect(byName.member).toMatchObject({ kind: 'categorical', categories: ['false', 'true'] });
    expect(byName.label).toMatchObject({ source: 'target' });
    expect(model.inputNames()).toContain('color (other)');
    expect(model.inputNames()).toContain('color (missing)');
  });

  it('encodes by hand-computed statistics: median imputation + indicator, one-hot, other, missing', () => {
    const rows = people();
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    const heights = rows
      .map((r) => r.height)
      .filter((h): h is number => typeof h === 'number')
      .sort((a, c) => a - c);
    const mid = heights.length >> 1;
    const median = heights.length % 2 === 1 ? heights[mid]! : (heights[mid - 1]! + heights[mid]!) / 2;
    const imputed = rows.map((r) => (typeof r.height === 'number' ? r.height : median));
    const mean = imputed.reduce((s, v) => s + v, 0) / imputed.length;
    const sd = Math.sqrt(imputed.reduce((s, v) => s + (v - mean) ** 2, 0) / imputed.length);
    const names = model.inputNames();
    const { x, counts } = encodeRows(model.spec, rowSource(rows), [4, 7, 3, 0]);
    const at = (r: number, name: string) => x.data[r * x.cols + names.indexOf(name)]!;
    expect(at(0, 'height')).toBeCloseTo((median - mean) / sd, 12);
    expect(at(0, 'height (missing)')).toBe(1);
    expect(at(3, 'height')).toBeCloseTo((150 - mean) / sd, 12);
    expect(at(3, 'height (missing)')).toBe(0);
    expect(at(1, 'color (other)')).toBe(1); // purple, seen once, pooled with pink
    expect(at(2, 'color (missing)')).toBe(1); // null
    expect(at(3, 'color=red')).toBe(1);
    expect(counts.unseen.size).toBe(0);
  });

  it('maps an unseen category to zeros, counts it in evaluate, and never fails on it', () => {
    const rows = people();
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    const odd = rows.slice(0, 10).map((r, i) => ({ ...r, color: i < 4 ? 'ultraviolet' : r.color }));
    const evaluation = model.evaluate(odd);
    expect(evaluation.unseen).toEqual({ color: 4 });
    const names = model.inputNames();
    const { x } = encodeRows(model.spec, rowSource(odd), [0]);
    for (const name of names.filter((n) => n.startsWith('color'))) expect(x.data[names.indexOf(name)]).toBe(0);
    expect(model.predict(odd)).toHaveLength(10);
  });

  it.each(DEFAULT_MISSING.map((m) => [JSON.stringify(m), m] as const))(
    'reads %s as a missing cell (numeric and categorical)',
    (_label, spelling) => {
      const rows = people().map((r, i) => (i % 5 === 0 ? { ...r, height: spelling, color: spelling } : r));
      const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
      const byName = Object.fromEntries(model.describeColumns().map((c) => [c.column, c]));
      expect(byName.height).toMatchObject({ kind: 'numeric' });
      expect(byName.height!.missing).toBeGreaterThanOrEqual(12);
      expect(byName.color!.missing).toBeGreaterThanOrEqual(12);
    },
  );

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['NaN', NaN],
    ['an absent key', 'absent'],
  ] as const)('reads %s as a missing cell', (_label, value) => {
    const rows = people().map((r, i) => {
      if (i % 6 !== 0) return r;
      const copy: Record<string, unknown> = { ...r };
      if (value === 'absent') delete copy.height;
      else copy.height = value;
      return copy;
    });
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    expect(model.describeColumns().find((c) => c.column === 'height')!.missing).toBe(7 + 10);
  });

  it('takes configurable missing spellings ("None" is a category by default, missing when listed)', () => {
    const rows = people().map((r, i) => ({ ...r, color: i % 4 === 0 ? 'None' : r.color }));
    const kept = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    expect(kept.describeColumns().find((c) => c.column === 'color')!.categories).toContain('None');
    const listed = new TableModel().fit(rows, { target: 'label', missing: ['None', ''], ...fast, ...b });
    expect(listed.describeColumns().find((c) => c.column === 'color')!.categories).not.toContain('None');
  });

  it('leaves rows with a missing target out of training, with their count', () => {
    const rows = people().map((r, i) => (i < 5 ? { ...r, label: '' } : r));
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    expect(model.spec).toMatchObject({ rows: 55, skipped: 5 });
    expect(model.evaluate(rows)).toMatchObject({ rows: 55, skipped: 5 });
  });

  it('honours kind overrides: a number column as categorical, a word as ignore, the ID forced in', () => {
    const rows = people().map((r, i) => ({ ...r, zip: [10115, 20095, 80331][i % 3] }));
    const model = new TableModel().fit(rows, {
      target: 'label',
      columns: { zip: 'categorical', color: 'ignore', id: 'numeric' },
      ...fast,
      ...b,
    });
    const byName = Object.fromEntries(model.describeColumns().map((c) => [c.column, c]));
    expect(byName.zip).toMatchObject({
      kind: 'categorical',
      source: 'option',
      categories: ['10115', '20095', '80331'],
    });
    expect(byName.color).toMatchObject({ kind: 'ignore', source: 'option' });
    expect(byName.id).toMatchObject({ kind: 'numeric', source: 'option' });
  });

  it('a whole missing column at predict time is an error naming it; a missing cell is imputed', () => {
    const rows = people();
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    const withoutHeight = rows.map(({ height: _h, ...rest }) => rest);
    expect(() => model.predict(withoutHeight)).toThrow(
      expect.objectContaining({ code: 'ERR_TABLE_MISSING_COLUMN', column: 'height' }),
    );
    expect(() => model.predict(withoutHeight)).toThrow(/no column "height"/);
    expect(model.predict([{ ...rows[0]!, height: null }])).toHaveLength(1);
  });

  it("predicts labels in the target's own terms, and probabilities that sum to 1", () => {
    const rows = people().map((r, i) => ({ ...r, label: i % 3 }));
    const model = new TableModel().fit(rows, { target: 'label', task: 'classification', ...fast, ...b });
    expect(model.classes).toEqual([0, 1, 2]);
    const predictions = model.predict(rows.slice(0, 5));
    for (const p of predictions) expect([0, 1, 2]).toContain(p);
    for (const row of model.predictProba(rows.slice(0, 5))) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });

  it('regresses several targets, each standardised, reported per target', () => {
    const rows = people().map((r, i) => ({ ...r, label: undefined, a: i * 2 + 1, b: 100 - i }));
    const model = new TableModel().fit(rows, {
      target: ['a', 'b'],
      columns: { label: 'ignore' },
      epochs: 150,
      hidden: [16],
      seed: 1,
      learningRate: 0.01,
      ...b,
    });
    const evaluation = model.evaluate(rows);
    if (evaluation.task !== 'regression') throw new Error('expected regression');
    expect(evaluation.targets.map((t) => t.target)).toEqual(['a', 'b']);
    for (const t of evaluation.targets) expect(t.r2).toBeGreaterThan(0.8);
    const p = model.predict(rows.slice(0, 2));
    expect(Array.isArray(p[0]) && (p[0] as number[]).length).toBe(2);
  });

  it('saves the preprocessing in the model file and loads it back (predictions identical)', async () => {
    const rows = people();
    const model = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-table-')), 'm.blasnet');
    await model.save(file);
    const loaded = await TableModel.load(file, b);
    expect(loaded.predict(rows)).toEqual(model.predict(rows));
    expect(loaded.describeColumns()).toEqual(model.describeColumns());
    expect(TableModel.fromBuffer(model.toBuffer(), b).predictProba(rows.slice(0, 3))).toEqual(
      model.predictProba(rows.slice(0, 3)),
    );
  });

  it('loads a model saved by blasnet train before the table model (cli: 1 metadata)', () => {
    const net = new Network([2, 1], [Sigmoid], { seed: 1, backend: backend.name });
    net.metadata = {
      cli: 1,
      task: 'classification',
      target: { name: 'y', column: 2 },
      features: ['a', 'b'],
      featureColumns: [0, 1],
      columns: 3,
      namedColumns: true,
      classes: ['no', 'yes'],
      labelsAreIndices: false,
      standardize: { mean: [1, 2], scale: [2, 4] },
      targetStandardize: null,
      training: null,
    };
    const model = TableModel.fromBuffer(net.toBuffer(), b);
    const expected = net.predict([[(3 - 1) / 2, (6 - 2) / 4]]).data[0]! >= 0.5 ? 'yes' : 'no';
    expect(model.predict([{ a: 3, b: 6 }])).toEqual([expected]);
    expect(() => TableModel.fromBuffer(new Network([2, 1], [Relu], { seed: 1 }).toBuffer(), b)).toThrow(
      expect.objectContaining({ code: 'ERR_TABLE_NOT_TABLE_MODEL' }),
    );
  });

  it('a damaged table record is ERR_TABLE_RECORD naming the field, never a crash later', () => {
    const model = new TableModel().fit(people(), { target: 'label', ...fast, ...b });
    const forge = (change: (table: Record<string, unknown>) => void) => {
      const net = Network.fromBuffer(model.toBuffer(), b);
      const metadata = JSON.parse(JSON.stringify(net.metadata)) as { table: Record<string, unknown> };
      change(metadata.table);
      net.metadata = metadata as never;
      return () => TableModel.fromBuffer(net.toBuffer(), b);
    };
    expect(forge(() => undefined)()).toBeInstanceOf(TableModel);
    expect(forge((t) => void (t.encoders = 'x'))).toThrow(
      expect.objectContaining({
        code: 'ERR_TABLE_RECORD',
        message: expect.stringContaining('encoders is not an array'),
      }),
    );
    expect(forge((t) => void ((t.target as Record<string, unknown>).classes = [1, 2]))).toThrow(
      expect.objectContaining({ code: 'ERR_TABLE_RECORD', message: expect.stringContaining('target.classes') }),
    );
    expect(forge((t) => void ((t.encoders as Record<string, unknown>[])[0]!.kind = 'words'))).toThrow(
      expect.objectContaining({
        code: 'ERR_TABLE_RECORD',
        message: expect.stringContaining('encoders[0] has an unknown kind'),
      }),
    );
    expect(forge((t) => void (t.columns = null))).toThrow(expect.objectContaining({ code: 'ERR_TABLE_RECORD' }));
  });

  it("weightDecay is the optimizer's: the same weights as Network.fit with Adam({ weightDecay }) on the encoded rows", async () => {
    // fitNetwork hands over the prepared network and encoded rows; training them here with an
    // independently built optimizer must give what the table model's own training gives.
    let sent: { x: unknown; y: unknown; loss: unknown; dims: number[] } | undefined;
    const decayed = await new TableModel().fitAsync(people(), {
      target: 'label',
      ...fast,
      ...b,
      weightDecay: 0.05,
      batchSize: 32,
      fitNetwork: async (net, x, y, options) => {
        sent = { x, y, loss: options.loss, dims: [...net.dims] };
        const copy = Network.fromBuffer(net.toBuffer(), b) as Network;
        copy.fit(x, y, {
          loss: options.loss!,
          epochs: fast.epochs,
          batchSize: 32,
          optimizer: new Adam({ learningRate: 0.001, weightDecay: 0.05 }),
          log: null,
        });
        return copy;
      },
    });
    const local = new TableModel().fit(people(), { target: 'label', ...fast, ...b, weightDecay: 0.05, batchSize: 32 });
    const plain = new TableModel().fit(people(), { target: 'label', ...fast, ...b, weightDecay: 0, batchSize: 32 });
    expect(sent?.dims).toEqual(local.network.dims);
    expect(Array.from(decayed.network.parameters)).toEqual(Array.from(local.network.parameters));
    expect(Array.from(plain.network.parameters)).not.toEqual(Array.from(local.network.parameters));
    // The trained network carries the table record: it saves and loads as a table model.
    expect(TableModel.fromBuffer(decayed.toBuffer(), b).predict(people().slice(0, 5))).toEqual(
      local.predict(people().slice(0, 5)),
    );
    await expect(
      new TableModel().fitAsync(people(), {
        target: 'label',
        ...fast,
        ...b,
        fitNetwork: async () => new Network([1, 1], [Sigmoid]) as Network,
      }),
    ).rejects.toMatchObject({ code: 'ERR_TABLE_OPTION', option: 'options.fitNetwork' });
  });

  it("class weights: balanced lifts the rare class's recall", () => {
    const rows = Array.from({ length: 300 }, (_, i) => {
      const x = Math.sin(i * 12.9898) * 43758.5453;
      const u = x - Math.floor(x);
      return { u, v: (i * 7919) % 97, label: u > 0.9 ? 'rare' : 'common' };
    });
    // The mechanism alone: fit's batch size and no weight decay, as before the table defaults changed.
    const settings = {
      target: 'label',
      epochs: 40,
      hidden: [4],
      seed: 2,
      learningRate: 0.003,
      batchSize: 32,
      weightDecay: 0,
      ...b,
    } as const;
    const plain = new TableModel().fit(rows, settings);
    const balanced = new TableModel().fit(rows, { ...settings, classWeight: 'balanced' });
    const p = plain.evaluate(rows);
    const q = balanced.evaluate(rows);
    if (p.task !== 'classification' || q.task !== 'classification') throw new Error('expected classification');
    expect(q.balancedAccuracy).toBeGreaterThan(p.balancedAccuracy);
  });

  it('fitAsync trains as fit does', async () => {
    const rows = people();
    const a = new TableModel().fit(rows, { target: 'label', ...fast, ...b });
    const c = await new TableModel().fitAsync(rows, { target: 'label', ...fast, ...b });
    expect(c.predictProba(rows)).toEqual(a.predictProba(rows));
  });

  it('takes a parsed CSV ({ columns, rows }) as well as objects', () => {
    const objects = people();
    const columns = Object.keys(objects[0]!);
    const parsed = { columns, rows: objects.map((r) => columns.map((c) => (r[c] === null ? '' : String(r[c])))) };
    const model = new TableModel().fit(parsed, { target: 'label', ...fast, ...b });
    expect(model.describeColumns().find((c) => c.column === 'height')).toMatchObject({ kind: 'numeric', missing: 7 });
    expect(model.describeColumns().find((c) => c.column === 'joined')).toMatchObject({ kind: 'date' });
    expect(model.predict(parsed)).toHaveLength(60);
  });
});

describe('TableModel bad input', () => {
  const rows = people();
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it.each([
    ['no target', {}, 'ERR_TABLE_OPTION', 'options.target'],
    [
      'an unknown kind',
      { target: 'label', columns: { color: 'words' } },
      'ERR_TABLE_OPTION',
      'options.columns["color"]',
    ],
    ['minFrequency 0', { target: 'label', minFrequency: 0 }, 'ERR_TABLE_OPTION', 'options.minFrequency'],
    ['maxCategories 1', { target: 'label', maxCategories: 1 }, 'ERR_TABLE_OPTION', 'options.maxCategories'],
    ['missing not strings', { target: 'label', missing: [1] }, 'ERR_TABLE_OPTION', 'options.missing'],
    ['hidden [0]', { target: 'label', hidden: [0] }, 'ERR_TABLE_OPTION', 'options.hidden'],
    [
      'a bad class weight',
      { target: 'label', classWeight: { tall: -1 } },
      'ERR_TABLE_OPTION',
      'options.classWeight["tall"]',
    ],
    ['a short sampleWeight', { target: 'label', sampleWeight: [1, 2] }, 'ERR_TABLE_OPTION', 'options.sampleWeight'],
    ['a bad backend', { target: 'label', backend: 'gpu' }, 'ERR_TABLE_OPTION', 'options.backend'],
    [
      'a callback that is not a function',
      { target: 'label', onPrepared: 'print' },
      'ERR_TABLE_OPTION',
      'options.onPrepared',
    ],
    ['standardize not a boolean', { target: 'label', standardize: 'yes' }, 'ERR_TABLE_OPTION', 'options.standardize'],
    ['a negative weightDecay', { target: 'label', weightDecay: -0.1 }, 'ERR_TABLE_OPTION', 'options.weightDecay'],
    [
      'a fitNetwork that is not a function',
      { target: 'label', fitNetwork: {} },
      'ERR_TABLE_OPTION',
      'options.fitNetwork',
    ],
    ['an unknown task', { target: 'label', task: 'ranking' }, 'ERR_TABLE_OPTION', 'options.task'],
    [
      'classification with two targets',
      { target: ['height', 'id'], task: 'classification' },
      'ERR_TABLE_OPTION',
      'options.task',
    ],
    [
      'the target as a feature',
      { target: 'label', columns: { label: 'categorical' } },
      'ERR_TABLE_TARGET_AS_FEATURE',
      'options.columns["label"]',
    ],
    [
      'an unknown column',
      { target: 'label', columns: { colour: 'categorical' } },
      'ERR_TABLE_UNKNOWN_COLUMN',
      'options.columns["colour"]',
    ],
    ['an unknown target', { target: 'lable' }, 'ERR_TABLE_TARGET', 'options.target'],
  ])('%s: a coded OptionError with the option, expected and actual', (_name, options, code, option) => {
    let error: unknown;
    try {
      new TableModel().fit(rows, options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect(error).toMatchObject({ code, option });
    expect((error as OptionError).expected.length).toBeGreaterThan(0);
    expect((error as OptionError).actual.length).toBeGreaterThan(0);
  });

  it('an unknown option suggests the near one', () => {
    expect(() => new TableModel().fit(rows, { target: 'label', epoch: 3 } as never)).toThrow(
      /options\.epoch \(did you mean epochs\?\)/,
    );
  });

  it('a one-class target, a word in a numeric column, an all-missing declared column, no features', () => {
    expect(
      codeOf(() =>
        new TableModel().fit(
          rows.map((r) => ({ ...r, label: 'x' })),
          { target: 'label' },
        ),
      ),
    ).toBe('ERR_TABLE_ONE_CLASS');
    expect(
      codeOf(() =>
        new TableModel().fit(
          rows.map((r, i) => ({ ...r, height: i === 3 ? 'tall' : r.height })),
          { target: 'label', columns: { height: 'numeric' } },
        ),
      ),
    ).toBe('ERR_TABLE_NOT_NUMERIC');
    expect(
      codeOf(() =>
        new TableModel().fit(
          rows.map((r) => ({ ...r, height: null })),
          { target: 'label', columns: { height: 'numeric' } },
        ),
      ),
    ).toBe('ERR_TABLE_EMPTY_COLUMN');
    expect(
      codeOf(() =>
        new TableModel().fit(
          rows.map((r) => ({ id: r.id, label: r.label })),
          { target: 'label' },
        ),
      ),
    ).toBe('ERR_TABLE_NO_FEATURES');
    expect(codeOf(() => new TableModel().predict(rows))).toBe('ERR_TABLE_NOT_FITTED');
    expect(codeOf(() => new TableModel().fit('rows' as never, { target: 'label' }))).toBe('ERR_TABLE_ROWS');
  });

  it('values too large to standardise are refused, never fed as NaN', () => {
    expect(
      codeOf(() =>
        new TableModel().fit(
          rows.map((r, i) => ({ ...r, height: i % 2 ? 1e308 : -1e308 + i })),
          { target: 'label', epochs: 1 },
        ),
      ),
    ).toBe('ERR_TABLE_NOT_FINITE');
  });

  it('an all-missing inferred column is dropped with a note, not an error', () => {
    const model = new TableModel().fit(
      rows.map((r) => ({ ...r, empty: 'NA' })),
      { target: 'label', epochs: 2 },
    );
    expect(model.describeColumns().find((c) => c.column === 'empty')).toMatchObject({
      kind: 'ignore',
      dropped: 'empty',
    });
  });

  it('10,000+ categories in one column: pooled to the cap (or dropped as ID-like), never unbounded', () => {
    const many = Array.from({ length: 24000 }, (_, i) => ({
      code: `c${i % 12000}`,
      v: i % 7,
      label: i % 2 === 0 ? 'a' : 'b',
    }));
    const model = new TableModel().fit(many, {
      target: 'label',
      columns: { code: 'categorical' },
      epochs: 1,
      hidden: [2],
    });
    const code = model.describeColumns().find((c) => c.column === 'code')!;
    expect(code.width).toBeLessThanOrEqual(50);
    expect(code.note).toMatch(/other \(\d+ rare categories pooled\)/);
  });

  it('escapes column names and categories wherever it shows them', () => {
    const evil = rows.map((r, i) => ({ ...r, '<b>"x"\n</b>': i % 2 === 0 ? '=cmd|"\u0007"' : 'ok' }));
    const model = new TableModel().fit(evil, { target: 'label', epochs: 2 });
    const summary = model.describeColumns().find((c) => c.column === '<b>"x"\n</b>')!;
    expect(summary.note).toContain(JSON.stringify('=cmd|"\u0007"'));
    expect(summary.note).not.toContain('\u0007');
    expect(() => new TableModel().fit(rows, { target: 'a"\nb' })).toThrow(/"a\\"\\nb"/);
  });

  it('errors are TableErrors with the column', () => {
    const model = new TableModel().fit(rows, { target: 'label', epochs: 2 });
    try {
      model.predict([{ ...rows[0]!, height: 'very' }]);
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(TableError);
      expect(error).toMatchObject({ code: 'ERR_TABLE_NOT_NUMERIC', column: 'height', row: 0 });
    }
  });
});

describe('balanced accuracy and macro F1', () => {
  it('match scikit-learn on a hand case', async () => {
    const { classificationMetrics } = await import('../../lib');
    // sklearn.metrics.balanced_accuracy_score([0,0,0,1,1,2], [0,0,1,1,0,0]) = (2/3 + 1/2 + 0) / 3
    const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 0]);
    expect(m.balancedAccuracy).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 15);
    // f1_score(average='macro'): class 0 p=2/4 r=2/3, class 1 p=1/2 r=1/2, class 2 0.
    const f0 = (2 * (2 / 4) * (2 / 3)) / (2 / 4 + 2 / 3);
    expect(m.macro.f1).toBeCloseTo((f0 + 0.5 + 0) / 3, 15);
  });
});
