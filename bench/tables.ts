/**
 * blasnet's table model against a scikit-learn pipeline on real tables (examples/data/NOTICE): the same
 * seeded, stratified 80/20 split, blasnet with `blasnet train`'s defaults (one hidden layer of 32 ReLU,
 * Adam 0.001, batch 32, 200 epochs, seed 1), scikit-learn with SimpleImputer + StandardScaler +
 * OneHotEncoder(handle_unknown='ignore') + MLPClassifier/MLPRegressor defaults, given the same column
 * kinds. Prints held-out accuracy (R² for regression) side by side, and on the imbalanced bird-strike set
 * the balanced accuracy with and without classWeight 'balanced'. A program, not a test.
 *
 *   npx tsx bench/tables.ts            # needs /usr/bin/python3 with scikit-learn and pandas
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DEFAULT_MISSING, splitRows, TableModel, type Row, type TableFitOptions } from '../lib';

const data = path.join(__dirname, '..', 'examples', 'data');

function readCsvObjects(file: string): Row[] {
  // The bird-strike file has no quoted commas in the sample; a plain split keeps the bench dependency-free.
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const names = head!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, j) => [names[j]!, cell])));
}

interface Case {
  name: string;
  rows: Row[];
  target: string;
  extra?: Partial<TableFitOptions>;
  balanced?: boolean;
}

const cases: Case[] = [
  { name: 'penguins (species)', rows: fs.readFileSync(path.join(data, 'penguins.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row), target: 'Species' },
  { name: 'cars (miles per gallon)', rows: JSON.parse(fs.readFileSync(path.join(data, 'cars.json'), 'utf8')) as Row[], target: 'Miles_per_Gallon' },
  { name: 'bird strikes (damage)', rows: readCsvObjects(path.join(data, 'birdstrikes.csv')), target: 'Effect Amount of damage', balanced: true },
];

function sklearn(job: object): Record<string, number> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-tables-')), 'job.json');
  fs.writeFileSync(file, JSON.stringify(job));
  const out = execFileSync('/usr/bin/python3', [path.join(__dirname, 'python', 'tables_sklearn.py'), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out) as Record<string, number>;
}

const f = (v: number) => v.toFixed(3);
const lines: string[] = ['| data set | rows | blasnet | scikit-learn | difference |', '| --- | --- | --- | --- | --- |'];
const balancedLines: string[] = [];
for (const c of cases) {
  const { train, test } = splitRows(c.rows, { target: c.target, seed: 1, testFraction: 0.2 });
  const started = Date.now();
  const model = new TableModel().fit(train, { target: c.target, ...c.extra });
  const seconds = (Date.now() - started) / 1000;
  const evaluation = model.evaluate(test);
  const columns = model.describeColumns();
  const job = {
    train,
    test,
    target: c.target,
    task: model.task,
    missing: [...DEFAULT_MISSING],
    numeric: columns.filter((s) => s.kind === 'numeric').map((s) => s.column),
    categorical: columns.filter((s) => s.kind === 'categorical').map((s) => s.column),
    dates: Object.fromEntries(columns.filter((s) => s.kind === 'date').map((s) => [s.column, s.parts])),
  };
  const theirs = sklearn(job);
  if (evaluation.task === 'classification') {
    lines.push(`| ${c.name} | ${c.rows.length} | accuracy ${f(evaluation.accuracy)} | ${f(theirs.accuracy!)} | ${f(evaluation.accuracy - theirs.accuracy!)} |`);
  } else {
    lines.push(`| ${c.name} | ${c.rows.length} | R² ${f(evaluation.targets[0]!.r2)} | ${f(theirs.r2!)} | ${f(evaluation.targets[0]!.r2 - theirs.r2!)} |`);
  }
  console.error(`${c.name}: blasnet trained in ${seconds.toFixed(1)} s`);
  if (c.balanced && evaluation.task === 'classification') {
    const weighted = new TableModel().fit(train, { target: c.target, classWeight: 'balanced', ...c.extra }).evaluate(test);
    if (weighted.task !== 'classification') continue;
    balancedLines.push('| data set | balanced accuracy, unweighted | with classWeight balanced | accuracy, unweighted | with balanced | macro F1, unweighted | with balanced | scikit-learn balanced accuracy |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    balancedLines.push(`| ${c.name} | ${f(evaluation.balancedAccuracy)} | ${f(weighted.balancedAccuracy)} | ${f(evaluation.accuracy)} | ${f(weighted.accuracy)} | ${f(evaluation.macroF1)} | ${f(weighted.macroF1)} | ${f(theirs.balancedAccuracy!)} |`);
  }
}
console.log(lines.join('\n'));
console.log();
console.log(balancedLines.join('\n'));
