/**
 * The `blasnet` command, run as a child process the way a person runs it: train on iris (a header line and
 * species names) and on the digits, predict with the saved model (the same labels as the library's own
 * predict on the loaded model), evaluate, info, `--json`, and every error a person is likely to meet,
 * each with its exit code and its one line on stderr.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

import { argmaxRows, Matrix, Network, Standardizer } from '../../lib';
import { compileCli, fixture, type Cli, type CliResult } from '../helpers/cli';

const IRIS_SPECIES = fixture('examples', 'data', 'iris-species.csv');
const IRIS_SKLEARN = fixture('examples', 'data', 'iris.csv');
const DIGITS = fixture('examples', 'data', 'digits.csv.gz');

let cli: Cli;
let out: (name: string) => string;

beforeAll(() => {
  cli = compileCli('cli-commands');
  out = (name) => path.join(cli.out, name);
});

/** iris-species.csv's rows as numbers, and its species column. */
function readIrisSpecies(): { x: Matrix; species: string[] } {
  const lines = fs.readFileSync(IRIS_SPECIES, 'utf8').trim().split('\n').slice(1);
  const cells = lines.map((line) => line.split(','));
  return { x: Matrix.from(cells.map((c) => c.slice(0, 4).map(Number))), species: cells.map((c) => c[4]!) };
}

function expectFailure(result: CliResult, status: number, message: RegExp): void {
  expect({ status: result.status, stderr: result.stderr.trimEnd() }).toEqual({
    status,
    stderr: expect.stringMatching(message),
  });
  // One line, no stack trace.
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('blasnet train', () => {
  let trained: CliResult;
  beforeAll(() => {
    trained = cli.run(['train', IRIS_SPECIES, '--target', 'species', '--out', out('iris.blasnet'), '--epochs', '150']);
  });

  it('trains on iris with a header line and species names, and prints both classification reports', () => {
    expect(trained.status).toBe(0);
    expect(trained.stdout).toMatch(/^data: .*iris-species\.csv, 150 rows, 4 features, target column 5 \("species"\)$/m);
    expect(trained.stdout).toMatch(
      /^task: classification into 3 classes \(setosa, versicolor, virginica\): the target holds words$/m,
    );
    expect(trained.stdout).toMatch(/^split: 120 rows for training, 30 held out \(stratified, seed 1\)/m);
    expect(trained.stdout).toMatch(
      /^network: 4-100-3 \(relu, softmax\), 803 parameters, cross-entropy, adam \(learning rate 0\.001, weight decay 0\.001\)/m,
    );
    expect(trained.stdout).toMatch(/^fit: 150 epochs in \d+\.\d{3} s \(\d+ samples\/s\)$/m);
    expect(trained.stdout).toMatch(
      /classification report, held-out \(30 rows\):\n\n {14}precision {4}recall {2}f1-score {3}support\n\n {6}setosa/,
    );
    expect(trained.stdout).toMatch(/classification report, training \(120 rows\):/);
    const heldOut = Number(/^held-out accuracy: (\d\.\d{4})$/m.exec(trained.stdout)?.[1]);
    const training = Number(/^training accuracy: (\d\.\d{4})$/m.exec(trained.stdout)?.[1]);
    // 30 held-out rows make a coarse measure (one row is 0.033, and which rows are held out follows the
    // seed); an untrained or broken network scores about 0.33 on three balanced classes.
    expect(heldOut).toBeGreaterThanOrEqual(0.8);
    expect(training).toBeGreaterThanOrEqual(0.95);
    expect(trained.stdout).toMatch(/^model saved to .*iris\.blasnet$/m);
  });

  it('shows progress on stderr as plain lines when it is not a terminal: the first epoch, every tenth, the last', () => {
    const lines = trained.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^epoch {3}1\/150 {2}loss \d\.\d+ {2}val loss \d\.\d+ {2}val accuracy \d\.\d{4} {2}\d+\.\d s$/,
    );
    expect(lines.map((l) => /^epoch +(\d+)\//.exec(l)?.[1])).toEqual([
      '1',
      '15',
      '30',
      '45',
      '60',
      '75',
      '90',
      '105',
      '120',
      '135',
      '150',
    ]);
  });

  it('stores the preprocessing in the model: the table record (columns, standardisation, classes) and the run', async () => {
    const net = await Network.load(out('iris.blasnet'));
    const info = net.metadata as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(info).toMatchObject({
      cli: 2,
      table: {
        table: 1,
        target: { task: 'classification', column: 'species', classes: ['setosa', 'versicolor', 'virginica'] },
        encoders: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((column) => ({
          kind: 'numeric',
          column,
          indicator: false,
        })),
      },
      training: { rows: 150, trainRows: 120, testRows: 30, epochs: 150 },
    });
    expect(info.training.loss).toHaveLength(150);
    expect(info.training.valLoss).toHaveLength(150);
    expect(net.dims).toEqual([4, 100, 3]);
  });

  it("predict after train prints the same labels as the library's predict on the loaded model", async () => {
    const predicted = cli.run(['predict', out('iris.blasnet'), IRIS_SPECIES]);
    expect(predicted.status).toBe(0);
    expect(predicted.stderr).toBe('');
    const lines = predicted.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('species');
    expect(lines).toHaveLength(151);

    const net = await Network.load(out('iris.blasnet'));
    const { encoders, target } = (
      net.metadata as { table: { encoders: { mean: number; scale: number }[]; target: { classes: string[] } } }
    ).table;
    const classes = target.classes;
    const { x, species } = readIrisSpecies();
    const scaler = new Standardizer(
      Float64Array.from(encoders, (e) => e.mean),
      Float64Array.from(encoders, (e) => e.scale),
    );
    const expected = Array.from(argmaxRows(net.predict(scaler.transform(x))), (k) => classes[k]);
    expect(lines.slice(1)).toEqual(expected);
    // And it has learned something.
    expect(expected.filter((label, i) => label === species[i]).length).toBeGreaterThan(140);
  });

  it('predict --proba adds one probability per class, summing to 1; --output writes a file instead', () => {
    const result = cli.run(['predict', out('iris.blasnet'), IRIS_SPECIES, '--proba', '--output', out('proba.csv')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^150 predictions written to .*proba\.csv$/m);
    const lines = fs.readFileSync(out('proba.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('species,p_setosa,p_versicolor,p_virginica');
    for (const line of lines.slice(1)) {
      const [label, ...p] = line.split(',');
      const probabilities = p.map(Number);
      expect(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(label).toBe(['setosa', 'versicolor', 'virginica'][probabilities.indexOf(Math.max(...probabilities))]);
    }
  });

  it('predict takes rows without the target column, in any column order when the header names them', () => {
    const { x } = readIrisSpecies();
    const shuffled = [
      'petal_width,sepal_length,petal_length,sepal_width',
      ...x
        .toArray()
        .slice(0, 5)
        .map((r) => [r[3], r[0], r[2], r[1]].join(',')),
    ];
    fs.writeFileSync(out('reordered.csv'), `${shuffled.join('\n')}\n`);
    const plain = x
      .toArray()
      .slice(0, 5)
      .map((r) => r.join(','))
      .join('\n');
    const reordered = cli.run(['predict', out('iris.blasnet'), out('reordered.csv')]);
    const noHeader = cli.run(['predict', out('iris.blasnet'), '-'], { input: `${plain}\n` });
    expect(reordered.stdout).toBe('species\nsetosa\nsetosa\nsetosa\nsetosa\nsetosa\n');
    expect(noHeader.stdout).toBe(reordered.stdout);
  });

  it("evaluate prints the report for new labelled rows; scikit-learn's iris.csv (labels 0..2 named by its first line) works too", () => {
    const result = cli.run(['evaluate', out('iris.blasnet'), IRIS_SKLEARN]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^model: .*iris\.blasnet, 4-100-3 \(relu, softmax\), classification, trained on .*iris-species\.csv$/m,
    );
    expect(result.stdout).toMatch(/classification report, iris\.csv \(150 rows\):\n\n.*precision[\s\S]*virginica/);
    const accuracy = Number(/^iris\.csv accuracy: (\d\.\d{4})$/m.exec(result.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(0.93);
    const json = JSON.parse(cli.run(['evaluate', out('iris.blasnet'), IRIS_SPECIES, '--json']).stdout);
    expect(json).toMatchObject({ command: 'evaluate', task: 'classification', rows: 150 });
    // The text prints 4 decimals; the JSON carries the exact fraction.
    expect(json.accuracy).toBeCloseTo(accuracy, 4);
    expect(json.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(150);
  });

  it("trains on scikit-learn's iris.csv, whose first line names the classes of the labels 0, 1, 2", () => {
    const result = cli.run(['train', IRIS_SKLEARN, '--epochs', '20', '--out', out('sklearn.blasnet'), '-q']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/^task:/m);
    expect(result.stdout).toMatch(/^ {6}setosa +\d/m);
    expect(
      cli
        .run(['predict', out('sklearn.blasnet'), IRIS_SKLEARN])
        .stdout.split('\n')
        .slice(0, 2),
    ).toEqual(['prediction', 'setosa']);
  });

  it('trains on the digits (.csv.gz, no header, integer labels) and --json prints one parsable object', () => {
    const result = cli.run(['train', DIGITS, '--epochs', '40', '--json', '--out', out('digits.blasnet')]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(json).toMatchObject({
      command: 'train',
      task: 'classification',
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      features: 64,
      rows: 1797,
      trainRows: 1438,
      testRows: 359,
      epochs: 40,
      network: { activations: ['relu', 'softmax'] },
    });
    // Pixels that are 0 in every training row are constant columns: left out, with a note, and counted.
    const constant = json.columns.filter((c: { dropped?: string }) => c.dropped === 'constant');
    expect(constant.length).toBeGreaterThan(0);
    expect(json.network.dims).toEqual([64 - constant.length, 100, 10]);
    expect(json.inputs).toBe(64 - constant.length);
    expect(json.seconds).toBeGreaterThan(0);
    expect(json.samplesPerSecond).toBeCloseTo((1438 * 40) / json.seconds, 3);
    expect(json.trainAccuracy).toBeGreaterThan(0.98);
    expect(json.testAccuracy).toBeGreaterThan(0.95);
    // The progress lines still went to stderr.
    expect(result.stderr).toMatch(/^epoch 40\/40 /m);
  });

  it('two classes train one sigmoid unit with binary cross-entropy, and predict gives both probabilities', () => {
    const lines = fs.readFileSync(IRIS_SPECIES, 'utf8').trim().split('\n');
    fs.writeFileSync(out('two.csv'), `${lines.filter((l) => !l.endsWith('virginica')).join('\n')}\n`);
    const result = cli.run(['train', out('two.csv'), '--epochs', '30', '--out', out('two.blasnet'), '--json', '-q']);
    const json = JSON.parse(result.stdout);
    expect(json.network).toMatchObject({ dims: [4, 100, 1], activations: ['relu', 'sigmoid'] });
    expect(json.testAccuracy).toBe(1);
    const predicted = cli.run(['predict', out('two.blasnet'), out('two.csv'), '--proba']).stdout.split('\n');
    expect(predicted[0]).toBe('species,p_setosa,p_versicolor');
    const [label, p0, p1] = predicted[1]!.split(',');
    expect(label).toBe('setosa');
    expect(Number(p0)).toBeGreaterThan(0.5);
    expect(Number(p0) + Number(p1)).toBeCloseTo(1, 5);
  });

  it("a numeric target with many values is regression: MSE, MAE and R^2, in the target's units", () => {
    const rows = ['size,rooms,age,price'];
    for (let i = 0; i < 300; i++) {
      const [size, rooms, age] = [50 + ((i * 37) % 150), 1 + (i % 6), (i * 13) % 80];
      rows.push(`${size},${rooms},${age},${(1000 * size + 5000 * rooms - 300 * age + ((i * 7919) % 2000)).toFixed(1)}`);
    }
    fs.writeFileSync(out('houses.csv'), `${rows.join('\n')}\n`);
    const text = cli.run(['train', out('houses.csv'), '--epochs', '100', '--out', out('houses.blasnet'), '-q']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^ {13}rows {9}MSE {9}MAE {9}R\^2\nheld-out {7}60 /m);
    expect(text.stdout).toContain("(MSE and MAE in the target's units)");
    // The progress lines' losses are on the standardised target, and say so (issue 13).
    const noisy = cli.run(['train', out('houses.csv'), '--epochs', '10']);
    expect(noisy.stderr).toMatch(/^epoch +10\/10 {2}loss \S+ {2}val loss \S+ \(standardised target\) {2}\d+\.\d s$/m);
    const json = JSON.parse(cli.run(['train', out('houses.csv'), '--epochs', '100', '--json', '-q']).stdout);
    expect(json.task).toBe('regression');
    expect(json.testR2).toBeGreaterThan(0.95);
    expect(json).toHaveProperty('trainMse');
    expect(json).toHaveProperty('testMse');
    const predicted = cli
      .run(['predict', out('houses.blasnet'), out('houses.csv')])
      .stdout.trimEnd()
      .split('\n');
    expect(predicted[0]).toBe('price');
    // In the target's units (about 1.5e5), not standardised ones.
    expect(Number(predicted[1])).toBeGreaterThan(30000);
  });

  it('--task classification overrides the detection; --test-split 0 holds nothing out', () => {
    const json = JSON.parse(
      cli.run([
        'train',
        out('houses.csv'),
        '--target',
        'rooms',
        '--task',
        'classification',
        '--test-split',
        '0',
        '--epochs',
        '5',
        '--json',
        '-q',
      ]).stdout,
    );
    expect(json).toMatchObject({
      task: 'classification',
      classes: ['1', '2', '3', '4', '5', '6'],
      testRows: 0,
      testAccuracy: null,
      target: 'rooms',
    });
  });

  it('the same seed gives the same model file, and another seed another one', () => {
    const run = (seed: string, file: string) =>
      cli.run(['train', IRIS_SPECIES, '--epochs', '5', '--seed', seed, '--out', out(file), '-q']);
    run('7', 'a.blasnet');
    run('7', 'b.blasnet');
    run('8', 'c.blasnet');
    const weights = async (file: string) =>
      Buffer.from((await Network.load(out(file))).parameters.buffer).toString('base64');
    return Promise.all([weights('a.blasnet'), weights('b.blasnet'), weights('c.blasnet')]).then(([a, b, c]) => {
      expect(a).toBe(b);
      expect(a).not.toBe(c);
    });
  });
});

describe('the model file records the data file by its base name', () => {
  it('gives the same bytes from two directories, and holds neither directory', () => {
    const files = ['first-place', 'second-place'].map((dir) => {
      fs.mkdirSync(out(dir), { recursive: true });
      const data = path.join(out(dir), 'flowers.csv');
      fs.copyFileSync(IRIS_SPECIES, data);
      const model = path.join(out(dir), 'model.blasnet');
      expect(cli.run(['train', data, '--epochs', '3', '--seed', '5', '--out', model, '-q']).status).toBe(0);
      return fs.readFileSync(model);
    });
    expect(files[0]!.equals(files[1]!)).toBe(true);
    const text = files[0]!.toString('latin1');
    expect(text).toContain('flowers.csv');
    expect(text).not.toContain('first-place');
    expect(text).not.toContain(cli.out);
  });
});

describe('predict streams its input', () => {
  it('answers the first chunk of rows before the input has ended (stdin), so a file larger than memory works', async () => {
    const model = out('stream.blasnet');
    expect(cli.run(['train', IRIS_SPECIES, '--epochs', '3', '--out', model, '-q']).status).toBe(0);
    const child = cli.start(['predict', model, '-']);
    let stdout = '';
    const firstAnswers = new Promise<void>((resolve) => {
      child.stdout!.on('data', (data: Buffer) => {
        stdout += data.toString();
        if (stdout.split('\n').length > 1000) resolve();
      });
    });
    child.stdin!.write('sepal_length,sepal_width,petal_length,petal_width\n');
    child.stdin!.write('5.1,3.5,1.4,0.2\n'.repeat(3000));
    // The input is still open: only a streaming predict can have answered.
    await firstAnswers;
    expect(child.exitCode).toBeNull();
    child.stdin!.end('6.3,3.3,6.0,2.5\n');
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(3002);
  });

  it('a gzipped file of 100 000 rows is predicted in chunks', () => {
    const model = out('stream.blasnet');
    const rows = 'sepal_length,sepal_width,petal_length,petal_width\n' + '6.3,3.3,6.0,2.5\n'.repeat(100_000);
    fs.writeFileSync(out('many.csv.gz'), zlib.gzipSync(rows));
    const result = cli.run(['predict', model, out('many.csv.gz')]);
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBe('species\n'.length + 100_000 * 'virginica\n'.length);
  });
});

describe('blasnet info', () => {
  it('prints the versions, the addon and where it came from, and OpenBLAS config, core and threads', () => {
    const result = cli.run(['info']);
    expect(result.status).toBe(0);
    const version = JSON.parse(fs.readFileSync(fixture('package.json'), 'utf8')).version;
    expect(result.stdout).toMatch(new RegExp(`^blasnet +${version.replace(/\./g, '\\.')}$`, 'm'));
    expect(result.stdout).toMatch(
      new RegExp(`^node +${process.version.replace(/\./g, '\\.')} \\(${process.platform}-${process.arch}\\)$`, 'm'),
    );
    expect(result.stdout).toMatch(/^backend +native/m);
    expect(result.stdout).toMatch(/^addon +.*blasnet\.node\n +BLASNET_ADDON/m);
    expect(result.stdout).toMatch(/^OpenBLAS +\d+\.\d+\.\d+$/m);
    expect(result.stdout).toMatch(/^core +\S+ \(chosen by /m);
    expect(result.stdout).toMatch(/^config +OpenBLAS /m);
    expect(result.stdout).toMatch(/^threads +1 \(of \d+ processors/m);
    const json = JSON.parse(cli.run(['info', '--json']).stdout);
    expect(json).toMatchObject({
      blasnet: version,
      node: process.version,
      backend: 'native',
      addonSource: 'BLASNET_ADDON',
      threads: 1,
    });
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['openblas', 'config', 'core', 'coreSource', 'smallGemm', 'addon', 'processors']),
    );
  });

  it('--help lists the commands; each command has its own --help with every flag and default', () => {
    const general = cli.run(['--help']);
    expect(general.status).toBe(0);
    expect(general.stdout).toMatch(/^ {2}train +Train a network/m);
    expect(general.stdout).toMatch(/^ {2}build-from-source +Compile the native addon/m);
    const help = cli.run(['train', '--help']);
    expect(help.status).toBe(0);
    for (const flag of [
      '--target <column>',
      '--header <auto|yes|no>',
      '--hidden <sizes>',
      '--epochs <n>',
      '--batch-size <n>',
      '--lr <rate>',
      '--optimizer <adam|sgd>',
      '--seed <n>',
      '--threads <n>',
      '--test-split <fraction>',
      '--no-standardize',
      '--out <model.blasnet>',
      '--report <report.html>',
      '--quiet',
      '--json',
      '--debug',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    expect(cli.run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('errors, as a person meets them: one line on stderr, exit 2 for usage and 1 for data', () => {
  beforeAll(() => {
    fs.writeFileSync(out('ragged.csv'), 'a,b,label\n1,2,x\n3,4,y\n5,6\n7,8,x\n');
    fs.writeFileSync(out('text-cell.csv'), 'a,b,label\n1,2,x\n3,four,y\n5,6,x\n');
    fs.writeFileSync(out('blank-cell.csv'), 'a,b,label\n1,2,x\n3,,y\n5,6,x\n');
    fs.writeFileSync(out('one-class.csv'), 'a,b,label\n1,2,x\n3,4,x\n5,6,x\n');
  });

  const cases: [string, () => string[], number, RegExp][] = [
    [
      'a missing file',
      () => ['train', 'no-such.csv'],
      1,
      /^blasnet: cannot read no-such\.csv: no such file or directory$/,
    ],
    ['a directory instead of a file', () => ['train', cli.out], 1, /^blasnet: cannot read .*: it is a directory$/],
    [
      'a ragged row',
      () => ['train', out('ragged.csv')],
      1,
      /ragged\.csv, line 4: expected 3 cells \(as line 1 has\) but found 2$/,
    ],
    [
      'a word in a column declared --numeric',
      () => ['train', out('text-cell.csv'), '--numeric', 'b'],
      1,
      /text-cell\.csv, line 3, column 2 \("b"\): expected a number \(the column is numeric\) but found "four"; declare the column categorical/,
    ],
    [
      '--categorical naming the target',
      () => ['train', out('text-cell.csv'), '--categorical', 'label'],
      2,
      /--categorical "label" names the target/,
    ],
    [
      'an unknown --class-weight',
      () => ['train', out('text-cell.csv'), '--class-weight', 'even'],
      2,
      /--class-weight expects one of balanced but was given "even"/,
    ],
    [
      'a target column that does not exist',
      () => ['train', IRIS_SPECIES, '--target', 'specis'],
      2,
      /--target "specis" is not a column of .*iris-species\.csv \(did you mean "species"\?\); its columns: "sepal_length", "sepal_width", "petal_length", "petal_width", "species", or first or last$/,
    ],
    [
      'a target column number beyond the last',
      () => ['train', DIGITS, '--target', '66'],
      2,
      /--target "66" is not a column of .*digits\.csv\.gz; it has no header line, so give a column number from 1 to 65/,
    ],
    [
      'a target with one class',
      () => ['train', out('one-class.csv')],
      1,
      /holds one value \("x"\) on every row: there is nothing to learn$/,
    ],
    [
      'an unknown flag',
      () => ['train', IRIS_SPECIES, '--epoch', '5'],
      2,
      /^blasnet: unknown option --epoch for train \(did you mean --epochs\?\); see blasnet train --help$/,
    ],
    [
      'an unknown command',
      () => ['trian', IRIS_SPECIES],
      2,
      /^blasnet: unknown command "trian" \(did you mean train\?\)/,
    ],
    [
      'a flag without its value',
      () => ['train', IRIS_SPECIES, '--target', '--epochs', '5'],
      2,
      /^blasnet: --target needs a value: --target <column>$/,
    ],
    [
      'a bad number',
      () => ['train', IRIS_SPECIES, '--epochs', 'ten'],
      2,
      /^blasnet: --epochs expects a whole number from 1 to 1000000 but was given "ten"$/,
    ],
    [
      'a bad choice',
      () => ['train', IRIS_SPECIES, '--optimizer', 'adma'],
      2,
      /^blasnet: --optimizer expects one of adam, sgd but was given "adma" \(did you mean adam\?\)$/,
    ],
    ['a missing argument', () => ['predict', 'model.blasnet'], 2, /^blasnet: predict needs data\.csv/],
    [
      '--task regression on words',
      () => ['train', IRIS_SPECIES, '--task', 'regression'],
      2,
      /--task regression needs a numeric target but .*iris-species\.csv, line 2 has "setosa"$/,
    ],
    [
      'a missing model',
      () => ['predict', 'no-such.blasnet', IRIS_SPECIES],
      1,
      /^blasnet: cannot read the model no-such\.blasnet: no such file or directory$/,
    ],
    [
      'a CSV file given as the model',
      () => ['predict', IRIS_SPECIES, IRIS_SPECIES],
      1,
      /^blasnet: Cannot load the model ".*iris-species\.csv": it does not start with blasnet's magic bytes/,
    ],
    [
      'a damaged model (one byte changed)',
      () => ['predict', damaged('flipped.blasnet', (b) => (b[b.length - 100]! ^= 1)), IRIS_SPECIES],
      1,
      /Cannot load the model ".*flipped\.blasnet": its SHA-256 checksum does not match its contents: the file is damaged/,
    ],
    [
      'a truncated model',
      () => ['predict', damaged('cut.blasnet', (b) => b.subarray(0, b.length - 40)), IRIS_SPECIES],
      1,
      /Cannot load the model ".*cut\.blasnet": it is \d+ bytes long but its header describes \d+ bytes: truncated/,
    ],
    [
      'a model of another format version',
      () => ['predict', damaged('future.blasnet', (b) => b.writeUInt32LE(99, 8)), IRIS_SPECIES],
      1,
      /Cannot load the model ".*future\.blasnet": it is in model format version 99, and this blasnet reads versions 1 and 2/,
    ],
    [
      "data without the model's columns",
      () => ['predict', modelFor('needs.blasnet'), out('ragged.csv')],
      1,
      /ragged\.csv has no column "sepal_length" \(the model's feature\); its columns: "a", "b", "label"$/,
    ],
    [
      'an unwritable --out folder',
      () => ['train', IRIS_SPECIES, '--out', path.join(cli.out, 'no-such-folder', 'm.blasnet')],
      1,
      /^blasnet: cannot write --out .*m\.blasnet: the folder .*no-such-folder: no such file or directory$/,
    ],
    [
      'training that diverges',
      () => [
        'train',
        out('houses.csv'),
        '--target',
        'price',
        '--optimizer',
        'sgd',
        '--lr',
        '1e6',
        '--no-standardize',
        '-q',
      ],
      1,
      /^blasnet: training diverged: the loss became (Infinity|NaN) in epoch \d+, so training stopped and nothing was written; try a smaller --lr/,
    ],
  ];

  /** A copy of a good model with `damage` applied (in place, or returning new bytes). */
  function damaged(name: string, damage: (bytes: Buffer) => unknown): string {
    const bytes = fs.readFileSync(modelFor('good.blasnet'));
    const result = damage(bytes);
    fs.writeFileSync(out(name), Buffer.isBuffer(result) ? result : bytes);
    return out(name);
  }

  function modelFor(name: string): string {
    if (!fs.existsSync(out(name))) cli.run(['train', IRIS_SPECIES, '--epochs', '2', '--out', out(name), '-q']);
    return out(name);
  }

  beforeAll(() => {
    // The regression data of the spec above, for the divergence case, in case this block runs alone.
    if (!fs.existsSync(out('houses.csv'))) {
      const rows = [
        'size,rooms,price',
        ...Array.from({ length: 100 }, (_, i) => `${50 + i},${1 + (i % 5)},${1000 * (50 + i)}`),
      ];
      fs.writeFileSync(out('houses.csv'), `${rows.join('\n')}\n`);
    }
  });

  it.each(cases)('%s', (_name, args, status, message) => {
    const argv = args();
    const result = cli.run(argv);
    expectFailure(result, status, message);
  });

  it('--debug adds the stack trace', () => {
    const result = cli.run(['train', 'no-such.csv', '--debug']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^blasnet: cannot read no-such\.csv: no such file or directory\n.*Error[\s\S]*\n\s+at /,
    );
  });

  it('nothing is written to --out (or --report) when training fails', () => {
    const model = out('never.blasnet');
    const report = out('never.html');
    const result = cli.run([
      'train',
      out('houses.csv'),
      '--target',
      'price',
      '--optimizer',
      'sgd',
      '--lr',
      '1e6',
      '--no-standardize',
      '--out',
      model,
      '--report',
      report,
    ]);
    expect(result.status).toBe(1);
    expect(fs.existsSync(model)).toBe(false);
    expect(fs.existsSync(report)).toBe(false);
    expect(fs.readdirSync(cli.out).filter((f) => f.startsWith('.never'))).toEqual([]);
  });

  it('Ctrl-C (SIGINT) stops training: exit 130, and nothing is written', async () => {
    const model = out('interrupted.blasnet');
    const child = cli.start(['train', DIGITS, '--epochs', '100000', '--out', model]);
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (data: Buffer) => {
        stderr += data.toString();
        if (/^epoch/m.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(130);
    expect(stderr).toMatch(/^blasnet: interrupted: nothing was written$/m);
    expect(fs.existsSync(model)).toBe(false);
  });
});

describe('progress on a terminal', () => {
  // util-linux's script(1) gives the command a pseudo-terminal, as a person's shell would.
  const hasScript = fs.existsSync('/usr/bin/script');
  (hasScript ? it : it.skip)(
    'is a live bar on stderr with the epoch, loss, held-out loss and ETA, redrawn in place',
    () => {
      const command = [process.execPath, cli.main, 'train', DIGITS, '--epochs', '30', '>/dev/null'].join(' ');
      const terminal = spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], {
        cwd: cli.out,
        env: cli.env,
        encoding: 'utf8',
      });
      expect(terminal.status).toBe(0);
      const screen = terminal.stdout;
      // Redrawn with cursor controls, not one line per update.
      expect(screen).toContain('\x1b[1G');
      expect(screen).not.toMatch(/^epoch {1,2}\d+\/30 {2}loss/m);
      expect(screen).toMatch(/epoch 30\/30 \u2588{24} 100% \| loss \d\.\d+ \| val loss \d\.\d+ \| ETA 0s/);
    },
  );
});
