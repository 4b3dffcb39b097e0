/**
 * blasnet's table model against a scikit-learn pipeline on real tables (examples/data/NOTICE): the same
 * seeded, stratified 80/20 split, blasnet with `blasnet train`'s defaults (one hidden layer of 100 ReLU,
 * Adam 0.001 with weight decay 0.001, batch 200 or a fifth of the rows, 200 epochs; the seed is the
 * split's), scikit-learn with SimpleImputer + StandardScaler +
 * OneHotEncoder(handle_unknown='ignore') + MLPClassifier/MLPRegressor defaults, given the same column
 * kinds. Prints held-out accuracy (R² for regression) side by side, and on the imbalanced bird-strike set
 * the balanced accuracy with and without classWeight 'balanced' (and with it plus weight decay 0.01). Each
 * split's difference is printed too (stderr), so one bad split cannot hide in the mean. A program, not a test.
 *
 *   npx tsx bench/tables.ts [--seeds 5]   # needs /usr/bin/python3 with scikit-learn and pandas
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
  {
    name: 'penguins (species)',
    rows: fs
      .readFileSync(path.join(data, 'penguins.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row),
    target: 'Species',
  },
  {
    name: 'cars (miles per gallon)',
    rows: JSON.parse(fs.readFileSync(path.join(data, 'cars.json'), 'utf8')) as Row[],
    target: 'Miles_per_Gallon',
  },
  {
    name: 'bird strikes (damage)',
    rows: readCsvObjects(path.join(data, 'birdstrikes.csv')),
    target: 'Effect Amount of damage',
    balanced: true,
  },
];

function sklearn(job: object): Record<string, number> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-tables-')), 'job.json');
  fs.writeFileSync(file, JSON.stringify(job));
  const out = execFileSync('/usr/bin/python3', [path.join(__dirname, 'python', 'tables_sklearn.py'), file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out) as Record<string, number>;
}

const f = (v: number) => v.toFixed(3);
const seedsArg = process.argv.indexOf('--seeds');
const seeds = Array.from({ length: seedsArg > 0 ? Number(process.argv[seedsArg + 1]) : 5 }, (_, i) => i + 1);
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const range = (values: number[]) => `${f(Math.min(...values))} to ${f(Math.max(...values))}`;
const lines: string[] = [
  `| data set | rows | metric | blasnet (mean of ${seeds.length} splits) | scikit-learn | difference: mean | difference: range |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
];
const balancedLines: string[] = [
  `| data set | | balanced accuracy | accuracy | macro F1 |`,
  '| --- | --- | --- | --- | --- |',
];
for (const c of cases) {
  const ours: number[] = [];
  const theirs: number[] = [];
  const weighting = {
    plain: { balanced: [] as number[], accuracy: [] as number[], f1: [] as number[] },
    balanced: { balanced: [] as number[], accuracy: [] as number[], f1: [] as number[] },
    decayed: { balanced: [] as number[], accuracy: [] as number[], f1: [] as number[] },
    sklearn: { balanced: [] as number[], accuracy: [] as number[] },
  };
  let metric = '';
  const started = Date.now();
  for (const seed of seeds) {
    // The same seed for the split, blasnet's weights and shuffles (as `blasnet train --seed`), and MLP's random_state.
    const { train, test } = splitRows(c.rows, { target: c.target, seed, testFraction: 0.2 });
    const model = new TableModel().fit(train, { target: c.target, seed, ...c.extra });
    const evaluation = model.evaluate(test);
    const columns = model.describeColumns();
    const job = {
      train,
      test,
      seed,
      target: c.target,
      task: model.task,
      missing: [...DEFAULT_MISSING],
      numeric: columns.filter((s) => s.kind === 'numeric').map((s) => s.column),
      categorical: columns.filter((s) => s.kind === 'categorical').map((s) => s.column),
      dates: Object.fromEntries(columns.filter((s) => s.kind === 'date').map((s) => [s.column, s.parts])),
    };
    const sk = sklearn(job);
    if (evaluation.task === 'classification') {
      metric = 'accuracy';
      ours.push(evaluation.accuracy);
      theirs.push(sk.accuracy!);
      if (c.balanced) {
        const weighted = new TableModel()
          .fit(train, { target: c.target, seed, classWeight: 'balanced', ...c.extra })
          .evaluate(test);
        if (weighted.task !== 'classification') continue;
        weighting.plain.balanced.push(evaluation.balancedAccuracy);
        weighting.plain.accuracy.push(evaluation.accuracy);
        weighting.plain.f1.push(evaluation.macroF1);
        weighting.balanced.balanced.push(weighted.balancedAccuracy);
        weighting.balanced.accuracy.push(weighted.accuracy);
        weighting.balanced.f1.push(weighted.macroF1);
        // With weight decay: a network that cannot learn every training row by heart, where the weights matter more.
        const decayed = new TableModel()
          .fit(train, { target: c.target, seed, classWeight: 'balanced', weightDecay: 0.01, ...c.extra })
          .evaluate(test);
        if (decayed.task === 'classification') {
          weighting.decayed.balanced.push(decayed.balancedAccuracy);
          weighting.decayed.accuracy.push(decayed.accuracy);
          weighting.decayed.f1.push(decayed.macroF1);
        }
        weighting.sklearn.balanced.push(sk.balancedAccuracy!);
        weighting.sklearn.accuracy.push(sk.accuracy!);
      }
    } else {
      metric = 'R²';
      ours.push(evaluation.targets[0]!.r2);
      theirs.push(sk.r2!);
    }
  }
  const differences = ours.map((v, i) => v - theirs[i]!);
  console.error(
    `${c.name}: ${metric} difference per split (seeds ${seeds.join(', ')}): ${differences.map(f).join(', ')}`,
  );
  if (c.balanced) {
    const w = weighting;
    console.error(
      `${c.name}: balanced accuracy per split, unweighted ${w.plain.balanced.map(f).join(', ')}; 'balanced' ${w.balanced.balanced.map(f).join(', ')}; 'balanced' + decay ${w.decayed.balanced.map(f).join(', ')}`,
    );
  }
  lines.push(
    `| ${c.name} | ${c.rows.length} | ${metric} | ${f(mean(ours))} | ${f(mean(theirs))} | ${f(mean(differences))} | ${range(differences)} |`,
  );
  console.error(`${c.name}: ${seeds.length} splits in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (c.balanced) {
    const w = weighting;
    balancedLines.push(
      `| ${c.name} | blasnet, unweighted | ${f(mean(w.plain.balanced))} | ${f(mean(w.plain.accuracy))} | ${f(mean(w.plain.f1))} |`,
    );
    balancedLines.push(
      `| | blasnet, classWeight 'balanced' | ${f(mean(w.balanced.balanced))} | ${f(mean(w.balanced.accuracy))} | ${f(mean(w.balanced.f1))} |`,
    );
    balancedLines.push(
      `| | blasnet, classWeight 'balanced', weightDecay 0.01 | ${f(mean(w.decayed.balanced))} | ${f(mean(w.decayed.accuracy))} | ${f(mean(w.decayed.f1))} |`,
    );
    balancedLines.push(
      `| | scikit-learn MLPClassifier (no class_weight) | ${f(mean(w.sklearn.balanced))} | ${f(mean(w.sklearn.accuracy))} | |`,
    );
    const better = w.balanced.balanced.filter((v, i) => v > w.plain.balanced[i]!).length;
    balancedLines.push(`| | balanced beats unweighted on | ${better} of ${seeds.length} splits | | |`);
  }
}
console.log(lines.join('\n'));
console.log();
console.log(balancedLines.join('\n'));
