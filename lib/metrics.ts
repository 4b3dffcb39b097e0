/**
 * Classification metrics, with scikit-learn's definitions and report layout so numbers can be compared
 * side by side.
 */
import { toMatrix, type Matrix, type MatrixLike } from './matrix';
import type { Evaluation } from './network/options';
import { invalid, shapeMismatch } from './validate';

/**
 * The predicted class of each row: the index of the largest output (the first on ties), or, for a single
 * output column (a sigmoid), 1 when the output is >= 0.5 and 0 otherwise.
 */
export function argmaxRows(matrix: Matrix): Int32Array {
  const { rows, cols, data } = matrix;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    if (cols === 1) {
      out[i] = data[base]! >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < cols; j++) if (data[base + j]! > data[base + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * The class of each row from evaluate's `labels`: integers from 0 to classes - 1, or one-hot rows (a
 * Matrix or number[][], each row's largest entry).
 */
export function classLabels(labels: ArrayLike<number> | MatrixLike, classes: number): Int32Array {
  if (
    (Array.isArray(labels) && Array.isArray(labels[0])) ||
    (typeof labels === 'object' && labels !== null && 'data' in labels)
  ) {
    return argmaxRows(toMatrix(labels as MatrixLike, 'labels'));
  }
  const given = labels as ArrayLike<number>;
  const truth = Int32Array.from(given);
  truth.forEach((label, i) => {
    if (!(label >= 0 && label < classes) || label !== given[i]) {
      throw invalid('ERR_INVALID_ARGUMENT', `labels[${i}]`, `a class from 0 to ${classes - 1}`, given[i]);
    }
  });
  return truth;
}

/** Network.evaluate's result: accuracy and confusion of `predictions` against the `labels` given. */
export function evaluateClasses(
  predictions: Int32Array,
  labels: ArrayLike<number> | MatrixLike,
  classes: number,
): Evaluation {
  const truth = classLabels(labels, classes);
  if (truth.length !== predictions.length) {
    throw shapeMismatch(
      `Expected labels to hold one label per row of x (${predictions.length}) but it holds ${truth.length}`,
    );
  }
  return {
    accuracy: accuracy(truth, predictions),
    predictions,
    confusion: confusionMatrix(truth, predictions, classes),
  };
}

function checkLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw shapeMismatch(
      `Expected yTrue and yPred to have the same length but they have ${yTrue.length} and ${yPred.length}`,
    );
  }
  for (const [name, labels] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i]!;
      if (!Number.isInteger(label) || label < 0)
        throw invalid('ERR_INVALID_ARGUMENT', `${name}[${i}]`, 'a class index (an integer >= 0)', label);
    }
  }
}

/** The fraction of positions where the labels agree. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLabels(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** confusion[t][p] = rows of true class t predicted as p, for classes 0..classes-1. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes?: number): number[][] {
  checkLabels(yTrue, yPred);
  let count = classes ?? 0;
  for (let i = 0; i < yTrue.length; i++) count = Math.max(count, yTrue[i]! + 1, yPred[i]! + 1);
  const confusion = Array.from({ length: count }, () => new Array<number>(count).fill(0));
  for (let i = 0; i < yTrue.length; i++) confusion[yTrue[i]!]![yPred[i]!]! += 1;
  return confusion;
}

/** Per-class and averaged precision, recall and F1, as in scikit-learn's `classification_report`. */
export interface ClassificationMetrics {
  /** The classes reported: every class that appears in yTrue or yPred, ascending. */
  labels: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  /** Rows of each true class. */
  support: number[];
  accuracy: number;
  /**
   * The mean of the per-class recalls over the classes present in yTrue (scikit-learn's
   * `balanced_accuracy_score`): what matters when classes are imbalanced, since always answering the
   * majority class scores 1 / classes.
   */
  balancedAccuracy: number;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  /** All rows. */
  total: number;
}

/**
 * Precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic mean; a ratio with a zero
 * denominator is 0 (scikit-learn's `zero_division` default, without its warning).
 */
export function classificationMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ClassificationMetrics {
  const confusion = confusionMatrix(yTrue, yPred);
  const present = new Set<number>();
  for (let i = 0; i < yTrue.length; i++) present.add(yTrue[i]!).add(yPred[i]!);
  const labels = [...present].sort((a, b) => a - b);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  const support: number[] = [];
  for (const c of labels) {
    const tp = confusion[c]![c]!;
    const actual = confusion[c]!.reduce((sum, v) => sum + v, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const p = ratio(tp, predicted);
    const r = ratio(tp, actual);
    precision.push(p);
    recall.push(r);
    f1.push(ratio(2 * p * r, p + r));
    support.push(actual);
  }
  const total = yTrue.length;
  const mean = (values: number[]) =>
    ratio(
      values.reduce((s, v) => s + v, 0),
      values.length,
    );
  const weightedMean = (values: number[]) =>
    ratio(
      values.reduce((s, v, i) => s + v * support[i]!, 0),
      total,
    );
  return {
    labels,
    precision,
    recall,
    f1,
    support,
    accuracy: accuracy(yTrue, yPred),
    balancedAccuracy: mean(recall.filter((_, i) => support[i]! > 0)),
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    weighted: { precision: weightedMean(precision), recall: weightedMean(recall), f1: weightedMean(f1) },
    total,
  };
}

/** Options of {@link classificationReport}. */
export interface ReportOptions {
  /** Names for the classes, indexed by class (default: the class numbers). */
  targetNames?: readonly string[];
  /** Digits after the decimal point. Default 2. */
  digits?: number;
  /**
   * Add a "balanced accuracy" line after the averages (not in scikit-learn's report, which this matches
   * character for character without it). Default false.
   */
  balanced?: boolean;
}

/**
 * scikit-learn's `classification_report` text, character for character: per-class precision, recall, F1
 * and support, then accuracy, macro average and weighted average.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ReportOptions = {},
): string {
  const { digits = 2, targetNames } = options;
  const m = classificationMetrics(yTrue, yPred);
  const names = m.labels.map((label) => targetNames?.[label] ?? String(label));
  const width = Math.max(
    ...names.map((n) => n.length),
    'weighted avg'.length,
    options.balanced === true ? 'balanced accuracy'.length : 0,
    digits,
  );
  const cell = (v: number) => v.toFixed(digits).padStart(9);
  const count = (v: number) => String(v).padStart(9);
  const row = (name: string, cells: string[]) => `${name.padStart(width)} ${cells.map((c) => ` ${c}`).join('')}\n`;
  let report = row(
    '',
    ['precision', 'recall', 'f1-score', 'support'].map((h) => h.padStart(9)),
  ).replace(/\n$/, '');
  report += '\n\n';
  names.forEach((name, i) => {
    report += row(name, [cell(m.precision[i]!), cell(m.recall[i]!), cell(m.f1[i]!), count(m.support[i]!)]);
  });
  report += '\n';
  report += row('accuracy', [''.padStart(9), ''.padStart(9), cell(m.accuracy), count(m.total)]);
  report += row('macro avg', [cell(m.macro.precision), cell(m.macro.recall), cell(m.macro.f1), count(m.total)]);
  report += row('weighted avg', [
    cell(m.weighted.precision),
    cell(m.weighted.recall),
    cell(m.weighted.f1),
    count(m.total),
  ]);
  if (options.balanced === true)
    report += `\n${row('balanced accuracy', [''.padStart(9), ''.padStart(9), cell(m.balancedAccuracy), count(m.total)])}`;
  return report;
}
