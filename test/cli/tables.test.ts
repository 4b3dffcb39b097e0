/**
 * `blasnet train/predict/evaluate` on real tables, as a person runs them: categorical columns, missing
 * cells, an ID column and a date column, JSON and NDJSON input, the per-column summary in text, --json
 * and the HTML report, class weights, several targets, and model files from before the table model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Network, Sigmoid } from '../../lib';
import { compileCli, fixture, type Cli } from '../helpers/cli';

const PENGUINS = fixture('examples', 'data', 'penguins.ndjson');
const CARS = fixture('examples', 'data', 'cars.json');
const BIRDS = fixture('examples', 'data', 'birdstrikes.csv');
const IRIS_SPECIES = fixture('examples', 'data', 'iris-species.csv');

let cli: Cli;
let out: (name: string) => string;

beforeAll(() => {
  cli = compileCli('cli-tables');
  out = (name) => path.join(cli.out, name);
});

describe('blasnet on real tables', () => {
  it('trains on NDJSON penguins (a category, missing cells), reports each column, predicts and evaluates NDJSON and JSON', () => {
    const result = cli.run([
      'train',
      PENGUINS,
      '--target',
      'Species',
      '--epochs',
      '80',
      '--out',
      out('penguins.blasnet'),
      '--report',
      out('penguins.html'),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^columns:$/m);
    expect(result.stdout).toMatch(/^ {2}"Island" +categorical: "Biscoe", "Dream", "Torgersen" \(3 inputs\)$/m);
    expect(result.stdout).toMatch(/^ {2}"Sex" +categorical: .*\+ missing \(\d+\)/m);
    expect(result.stdout).toMatch(
      /^ {2}"Body Mass \(g\)" +numeric, standardised, \d+ missing \(imputed with the median/m,
    );
    expect(result.stdout).toMatch(/^held-out balanced accuracy: \d\.\d{4}, macro F1: \d\.\d{4}$/m);
    const held = Number(/^held-out accuracy: (\d\.\d{4})$/m.exec(result.stdout)?.[1]);
    expect(held).toBeGreaterThan(0.9);
    const report = fs.readFileSync(out('penguins.html'), 'utf8');
    expect(report).toContain('<section id="columns">');
    expect(report).toContain('balanced accuracy');

    const predicted = cli.run(['predict', out('penguins.blasnet'), PENGUINS]);
    expect(predicted.status).toBe(0);
    const lines = predicted.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Species');
    expect(lines).toHaveLength(345);
    const truth = fs
      .readFileSync(PENGUINS, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { Species: string }).Species);
    expect(lines.slice(1).filter((label, i) => label === truth[i]).length).toBeGreaterThan(320);

    const rows = fs
      .readFileSync(PENGUINS, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    fs.writeFileSync(out('penguins.json'), JSON.stringify(rows.slice(0, 100)));
    const json = JSON.parse(cli.run(['evaluate', out('penguins.blasnet'), out('penguins.json'), '--json']).stdout);
    expect(json).toMatchObject({ command: 'evaluate', task: 'classification', rows: 100, unseen: {} });
    expect(json.balancedAccuracy).toBeGreaterThan(0.8);
    expect(json.macroF1).toBeGreaterThan(0.8);
  });

  it('cars (JSON): the name is left out as an ID, the year is a date, rows without a target are counted', () => {
    const result = cli.run(['train', CARS, '--target', 'Miles_per_Gallon', '--epochs', '150', '--json', '-q']);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    const byName = Object.fromEntries(json.columns.map((c: { column: string }) => [c.column, c]));
    expect(byName.Name).toMatchObject({ kind: 'ignore', dropped: 'id' });
    expect(byName.Year).toMatchObject({ kind: 'date' });
    expect(byName.Year.parts).toContain('year');
    expect(byName.Origin).toMatchObject({ kind: 'categorical', categories: ['Europe', 'Japan', 'USA'] });
    expect(byName.Horsepower).toMatchObject({ kind: 'numeric' });
    // Six horsepower cells are null; those among the training part are counted.
    expect(byName.Horsepower.missing).toBeGreaterThan(0);
    expect(byName.Horsepower.missing).toBeLessThanOrEqual(6);
    expect(json).toMatchObject({ task: 'regression', rows: 406, skippedRows: 8 });
    expect(json.testR2).toBeGreaterThan(0.75);
  });

  it('bird strikes (CSV): --class-weight balanced and --ignore, categories pooled, balanced accuracy reported', () => {
    const args = [
      'train',
      BIRDS,
      '--target',
      'Effect Amount of damage',
      '--ignore',
      'Airport Name,Flight Date',
      '--epochs',
      '15',
      '--json',
      '-q',
    ];
    const plain = cli.run(args);
    const weighted = cli.run([...args, '--class-weight', 'balanced']);
    expect(plain.status).toBe(0);
    expect(weighted.status).toBe(0);
    const p = JSON.parse(plain.stdout);
    const w = JSON.parse(weighted.stdout);
    const byName = Object.fromEntries(w.columns.map((c: { column: string }) => [c.column, c]));
    expect(byName['Airport Name']).toMatchObject({ kind: 'ignore', source: 'option' });
    expect(byName['Aircraft Make Model'].note).toMatch(/\+ other \(\d+ rare categories pooled\)/);
    expect(byName['Aircraft Make Model'].width).toBeLessThanOrEqual(50);
    expect(byName['Speed IAS in knots']).toMatchObject({ kind: 'numeric' });
    expect(byName['Speed IAS in knots'].missing).toBeGreaterThan(500);
    // "None" is a class of this target, not a missing cell (the default spellings are case-sensitive).
    expect(w.classes).toContain('None');
    expect(w.trainBalancedAccuracy).toBeGreaterThan(p.trainBalancedAccuracy);
  });

  it('imputes an empty CSV cell and treats a word in a number column as a category', () => {
    fs.writeFileSync(
      out('gaps.csv'),
      `a,b,label\n${Array.from({ length: 40 }, (_, i) => `${i % 7},${i === 3 ? '' : i % 5},${i % 2 === 0 ? 'x' : 'y'}`).join('\n')}\n`,
    );
    const result = cli.run(['train', out('gaps.csv'), '--epochs', '5', '-q']);
    expect(result.status).toBe(0);
    const text = cli.run(['train', out('gaps.csv'), '--epochs', '5']).stdout;
    expect(text).toMatch(
      /^ {2}"b" +numeric, standardised, 1 missing \(imputed with the median 2, with a "was missing" column\) \(2 inputs\)$/m,
    );
    const species = cli.run(['train', IRIS_SPECIES, '--target', 'first', '--epochs', '5', '--json', '-q']);
    expect(species.status).toBe(0);
    expect(JSON.parse(species.stdout).columns.find((c: { column: string }) => c.column === 'species')).toMatchObject({
      kind: 'categorical',
    });
  });

  it('--target a,b trains one output per target and reports each', () => {
    const rows = [
      'x,z,a,b',
      ...Array.from(
        { length: 120 },
        (_, i) => `${i % 13},${(i * 7) % 11},${2 * (i % 13) + 1},${((i * 7) % 11) - (i % 13)}`,
      ),
    ];
    fs.writeFileSync(out('two.csv'), `${rows.join('\n')}\n`);
    const result = cli.run([
      'train',
      out('two.csv'),
      '--target',
      'a,b',
      '--epochs',
      '150',
      '--json',
      '-q',
      '--out',
      out('two.blasnet'),
    ]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.target).toEqual(['a', 'b']);
    expect(json.targets.heldOut.map((t: { target: string }) => t.target)).toEqual(['a', 'b']);
    for (const t of json.targets.heldOut) expect(t.r2).toBeGreaterThan(0.9);
    const predicted = cli.run(['predict', out('two.blasnet'), out('two.csv')]).stdout.split('\n');
    expect(predicted[0]).toBe('a,b');
    expect(predicted[1]!.split(',')).toHaveLength(2);
  });

  it('escapes column names and categories in the HTML report and the text summary', () => {
    const evil = '<script>alert("x")</script>';
    const rows = [
      `num,"${evil.replace(/"/g, '""')}",label`,
      ...Array.from({ length: 40 }, (_, i) => `${i},${i % 2 ? '<b>bold</b>' : 'plain'},${i % 3 === 0 ? 'p' : 'q'}`),
    ];
    fs.writeFileSync(out('evil.csv'), `${rows.join('\n')}\n`);
    const result = cli.run(['train', out('evil.csv'), '--epochs', '3', '--report', out('evil.html')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(JSON.stringify(evil));
    const report = fs.readFileSync(out('evil.html'), 'utf8');
    expect(report).not.toContain('<script>');
    expect(report).not.toContain('<b>bold</b>');
    expect(report).toContain('&lt;script&gt;');
  });

  it('--redis at an address where no Redis answers fails with a coded error, not a wait forever (--class-weight is accepted)', () => {
    // Port 1 has no server. (--class-weight with --redis trains on a worker: test/cli/queue.test.ts.)
    for (const command of [
      ['train', PENGUINS, '--target', 'Species', '--class-weight', 'balanced'],
      ['tune', PENGUINS, '--target', 'Species', '--trials', '1'],
    ]) {
      const result = cli.run([...command, '--redis', 'redis://127.0.0.1:1', '--quiet']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^blasnet: No answer from the Redis server at "redis:\/\/127\.0\.0\.1:1" within 10 s \(--redis\)/,
      );
    }
  });

  it('a model file written before the table model (cli: 1) still predicts', async () => {
    const net = new Network([4, 1], [Sigmoid], { seed: 1 });
    net.metadata = {
      cli: 1,
      task: 'classification',
      target: { name: 'species', column: 4 },
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      featureColumns: [0, 1, 2, 3],
      columns: 5,
      namedColumns: true,
      classes: ['no', 'yes'],
      labelsAreIndices: false,
      standardize: { mean: [5.8, 3, 3.7, 1.2], scale: [0.8, 0.4, 1.8, 0.8] },
      targetStandardize: null,
      training: null,
    };
    await net.save(out('old.blasnet'));
    const result = cli.run(['predict', out('old.blasnet'), IRIS_SPECIES]);
    expect(result.status).toBe(0);
    const first = fs.readFileSync(IRIS_SPECIES, 'utf8').split('\n')[1]!.split(',').slice(0, 4).map(Number);
    const standardised = first.map((v, j) => (v - [5.8, 3, 3.7, 1.2][j]!) / [0.8, 0.4, 1.8, 0.8][j]!);
    const expected = net.predict([standardised]).data[0]! >= 0.5 ? 'yes' : 'no';
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['species', expected]);
  });

  it('a whole missing column at predict time names it; a broken NDJSON line names its line', () => {
    fs.writeFileSync(
      out('nomass.ndjson'),
      fs
        .readFileSync(PENGUINS, 'utf8')
        .trim()
        .split('\n')
        .slice(0, 5)
        .map((l) => {
          const row = JSON.parse(l);
          delete row['Body Mass (g)'];
          return JSON.stringify(row);
        })
        .join('\n'),
    );
    if (!fs.existsSync(out('penguins.blasnet')))
      cli.run(['train', PENGUINS, '--target', 'Species', '--epochs', '2', '--out', out('penguins.blasnet'), '-q']);
    const missing = cli.run(['predict', out('penguins.blasnet'), out('nomass.ndjson')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no column "Body Mass \(g\)"/);
    fs.writeFileSync(out('broken.ndjson'), '{"Species": "Adelie"}\n{not json\n');
    const broken = cli.run(['predict', out('penguins.blasnet'), out('broken.ndjson')]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/broken\.ndjson, line 2: not valid JSON/);
  });
});

describe('models without column names', () => {
  it('a network saved by a program (no metadata) reads any file by position, with or without a header', async () => {
    const net = new Network([4, 1], [Sigmoid], { seed: 2 });
    await net.save(out('plain.blasnet'));
    const named = cli.run(['predict', out('plain.blasnet'), IRIS_SPECIES]);
    expect(named.status).toBe(0);
    const first = fs.readFileSync(IRIS_SPECIES, 'utf8').split('\n')[1]!.split(',').slice(0, 4).map(Number);
    const expected = net.predict([first]).data[0]! >= 0.5 ? '1' : '0';
    expect(named.stdout.split('\n').slice(0, 2)).toEqual(['prediction', expected]);
    const bare = cli.run(['predict', out('plain.blasnet'), '-'], { input: `${first.join(',')}\n` });
    expect(bare.stdout.split('\n').slice(0, 2)).toEqual(['prediction', expected]);
  });
});

describe('column flags', () => {
  it('a column given two kinds is a usage error naming both flags', () => {
    fs.writeFileSync(
      out('flags.csv'),
      `a,b,label\n${Array.from({ length: 12 }, (_, i) => `${i},${i % 3},${i % 2 ? 'x' : 'y'}`).join('\n')}\n`,
    );
    const result = cli.run(['train', out('flags.csv'), '--numeric', 'b', '--ignore', 'a,b']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^blasnet: the column "b" is given to both --numeric and --ignore$/);
  });
});

describe('missing spellings and unknown labels', () => {
  it('--missing replaces the spellings; evaluate names the line of a label the model does not know', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 4 === 0 ? '-' : i % 5},${i % 2 ? 'x' : 'y'}`);
    fs.writeFileSync(out('dash.csv'), `v,label\n${rows.join('\n')}\n`);
    // "-" is a word unless it is declared missing: then v is numeric with gaps.
    const asWord = JSON.parse(cli.run(['train', out('dash.csv'), '--epochs', '2', '--json', '-q']).stdout);
    expect(asWord.columns[0]).toMatchObject({ column: 'v', kind: 'categorical' });
    const asGap = JSON.parse(
      cli.run([
        'train',
        out('dash.csv'),
        '--missing',
        '-,',
        '--epochs',
        '2',
        '--json',
        '-q',
        '--out',
        out('dash.blasnet'),
      ]).stdout,
    );
    expect(asGap.columns[0]).toMatchObject({ column: 'v', kind: 'numeric' });
    expect(asGap.columns[0].missing).toBeGreaterThan(0);
    fs.writeFileSync(out('dash-new.csv'), 'v,label\n1,x\n2,z\n');
    const result = cli.run(['evaluate', out('dash.blasnet'), out('dash-new.csv')]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /dash-new\.csv, line 3, column 2 \("label"\): the label "z" is not one of the model's classes \("x", "y"\)$/,
    );
  });
});

describe('export of a table model', () => {
  it('exports the whole pipeline (one input per raw column), and with --network-only the bare network', () => {
    if (!fs.existsSync(out('penguins.blasnet')))
      cli.run(['train', PENGUINS, '--target', 'Species', '--epochs', '2', '--out', out('penguins.blasnet'), '-q']);
    const pipeline = cli.run(['export', out('penguins.blasnet'), '--onnx', out('penguins.onnx')]);
    expect(pipeline.stderr).toBe('');
    expect(pipeline.status).toBe(0);
    expect(pipeline.stdout).toMatch(
      /the classification pipeline, 6 inputs \[N, 1\], one per column \("Island" string, "Beak Length \(mm\)" double, .*outputs "label" string \[N\] and "probabilities" double \[N, 3\].*ai\.onnx\.ml 2/,
    );
    const network = cli.run(['export', out('penguins.blasnet'), '--onnx', out('penguins.onnx'), '--network-only']);
    expect(network.status).toBe(0);
    expect(network.stdout).toMatch(/input "input" \[N, 15\]/);
  });
});
