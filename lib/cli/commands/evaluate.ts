/**
 * `blasnet evaluate <model> <data.csv>`: the report `train` prints, for a trained model on new labelled
 * rows: the classification report or the regression metrics, `--json`, and `--report` (whose loss curve
 * is the one recorded when the model was trained).
 */
import * as path from 'node:path';

import { setNumThreads } from '../../backend';
import { choiceValue, delimiterValue, integerValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { modelPlan } from '../columns';
import { displayName } from '../csv';
import { printable } from '../terminal';
import { evaluateClassification, evaluateRegression, type PartResult } from '../evaluation';
import { HEADER_MODES } from '../header';
import type { ReportData } from '../html-report';
import { describeLayers, parameterCount } from '../network-plan';
import { describeColumn, readTable } from '../table';
import { encodeClasses, encodeValues } from '../task';
import { resultsText } from '../text-report';
import { packageVersion } from '../version';
import { BACKENDS, blasFacts, checkWritable, loadModel, lossLabel, settingsFlags, write, writeReport, type Io } from './shared';

/** evaluate's arguments and flags. */
export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  summary: 'Measure a trained model on labelled rows: the same report as after training.',
  positionals: [
    { name: 'model', description: 'a model file written by blasnet train --out' },
    { name: 'data.csv', description: 'labelled rows, with the columns the model was trained on' },
  ],
  options: {
    header: { type: 'string', value: '<auto|yes|no>', description: 'whether the first line holds column names', default: 'auto' },
    delimiter: { type: 'string', value: '<char>', description: 'the field separator', default: ',' },
    report: { type: 'string', value: '<report.html>', description: 'write an HTML report here' },
    json: { type: 'boolean', description: 'print one JSON object with the results instead of text' },
    threads: { type: 'string', value: '<n>', description: 'OpenBLAS threads' },
    backend: { type: 'string', value: '<native|js>', description: 'native (OpenBLAS) or js (pure TypeScript)', default: 'native' },
  },
};

/** Runs `blasnet evaluate`; resolves with the exit code. */
export async function evaluate(args: ParsedArgs, io: Io): Promise<number> {
  const [modelFile, dataFile] = args.positionals as [string, string];
  const delimiter = delimiterValue(args);
  const header = choiceValue(args, 'header', HEADER_MODES, 'auto');
  const backend = choiceValue(args, 'backend', BACKENDS, 'native');
  const reportFile = stringValue(args, 'report');
  const json = args.values.json === true;
  if (args.values.threads !== undefined && backend === 'native') setNumThreads(integerValue(args, 'threads', 1, 1, 1024));
  if (reportFile !== undefined) checkWritable(reportFile, '--report');
  const { net, info } = await loadModel(modelFile, backend);
  const name = displayName(dataFile);
  const partName = path.basename(name);

  const table = await readTable(dataFile, { header, delimiter }, (layout) => modelPlan(layout, info, true));
  // A scikit-learn header names the file's integer labels: compare by those names.
  const fileClasses = table.layout.header.kind === 'sklearn' ? table.layout.header.classes : undefined;
  const targets = fileClasses ? table.targets.map((cell) => fileClasses[Number(cell)] ?? cell) : table.targets;
  const part: PartResult =
    info.task === 'classification'
      ? evaluateClassification(partName, net, info, table.features, encodeClasses(targets, table.lines, info.classes!, info.labelsAreIndices && !fileClasses, name))
      : evaluateRegression(partName, net, info, table.features, encodeValues(table.targets, table.lines, name));

  const activations = net.layers.map((l) => l.activation.name);
  const training = info.training;
  if (reportFile !== undefined) {
    const blas = blasFacts(backend);
    const data: ReportData = {
      title: `blasnet evaluate ${name}`,
      command: io.commandLine,
      created: new Date(),
      task: info.task,
      taskReason: training ? `as trained on ${training.file}` : 'from the model\'s output layer',
      classes: info.classes,
      data: { file: name, rows: table.features.rows, target: describeColumn(table.layout, table.plan.target!), features: info.features, standardized: info.standardize !== null },
      network: { dims: net.dims, activations, loss: lossLabel(net.loss?.name), optimizer: training ? `${String(training.settings.optimizer)} (learning rate ${String(training.settings.lr)})` : 'not recorded', parameters: parameterCount(net.dims), file: modelFile },
      settings: training ? settingsFlags(training.settings) : [],
      settingsNote: training ? `The flags the model was trained with (blasnet train ${training.file}), defaults included.` : 'The model was not trained by blasnet train: no settings recorded.',
      history: training ? { loss: training.loss, valLoss: training.valLoss, lossName: lossLabel(net.loss?.name), recorded: `Recorded when the model was trained on ${training.file} (${training.trainRows} rows, ${training.testRows} held out)` } : null,
      parts: [part],
      timing: null,
      backend,
      blas,
      versions: { blasnet: packageVersion(), node: process.versions.node },
    };
    await writeReport(reportFile, data);
  }

  if (json) {
    const metrics =
      part.kind === 'classification'
        ? { accuracy: part.accuracy, macroF1: part.metrics.macro.f1, weightedF1: part.metrics.weighted.f1, confusion: part.confusion }
        : { mse: part.mse, mae: part.mae, r2: part.r2 };
    await write(io.stdout, `${JSON.stringify({ command: 'evaluate', model: modelFile, file: dataFile, task: info.task, classes: info.classes, rows: part.rows, ...metrics, report: reportFile ?? null })}\n`);
    return 0;
  }
  // File names, classes and the training record come from files: control characters are shown escaped.
  io.stdout.write(printable(`model: ${modelFile}, ${describeLayers(net.dims, activations)}, ${info.task}${training ? `, trained on ${training.file}` : ''}\n`));
  io.stdout.write(printable(`data: ${name}, ${part.rows} rows\n`));
  await write(io.stdout, printable(resultsText([part], info.classes)));
  if (reportFile !== undefined) io.stdout.write(printable(`report written to ${reportFile}\n`));
  return 0;
}
