/**
 * `blasnet evaluate <model> <data.csv>`: the report `train` prints, for a trained model on new labelled
 * rows: the classification report or the regression metrics, `--json`, and `--report` (whose loss curve
 * is the one recorded when the model was trained).
 */
import * as path from 'node:path';

import { choiceValue, delimiterValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { displayName } from '../csv';
import { printable } from '../terminal';
import { HEADER_MODES } from '../header';
import type { ReportData } from '../html-report';
import { describeLayers } from '../network-plan';
import { readAllRows } from '../rows';
import {
  alignPositional,
  checkModelColumns,
  loadTableModel,
  nameSklearnLabels,
  partsOf,
  withLines,
} from '../table-data';
import type { TableEvaluation } from '../../table/model';
import { resultsText } from '../text-report';
import {
  BACKEND_FLAGS,
  blasFacts,
  checkWritable,
  chooseBackend,
  CSV_FLAGS,
  lossLabel,
  MODEL_POSITIONAL,
  networkFacts,
  refuseSameFile,
  runFacts,
  settingsFlags,
  unseenLine,
  write,
  writeReport,
  type Io,
} from './shared';

/** evaluate's arguments and flags. */
export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  summary: 'Measure a trained model on labelled rows: the same report as after training.',
  positionals: [
    MODEL_POSITIONAL,
    { name: 'data.csv', description: 'labelled rows, with the columns the model was trained on' },
  ],
  options: {
    ...CSV_FLAGS,
    report: { type: 'string', value: '<report.html>', description: 'write an HTML report here' },
    json: { type: 'boolean', description: 'print one JSON object with the results instead of text' },
    ...BACKEND_FLAGS,
  },
};

/** Runs `blasnet evaluate`; resolves with the exit code. */
export async function evaluate(args: ParsedArgs, io: Io): Promise<number> {
  const [modelFile, dataFile] = args.positionals as [string, string];
  const delimiter = delimiterValue(args);
  const header = choiceValue(args, 'header', HEADER_MODES, 'auto');
  const backend = chooseBackend(args);
  const reportFile = stringValue(args, 'report');
  const json = args.values.json === true;
  if (reportFile !== undefined) checkWritable(reportFile, '--report');
  // --report naming the model or the data file would overwrite what this command reads.
  refuseSameFile([
    ['the model', modelFile],
    ['the data file', dataFile],
    ['--report', reportFile],
  ]);
  const { model, net, training } = await loadTableModel(modelFile, backend);
  const name = displayName(dataFile);
  const partName = path.basename(name);
  const spec = model.spec;
  const target = spec.target;
  const task = target.task;
  const classes = target.task === 'classification' ? target.classes : null;
  const targetColumns = target.task === 'classification' ? [target.column] : target.columns;

  const read = await readAllRows(dataFile, { header, delimiter });
  checkModelColumns(read.layout, model, true);
  const chunk = nameSklearnLabels(alignPositional(read, read.layout, model), read.layout, targetColumns[0]!);
  let evaluation: TableEvaluation;
  try {
    evaluation = model.evaluate(chunk.rows);
  } catch (error) {
    throw withLines(error, dataFile, chunk.lines, read.layout);
  }
  const parts = partsOf(partName, evaluation);
  const part = parts[0]!;

  const activations = net.layers.map((l) => l.activation.name);
  if (reportFile !== undefined) {
    const data: ReportData = {
      title: `blasnet evaluate ${name}`,
      task,
      taskReason: training ? `as trained on ${training.file}` : "from the model's output layer",
      classes,
      data: {
        file: name,
        rows: evaluation.rows,
        target: targetColumns.join(', '),
        features: model.inputNames(),
        standardized: spec.encoders.some((e) => e.kind !== 'categorical'),
      },
      columns: model.describeColumns(),
      network: networkFacts(
        net,
        training
          ? `${String(training.settings.optimizer)} (learning rate ${String(training.settings.lr)})`
          : 'not recorded',
        modelFile,
      ),
      settings: training ? settingsFlags(training.settings) : [],
      settingsNote: training
        ? `The flags the model was trained with (blasnet train ${training.file}), defaults included.`
        : 'The model was not trained by blasnet train: no settings recorded.',
      history: training
        ? {
            loss: training.loss,
            valLoss: training.valLoss,
            lossName: lossLabel(net.loss?.name),
            recorded: `Recorded when the model was trained on ${training.file} (${training.trainRows} rows, ${training.testRows} held out)`,
          }
        : null,
      parts,
      timing: null,
      ...runFacts(io, backend, blasFacts(backend)),
    };
    await writeReport(reportFile, data);
  }

  if (json) {
    const metrics =
      evaluation.task === 'classification'
        ? {
            accuracy: evaluation.accuracy,
            balancedAccuracy: evaluation.balancedAccuracy,
            macroF1: evaluation.macroF1,
            weightedF1: evaluation.metrics.weighted.f1,
            confusion: evaluation.confusion,
          }
        : part.kind === 'regression'
          ? { mse: part.mse, mae: part.mae, r2: part.r2, targets: evaluation.targets }
          : {};
    await write(
      io.stdout,
      `${JSON.stringify({ command: 'evaluate', model: modelFile, file: dataFile, task, classes, rows: evaluation.rows, skippedRows: evaluation.skipped, unseen: evaluation.unseen, missing: evaluation.missing, ...metrics, report: reportFile ?? null })}\n`,
    );
    return 0;
  }
  // File names, classes, column names and the training record come from files: control characters are shown escaped.
  io.stdout.write(
    printable(
      `model: ${modelFile}, ${describeLayers(net.dims, activations)}, ${task}${training ? `, trained on ${training.file}` : ''}\n`,
    ),
  );
  io.stdout.write(
    printable(
      `data: ${name}, ${evaluation.rows} rows${evaluation.skipped > 0 ? ` (${evaluation.skipped} without a target left out)` : ''}\n`,
    ),
  );
  await write(io.stdout, printable(resultsText(parts, classes)));
  if (evaluation.task === 'classification') {
    io.stdout.write(
      printable(
        `${partName} balanced accuracy: ${evaluation.balancedAccuracy.toFixed(4)}\n${partName} macro F1: ${evaluation.macroF1.toFixed(4)}\n`,
      ),
    );
  }
  if (Object.keys(evaluation.unseen).length > 0) io.stdout.write(printable(unseenLine(evaluation.unseen)));
  if (reportFile !== undefined) io.stdout.write(printable(`report written to ${reportFile}\n`));
  return 0;
}
